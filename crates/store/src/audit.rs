//! The append-only audit log. Rows are only ever inserted — no code path updates or deletes
//! them, and triggers on both backends refuse it.
use crate::{from_ms, Attribution, Result, Store, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::{Grant, ViewAudit};
use serde::Serialize;
use sqlx::Row;

/// One thing that happened, to be written with the change it records.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub record_type: Option<&'a str>,
    pub record_id: Option<String>,
    pub detail: Option<String>,
}

impl<'a> AuditEntry<'a> {
    pub fn new(action: &'a str) -> Self {
        Self {
            action,
            record_type: None,
            record_id: None,
            detail: None,
        }
    }

    pub fn record(mut self, record_type: &'a str, record_id: impl ToString) -> Self {
        self.record_type = Some(record_type);
        self.record_id = Some(record_id.to_string());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The most characters an audit row keeps of each thing it is given. The log is append-only
/// and can never be cleaned, so whatever a visitor can put into it (an email typed at
/// sign-in, a path, a detail quoting input) is cut to a size here, by this one rule, for
/// every row.
pub const KEPT_CHARS: usize = 500;
/// …except the detail, which may list the candidates a search showed.
pub const KEPT_DETAIL_CHARS: usize = 4000;

/// `text` cut to `max` characters, saying how much was left out.
pub fn capped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => {
            let dropped = text[cut..].chars().count();
            format!("{}… [{dropped} more characters not kept]", &text[..cut])
        }
    }
}

fn kept(text: Option<&str>, max: usize) -> Option<String> {
    text.map(|t| capped(t, max))
}

/// Write an audit row inside the caller's transaction, so the change and its record commit
/// together or not at all.
pub async fn record(
    tx: &mut Tx,
    at_ms: i64,
    by: &Attribution,
    entry: AuditEntry<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (at, user_id, actor_email, action, record_type, record_id, \
         source_address, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(at_ms)
    .bind(by.user_id)
    .bind(kept(by.actor_email.as_deref(), KEPT_CHARS))
    .bind(capped(entry.action, KEPT_CHARS))
    .bind(kept(entry.record_type, KEPT_CHARS))
    .bind(kept(entry.record_id.as_deref(), KEPT_CHARS))
    .bind(kept(by.source_address.as_deref(), KEPT_CHARS))
    .bind(kept(by.request_id.as_deref(), KEPT_CHARS))
    .bind(kept(entry.detail.as_deref(), KEPT_DETAIL_CHARS))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Write a single audit row in its own transaction (for events with no other change,
    /// such as a failed sign-in or a page view).
    pub async fn audit(&self, by: &Attribution, entry: AuditEntry<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        record(&mut tx, self.now_ms(), by, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A stored audit row.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub actor_email: Option<String>,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub source_address: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

/// Filters for the audit viewer; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<i64>,
    pub action: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

impl Store {
    /// Audit rows matching a filter, newest first. `limit` caps the page; `None` returns all
    /// (for CSV export).
    pub async fn audit_events(
        &self,
        _grant: &Grant<ViewAudit>,
        filter: &AuditFilter,
        limit: Option<i64>,
        offset: i64,
    ) -> Result<Vec<AuditEvent>> {
        // Each condition is always present and switched off by a NULL parameter, so the SQL
        // text is fixed and every value is bound.
        let sql = "SELECT id, at, user_id, actor_email, action, record_type, record_id, \
                   source_address, request_id, detail FROM audit_events \
                   WHERE ($1 IS NULL OR user_id = $1) \
                   AND ($2 IS NULL OR action = $2) \
                   AND ($3 IS NULL OR record_type = $3) \
                   AND ($4 IS NULL OR record_id = $4) \
                   AND ($5 IS NULL OR at >= $5) \
                   AND ($6 IS NULL OR at < $6) \
                   ORDER BY id DESC LIMIT $7 OFFSET $8";
        let rows = sqlx::query(sql)
            .bind(filter.user_id)
            .bind(filter.action.clone())
            .bind(filter.record_type.clone())
            .bind(filter.record_id.clone())
            .bind(filter.from_ms)
            .bind(filter.to_ms)
            .bind(limit.unwrap_or(i64::MAX))
            .bind(offset)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(event_from_row).collect()
    }
}

fn event_from_row(row: &crate::Row) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: row.try_get("id")?,
        at: from_ms(row.try_get("at")?),
        user_id: row.try_get("user_id")?,
        actor_email: row.try_get("actor_email")?,
        action: row.try_get("action")?,
        record_type: row.try_get("record_type")?,
        record_id: row.try_get("record_id")?,
        source_address: row.try_get("source_address")?,
        request_id: row.try_get("request_id")?,
        detail: row.try_get("detail")?,
    })
}
