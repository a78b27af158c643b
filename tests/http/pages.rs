//! Every page route, as a practitioner whose session has ended meets it: signed out it lands
//! on a working sign-in page, and after signing in on the page itself, which renders.
use super::caf_pages::complete_sections;
use super::caf_sign_off::MANAGER;
use axum::http::StatusCode;
use ecaf_tests::{on_both_databases, TestApp, ADMIN, EARLY_HELP, PASSWORD};

/// Every GET page that needs a signed-in user, with who may see it.
async fn page_routes(app: &TestApp) -> Vec<(String, &'static str)> {
    let mut eve = app.signed_in(EARLY_HELP).await;
    let form = eve.get("/people/new").await;
    let key = form
        .text
        .split("name=\"submission_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the add form's submission key")
        .to_string();
    let added = eve
        .post(
            "/people/new",
            &[
                ("submission_key", key.as_str()),
                ("given_name", "Rosa"),
                ("family_name", "Quinlan-Marsh"),
                ("dob_day", "3"),
                ("dob_month", "4"),
                ("dob_year", "2018"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let person = added
        .header("location")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    // The same details again, in a new add form: the duplicate check's question page.
    let again = eve.get("/people/new").await;
    let key = again
        .text
        .split("name=\"submission_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the add form's submission key")
        .to_string();
    let question = eve
        .post(
            "/people/new",
            &[
                ("submission_key", key.as_str()),
                ("given_name", "Rosa"),
                ("family_name", "Quinlan-Marsh"),
                ("dob_day", "3"),
                ("dob_month", "4"),
                ("dob_year", "2018"),
            ],
        )
        .await;
    let question = question.header("location").to_string();
    assert!(question.ends_with("/check"), "{question}");
    // Search results are held for the user who searched: the pages that show them.
    eve.get("/people/search").await;
    let searched = eve
        .post(
            "/people/search",
            &[("given_name", "Rosa"), ("family_name", "Quinlan-Marsh")],
        )
        .await;
    assert_eq!(searched.status, StatusCode::SEE_OTHER, "{}", searched.text);
    let results = searched.header("location").to_string();
    // Merging: a second record to check side by side, and a search for the duplicate.
    let form = eve.get("/people/new").await;
    let key = form
        .text
        .split("name=\"submission_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the add form's submission key")
        .to_string();
    let other = eve
        .post(
            "/people/new",
            &[
                ("submission_key", key.as_str()),
                ("given_name", "Tobias"),
                ("family_name", "Fenwick"),
                ("dob_day", "9"),
                ("dob_month", "10"),
                ("dob_year", "2016"),
            ],
        )
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.text);
    let other = other
        .header("location")
        .split('?')
        .next()
        .unwrap()
        .trim_start_matches("/people/")
        .to_string();
    eve.get(&format!("{person}/merge")).await;
    let merge_search = eve
        .post(
            &format!("{person}/merge/search"),
            &[("given_name", "Tobias"), ("family_name", "Fenwick")],
        )
        .await;
    assert_eq!(
        merge_search.status,
        StatusCode::SEE_OTHER,
        "{}",
        merge_search.text
    );
    let merge_results = merge_search.header("location").to_string();
    eve.get(&format!("{person}/cafs/new")).await;
    let caf = eve
        .post(
            &format!("{person}/cafs/new"),
            &[
                ("giver", "young_person"),
                ("giver_name", "Rosa Quinlan-Marsh"),
                ("agreed_on-day", "20"),
                ("agreed_on-month", "11"),
                ("agreed_on-year", "2026"),
                ("may_contact", "no"),
            ],
        )
        .await
        .header("location")
        .to_string();
    // Sign the assessment off, for its version 1.
    let caf_id: i64 = caf.trim_start_matches("/cafs/").parse().expect("a CAF id");
    let child: i64 = person
        .trim_start_matches("/people/")
        .parse()
        .expect("a person id");
    complete_sections(&mut eve, caf_id, child).await;
    let check = eve.get(&format!("{caf}/sign-off")).await;
    let revision = check
        .text
        .split("name=\"revision\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the CAF's revision")
        .to_string();
    let signed = eve
        .post(
            &format!("{caf}/sign-off"),
            &[("revision", revision.as_str())],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    // One action on the plan, for its status page.
    eve.get(&format!("{caf}/plan/actions/new")).await;
    let added = eve
        .post(
            &format!("{caf}/plan/actions/new"),
            &[
                ("what", "Walk to school with Rosa each morning"),
                ("owner", &format!("child-{child}")),
                ("due_on-day", "1"),
                ("due_on-month", "12"),
                ("due_on-year", "2026"),
                ("outcome", "Rosa is at school on time"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let action = app
        .count(&format!(
            "SELECT MAX(id) FROM caf_actions WHERE caf_id = {caf_id}"
        ))
        .await;
    // The plan sent to Eve's line manager, for the sign-off pages.
    let sign_off = super::caf_sign_off::plan_waiting(app, &mut eve, caf_id).await;
    // Sam knows only that Eve's CAF exists: he asks to join its team.
    let mut sam = app.signed_in(ecaf_tests::PRACTITIONER).await;
    sam.get(&format!("{caf}/join")).await;
    let asked = sam
        .post(&format!("{caf}/join"), &[("reason", "I teach Rosa")])
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text);
    let request = app.count("SELECT MAX(id) FROM caf_join_requests").await;
    let user = app.practitioner_id;
    let agency = app.agency_id;
    let mut routes: Vec<(String, &'static str)> = [
        "/account",
        "/account/password",
        "/account/api-tokens",
        "/admin/users",
        "/admin/users/new",
        "/admin/agencies",
        "/admin/agencies/new",
        "/admin/audit",
        "/admin/wording",
        "/account/notifications",
        "/admin/jobs",
    ]
    .iter()
    .map(|p| (p.to_string(), ADMIN))
    .collect();
    routes.extend([
        (format!("/admin/users/{user}"), ADMIN),
        (format!("/admin/users/{user}/edit"), ADMIN),
        (format!("/admin/agencies/{agency}/edit"), ADMIN),
        ("/people/search".to_string(), EARLY_HELP),
        ("/people/new".to_string(), EARLY_HELP),
        (results.clone(), EARLY_HELP),
        (format!("{results}/change"), EARLY_HELP),
        (question.clone(), EARLY_HELP),
        (person.clone(), EARLY_HELP),
        (format!("{person}/edit"), EARLY_HELP),
        (format!("{person}/history"), EARLY_HELP),
        (format!("{person}/merge"), EARLY_HELP),
        (merge_results, EARLY_HELP),
        (format!("{person}/merge/{other}"), EARLY_HELP),
        (format!("{person}/cafs/new"), EARLY_HELP),
        (format!("{person}/chronology"), EARLY_HELP),
        (caf.clone(), EARLY_HELP),
        (format!("{caf}/sections/identifying_details"), EARLY_HELP),
        (format!("{caf}/sections/development"), EARLY_HELP),
        (format!("{caf}/sections/priorities"), EARLY_HELP),
        (format!("{caf}/sections/signatures"), EARLY_HELP),
        (format!("{caf}/consent"), EARLY_HELP),
        (format!("{caf}/consent/withdraw"), EARLY_HELP),
        (format!("{caf}/sign-off"), EARLY_HELP),
        (format!("{caf}/versions"), EARLY_HELP),
        (format!("{caf}/team"), EARLY_HELP),
        (format!("{caf}/team/lead"), EARLY_HELP),
        (format!("{caf}/team/new"), EARLY_HELP),
        ("/caseloads".to_string(), EARLY_HELP),
        (format!("/caseloads/{user}/hand-over"), EARLY_HELP),
        (format!("{caf}/step-up"), EARLY_HELP),
        (format!("{caf}/meetings/new"), EARLY_HELP),
        (format!("{caf}/owner"), EARLY_HELP),
        (format!("{caf}/versions/compare?from=1&to=now"), EARLY_HELP),
        (format!("{caf}/versions/1"), EARLY_HELP),
        (format!("{caf}/sharing/new"), EARLY_HELP),
        (format!("{caf}/family-copy"), EARLY_HELP),
        (format!("{caf}/close"), EARLY_HELP),
        (format!("{caf}/moved-away"), EARLY_HELP),
        (format!("{caf}/plan"), EARLY_HELP),
        (format!("{caf}/plan/actions/new"), EARLY_HELP),
        (format!("{caf}/plan/actions/{action}"), EARLY_HELP),
        (format!("{caf}/plan/agree"), EARLY_HELP),
        (format!("{caf}/reviews/new"), EARLY_HELP),
        ("/?view=area".to_string(), EARLY_HELP),
        (
            "/?view=area&state=plan_in_place&sort=next_review&order=descending&page=1".to_string(),
            EARLY_HELP,
        ),
        (
            "/?view=mine&alert=review_due".to_string(),
            ecaf_tests::PRACTITIONER,
        ),
        ("/admin/alert-rules".to_string(), ADMIN),
        ("/admin/sign-off".to_string(), ADMIN),
        ("/sign-offs".to_string(), MANAGER),
        (format!("/sign-offs/{sign_off}"), MANAGER),
        (format!("{caf}/join"), ecaf_tests::PRACTITIONER),
        (format!("{caf}/join/sent"), ecaf_tests::PRACTITIONER),
        (format!("{caf}/join-requests/{request}"), EARLY_HELP),
    ]);
    routes
}

on_both_databases!(
    every_page_signed_out_leads_through_sign_in_back_to_itself,
    |app| {
        for (path, who) in page_routes(&app).await {
            let mut client = app.client();
            let reply = client.get(&path).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path} signed out");
            let sign_in = reply.header("location").to_string();
            assert!(sign_in.starts_with("/sign-in?next="), "{path} → {sign_in}");
            let page = client.get(&sign_in).await;
            assert_eq!(page.status, StatusCode::OK, "{sign_in}: {}", page.text);
            assert!(page.text.contains("govuk-template"));
            let done = client
                .post(&sign_in, &[("email", who), ("password", PASSWORD)])
                .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{path}: {}", done.text);
            assert_eq!(done.header("location"), path, "after sign-in");
            let shown = client.get(&path).await;
            assert_eq!(shown.status, StatusCode::OK, "{path}: {}", shown.text);
            assert!(
                shown.text.contains("Sign out"),
                "{path} has sign out in the header"
            );
        }
    }
);

on_both_databases!(public_pages_render_signed_in_and_out, |app| {
    for path in ["/sign-in", "/accessibility", "/privacy"] {
        let mut anonymous = app.client();
        let reply = anonymous.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(
            !reply.text.contains("Sign out"),
            "{path} signed out has no sign out"
        );
    }
    let mut admin = app.signed_in(ADMIN).await;
    for path in ["/", "/accessibility", "/privacy"] {
        let reply = admin.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(reply.text.contains("Sign out"), "{path}");
    }
    // The home page signed out is the sign-in page.
    let mut anonymous = app.client();
    assert_eq!(anonymous.get("/").await.header("location"), "/sign-in");
});

on_both_databases!(the_header_sign_out_ends_the_session, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    let page = admin.get("/admin/users").await;
    assert!(page.text.contains("action=\"/sign-out\""));
    let reply = admin.post("/sign-out", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_is_called_by_one_configured_name_on_every_page() {
    let config = ecaf_web::WebConfig {
        service_name: "Family help".into(),
        organisation_name: Some("Testshire Council".into()),
        ..Default::default()
    };
    let app = TestApp::with_config(ecaf_tests::Db::Sqlite, config).await;
    let mut anonymous = app.client();
    let sign_in = anonymous.get("/sign-in").await;
    assert!(
        sign_in
            .text
            .contains("<title>Sign in – Family help</title>"),
        "{}",
        sign_in.text
    );
    assert!(sign_in.text.contains("Sign in to Family help"));
    assert!(sign_in.text.contains("Testshire Council"));
    let missing = anonymous.get("/no/such/page").await;
    assert!(
        missing.text.contains("– Family help</title>"),
        "error pages too"
    );
    let mut admin = app.signed_in(ADMIN).await;
    for (path, _) in page_routes(&app).await {
        let page = admin.get(&path).await;
        if page.status != StatusCode::OK {
            continue; // pages for other roles; their names are checked signed out above
        }
        assert!(page.text.contains("– Family help</title>"), "{path}");
        for other in [
            "e-CAF",
            "ecaf administrator",
            "Early help assessment (CAF)",
            "early help assessment service",
        ] {
            assert!(!page.text.contains(other), "{path} still says {other}");
        }
    }
}
