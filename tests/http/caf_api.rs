//! The CAF through the API, on both databases: start with agreement, every required section
//! with its revision, consent, sign-off, version 1 and the chronology; each kind of bad input
//! a specific problem with nothing changed; and guessed ids answered with existence only,
//! 403 or 404, never content.
use super::caf_pages::{child_and_outsider, OUTSIDER};
use axum::http::{Method, StatusCode};
use ecaf_domain::access::{operator_grant, UseRegister};
use ecaf_domain::caf::form::{SectionStatus, SECTIONS};
use ecaf_domain::person::PersonInput;
use ecaf_store::{Attribution, StoreError};
use ecaf_tests::{
    on_both_databases, problem_fields, with_token, Client, Reply, ADMIN, PRACTITIONER,
};
use serde_json::{json, Value};

async fn call(client: &mut Client, method: Method, path: &str, token: &str, body: Value) -> Reply {
    client.api_json(method, path, token, &body).await
}

fn agreement() -> Value {
    json!({ "given_by": { "kind": "parent_or_carer", "name": "Laura Hughes" }, "on": "2026-11-20", "may_contact_agencies": true })
}

on_both_databases!(a_whole_assessment_is_done_through_the_api, |app| {
    let child = child_and_outsider(&app).await;
    let (mut sam, t) = with_token(&app, PRACTITIONER).await;

    let no_agreement = call(
        &mut sam,
        Method::POST,
        "/api/v1/cafs",
        &t,
        json!({ "children": [child] }),
    )
    .await;
    assert_eq!(
        problem_fields(&no_agreement),
        ["agreement"],
        "content before agreement"
    );
    let started = call(
        &mut sam,
        Method::POST,
        "/api/v1/cafs",
        &t,
        json!({ "children": [child], "agreement": agreement() }),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    let caf = started.json()["caf"]["id"].as_i64().unwrap();
    assert_eq!(started.json()["access"], "content");
    let again = call(
        &mut sam,
        Method::POST,
        "/api/v1/cafs",
        &t,
        json!({ "children": [child], "agreement": agreement() }),
    )
    .await;
    assert_eq!(
        problem_fields(&again),
        ["children"],
        "one open CAF per child"
    );

    let first_revision = started.json()["caf"]["revision"].clone();
    let empty = call(
        &mut sam,
        Method::POST,
        &format!("/api/v1/cafs/{caf}/sign-off"),
        &t,
        json!({ "revision": first_revision }),
    )
    .await;
    let missing = problem_fields(&empty);
    assert!(
        missing.contains(&"sections.purpose".to_string())
            && missing.contains(&"sections.signatures".to_string()),
        "{missing:?}"
    );

    let priorities = format!("/api/v1/cafs/{caf}/sections/priorities");
    for score in [0, 6] {
        let bad = call(&mut sam, Method::PUT, &priorities, &t, json!({ "status": "complete", "content": { "indicators": [{ "need": "Attendance", "score": score }] } })).await;
        assert_eq!(
            problem_fields(&bad),
            ["content.indicators[0].score"],
            "score {score}"
        );
    }
    let huge = call(
        &mut sam,
        Method::PUT,
        &format!("/api/v1/cafs/{caf}/sections/family_background"),
        &t,
        json!({ "status": "complete", "content": { "family_background": "x".repeat(250_000) } }),
    )
    .await;
    assert_eq!(problem_fields(&huge), ["content"], "too long to save");
    let too_big = call(
        &mut sam,
        Method::PUT,
        &format!("/api/v1/cafs/{caf}/sections/family_background"),
        &t,
        json!({ "status": "complete", "content": { "family_background": "x".repeat(1_100_000) } }),
    )
    .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_big.header("content-type"), "application/problem+json");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM caf_sections").await,
        0,
        "nothing changed"
    );

    for section in SECTIONS.iter().filter(|s| s.required) {
        let content = match section.key {
            "priorities" => {
                json!({ "strengths": "A loving home", "indicators": [{ "need": "Attendance", "score": 4 }] })
            }
            key => json!({ key: "Discussed with Laura" }),
        };
        let child_id = section.per_child.then_some(child);
        let saved = call(
            &mut sam,
            Method::PUT,
            &format!("/api/v1/cafs/{caf}/sections/{}", section.key),
            &t,
            json!({ "child_id": child_id, "status": "complete", "content": content }),
        )
        .await;
        assert_eq!(
            saved.status,
            StatusCode::OK,
            "{}: {}",
            section.key,
            saved.text
        );
        assert_eq!(saved.json()["revision"], 1);
    }
    let stale = call(
        &mut sam,
        Method::PUT,
        &format!("/api/v1/cafs/{caf}/sections/purpose"),
        &t,
        json!({ "status": "complete", "content": {} }),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.json()["detail"]
            .as_str()
            .unwrap()
            .contains("changed by Sam Practitioner"),
        "{}",
        stale.text
    );

    let consent = |agencies: Vec<i64>| json!({ "given_by": [{ "kind": "parent_or_carer", "name": "Laura Hughes" }], "on": "2026-11-24", "signed_copy_kept": "School file", "agencies": agencies });
    let other_agency: i64 = app.count("SELECT MAX(id) FROM agencies").await;
    let short = call(
        &mut sam,
        Method::POST,
        &format!("/api/v1/cafs/{caf}/consent"),
        &t,
        consent(vec![other_agency]),
    )
    .await;
    assert_eq!(
        problem_fields(&short),
        ["agencies"],
        "the agency on the plan is missing"
    );
    let recorded = call(
        &mut sam,
        Method::POST,
        &format!("/api/v1/cafs/{caf}/consent"),
        &t,
        consent(vec![app.agency_id, other_agency]),
    )
    .await;
    assert_eq!(recorded.status, StatusCode::NO_CONTENT, "{}", recorded.text);

    let read = sam.api_get(&format!("/api/v1/cafs/{caf}"), &t).await;
    let revision = read.json()["caf"]["revision"].as_i64().unwrap();
    let signed = call(
        &mut sam,
        Method::POST,
        &format!("/api/v1/cafs/{caf}/sign-off"),
        &t,
        json!({ "revision": revision }),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text);
    assert_eq!(signed.json()["version"], 1);
    let versions = sam
        .api_get(&format!("/api/v1/cafs/{caf}/versions"), &t)
        .await
        .json();
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert!(versions[0]["snapshot"].to_string().contains("Attendance"));
    let owner = format!("/api/v1/cafs/{caf}/owner");
    let revision =
        sam.api_get(&format!("/api/v1/cafs/{caf}"), &t).await.json()["caf"]["revision"].clone();
    let change = |on: &str, reason: &str, revision: &Value| json!({ "agency_id": other_agency, "on": on, "reason": reason, "revision": revision });
    let no_reason = call(
        &mut sam,
        Method::POST,
        &owner,
        &t,
        change("2026-11-24", " ", &revision),
    )
    .await;
    assert_eq!(problem_fields(&no_reason), ["reason"]);
    let future = call(
        &mut sam,
        Method::POST,
        &owner,
        &t,
        change("2027-01-01", "Moved", &revision),
    )
    .await;
    assert_eq!(problem_fields(&future), ["on"]);
    let stale = call(
        &mut sam,
        Method::POST,
        &owner,
        &t,
        change("2026-11-24", "Moved", &json!(1)),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    let moved = call(
        &mut sam,
        Method::POST,
        &owner,
        &t,
        change("2026-11-24", "Moved", &revision),
    )
    .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    let now =
        sam.api_get(&format!("/api/v1/cafs/{caf}"), &t).await.json()["caf"]["revision"].clone();
    let again = call(
        &mut sam,
        Method::POST,
        &owner,
        &t,
        change("2026-11-24", "Moved", &now),
    )
    .await;
    assert_eq!(problem_fields(&again), ["agency_id"], "already the owner");
    let compare = |query: &str| format!("/api/v1/cafs/{caf}/versions/compare?{query}");
    let same = sam.api_get(&compare("from=1&to=now"), &t).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    assert_eq!(
        same.json(),
        json!({ "from": "1", "to": "now", "sections": [] })
    );
    let bad = sam.api_get(&compare("from=3&to=zero"), &t).await;
    assert_eq!(problem_fields(&bad), ["from", "to"]);
    assert!(bad.text.contains("from 1 to 1, or now"), "{}", bad.text);
    assert_eq!(
        problem_fields(&sam.api_get(&compare(""), &t).await),
        ["from", "to"]
    );
    let chronology = sam
        .api_get(&format!("/api/v1/people/{child}/chronology"), &t)
        .await
        .json();
    let kinds: Vec<&str> = chronology
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "caf.started",
            "consent.sharing",
            "caf.owner_changed",
            "caf.signed_off"
        ],
        "by the day each happened"
    );

    let withdraw = |reasoning: &str, risk: bool| json!({ "on": "2026-11-25", "reason_code": "needs_met", "explanation": "", "harm_decision": { "risk_of_significant_harm": risk, "reasoning": reasoning } });
    let no_reasoning = call(
        &mut sam,
        Method::POST,
        &format!("/api/v1/cafs/{caf}/consent/withdrawal"),
        &t,
        withdraw("", true),
    )
    .await;
    assert_eq!(problem_fields(&no_reasoning), ["harm_decision.reasoning"]);
    let withdrawn = call(
        &mut sam,
        Method::POST,
        &format!("/api/v1/cafs/{caf}/consent/withdrawal"),
        &t,
        withdraw("Bruising seen at school", true),
    )
    .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
    assert!(withdrawn.json()["safeguarding"]
        .as_str()
        .unwrap()
        .contains("safeguarding referral"));
});

