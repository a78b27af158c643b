//! Closing a CAF, and starting a new one after it: a closed CAF is final and read-only (the
//! access decision refuses every change to it), so reopening is a new CAF for the same
//! children, with a fresh agreement, linked to the one before.
use super::access::{open_to_read, open_to_write, refused, stale_caf, CafRow};
use super::events::{self, Event};
use super::manager_sign_off::{needs_no_manager, withdraw_waiting, Effect};
use super::sections::{children_of, touch};
use crate::audit::{self, AuditEntry};
use crate::{Attribution, Result, Store, StoreError, Tx};
use chrono::NaiveDate;
use ecaf_domain::access::{Actor, Grant, StartCaf};
use ecaf_domain::caf::closure::{Closure, ClosureError};
use ecaf_domain::caf::consent::Agreement;
use ecaf_domain::caf::lifecycle::{CafState, Step};
use ecaf_domain::caf::sign_off::SignOffStep;
use ecaf_domain::caf::wording::Wording;
use ecaf_domain::text::sentence_start;
use serde::Serialize;
use sqlx::Row;

/// A CAF's place among the episodes of its children: when it opened, how it closed, and the
/// CAFs before and after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Episode {
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub closure_reason: Option<String>,
    /// The reason in the words of the CAF's wording (the code when they no longer have it).
    pub closure_reason_label: Option<String>,
    pub closure_explanation: Option<String>,
    pub closure_summary: Option<String>,
    /// (id, reference) of the CAF this one was started after.
    pub follows: Option<(i64, String)>,
    /// (id, reference) of the CAF started after this one closed.
    pub followed_by: Option<(i64, String)>,
}

pub(super) async fn episode_of(tx: &mut Tx, caf_id: i64, wording: &Wording) -> Result<Episode> {
    let row = sqlx::query(
        "SELECT c.opened_on, c.closed_on, c.closure_reason, c.closure_explanation, c.closure_summary, \
         p.id AS follows_id, p.reference AS follows_reference, \
         n.id AS next_id, n.reference AS next_reference \
         FROM cafs c LEFT JOIN cafs p ON p.id = c.follows_caf_id \
         LEFT JOIN cafs n ON n.id = (SELECT MAX(id) FROM cafs WHERE follows_caf_id = c.id) \
         WHERE c.id = $1",
    )
    .bind(caf_id)
    .fetch_one(&mut **tx)
    .await?;
    let date = |name: &str| -> Result<Option<NaiveDate>> {
        Ok(row
            .try_get::<Option<String>, _>(name)?
            .and_then(|d| d.parse().ok()))
    };
    let link = |id: &str, reference: &str| -> Result<Option<(i64, String)>> {
        Ok(match row.try_get::<Option<i64>, _>(id)? {
            Some(id) => Some((id, row.try_get(reference)?)),
            None => None,
        })
    };
    let reason: Option<String> = row.try_get("closure_reason")?;
    Ok(Episode {
        opened_on: date("opened_on")?.unwrap_or_default(),
        closed_on: date("closed_on")?,
        closure_reason_label: reason.as_ref().map(|code| {
            wording
                .closure_reasons
                .iter()
                .find(|r| &r.code == code)
                .map_or_else(|| code.clone(), |r| r.label.clone())
        }),
        closure_reason: reason,
        closure_explanation: row.try_get("closure_explanation")?,
        closure_summary: row.try_get("closure_summary")?,
        follows: link("follows_id", "follows_reference")?,
        followed_by: link("next_id", "next_reference")?,
    })
}

/// How a CAF is closed: see [`Store::close_by`].
pub(super) struct Closing<'a> {
    pub closure: &'a Closure,
    pub expected_revision: i64,
    pub step: Step,
    pub taken_over: Option<String>,
}

impl Store {
    /// Close the CAF from any open state with a reason from its wording and a closing
    /// summary. The outer error is the store's (not allowed, stale, not found); the inner
    /// list is every problem with the closure itself, each on its field, with nothing changed.
    pub async fn close_caf(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        closure: &Closure,
        expected_revision: i64,
    ) -> Result<Result<(), Vec<ClosureError>>> {
        self.close_by(
            actor,
            by,
            caf_id,
            closure,
            expected_revision,
            Step::Close,
            None,
        )
        .await
    }

