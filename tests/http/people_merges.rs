//! Merging by the pages ("This is the same person as…": the duplicate chosen from the
//! household or a search, both records checked side by side, the banner and its undo) and by
//! the API, refusals included.
//!
//! Merge chains: A merged into B, then B into C. A's names must be found at C, by this
//! instance and by one that builds its index afresh, and undoing either merge must put each
//! name back where it belongs.
use axum::http::Method;
use axum::http::StatusCode;
use ecaf_tests::{on_both_databases, Client, TestApp, EARLY_HELP, PASSWORD, PRACTITIONER};
use serde_json::json;

/// Adds a person through the page and returns their record number.
async fn add(client: &mut Client, given: &str, family: &str, dob: [&str; 3]) -> i64 {
    add_with(
        client,
        &[
            ("given_name", given),
            ("family_name", family),
            ("dob_day", dob[0]),
            ("dob_month", dob[1]),
            ("dob_year", dob[2]),
        ],
    )
    .await
}

/// Adds a person with these fields through the page, answering "None of these" if a likely
/// duplicate is offered first (the duplicates here are made on purpose), and returns their
/// record number.
async fn add_with(client: &mut Client, fields: &[(&str, &str)]) -> i64 {
    let reply = crate::people::post_new(client, fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let mut location = reply.header("location").to_string();
    if location.ends_with("/check") {
        let question = client.get(&location).await;
        let shown = crate::people::candidates_shown(&question.text);
        let answered = client
            .post(
                &location,
                &[("answer", "none"), ("candidates_shown", shown.as_str())],
            )
            .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.text);
        location = answered.header("location").to_string();
    }
    location
        .trim_start_matches("/people/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected location {location}"))
}

async fn merge(eve: &mut Client, kept: i64, merged: i64) {
    let reply = merge_by_page(eve, kept, merged, "Same child").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
}

/// The value of the hidden field `name` on a page.
fn hidden(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no hidden {name} on the page: {html}"))
        .to_string()
}

/// Merges `merged` into `kept` as the pages do: the check page (both records side by side,
/// their revisions in the form), then "Merge records" keeping `kept`.
pub(crate) async fn merge_by_page(
    eve: &mut Client,
    kept: i64,
    merged: i64,
    reason: &str,
) -> ecaf_tests::Reply {
    let check = eve.get(&format!("/people/{kept}/merge/{merged}")).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text);
    let (revision, duplicate_revision) = (
        hidden(&check.text, "revision"),
        hidden(&check.text, "duplicate_revision"),
    );
    let kept_text = kept.to_string();
    eve.post(
        &format!("/people/{kept}/merge/{merged}"),
        &[
            ("kept", kept_text.as_str()),
            ("reason", reason),
            ("revision", revision.as_str()),
            ("duplicate_revision", duplicate_revision.as_str()),
        ],
    )
    .await
}

