//! The lead professional and the team around the family, on both databases: the decision
//! about the lead professional with the family's and child's views, a change needing its
//! reason, members with and without an account, and access following membership at once.
use super::caf_pages::{child_and_outsider, start, OUTSIDER};
use axum::http::{Method, StatusCode};
use ecaf_tests::{on_both_databases, Client, TestApp, PRACTITIONER};
use serde_json::json;

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
}

async fn revision(app: &TestApp, caf: i64) -> String {
    app.count(&format!("SELECT revision FROM cafs WHERE id = {caf}"))
        .await
        .to_string()
}

/// The family's consent to store and share with the owning agency alone, so that anyone
/// else reads the CAF only through the team.
pub(crate) async fn consent_to_share(app: &TestApp, sam: &mut Client, caf: i64) {
    let token = sam.create_token("consent").await;
    let body = json!({ "given_by": [{ "kind": "parent_or_carer", "name": "Laura Hughes" }], "on": "2026-11-24", "signed_copy_kept": "School file", "agencies": [app.agency_id] });
    let recorded = sam
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/consent"),
            &token,
            &body,
        )
        .await;
    assert_eq!(recorded.status, StatusCode::NO_CONTENT, "{}", recorded.text);
}

async fn post(client: &mut Client, path: &str, fields: &[(&str, &str)]) -> ecaf_tests::Reply {
    client.get(path).await;
    client.post(path, fields).await
}

