//! A whole CAF as an `ecaf.caf/1` document, on both databases: its export (with its own
//! audit row, refused to someone with no need to know) and import as a new draft CAF here
//! with the same children and sections, each refusal of a document named by its field with
//! nothing written; the step-down from children's social care with its lead professional
//! and outgoing social worker; and the child moving away, through the pages.
use super::caf_pages::{child_and_outsider, start, OUTSIDER};
use axum::http::{Method, StatusCode};
use ecaf_domain::access::{operator_grant, Role, UseRegister};
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_domain::person::PersonInput;
use ecaf_store::Attribution;
use ecaf_tests::{
    on_both_databases, problem_fields, with_token, Client, Reply, TestApp, EARLY_HELP, PASSWORD,
    PRACTITIONER,
};
use serde_json::{json, Value};

fn agreement() -> Value {
    json!({ "given_by": { "kind": "parent_or_carer", "name": "Laura Hughes" }, "on": "2026-11-25", "may_contact_agencies": true })
}

async fn save(
    client: &mut Client,
    token: &str,
    caf: i64,
    key: &str,
    child: Option<i64>,
    content: Value,
) {
    let saved = client
        .api_json(
            Method::PUT,
            &format!("/api/v1/cafs/{caf}/sections/{key}"),
            token,
            &json!({ "child_id": child, "status": "complete", "content": content }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
}

async fn export(client: &mut Client, token: &str, caf: i64) -> Value {
    let reply = client
        .api_get(&format!("/api/v1/cafs/{caf}/export"), token)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

async fn post(client: &mut Client, token: &str, path: &str, body: &Value) -> Reply {
    client.api_json(Method::POST, path, token, body).await
}

async fn close_moved(client: &mut Client, token: &str, caf: i64) {
    let revision = client
        .api_get(&format!("/api/v1/cafs/{caf}"), token)
        .await
        .json()["caf"]["revision"]
        .as_i64()
        .unwrap();
    let closed = post(
        client,
        token,
        &format!("/api/v1/cafs/{caf}/close"),
        &json!({ "reason": "moved_out_of_area", "explanation": "moved to Leeds City Council", "summary": "The family moved to Leeds; the CAF was sent to their early help team.", "closed_on": "2026-11-25", "revision": revision }),
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
}

/// The sections of a CAF as the API shows them: (key, child's place, content).
fn sections_of(caf: &Value) -> Vec<(String, Option<usize>, Value)> {
    let children: Vec<i64> = caf["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_i64().unwrap())
        .collect();
    let mut sections: Vec<_> = caf["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["section"].as_str().unwrap().to_string(),
                s["child_id"]
                    .as_i64()
                    .and_then(|id| children.iter().position(|c| *c == id)),
                s["content"].clone(),
            )
        })
        .collect();
    sections.sort_by(|a, b| a.0.cmp(&b.0));
    sections
}

/// A CAF for Amelia with two sections saved, exported by Sam.
async fn exported(app: &TestApp) -> (i64, i64, Client, String, Value) {
    let child = child_and_outsider(app).await;
    let (mut sam, sam_token) = with_token(app, PRACTITIONER).await;
    let caf = start(&mut sam, child).await;
    save(
        &mut sam,
        &sam_token,
        caf,
        "family_background",
        None,
        json!({ "family_background": "Amelia lives with her mum Laura." }),
    )
    .await;
    save(
        &mut sam,
        &sam_token,
        caf,
        "development",
        Some(child),
        json!({ "health": "Asthma, well managed.", "learning": "Reading below age." }),
    )
    .await;
    let document = export(&mut sam, &sam_token, caf).await;
    (child, caf, sam, sam_token, document)
}

on_both_databases!(
    an_exported_caf_imports_as_a_new_draft_with_the_same_children_and_sections,
    |app| {
        let (child, caf, mut sam, sam_token, document) = exported(&app).await;
        assert_eq!(document["format"], "ecaf.caf/1");
        assert_eq!(document["kind"], "child");
        assert_eq!(document["state"], "draft");
        assert_eq!(document["owning_agency"]["name"], "Test Primary School");
        assert_eq!(document["children"][0]["given_name"], "Amelia");
        assert_eq!(document["children"][0]["date_of_birth"], "2019-03-07");
        assert_eq!(document["consent"][0]["stage"], "agreement");
        assert!(document["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "caf.started"));
        assert!(app
            .audit_actions()
            .await
            .contains(&"caf.export".to_string()));
        let original = sam
            .api_get(&format!("/api/v1/cafs/{caf}"), &sam_token)
            .await
            .json();

        // While Amelia's CAF is open here, a document for her is refused, nothing written.
        let (mut eve, eve_token) = with_token(&app, EARLY_HELP).await;
        let mut sent = document.clone();
        sent["agreement"] = agreement();
        let cafs = app.count("SELECT COUNT(*) FROM cafs").await;
        let open = post(&mut eve, &eve_token, "/api/v1/cafs/import", &sent).await;
        assert_eq!(problem_fields(&open), ["children"]);
        assert!(
            open.text.contains("already has an open CAF"),
            "{}",
            open.text
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM cafs").await, cafs);

        // The family moves away: the CAF closes here, and comes back as if from elsewhere.
        close_moved(&mut sam, &sam_token, caf).await;
        let received = post(&mut eve, &eve_token, "/api/v1/cafs/import", &sent).await;
        assert_eq!(received.status, StatusCode::CREATED, "{}", received.text);
        let received = received.json();
        assert_eq!(
            received["children"][0]["person_id"], child,
            "found on the register"
        );
        assert_eq!(received["children"][0]["matched"], true);
        assert!(received["consent"]
            .as_str()
            .unwrap()
            .contains("Consent does not travel"));
        let new = received["caf_id"].as_i64().unwrap();
        let read = eve
            .api_get(&format!("/api/v1/cafs/{new}"), &eve_token)
            .await
            .json();
        let caf_json = &read["caf"];
        assert_eq!(caf_json["state"], "draft");
        assert_eq!(caf_json["purpose"], "received");
        assert_eq!(
            caf_json["consent"], "Agreed",
            "agreed here, not yet to sharing"
        );
        assert_eq!(sections_of(caf_json), sections_of(&original["caf"]));
        assert_eq!(caf_json["received"]["sender"], "Test Primary School");
        assert_eq!(
            caf_json["received"]["sender_reference"],
            document["reference"]
        );
        assert_eq!(
            caf_json["received"]["as_sent"]["events"], document["events"],
            "the sender's history kept as sent"
        );
        assert!(caf_json["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "caf.received"
                && e["summary"]
                    .as_str()
                    .unwrap()
                    .starts_with("Received from Test Primary School")));
        assert!(app
            .audit_actions()
            .await
            .contains(&"caf.receive".to_string()));

        // The pages say where it came from and that the family must consent here again.
        let mut eve_pages = app.signed_in(EARLY_HELP).await;
        let tasks = eve_pages.get(&format!("/cafs/{new}")).await;
        assert!(tasks.text.contains("Received from Test Primary School"));
        assert!(tasks
            .text
            .contains("Consent does not travel between services"));
        let page = eve_pages.get(&format!("/cafs/{new}/received")).await;
        assert_eq!(page.status, StatusCode::OK);
        for words in [
            "Received from Test Primary School",
            "Versions there",
            "started (child CAF)",
            "cannot be changed",
        ] {
            assert!(page.text.contains(words), "{words}");
        }
        let signed_out = app.client().get(&format!("/cafs/{new}/received")).await;
        assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
        assert!(signed_out.header("location").starts_with("/sign-in"));
        let sent_here = sam.get(&format!("/cafs/{caf}/received")).await;
        assert_eq!(
            sent_here.status,
            StatusCode::NOT_FOUND,
            "a CAF started here was not received"
        );
    }
);

on_both_databases!(
    a_child_new_here_is_added_to_the_register_and_one_known_by_nhs_number_found,
    |app| {
        let by = Attribution::default();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let known = app
            .store
            .create_person(
                &operator_grant::<UseRegister>(),
                &by,
                &PersonInput {
                    given_name: "Jayden".into(),
                    family_name: "Okoro".into(),
                    date_of_birth: "2015-06-01".into(),
                    nhs_number: "943 476 5919".into(),
                    ..Default::default()
                }
                .validate(today)
                .unwrap(),
                None,
                "test",
            )
            .await
            .unwrap();
        let (mut eve, eve_token) = with_token(&app, EARLY_HELP).await;
        let document = json!({
            "format": "ecaf.caf/1",
            "reference": "LEEDS-EH-4471",
            "owning_agency": { "name": "Leeds Early Help Hub" },
            "children": [
                { "given_name": "Jay", "family_name": "Okoro-Smith", "date_of_birth": "2015-06-01", "nhs_number": "9434765919" },
                { "given_name": "Ruby", "family_name": "Okoro", "date_of_birth": "2018-02-11", "main_address": { "line1": "9 Canal Street", "town": "Brookford", "postcode": "BR2 7QQ" } }
            ],
            "sections": [{ "key": "views", "child": 1, "content": { "child_views": "Ruby wants her own room." } }],
            "agreement": agreement()
        });
        let received = post(&mut eve, &eve_token, "/api/v1/cafs/import", &document).await;
        assert_eq!(received.status, StatusCode::CREATED, "{}", received.text);
        let received = received.json();
        assert_eq!(received["children"][0]["person_id"], known, "by NHS number");
        assert_eq!(received["children"][0]["matched"], true);
        assert_eq!(received["children"][1]["matched"], false);
        let ruby = received["children"][1]["person_id"].as_i64().unwrap();
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM people WHERE id = {ruby} AND given_name = 'Ruby' AND date_of_birth = '2018-02-11'")).await,
            1
        );
        let caf = received["caf_id"].as_i64().unwrap();
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM caf_sections WHERE caf_id = {caf} AND section = 'views' AND child_id = {ruby}")).await,
            1,
            "the section is for the child it named"
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cafs WHERE id = {caf} AND kind = 'family'"
            ))
            .await,
            1
        );
    }
);

on_both_databases!(
    a_document_is_refused_field_by_field_with_nothing_written,
    |app| {
        let (_child, _caf, _sam, _sam_token, document) = exported(&app).await;
        let (mut eve, eve_token) = with_token(&app, EARLY_HELP).await;
        let cafs = app.count("SELECT COUNT(*) FROM cafs").await;
        let people = app.count("SELECT COUNT(*) FROM people").await;
        let mut unknown = document.clone();
        unknown["format"] = json!("ecaf.caf/9");
        assert_eq!(
            problem_fields(&post(&mut eve, &eve_token, "/api/v1/cafs/import", &unknown).await),
            ["format"]
        );
        let mut missing = document.clone();
        missing["children"][0]
            .as_object_mut()
            .unwrap()
            .remove("date_of_birth");
        missing["sections"][0]["key"] = json!("horoscope");
        let reply = post(&mut eve, &eve_token, "/api/v1/cafs/import", &missing).await;
        assert_eq!(
            problem_fields(&reply),
            ["children[0].date_of_birth", "sections[0].key", "agreement"]
        );
        assert!(reply.text.contains("Enter the child's date of birth"));
        assert!(reply
            .text
            .contains("consent given to the sending service does not travel"));
        let mut scores = document.clone();
        scores["agreement"] = agreement();
        scores["children"][0]["given_name"] = json!("Zoe");
        scores["sections"] = json!([{ "key": "priorities", "content": { "indicators": [{ "need": "Sleep", "score": 9 }] } }]);
        let reply = post(&mut eve, &eve_token, "/api/v1/cafs/import", &scores).await;
        assert_eq!(
            problem_fields(&reply),
            ["sections[0].content.indicators[0].score"]
        );
        assert!(reply.text.contains("1 (least concern) to 5"));
        let not_json = eve
            .api_json(
                Method::POST,
                "/api/v1/cafs/import",
                &eve_token,
                &json!("a string"),
            )
            .await;
        assert_eq!(problem_fields(&not_json), [""]);
        assert_eq!(app.count("SELECT COUNT(*) FROM cafs").await, cafs);
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, people);
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_received").await, 0);
    }
);

on_both_databases!(
    a_stranger_may_not_export_and_the_refusal_is_audited,
    |app| {
        let (_child, caf, _sam, _sam_token, _document) = exported(&app).await;
        let (mut nia, nia_token) = with_token(&app, OUTSIDER).await;
        let refused = nia
            .api_get(&format!("/api/v1/cafs/{caf}/export"), &nia_token)
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert_eq!(refused.header("content-type"), "application/problem+json");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.refused' AND record_id = '{caf}' AND detail LIKE 'read the export%'")).await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.export'")
                .await,
            1,
            "only Sam's"
        );
        let nobody = nia.api_get("/api/v1/cafs/999999/export", &nia_token).await;
        assert_eq!(nobody.status, StatusCode::NOT_FOUND);
        let page = nia.get(&format!("/cafs/{caf}/export.json")).await;
        assert!(
            page.text.contains("exists for this child"),
            "existence only on the page"
        );
    }
);

