//! Merge chains: A merged into B, then B into C. A's names must be found at C, by this
//! instance and by one that builds its index afresh, and undoing either merge must put each
//! name back where it belongs.
use axum::http::StatusCode;
use ecaf_tests::{on_both_databases, Client, TestApp, EARLY_HELP, PASSWORD, PRACTITIONER};

/// Adds a person through the page and returns their record number.
async fn add(client: &mut Client, given: &str, family: &str, dob: [&str; 3]) -> i64 {
    let reply = crate::people::post_new(
        client,
        &[
            ("given_name", given),
            ("family_name", family),
            ("dob_day", dob[0]),
            ("dob_month", dob[1]),
            ("dob_year", dob[2]),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let location = reply.header("location");
    location
        .trim_start_matches("/people/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected location {location}"))
}

async fn merge(eve: &mut Client, kept: i64, merged: i64) {
    eve.get(&format!("/people/{kept}/merge")).await;
    let merged = merged.to_string();
    let reply = eve
        .post(
            &format!("/people/{kept}/merge"),
            &[("merged_id", merged.as_str()), ("reason", "Same child")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
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
