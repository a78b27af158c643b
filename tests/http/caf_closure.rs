//! Closing a CAF, on both databases: by its page and over the API, each problem named with
//! nothing changed; a closed CAF refuses every change (sections, consent, withdrawal,
//! sharing decisions, owner) with the same specific message; the family's final copy and
//! the feedback offer; starting a new CAF linked to a closed one; the reasons for closing
//! as the CAF's own wording; a CAF open for more than a year marked as drifting; and
//! someone with no need to know refused.
use super::caf_pages::{answers, child_and_outsider, section_path, start, OUTSIDER};
use super::wording::{form, post};
use axum::http::{Method, StatusCode};
use ecaf_domain::caf::wording::Wording;
use ecaf_tests::{
    on_both_databases, problem_fields, with_token, Client, Reply, TestApp, ADMIN, PRACTITIONER,
};
use serde_json::{json, Value};

/// What the access decision says of any change to a closed CAF.
const READ_ONLY: &str = "the CAF is closed and read-only";

fn closing(reason: &str, explanation: &str, summary: &str, day: &str) -> Vec<(String, String)> {
    [
        ("reason", reason),
        ("explanation", explanation),
        ("summary", summary),
        ("closed_on-day", day),
        ("closed_on-month", if day.is_empty() { "" } else { "11" }),
        ("closed_on-year", if day.is_empty() { "" } else { "2026" }),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn post_owned(client: &mut Client, path: &str, fields: &[(String, String)]) -> Reply {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post(path, &pairs).await
}

async fn state_of(app: &TestApp, caf: i64) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM cafs WHERE id = {caf} AND state = 'closed'"
    ))
    .await
}

async fn api_close(client: &mut Client, token: &str, caf: i64, body: Value) -> Reply {
    client
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/close"),
            token,
            &body,
        )
        .await
}

async fn revision(client: &mut Client, token: &str, caf: i64) -> i64 {
    client
        .api_get(&format!("/api/v1/cafs/{caf}"), token)
        .await
        .json()["caf"]["revision"]
        .as_i64()
        .unwrap()
}

const SUMMARY: &str =
    "Attendance is back above 95%. Carrying on: the school nurse sees Amelia each half term.";

on_both_databases!(
    closing_by_the_page_names_each_problem_then_leaves_the_caf_read_only,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks.text.contains(&format!("href=\"/cafs/{caf}/close\"")));
        let path = format!("/cafs/{caf}/close");
        let form = sam.get(&path).await;
        assert_eq!(form.status, StatusCode::OK);
        for words in [
            "Actions complete and outcomes achieved",
            "Reached adulthood or moved into adult services",
            "Needs now met by a specialist or statutory service (step up)",
            "Other (explain)",
            "list the actions that carry on",
        ] {
            assert!(form.text.contains(words), "{words}");
        }

        let empty = post_owned(&mut sam, &path, &closing("", "", "", "")).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("<title>Error:") && empty.text.contains("There is a problem"));
        for (anchor, message) in [
            ("#reason", "Select the reason for closing"),
            ("#summary", "Enter the closing summary"),
            ("#closed_on-day", "Enter the date of closure"),
        ] {
            assert!(
                empty.text.contains(&format!("href=\"{anchor}\"")) && empty.text.contains(message),
                "{anchor}: {message}"
            );
        }
        let other = post_owned(&mut sam, &path, &closing("other", " ", SUMMARY, "26")).await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(other.text.contains("Explain the reason for closing"));
        assert!(other
            .text
            .contains("The date of closure must be today or in the past"));
        assert!(
            other
                .text
                .contains("the school nurse sees Amelia each half term"),
            "the typing is kept"
        );
        let unknown = post_owned(&mut sam, &path, &closing("bored", "", SUMMARY, "25")).await;
        assert!(unknown
            .text
            .contains("Select a reason for closing from the list"));
        let early = post_owned(
            &mut sam,
            &path,
            &closing("no_longer_relevant", "", SUMMARY, "24"),
        )
        .await;
        assert!(early
            .text
            .contains("The date of closure must be on or after the day the CAF was opened"));
        let long = "x".repeat(10_001);
        let essay = post_owned(
            &mut sam,
            &path,
            &closing("no_longer_relevant", "", &long, "25"),
        )
        .await;
        assert!(essay
            .text
            .contains("The closing summary must be 10000 characters or fewer"));
        assert_eq!(state_of(&app, caf).await, 0, "nothing closed");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_events WHERE kind = 'caf.closed'")
                .await,
            0
        );

        let closed = post_owned(
            &mut sam,
            &path,
            &closing("outcomes_achieved", "", SUMMARY, "25"),
        )
        .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
        assert_eq!(closed.header("location"), format!("/cafs/{caf}/closed"));
        let confirmation = sam.get(&format!("/cafs/{caf}/closed")).await;
        assert_eq!(confirmation.status, StatusCode::OK);
        assert!(confirmation.text.contains("CAF closed"));
        assert!(confirmation
            .text
            .contains(&format!("href=\"/cafs/{caf}/family-copy\"")));
        assert!(confirmation.text.contains("feedback questionnaire"));
        assert_eq!(state_of(&app, caf).await, 1);
        assert!(app.audit_actions().await.contains(&"caf.close".to_string()));

        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(
            tasks
                .text
                .contains("Closed on 25 November 2026: Actions complete and outcomes achieved"),
            "{}",
            tasks.text
        );
        assert!(tasks.text.contains(SUMMARY));
        for change in [
            "/close\"",
            "/owner\"",
            "/sharing/new\"",
            "/consent\"",
            "/consent/withdraw\"",
            "/sign-off\"",
        ] {
            assert!(
                !tasks.text.contains(&format!("href=\"/cafs/{caf}{change}")),
                "no change link {change} on a closed CAF"
            );
        }
        assert!(tasks.text.contains("Start a new CAF linked to this one"));
        assert!(tasks
            .text
            .contains("The assessment was not signed off before the CAF closed"));
        let copy = sam.get(&format!("/cafs/{caf}/family-copy")).await;
        assert!(copy.text.contains("Closing the CAF") && copy.text.contains(SUMMARY));
        assert!(copy.text.contains("feedback questionnaire"));
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        assert!(chronology
            .text
            .contains("closed (Actions complete and outcomes achieved)"));
        // Closing again is refused: the form leads to the confirmation, a post is read-only.
        assert_eq!(
            sam.get(&path).await.header("location"),
            format!("/cafs/{caf}/closed")
        );
        let again = post_owned(
            &mut sam,
            &path,
            &closing("no_longer_relevant", "", SUMMARY, "25"),
        )
        .await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        assert!(again.text.contains(READ_ONLY));
    }
);