    /// Close by `step`: a closure, or a takeover confirmed by the service a CAF was stepped
    /// up to (whose event says so, `taken_over`, before the closure's own).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn close_by(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        closure: &Closure,
        expected_revision: i64,
        step: Step,
        taken_over: Option<String>,
    ) -> Result<Result<(), Vec<ClosureError>>> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "closure").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        // A takeover is the receiving service's confirmation, not the practitioner's closure.
        if step == Step::Close {
            needs_no_manager(&mut tx, caf.id, SignOffStep::Closure).await?;
        }
        let closed = self
            .close_on(
                &mut tx,
                by,
                &caf,
                actor.user_id,
                Closing {
                    closure,
                    expected_revision,
                    step,
                    taken_over,
                },
                Effect::Take,
            )
            .await?;
        if closed.is_ok() {
            tx.commit().await?;
        }
        Ok(closed)
    }

    /// Close `caf`, opened in `tx` by whoever may, as `closing` says. With [`Effect::Check`]
    /// only the rules are checked and nothing is written.
    pub(super) async fn close_on(
        &self,
        tx: &mut Tx,
        by: &Attribution,
        caf: &CafRow,
        user_id: i64,
        closing: Closing<'_>,
        effect: Effect,
    ) -> Result<Result<(), Vec<ClosureError>>> {
        let Closing {
            closure,
            expected_revision,
            step,
            taken_over,
        } = closing;
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        caf.state
            .apply(step)
            .map_err(|e| StoreError::Refused(sentence_start(&e.to_string())))?;
        if caf.revision != expected_revision {
            return Err(stale_caf(tx, caf.id).await);
        }
        let opened: String = sqlx::query("SELECT opened_on FROM cafs WHERE id = $1")
            .bind(caf.id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("opened_on")?;
        let wording = self.wording_on(tx, caf.wording_version).await?;
        let problems = closure.problems(
            &wording.closure_pairs(),
            opened.parse().unwrap_or_default(),
            today,
        );
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        if effect == Effect::Check {
            return Ok(Ok(()));
        }
        let code = closure.reason_code.trim();
        let explanation = closure.explanation.trim();
        let updated = sqlx::query(
            "UPDATE cafs SET state = $1, closed_on = $2, closure_reason = $3, closure_explanation = $4, \
             closure_summary = $5, revision = revision + 1 WHERE id = $6 AND revision = $7",
        )
        .bind(CafState::Closed.code())
        .bind(closure.on.to_string())
        .bind(code)
        .bind((!explanation.is_empty()).then_some(explanation))
        .bind(closure.summary.trim())
        .bind(caf.id)
        .bind(expected_revision)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(stale_caf(tx, caf.id).await);
        }
        let label = wording
            .closure_reasons
            .iter()
            .find(|r| r.code == code)
            .map_or(code, |r| r.label.as_str());
        let why = if explanation.is_empty() {
            label.to_string()
        } else {
            format!("{label}: {explanation}")
        };
        if let Some(summary) = taken_over {
            events::record(
                tx,
                caf.id,
                now,
                Some(user_id),
                Event {
                    kind: "caf.taken_over",
                    summary,
                    occurred_on: Some(closure.on),
                    significant: true,
                    detail: serde_json::json!({}),
                },
            )
            .await?;
        }
        events::record(
            tx,
            caf.id,
            now,
            Some(user_id),
            Event {
                kind: "caf.closed",
                summary: format!("{} closed ({why})", caf.reference),
                occurred_on: Some(closure.on),
                significant: true,
                detail: serde_json::json!({ "reason": code, "from": caf.state.code() }),
            },
        )
        .await?;
        audit::record(
            tx,
            now,
            by,
            AuditEntry::new("caf.close")
                .record("caf", caf.id)
                .detail(format!("{} closed: {code}", caf.reference)),
        )
        .await?;
        withdraw_waiting(tx, now, caf.id).await?;
        touch(tx, caf.id, now, user_id).await?;
        Ok(Ok(()))
    }

    /// Start a new CAF for the children of a closed one, with the family's fresh agreement,
    /// linked to it (an event on both). Only someone who may read the closed CAF and start
    /// CAFs may; the rules of starting apply (no child may have another open CAF).
    pub async fn reopen_caf(
        &self,
        grant: &Grant<StartCaf>,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        agreement: &Agreement,
    ) -> Result<i64> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_read(&mut tx, now, actor, by, caf_id, "reopening").await? {
            Ok((caf, true)) => caf,
            Ok((_, false)) => {
                return refused(
                    tx,
                    StoreError::Denied("no need to know: only that the CAF exists"),
                )
                .await
            }
            Err(refusal) => return refused(tx, refusal).await,
        };
        if caf.state.is_open() {
            return Err(StoreError::Refused(format!(
                "{} is still open: close it before starting a new CAF after it",
                caf.reference
            )));
        }
        let children = children_of(&mut tx, caf.id)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        tx.commit().await?;
        self.start_caf_following(
            grant,
            actor,
            by,
            &super::NewCaf {
                children,
                agreement: agreement.clone(),
            },
            Some(caf.id),
        )
        .await
    }
}
