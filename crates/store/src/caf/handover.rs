//! Handing a practitioner's CAFs over to another, one or all at once, by their line manager
//! or deputy or the early help team (`domain::caf::handover`). One transaction: every CAF
//! chosen moves, or none does; each gets its event and audit row.
use super::events::{self, Event};
use super::sections::touch;
use super::team::user_name;
use crate::audit::{self, AuditEntry};
use crate::{Attribution, Result, Store, StoreError, Tx};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::handover::{may_hand_over, Handover};
use ecaf_domain::caf::lifecycle::CafState;
use serde::Serialize;
use sqlx::Row;

/// A CAF someone holds, as the handover page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct HeldCaf {
    pub id: i64,
    pub reference: String,
    pub children: String,
    pub state: &'static str,
    pub as_assessor: bool,
    pub as_lead: bool,
}

/// A practitioner's open CAFs, in number.
#[derive(Debug, Clone, Serialize)]
pub struct Caseload {
    pub user_id: i64,
    pub name: String,
    pub agency: String,
    pub open_cafs: i64,
}

async fn manages(tx: &mut Tx, actor: &Actor, holder: i64) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT id FROM users WHERE id = $1 AND (line_manager_id = $2 OR deputy_id = $2)",
    )
    .bind(holder)
    .bind(actor.user_id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

async fn allowed(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    by: &Attribution,
    holder: i64,
) -> Result<bool> {
    let ok = may_hand_over(actor, holder, manages(tx, actor, holder).await?);
    if !ok {
        audit::record(
            tx,
            now,
            by,
            AuditEntry::new("caf.handover_refused")
                .record("user", holder)
                .detail("not their line manager, deputy or the early help team"),
        )
        .await?;
    }
    Ok(ok)
}

const DENIED: &str =
    "only their line manager or deputy, or the early help team, hands over a practitioner's CAFs";

impl Store {
    /// The open CAFs `holder` is assessor or lead professional of, for whoever may hand them
    /// over (audited either way).
    pub async fn held_cafs(
        &self,
        actor: &Actor,
        by: &Attribution,
        holder: i64,
    ) -> Result<Vec<HeldCaf>> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        if !allowed(&mut tx, now, actor, by, holder).await? {
            tx.commit().await?;
            return Err(StoreError::Denied(DENIED));
        }
        let rows = sqlx::query(
            "SELECT c.id, c.reference, c.state, c.assessor_id, c.lead_professional_id FROM cafs c \
             WHERE (c.assessor_id = $1 OR c.lead_professional_id = $1) AND c.state <> 'closed' ORDER BY c.id",
        )
        .bind(holder)
        .fetch_all(&mut *tx)
        .await?;
        let mut held = vec![];
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let children: Vec<String> = sqlx::query(
                "SELECT p.given_name, p.family_name FROM caf_children k JOIN people p ON p.id = k.person_id WHERE k.caf_id = $1 ORDER BY p.id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|p| format!("{} {}", p.get::<String, _>("given_name"), p.get::<String, _>("family_name")))
            .collect();
            let state: String = r.try_get("state")?;
            held.push(HeldCaf {
                id,
                reference: r.try_get("reference")?,
                children: children.join(" and "),
                state: CafState::parse(&state).map_or("Open", |s| s.label()),
                as_assessor: r.try_get::<Option<i64>, _>("assessor_id")? == Some(holder),
                as_lead: r.try_get::<Option<i64>, _>("lead_professional_id")? == Some(holder),
            });
        }
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.caseload_view")
                .record("user", holder)
                .detail(format!("{} open CAFs listed for handover", held.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(held)
    }

    /// Hand the chosen CAFs over: where `from_user` is assessor, `to_user` becomes assessor;
    /// where lead professional, lead professional. Returns how many moved.
    pub async fn hand_over_cafs(
        &self,
        actor: &Actor,
        by: &Attribution,
        handover: &Handover,
    ) -> Result<usize> {
        if let Some(problem) = handover
            .problems(self.clock().now().date_naive())
            .into_iter()
            .next()
        {
            return Err(StoreError::Refused(problem.message));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        if !allowed(&mut tx, now, actor, by, handover.from_user).await? {
            tx.commit().await?;
            return Err(StoreError::Denied(DENIED));
        }
        let (Some((from_name, _)), Some((to_name, to_agency))) = (
            user_name(&mut tx, handover.from_user).await?,
            user_name(&mut tx, handover.to_user).await?,
        ) else {
            return Err(StoreError::Refused(
                "Choose an active practitioner to take the CAFs over".into(),
            ));
        };
        // The same CAF ticked twice moves once.
        let mut ids = handover.caf_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        for &caf_id in &ids {
            let row = sqlx::query(
                "SELECT reference, state, assessor_id, lead_professional_id FROM cafs WHERE id = $1",
            )
            .bind(caf_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let reference: String = row.try_get("reference")?;
            let as_assessor =
                row.try_get::<Option<i64>, _>("assessor_id")? == Some(handover.from_user);
            let as_lead =
                row.try_get::<Option<i64>, _>("lead_professional_id")? == Some(handover.from_user);
            if row.try_get::<String, _>("state")? == CafState::Closed.code()
                || !(as_assessor || as_lead)
            {
                return Err(StoreError::Refused(format!(
                    "{reference} is not an open CAF that {from_name} holds"
                )));
            }
            sqlx::query(
                "UPDATE cafs SET assessor_id = CASE WHEN $1 = 1 THEN $2 ELSE assessor_id END, \
                 lead_professional_id = CASE WHEN $3 = 1 THEN $2 ELSE lead_professional_id END, \
                 revision = revision + 1 WHERE id = $4",
            )
            .bind(crate::flag(as_assessor))
            .bind(handover.to_user)
            .bind(crate::flag(as_lead))
            .bind(caf_id)
            .execute(&mut *tx)
            .await?;
            let roles = match (as_assessor, as_lead) {
                (true, true) => "assessor and lead professional",
                (true, false) => "assessor",
                _ => "lead professional",
            };
            events::record(
                &mut tx,
                caf_id,
                now,
                Some(actor.user_id),
                Event {
                    kind: "caf.handed_over",
                    summary: format!(
                        "Handed over from {from_name} to {to_name} ({to_agency}) as {roles}. The family's agreement: {}",
                        handover.family_agreement.trim()
                    ),
                    occurred_on: Some(handover.on),
                    significant: true,
                    detail: serde_json::json!({ "from": handover.from_user, "to": handover.to_user }),
                },
            )
            .await?;
            audit::record(
                &mut tx,
                now,
                by,
                AuditEntry::new("caf.hand_over")
                    .record("caf", caf_id)
                    .detail(format!("{reference}: {from_name} to {to_name} as {roles}")),
            )
            .await?;
            touch(&mut tx, caf_id, now, actor.user_id).await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// The practitioners whose CAFs `actor` may hand over, with how many open CAFs each holds:
    /// those they line-manage or deputise for, or (for the early help team) everyone holding
    /// one.
    pub async fn caseloads(&self, actor: &Actor) -> Result<Vec<Caseload>> {
        let early_help = actor.has(ecaf_domain::access::Role::EarlyHelpTeam);
        sqlx::query(
            "SELECT u.id, u.name, a.name AS agency, \
             (SELECT COUNT(*) FROM cafs c WHERE (c.assessor_id = u.id OR c.lead_professional_id = u.id) AND c.state <> 'closed') AS open_cafs \
             FROM users u JOIN agencies a ON a.id = u.agency_id \
             WHERE u.id <> $1 AND (u.line_manager_id = $1 OR u.deputy_id = $1 OR ($2 = 1 AND EXISTS \
               (SELECT 1 FROM cafs c WHERE (c.assessor_id = u.id OR c.lead_professional_id = u.id) AND c.state <> 'closed'))) \
             ORDER BY u.name, u.id",
        )
        .bind(actor.user_id)
        .bind(crate::flag(early_help))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Caseload {
                user_id: r.try_get("id")?,
                name: r.try_get("name")?,
                agency: r.try_get("agency")?,
                open_cafs: r.try_get("open_cafs")?,
            })
        })
        .collect()
    }
}
