//! Meetings of the team around the family: recorded whole (who came, written reports,
//! notes), never changed afterwards, each a significant event in the chronology.
use super::access::{open_to_write, refused};
use super::events::{self, Event};
use super::sections::touch;
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::meeting::Meeting;
use serde::Serialize;
use sqlx::Row;

/// A meeting as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingRow {
    pub id: i64,
    pub kind_label: &'static str,
    #[serde(flatten)]
    pub meeting: Meeting,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
}

pub(super) async fn meetings_of(tx: &mut Tx, caf_id: i64) -> Result<Vec<MeetingRow>> {
    sqlx::query(
        "SELECT m.id, m.meeting, m.recorded_at, u.name AS by_name FROM caf_meetings m \
         LEFT JOIN users u ON u.id = m.recorded_by WHERE m.caf_id = $1 ORDER BY m.held_on DESC, m.id DESC",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .filter_map(|r| {
        let text: String = r.try_get("meeting").ok()?;
        let meeting: Meeting = serde_json::from_str(&text).ok()?;
        Some(Ok(MeetingRow {
            id: r.try_get("id").ok()?,
            kind_label: meeting.kind_label(),
            meeting,
            recorded_at: from_ms(r.try_get("recorded_at").ok()?),
            recorded_by: r.try_get("by_name").ok()?,
        }))
    })
    .collect()
}

impl Store {
    /// Record a meeting of the team around the family (the assessor or lead professional).
    pub async fn record_meeting(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        meeting: &Meeting,
    ) -> Result<i64> {
        let today = self.clock().now().date_naive();
        if let Some(problem) = meeting.problems(today).into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "meeting").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        if !caf.state.is_open() {
            return Err(StoreError::Refused(
                "The CAF is closed: no more meetings can be recorded".into(),
            ));
        }
        let text =
            serde_json::to_string(meeting).map_err(|e| StoreError::Refused(e.to_string()))?;
        let id: i64 = sqlx::query(
            "INSERT INTO caf_meetings (caf_id, kind, held_on, meeting, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(caf.id)
        .bind(&meeting.kind)
        .bind(meeting.held_on.to_string())
        .bind(text)
        .bind(now)
        .bind(actor.user_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let reports = meeting.reports.len();
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "meeting.held",
                summary: format!(
                    "{}: {} there{}",
                    meeting.kind_label(),
                    meeting
                        .attendees
                        .iter()
                        .map(|a| format!("{} ({})", a.name.trim(), a.agency.trim()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    match reports {
                        0 => String::new(),
                        1 => "; 1 written report".into(),
                        n => format!("; {n} written reports"),
                    }
                ),
                occurred_on: Some(meeting.held_on),
                significant: true,
                detail: serde_json::json!({ "meeting": id }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(id)
    }
}
