//! Starting a CAF, and what anyone who may use the register may know of the CAFs a person
//! has: that one exists, open or closed, since when, the owning agency and whom to contact.
use super::events::{self, Event};
use crate::audit::{self, AuditEntry};
use crate::{Attribution, Result, Store, StoreError, Tx};
use chrono::{Datelike, NaiveDate};
use ecaf_domain::access::{Actor, Grant, StartCaf};
use ecaf_domain::caf::consent::Agreement;
use ecaf_domain::caf::lifecycle::CafState;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// The most children one family CAF may cover.
pub const MAX_CHILDREN: usize = 12;

/// A CAF to start: for one child, or a family CAF for siblings; the family's agreement comes
/// first, before anything of the assessment can be saved.
#[derive(Debug, Clone)]
pub struct NewCaf {
    pub children: Vec<i64>,
    pub agreement: Agreement,
}

/// What a search may show about a CAF: never its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CafExistence {
    pub caf_id: i64,
    pub reference: String,
    pub state: CafState,
    pub open: bool,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub owning_agency: String,
    /// The lead professional's (or else the assessor's) work contact.
    pub contact: Option<String>,
    /// Recorded in the previous system and imported from its index: nothing but this is in
    /// ecaf.
    pub imported: bool,
}

impl Store {
    /// Start a CAF with the family's agreement; the actor becomes its assessor and their
    /// agency its owner. Refused if a child already has an open CAF (join its team instead).
    pub async fn start_caf(
        &self,
        grant: &Grant<StartCaf>,
        actor: &Actor,
        by: &Attribution,
        new: &NewCaf,
    ) -> Result<i64> {
        self.start_caf_following(grant, actor, by, new, None).await
    }

