//! A whole CAF as a document for another system (`docs/TRANSFER.md`), a CAF received as
//! one, and a step-down from children's social care. Exporting is a read under the one
//! access check, audited as an export; receiving starts a draft CAF owned by the receiver's
//! agency, with its children found on the register or added to it, its sections pre-filled
//! and the sender's record kept as sent (`caf_received`), all in one transaction.
use super::access::{open_to_read, refused};
use super::events::{self, Event};
use super::sections::{content, indicator_problems, MAX_SECTION_CHARS};
use super::team::user_name;
use super::NewCaf;
use crate::audit::{self, AuditEntry};
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::{Actor, Grant, StartCaf};
use ecaf_domain::caf::consent::Agreement;
use ecaf_domain::caf::form::section;
use ecaf_domain::caf::team::{LeadChoice, LeadDecision};
use ecaf_domain::caf::transfer::{
    may_step_down, purpose_label, ReceivedCaf, ReceivedSection, StepDown, FORMAT, PURPOSE_RECEIVED,
    PURPOSE_STEP_DOWN,
};
use ecaf_domain::matching::PersonRecord;
use ecaf_domain::organisation::AgencyType;
use ecaf_domain::person::{NhsNumber, PersonDetails};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::Row;

/// What a CAF was made from when it came from elsewhere, kept as it was sent: read-only.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedRecord {
    /// `document` (a whole CAF from another system) or `step_down`.
    pub kind: String,
    /// The agency or service that sent it.
    pub sender: String,
    pub sender_reference: Option<String>,
    /// The sender's record as sent: versions, events, team, plan, or the step-down.
    pub as_sent: Value,
    pub received_at: DateTime<Utc>,
    pub received_by: Option<String>,
}

/// A child of a received CAF, and whether they were already on the register.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedChild {
    pub person_id: i64,
    pub name: String,
    /// Found on the register (by NHS number, then by matching); otherwise added to it.
    pub matched: bool,
}

/// The CAF a document or step-down made.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedCafRow {
    pub caf_id: i64,
    pub reference: String,
    pub children: Vec<ReceivedChild>,
}

