use axum::http::StatusCode;
use chrono::Duration;
use ecaf_tests::{on_both_databases, ADMIN, PRACTITIONER};

/// Create a token through the account page and return the secret shown once.
async fn create_token(client: &mut ecaf_tests::Client, name: &str) -> String {
    client.get("/account/api-tokens").await;
    let reply = client
        .post(
            "/account/api-tokens",
            &[("name", name), ("lifetime_days", "30")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let marker = "id=\"new-token\">";
    let start = reply.text.find(marker).expect("token shown") + marker.len();
    let end = reply.text[start..].find('<').unwrap() + start;
    reply.text[start..end].to_string()
}

on_both_databases!(a_token_acts_as_its_owner_until_revoked, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let token = create_token(&mut sam, "Data warehouse").await;
    assert!(token.starts_with("ecaf_"));
    let stored = app
        .count("SELECT COUNT(*) FROM api_tokens WHERE token_digest LIKE 'ecaf_%'")
        .await;
    assert_eq!(stored, 0, "only a digest is stored");
    let mut api = app.client();
    let me = api.api_get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json()["email"], PRACTITIONER);
    assert_eq!(me.json()["roles"][0], "practitioner");
    assert!(app
        .audit_actions()
        .await
        .contains(&"api_token.use".to_string()));
    // Exactly the owner's permissions: not an administrator.
    let users = api.api_get("/api/v1/users", &token).await;
    assert_eq!(users.status, StatusCode::FORBIDDEN);
    assert_eq!(users.header("content-type"), "application/problem+json");
    assert!(
        app.audit_actions()
            .await
            .contains(&"access.denied".to_string()),
        "API refusals are audited"
    );
    // Revoke it.
    let page = sam.get("/account/api-tokens").await;
    let id_marker = "/account/api-tokens/";
    let start = page.text.find(id_marker).unwrap() + id_marker.len();
    let id: String = page.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let revoked = sam
        .post(&format!("/account/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let after = api.api_get("/api/v1/me", &token).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.json()["status"], 401);
});

on_both_databases!(tokens_expire, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let token = create_token(&mut sam, "Short-lived").await;
    let mut api = app.client();
    assert_eq!(
        api.api_get("/api/v1/me", &token).await.status,
        StatusCode::OK
    );
    app.clock.advance(Duration::days(31));
    assert_eq!(
        api.api_get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
});

on_both_databases!(another_users_token_cannot_be_revoked, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    create_token(&mut sam, "Sam's").await;
    let mut admin = app.signed_in(ADMIN).await;
    admin.get("/account").await;
    let reply = admin.post("/account/api-tokens/1/revoke", &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL")
            .await,
        1
    );
});

on_both_databases!(administrators_list_users_over_the_api, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    let token = create_token(&mut admin, "Admin tooling").await;
    let mut api = app.client();
    let users = api.api_get("/api/v1/users", &token).await;
    assert_eq!(users.status, StatusCode::OK);
    assert_eq!(users.json().as_array().unwrap().len(), 3);
    let one = api
        .api_get(&format!("/api/v1/users/{}", app.practitioner_id), &token)
        .await;
    assert_eq!(one.json()["email"], PRACTITIONER);
    let missing = api.api_get("/api/v1/users/999999", &token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("content-type"), "application/problem+json");
});

on_both_databases!(missing_or_malformed_tokens_get_401_problem_details, |app| {
    let mut api = app.client();
    let none = api.get("/api/v1/me").await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.header("content-type"), "application/problem+json");
    assert!(none.header("www-authenticate").starts_with("Bearer"));
    assert_eq!(none.json()["status"], 401);
    let basic = api
        .send(
            axum::http::Method::GET,
            "/api/v1/me",
            axum::body::Body::empty(),
            None,
            &[("authorization", "Basic Zm9vOmJhcg==")],
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api.api_get("/api/v1/me", "ecaf_not_a_real_token")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A session cookie does not authenticate the API.
    let mut sam = app.signed_in(PRACTITIONER).await;
    assert_eq!(sam.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
});

on_both_databases!(api_errors_are_problem_details, |app| {
    let mut api = app.client();
    let unknown = api.get("/api/v1/nothing-here").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.header("content-type"), "application/problem+json");
    let wrong_method = api
        .send(
            axum::http::Method::DELETE,
            "/api/v1/me",
            axum::body::Body::empty(),
            None,
            &[],
        )
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        wrong_method.header("content-type"),
        "application/problem+json"
    );
});

#[test]
fn openapi_document_matches_the_committed_snapshot() {
    let doc = serde_json::to_string_pretty(&ecaf_web::api::document()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, &doc).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == doc,
        "the API changed: review and commit docs/openapi.json (run with UPDATE_SNAPSHOTS=1 to rewrite it)"
    );
    let value: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert!(value["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/api/v1/me", "/api/v1/users", "/api/v1/users/{id}"] {
        assert!(value["paths"][path].is_object(), "{path} documented");
    }
}

on_both_databases!(a_token_use_is_recorded_at_most_once_a_minute, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let token = create_token(&mut sam, "Busy system").await;
    let mut api = app.client();
    let uses = "SELECT COUNT(*) FROM audit_events WHERE action = 'api_token.use'";
    for _ in 0..5 {
        assert_eq!(
            api.api_get("/api/v1/me", &token).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        app.count(uses).await,
        1,
        "five calls within a minute: one write"
    );
    app.clock.advance(Duration::seconds(61));
    api.api_get("/api/v1/me", &token).await;
    assert_eq!(app.count(uses).await, 2);
    let last_used = app.count("SELECT last_used_at FROM api_tokens").await;
    assert_eq!(last_used, app.clock_now_ms());
});
