use axum::http::StatusCode;
use ecaf_tests::{on_both_databases, ADMIN, PASSWORD, PRACTITIONER};

fn new_user_form(agency: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Robin Tester".into()),
        ("email", "Robin.Tester@Test.Example".into()),
        ("agency_id", agency.into()),
        ("job_title", "Family support worker".into()),
        ("telephone", "01632 960 001".into()),
        ("roles", "practitioner".into()),
        ("roles", "line_manager".into()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The one-time password shown after creating a user.
fn shown_password(html: &str) -> String {
    let marker = "id=\"new-password\">";
    let start = html.find(marker).expect("password shown") + marker.len();
    let end = html[start..].find('<').expect("end") + start;
    html[start..end].to_string()
}

on_both_databases!(admin_creates_a_user_who_can_then_sign_in, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    admin.get("/admin/users/new").await;
    let fields = new_user_form(&app.agency_id.to_string());
    let reply = admin.post("/admin/users/new", &borrowed(&fields)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.text.contains("robin.tester@test.example"),
        "email normalised and shown"
    );
    let password = shown_password(&reply.text);
    let roles = app
        .count("SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = 'robin.tester@test.example'")
        .await;
    assert_eq!(roles, 2);
    assert!(app
        .audit_actions()
        .await
        .contains(&"user.create".to_string()));
    let mut robin = app.client();
    assert_eq!(
        robin
            .sign_in("robin.tester@test.example", &password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
});

on_both_databases!(
    invalid_new_user_gets_every_error_and_nothing_is_saved,
    |app| {
        let mut admin = app.signed_in(ADMIN).await;
        admin.get("/admin/users/new").await;
        let before = app.count("SELECT COUNT(*) FROM users").await;
        let reply = admin
            .post(
                "/admin/users/new",
                &[
                    ("name", ""),
                    ("email", "not-an-email"),
                    ("agency_id", ""),
                    ("job_title", ""),
                    ("telephone", "12"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Enter the user&#x27;s full name",
            "Enter an email address in the correct format",
            "Select the user&#x27;s agency",
            "Enter the user&#x27;s job title",
            "Enter a telephone number",
            "Select at least one role",
        ] {
            assert!(reply.text.contains(message), "missing {message:?}");
        }
        assert!(reply.text.contains("govuk-error-summary"));
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before);
    }
);

on_both_databases!(duplicate_email_is_a_form_error_not_a_crash, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    admin.get("/admin/users/new").await;
    let mut fields = new_user_form(&app.agency_id.to_string());
    fields[1].1 = PRACTITIONER.to_uppercase();
    let reply = admin.post("/admin/users/new", &borrowed(&fields)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply
        .text
        .contains("A user with this email address already exists"));
});

on_both_databases!(
    deactivated_users_cannot_sign_in_and_lose_their_sessions,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let mut admin = app.signed_in(ADMIN).await;
        let page = admin
            .get(&format!("/admin/users/{}", app.practitioner_id))
            .await;
        assert!(page.text.contains("Deactivate user"));
        let reply = admin
            .post(
                &format!("/admin/users/{}/deactivate", app.practitioner_id),
                &[("revision", "1")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        assert_eq!(
            sam.get("/").await.status,
            StatusCode::SEE_OTHER,
            "session ended"
        );
        let mut again = app.client();
        assert_eq!(
            again.sign_in(PRACTITIONER, PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        // Never deleted: the row is still there, inactive.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM users WHERE active = 0")
                .await,
            1
        );
        assert!(app
            .audit_actions()
            .await
            .contains(&"user.deactivate".to_string()));
        // Reactivation restores access.
        admin
            .get(&format!("/admin/users/{}", app.practitioner_id))
            .await;
        let reply = admin
            .post(
                &format!("/admin/users/{}/reactivate", app.practitioner_id),
                &[("revision", "2")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(
            again.sign_in(PRACTITIONER, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
    }
);

on_both_databases!(administrators_cannot_deactivate_themselves, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    admin.get(&format!("/admin/users/{}", app.admin_id)).await;
    let reply = admin
        .post(
            &format!("/admin/users/{}/deactivate", app.admin_id),
            &[("revision", "1")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply
        .text
        .contains("You cannot deactivate your own account"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE active = 0")
            .await,
        0
    );
});

on_both_databases!(a_stale_edit_is_refused_with_who_changed_it, |app| {
    let mut first = app.signed_in(ADMIN).await;
    let mut second = app.signed_in(ADMIN).await;
    let path = format!("/admin/users/{}/edit", app.practitioner_id);
    first.get(&path).await;
    second.get(&path).await;
    let agency = app.agency_id.to_string();
    let edit = |job: &'static str| {
        vec![
            ("name", "Sam Practitioner"),
            ("email", PRACTITIONER),
            ("agency_id", agency.as_str()),
            ("job_title", job),
            ("roles", "practitioner"),
            ("revision", "1"),
        ]
    };
    let ok = first.post(&path, &edit("Learning mentor")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let stale = second.post(&path, &edit("Teaching assistant")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.text.contains("was changed by admin@test.example"),
        "{}",
        stale.text
    );
    assert!(
        stale.text.contains("Learning mentor"),
        "shows the saved values"
    );
    let row = app
        .count("SELECT COUNT(*) FROM users WHERE job_title = 'Learning mentor'")
        .await;
    assert_eq!(row, 1, "the first edit was not lost");
});

on_both_databases!(practitioners_get_403_on_every_admin_page, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    for path in [
        "/admin/users",
        "/admin/users/new",
        "/admin/agencies",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/users/1",
    ] {
        let reply = sam.get(path).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert!(reply.text.contains("You do not have permission"), "{path}");
    }
    sam.get("/account").await;
    let before = app.count("SELECT COUNT(*) FROM agencies").await;
    let reply = sam
        .post(
            "/admin/agencies/new",
            &[
                ("name", "Sneaky"),
                ("sector", "private"),
                ("agency_type", "housing"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM agencies").await, before);
    assert!(app
        .audit_actions()
        .await
        .contains(&"access.denied".to_string()));
});

on_both_databases!(admin_manages_agencies_and_teams, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    admin.get("/admin/agencies/new").await;
    let bad = admin
        .post(
            "/admin/agencies/new",
            &[("name", ""), ("sector", "nope"), ("agency_type", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("Enter the agency&#x27;s name")
            && bad.text.contains("Select the agency&#x27;s sector")
    );
    let reply = admin
        .post(
            "/admin/agencies/new",
            &[
                ("name", "Brookford Housing"),
                ("sector", "statutory"),
                ("agency_type", "housing"),
                ("telephone", "01632 960 999"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let edit_path = reply.header("location").to_string();
    let teams_path = edit_path.replace("/edit", "/teams");
    admin.get(&edit_path).await;
    assert_eq!(
        admin
            .post(&teams_path, &[("team_name", "Tenancy support")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let dup = admin
        .post(&teams_path, &[("team_name", "Tenancy support")])
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = admin.get("/admin/agencies").await;
    assert!(list.text.contains("Brookford Housing") && list.text.contains("Tenancy support"));
    let dup_agency = admin
        .post(
            "/admin/agencies/new",
            &[
                ("name", "Brookford Housing"),
                ("sector", "statutory"),
                ("agency_type", "housing"),
            ],
        )
        .await;
    assert!(dup_agency
        .text
        .contains("An agency with this name already exists"));
});

on_both_databases!(demo_data_loads_once_and_never_over_real_users, |app| {
    let err = app.store.load_demo().await.expect_err("real users present");
    assert!(err.to_string().contains("real (non-demo) users"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE is_demo = 1")
            .await,
        0
    );
});

#[tokio::test]
async fn demo_load_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = ecaf_store::Store::open_data_dir(
        dir.path(),
        std::sync::Arc::new(ecaf_domain::clock::SystemClock),
    )
    .await
    .unwrap();
    let first = store.load_demo().await.unwrap();
    assert_eq!(first.agencies_created, 8);
    assert_eq!(first.users_created, 15);
    assert_eq!(first.cafs_created, 8);
    // CAFs at different stages, one a family CAF with its plan agreed, one whose consent was
    // withdrawn, one closed, one stepped up, one reviewed twice (a version for each review), one stepped down.
    let stages = sqlx::query(
        "SELECT c.kind, c.state, (SELECT COUNT(*) FROM caf_consents k WHERE k.caf_id = c.id AND k.withdrawn_on IS NOT NULL) AS withdrawn, \
         (SELECT COUNT(*) FROM caf_versions v WHERE v.caf_id = c.id) AS versions FROM cafs c ORDER BY c.id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        use sqlx::Row;
        (
            r.get::<String, _>("kind"),
            r.get::<String, _>("state"),
            r.get::<i64, _>("withdrawn"),
            r.get::<i64, _>("versions"),
        )
    })
    .collect::<Vec<_>>();
    assert_eq!(
        stages,
        [
            ("family".into(), "plan_in_place".into(), 0, 1),
            ("child".into(), "draft".into(), 0, 0),
            ("child".into(), "draft".into(), 2, 0),
            ("child".into(), "draft".into(), 0, 0),
            ("child".into(), "closed".into(), 0, 0),
            ("child".into(), "stepped_up".into(), 0, 1),
            ("child".into(), "plan_in_place".into(), 0, 3),
            ("child".into(), "draft".into(), 0, 0),
        ]
    );
    let second = store.load_demo().await.unwrap();
    assert_eq!(second, ecaf_store::demo::DemoLoad::default());
    assert!(store.holds_demo_data().await.unwrap());
    // Every role is covered by some demo account.
    let rows = sqlx::query("SELECT DISTINCT role FROM user_roles")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), ecaf_domain::access::Role::ALL.len());
}