on_both_databases!(
    guessed_ids_get_existence_only_or_nothing_through_the_api,
    |app| {
        let child = child_and_outsider(&app).await;
        let (mut sam, t) = with_token(&app, PRACTITIONER).await;
        let started = call(
            &mut sam,
            Method::POST,
            "/api/v1/cafs",
            &t,
            json!({ "children": [child], "agreement": agreement() }),
        )
        .await;
        let caf = started.json()["caf"]["id"].as_i64().unwrap();
        call(&mut sam, Method::PUT, &format!("/api/v1/cafs/{caf}/sections/family_background"), &t, json!({ "status": "complete", "content": { "family_background": "Private family history" } })).await;

        let (mut nia, n) = with_token(&app, OUTSIDER).await;
        let seen = nia.api_get(&format!("/api/v1/cafs/{caf}"), &n).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert_eq!(seen.json()["access"], "existence_only");
        assert!(seen.json()["existence"]["contact"]
            .as_str()
            .unwrap()
            .contains("Sam Practitioner"));
        assert!(
            !seen.text.contains("Private family history") && !seen.text.contains("Laura Hughes"),
            "never content"
        );
        let write = call(&mut nia, Method::PUT, &format!("/api/v1/cafs/{caf}/sections/family_background"), &n, json!({ "revision": 1, "status": "complete", "content": { "family_background": "Overwritten" } })).await;
        assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.text);
        assert_eq!(
            nia.api_get(&format!("/api/v1/cafs/{caf}/versions"), &n)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let compared = nia
            .api_get(
                &format!("/api/v1/cafs/{caf}/versions/compare?from=1&to=now"),
                &n,
            )
            .await;
        assert_eq!(compared.status, StatusCode::FORBIDDEN);
        assert!(!compared.text.contains("Private family history"));
        assert!(nia
            .api_get(&format!("/api/v1/people/{child}/chronology"), &n)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty());
        let guessed = nia
            .api_get(&format!("/api/v1/cafs/{}", caf + 1000), &n)
            .await;
        assert_eq!(guessed.status, StatusCode::NOT_FOUND);
        assert_eq!(guessed.header("content-type"), "application/problem+json");
        let (mut admin, a) = with_token(&app, ADMIN).await;
        assert_eq!(
            admin
                .api_get(&format!("/api/v1/cafs/{caf}"), &a)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "no need to know of the register"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_sections WHERE content LIKE '%Overwritten%'")
                .await,
            0
        );
    }
);