on_both_databases!(
    closing_over_the_api_names_each_field_and_changes_nothing_until_right,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let t = sam.create_token("tests").await;
        let rev = revision(&mut sam, &t, caf).await;
        assert_eq!(
            problem_fields(&api_close(&mut sam, &t, caf, json!({})).await),
            ["closed_on", "revision"]
        );
        let bad = api_close(
            &mut sam,
            &t,
            caf,
            json!({ "reason": "", "summary": " ", "closed_on": "2026-11-26", "revision": rev }),
        )
        .await;
        assert_eq!(problem_fields(&bad), ["reason", "summary", "closed_on"]);
        assert_eq!(
            bad.json()["errors"][0]["message"],
            "Select the reason for closing"
        );
        let other = api_close(&mut sam, &t, caf, json!({ "reason": "other", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev })).await;
        assert_eq!(problem_fields(&other), ["explanation"]);
        let stale = api_close(&mut sam, &t, caf, json!({ "reason": "no_longer_relevant", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev + 7 })).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
        let (mut nia, nt) = with_token(&app, OUTSIDER).await;
        let outsider = api_close(&mut nia, &nt, caf, json!({ "reason": "no_longer_relevant", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev })).await;
        assert_eq!(outsider.status, StatusCode::FORBIDDEN, "{}", outsider.text);
        assert_eq!(state_of(&app, caf).await, 0, "nothing closed");

        let closed = api_close(&mut sam, &t, caf, json!({ "reason": "other", "explanation": "The family moved abroad", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev })).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
        let view = closed.json();
        assert_eq!(view["caf"]["state"], "closed");
        let episode = &view["caf"]["episode"];
        assert_eq!(episode["closed_on"], "2026-11-25");
        assert_eq!(episode["closure_reason"], "other");
        assert_eq!(episode["closure_explanation"], "The family moved abroad");
        assert_eq!(episode["closure_summary"], SUMMARY);
        let again = api_close(&mut sam, &t, caf, json!({ "reason": "no_longer_relevant", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev + 1 })).await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        assert_eq!(again.json()["detail"], READ_ONLY);
    }
);

