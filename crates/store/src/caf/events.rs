//! The immutable event log of each CAF.
use crate::{from_ms, Result, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;

/// One change to a CAF, as written.
pub(crate) struct Event<'a> {
    pub kind: &'a str,
    pub summary: String,
    /// The day it happened in the family's life (a meeting, a consent), if not today.
    pub occurred_on: Option<NaiveDate>,
    /// Shown in the child's chronology.
    pub significant: bool,
    pub detail: serde_json::Value,
}

pub(crate) async fn record(
    tx: &mut Tx,
    caf_id: i64,
    at_ms: i64,
    user_id: Option<i64>,
    event: Event<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO caf_events (caf_id, at, user_id, kind, occurred_on, significant, summary, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(caf_id)
    .bind(at_ms)
    .bind(user_id)
    .bind(event.kind)
    .bind(event.occurred_on.map(|d| d.to_string()))
    .bind(crate::flag(event.significant))
    .bind(event.summary)
    .bind(event.detail.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An event as read back.
#[derive(Debug, Clone, Serialize)]
pub struct CafEventRow {
    pub caf_id: i64,
    pub caf_reference: String,
    pub at: DateTime<Utc>,
    pub by: Option<String>,
    pub kind: String,
    pub occurred_on: Option<NaiveDate>,
    pub significant: bool,
    pub summary: String,
}

pub(crate) fn event_from_row(row: &crate::Row) -> Result<CafEventRow> {
    let occurred: Option<String> = row.try_get("occurred_on")?;
    Ok(CafEventRow {
        caf_id: row.try_get("caf_id")?,
        caf_reference: row.try_get("reference")?,
        at: from_ms(row.try_get("at")?),
        by: row.try_get("by_name")?,
        kind: row.try_get("kind")?,
        occurred_on: occurred.and_then(|d| d.parse().ok()),
        significant: row.try_get::<i64, _>("significant")? != 0,
        summary: row.try_get("summary")?,
    })
}

pub(crate) const EVENT_COLUMNS: &str = "e.caf_id, c.reference, e.at, u.name AS by_name, e.kind, \
     e.occurred_on, e.significant, e.summary";