/// Undoes the merge of `merged` into `kept`, with the button on the kept record.
async fn undo(app: &TestApp, eve: &mut Client, kept: i64, merged: i64) {
    let merge_id = app
        .count(&format!(
            "SELECT id FROM person_merges WHERE kept_id = {kept} AND merged_id = {merged} \
             AND undone_at IS NULL"
        ))
        .await;
    eve.get(&format!("/people/{kept}")).await;
    let reply = eve
        .post(&format!("/people/merges/{merge_id}/undo"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
}

/// The record numbers a search by name offers.
async fn found(client: &mut Client, given: &str, family: &str) -> Vec<i64> {
    client.get("/people/search").await;
    let reply =
        crate::people::search(client, &[("given_name", given), ("family_name", family)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
        .text
        .split("href=\"/people/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .fold(Vec::new(), |mut ids, id| {
            if !ids.contains(&id) {
                ids.push(id);
            }
            ids
        })
}

on_both_databases!(names_follow_a_chain_of_merges_and_their_undoing, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let a = add(&mut sam, "Kacper", "Nowak", ["30", "1", "2014"]).await;
    let b = add(&mut sam, "Isla", "Thompson", ["12", "5", "2015"]).await;
    let c = add(&mut sam, "Zara", "Williams", ["3", "9", "2016"]).await;
    let mut eve = app.signed_in(EARLY_HELP).await;
    merge(&mut eve, b, a).await;
    merge(&mut eve, c, b).await;
    assert_eq!(
        found(&mut sam, "Kacper", "Nowak").await,
        [c],
        "A's name finds C"
    );
    assert_eq!(
        found(&mut sam, "Isla", "Thompson").await,
        [c],
        "B's name finds C"
    );
    // Another instance builds its index from the database.
    let mut other = app.client_of(app.second_instance(&app.url).await);
    other.sign_in(PRACTITIONER, PASSWORD).await;
    assert_eq!(found(&mut other, "Kacper", "Nowak").await, [c]);
    // Undoing B into C: A's name belongs to B again, here and on the other instance.
    undo(&app, &mut eve, c, b).await;
    assert_eq!(found(&mut sam, "Kacper", "Nowak").await, [b]);
    assert_eq!(found(&mut other, "Kacper", "Nowak").await, [b]);
    assert_eq!(found(&mut sam, "Zara", "Williams").await, [c]);
    // Merged again, then undoing A into B in the middle of the chain: A stands alone, and C
    // (which carried A's names) no longer answers to them.
    merge(&mut eve, c, b).await;
    assert_eq!(found(&mut other, "Kacper", "Nowak").await, [c]);
    undo(&app, &mut eve, b, a).await;
    assert_eq!(found(&mut sam, "Kacper", "Nowak").await, [a]);
    assert_eq!(found(&mut other, "Kacper", "Nowak").await, [a]);
    assert_eq!(found(&mut other, "Isla", "Thompson").await, [c]);
    let fresh = app.second_instance(&app.url).await;
    let mut fresh = app.client_of(fresh);
    fresh.sign_in(PRACTITIONER, PASSWORD).await;
    assert_eq!(found(&mut fresh, "Kacper", "Nowak").await, [a]);
    assert_eq!(found(&mut fresh, "Isla", "Thompson").await, [c]);
});

on_both_databases!(
    a_merge_keeps_the_whole_record_in_its_history_snapshot,
    |app| {
        let mut eve = app.signed_in(EARLY_HELP).await;
        let reply = crate::people::post_new(
            &mut eve,
            &[
                ("given_name", "Amelia"),
                ("family_name", "Hughes"),
                ("dob_day", "7"),
                ("dob_month", "3"),
                ("dob_year", "2019"),
                ("address_line1", "4 Mill Lane"),
                ("town", "Brookford"),
                ("postcode", "BF1 2AB"),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        let kept: i64 = reply
            .header("location")
            .trim_start_matches("/people/")
            .split('?')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap();
        let duplicate = add(&mut eve, "Amelie", "Hewitt", ["8", "4", "2020"]).await;
        merge(&mut eve, kept, duplicate).await;
        // The history entry the merge wrote for the kept record is the record as it is, address
        // and all: an edit based on it must not read as the address being changed.
        let grant = ecaf_domain::access::operator_grant::<ecaf_domain::access::UseRegister>();
        let revision = app
            .count(&format!("SELECT revision FROM people WHERE id = {kept}"))
            .await;
        let snapshot = app
            .store
            .person_at_revision(&grant, kept, revision)
            .await
            .unwrap()
            .expect("a snapshot");
        assert_eq!(snapshot.given_name, "Amelia");
        assert_eq!(
            snapshot.main_address.map(|a| a.line1),
            Some("4 Mill Lane".to_string())
        );
    }
);

/// Adds a person at 4 Mill Lane, BF1 2AB, and returns their record number.
async fn add_at_mill_lane(client: &mut Client, given: &str, family: &str, dob: [&str; 3]) -> i64 {
    add_with(
        client,
        &[
            ("given_name", given),
            ("family_name", family),
            ("dob_day", dob[0]),
            ("dob_month", dob[1]),
            ("dob_year", dob[2]),
            ("address_line1", "4 Mill Lane"),
            ("town", "Brookford"),
            ("postcode", "BF1 2AB"),
        ],
    )
    .await
}

on_both_databases!(
    a_duplicate_chosen_from_the_household_is_checked_merged_and_undone_from_the_banner,
    |app| {
        let mut eve = app.signed_in(EARLY_HELP).await;
        let kept = add_at_mill_lane(&mut eve, "Amelia", "Hughes", ["7", "3", "2019"]).await;
        let duplicate = add_at_mill_lane(&mut eve, "Amy", "Hughes", ["7", "3", "2019"]).await;
        let record = eve.get(&format!("/people/{kept}")).await;
        assert!(
            record.text.contains("This is the same person as…"),
            "{}",
            record.text
        );
        // The choice lists the household, each with "Choose this record".
        let choose = eve.get(&format!("/people/{kept}/merge")).await;
        assert_eq!(choose.status, StatusCode::OK);
        assert!(choose
            .text
            .contains("Who is the same person as Amelia Hughes?"));
        assert!(choose.text.contains("govuk-back-link"));
        assert!(
            choose
                .text
                .contains(&format!("href=\"/people/{kept}/merge/{duplicate}\"")),
            "{}",
            choose.text
        );
        // The check page shows both records side by side.
        let check = eve.get(&format!("/people/{kept}/merge/{duplicate}")).await;
        assert_eq!(check.status, StatusCode::OK);
        for text in [
            "Check these are the same person",
            &format!("Record {kept}"),
            &format!("Record {duplicate}"),
            "Amelia Hughes",
            "Amy Hughes",
            "7 March 2019 (7 years)",
            "ecaf-table--stack",
            &format!("Keep record {kept} (Amelia Hughes)"),
        ] {
            assert!(check.text.contains(text), "{text} missing: {}", check.text);
        }
        // No reason: nothing merged.
        let kept_text = kept.to_string();
        let missing = eve
            .post(
                &format!("/people/{kept}/merge/{duplicate}"),
                &[
                    ("kept", kept_text.as_str()),
                    ("reason", ""),
                    ("revision", &hidden(&check.text, "revision")),
                    (
                        "duplicate_revision",
                        &hidden(&check.text, "duplicate_revision"),
                    ),
                ],
            )
            .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing
            .text
            .contains("Enter why the two records are the same person"));
        assert_eq!(app.count("SELECT COUNT(*) FROM person_merges").await, 0);
        let merged = merge_by_page(
            &mut eve,
            kept,
            duplicate,
            "Same child: confirmed with school",
        )
        .await;
        assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text);
        let banner_page = merged.header("location").to_string();
        assert!(
            banner_page.starts_with(&format!("/people/{kept}?merged=")),
            "{banner_page}"
        );
        let page = eve.get(&banner_page).await;
        assert!(
            page.text.contains(&format!(
                "Record {duplicate} (Amy Hughes) merged into record {kept} (Amelia Hughes)"
            )),
            "{}",
            page.text
        );
        assert!(page.text.contains("Undo this merge"));
        // The duplicate's name is listed under Other names on the kept record.
        assert!(
            page.text
                .contains(&format!("Amy Hughes (merged record {duplicate})")),
            "{}",
            page.text
        );
        // Undo from the banner.
        let merge_id = app.count("SELECT id FROM person_merges").await;
        let undone = eve
            .post(&format!("/people/merges/{merge_id}/undo"), &[])
            .await;
        assert_eq!(undone.status, StatusCode::SEE_OTHER);
        let after = eve.get(undone.header("location")).await;
        assert!(
            after.text.contains(&format!(
                "The merge of record {duplicate} (Amy Hughes) into record {kept} (Amelia Hughes) has been undone"
            )),
            "{}",
            after.text
        );
        assert!(!after.text.contains("merged record"));
        assert!(!after.text.contains("Undo this merge"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM people WHERE merged_into_id IS NOT NULL")
                .await,
            0
        );
        // Undoing again is refused, saying so.
        eve.get(&format!("/people/{kept}")).await;
        let again = eve
            .post(&format!("/people/merges/{merge_id}/undo"), &[])
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.text.contains("already been undone"), "{}", again.text);
    }
);

on_both_databases!(a_duplicate_can_be_chosen_from_a_search, |app| {
    let mut eve = app.signed_in(EARLY_HELP).await;
    let kept = add(&mut eve, "Kacper", "Nowak", ["30", "1", "2014"]).await;
    let duplicate = add(&mut eve, "Kasper", "Nowak", ["30", "1", "2014"]).await;
    eve.get(&format!("/people/{kept}/merge")).await;
    let refused = eve
        .post(
            &format!("/people/{kept}/merge/search"),
            &[("given_name", "Kasper")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = eve
        .post(
            &format!("/people/{kept}/merge/search"),
            &[("given_name", "Kasper"), ("family_name", "Nowak")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let results = sent.header("location").to_string();
    assert!(
        results.starts_with(&format!("/people/{kept}/merge/search/")),
        "{results}"
    );
    let page = eve.get(&results).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Choose this record"));
    assert!(page
        .text
        .contains(&format!("href=\"/people/{kept}/merge/{duplicate}\"")));
    // The record itself is not offered as its own duplicate.
    assert!(!page
        .text
        .contains(&format!("href=\"/people/{kept}/merge/{kept}\"")));
    // From Kacper's record, the practitioner keeps the other one: Kacper's is merged into it.
    let check = eve.get(&format!("/people/{kept}/merge/{duplicate}")).await;
    let duplicate_text = duplicate.to_string();
    let merged = eve
        .post(
            &format!("/people/{kept}/merge/{duplicate}"),
            &[
                ("kept", duplicate_text.as_str()),
                ("reason", "Same NHS number"),
                ("revision", &hidden(&check.text, "revision")),
                (
                    "duplicate_revision",
                    &hidden(&check.text, "duplicate_revision"),
                ),
            ],
        )
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text);
    assert!(merged
        .header("location")
        .starts_with(&format!("/people/{duplicate}?merged=")));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM people WHERE id = {kept} AND merged_into_id = {duplicate}"
        ))
        .await,
        1
    );
});

on_both_databases!(merges_that_cannot_be_made_say_why, |app| {
    let mut eve = app.signed_in(EARLY_HELP).await;
    let a = add(&mut eve, "Isla", "Thompson", ["12", "5", "2015"]).await;
    let b = add(&mut eve, "Isla", "Tomson", ["12", "5", "2015"]).await;
    let c = add(&mut eve, "Zara", "Williams", ["3", "9", "2016"]).await;
    let itself = eve.get(&format!("/people/{a}/merge/{a}")).await;
    assert!(
        itself.text.contains("cannot be merged into itself"),
        "{}",
        itself.text
    );
    assert!(!itself.text.contains("Merge records"));
    // The check page was shown; then someone else changed the duplicate.
    let check = eve.get(&format!("/people/{a}/merge/{b}")).await;
    let (revision, duplicate_revision) = (
        hidden(&check.text, "revision"),
        hidden(&check.text, "duplicate_revision"),
    );
    let mut sam = app.signed_in(PRACTITIONER).await;
    sam.get(&format!("/people/{b}/edit")).await;
    let edited = sam
        .post(
            &format!("/people/{b}/edit"),
            &[
                ("given_name", "Isla"),
                ("family_name", "Tomson"),
                ("dob_day", "12"),
                ("dob_month", "5"),
                ("dob_year", "2015"),
                ("telephone", "07700 900 982"),
                ("revision", duplicate_revision.as_str()),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.text);
    let a_text = a.to_string();
    let stale = eve
        .post(
            &format!("/people/{a}/merge/{b}"),
            &[
                ("kept", a_text.as_str()),
                ("reason", "Same child"),
                ("revision", revision.as_str()),
                ("duplicate_revision", duplicate_revision.as_str()),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(stale
        .text
        .contains("after this page was shown, so nothing has been merged"));
    assert_eq!(app.count("SELECT COUNT(*) FROM person_merges").await, 0);
    // Merged, then offered again from another record: already merged, and where to.
    let merged = merge_by_page(&mut eve, a, b, "Same child").await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text);
    let again = eve.get(&format!("/people/{c}/merge/{b}")).await;
    assert!(
        again.text.contains(&format!(
            "Record {b} (Isla Tomson) has already been merged into record {a}"
        )),
        "{}",
        again.text
    );
    assert!(!again.text.contains("Merge records"));
});

/// POSTs `body` as JSON with an `Idempotency-Key`.
async fn keyed(
    api: &mut Client,
    path: &str,
    token: &str,
    key: &str,
    body: &serde_json::Value,
) -> ecaf_tests::Reply {
    let auth = format!("Bearer {token}");
    api.send(
        Method::POST,
        path,
        axum::body::Body::from(body.to_string()),
        Some("application/json"),
        &[("authorization", auth.as_str()), ("idempotency-key", key)],
    )
    .await
}

on_both_databases!(merges_and_their_undoing_over_the_api, |app| {
    let mut eve = app.signed_in(EARLY_HELP).await;
    let kept = add(&mut eve, "Amelia", "Hughes", ["7", "3", "2019"]).await;
    let duplicate = add(&mut eve, "Amelie", "Hewitt", ["8", "4", "2020"]).await;
    let token = eve.create_token("merging").await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let sam_token = sam.create_token("not allowed").await;
    let path = format!("/api/v1/people/{kept}/merge");
    let body = json!({ "duplicate_id": duplicate, "reason": "Same child" });
    let mut api = app.client();
    let denied = api.api_json(Method::POST, &path, &sam_token, &body).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let no_reason = api
        .api_json(
            Method::POST,
            &path,
            &token,
            &json!({ "duplicate_id": duplicate, "reason": " " }),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()["errors"][0]["field"], "reason");
    let itself = api
        .api_json(
            Method::POST,
            &path,
            &token,
            &json!({ "duplicate_id": kept, "reason": "x" }),
        )
        .await;
    assert_eq!(itself.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(itself.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("cannot be merged into itself"));
    let nobody = api
        .api_json(Method::POST, "/api/v1/people/999999/merge", &token, &body)
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    let no_duplicate = api
        .api_json(
            Method::POST,
            &path,
            &token,
            &json!({ "duplicate_id": 999999, "reason": "Same child" }),
        )
        .await;
    assert_eq!(no_duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_duplicate.text.contains("There is no record 999999"));
    let stale = api
        .api_json(
            Method::POST,
            &path,
            &token,
            &json!({ "duplicate_id": duplicate, "reason": "Same child", "revision": 1, "duplicate_revision": 0 }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert_eq!(app.count("SELECT COUNT(*) FROM person_merges").await, 0);
    // With an Idempotency-Key: a retry answers with the same merge.
    let first = keyed(&mut api, &path, &token, "merge-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let merge = first.json();
    assert_eq!(merge["kept_id"], kept);
    assert_eq!(merge["duplicate_id"], duplicate);
    assert_eq!(merge["duplicate_name"], "Amelie Hewitt");
    let retry = keyed(&mut api, &path, &token, "merge-1", &body).await;
    assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.text);
    assert_eq!(retry.header("idempotent-replayed"), "true");
    assert_eq!(retry.json()["id"], merge["id"]);
    let reused = keyed(
        &mut api,
        &path,
        &token,
        "merge-1",
        &json!({ "duplicate_id": duplicate, "reason": "Other" }),
    )
    .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.json()["errors"][0]["field"], "Idempotency-Key");
    // Without a key, the duplicate is now refused as already merged.
    let twice = api.api_json(Method::POST, &path, &token, &body).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        twice.text.contains("has already been merged"),
        "{}",
        twice.text
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM person_merges").await, 1);
    // The kept record lists the duplicate's names.
    let person = api.api_get(&format!("/api/v1/people/{kept}"), &token).await;
    assert_eq!(
        person.json()["names_from_merges"][0]["given_name"],
        "Amelie"
    );
    // Undo.
    let merge_id = merge["id"].as_i64().unwrap_or_default();
    let undo = format!("/api/v1/people/merges/{merge_id}/undo");
    let denied = api
        .api_json(Method::POST, &undo, &sam_token, &json!({}))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let undone = api.api_json(Method::POST, &undo, &token, &json!({})).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text);
    assert!(undone.json()["undone_at"].is_string());
    let again = api.api_json(Method::POST, &undo, &token, &json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("already been undone"));
    let missing = api
        .api_json(
            Method::POST,
            "/api/v1/people/merges/999999/undo",
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"person.merge".to_string()));
    assert!(actions.contains(&"person.unmerge".to_string()));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM people WHERE merged_into_id IS NOT NULL")
            .await,
        0
    );
});

/// Starts a CAF for `child` through the page (consent from the young person) and returns its
/// address.
async fn start_caf(eve: &mut Client, child: i64, name: &str) -> String {
    eve.get(&format!("/people/{child}/cafs/new")).await;
    let started = eve
        .post(
            &format!("/people/{child}/cafs/new"),
            &[
                ("giver", "young_person"),
                ("giver_name", name),
                ("agreed_on-day", "20"),
                ("agreed_on-month", "11"),
                ("agreed_on-year", "2026"),
                ("may_contact", "no"),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
    started.header("location").to_string()
}

on_both_databases!(two_records_each_with_an_open_caf_are_not_merged, |app| {
    let mut eve = app.signed_in(EARLY_HELP).await;
    let a = add(&mut eve, "Isla", "Thompson", ["12", "5", "2015"]).await;
    let b = add(&mut eve, "Isla", "Tomson", ["12", "5", "2015"]).await;
    start_caf(&mut eve, a, "Isla Thompson").await;
    // One open CAF between them: the merge may go ahead (the page offers it).
    let check = eve.get(&format!("/people/{a}/merge/{b}")).await;
    assert!(check.text.contains("Merge records"), "{}", check.text);
    start_caf(&mut eve, b, "Isla Tomson").await;
    let check = eve.get(&format!("/people/{a}/merge/{b}")).await;
    assert!(
        check.text.contains("both have an open CAF"),
        "{}",
        check.text
    );
    assert!(!check.text.contains("Merge records"));
    // Sent anyway (a page shown before the second CAF started), it is refused and says why.
    let revision_of = |id: i64| format!("SELECT revision FROM people WHERE id = {id}");
    let revision = app.count(&revision_of(a)).await.to_string();
    let duplicate_revision = app.count(&revision_of(b)).await.to_string();
    let a_text = a.to_string();
    let refused = eve
        .post(
            &format!("/people/{a}/merge/{b}"),
            &[
                ("kept", a_text.as_str()),
                ("reason", "Same child"),
                ("revision", revision.as_str()),
                ("duplicate_revision", duplicate_revision.as_str()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text.contains("both have an open CAF"),
        "{}",
        refused.text
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM person_merges").await, 0);
});