pub(super) async fn received_of(tx: &mut Tx, caf_id: i64) -> Result<Option<ReceivedRecord>> {
    let Some(row) = sqlx::query(
        "SELECT r.kind, r.sender, r.sender_reference, r.as_sent, r.received_at, u.name AS by_name \
         FROM caf_received r LEFT JOIN users u ON u.id = r.received_by WHERE r.caf_id = $1",
    )
    .bind(caf_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let as_sent: String = row.try_get("as_sent")?;
    Ok(Some(ReceivedRecord {
        kind: row.try_get("kind")?,
        sender: row.try_get("sender")?,
        sender_reference: row.try_get("sender_reference")?,
        as_sent: serde_json::from_str(&as_sent).unwrap_or_default(),
        received_at: from_ms(row.try_get("received_at")?),
        received_by: row.try_get("by_name")?,
    }))
}

/// A child's details as the document gives them: what the register knows of them.
async fn child_document(tx: &mut Tx, person_id: i64) -> Result<Value> {
    let p = sqlx::query(
        "SELECT p.given_name, p.family_name, p.gender, p.date_of_birth, p.date_of_birth_is_expected, \
         p.nhs_number, p.upn, p.external_id, a.line1, a.line2, a.town, a.postcode FROM people p \
         LEFT JOIN person_addresses a ON a.person_id = p.id AND a.is_main = 1 WHERE p.id = $1",
    )
    .bind(person_id)
    .fetch_one(&mut **tx)
    .await?;
    let text = |name: &str| -> Result<Value> {
        Ok(p.try_get::<Option<String>, _>(name)?
            .filter(|v| !v.is_empty())
            .map_or(Value::Null, Value::String))
    };
    let nhs = p
        .try_get::<Option<String>, _>("nhs_number")?
        .and_then(|n| NhsNumber::parse(&n).ok())
        .map(|n| n.to_string());
    Ok(json!({
        "given_name": p.try_get::<String, _>("given_name")?,
        "family_name": p.try_get::<String, _>("family_name")?,
        "gender": text("gender")?,
        "date_of_birth": text("date_of_birth")?,
        "date_of_birth_is_expected": p.try_get::<i64, _>("date_of_birth_is_expected")? != 0,
        "nhs_number": nhs,
        "upn": text("upn")?,
        "main_address": {
            "line1": text("line1")?, "line2": text("line2")?, "town": text("town")?, "postcode": text("postcode")?,
        },
        "identifiers": { "sender_person_id": person_id.to_string(), "external_id": text("external_id")? },
    }))
}

/// The consent rows as they stand, with the agencies named (consent does not travel, but
/// the receiver should see what the family agreed to where they were).
async fn consent_document(tx: &mut Tx, caf_id: i64) -> Result<Value> {
    let mut stages = vec![];
    for row in sqlx::query(
        "SELECT id, stage, given_by, given_on, may_contact_agencies, signed_copy_kept, withdrawn_on \
         FROM caf_consents WHERE caf_id = $1 ORDER BY id",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    {
        let id: i64 = row.try_get("id")?;
        let agencies: Vec<Value> = sqlx::query(
            "SELECT a.name, a.agency_type FROM caf_consent_agencies k JOIN agencies a ON a.id = k.agency_id \
             WHERE k.consent_id = $1 ORDER BY a.name",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|a| {
            Ok(json!({
                "name": a.try_get::<String, _>("name")?,
                "agency_type": a.try_get::<String, _>("agency_type")?,
            }))
        })
        .collect::<Result<_>>()?;
        let given_by: String = row.try_get("given_by")?;
        stages.push(json!({
            "stage": row.try_get::<String, _>("stage")?,
            "given_by": serde_json::from_str::<Value>(&given_by).unwrap_or_default(),
            "given_on": row.try_get::<String, _>("given_on")?,
            "may_contact_agencies": row.try_get::<i64, _>("may_contact_agencies")? != 0,
            "signed_copy_kept": row.try_get::<String, _>("signed_copy_kept")?,
            "agencies": agencies,
            "withdrawn_on": row.try_get::<Option<String>, _>("withdrawn_on")?,
        }));
    }
    Ok(Value::Array(stages))
}

/// Insert what a document's sections say, for the children in the order the document gave
/// them.
async fn prefill(
    tx: &mut Tx,
    caf_id: i64,
    children: &[i64],
    sections: &[ReceivedSection],
    now: i64,
    user_id: i64,
) -> Result<()> {
    for s in sections {
        sqlx::query(
            "INSERT INTO caf_sections (caf_id, section, child_id, status, content, revision, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
        )
        .bind(caf_id)
        .bind(&s.key)
        .bind(s.child.and_then(|i| children.get(i).copied()))
        .bind(s.status.code())
        .bind(s.content.to_string())
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A section's answers that cannot be stored, as a refusal naming the section.
fn check_sections(sections: &[ReceivedSection]) -> Result<()> {
    for s in sections {
        let title = section(&s.key).map_or(s.key.as_str(), |s| s.title);
        if s.content.to_string().chars().count() > MAX_SECTION_CHARS {
            return Err(StoreError::Refused(format!(
                "“{title}” is too long to save: it must be {MAX_SECTION_CHARS} characters or fewer"
            )));
        }
        if let Some(problem) = indicator_problems(&s.content).into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
    }
    Ok(())
}

impl Store {
    /// A whole CAF as a transfer document, for someone with need to know: the export is
    /// audited, and so is a refusal.
    pub async fn export_caf(&self, actor: &Actor, by: &Attribution, caf_id: i64) -> Result<Value> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (caf, may_read) =
            match open_to_read(&mut tx, now, actor, by, caf_id, "the export").await? {
                Ok(opened) => opened,
                Err(refusal) => return refused(tx, refusal).await,
            };
        if !may_read {
            return refused(
                tx,
                StoreError::Denied("no need to know: only that the CAF exists"),
            )
            .await;
        }
        let wording = self.wording_on(&mut tx, caf.wording_version).await?;
        let current = content(&mut tx, &caf, &wording).await?;
        let own = sqlx::query(
            "SELECT c.purpose, a.name, a.agency_type FROM cafs c JOIN agencies a ON a.id = c.owning_agency_id WHERE c.id = $1",
        )
        .bind(caf.id)
        .fetch_one(&mut *tx)
        .await?;
        let mut children = vec![];
        for (id, _) in &current.children {
            children.push(child_document(&mut tx, *id).await?);
        }
        let place = |child: Option<i64>| {
            child.and_then(|c| current.children.iter().position(|(id, _)| *id == c))
        };
        let sections: Vec<Value> = current
            .sections
            .iter()
            .map(|s| {
                json!({
                    "key": s.section,
                    "child": place(s.child_id),
                    "status": s.status.code(),
                    "content": s.content,
                    "updated_at": s.updated_at,
                    "updated_by": s.updated_by,
                })
            })
            .collect();
        let versions: Vec<Value> = sqlx::query(
            "SELECT v.number, v.at, u.name AS by_name, v.reason, v.snapshot FROM caf_versions v \
             LEFT JOIN users u ON u.id = v.user_id WHERE v.caf_id = $1 ORDER BY v.number",
        )
        .bind(caf.id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|v| {
            let snapshot: String = v.try_get("snapshot")?;
            Ok(json!({
                "number": v.try_get::<i64, _>("number")?,
                "at": from_ms(v.try_get("at")?),
                "by": v.try_get::<Option<String>, _>("by_name")?,
                "reason": v.try_get::<String, _>("reason")?,
                "snapshot": serde_json::from_str::<Value>(&snapshot).unwrap_or_default(),
            }))
        })
        .collect::<Result<_>>()?;
        let lead = match current.lead_professional_id {
            Some(user_id) => user_name(&mut tx, user_id)
                .await?
                .map(|(name, agency)| json!({ "name": name, "agency": agency })),
            None => None,
        };
        let purpose: String = own.try_get("purpose")?;
        let document = json!({
            "format": FORMAT,
            "reference": current.reference,
            "kind": current.kind,
            "state": current.state.code(),
            "purpose": purpose_label(&purpose),
            "owning_agency": {
                "name": own.try_get::<String, _>("name")?,
                "agency_type": own.try_get::<String, _>("agency_type")?,
            },
            "opened_on": current.episode.opened_on,
            "closed_on": current.episode.closed_on,
            "exported_at": from_ms(now),
            "exported_by": actor.name,
            "children": children,
            "sections": sections,
            "consent": consent_document(&mut tx, caf.id).await?,
            "lead_professional": lead,
            "lead_status": current.lead_status,
            "team": current.team,
            "meetings": current.meetings,
            "actions": current.actions,
            "next_review_on": current.next_review_on,
            "versions": versions,
            "events": current.events,
            "received_from": received_of(&mut tx, caf.id).await?,
        });
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.export")
                .record("caf", caf.id)
                .detail(format!("{} exported as {FORMAT}", caf.reference)),
        )
        .await?;
        tx.commit().await?;
        Ok(document)
    }

    /// The live register record for a child arriving in a document: by NHS number, then by
    /// the register's matching.
    async fn find_child(&self, details: &PersonDetails) -> Result<Option<i64>> {
        if let Some(nhs) = &details.nhs_number {
            let found = sqlx::query(
                "SELECT id FROM people WHERE nhs_number = $1 AND merged_into_id IS NULL ORDER BY id",
            )
            .bind(nhs.digits())
            .fetch_optional(self.pool())
            .await?;
            if let Some(found) = found {
                return Ok(Some(found.try_get("id")?));
            }
        }
        let address = details.main_address.as_ref();
        let present = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
        self.likely_same_person(PersonRecord {
            id: 0,
            given_name: details.given_name.clone(),
            family_name: details.family_name.clone(),
            other_names: vec![],
            date_of_birth: details.date_of_birth,
            postcode: address.and_then(|a| a.postcode.as_ref().map(|p| p.to_string())),
            address_line1: address.and_then(|a| present(&a.line1)),
            town: address.and_then(|a| present(&a.town)),
            nhs_number: details.nhs_number.as_ref().map(NhsNumber::digits),
            upn: details.upn.as_ref().map(|u| u.as_str().to_string()),
        })
        .await
    }

    /// Find or add each child, then start the CAF, in `tx` (which holds the register's turn).
    #[allow(clippy::too_many_arguments)]
    async fn receive_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        by: &Attribution,
        children: &[PersonDetails],
        found: &[Option<i64>],
        agreement: &Agreement,
        purpose: &str,
        note: &str,
    ) -> Result<(i64, String, Vec<ReceivedChild>)> {
        let mut received = vec![];
        for (details, found) in children.iter().zip(found) {
            let (person_id, matched) = match found {
                Some(id) => (*id, true),
                None => (
                    self.create_person_tx(tx, by, details, None, note).await?,
                    false,
                ),
            };
            received.push(ReceivedChild {
                person_id,
                name: format!("{} {}", details.given_name, details.family_name),
                matched,
            });
        }
        let ids: Vec<i64> = received.iter().map(|c| c.person_id).collect();
        let (caf_id, reference) = self
            .start_caf_in(
                tx,
                actor,
                by,
                &NewCaf {
                    children: ids,
                    agreement: agreement.clone(),
                },
                None,
                purpose,
            )
            .await?;
        Ok((caf_id, reference, received))
    }

    async fn found_children(&self, children: &[PersonDetails]) -> Result<Vec<Option<i64>>> {
        let mut found = vec![];
        for child in children {
            let id = self.find_child(child).await?;
            if id.is_some() && found.contains(&id) {
                return Err(StoreError::Refused(format!(
                    "{} {} is the same child as another in the document",
                    child.given_name, child.family_name
                )));
            }
            found.push(id);
        }
        Ok(found)
    }

    /// Start a draft CAF from a whole CAF sent by another system, owned by the receiver's
    /// agency: its children found on the register or added, its sections pre-filled, the
    /// sender's record kept as sent, and an event in the chronology. The family's consent to
    /// share does not travel: it is asked for here again.
    pub async fn receive_caf(
        &self,
        _grant: &Grant<StartCaf>,
        actor: &Actor,
        by: &Attribution,
        document: &ReceivedCaf,
    ) -> Result<ReceivedCafRow> {
        check_sections(&document.sections)?;
        let found = self.found_children(&document.children).await?;
        let now = self.now_ms();
        let mut tx = self.begin_register_write().await?;
        let note = format!(
            "Received in {} from {}",
            document.reference, document.sender
        );
        let (caf_id, reference, children) = self
            .receive_in(
                &mut tx,
                actor,
                by,
                &document.children,
                &found,
                &document.agreement,
                PURPOSE_RECEIVED,
                &note,
            )
            .await?;
        let ids: Vec<i64> = children.iter().map(|c| c.person_id).collect();
        prefill(
            &mut tx,
            caf_id,
            &ids,
            &document.sections,
            now,
            actor.user_id,
        )
        .await?;
        sqlx::query(
            "INSERT INTO caf_received (caf_id, kind, sender, sender_reference, as_sent, received_at, received_by) \
             VALUES ($1, 'document', $2, $3, $4, $5, $6)",
        )
        .bind(caf_id)
        .bind(&document.sender)
        .bind(&document.reference)
        .bind(document.as_sent.to_string())
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        events::record(
            &mut tx,
            caf_id,
            now,
            Some(actor.user_id),
            Event {
                kind: "caf.received",
                summary: format!(
                    "Received from {} ({}), with {} sections pre-filled; the family's consent to share is asked for again here",
                    document.sender,
                    document.reference,
                    document.sections.len()
                ),
                occurred_on: None,
                significant: true,
                detail: json!({ "sender_reference": document.reference }),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.receive")
                .record("caf", caf_id)
                .detail(format!(
                    "{reference} received from {} as {}",
                    document.sender, document.reference
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(ReceivedCafRow {
            caf_id,
            reference,
            children,
        })
    }

    /// Step a family down from children's social care: a draft CAF for the purpose, its
    /// sections pre-filled from social care's assessment, the proposed lead professional
    /// appointed, the outgoing social worker recorded in the team around the family as
    /// having left on the step-down date, and a significant event in the chronology.
    pub async fn step_down_caf(
        &self,
        _grant: &Grant<StartCaf>,
        actor: &Actor,
        by: &Attribution,
        step_down: &StepDown,
    ) -> Result<ReceivedCafRow> {
        let today = self.clock().now().date_naive();
        let agency_type: String = sqlx::query("SELECT agency_type FROM agencies WHERE id = $1")
            .bind(actor.agency_id)
            .fetch_one(self.pool())
            .await?
            .try_get("agency_type")?;
        let agency_type = AgencyType::from_code(&agency_type).unwrap_or(AgencyType::School);
        if !may_step_down(actor, agency_type) {
            return Err(StoreError::Denied(
                "only the early help team, or practitioners in children's social care, may step a family down",
            ));
        }
        check_sections(&step_down.sections)?;
        let lead = &step_down.lead_professional;
        let decision = LeadDecision {
            choice: LeadChoice::Appointed {
                user_id: lead.user_id,
            },
            on: step_down.social_worker.involved_to,
            reason: String::new(),
            family_view: lead.family_view.clone(),
            child_view: lead.child_view.clone(),
        };
        if let Some(problem) = decision.problems(false, today).into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let found = self.found_children(&step_down.children).await?;
        let now = self.now_ms();
        let worker = &step_down.social_worker;
        let mut tx = self.begin_register_write().await?;
        let Some((lead_name, lead_agency)) = user_name(&mut tx, lead.user_id).await? else {
            return Err(StoreError::Refused(
                "Choose an active practitioner as lead professional".into(),
            ));
        };
        let note = format!(
            "Stepped down from children's social care by {}",
            worker.name
        );
        let (caf_id, reference, children) = self
            .receive_in(
                &mut tx,
                actor,
                by,
                &step_down.children,
                &found,
                &step_down.agreement,
                PURPOSE_STEP_DOWN,
                &note,
            )
            .await?;
        let ids: Vec<i64> = children.iter().map(|c| c.person_id).collect();
        prefill(
            &mut tx,
            caf_id,
            &ids,
            &step_down.sections,
            now,
            actor.user_id,
        )
        .await?;
        sqlx::query(
            "UPDATE cafs SET lead_professional_id = $1, lead_status = $2, revision = revision + 1 WHERE id = $3",
        )
        .bind(lead.user_id)
        .bind(decision.choice.code())
        .bind(caf_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO caf_team_members (caf_id, user_id, name, agency_id, agency_name, role, contact, joined_on, left_on) \
             VALUES ($1, NULL, $2, NULL, $3, 'Social worker (stepped down)', $4, $5, $6)",
        )
        .bind(caf_id)
        .bind(&worker.name)
        .bind(&worker.team)
        .bind(&worker.contact)
        .bind(worker.involved_from.to_string())
        .bind(worker.involved_to.to_string())
        .execute(&mut *tx)
        .await?;
        let as_sent = json!({
            "social_worker": {
                "name": worker.name, "team": worker.team, "contact": worker.contact,
                "involved_from": worker.involved_from, "involved_to": worker.involved_to, "summary": worker.summary,
            },
            "reason": step_down.reason,
        });
        sqlx::query(
            "INSERT INTO caf_received (caf_id, kind, sender, sender_reference, as_sent, received_at, received_by) \
             VALUES ($1, 'step_down', $2, NULL, $3, $4, $5)",
        )
        .bind(caf_id)
        .bind(&worker.team)
        .bind(as_sent.to_string())
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        for event in [
            Event {
                kind: "caf.stepped_down",
                summary: format!(
                    "Stepped down from children's social care by {} ({}): {}",
                    worker.name, worker.team, step_down.reason
                ),
                occurred_on: Some(worker.involved_to),
                significant: true,
                detail: json!({ "involved_from": worker.involved_from }),
            },
            Event {
                kind: "team.left",
                summary: format!(
                    "{} ({}), social worker from {}, left the team around the family at the step down",
                    worker.name,
                    worker.team,
                    worker.involved_from.format("%-d %B %Y")
                ),
                occurred_on: Some(worker.involved_to),
                significant: true,
                detail: json!({}),
            },
            Event {
                kind: "lead.decided",
                summary: format!(
                    "{lead_name} ({lead_agency}) appointed lead professional at the step down. Family's view: {}. Child's view: {}",
                    lead.family_view, lead.child_view
                ),
                occurred_on: Some(worker.involved_to),
                significant: true,
                detail: json!({ "choice": decision.choice, "previous": null }),
            },
        ] {
            events::record(&mut tx, caf_id, now, Some(actor.user_id), event).await?;
        }
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.step_down")
                .record("caf", caf_id)
                .detail(format!("{reference} stepped down from {}", worker.team)),
        )
        .await?;
        tx.commit().await?;
        Ok(ReceivedCafRow {
            caf_id,
            reference,
            children,
        })
    }
}
