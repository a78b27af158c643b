//! Sharing without consent under an exception (significant harm, serious crime, the duty to
//! share), and decisions not to share: each records who decided, on what basis, why, when and
//! with which agencies. A share opens the CAF to those agencies' practitioners at once, since
//! access is decided from these rows on every read.
use super::access::{open_to_read, open_to_write, refused};
use super::events::{self, Event};
use super::sections::touch;
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::consent::{SharingDecision, SharingError};
use ecaf_domain::caf::wording::Wording;
use serde::Serialize;
use sqlx::Row;

/// A recorded decision, as read back.
#[derive(Debug, Clone, Serialize)]
pub struct SharingDecisionRow {
    pub id: i64,
    pub shared: bool,
    pub basis_code: String,
    /// The basis in words, from the wording the CAF was started with.
    pub basis: String,
    pub reasoning: String,
    pub decided_on: NaiveDate,
    pub decided_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// (agency id, name) of each agency shared with.
    pub agencies: Vec<(i64, String)>,
}

/// The basis in words from the CAF's wording, or the code itself for one no longer listed.
fn basis_label(wording: &Wording, code: &str) -> String {
    wording
        .sharing_bases
        .iter()
        .find(|c| c.code == code)
        .map_or_else(|| code.to_string(), |c| c.label.clone())
}

impl Store {
    /// Record a decision to share without consent, or not to share, by someone who may change
    /// the CAF (the assessor or the lead professional), on a basis from the wording the CAF
    /// was started with. Returns the decision's id, or every problem with it (nothing saved).
    pub async fn record_sharing_decision(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        decision: &SharingDecision,
    ) -> Result<Result<i64, Vec<SharingError>>> {
        let today = self
            .clock()
            .now()
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive();
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(
            &mut tx,
            now,
            actor,
            by,
            caf_id,
            "decision on sharing without consent",
        )
        .await?
        {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let wording = self.wording_on(&mut tx, caf.wording_version).await?;
        let mut problems = decision.problems(&wording.sharing_pairs(), today);
        let mut names = vec![];
        for agency in &decision.with_agencies {
            let row = sqlx::query("SELECT name, active FROM agencies WHERE id = $1")
                .bind(agency)
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                Some(row) if row.try_get::<i64, _>("active")? != 0 => {
                    names.push(row.try_get::<String, _>("name")?);
                }
                _ => problems.push(SharingError::UnknownAgency(*agency)),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let row = sqlx::query(
            "INSERT INTO caf_sharing_decisions (caf_id, shared, basis, reasoning, decided_on, decided_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(caf.id)
        .bind(crate::flag(decision.shared))
        .bind(&decision.basis_code)
        .bind(decision.reasoning.trim())
        .bind(decision.decided_on.to_string())
        .bind(actor.user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        for agency in &decision.with_agencies {
            sqlx::query(
                "INSERT INTO caf_sharing_decision_agencies (decision_id, agency_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(agency)
            .execute(&mut *tx)
            .await?;
        }
        let basis = basis_label(&wording, &decision.basis_code);
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: if decision.shared {
                    "sharing.shared"
                } else {
                    "sharing.not_shared"
                },
                summary: if decision.shared {
                    format!(
                        "Information shared without consent with {} (basis: {basis})",
                        names.join(", ")
                    )
                } else {
                    format!("Decided not to share information without consent (basis: {basis})")
                },
                occurred_on: Some(decision.decided_on),
                significant: true,
                detail: serde_json::json!({
                    "decision": id,
                    "basis": decision.basis_code,
                    "agencies": decision.with_agencies,
                }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The decisions on sharing without consent for a CAF, oldest first, for someone with
    /// need to know.
    pub async fn sharing_decisions(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
    ) -> Result<Vec<SharingDecisionRow>> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (caf, may_read) = match open_to_read(
            &mut tx,
            now,
            actor,
            by,
            caf_id,
            "decisions on sharing without consent",
        )
        .await?
        {
            Ok(opened) => opened,
            Err(refusal) => return refused(tx, refusal).await,
        };
        if !may_read {
            tx.commit().await?;
            return Err(StoreError::Denied(
                "no need to know: only that the CAF exists",
            ));
        }
        let wording = self.wording_on(&mut tx, caf.wording_version).await?;
        let decisions = decisions_of(&mut tx, caf.id, &wording).await?;
        tx.commit().await?;
        Ok(decisions)
    }
}

/// The decisions of a CAF, oldest first, read in the transaction that decided access; the
/// bases in the words of the CAF's `wording`.
pub(super) async fn decisions_of(
    tx: &mut Tx,
    caf_id: i64,
    wording: &Wording,
) -> Result<Vec<SharingDecisionRow>> {
    let rows = sqlx::query(
        "SELECT d.id, d.shared, d.basis, d.reasoning, d.decided_on, d.recorded_at, u.name AS by_name \
         FROM caf_sharing_decisions d LEFT JOIN users u ON u.id = d.decided_by \
         WHERE d.caf_id = $1 ORDER BY d.id",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?;
    let agencies = sqlx::query(
        "SELECT a.decision_id, g.id, g.name FROM caf_sharing_decision_agencies a \
         JOIN caf_sharing_decisions d ON d.id = a.decision_id JOIN agencies g ON g.id = a.agency_id \
         WHERE d.caf_id = $1 ORDER BY g.name",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let basis_code: String = r.try_get("basis")?;
            let decided_on: String = r.try_get("decided_on")?;
            Ok(SharingDecisionRow {
                id,
                shared: r.try_get::<i64, _>("shared")? != 0,
                basis: basis_label(wording, &basis_code),
                basis_code,
                reasoning: r.try_get("reasoning")?,
                decided_on: decided_on.parse().map_err(|_| {
                    StoreError::Refused(format!("unreadable decision date {decided_on}"))
                })?,
                decided_by: r.try_get("by_name")?,
                recorded_at: from_ms(r.try_get("recorded_at")?),
                agencies: agencies
                    .iter()
                    .filter(|a| a.try_get::<i64, _>("decision_id").ok() == Some(id))
                    .map(|a| Ok((a.try_get("id")?, a.try_get("name")?)))
                    .collect::<Result<_>>()?,
            })
        })
        .collect()
}
