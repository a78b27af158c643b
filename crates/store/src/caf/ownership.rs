//! The agency that owns a CAF can change (a transfer, a handover between services): each
//! change is dated, has a reason, and is a significant event in the child's chronology.
use super::access::{open_to_write, refused, stale_caf};
use super::events::{self, Event};
use super::sections::touch;
use crate::{Attribution, Result, Store, StoreError};
use chrono::NaiveDate;
use ecaf_domain::access::Actor;
use sqlx::Row;

/// The most a reason for a change of owner may hold.
pub const MAX_OWNER_REASON_CHARS: usize = 2_000;

/// A change of owning agency, as the practitioner records it.
#[derive(Debug, Clone)]
pub struct OwnerChange {
    pub agency_id: i64,
    pub on: NaiveDate,
    pub reason: String,
    /// The CAF's revision the practitioner started from.
    pub expected_revision: i64,
}

impl Store {
    /// Hand the CAF to another agency. Refused for a closed CAF, an unknown or inactive
    /// agency, the agency that already owns it, a date in the future, or no reason; a stale
    /// revision is a conflict naming who changed the CAF.
    pub async fn change_caf_owner(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        change: &OwnerChange,
    ) -> Result<()> {
        let reason = change.reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Refused(
                "Say why the CAF is moving to another agency".into(),
            ));
        }
        if reason.chars().count() > MAX_OWNER_REASON_CHARS {
            return Err(StoreError::Refused(format!(
                "The reason must be {MAX_OWNER_REASON_CHARS} characters or fewer"
            )));
        }
        if change.on > self.clock().now().date_naive() {
            return Err(StoreError::Refused(
                "The date of the change must be today or in the past".into(),
            ));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "change of owner").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        if caf.revision != change.expected_revision {
            return Err(stale_caf(&mut tx, caf.id).await);
        }
        if change.agency_id == caf.owning_agency_id {
            return Err(StoreError::Refused(
                "Choose an agency other than the one that owns the CAF now".into(),
            ));
        }
        let names = sqlx::query(
            "SELECT (SELECT name FROM agencies WHERE id = $1) AS old_name, \
             (SELECT name FROM agencies WHERE id = $2 AND active = 1) AS new_name",
        )
        .bind(caf.owning_agency_id)
        .bind(change.agency_id)
        .fetch_one(&mut *tx)
        .await?;
        let Some(new_name) = names.try_get::<Option<String>, _>("new_name")? else {
            return Err(StoreError::Refused(
                "Choose an active agency to own the CAF".into(),
            ));
        };
        let old_name: Option<String> = names.try_get("old_name")?;
        let updated = sqlx::query(
            "UPDATE cafs SET owning_agency_id = $1, revision = revision + 1 WHERE id = $2 AND revision = $3",
        )
        .bind(change.agency_id)
        .bind(caf.id)
        .bind(change.expected_revision)
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
                kind: "caf.owner_changed",
                summary: format!(
                    "Owner changed from {} to {new_name}: {reason}",
                    old_name.unwrap_or_else(|| "an agency".into())
                ),
                occurred_on: Some(change.on),
                significant: true,
                detail: serde_json::json!({
                    "from": caf.owning_agency_id,
                    "to": change.agency_id,
                }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }
}