const SOCIAL_WORKER: &str = "chris@test.example";

/// A practitioner of children's social care.
async fn social_worker(app: &TestApp) {
    let by = Attribution::default();
    let mut tx = app.store.begin_write().await.unwrap();
    let agency = app
        .store
        .create_agency_tx(
            &mut tx,
            &by,
            &AgencyDetails {
                name: "Brookford Children's Social Care".into(),
                sector: Sector::Statutory,
                agency_type: AgencyType::ChildrensSocialCare,
                address: "Town Hall".into(),
                telephone: None,
            },
            false,
        )
        .await
        .unwrap();
    let chris = UserDetails {
        name: "Chris Palmer".into(),
        email: SOCIAL_WORKER.into(),
        agency_id: agency,
        team_id: None,
        job_title: "Social worker".into(),
        telephone: None,
        mobile: None,
        roles: vec![Role::Practitioner],
        line_manager_id: None,
        deputy_id: None,
    };
    app.store
        .create_user_tx(&mut tx, &by, &chris, PASSWORD, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn step_down(lead: i64, child_name: &str) -> Value {
    json!({
        "format": "ecaf.caf/1",
        "children": [{ "given_name": child_name, "family_name": "Hughes", "date_of_birth": "2019-03-07" }],
        "sections": [{ "key": "family_background", "content": { "family_background": "Known to social care since June: child in need plan." } }],
        "social_worker": { "name": "Chris Palmer", "team": "Brookford Children's Social Care, Team 2", "contact": "chris.palmer@example.org, 01632 960111",
                           "involved_from": "2026-06-01", "involved_to": "2026-11-24", "summary": "Child in need plan; housing resolved, school attendance improving." },
        "lead_professional": { "user_id": lead, "family_view": "Laura is happy for Sam to lead.", "child_view": "Amelia likes Sam." },
        "reason": "Needs can now be met by early help",
        "agreement": agreement()
    })
}

on_both_databases!(
    a_step_down_appoints_the_lead_professional_and_records_the_outgoing_social_worker,
    |app| {
        let (mut eve, eve_token) = with_token(&app, EARLY_HELP).await;
        let made = post(
            &mut eve,
            &eve_token,
            "/api/v1/cafs/step-down",
            &step_down(app.practitioner_id, "Amelia"),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        let made = made.json();
        let caf = made["caf_id"].as_i64().unwrap();
        let child = made["children"][0]["person_id"].as_i64().unwrap();
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM cafs WHERE id = {caf} AND purpose = 'step_down' AND state = 'draft' AND lead_professional_id = {} AND lead_status = 'appointed'", app.practitioner_id)).await,
            1
        );
        // Sam, the lead professional, reads it once the family consents to sharing here.
        let mut sam = app.signed_in(PRACTITIONER).await;
        let before = sam.get(&format!("/cafs/{caf}/team")).await;
        assert!(
            before.text.contains("exists for this child"),
            "consent does not travel"
        );
        let consent = json!({ "given_by": [{ "kind": "parent_or_carer", "name": "Laura Hughes" }], "on": "2026-11-25", "signed_copy_kept": "Early help file", "agencies": [app.agency_id] });
        let consented = post(
            &mut eve,
            &eve_token,
            &format!("/api/v1/cafs/{caf}/consent"),
            &consent,
        )
        .await;
        assert_eq!(
            consented.status,
            StatusCode::NO_CONTENT,
            "{}",
            consented.text
        );
        let team = sam.get(&format!("/cafs/{caf}/team")).await;
        assert_eq!(team.status, StatusCode::OK);
        for words in [
            "Sam Practitioner",
            "Chris Palmer",
            "Social worker (stepped down)",
            "24 November 2026",
        ] {
            assert!(team.text.contains(words), "{words}");
        }
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        for words in [
            "Stepped down from children&#x27;s social care by Chris Palmer",
            "appointed lead professional at the step down",
        ] {
            assert!(
                chronology.text.contains(words),
                "{words}: {}",
                chronology.text
            );
        }
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks.text.contains("Stepped down from children"));
        let received = sam.get(&format!("/cafs/{caf}/received")).await;
        assert!(
            received.text.contains("housing resolved")
                && received.text.contains("Needs can now be met by early help")
        );
        assert!(app
            .audit_actions()
            .await
            .contains(&"caf.step_down".to_string()));

        // The same child again: they have an open CAF now.
        let again = post(
            &mut eve,
            &eve_token,
            "/api/v1/cafs/step-down",
            &step_down(app.practitioner_id, "Amelia"),
        )
        .await;
        assert_eq!(problem_fields(&again), ["children"]);
        assert!(again.text.contains("already has an open CAF"));
    }
);

on_both_databases!(
    a_step_down_names_each_missing_field_and_who_may_make_one,
    |app| {
        let (mut eve, eve_token) = with_token(&app, EARLY_HELP).await;
        let mut body = step_down(app.practitioner_id, "Amelia");
        body["social_worker"]
            .as_object_mut()
            .unwrap()
            .remove("contact");
        body["social_worker"]
            .as_object_mut()
            .unwrap()
            .remove("summary");
        body.as_object_mut().unwrap().remove("reason");
        body.as_object_mut().unwrap().remove("lead_professional");
        let reply = post(&mut eve, &eve_token, "/api/v1/cafs/step-down", &body).await;
        assert_eq!(
            problem_fields(&reply),
            [
                "social_worker.contact",
                "social_worker.summary",
                "lead_professional",
                "reason"
            ]
        );
        let mut inactive = step_down(app.admin_id, "Amelia");
        inactive["lead_professional"]["user_id"] = json!(999_999);
        let reply = post(&mut eve, &eve_token, "/api/v1/cafs/step-down", &inactive).await;
        assert_eq!(problem_fields(&reply), ["lead_professional.user_id"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM cafs").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 0);
        // A school practitioner does not step families down from social care...
        let (mut sam, sam_token) = with_token(&app, PRACTITIONER).await;
        let refused = post(
            &mut sam,
            &sam_token,
            "/api/v1/cafs/step-down",
            &step_down(app.practitioner_id, "Amelia"),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert_eq!(app.count("SELECT COUNT(*) FROM cafs").await, 0);
        // Social care's own practitioners do.
        social_worker(&app).await;
        let (mut chris, chris_token) = with_token(&app, SOCIAL_WORKER).await;
        let made = post(
            &mut chris,
            &chris_token,
            "/api/v1/cafs/step-down",
            &step_down(app.practitioner_id, "Amelia"),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    }
);

on_both_databases!(
    moving_away_downloads_the_caf_and_closes_it_as_moved_out_of_the_area,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks.text.contains(&format!(
            "href=\"/cafs/{caf}/export.json\" download>Download this CAF (JSON)"
        )));
        assert!(tasks
            .text
            .contains(&format!("href=\"/cafs/{caf}/moved-away\"")));
        let download = sam.get(&format!("/cafs/{caf}/export.json")).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.header("content-type"), "application/json");
        assert!(download.header("content-disposition").contains(".json"));
        assert_eq!(download.json()["format"], "ecaf.caf/1");
        let out = app.client().get(&format!("/cafs/{caf}/export.json")).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);

        let path = format!("/cafs/{caf}/moved-away");
        let signed_out = app.client().get(&path).await;
        assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
        assert!(signed_out.header("location").starts_with("/sign-in"));
        let form = sam.get(&path).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.text.contains("The child has moved away")
                && form.text.contains("Download this CAF (JSON)")
        );
        let empty = sam
            .post(
                &path,
                &[
                    ("new_area", " "),
                    ("summary", ""),
                    ("closed_on-day", ""),
                    ("closed_on-month", ""),
                    ("closed_on-year", ""),
                ],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("<title>Error:") && empty.text.contains("There is a problem"));
        for (anchor, message) in [
            (
                "#new_area",
                "Enter the local authority the family has moved to",
            ),
            ("#summary", "Enter the closing summary"),
            ("#closed_on-day", "Enter the date of closure"),
        ] {
            assert!(
                empty.text.contains(&format!("href=\"{anchor}\"")) && empty.text.contains(message),
                "{anchor}: {message}"
            );
        }
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cafs WHERE id = {caf} AND state = 'closed'"
            ))
            .await,
            0
        );
        let closed = sam
            .post(
                &path,
                &[
                    ("new_area", "Leeds City Council"),
                    (
                        "summary",
                        "Moved to Leeds; CAF sent to Leeds Early Help Hub.",
                    ),
                    ("closed_on-day", "25"),
                    ("closed_on-month", "11"),
                    ("closed_on-year", "2026"),
                ],
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
        assert_eq!(closed.header("location"), format!("/cafs/{caf}/closed"));
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM cafs WHERE id = {caf} AND closure_reason = 'moved_out_of_area' AND closure_explanation = 'moved to Leeds City Council'")).await,
            1
        );
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        assert!(
            chronology
                .text
                .contains("Moved out of the area: moved to Leeds City Council"),
            "{}",
            chronology.text
        );
        let again = sam.get(&path).await;
        assert_eq!(
            again.status,
            StatusCode::SEE_OTHER,
            "a closed CAF goes to its confirmation"
        );
    }
);