on_both_databases!(
    a_closed_caf_refuses_every_change_with_a_specific_message,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let agency = app.agency_id.to_string();
        sam.get(&format!("/cafs/{caf}/consent")).await;
        let consent_fields = [
            ("parent1_name", "Laura Hughes"),
            ("given_on-day", "24"),
            ("given_on-month", "11"),
            ("given_on-year", "2026"),
            ("signed_copy_kept", "School safeguarding file"),
            ("agencies", agency.as_str()),
        ];
        let consented = sam
            .post(&format!("/cafs/{caf}/consent"), &consent_fields)
            .await;
        assert_eq!(
            consented.status,
            StatusCode::SEE_OTHER,
            "{}",
            consented.text
        );
        let t = sam.create_token("tests").await;
        let rev = revision(&mut sam, &t, caf).await;
        let closed = api_close(&mut sam, &t, caf, json!({ "reason": "outcomes_achieved", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev })).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
        let other_agency = app.count("SELECT MAX(id) FROM agencies").await.to_string();
        let counts = "SELECT (SELECT COUNT(*) FROM caf_events) * 1000000 + (SELECT COUNT(*) FROM caf_sections) * 10000 \
         + (SELECT COUNT(*) FROM caf_consents WHERE withdrawn_on IS NULL) * 100 + (SELECT COUNT(*) FROM caf_sharing_decisions)";
        let before = app.count(counts).await;

        let section = section_path(caf, "family_background", false, child);
        let page_writes: Vec<(String, Vec<(&str, &str)>)> = vec![
            (section.clone(), answers("family_background")),
            (format!("/cafs/{caf}/consent"), consent_fields.to_vec()),
            (
                format!("/cafs/{caf}/consent/withdraw"),
                vec![
                    ("withdrawn_on-day", "25"),
                    ("withdrawn_on-month", "11"),
                    ("withdrawn_on-year", "2026"),
                    ("reason", "needs_met"),
                    ("harm", "no"),
                    ("harm_reasoning", "No concerns"),
                ],
            ),
            (
                format!("/cafs/{caf}/sharing/new"),
                vec![
                    ("shared", "yes"),
                    ("basis", "significant_harm"),
                    ("reasoning", "Bruising seen at school"),
                    ("agencies", other_agency.as_str()),
                    ("decided_on-day", "25"),
                    ("decided_on-month", "11"),
                    ("decided_on-year", "2026"),
                ],
            ),
            (
                format!("/cafs/{caf}/owner"),
                vec![
                    ("agency_id", other_agency.as_str()),
                    ("changed_on-day", "25"),
                    ("changed_on-month", "11"),
                    ("changed_on-year", "2026"),
                    ("reason", "Moved school"),
                ],
            ),
        ];
        for (path, fields) in page_writes {
            sam.get(&format!("/cafs/{caf}")).await;
            let refused = sam.post(&path, &fields).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{path}: {}",
                refused.text
            );
            assert!(refused.text.contains(READ_ONLY), "{path}");
        }
        let other: i64 = other_agency.parse().unwrap();
        let api_writes = [
            (
                Method::PUT,
                format!("/api/v1/cafs/{caf}/sections/family_background"),
                json!({ "status": "complete", "content": { "family_background": "x" } }),
            ),
            (
                Method::POST,
                format!("/api/v1/cafs/{caf}/consent"),
                json!({ "given_by": [{ "kind": "parent_or_carer", "name": "Laura Hughes" }], "on": "2026-11-24", "signed_copy_kept": "School file", "agencies": [app.agency_id] }),
            ),
            (
                Method::POST,
                format!("/api/v1/cafs/{caf}/consent/withdrawal"),
                json!({ "on": "2026-11-25", "reason_code": "needs_met", "explanation": "", "harm_decision": { "risk_of_significant_harm": false, "reasoning": "No concerns" } }),
            ),
            (
                Method::POST,
                format!("/api/v1/cafs/{caf}/sharing-decisions"),
                json!({ "shared": true, "basis_code": "significant_harm", "reasoning": "Bruising", "with_agencies": [other], "decided_on": "2026-11-25" }),
            ),
            (
                Method::POST,
                format!("/api/v1/cafs/{caf}/owner"),
                json!({ "agency_id": other, "on": "2026-11-25", "reason": "Moved school", "revision": rev + 1 }),
            ),
        ];
        for (method, path, body) in api_writes {
            let refused = sam.api_json(method, &path, &t, &body).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{path}: {}",
                refused.text
            );
            assert_eq!(refused.json()["detail"], READ_ONLY, "{path}");
        }
        assert_eq!(app.count(counts).await, before, "nothing changed");
        assert_eq!(
            app.count(&format!(
                "SELECT owning_agency_id FROM cafs WHERE id = {caf}"
            ))
            .await,
            app.agency_id
        );
    }
);

