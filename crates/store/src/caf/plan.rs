//! The action plan: actions added by the assessor or the lead professional, each updated by
//! its owner (who may only read the rest of the CAF) or by them; agreeing the plan moves the
//! CAF to "plan in place" and sets its next review. Every change is an event of the CAF.
use super::access::{open_to_update_own, open_to_write, refused, stale, stale_caf, CafRow};
use super::events::{self, Event};
use super::manager_sign_off::{held_still, needs_no_manager, Effect};
use super::sections::{children_of, touch};
use super::team::{team_of, TeamMemberRow};
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::lifecycle::{CafState, Step};
use ecaf_domain::caf::plan::{
    review_date_problems, ActionStatus, NewAction, Owner, StatusChange, MAX_REVIEW_WEEKS,
};
use ecaf_domain::caf::sign_off::SignOffStep;
use ecaf_domain::text::sentence_start;
use serde::Serialize;
use sqlx::Row;

/// One action as read back.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub what: String,
    pub owner: Owner,
    /// Who, in words ("Priya Shah, Brookford Primary School").
    pub owner_label: String,
    /// The owner's account, for a team member who has one: they may update it.
    pub owner_user_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub due_on: NaiveDate,
    pub waiting_list: String,
    pub outcome: String,
    pub status: ActionStatus,
    pub not_done_reason: String,
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