on_both_databases!(
    the_team_and_lead_professional_decide_who_reads_the_caf,
    |app| {
        let child = child_and_outsider(&app).await;
        let nia = user_id(&app, OUTSIDER).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        consent_to_share(&app, &mut sam, caf).await;
        let mut outsider = app.signed_in(OUTSIDER).await;
        let before = outsider.get(&format!("/cafs/{caf}")).await;
        assert!(
            before.text.contains("exists for this child"),
            "not yet in the team"
        );

        let team = sam.get(&format!("/cafs/{caf}/team")).await;
        assert_eq!(team.status, StatusCode::OK);
        assert!(team.text.contains("Not yet decided") && team.text.contains("Nobody has joined"));

        // Adding a member: neither kind, then someone without an account missing details.
        let add = format!("/cafs/{caf}/team/new");
        let date = [
            ("joined_on-day", "24"),
            ("joined_on-month", "11"),
            ("joined_on-year", "2026"),
        ];
        let neither = post(&mut sam, &add, &date).await;
        assert_eq!(neither.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(neither.text.contains("Choose who is joining the team"));
        let mut partial = date.to_vec();
        partial.extend([("name", "Pat Jones"), ("role", "Coach")]);
        let missing = post(&mut sam, &add, &partial).await;
        assert!(
            missing.text.contains("href=\"#agency_name\"")
                && missing.text.contains("Enter how to contact them")
                && missing.text.contains("Pat Jones"),
            "each missing detail named, the typing kept"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_team_members").await, 0);
        let mut coach = partial.clone();
        coach.extend([
            ("agency_name", "Brookford Juniors FC"),
            ("contact", "07700 900999"),
        ]);
        assert_eq!(
            post(&mut sam, &add, &coach).await.status,
            StatusCode::SEE_OTHER
        );
        let nia_id = nia.to_string();
        let mut member = date.to_vec();
        member.push(("user_id", nia_id.as_str()));
        assert_eq!(
            post(&mut sam, &add, &member).await.status,
            StatusCode::SEE_OTHER
        );
        let again = post(&mut sam, &add, &member).await;
        assert!(
            again.text.contains("is already in the team"),
            "{}",
            again.text
        );

        // Nia reads the CAF from the moment she joins.
        let now = outsider.get(&format!("/cafs/{caf}")).await;
        assert!(
            !now.text.contains("exists for this child"),
            "a member reads it"
        );
        let team = sam.get(&format!("/cafs/{caf}/team")).await;
        assert!(
            team.text.contains("Pat Jones")
                && team.text.contains("No account")
                && team.text.contains("Nia Elsewhere")
        );

        // The lead professional: both views needed; then a change needs a reason.
        let lead = format!("/cafs/{caf}/team/lead");
        let rev = revision(&app, caf).await;
        let sam_id = user_id(&app, PRACTITIONER).await.to_string();
        let decided = [
            ("decided_on-day", "24"),
            ("decided_on-month", "11"),
            ("decided_on-year", "2026"),
        ];
        let mut no_views = decided.to_vec();
        no_views.extend([
            ("choice", "appointed"),
            ("user_id", sam_id.as_str()),
            ("revision", rev.as_str()),
        ]);
        let refused = post(&mut sam, &lead, &no_views).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.text.contains("Enter the family&#x27;s view")
                || refused.text.contains("Enter the family's view"),
            "{}",
            refused.text
        );
        let mut appoint = no_views.clone();
        appoint.extend([
            ("family_view", "Laura trusts Sam"),
            ("child_view", "Amelia likes Sam"),
        ]);
        let appointed = post(&mut sam, &lead, &appoint).await;
        assert_eq!(
            appointed.status,
            StatusCode::SEE_OTHER,
            "{}",
            appointed.text
        );
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(
            tasks
                .text
                .contains("Sam Practitioner is the lead professional")
                && tasks.text.contains("2 people in the team"),
            "{}",
            tasks.text
        );

        let rev = revision(&app, caf).await;
        let mut change = decided.to_vec();
        change.extend([
            ("choice", "appointed"),
            ("user_id", nia_id.as_str()),
            ("revision", rev.as_str()),
            ("family_view", "Fine"),
            ("child_view", "Fine"),
        ]);
        let no_reason = post(&mut sam, &lead, &change).await;
        assert!(no_reason
            .text
            .contains("Say why the lead professional is changing"));
        let stale_rev = (rev.parse::<i64>().unwrap() - 1).to_string();
        let mut stale = change.clone();
        stale.retain(|(k, _)| *k != "revision");
        stale.extend([
            ("revision", stale_rev.as_str()),
            ("reason", "Nia works with Amelia weekly"),
        ]);
        let conflict = post(&mut sam, &lead, &stale).await;
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        assert!(
            conflict.text.contains("Nia works with Amelia weekly"),
            "typing kept"
        );
        change.push(("reason", "Nia works with Amelia weekly"));
        assert_eq!(
            post(&mut sam, &lead, &change).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            app.count(&format!(
                "SELECT lead_professional_id FROM cafs WHERE id = {caf}"
            ))
            .await,
            nia
        );

        // Leaving: not before joining; then Nia reads only as lead professional.
        let member_id = app
            .count(&format!(
                "SELECT id FROM caf_team_members WHERE caf_id = {caf} AND user_id = {nia}"
            ))
            .await;
        let leave = format!("/cafs/{caf}/team/{member_id}/leave");
        let early = post(
            &mut sam,
            &leave,
            &[
                ("left_on-day", "1"),
                ("left_on-month", "11"),
                ("left_on-year", "2026"),
            ],
        )
        .await;
        assert!(
            early
                .text
                .contains("on or after they joined (24 November 2026)"),
            "{}",
            early.text
        );
        assert_eq!(
            post(
                &mut sam,
                &leave,
                &[
                    ("left_on-day", "25"),
                    ("left_on-month", "11"),
                    ("left_on-year", "2026")
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let team = sam.get(&format!("/cafs/{caf}/team")).await;
        assert!(
            team.text.contains("Members who have left")
                && team.text.contains("24 November 2026 to 25 November 2026")
        );

        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        for event in [
            "Pat Jones (Brookford Juniors FC) joined the team",
            "Sam Practitioner (Test Primary School) appointed lead professional",
            "Family&#x27;s view: Laura trusts Sam",
            "left the team around the family",
        ] {
            assert!(chronology.text.contains(event), "{event}");
        }
    }
);

on_both_databases!(the_team_through_the_api, |app| {
    let child = child_and_outsider(&app).await;
    let nia = user_id(&app, OUTSIDER).await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let caf = start(&mut sam, child).await;
    consent_to_share(&app, &mut sam, caf).await;
    let token = sam.create_token("case system").await;
    let mut api = app.client();
    let both = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/team"),
            &token,
            &json!({ "user_id": nia, "name": "Someone", "joined_on": "2026-11-24" }),
        )
        .await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(both.json()["errors"][0]["field"], "user_id");
    let added = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/team"),
            &token,
            &json!({ "user_id": nia, "joined_on": "2026-11-24" }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let member = added.json()["member_id"].as_i64().unwrap();
    let views = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/lead-professional"),
            &token,
            &json!({ "choice": { "kind": "none_needed_yet" }, "on": "2026-11-24", "family_view": "", "child_view": "", "revision": 1 }),
        )
        .await;
    let fields: Vec<String> = views.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["family_view", "child_view"]);
    let rev = revision(&app, caf).await.parse::<i64>().unwrap();
    let none = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/lead-professional"),
            &token,
            &json!({ "choice": { "kind": "none_needed_yet" }, "on": "2026-11-24", "family_view": "Happy to go on as we are", "child_view": "Too young to say", "revision": rev }),
        )
        .await;
    assert_eq!(none.status, StatusCode::NO_CONTENT, "{}", none.text);
    let team = api
        .api_get(&format!("/api/v1/cafs/{caf}/team"), &token)
        .await;
    assert_eq!(team.json()["lead_status"], "none_needed_yet");
    assert_eq!(team.json()["members"][0]["name"], "Nia Elsewhere");
    let left = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/team/{member}/leave"),
            &token,
            &json!({ "left_on": "2026-11-25" }),
        )
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{}", left.text);
    let twice = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/team/{member}/leave"),
            &token,
            &json!({ "left_on": "2026-11-25" }),
        )
        .await;
    assert_eq!(twice.json()["errors"][0]["field"], "left_on");
    // Nia, no longer a member, sees only that the CAF exists.
    let mut nia_client = app.signed_in(OUTSIDER).await;
    let nia_token = nia_client.create_token("hers").await;
    let seen = api
        .api_get(&format!("/api/v1/cafs/{caf}/team"), &nia_token)
        .await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN);
});

