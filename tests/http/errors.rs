use axum::body::Body;
use axum::http::{Method, StatusCode};
use ecaf_tests::{on_both_databases, ADMIN, PRACTITIONER};

on_both_databases!(unknown_pages_get_the_govuk_404, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let reply = sam.get("/no/such/page").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text.contains("Page not found") && reply.text.contains("govuk-template"));
    assert!(
        reply.text.contains(reply.header("x-request-id")),
        "the page quotes the request id"
    );
    let missing_user = app.signed_in(ADMIN).await.get("/admin/users/424242").await;
    assert_eq!(missing_user.status, StatusCode::NOT_FOUND);
});

on_both_databases!(wrong_methods_get_405_pages, |app| {
    let mut client = app.client();
    let reply = client
        .send(Method::DELETE, "/sign-in", Body::empty(), None, &[])
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.text.contains("govuk-template"), "{}", reply.text);
});

on_both_databases!(oversized_bodies_get_413_and_change_nothing, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    admin.get("/admin/agencies/new").await;
    let before = app.count("SELECT COUNT(*) FROM agencies").await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let reply = admin
        .post(
            "/admin/agencies/new",
            &[
                ("name", "Big"),
                ("sector", "statutory"),
                ("agency_type", "housing"),
                ("address", &huge),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.text.contains("too large"), "{}", reply.text);
    assert_eq!(app.count("SELECT COUNT(*) FROM agencies").await, before);
});

on_both_databases!(malformed_forms_get_a_clear_error_not_a_crash, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    let page = admin
        .get(&format!("/admin/users/{}", app.practitioner_id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let reply = admin
        .post(
            &format!("/admin/users/{}/deactivate", app.practitioner_id),
            &[("revision", "not-a-number")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text.contains("version number"));
    let bad_path = admin.get("/admin/users/not-a-number").await;
    assert_eq!(bad_path.status, StatusCode::BAD_REQUEST);
    assert!(bad_path.text.contains("govuk-template"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE active = 0")
            .await,
        0
    );
});

on_both_databases!(every_response_has_the_security_headers, |app| {
    let mut client = app.client();
    for path in [
        "/sign-in",
        "/no-such-page",
        "/assets/govuk/govuk-frontend.min.css",
        "/healthz",
        "/readyz",
    ] {
        let reply = client.get(path).await;
        let csp = reply.header("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(reply.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(reply.header("referrer-policy"), "no-referrer", "{path}");
        assert!(!reply.header("x-request-id").is_empty(), "{path}");
    }
    assert_eq!(client.get("/readyz").await.status, StatusCode::OK);
    assert!(client
        .get("/assets/govuk/govuk-frontend.min.css")
        .await
        .header("cache-control")
        .starts_with("public"));
    assert_eq!(
        client.get("/sign-in").await.header("cache-control"),
        "no-store"
    );
});

on_both_databases!(request_ids_are_always_made_by_the_server, |app| {
    let mut client = app.client();
    let reply = client
        .send(
            Method::GET,
            "/sign-in",
            Body::empty(),
            None,
            &[("x-request-id", "forged-by-client")],
        )
        .await;
    let id = reply.header("x-request-id");
    assert_ne!(id, "forged-by-client");
    assert_eq!(id.len(), 36, "a UUID: {id}");
});

#[tokio::test]
async fn a_request_that_runs_too_long_is_abandoned_with_a_503_page_and_writes_nothing() {
    // No time at all: every request that waits on the database is abandoned at that wait.
    let config = ecaf_web::WebConfig {
        request_timeout: std::time::Duration::ZERO,
        ..Default::default()
    };
    let app = ecaf_tests::TestApp::with_config(ecaf_tests::Db::Sqlite, config).await;
    let audit_before = app.count("SELECT COUNT(*) FROM audit_events").await;
    let mut client = app.client();
    let reply = client.sign_in(PRACTITIONER, ecaf_tests::PASSWORD).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert!(reply
        .text
        .contains("Sorry, there is a problem with the service"));
    assert!(reply.text.contains("govuk-template"));
    assert!(reply.text.contains(reply.header("x-request-id")));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        audit_before,
        "no sign-in was recorded"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        0,
        "no session was made"
    );
}
