//! Versions: the assessment frozen at sign-off (version 1) and at each review after it; and
//! the child's chronology across all their CAFs.
use super::access::{open_to_read, open_to_write, refused, stale_caf, CafRow};
use super::events::{self, event_from_row, CafEventRow, Event, EVENT_COLUMNS};
use super::manager_sign_off::{needs_no_manager, Effect};
use super::sections::CafContent;
use super::sections::{content, touch};
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::form::{missing_for_sign_off, SectionStatus};
use ecaf_domain::caf::lifecycle::Step;
use ecaf_domain::caf::sign_off::SignOffStep;
use serde::Serialize;
use sqlx::Row;

/// A frozen version.
#[derive(Debug, Clone, Serialize)]
pub struct VersionRow {
    pub number: i64,
    pub at: DateTime<Utc>,
    pub by: Option<String>,
    pub reason: String,
    /// The CAF as it was (sections, children, consent).
    pub snapshot: serde_json::Value,
}

/// A version about to be frozen.
pub(super) struct Frozen<'a> {
    pub number: i64,
    pub at: i64,
    pub user_id: i64,
    pub reason: &'a str,
}

/// Freeze `content` as a version, with its indicators beside the snapshot for distance
/// travelled.
pub(super) async fn freeze(tx: &mut Tx, content: &CafContent, version: Frozen<'_>) -> Result<()> {
    let snapshot =
        serde_json::to_string(content).map_err(|e| StoreError::Refused(e.to_string()))?;
    let indicators = serde_json::to_string(&content.current_indicators())
        .map_err(|e| StoreError::Refused(e.to_string()))?;
    sqlx::query(
        "INSERT INTO caf_versions (caf_id, number, at, user_id, reason, snapshot, indicators) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(content.id)
    .bind(version.number)
    .bind(version.at)
    .bind(version.user_id)
    .bind(version.reason)
    .bind(snapshot)
    .bind(indicators)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Sign off the assessment: every required section must be complete. Freezes version 1.
    pub async fn sign_off_caf(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        expected_revision: i64,
    ) -> Result<i64> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "sign-off").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        needs_no_manager(&mut tx, caf.id, SignOffStep::Assessment).await?;
        let version = self
            .sign_off_on(
                &mut tx,
                now,
                &caf,
                actor.user_id,
                expected_revision,
                Effect::Take,
            )
            .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Sign off `caf`, opened in `tx` by whoever may: every required section must be
    /// complete. With [`Effect::Check`] only the rules are checked and nothing is written.
    pub(super) async fn sign_off_on(
        &self,
        tx: &mut Tx,
        now: i64,
        caf: &CafRow,
        user_id: i64,
        expected_revision: i64,
        effect: Effect,
    ) -> Result<i64> {
        if caf.revision != expected_revision {
            return Err(stale_caf(tx, caf.id).await);
        }
        let next = caf
            .state
            .apply(Step::SignOffAssessment)
            .map_err(|refused| StoreError::Refused(refused.to_string()))?;
        let wording = self.wording_on(tx, caf.wording_version).await?;
        let current = content(tx, caf, &wording).await?;
        let children: Vec<i64> = current.children.iter().map(|(id, _)| *id).collect();
        let missing = missing_for_sign_off(|section| {
            let rows: Vec<_> = current
                .sections
                .iter()
                .filter(|s| s.section == section.key)
                .collect();
            let done = |child: Option<i64>| {
                rows.iter()
                    .any(|r| r.child_id == child && r.status == SectionStatus::Complete)
            };
            let complete = if section.per_child {
                children.iter().all(|c| done(Some(*c)))
            } else {
                done(None)
            };
            if complete {
                SectionStatus::Complete
            } else {
                SectionStatus::InProgress
            }
        });
        if !missing.is_empty() {
            return Err(StoreError::Refused(format!(
                "Complete these sections before signing off: {}",
                missing.join("; ")
            )));
        }
        if effect == Effect::Check {
            return Ok(1);
        }
        let updated = sqlx::query(
            "UPDATE cafs SET state = $1, revision = revision + 1 WHERE id = $2 AND revision = $3",
        )
        .bind(next.code())
        .bind(caf.id)
        .bind(expected_revision)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(stale_caf(tx, caf.id).await);
        }
        freeze(
            tx,
            &current,
            Frozen {
                number: 1,
                at: now,
                user_id,
                reason: "Assessment signed off",
            },
        )
        .await?;
        events::record(
            tx,
            caf.id,
            now,
            Some(user_id),
            Event {
                kind: "caf.signed_off",
                summary: format!("Assessment signed off: version 1 of {}", caf.reference),
                occurred_on: None,
                significant: true,
                detail: serde_json::json!({ "version": 1 }),
            },
        )
        .await?;
        touch(tx, caf.id, now, user_id).await?;
        Ok(1)
    }

    /// The versions of a CAF, oldest first, for someone with need to know.
    pub async fn caf_versions(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
    ) -> Result<Vec<VersionRow>> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (caf, may_read) =
            match open_to_read(&mut tx, now, actor, by, caf_id, "versions").await? {
                Ok(opened) => opened,
                Err(refusal) => return refused(tx, refusal).await,
            };
        if !may_read {
            tx.commit().await?;
            return Err(StoreError::Denied(
                "no need to know: only that the CAF exists",
            ));
        }
        let rows = sqlx::query(
            "SELECT v.number, v.at, u.name AS by_name, v.reason, v.snapshot FROM caf_versions v \
             LEFT JOIN users u ON u.id = v.user_id WHERE v.caf_id = $1 ORDER BY v.number",
        )
        .bind(caf.id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let snapshot: String = r.try_get("snapshot")?;
                Ok(VersionRow {
                    number: r.try_get("number")?,
                    at: from_ms(r.try_get("at")?),
                    by: r.try_get("by_name")?,
                    reason: r.try_get("reason")?,
                    snapshot: serde_json::from_str(&snapshot).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The child's chronology: the significant events of every CAF of theirs that the actor
    /// may read, oldest first (by the day they happened).
    pub async fn chronology(
        &self,
        actor: &Actor,
        by: &Attribution,
        person_id: i64,
    ) -> Result<Vec<CafEventRow>> {
        let cafs: Vec<i64> = self
            .caf_existence(&[person_id])
            .await?
            .remove(&person_id)
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.caf_id)
            .collect();
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let mut events = Vec::new();
        for caf_id in cafs {
            let Ok((caf, true)) =
                open_to_read(&mut tx, now, actor, by, caf_id, "chronology").await?
            else {
                // Refused, or existence only: the refusal is audited and nothing is shown.
                continue;
            };
            for row in sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM caf_events e JOIN cafs c ON c.id = e.caf_id \
                 LEFT JOIN users u ON u.id = e.user_id WHERE e.caf_id = $1 AND e.significant = 1 ORDER BY e.id"
            ))
            .bind(caf.id)
            .fetch_all(&mut *tx)
            .await?
            {
                events.push(event_from_row(&row)?);
            }
        }
        tx.commit().await?;
        events.sort_by_key(|e| (e.occurred_on.unwrap_or_else(|| e.at.date_naive()), e.at));
        Ok(events)
    }
}