on_both_databases!(meetings_record_who_came_and_what_was_sent, |app| {
    let child = child_and_outsider(&app).await;
    let nia = user_id(&app, OUTSIDER).await.to_string();
    let mut sam = app.signed_in(PRACTITIONER).await;
    let caf = start(&mut sam, child).await;
    let add = format!("/cafs/{caf}/team/new");
    post(
        &mut sam,
        &add,
        &[
            ("user_id", nia.as_str()),
            ("joined_on-day", "20"),
            ("joined_on-month", "11"),
            ("joined_on-year", "2026"),
        ],
    )
    .await;
    let path = format!("/cafs/{caf}/meetings/new");
    let form = sam.get(&path).await;
    assert!(
        form.text.contains("value=\"Nia Elsewhere\""),
        "the team's members start filled in"
    );
    let held = [
        ("held_on-day", "24"),
        ("held_on-month", "11"),
        ("held_on-year", "2026"),
    ];
    let mut bad = held.to_vec();
    bad.extend([
        ("kind", "team_meeting"),
        ("attendee_name-1", "Laura Hughes"),
        ("attendee_name-2", "Nia Elsewhere"),
        ("attendee_agency-2", "Brookford Youth Service"),
        ("report_from-1", "Helen Price"),
    ]);
    let refused = sam.post(&path, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (anchor, message) in [
        (
            "#attendee_agency-1",
            "Enter the agency or relationship to the child of person 1",
        ),
        ("#report_text-1", "Enter what written report 1 says"),
    ] {
        assert!(
            refused.text.contains(&format!("href=\"{anchor}\"")) && refused.text.contains(message),
            "{anchor}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM caf_meetings").await, 0);
    let mut good = bad.clone();
    good.extend([
        ("attendee_agency-1", "Mother"),
        ("report_agency-1", "Health visiting"),
        ("report_text-1", "Amelia's speech is improving"),
        ("notes", "Agreed to meet again in six weeks"),
    ]);
    let recorded = sam.post(&path, &good).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
    let team = sam.get(&format!("/cafs/{caf}/team")).await;
    assert!(
        team.text
            .contains("Team around the family meeting, 24 November 2026")
            && team.text.contains("Laura Hughes (Mother)")
            && team.text.contains("Amelia&#x27;s speech is improving"),
        "{}",
        team.text
    );
    let chronology = sam.get(&format!("/people/{child}/chronology")).await;
    assert!(chronology.text.contains("Team around the family meeting: Laura Hughes (Mother), Nia Elsewhere (Brookford Youth Service) there; 1 written report"));

    let token = sam.create_token("api").await;
    let mut api = app.client();
    let no_one = api
        .api_json(Method::POST, &format!("/api/v1/cafs/{caf}/meetings"), &token, &json!({ "kind": "review", "held_on": "2026-11-24", "attendees": [{ "name": "Laura Hughes", "agency": "" }] }))
        .await;
    assert_eq!(no_one.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_one.json()["errors"][0]["field"], "attendees[0].agency");
    let ok = api
        .api_json(Method::POST, &format!("/api/v1/cafs/{caf}/meetings"), &token, &json!({ "kind": "family_network", "held_on": "2026-11-25", "attendees": [{ "name": "Pat Ellis", "agency": "Grandmother" }] }))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let team = api
        .api_get(&format!("/api/v1/cafs/{caf}/team"), &token)
        .await;
    assert_eq!(team.json()["meetings"][0]["kind"], "family_network");
    assert_eq!(team.json()["meetings"].as_array().unwrap().len(), 2);
});
