//! The lead professional and the team around the family. Who reads a CAF follows these rows
//! on every read (see `access`), so appointing, joining and leaving take effect at once.
use super::access::{open_to_write, refused, stale_caf};
use super::events::{self, Event};
use super::sections::touch;
use crate::{Attribution, Result, Store, StoreError, Tx};
use chrono::NaiveDate;
use ecaf_domain::access::Actor;
use ecaf_domain::caf::team::{leaving_problem, LeadChoice, LeadDecision, NewMember, TeamProblem};
use serde::Serialize;
use sqlx::Row;

/// A member of the team, past or present.
#[derive(Debug, Clone, Serialize)]
pub struct TeamMemberRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    /// The member's agency when it is one of the service's (an action they own needs the
    /// family's consent to name it).
    pub agency_id: Option<i64>,
    pub agency_name: String,
    pub role: String,
    pub contact: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// Someone who may be chosen as lead professional or team member.
#[derive(Debug, Clone, Serialize)]
pub struct Practitioner {
    pub id: i64,
    pub name: String,
    pub agency_name: String,
    pub job_title: String,
}

/// Problems with what was entered, as one refusal (pages and the API check the same rules
/// first, to put each on its own field).
fn refusal(problems: Vec<TeamProblem>) -> StoreError {
    StoreError::Refused(
        problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// An active user's name and agency.
pub(super) async fn user_name(tx: &mut Tx, user_id: i64) -> Result<Option<(String, String)>> {
    Ok(sqlx::query(
        "SELECT u.name, a.name AS agency FROM users u JOIN agencies a ON a.id = u.agency_id \
         WHERE u.id = $1 AND u.active = 1",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| (r.get("name"), r.get("agency"))))
}

pub(super) async fn team_of(tx: &mut Tx, caf_id: i64) -> Result<Vec<TeamMemberRow>> {
    sqlx::query(
        "SELECT id, user_id, name, agency_id, agency_name, role, contact, joined_on, left_on \
         FROM caf_team_members WHERE caf_id = $1 ORDER BY left_on IS NOT NULL, joined_on, id",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        let joined: String = r.try_get("joined_on")?;
        let left: Option<String> = r.try_get("left_on")?;
        Ok(TeamMemberRow {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            name: r.try_get("name")?,
            agency_id: r.try_get("agency_id")?,
            agency_name: r.try_get("agency_name")?,
            role: r.try_get("role")?,
            contact: r.try_get("contact")?,
            joined_on: joined.parse().unwrap_or_default(),
            left_on: left.and_then(|d| d.parse().ok()),
        })
    })
    .collect()
}

/// Someone about to join the team, as the row will name them.
pub(super) struct Joining {
    pub user_id: Option<i64>,
    pub name: String,
    pub agency_id: Option<i64>,
    pub agency_name: String,
    pub role: String,
}

/// A user of the service about to join: `None` if they are not an active user, a refusal if
/// they are already in the team.
pub(super) async fn account_member(
    tx: &mut Tx,
    caf_id: i64,
    user_id: i64,
) -> Result<Option<Result<Joining>>> {
    let Some(row) = sqlx::query(
        "SELECT u.name, u.job_title, u.agency_id, a.name AS agency FROM users u \
         JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1 AND u.active = 1",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let name: String = row.try_get("name")?;
    let already = sqlx::query(
        "SELECT id FROM caf_team_members WHERE caf_id = $1 AND user_id = $2 AND left_on IS NULL",
    )
    .bind(caf_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    if already.is_some() {
        return Ok(Some(Err(StoreError::Refused(format!(
            "{name} is already in the team"
        )))));
    }
    Ok(Some(Ok(Joining {
        user_id: Some(user_id),
        name,
        agency_id: row.try_get("agency_id")?,
        agency_name: row.try_get("agency")?,
        role: row
            .try_get::<Option<String>, _>("job_title")?
            .unwrap_or_default(),
    })))
}

/// Write the member and the chronology's line in the caller's transaction.
pub(super) async fn insert_member(
    tx: &mut Tx,
    caf_id: i64,
    now: i64,
    by_user: i64,
    joining: &Joining,
    contact: &str,
    joined_on: NaiveDate,
) -> Result<i64> {
    let id: i64 = sqlx::query(
        "INSERT INTO caf_team_members (caf_id, user_id, name, agency_id, agency_name, role, contact, joined_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(caf_id)
    .bind(joining.user_id)
    .bind(&joining.name)
    .bind(joining.agency_id)
    .bind(&joining.agency_name)
    .bind(&joining.role)
    .bind(contact)
    .bind(joined_on.to_string())
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    events::record(
        tx,
        caf_id,
        now,
        Some(by_user),
        Event {
            kind: "team.joined",
            summary: format!(
                "{} ({}) joined the team around the family",
                joining.name, joining.agency_name
            ),
            occurred_on: Some(joined_on),
            significant: true,
            detail: serde_json::json!({ "member": id, "user": joining.user_id }),
        },
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Everyone who may be chosen for a CAF's team or as its lead professional: active users
    /// who work with families (administrators alone do not).
    pub async fn practitioners(&self) -> Result<Vec<Practitioner>> {
        sqlx::query(
            "SELECT DISTINCT u.id, u.name, a.name AS agency, u.job_title FROM users u \
             JOIN agencies a ON a.id = u.agency_id JOIN user_roles r ON r.user_id = u.id \
             WHERE u.active = 1 AND r.role <> 'administrator' ORDER BY u.name, u.id",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Practitioner {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                agency_name: r.try_get("agency")?,
                job_title: r.try_get("job_title")?,
            })
        })
        .collect()
    }

    /// Record the decision about the lead professional (an appointment, a change with its
    /// reason, "none needed yet" or "at the meeting"), with the family's and child's views.
    pub async fn decide_lead_professional(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        expected_revision: i64,
        decision: &LeadDecision,
    ) -> Result<()> {
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "lead professional").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let problems = decision.problems(caf.lead_professional_id.is_some(), today);
        if !problems.is_empty() {
            return Err(refusal(problems));
        }
        if caf.revision != expected_revision {
            return Err(stale_caf(&mut tx, caf.id).await);
        }
        let (lead, who) = match decision.choice {
            LeadChoice::Appointed { user_id } => {
                if caf.lead_professional_id == Some(user_id) {
                    return Err(StoreError::Refused(
                        "They are already the lead professional".into(),
                    ));
                }
                let Some((name, agency)) = user_name(&mut tx, user_id).await? else {
                    return Err(StoreError::Refused(
                        "Choose an active practitioner as lead professional".into(),
                    ));
                };
                (
                    Some(user_id),
                    format!("{name} ({agency}) appointed lead professional"),
                )
            }
            LeadChoice::NoneNeededYet => (None, "No lead professional needed yet".to_string()),
            LeadChoice::AtTheMeeting => (
                None,
                "The lead professional will be chosen at the team meeting".to_string(),
            ),
        };
        let updated = sqlx::query(
            "UPDATE cafs SET lead_professional_id = $1, lead_status = $2, revision = revision + 1 \
             WHERE id = $3 AND revision = $4",
        )
        .bind(lead)
        .bind(decision.choice.code())
        .bind(caf.id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(stale_caf(&mut tx, caf.id).await);
        }
        let reason = decision.reason.trim();
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "lead.decided",
                summary: format!(
                    "{who}{}. Family's view: {}. Child's view: {}",
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {reason}")
                    },
                    decision.family_view.trim(),
                    decision.child_view.trim()
                ),
                occurred_on: Some(decision.on),
                significant: true,
                detail: serde_json::json!({
                    "choice": decision.choice,
                    "previous": caf.lead_professional_id,
                }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add someone to the team around the family; a user of the service reads the CAF from
    /// this moment.
    pub async fn add_team_member(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        member: &NewMember,
    ) -> Result<i64> {
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "team").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let problems = member.problems(today);
        if !problems.is_empty() {
            return Err(refusal(problems));
        }
        let joining = match member.user_id {
            Some(user_id) => {
                let Some(account) = account_member(&mut tx, caf.id, user_id).await? else {
                    return Err(StoreError::Refused(
                        "Choose an active practitioner to join the team".into(),
                    ));
                };
                account?
            }
            None => Joining {
                user_id: None,
                name: member.name.trim().to_string(),
                agency_id: None,
                agency_name: member.agency_name.trim().to_string(),
                role: member.role.trim().to_string(),
            },
        };
        let id = insert_member(
            &mut tx,
            caf.id,
            now,
            actor.user_id,
            &joining,
            member.contact.trim(),
            member.joined_on,
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A member leaves the team on `left_on`; a user of the service no longer reads the CAF
    /// through membership from this moment.
    pub async fn team_member_leaves(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        member_id: i64,
        left_on: NaiveDate,
    ) -> Result<()> {
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "team").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let member = team_of(&mut tx, caf.id)
            .await?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or(StoreError::NotFound)?;
        if member.left_on.is_some() {
            return Err(StoreError::Refused(format!(
                "{} has already left the team",
                member.name
            )));
        }
        if let Some(problem) = leaving_problem(member.joined_on, left_on, today) {
            return Err(StoreError::Refused(problem.message));
        }
        let updated = sqlx::query(
            "UPDATE caf_team_members SET left_on = $1 WHERE id = $2 AND caf_id = $3 AND left_on IS NULL",
        )
        .bind(left_on.to_string())
        .bind(member.id)
        .bind(caf.id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Refused(format!(
                "{} has already left the team",
                member.name
            )));
        }
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "team.left",
                summary: format!(
                    "{} ({}) left the team around the family",
                    member.name, member.agency_name
                ),
                occurred_on: Some(left_on),
                significant: true,
                detail: serde_json::json!({ "member": member.id }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }
}
