//! Loading many CAFs at once, for benchmark and test data only (`ecaf bench caf`): never
//! reached from a page, the API or an import. One CAF through `start_caf`,
//! `save_caf_section`, `record_sharing_consent` and `sign_off_caf` is a transaction for each
//! step, and a commit is an fsync (`synchronous = FULL` on SQLite), so 100,000 CAFs would take
//! most of an hour. This writes the same rows with the same statements — the CAF, its
//! children, the agreement, each section, the consent to share, the version frozen at
//! sign-off, and every step's event — about 1,000 CAFs to a transaction, with one audit row
//! per transaction.
use super::access::CafRow;
use super::events::{self, Event};
use super::sections::{children_of, content, touch};
use crate::audit::{self, AuditEntry};
use crate::{Attribution, Result, Store, StoreError, Tx};
use chrono::{Datelike, NaiveDate};
use ecaf_domain::caf::consent::{Agreement, SharingConsent};
use ecaf_domain::caf::form::{section, SectionStatus};
use ecaf_domain::caf::lifecycle::CafState;
use sqlx::Row;

/// One CAF as it stands after its practitioner's steps.
#[derive(Debug, Clone)]
pub struct BulkCaf {
    /// One child, or the siblings of a family CAF.
    pub children: Vec<i64>,
    /// The assessor, who is also the author of every step.
    pub assessor_id: i64,
    pub owning_agency_id: i64,
    pub opened_on: NaiveDate,
    pub agreement: Agreement,
    /// Sections saved, in order: key, the child for a per-child section, status, content.
    pub sections: Vec<(&'static str, Option<i64>, SectionStatus, serde_json::Value)>,
    pub sharing: Option<SharingConsent>,
    /// Signed off (every required section must then be complete, as `sign_off_caf` checks).
    pub signed_off: bool,
}

impl Store {
    /// Write `cafs` in one transaction; returns their ids. Bench and test data only: the
    /// checks of the practitioner's path (open CAF per child, consent before content) are the
    /// caller's to respect.
    pub async fn bulk_load_cafs(&self, by: &Attribution, cafs: &[BulkCaf]) -> Result<Vec<i64>> {
        let now = self.now_ms();
        let mut tx = self.begin_register_write().await?;
        let mut ids = Vec::with_capacity(cafs.len());
        for caf in cafs {
            ids.push(load_one(&mut tx, now, caf).await?);
        }
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.bulk_load").detail(format!(
                "{} benchmark CAFs, ids {:?} to {:?}",
                ids.len(),
                ids.first(),
                ids.last()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }
}

async fn load_one(tx: &mut Tx, now: i64, caf: &BulkCaf) -> Result<i64> {
    let refused = |e: serde_json::Error| StoreError::Refused(e.to_string());
    let user = caf.assessor_id;
    let kind = if caf.children.len() > 1 {
        "family"
    } else {
        "child"
    };
    let row = sqlx::query(
        "INSERT INTO cafs (reference, kind, state, owning_agency_id, assessor_id, opened_on, \
         created_at, created_by, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $7, $5) RETURNING id",
    )
    .bind(format!("pending-{}", uuid::Uuid::new_v4()))
    .bind(kind)
    .bind(CafState::Draft.code())
    .bind(caf.owning_agency_id)
    .bind(user)
    .bind(caf.opened_on.to_string())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let reference = format!("CAF-{}-{id:06}", caf.opened_on.year());
    sqlx::query("UPDATE cafs SET reference = $1 WHERE id = $2")
        .bind(&reference)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for child in &caf.children {
        sqlx::query("INSERT INTO caf_children (caf_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(child)
            .execute(&mut **tx)
            .await?;
    }
    let agreement = &caf.agreement;
    sqlx::query(
        "INSERT INTO caf_consents (caf_id, stage, given_by, given_on, may_contact_agencies, \
         recorded_at, recorded_by) VALUES ($1, 'agreement', $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(serde_json::to_string(&agreement.given_by).map_err(refused)?)
    .bind(agreement.on.to_string())
    .bind(crate::flag(agreement.may_contact_agencies))
    .bind(now)
    .bind(user)
    .execute(&mut **tx)
    .await?;
    events::record(
        tx,
        id,
        now,
        Some(user),
        Event {
            kind: "caf.started",
            summary: format!(
                "{reference} started ({kind} CAF); {} agreed to it",
                agreement.given_by.name()
            ),
            occurred_on: Some(agreement.on),
            significant: true,
            detail: serde_json::json!({ "children": caf.children }),
        },
    )
    .await?;
    let children = if caf.sections.iter().any(|(_, child, _, _)| child.is_some()) {
        children_of(tx, id).await?
    } else {
        Vec::new()
    };
    for (key, child_id, status, value) in &caf.sections {
        let title = section(key).ok_or(StoreError::NotFound)?.title;
        let child_name = child_id
            .and_then(|c| children.iter().find(|(id, _)| *id == c))
            .map(|(_, name)| format!(" for {name}"))
            .unwrap_or_default();
        sqlx::query(
            "INSERT INTO caf_sections (caf_id, section, child_id, status, content, revision, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
        )
        .bind(id)
        .bind(*key)
        .bind(*child_id)
        .bind(status.code())
        .bind(value.to_string())
        .bind(now)
        .bind(user)
        .execute(&mut **tx)
        .await?;
        events::record(
            tx,
            id,
            now,
            Some(user),
            Event {
                kind: "section.saved",
                summary: format!(
                    "“{title}”{child_name} saved ({})",
                    status.label().to_lowercase()
                ),
                occurred_on: None,
                significant: false,
                detail: serde_json::json!({ "section": key, "child_id": child_id, "revision": 1 }),
            },
        )
        .await?;
        touch(tx, id, now, user).await?;
    }
    if let Some(consent) = &caf.sharing {
        let row = sqlx::query(
            "INSERT INTO caf_consents (caf_id, stage, given_by, given_on, signed_copy_kept, recorded_at, recorded_by) \
             VALUES ($1, 'sharing', $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id)
        .bind(serde_json::to_string(&consent.given_by).map_err(refused)?)
        .bind(consent.on.to_string())
        .bind(consent.signed_copy_kept.trim())
        .bind(now)
        .bind(user)
        .fetch_one(&mut **tx)
        .await?;
        let consent_id: i64 = row.try_get("id")?;
        for agency in &consent.agencies {
            sqlx::query("INSERT INTO caf_consent_agencies (consent_id, agency_id) VALUES ($1, $2)")
                .bind(consent_id)
                .bind(agency)
                .execute(&mut **tx)
                .await?;
        }
        events::record(
            tx,
            id,
            now,
            Some(user),
            Event {
                kind: "consent.sharing",
                summary: format!(
                    "{} consented to storing and sharing with {} {}",
                    consent
                        .given_by
                        .iter()
                        .map(|g| g.name())
                        .collect::<Vec<_>>()
                        .join(" and "),
                    consent.agencies.len(),
                    if consent.agencies.len() == 1 {
                        "agency"
                    } else {
                        "agencies"
                    }
                ),
                occurred_on: Some(consent.on),
                significant: true,
                detail: serde_json::json!({ "agencies": consent.agencies }),
            },
        )
        .await?;
        touch(tx, id, now, user).await?;
    }
    if caf.signed_off {
        let row = CafRow {
            id,
            reference: reference.clone(),
            kind: kind.to_string(),
            state: CafState::Draft,
            owning_agency_id: caf.owning_agency_id,
            assessor_id: Some(user),
            lead_professional_id: None,
            revision: 1,
            wording_version: 1,
            imported: false,
        };
        let next = row
            .state
            .apply(ecaf_domain::caf::lifecycle::Step::SignOffAssessment)
            .map_err(|refused| StoreError::Refused(refused.to_string()))?;
        let current = content(tx, &row, &ecaf_domain::caf::wording::Wording::default()).await?;
        sqlx::query(
            "UPDATE cafs SET state = $1, revision = revision + 1 WHERE id = $2 AND revision = $3",
        )
        .bind(next.code())
        .bind(id)
        .bind(1_i64)
        .execute(&mut **tx)
        .await?;
        super::versions::freeze(
            tx,
            &current,
            super::versions::Frozen {
                number: 1,
                at: now,
                user_id: user,
                reason: "Assessment signed off",
            },
        )
        .await?;
        events::record(
            tx,
            id,
            now,
            Some(user),
            Event {
                kind: "caf.signed_off",
                summary: format!("Assessment signed off: version 1 of {reference}"),
                occurred_on: None,
                significant: true,
                detail: serde_json::json!({ "version": 1 }),
            },
        )
        .await?;
        touch(tx, id, now, user).await?;
    }
    Ok(id)
}