on_both_databases!(
    a_new_caf_linked_to_a_closed_one_and_the_child_may_have_an_open_caf_again,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let t = sam.create_token("tests").await;
        let reopen = format!("/api/v1/cafs/{caf}/reopen");
        let agreement = json!({ "agreement": { "given_by": { "kind": "parent_or_carer", "name": "Laura Hughes" }, "on": "2026-11-25", "may_contact_agencies": false } });
        let still_open = sam.api_json(Method::POST, &reopen, &t, &agreement).await;
        assert_eq!(problem_fields(&still_open), ["id"]);
        assert!(still_open.text.contains("is still open"));
        assert_eq!(
            sam.get(&format!("/cafs/{caf}/reopen"))
                .await
                .header("location"),
            format!("/cafs/{caf}"),
            "an open CAF has no new CAF to start"
        );
        let rev = revision(&mut sam, &t, caf).await;
        let closed = api_close(&mut sam, &t, caf, json!({ "reason": "moved_out_of_area", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev })).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
        let person = sam.get(&format!("/people/{child}")).await;
        assert!(
            person
                .text
                .contains(&format!("href=\"/people/{child}/cafs/new\"")),
            "no open CAF now"
        );

        let mut nia = app.signed_in(OUTSIDER).await;
        let outsider = nia.get(&format!("/cafs/{caf}/reopen")).await;
        assert!(
            outsider.text.contains("A CAF exists for this child"),
            "existence only"
        );
        let path = format!("/cafs/{caf}/reopen");
        let form = sam.get(&path).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text.contains("Start a new CAF linked to this one"));
        let empty = sam.post(&path, &[]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("<title>Error:"));
        for message in [
            "Select who agreed to the CAF",
            "Enter the name of the person who agreed",
            "Enter the date they agreed",
        ] {
            assert!(empty.text.contains(message), "{message}");
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM cafs").await,
            1,
            "nothing started"
        );
        let started = sam
            .post(
                &path,
                &[
                    ("giver", "parent_or_carer"),
                    ("giver_name", "Laura Hughes"),
                    ("agreed_on-day", "25"),
                    ("agreed_on-month", "11"),
                    ("agreed_on-year", "2026"),
                    ("may_contact", "yes"),
                ],
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
        let next: i64 = started.header("location")[6..].parse().unwrap();
        assert_eq!(
            app.count(&format!(
                "SELECT follows_caf_id FROM cafs WHERE id = {next}"
            ))
            .await,
            caf
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM caf_children WHERE caf_id = {next} AND person_id = {child}"
            ))
            .await,
            1
        );
        let old_ref = format!("CAF-2026-{caf:06}");
        let new_ref = format!("CAF-2026-{next:06}");
        let new_tasks = sam.get(&format!("/cafs/{next}")).await;
        assert!(new_tasks.text.contains(&format!(
            "Started after <a class=\"govuk-link\" href=\"/cafs/{caf}\">{old_ref}</a>"
        )));
        let old_tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(old_tasks.text.contains(&format!(
            "Followed by <a class=\"govuk-link\" href=\"/cafs/{next}\">{new_ref}</a>"
        )));
        assert!(!old_tasks
            .text
            .contains("Start a new CAF linked to this one"));
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM caf_events WHERE caf_id = {caf} AND kind = 'caf.reopened' AND significant = 1")).await,
            1
        );
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        assert!(chronology.text.contains(&format!("after {old_ref} closed")));

        let twice = sam.api_json(Method::POST, &reopen, &t, &agreement).await;
        assert_eq!(problem_fields(&twice), ["id"]);
        assert!(twice.text.contains("already follows this CAF"));
        // Over the API: close the new CAF, then start a third after it.
        let rev = revision(&mut sam, &t, next).await;
        api_close(&mut sam, &t, next, json!({ "reason": "no_longer_relevant", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev })).await;
        let no_agreement = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{next}/reopen"),
                &t,
                &json!({}),
            )
            .await;
        assert_eq!(problem_fields(&no_agreement), ["agreement"]);
        let third = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{next}/reopen"),
                &t,
                &agreement,
            )
            .await;
        assert_eq!(third.status, StatusCode::CREATED, "{}", third.text);
        assert_eq!(
            third.json()["caf"]["episode"]["follows"],
            json!([next, new_ref])
        );
        assert_eq!(third.json()["caf"]["state"], "draft");
        let nt = nia.create_token("tests").await;
        let refused = nia.api_json(Method::POST, &reopen, &nt, &agreement).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert_eq!(app.count("SELECT COUNT(*) FROM cafs").await, 3);
    }
);