/// A team member in words: "Priya Shah, Key worker, Brookford Primary School".
fn member_label(name: &str, role: &str, agency_name: &str) -> String {
    [name, role, agency_name]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

const ACTION_SQL: &str = "SELECT a.id, a.what, a.owner_kind, a.owner_member_id, a.owner_person_id, a.owner_name, \
     a.agency_id, a.due_on, a.waiting_list, a.outcome, a.status, a.not_done_reason, a.revision, a.updated_at, \
     u.name AS by_name, m.user_id AS member_user_id, m.name AS member_name, m.role AS member_role, \
     m.agency_name AS member_agency, p.given_name, p.family_name \
     FROM caf_actions a LEFT JOIN users u ON u.id = a.updated_by \
     LEFT JOIN caf_team_members m ON m.id = a.owner_member_id \
     LEFT JOIN people p ON p.id = a.owner_person_id";

fn action_from_row(r: &crate::Row) -> Result<ActionRow> {
    let kind: String = r.try_get("owner_kind")?;
    let (owner, owner_label) = match kind.as_str() {
        "team_member" => {
            let text = |column: &str| -> Result<String> {
                Ok(r.try_get::<Option<String>, _>(column)?.unwrap_or_default())
            };
            (
                Owner::TeamMember {
                    member_id: r.try_get("owner_member_id")?,
                },
                member_label(
                    &text("member_name")?,
                    &text("member_role")?,
                    &text("member_agency")?,
                ),
            )
        }
        "child" => (
            Owner::Child {
                person_id: r.try_get("owner_person_id")?,
            },
            format!(
                "{} {}",
                r.try_get::<Option<String>, _>("given_name")?
                    .unwrap_or_default(),
                r.try_get::<Option<String>, _>("family_name")?
                    .unwrap_or_default()
            ),
        ),
        _ => {
            let name: String = r.try_get("owner_name")?;
            (
                Owner::ParentOrCarer { name: name.clone() },
                format!("{name} (parent or carer)"),
            )
        }
    };
    let status: String = r.try_get("status")?;
    let due: String = r.try_get("due_on")?;
    Ok(ActionRow {
        id: r.try_get("id")?,
        what: r.try_get("what")?,
        owner,
        owner_label,
        owner_user_id: r.try_get("member_user_id")?,
        agency_id: r.try_get("agency_id")?,
        due_on: due.parse().unwrap_or_default(),
        waiting_list: r.try_get("waiting_list")?,
        outcome: r.try_get("outcome")?,
        status: ActionStatus::parse(&status).unwrap_or(ActionStatus::NotStarted),
        not_done_reason: r.try_get("not_done_reason")?,
        revision: r.try_get("revision")?,
        updated_at: from_ms(r.try_get("updated_at")?),
        updated_by: r.try_get("by_name")?,
    })
}

/// The CAF's actions, oldest first.
pub(super) async fn actions_of(tx: &mut Tx, caf_id: i64) -> Result<Vec<ActionRow>> {
    sqlx::query(&format!("{ACTION_SQL} WHERE a.caf_id = $1 ORDER BY a.id"))
        .bind(caf_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(action_from_row)
        .collect()
}

/// The current team around the family (those who have not left).
async fn present_team(tx: &mut Tx, caf_id: i64) -> Result<Vec<TeamMemberRow>> {
    Ok(team_of(tx, caf_id)
        .await?
        .into_iter()
        .filter(|m| m.left_on.is_none())
        .collect())
}

/// Every agency with an action on the plan: the family's consent to share must name them.
pub(super) async fn plan_agency_ids(tx: &mut Tx, caf_id: i64) -> Result<Vec<i64>> {
    sqlx::query(
        "SELECT DISTINCT agency_id FROM caf_actions WHERE caf_id = $1 AND agency_id IS NOT NULL",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok(r.try_get("agency_id")?))
    .collect()
}

/// The agencies named in the current consent to share, if one is in force.
async fn consented_agencies(tx: &mut Tx, caf_id: i64) -> Result<Option<Vec<i64>>> {
    let latest = sqlx::query(
        "SELECT id FROM caf_consents WHERE caf_id = $1 AND stage = 'sharing' AND withdrawn_on IS NULL \
         AND id = (SELECT MAX(id) FROM caf_consents WHERE caf_id = $1 AND stage = 'sharing')",
    )
    .bind(caf_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(latest) = latest else {
        return Ok(None);
    };
    let consent_id: i64 = latest.try_get("id")?;
    Ok(Some(
        sqlx::query("SELECT agency_id FROM caf_consent_agencies WHERE consent_id = $1")
            .bind(consent_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get("agency_id"))
            .collect::<std::result::Result<_, _>>()?,
    ))
}

/// The start of the consent refusal, so pages and the API can point to the consent page.
pub const CONSENT_FIRST: &str = "Update the family's consent to share first";

fn writable_plan(caf: &CafRow) -> Result<()> {
    match caf.state {
        CafState::Draft => Err(StoreError::Refused(
            "Sign off the assessment before writing the action plan".into(),
        )),
        CafState::Closed => Err(StoreError::Refused(
            "The CAF is closed: its plan can no longer change".into(),
        )),
        _ => Ok(()),
    }
}

fn short(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>().trim_end())
    } else {
        text.to_string()
    }
}

impl Store {
    /// Add an action to the plan (the assessor or the lead professional). An action owned by
    /// a team member of an agency the family's consent to share does not name is refused,
    /// starting with [`CONSENT_FIRST`].
    pub async fn add_caf_action(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        action: &NewAction,
    ) -> Result<i64> {
        let today = self.clock().now().date_naive();
        if let Some(problem) = action.problems(today).into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let (Some(owner), Some(due_on)) = (&action.owner, action.due_on) else {
            return Err(StoreError::Refused("Select who will do it".into()));
        };
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "action plan").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        writable_plan(&caf)?;
        held_still(&mut tx, caf.id, SignOffStep::Plan).await?;
        let (member_id, person_id, name, agency_id, who) = match owner {
            Owner::TeamMember { member_id } => {
                let team = present_team(&mut tx, caf.id).await?;
                let member = team.iter().find(|m| m.id == *member_id).ok_or_else(|| {
                    StoreError::Refused(
                        "Select someone in the team around the family, or add them to the team first"
                            .into(),
                    )
                })?;
                if let (Some(agency), Some(named)) =
                    (member.agency_id, consented_agencies(&mut tx, caf.id).await?)
                {
                    if !named.contains(&agency) {
                        return Err(StoreError::Refused(format!(
                            "{CONSENT_FIRST}: it does not name {}, so {} cannot be given an action until the family agrees to share with them",
                            if member.agency_name.is_empty() { "their agency" } else { member.agency_name.as_str() },
                            member.name
                        )));
                    }
                }
                (
                    Some(member.id),
                    None,
                    String::new(),
                    member.agency_id,
                    member_label(&member.name, &member.role, &member.agency_name),
                )
            }
            Owner::Child { person_id } => {
                let children = children_of(&mut tx, caf.id).await?;
                let (id, child) =
                    children
                        .iter()
                        .find(|(id, _)| id == person_id)
                        .ok_or_else(|| {
                            StoreError::Refused("Select a child this CAF is about".into())
                        })?;
                (None, Some(*id), String::new(), None, child.clone())
            }
            Owner::ParentOrCarer { name } => {
                let name = name.trim().to_string();
                (None, None, name.clone(), None, name)
            }
        };
        let row = sqlx::query(
            "INSERT INTO caf_actions (caf_id, what, owner_kind, owner_member_id, owner_person_id, owner_name, agency_id, \
             due_on, waiting_list, outcome, status, not_done_reason, revision, created_at, created_by, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', 1, $12, $13, $12, $13) RETURNING id",
        )
        .bind(caf.id)
        .bind(action.what.trim())
        .bind(owner.kind())
        .bind(member_id)
        .bind(person_id)
        .bind(&name)
        .bind(agency_id)
        .bind(due_on.to_string())
        .bind(action.waiting_list.trim())
        .bind(action.outcome.trim())
        .bind(ActionStatus::NotStarted.code())
        .bind(now)
        .bind(actor.user_id)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "plan.action_added",
                summary: format!(
                    "Action added to the plan: “{}” ({who}, by {})",
                    short(&action.what),
                    due_on.format("%-d %B %Y")
                ),
                occurred_on: None,
                significant: false,
                detail: serde_json::json!({ "action_id": id, "owner": owner, "due_on": due_on }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Update an action's status, from the revision read: by its owner (a team member with
    /// an account, who needs only to read the CAF), or by the assessor or lead professional.
    /// Returns the new revision.
    pub async fn update_caf_action_status(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        action_id: i64,
        expected_revision: i64,
        change: &StatusChange,
    ) -> Result<i64> {
        if let Some(problem) = change.problems().into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let found = sqlx::query(&format!("{ACTION_SQL} WHERE a.id = $1 AND a.caf_id = $2"))
            .bind(action_id)
            .bind(caf_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| action_from_row(&r))
            .transpose()?;
        let owns = match &found {
            Some(action) if action.owner_user_id == Some(actor.user_id) => {
                // Only while they are still in the team around the family.
                sqlx::query("SELECT id FROM caf_team_members WHERE id = $1 AND left_on IS NULL")
                    .bind(match action.owner {
                        Owner::TeamMember { member_id } => member_id,
                        _ => 0,
                    })
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some()
            }
            _ => false,
        };
        let what = format!("action {action_id}");
        let opened = if owns {
            open_to_update_own(&mut tx, now, actor, by, caf_id, &what).await?
        } else {
            match open_to_write(&mut tx, now, actor, by, caf_id, &what).await? {
                Err(StoreError::Denied(_)) => Err(StoreError::Denied(
                    "only the action's owner, the assessor and the lead professional update an action",
                )),
                other => other,
            }
        };
        let caf = match opened {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let Some(action) = found else {
            return Err(StoreError::NotFound);
        };
        writable_plan(&caf)?;
        held_still(&mut tx, caf.id, SignOffStep::Plan).await?;
        // Each agency answers for its own actions: the assessor or lead professional updates
        // those of the family, of people without an account and of their own agency, not
        // another agency's member's.
        if !owns
            && action.owner_user_id.is_some()
            && action
                .agency_id
                .is_some_and(|agency| agency != actor.agency_id)
        {
            return Err(StoreError::Refused(format!(
                "Only {} updates this action: it belongs to another agency",
                action.owner_label
            )));
        }
        if action.revision != expected_revision {
            return Err(stale(&mut tx, STALE_SQL, action.id).await);
        }
        let reason = if change.status == ActionStatus::NotDone {
            change.reason.trim()
        } else {
            ""
        };
        let updated = sqlx::query(
            "UPDATE caf_actions SET status = $1, not_done_reason = $2, revision = revision + 1, \
             updated_at = $3, updated_by = $4 WHERE id = $5 AND revision = $6",
        )
        .bind(change.status.code())
        .bind(reason)
        .bind(now)
        .bind(actor.user_id)
        .bind(action.id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await?;
        // On PostgreSQL a concurrent update can commit between the read and this update.
        if updated.rows_affected() == 0 {
            return Err(stale(&mut tx, STALE_SQL, action.id).await);
        }
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "plan.action_status",
                summary: format!(
                    "Action “{}” marked {}{}",
                    short(&action.what),
                    change.status.label().to_lowercase(),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", short(reason))
                    }
                ),
                occurred_on: None,
                significant: false,
                detail: serde_json::json!({
                    "action_id": action.id,
                    "from": action.status,
                    "to": change.status,
                    "reason": reason,
                }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(expected_revision + 1)
    }

    /// Agree the plan with the family today: the CAF moves to "plan in place" and its next
    /// review is set for `review_on`, after today and within [`MAX_REVIEW_WEEKS`].
    pub async fn agree_caf_plan(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        expected_revision: i64,
        review_on: NaiveDate,
    ) -> Result<()> {
        let today = self.clock().now().date_naive();
        if let Some(problem) = review_date_problems(today, review_on, MAX_REVIEW_WEEKS) {
            return Err(StoreError::Refused(problem));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf =
            match open_to_write(&mut tx, now, actor, by, caf_id, "agreement of the plan").await? {
                Ok(caf) => caf,
                Err(refusal) => return refused(tx, refusal).await,
            };
        needs_no_manager(&mut tx, caf.id, SignOffStep::Plan).await?;
        self.agree_plan_on(
            &mut tx,
            now,
            &caf,
            actor.user_id,
            expected_revision,
            review_on,
            Effect::Take,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Agree the plan of `caf`, opened in `tx` by whoever may, with its review on
    /// `review_on`. With [`Effect::Check`] only the rules are checked and nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn agree_plan_on(
        &self,
        tx: &mut Tx,
        now: i64,
        caf: &CafRow,
        user_id: i64,
        expected_revision: i64,
        review_on: NaiveDate,
        effect: Effect,
    ) -> Result<()> {
        let today = self.clock().now().date_naive();
        if let Some(problem) = review_date_problems(today, review_on, MAX_REVIEW_WEEKS) {
            return Err(StoreError::Refused(problem));
        }
        let next = caf
            .state
            .apply(Step::AgreePlan)
            .map_err(|refused| StoreError::Refused(sentence_start(&refused.to_string())))?;
        let actions = actions_of(tx, caf.id).await?;
        if actions.is_empty() {
            return Err(StoreError::Refused(
                "Add at least one action before agreeing the plan".into(),
            ));
        }
        if caf.revision != expected_revision {
            return Err(stale_caf(tx, caf.id).await);
        }
        if effect == Effect::Check {
            return Ok(());
        }
        let updated = sqlx::query(
            "UPDATE cafs SET state = $1, next_review_on = $2, revision = revision + 1 \
             WHERE id = $3 AND revision = $4",
        )
        .bind(next.code())
        .bind(review_on.to_string())
        .bind(caf.id)
        .bind(expected_revision)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(stale_caf(tx, caf.id).await);
        }
        events::record(
            tx,
            caf.id,
            now,
            Some(user_id),
            Event {
                kind: "plan.agreed",
                summary: format!(
                    "Action plan agreed with {} {}; review by {}",
                    actions.len(),
                    if actions.len() == 1 { "action" } else { "actions" },
                    review_on.format("%-d %B %Y")
                ),
                occurred_on: Some(today),
                significant: true,
                detail: serde_json::json!({ "actions": actions.len(), "next_review_on": review_on }),
            },
        )
        .await?;
        touch(tx, caf.id, now, user_id).await?;
        Ok(())
    }
}

const STALE_SQL: &str = "SELECT a.updated_at, u.name AS by_name FROM caf_actions a \
     LEFT JOIN users u ON u.id = a.updated_by WHERE a.id = $1";
