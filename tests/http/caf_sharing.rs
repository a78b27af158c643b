//! Sharing without consent under an exception, and the family's copy, on both databases: a
//! share opens the CAF to the named agency's practitioners at once, a decision not to share
//! changes nobody's access, both reach the chronology; bad input is refused field by field
//! with nothing saved; someone without the right to decide is refused and audited; the
//! family copy is printed only by readers, and audited as such.
use super::caf_pages::{answers, child_and_outsider, section_path, start, OUTSIDER};
use axum::http::{Method, StatusCode};
use ecaf_domain::access::{authorise, operator_grant, ConfigureWording, UseRegister};
use ecaf_domain::caf::form::SECTIONS;
use ecaf_domain::caf::wording::{Choice, Wording};
use ecaf_domain::person::PersonInput;
use ecaf_store::Attribution;
use ecaf_tests::{
    on_both_databases, problem_fields, with_token, Client, TestApp, ADMIN, PRACTITIONER,
};
use serde_json::json;

const DECISIONS: &str = "SELECT COUNT(*) FROM caf_sharing_decisions";

async fn brookford(app: &TestApp) -> i64 {
    app.count("SELECT id FROM agencies WHERE name = 'Brookford Youth Service'")
        .await
}

/// How the outsider's practitioner sees the CAF over the API: `content` or `existence_only`.
async fn access(client: &mut Client, token: &str, caf: i64) -> String {
    let seen = client.api_get(&format!("/api/v1/cafs/{caf}"), token).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    seen.json()["access"].as_str().unwrap().to_string()
}

on_both_databases!(
    a_share_recorded_on_the_page_opens_the_caf_to_that_agency,
    |app| {
        let child = child_and_outsider(&app).await;
        let youth_service = brookford(&app).await.to_string();
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let mut nia = app.signed_in(OUTSIDER).await;
        let before = nia.get(&format!("/cafs/{caf}")).await;
        assert!(
            before.text.contains("A CAF exists for this child"),
            "no consent, no share: existence only"
        );

        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks
            .text
            .contains("Record a decision to share without consent"));
        let path = format!("/cafs/{caf}/sharing/new");
        let form = sam.get(&path).await;
        assert_eq!(form.status, StatusCode::OK);
        let referral = form
            .text
            .find("make a safeguarding referral now")
            .expect("points to the referral");
        assert!(
            referral < form.text.find(&format!("action=\"{path}\"")).unwrap(),
            "the referral comes before the form"
        );

        let empty = sam.post(&path, &[]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("There is a problem"));
        for message in [
            "Select whether you shared information without consent",
            "Select the basis for the decision",
            "Enter why you decided this",
            "Enter the date of the decision",
        ] {
            assert!(empty.text.contains(message), "{message}");
        }
        let date = [
            ("decided_on-day", "24"),
            ("decided_on-month", "11"),
            ("decided_on-year", "2026"),
        ];
        let mut no_agency = vec![
            ("shared", "yes"),
            ("basis", "significant_harm"),
            (
                "reasoning",
                "Bruising seen at school; the family refused consent",
            ),
        ];
        no_agency.extend(date);
        let refused = sam.post(&path, &no_agency).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused
            .text
            .contains("Select the agencies you shared the information with"));
        assert!(
            refused.text.contains("href=\"#agencies\"") && refused.text.contains("Bruising seen"),
            "linked to the agencies, the typing kept"
        );
        let mut future = no_agency.clone();
        future.push(("agencies", &youth_service));
        future[3] = ("decided_on-day", "26");
        let tomorrow = sam.post(&path, &future).await;
        assert!(tomorrow
            .text
            .contains("The date of the decision must be today or in the past"));
        let mut not_shared_with = future.clone();
        not_shared_with[0] = ("shared", "no");
        not_shared_with[3] = ("decided_on-day", "24");
        let contradictory = sam.post(&path, &not_shared_with).await;
        assert_eq!(contradictory.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(contradictory
            .text
            .contains("You decided not to share: untick the agencies, or choose that you shared"));
        assert_eq!(app.count(DECISIONS).await, 0, "nothing saved");

        let mut shared = no_agency.clone();
        shared.push(("agencies", &youth_service));
        let recorded = sam.post(&path, &shared).await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
        let back = sam.get(recorded.header("location")).await;
        assert!(back
            .text
            .contains("The decision on sharing without consent has been recorded"));
        assert!(back.text.contains("Shared with Brookford Youth Service"));
        assert!(back.text.contains("(decided by Sam Practitioner)"));

        let after = nia.get(&format!("/cafs/{caf}")).await;
        assert!(
            after.text.contains("CAF for Amelia Hughes"),
            "the agency shared with reads it now"
        );
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        assert!(
            chronology
                .text
                .contains("Information shared without consent with Brookford Youth Service"),
            "{}",
            chronology.text
        );

        // Reading is not deciding: only the assessor and the lead professional record one.
        nia.get(&path).await;
        let reader = nia.post(&path, &shared).await;
        assert_eq!(reader.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count(DECISIONS).await, 1);
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'caf.refused' \
                 AND detail LIKE 'change decision on sharing without consent%'"
            )
            .await,
            1,
            "the refusal is audited"
        );
    }
);

