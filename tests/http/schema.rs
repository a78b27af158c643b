//! The two migration sets must not drift: same tables, same columns.
use std::collections::BTreeSet;

#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let sqlite = ecaf_tests::TestApp::new(ecaf_tests::Db::Sqlite).await;
    let postgres = ecaf_tests::TestApp::new(ecaf_tests::Db::Postgres).await;
    use sqlx::Row;
    let sqlite_cols: BTreeSet<String> = sqlx::query(
        "SELECT m.name || '.' || p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(sqlite.store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("col"))
    .collect();
    let postgres_cols: BTreeSet<String> = sqlx::query(
        "SELECT table_name || '.' || column_name AS col FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(postgres.store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("col"))
    .collect();
    assert!(!sqlite_cols.is_empty());
    assert_eq!(sqlite_cols, postgres_cols);
}
