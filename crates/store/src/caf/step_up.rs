//! Stepping a CAF up to a specialist or statutory service, and closing it once that service
//! confirms it has taken over. Until then the CAF stays open, so the family is never between
//! services with nobody holding them.
use super::access::{open_to_write, refused, stale_caf};
use super::events::{self, Event};
use super::sections::touch;
use crate::{Attribution, Result, Store, StoreError};
use chrono::NaiveDate;
use ecaf_domain::access::Actor;
use ecaf_domain::caf::closure::Closure;
use ecaf_domain::caf::lifecycle::Step;
use ecaf_domain::caf::step_up::{service_label, Referral, Takeover, TAKEOVER_CLOSURE_REASON};
use ecaf_domain::text::sentence_start;
use serde::Serialize;
use sqlx::Row;

/// A stepped-up CAF's referral, as its pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct StepUpView {
    #[serde(flatten)]
    pub referral: Referral,
    pub service_label: &'static str,
    pub follow_up_due: NaiveDate,
}

pub(super) async fn step_up_of(
    conn: &mut sqlx::AnyConnection,
    caf_id: i64,
) -> Result<Option<StepUpView>> {
    let Some(row) = sqlx::query("SELECT step_up FROM cafs WHERE id = $1")
        .bind(caf_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(step_up_view(row.try_get("step_up")?))
}

/// The referral as the `cafs.step_up` column holds it.
pub(super) fn step_up_view(stored: Option<String>) -> Option<StepUpView> {
    stored
        .and_then(|t| serde_json::from_str::<Referral>(&t).ok())
        .map(|referral| StepUpView {
            service_label: service_label(&referral.service),
            follow_up_due: referral.follow_up_due(),
            referral,
        })
}

impl Store {
    /// Record the telephone referral that steps the CAF up. Without the family's consent a
    /// decision to share without it must already be recorded on the CAF.
    pub async fn step_up_caf(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        expected_revision: i64,
        referral: &Referral,
    ) -> Result<()> {
        let today = self.clock().now().date_naive();
        if let Some(problem) = referral.problems(today).into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "step up").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let next = caf
            .state
            .apply(Step::StepUp)
            .map_err(|e| StoreError::Refused(sentence_start(&e.to_string())))?;
        if caf.revision != expected_revision {
            return Err(stale_caf(&mut tx, caf.id).await);
        }
        if !referral.with_consent {
            let shared: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM caf_sharing_decisions WHERE caf_id = $1 AND shared = 1",
            )
            .bind(caf.id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if shared == 0 {
                return Err(StoreError::Refused(
                    "Without the family's consent, record the decision to share without consent first".into(),
                ));
            }
        }
        let text =
            serde_json::to_string(referral).map_err(|e| StoreError::Refused(e.to_string()))?;
        let updated = sqlx::query(
            "UPDATE cafs SET state = $1, step_up = $2, revision = revision + 1 WHERE id = $3 AND revision = $4",
        )
        .bind(next.code())
        .bind(text)
        .bind(caf.id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(stale_caf(&mut tx, caf.id).await);
        }
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "caf.stepped_up",
                summary: format!(
                    "Stepped up to {}: telephone referral to {}; written follow-up due by {}",
                    service_label(&referral.service),
                    referral.to_whom.trim(),
                    referral.follow_up_due().format("%-d %B %Y")
                ),
                occurred_on: Some(referral.referred_on),
                significant: true,
                detail: serde_json::json!({ "service": referral.service, "with_consent": referral.with_consent }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The receiving service confirmed it has taken over: the CAF closes with the step-up
    /// reason, its summary saying who confirmed it and when.
    pub async fn confirm_takeover(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        expected_revision: i64,
        takeover: &Takeover,
    ) -> Result<()> {
        let today = self.clock().now().date_naive();
        // Only the referral's date and service, to check the confirmation against; the access
        // decision is made where the CAF is closed.
        let referral = {
            let mut conn = self.pool().acquire().await?;
            step_up_of(&mut conn, caf_id).await?.ok_or_else(|| {
                StoreError::Refused("Only a CAF that was stepped up can be taken over".into())
            })?
        };
        if let Some(problem) = takeover
            .problems(referral.referral.referred_on, today)
            .into_iter()
            .next()
        {
            return Err(StoreError::Refused(problem.message));
        }
        let notes = takeover.notes.trim();
        let closure = Closure {
            reason_code: TAKEOVER_CLOSURE_REASON.into(),
            explanation: String::new(),
            summary: format!(
                "{} confirmed on {} that it has taken over (confirmed by {}).{}",
                referral.service_label,
                takeover.confirmed_on.format("%-d %B %Y"),
                takeover.confirmed_by.trim(),
                if notes.is_empty() {
                    String::new()
                } else {
                    format!(" {notes}")
                }
            ),
            on: takeover.confirmed_on,
        };
        let taken_over = format!(
            "{} confirmed it has taken over (confirmed by {})",
            referral.service_label,
            takeover.confirmed_by.trim()
        );
        self.close_by(
            actor,
            by,
            caf_id,
            &closure,
            expected_revision,
            Step::ConfirmTakeover,
            Some(taken_over),
        )
        .await?
        .map_err(|problems| {
            StoreError::Refused(
                problems
                    .iter()
                    .map(|p| sentence_start(&p.to_string()))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    }
}