on_both_databases!(
    decisions_over_the_api_are_checked_field_by_field_and_listed,
    |app| {
        let child = child_and_outsider(&app).await;
        let youth_service = brookford(&app).await;
        let (mut sam, t) = with_token(&app, PRACTITIONER).await;
        let started = sam
            .api_json(
                Method::POST,
                "/api/v1/cafs",
                &t,
                &json!({ "children": [child], "agreement": { "given_by": { "kind": "parent_or_carer", "name": "Laura Hughes" }, "on": "2026-11-20", "may_contact_agencies": true } }),
            )
            .await;
        let caf = started.json()["caf"]["id"].as_i64().unwrap();
        let path = format!("/api/v1/cafs/{caf}/sharing-decisions");
        let (mut nia, nt) = with_token(&app, OUTSIDER).await;

        let bad = sam
            .api_json(
                Method::POST,
                &path,
                &t,
                &json!({ "shared": true, "basis_code": "hunch", "reasoning": " ", "with_agencies": [], "decided_on": "2026-11-26" }),
            )
            .await;
        assert_eq!(
            problem_fields(&bad),
            ["basis_code", "reasoning", "with_agencies", "decided_on"]
        );
        let not_shared_with = sam
            .api_json(
                Method::POST,
                &path,
                &t,
                &json!({ "shared": false, "basis_code": "duty_to_share", "reasoning": "x", "with_agencies": [youth_service], "decided_on": "2026-11-25" }),
            )
            .await;
        assert_eq!(problem_fields(&not_shared_with), ["with_agencies"]);
        let unknown = sam
            .api_json(
                Method::POST,
                &path,
                &t,
                &json!({ "shared": true, "basis_code": "serious_crime", "reasoning": "x", "with_agencies": [987654], "decided_on": "2026-11-25" }),
            )
            .await;
        assert_eq!(problem_fields(&unknown), ["with_agencies"]);
        assert!(unknown.text.contains("There is no active agency 987654"));
        assert_eq!(app.count(DECISIONS).await, 0, "nothing saved");

        let not_shared = sam
            .api_json(
                Method::POST,
                &path,
                &t,
                &json!({ "shared": false, "basis_code": "duty_to_share", "reasoning": "Sharing would do the child more harm than good", "decided_on": "2026-11-25" }),
            )
            .await;
        assert_eq!(
            not_shared.status,
            StatusCode::CREATED,
            "{}",
            not_shared.text
        );
        assert_eq!(
            access(&mut nia, &nt, caf).await,
            "existence_only",
            "a decision not to share opens nothing"
        );

        let refused = nia
            .api_json(
                Method::POST,
                &path,
                &nt,
                &json!({ "shared": true, "basis_code": "serious_crime", "reasoning": "x", "with_agencies": [youth_service], "decided_on": "2026-11-25" }),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert_eq!(
            nia.api_get(&path, &nt).await.status,
            StatusCode::FORBIDDEN,
            "no need to know"
        );
        assert_eq!(app.count(DECISIONS).await, 1);

        let shared = sam
            .api_json(
                Method::POST,
                &path,
                &t,
                &json!({ "shared": true, "basis_code": "serious_crime", "reasoning": "Police asked about an assault", "with_agencies": [youth_service], "decided_on": "2026-11-25" }),
            )
            .await;
        assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
        assert_eq!(access(&mut nia, &nt, caf).await, "content");

        let listed = nia.api_get(&path, &nt).await;
        assert_eq!(listed.status, StatusCode::OK);
        let decisions = listed.json();
        assert_eq!(decisions.as_array().unwrap().len(), 2);
        assert_eq!(decisions[0]["shared"], false);
        assert_eq!(decisions[1]["basis_code"], "serious_crime");
        assert_eq!(
            decisions[1]["basis"],
            "To prevent, detect or prosecute serious crime"
        );
        assert_eq!(decisions[1]["decided_by"], "Sam Practitioner");
        assert_eq!(
            decisions[1]["agencies"],
            json!([{ "id": youth_service, "name": "Brookford Youth Service" }])
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
        assert!(
            kinds.contains(&"sharing.not_shared") && kinds.contains(&"sharing.shared"),
            "{kinds:?}"
        );
    }
);

on_both_databases!(the_family_copy_is_printed_only_by_readers, |app| {
    let child = child_and_outsider(&app).await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let caf = start(&mut sam, child).await;
    sam.get(&format!("/cafs/{caf}/sections/views?child={child}"))
        .await;
    let saved = sam
        .post(
            &format!("/cafs/{caf}/sections/views?child={child}"),
            &[
                ("completed", "yes"),
                ("child_views", "Amelia likes her teacher"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let tasks = sam.get(&format!("/cafs/{caf}")).await;
    assert!(tasks.text.contains("Print a copy for the family"));

    let path = format!("/cafs/{caf}/family-copy");
    let copy = sam.get(&path).await;
    assert_eq!(copy.status, StatusCode::OK);
    for text in [
        "Your copy of the assessment for Amelia Hughes",
        "Who to contact",
        "Sam Practitioner",
        "Amelia likes her teacher",
        "Agreed priorities and Parent&#x2f;Child Indicators",
        "Nothing has been written here yet.",
        "data-ecaf-print hidden",
    ] {
        assert!(copy.text.contains(text), "{text}");
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'caf.view' \
             AND detail LIKE 'read the family copy%'"
        )
        .await,
        1,
        "audited as a family copy"
    );

    let mut nia = app.signed_in(OUTSIDER).await;
    let outsider = nia.get(&path).await;
    assert_eq!(outsider.status, StatusCode::OK);
    assert!(
        outsider.text.contains("A CAF exists for this child")
            && !outsider.text.contains("Amelia likes her teacher"),
        "existence only"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'caf.refused' \
             AND detail LIKE 'read the family copy%'"
        )
        .await,
        1
    );
    let mut admin = app.signed_in(ADMIN).await;
    assert_eq!(admin.get(&path).await.status, StatusCode::NOT_FOUND);

    // A signed-off version prints as it was frozen.
    for section in SECTIONS.iter().filter(|s| s.required) {
        let section_path = section_path(caf, section.key, section.per_child, child);
        sam.get(&section_path).await;
        sam.post(&section_path, &answers(section.key)).await;
    }
    let check = sam.get(&format!("/cafs/{caf}/sign-off")).await;
    let revision = check
        .text
        .split("name=\"revision\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the CAF's revision")
        .to_string();
    sam.post(
        &format!("/cafs/{caf}/sign-off"),
        &[("revision", revision.as_str())],
    )
    .await;
    let version = sam.get(&format!("/cafs/{caf}/versions/1")).await;
    assert!(version
        .text
        .contains(&format!("/cafs/{caf}/family-copy?version=1")));
    let frozen = sam.get(&format!("{path}?version=1")).await;
    assert_eq!(frozen.status, StatusCode::OK);
    assert!(
        frozen.text.contains("This is version 1 of the assessment")
            && frozen
                .text
                .contains("Laura and the children moved to Brookford")
            && frozen.text.contains("School attendance: 4 out of 5"),
        "{}",
        frozen.text
    );
    assert_eq!(
        sam.get(&format!("{path}?version=9")).await.status,
        StatusCode::NOT_FOUND
    );
});

on_both_databases!(
    the_bases_are_those_of_the_wording_the_caf_was_started_with,
    |app| {
        let child = child_and_outsider(&app).await;
        let (mut sam, t) = with_token(&app, PRACTITIONER).await;
        let start_for = |child: i64| json!({ "children": [child], "agreement": { "given_by": { "kind": "parent_or_carer", "name": "Laura Hughes" }, "on": "2026-11-20", "may_contact_agencies": true } });
        let before = sam
            .api_json(Method::POST, "/api/v1/cafs", &t, &start_for(child))
            .await
            .json()["caf"]["id"]
            .as_i64()
            .unwrap();

        let admin = app.store.user(app.admin_id).await.unwrap().actor();
        let mut wording = Wording::default();
        wording.sharing_bases.push(Choice {
            code: "local_protocol".into(),
            label: "Brookford's information-sharing protocol".into(),
        });
        app.store
            .change_wording(
                &authorise::<ConfigureWording>(&admin).unwrap(),
                &Attribution::default(),
                1,
                &wording,
                "The partnership agreed a local protocol",
            )
            .await
            .unwrap();
        let sibling = PersonInput {
            given_name: "Oliver".into(),
            family_name: "Marsh".into(),
            date_of_birth: "2016-08-21".into(),
            ..Default::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let other = app
            .store
            .create_person(
                &operator_grant::<UseRegister>(),
                &Attribution::default(),
                &sibling.validate(today).unwrap(),
                None,
                "test",
            )
            .await
            .unwrap();
        let after = sam
            .api_json(Method::POST, "/api/v1/cafs", &t, &start_for(other))
            .await
            .json()["caf"]["id"]
            .as_i64()
            .unwrap();

        let decision = json!({ "shared": false, "basis_code": "local_protocol", "reasoning": "The protocol says not yet", "decided_on": "2026-11-25" });
        let old = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{before}/sharing-decisions"),
                &t,
                &decision,
            )
            .await;
        assert_eq!(
            problem_fields(&old),
            ["basis_code"],
            "not in the CAF's wording"
        );
        let new = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{after}/sharing-decisions"),
                &t,
                &decision,
            )
            .await;
        assert_eq!(new.status, StatusCode::CREATED, "{}", new.text);
        let listed = sam
            .api_get(&format!("/api/v1/cafs/{after}/sharing-decisions"), &t)
            .await
            .json();
        assert_eq!(
            listed[0]["basis"],
            "Brookford's information-sharing protocol"
        );
        let form = sam.get(&format!("/cafs/{after}/sharing/new")).await;
        assert!(form.text.contains("value=\"local_protocol\""));
        let old_form = sam.get(&format!("/cafs/{before}/sharing/new")).await;
        assert!(!old_form.text.contains("value=\"local_protocol\""));
    }
);