on_both_databases!(
    a_family_caf_has_per_child_sections_for_each_child_and_shared_ones_once,
    |app| {
        let amelia = child_and_outsider(&app).await;
        let oliver = PersonInput {
            given_name: "Oliver".into(),
            family_name: "Hughes".into(),
            date_of_birth: "2016-08-21".into(),
            ..Default::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let oliver = app
            .store
            .create_person(
                &operator_grant::<UseRegister>(),
                &Attribution::default(),
                &oliver.validate(today).unwrap(),
                None,
                "test",
            )
            .await
            .unwrap();
        let (mut sam, t) = with_token(&app, PRACTITIONER).await;
        let started = call(
            &mut sam,
            Method::POST,
            "/api/v1/cafs",
            &t,
            json!({ "children": [amelia, oliver], "agreement": agreement() }),
        )
        .await;
        assert_eq!(started.json()["caf"]["kind"], "family");
        let caf = started.json()["caf"]["id"].as_i64().unwrap();
        let save = |key: &str, child: Option<i64>| {
            (
                format!("/api/v1/cafs/{caf}/sections/{key}"),
                json!({ "child_id": child, "status": "in_progress", "content": {} }),
            )
        };
        let (path, body) = save("identifying_details", None);
        assert_eq!(
            problem_fields(&call(&mut sam, Method::PUT, &path, &t, body).await),
            ["child_id"],
            "which child?"
        );
        let (path, body) = save("identifying_details", Some(oliver));
        assert_eq!(
            call(&mut sam, Method::PUT, &path, &t, body).await.status,
            StatusCode::OK
        );
        let (path, body) = save("parents_and_carers", Some(oliver));
        assert_eq!(
            problem_fields(&call(&mut sam, Method::PUT, &path, &t, body).await),
            ["child_id"],
            "written once for the family"
        );
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(
            tasks.text.contains("Identifying details: Amelia Hughes")
                && tasks.text.contains("Identifying details: Oliver Hughes")
        );
        assert_eq!(
            tasks.text.matches("Parents and carers").count(),
            1,
            "shared sections once"
        );
        let oliver_form = sam
            .get(&format!(
                "/cafs/{caf}/sections/identifying_details?child={oliver}"
            ))
            .await;
        assert!(
            oliver_form
                .text
                .contains("Identifying details for Oliver Hughes")
                && oliver_form.text.contains("value=\"no\" checked")
        );
    }
);

on_both_databases!(the_store_itself_refuses_a_pci_outside_1_to_5, |app| {
    let child = child_and_outsider(&app).await;
    let (mut sam, t) = with_token(&app, PRACTITIONER).await;
    let started = call(
        &mut sam,
        Method::POST,
        "/api/v1/cafs",
        &t,
        json!({ "children": [child], "agreement": agreement() }),
    )
    .await;
    let caf = started.json()["caf"]["id"].as_i64().unwrap();
    let actor = app.store.user(app.practitioner_id).await.unwrap().actor();
    for score in [json!(0), json!(6), json!("4"), json!(null)] {
        let saved = app
            .store
            .save_caf_section(
                &actor,
                &Attribution::default(),
                caf,
                "priorities",
                None,
                None,
                SectionStatus::Complete,
                &json!({ "indicators": [{ "need": "Attendance", "score": score }] }),
            )
            .await;
        assert!(
            matches!(&saved, Err(StoreError::Refused(why)) if why.contains("from 1 (least concern) to 5")),
            "{score}: {saved:?}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM caf_sections").await, 0);
});