    /// Start a CAF, after the closed CAF `follows` when it is a reopening (an event on both).
    pub(super) async fn start_caf_following(
        &self,
        _grant: &Grant<StartCaf>,
        actor: &Actor,
        by: &Attribution,
        new: &NewCaf,
        follows: Option<i64>,
    ) -> Result<i64> {
        // Register writers take turns, so two practitioners starting a CAF for the same child
        // at once cannot both find no open CAF.
        let mut tx = self.begin_register_write().await?;
        let (id, _) = self
            .start_caf_in(&mut tx, actor, by, new, follows, "caf")
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Start a CAF for `purpose` in `tx`, which holds the register's turn (see
    /// [`Store::begin_register_write`]), so a CAF received from elsewhere starts in the same
    /// transaction as its children and content. Gives its id and reference.
    pub(super) async fn start_caf_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        by: &Attribution,
        new: &NewCaf,
        follows: Option<i64>,
        purpose: &str,
    ) -> Result<(i64, String)> {
        let mut children = new.children.clone();
        children.sort_unstable();
        children.dedup();
        if children.is_empty() {
            return Err(StoreError::Refused(
                "Choose the child the CAF is for".into(),
            ));
        }
        if children.len() > MAX_CHILDREN {
            return Err(StoreError::Refused(format!(
                "A family CAF can cover up to {MAX_CHILDREN} children"
            )));
        }
        if new.agreement.given_by.name().trim().is_empty() {
            return Err(StoreError::Refused(
                "Enter the name of the person who agreed to the CAF".into(),
            ));
        }
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        if new.agreement.on > today {
            return Err(StoreError::Refused(
                "The date of agreement must be today or in the past".into(),
            ));
        }
        // Checked under the register's turn, so two reopenings of one CAF cannot both start.
        let previous = match follows {
            Some(previous) => {
                let next = sqlx::query("SELECT reference FROM cafs WHERE follows_caf_id = $1")
                    .bind(previous)
                    .fetch_optional(&mut **tx)
                    .await?;
                if let Some(next) = next {
                    return Err(StoreError::Refused(format!(
                        "{} already follows this CAF: start the next one from there",
                        next.try_get::<String, _>("reference")?
                    )));
                }
                let reference: String = sqlx::query("SELECT reference FROM cafs WHERE id = $1")
                    .bind(previous)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("reference")?;
                Some((previous, reference))
            }
            None => None,
        };
        for child in &children {
            let live = sqlx::query(
                "SELECT given_name, family_name FROM people WHERE id = $1 AND merged_into_id IS NULL",
            )
            .bind(child)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let open = sqlx::query(
                "SELECT c.reference, c.imported, c.imported_contact, a.name AS agency FROM cafs c \
                 JOIN caf_children k ON k.caf_id = c.id JOIN agencies a ON a.id = c.owning_agency_id \
                 WHERE k.person_id = $1 AND c.state <> $2",
            )
            .bind(child)
            .bind(CafState::Closed.code())
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(open) = open {
                let name = format!(
                    "{} {}",
                    live.try_get::<String, _>("given_name")?,
                    live.try_get::<String, _>("family_name")?
                );
                let reference: String = open.try_get("reference")?;
                // An imported CAF has no team here to join: it goes on in the previous system
                // until its closure is imported.
                if open.try_get::<i64, _>("imported")? != 0 {
                    let agency: String = open.try_get("agency")?;
                    let contact = open
                        .try_get::<Option<String>, _>("imported_contact")?
                        .map(|c| format!(" (contact: {c})"))
                        .unwrap_or_default();
                    return Err(StoreError::Refused(format!(
                        "{name} already has an open CAF ({reference}) recorded in the previous system, owned by {agency}{contact}: speak to them, and ask the early help team to import its closure before a new CAF is started"
                    )));
                }
                return Err(StoreError::Refused(format!(
                    "{name} already has an open CAF ({reference}): ask its lead professional to add you to the team instead"
                )));
            }
        }
        let kind = if children.len() > 1 {
            "family"
        } else {
            "child"
        };
        // The reference needs the id, so the row is written with a placeholder that the
        // unique constraint can never meet, then given its reference.
        let row = sqlx::query(
            "INSERT INTO cafs (reference, kind, state, owning_agency_id, assessor_id, opened_on, \
             created_at, created_by, updated_at, updated_by, follows_caf_id, wording_version, purpose) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $7, $5, $8, \
             (SELECT COALESCE(MAX(version), 1) FROM wordings), $9) RETURNING id",
        )
        .bind(format!("pending-{}", uuid::Uuid::new_v4()))
        .bind(kind)
        .bind(CafState::Draft.code())
        .bind(actor.agency_id)
        .bind(actor.user_id)
        .bind(today.to_string())
        .bind(now)
        .bind(follows)
        .bind(purpose)
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let reference = format!("CAF-{}-{id:06}", today.year());
        sqlx::query("UPDATE cafs SET reference = $1 WHERE id = $2")
            .bind(&reference)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        for child in &children {
            sqlx::query("INSERT INTO caf_children (caf_id, person_id) VALUES ($1, $2)")
                .bind(id)
                .bind(child)
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO caf_consents (caf_id, stage, given_by, given_on, may_contact_agencies, \
             recorded_at, recorded_by) VALUES ($1, 'agreement', $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(
            serde_json::to_string(&new.agreement.given_by)
                .map_err(|e| StoreError::Refused(e.to_string()))?,
        )
        .bind(new.agreement.on.to_string())
        .bind(crate::flag(new.agreement.may_contact_agencies))
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut **tx)
        .await?;
        events::record(
            tx,
            id,
            now,
            Some(actor.user_id),
            Event {
                kind: "caf.started",
                summary: format!(
                    "{} started ({kind} CAF{}); {} agreed to it{}",
                    reference,
                    previous
                        .as_ref()
                        .map(|(_, r)| format!(", after {r} closed"))
                        .unwrap_or_default(),
                    new.agreement.given_by.name(),
                    if new.agreement.may_contact_agencies {
                        ", and to other agencies being contacted"
                    } else {
                        ""
                    }
                ),
                occurred_on: Some(new.agreement.on),
                significant: true,
                detail: serde_json::json!({ "children": children, "follows": follows }),
            },
        )
        .await?;
        if let Some((previous, previous_reference)) = &previous {
            events::record(
                tx,
                *previous,
                now,
                Some(actor.user_id),
                Event {
                    kind: "caf.reopened",
                    summary: format!(
                        "{reference} started after {previous_reference}, with the family's new agreement"
                    ),
                    occurred_on: Some(new.agreement.on),
                    significant: true,
                    detail: serde_json::json!({ "next": id }),
                },
            )
            .await?;
        }
        audit::record(
            tx,
            now,
            by,
            AuditEntry::new("caf.start")
                .record("caf", id)
                .detail(format!("{reference} for people {children:?}")),
        )
        .await?;
        Ok((id, reference))
    }

    /// For each of `person_ids`, the CAFs they have (newest first), as a search may show them.
    pub async fn caf_existence(
        &self,
        person_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<CafExistence>>> {
        let mut found: HashMap<i64, Vec<CafExistence>> = HashMap::new();
        let rows = self
            .fetch_for_ids(
                "SELECT k.person_id, c.id, c.reference, c.state, c.opened_on, c.closed_on, c.imported, c.imported_contact, \
                 a.name AS agency, COALESCE(lp.name, asr.name) AS contact_name, \
                 COALESCE(lp.email, asr.email) AS contact_email, COALESCE(lp.telephone, asr.telephone) AS contact_phone \
                 FROM caf_children k JOIN cafs c ON c.id = k.caf_id JOIN agencies a ON a.id = c.owning_agency_id \
                 LEFT JOIN users lp ON lp.id = c.lead_professional_id LEFT JOIN users asr ON asr.id = c.assessor_id \
                 WHERE k.person_id IN",
                person_ids,
            )
            .await?;
        for row in rows {
            let state: String = row.try_get("state")?;
            let state = CafState::parse(&state).unwrap_or(CafState::Draft);
            let opened: String = row.try_get("opened_on")?;
            let closed: Option<String> = row.try_get("closed_on")?;
            let contact = match row.try_get::<Option<String>, _>("contact_name")? {
                Some(name) => {
                    let email: Option<String> = row.try_get("contact_email")?;
                    let phone: Option<String> = row.try_get("contact_phone")?;
                    Some(
                        [Some(name), email, phone]
                            .into_iter()
                            .flatten()
                            .filter(|s| !s.is_empty())
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                }
                None => row.try_get("imported_contact")?,
            };
            found
                .entry(row.try_get("person_id")?)
                .or_default()
                .push(CafExistence {
                    caf_id: row.try_get("id")?,
                    reference: row.try_get("reference")?,
                    open: state.is_open(),
                    state,
                    opened_on: opened.parse().unwrap_or_default(),
                    closed_on: closed.and_then(|d| d.parse().ok()),
                    owning_agency: row.try_get("agency")?,
                    contact,
                    imported: row.try_get::<i64, _>("imported")? != 0,
                });
        }
        for cafs in found.values_mut() {
            cafs.sort_by_key(|c| std::cmp::Reverse(c.caf_id));
        }
        Ok(found)
    }
}