on_both_databases!(a_caf_open_for_more_than_twelve_months_is_drifting, |app| {
    let child = child_and_outsider(&app).await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let caf = start(&mut sam, child).await;
    const DRIFTING: &str = "Drifting: open for more than 12 months";
    let set_opened = |on: &'static str| {
        let pool = app.store.pool().clone();
        async move {
            sqlx::query("UPDATE cafs SET opened_on = $1 WHERE id = $2")
                .bind(on)
                .bind(caf)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    assert!(!sam
        .get(&format!("/cafs/{caf}"))
        .await
        .text
        .contains(DRIFTING));
    set_opened("2025-11-25").await;
    assert!(
        !sam.get(&format!("/cafs/{caf}"))
            .await
            .text
            .contains(DRIFTING),
        "exactly twelve months is not yet drifting"
    );
    set_opened("2025-11-24").await;
    assert!(sam
        .get(&format!("/cafs/{caf}"))
        .await
        .text
        .contains(DRIFTING));
    assert!(sam
        .get(&format!("/people/{child}"))
        .await
        .text
        .contains(DRIFTING));
    let t = sam.create_token("tests").await;
    let rev = revision(&mut sam, &t, caf).await;
    let closed = api_close(&mut sam, &t, caf, json!({ "reason": "no_services", "summary": SUMMARY, "closed_on": "2026-11-25", "revision": rev })).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    assert!(
        !sam.get(&format!("/cafs/{caf}"))
            .await
            .text
            .contains(DRIFTING),
        "a closed CAF is not drifting"
    );
    assert!(!sam
        .get(&format!("/people/{child}"))
        .await
        .text
        .contains(DRIFTING));
});

on_both_databases!(
    someone_with_no_need_to_know_cannot_close_and_each_caf_keeps_its_reasons,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let mut nia = app.signed_in(OUTSIDER).await;
        let page = nia.get(&format!("/cafs/{caf}/close")).await;
        assert!(
            page.text.contains("A CAF exists for this child"),
            "existence only"
        );
        assert!(!page.text.contains("Closing summary"));
        nia.get(&format!("/cafs/{caf}")).await;
        let refused = post_owned(
            &mut nia,
            &format!("/cafs/{caf}/close"),
            &closing("no_longer_relevant", "", SUMMARY, "25"),
        )
        .await;
        assert!(
            refused.text.contains("A CAF exists for this child"),
            "{}",
            refused.text
        );
        assert_eq!(state_of(&app, caf).await, 0);
        assert!(app
            .audit_actions()
            .await
            .contains(&"caf.refused".to_string()));

        // The administrator changes the reasons; the CAF keeps those it was started with.
        let mut admin = app.signed_in(ADMIN).await;
        let admin_page = admin.get("/admin/wording").await;
        assert!(admin_page.text.contains("Reasons for closing"));
        assert!(admin_page
            .text
            .contains("name=\"closure_reasons-0-code\" value=\"outcomes_achieved\""));
        let mut wording = Wording::default();
        wording.closure_reasons.truncate(1);
        wording.closure_reasons[0].label = "All done".into();
        let mut fields = form(&wording, "1", "Fewer reasons for closing");
        fields.push(("closure_reasons-1-code".into(), String::new()));
        fields.push((
            "closure_reasons-1-label".into(),
            "Family moved abroad".into(),
        ));
        let saved = post(&mut admin, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        let old = sam.get(&format!("/cafs/{caf}/close")).await;
        assert!(
            old.text.contains("No longer relevant") && !old.text.contains("Family moved abroad")
        );
        let refused = post_owned(
            &mut sam,
            &format!("/cafs/{caf}/close"),
            &closing("family_moved_abroad", "", SUMMARY, "25"),
        )
        .await;
        assert!(refused
            .text
            .contains("Select a reason for closing from the list"));
        let closed = post_owned(
            &mut sam,
            &format!("/cafs/{caf}/close"),
            &closing("outcomes_achieved", "", SUMMARY, "25"),
        )
        .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
        // The next CAF, started after the change, closes with the new reasons.
        let next = sam.get(&format!("/cafs/{caf}/reopen")).await;
        assert_eq!(next.status, StatusCode::OK);
        let started = sam
            .post(
                &format!("/cafs/{caf}/reopen"),
                &[
                    ("giver", "young_person"),
                    ("giver_name", "Amelia Hughes"),
                    ("agreed_on-day", "25"),
                    ("agreed_on-month", "11"),
                    ("agreed_on-year", "2026"),
                    ("may_contact", "no"),
                ],
            )
            .await;
        let next: i64 = started.header("location")[6..].parse().unwrap();
        let new_form = sam.get(&format!("/cafs/{next}/close")).await;
        assert!(
            new_form.text.contains("All done") && new_form.text.contains("Family moved abroad")
        );
        assert!(!new_form.text.contains("No longer relevant"));
    }
);
