use axum::http::StatusCode;
use chrono::Duration;
use ecaf_tests::{on_both_databases, ADMIN, PASSWORD, PRACTITIONER};

on_both_databases!(correct_password_signs_in_and_is_audited, |app| {
    let mut client = app.client();
    let reply = client.sign_in(PRACTITIONER, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/");
    let cookie = reply.header("set-cookie");
    assert!(
        cookie.contains("ecaf_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "not Secure unless configured: {cookie}"
    );
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("Hello, Sam"), "{}", home.text);
    assert_eq!(home.header("cache-control"), "no-store");
    assert!(app
        .audit_actions()
        .await
        .contains(&"sign_in.success".to_string()));
});

on_both_databases!(wrong_password_is_refused_and_audited, |app| {
    let mut client = app.client();
    let reply = client
        .sign_in(PRACTITIONER, "not the password at all")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text.contains("govuk-error-summary"));
    assert!(reply
        .text
        .contains("Enter a correct email address and password"));
    assert!(!client.has_cookie("ecaf_session"));
    let unknown = client.sign_in("nobody@test.example", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(
        unknown
            .text
            .contains("Enter a correct email address and password"),
        "same message for unknown accounts"
    );
    let failures = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in.failure'")
        .await;
    assert_eq!(failures, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
});

on_both_databases!(empty_sign_in_form_names_each_missing_field, |app| {
    let mut client = app.client();
    client.get("/sign-in").await;
    let reply = client
        .post("/sign-in", &[("email", ""), ("password", "")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text.contains("Enter your email address"));
    assert!(reply.text.contains("Enter your password"));
});

on_both_databases!(repeated_failures_lock_the_account_for_a_while, |app| {
    let mut client = app.client();
    for _ in 0..5 {
        let reply = client.sign_in(PRACTITIONER, "wrong password guess").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while throttled.
    let reply = client.sign_in(PRACTITIONER, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        reply.text.contains("too many failed attempts"),
        "{}",
        reply.text
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"sign_in.throttled".to_string()));
    // Another account from another address is not affected.
    let mut other = app.client();
    other.address = "198.51.100.7:4000".parse().unwrap();
    assert_eq!(
        other.sign_in(ADMIN, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // After the window the account can sign in again.
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        client.sign_in(PRACTITIONER, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
});

on_both_databases!(many_failures_from_one_address_are_throttled, |app| {
    let mut client = app.client();
    for i in 0..20 {
        let email = format!("guess{i}@test.example");
        assert_eq!(
            client.sign_in(&email, "wrong password guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let reply = client.sign_in(ADMIN, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
});

on_both_databases!(
    forms_without_the_csrf_token_are_refused_and_change_nothing,
    |app| {
        let mut client = app.signed_in(ADMIN).await;
        let before = app.count("SELECT COUNT(*) FROM users").await;
        let reply = client
            .post_raw(
                "/admin/users/new",
                &[
                    ("name", "Eve"),
                    ("email", "eve@test.example"),
                    ("agency_id", "1"),
                    ("job_title", "x"),
                    ("roles", "administrator"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(
            reply.text.contains("your form could not be sent"),
            "{}",
            reply.text
        );
        let forged = client
            .post_raw("/sign-out", &[("csrf_token", "forged")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before);
        // Still signed in: the forged sign-out did nothing.
        assert_eq!(client.get("/account").await.status, StatusCode::OK);
    }
);

on_both_databases!(sign_in_form_needs_its_token_too, |app| {
    let mut client = app.client();
    let reply = client
        .post_raw("/sign-in", &[("email", ADMIN), ("password", PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
});

on_both_databases!(idle_sessions_expire, |app| {
    let mut client = app.signed_in(PRACTITIONER).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        client.get("/account").await.status,
        StatusCode::OK,
        "still within the idle timeout"
    );
    app.clock.advance(Duration::minutes(31));
    let reply = client.get("/account").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(reply.header("location").starts_with("/sign-in"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
});

on_both_databases!(
    a_form_sent_after_the_session_expired_says_so_and_changes_nothing,
    |app| {
        let mut client = app.signed_in(ADMIN).await;
        client.get("/admin/agencies/new").await;
        app.clock.advance(Duration::minutes(45));
        let before = app.count("SELECT COUNT(*) FROM agencies").await;
        let reply = client
            .post(
                "/admin/agencies/new",
                &[
                    ("name", "Late Agency"),
                    ("sector", "statutory"),
                    ("agency_type", "housing"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(
            reply.text.contains("You have been signed out"),
            "{}",
            reply.text
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM agencies").await, before);
    }
);

on_both_databases!(
    sessions_end_after_the_absolute_timeout_even_when_active,
    |app| {
        let mut client = app.signed_in(PRACTITIONER).await;
        for _ in 0..24 {
            app.clock.advance(Duration::minutes(29));
            assert_eq!(client.get("/").await.status, StatusCode::OK);
        }
        // 24 × 29 min = 11 h 36 min; the next step passes 12 h.
        app.clock.advance(Duration::minutes(29));
        assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);
    }
);

on_both_databases!(sign_out_ends_the_session, |app| {
    let mut client = app.signed_in(PRACTITIONER).await;
    client.get("/account").await;
    let reply = client.post("/sign-out", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);
    assert!(app.audit_actions().await.contains(&"sign_out".to_string()));
});

on_both_databases!(sign_out_everywhere_ends_every_session, |app| {
    let mut laptop = app.signed_in(PRACTITIONER).await;
    let mut phone = app.signed_in(PRACTITIONER).await;
    laptop.get("/account").await;
    laptop.post("/sign-out-everywhere", &[]).await;
    assert_eq!(phone.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/account").await.status, StatusCode::SEE_OTHER);
});

on_both_databases!(
    changing_password_checks_the_rules_and_keeps_this_session_only,
    |app| {
        let mut laptop = app.signed_in(PRACTITIONER).await;
        let mut phone = app.signed_in(PRACTITIONER).await;
        laptop.get("/account/password").await;
        let short = laptop
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "short"),
                    ("confirm_password", "short"),
                ],
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.text.contains("12 characters or more"));
        let common = laptop
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "password1234"),
                    ("confirm_password", "password1234"),
                ],
            )
            .await;
        assert!(common.text.contains("too common"), "{}", common.text);
        let wrong = laptop
            .post(
                "/account/password",
                &[
                    ("current_password", "not it"),
                    ("new_password", "velvet otter lantern"),
                    ("confirm_password", "velvet otter lantern"),
                ],
            )
            .await;
        assert!(wrong.text.contains("current password is not correct"));
        let ok = laptop
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "velvet otter lantern"),
                    ("confirm_password", "velvet otter lantern"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        assert_eq!(laptop.get("/account").await.status, StatusCode::OK);
        assert_eq!(phone.get("/account").await.status, StatusCode::SEE_OTHER);
        let mut fresh = app.client();
        assert_eq!(
            fresh.sign_in(PRACTITIONER, PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            fresh
                .sign_in(PRACTITIONER, "velvet otter lantern")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
);

#[tokio::test]
async fn secure_cookies_when_configured() {
    let config = ecaf_web::WebConfig {
        secure_cookies: true,
        ..Default::default()
    };
    let app = ecaf_tests::TestApp::with_config(ecaf_tests::Db::Sqlite, config).await;
    let mut client = app.client();
    let reply = client.sign_in(PRACTITIONER, PASSWORD).await;
    assert!(reply.header("set-cookie").contains("Secure"));
}

#[tokio::test]
async fn after_sign_in_only_local_paths_are_followed() {
    let app = ecaf_tests::TestApp::new(ecaf_tests::Db::Sqlite).await;
    for (next, expected) in [
        ("/account", "/account"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
    ] {
        let mut client = app.client();
        client.get("/sign-in").await;
        let path = format!(
            "/sign-in?next={}",
            serde_urlencoded::to_string([("", next)])
                .unwrap()
                .trim_start_matches('=')
        );
        let reply = client
            .post(&path, &[("email", PRACTITIONER), ("password", PASSWORD)])
            .await;
        assert_eq!(reply.header("location"), expected, "next={next}");
    }
}
