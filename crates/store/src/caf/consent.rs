//! Consent to store and share, and its withdrawal: both change who may see the CAF at once,
//! since access is decided from the consent rows on every read.
use super::access::{open_to_write, refused, CafRow};
use super::events::{self, Event};
use super::plan::plan_agency_ids;
use super::sections::touch;
use crate::{Attribution, Result, Store, StoreError, Tx};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::consent::{ConsentError, Giver, SharingConsent, Withdrawal};
use ecaf_domain::text::sentence_start;
use sqlx::Row;
use std::collections::BTreeSet;

impl Store {
    /// Record the family's consent to store and share with the named agencies. The owning
    /// agency and every agency with an action on the plan must be named.
    pub async fn record_sharing_consent(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        consent: &SharingConsent,
    ) -> Result<()> {
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        if consent.on > today {
            return Err(StoreError::Refused(
                "The date of consent must be today or in the past".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "consent to share").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        insert_sharing_consent(&mut tx, &caf, now, actor.user_id, consent, "").await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record that the family withdrew consent, with the decision on significant harm; from
    /// this moment only the assessor, the lead professional and their managers see the CAF.
    pub async fn withdraw_caf_consent(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        withdrawal: &Withdrawal,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf =
            match open_to_write(&mut tx, now, actor, by, caf_id, "withdrawal of consent").await? {
                Ok(caf) => caf,
                Err(refusal) => return refused(tx, refusal).await,
            };
        // The reasons are those of the wording the CAF was started with.
        let wording = self.wording_on(&mut tx, caf.wording_version).await?;
        withdrawal
            .check(&wording.withdrawal_pairs())
            .map_err(|e| StoreError::Refused(sentence_start(&e.to_string())))?;
        let done = sqlx::query(
            "UPDATE caf_consents SET withdrawn_on = $1, withdrawal = $2 WHERE caf_id = $3 AND withdrawn_on IS NULL",
        )
        .bind(withdrawal.on.to_string())
        .bind(serde_json::to_string(withdrawal).map_err(|e| StoreError::Refused(e.to_string()))?)
        .bind(caf.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Refused(
                "Consent has already been withdrawn".into(),
            ));
        }
        let harm = if withdrawal.harm_decision.risk_of_significant_harm {
            "risk of significant harm: safeguarding procedures followed"
        } else {
            "no risk of significant harm"
        };
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "consent.withdrawn",
                summary: format!(
                    "Consent withdrawn ({}); {harm}",
                    wording
                        .withdrawal_reasons
                        .iter()
                        .find(|r| r.code == withdrawal.reason_code)
                        .map_or(withdrawal.reason_code.as_str(), |r| r.label.as_str())
                        .to_lowercase()
                ),
                occurred_on: Some(withdrawal.on),
                significant: true,
                detail: serde_json::json!({
                    "reason": withdrawal.reason_code,
                    "risk_of_significant_harm": withdrawal.harm_decision.risk_of_significant_harm,
                }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Insert a consent to share for `caf` in the caller's transaction, after checking it names
/// the owning agency and every agency with an action on the plan. `occasion` is added to the
/// chronology's line ("at review 2").
pub(super) async fn insert_sharing_consent(
    tx: &mut Tx,
    caf: &CafRow,
    now: i64,
    user_id: i64,
    consent: &SharingConsent,
    occasion: &str,
) -> Result<()> {
    let mut plan_agencies: BTreeSet<i64> = [caf.owning_agency_id].into();
    plan_agencies.extend(plan_agency_ids(tx, caf.id).await?);
    match consent.check(&plan_agencies) {
        Ok(()) => {}
        Err(ConsentError::MissingAgencies(missing)) => {
            let mut names = vec![];
            for agency in missing {
                let row = sqlx::query("SELECT name FROM agencies WHERE id = $1")
                    .bind(agency)
                    .fetch_one(&mut **tx)
                    .await?;
                names.push(sqlx::Row::try_get::<String, _>(&row, "name")?);
            }
            return Err(StoreError::Refused(format!(
                "The consent to share must name the agency that owns the CAF and every agency with an action on the plan: add {}",
                names.join(" and ")
            )));
        }
        Err(other) => return Err(StoreError::Refused(sentence_start(&other.to_string()))),
    }
    for agency in &consent.agencies {
        let known = sqlx::query("SELECT id FROM agencies WHERE id = $1")
            .bind(agency)
            .fetch_optional(&mut **tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::Refused(format!("There is no agency {agency}")));
        }
    }
    let givers =
        serde_json::to_string(&consent.given_by).map_err(|e| StoreError::Refused(e.to_string()))?;
    let row = sqlx::query(
        "INSERT INTO caf_consents (caf_id, stage, given_by, given_on, signed_copy_kept, recorded_at, recorded_by) \
         VALUES ($1, 'sharing', $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(caf.id)
    .bind(givers)
    .bind(consent.on.to_string())
    .bind(consent.signed_copy_kept.trim())
    .bind(now)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    let consent_id: i64 = sqlx::Row::try_get(&row, "id")?;
    for agency in &consent.agencies {
        sqlx::query("INSERT INTO caf_consent_agencies (consent_id, agency_id) VALUES ($1, $2)")
            .bind(consent_id)
            .bind(agency)
            .execute(&mut **tx)
            .await?;
    }
    let names: Vec<&str> = consent.given_by.iter().map(|g| g.name()).collect();
    events::record(
        tx,
        caf.id,
        now,
        Some(user_id),
        Event {
            kind: "consent.sharing",
            summary: format!(
                "{} consented to storing and sharing with {} {}{occasion}",
                names.join(" and "),
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
    Ok(())
}

/// Who gave the consent now standing, to ask the same people again (at a review, or to add
/// an agency when someone joins the team).
pub(super) async fn latest_givers(tx: &mut Tx, caf_id: i64) -> Result<Vec<Giver>> {
    let row = sqlx::query(
        "SELECT given_by, withdrawn_on FROM caf_consents WHERE caf_id = $1 AND stage = 'sharing' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(caf_id)
    .fetch_optional(&mut **tx)
    .await?;
    let refusal = "Record the family's consent to share on the consent page: there is no consent standing to ask about again";
    let Some(row) = row else {
        return Err(StoreError::Refused(refusal.into()));
    };
    if row.try_get::<Option<String>, _>("withdrawn_on")?.is_some() {
        return Err(StoreError::Refused(refusal.into()));
    }
    serde_json::from_str(&row.try_get::<String, _>("given_by")?)
        .map_err(|e| StoreError::Refused(format!("the stored consent is unreadable: {e}")))
}
