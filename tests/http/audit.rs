use axum::http::StatusCode;
use ecaf_tests::{on_both_databases, ADMIN, PRACTITIONER};

on_both_databases!(audit_rows_cannot_be_changed_or_deleted, |app| {
    app.signed_in(PRACTITIONER).await;
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert!(before > 0);
    let update = sqlx::query("UPDATE audit_events SET action = 'tampered'")
        .execute(app.store.pool())
        .await;
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = sqlx::query("DELETE FROM audit_events")
        .execute(app.store.pool())
        .await;
    assert!(delete.is_err(), "DELETE must be refused");
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'tampered'")
            .await,
        0
    );
});

on_both_databases!(audit_rows_carry_who_when_where_and_request_id, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    sam.get("/").await;
    let row = sqlx::query(
        "SELECT user_id, actor_email, source_address, request_id, record_type, record_id, at FROM audit_events WHERE action = 'sign_in.success'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    use sqlx::Row;
    assert_eq!(row.get::<i64, _>("user_id"), app.practitioner_id);
    assert_eq!(row.get::<String, _>("actor_email"), PRACTITIONER);
    assert_eq!(row.get::<String, _>("source_address"), "192.0.2.10");
    assert_eq!(
        row.get::<String, _>("request_id").len(),
        36,
        "a UUID request id"
    );
    assert_eq!(row.get::<String, _>("record_type"), "user");
    assert_eq!(row.get::<i64, _>("at"), app.clock_now_ms());
});

on_both_databases!(audit_viewer_filters_and_exports_csv, |app| {
    let mut sam = app.client();
    sam.sign_in(PRACTITIONER, "a wrong password here").await;
    let mut admin = app.signed_in(ADMIN).await;
    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let cell = |action: &str| format!("class=\"govuk-table__cell\">{action}");
    assert!(
        page.text.contains(&cell("sign_in.failure"))
            && page.text.contains(&cell("sign_in.success"))
    );
    let filtered = admin.get("/admin/audit?action=sign_in.failure").await;
    assert!(
        filtered.text.contains(&cell("sign_in.failure"))
            && !filtered.text.contains(&cell("sign_in.success"))
    );
    let by_user = admin
        .get(&format!("/admin/audit?user_id={}", app.admin_id))
        .await;
    assert!(by_user.text.contains(&cell("sign_in.success")));
    assert!(!by_user.text.contains(&cell("sign_in.failure")));
    let dated = admin.get("/admin/audit?from=2026-11-26").await;
    assert!(
        !dated.text.contains(&cell("sign_in.success")),
        "nothing after the clock's today"
    );
    let bad = admin.get("/admin/audit?from=2026-13-45").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Enter a real date"));
    let csv = admin.get("/admin/audit.csv?action=sign_in.failure").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(lines[0].starts_with("id,at_utc,user_id,actor_email,action"));
    assert_eq!(lines.len(), 2, "{}", csv.text);
    assert!(lines[1].contains("sign_in.failure") && lines[1].contains(PRACTITIONER));
    assert!(app
        .audit_actions()
        .await
        .contains(&"audit.export".to_string()));
});
