//! Requests to join the team around the family. Asking needs only that the practitioner may
//! know the CAF exists (the request is audited, and nothing of the CAF is returned); the
//! answer is a change by the lead professional or the assessor, which on acceptance adds
//! the member (and the agency to the consent, where the family agreed) in the same
//! transaction, so access follows at once. Both ends are mailed.
use super::access::{open, open_to_write, refused};
use super::consent::{insert_sharing_consent, latest_givers};
use super::events::{self, Event};
use super::sections::{consent_status, touch};
use super::team::{account_member, insert_member};
use crate::audit::{self, AuditEntry};
use crate::outbox::Notification;
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::access::{CafAction, Decision};
use ecaf_domain::caf::consent::{ConsentStatus, SharingConsent};
use ecaf_domain::caf::join::{
    answer_problems, request_problems, ConsentStanding, FamilyAgreement, JoinAnswer, JoinStatus,
};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::notification::NotificationKind;
use serde::Serialize;
use sqlx::Row;

/// A request to join, as the practitioner who asked and the people who answer see it.
#[derive(Debug, Clone, Serialize)]
pub struct JoinRequestRow {
    pub id: i64,
    pub caf_id: i64,
    pub reference: String,
    pub requester_id: i64,
    pub requester: String,
    pub job_title: String,
    pub agency_id: i64,
    pub agency: String,
    /// Their work email, to reach them before answering.
    pub contact: String,
    pub reason: String,
    pub asked_at: DateTime<Utc>,
    pub status: JoinStatus,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    /// Why it was declined (empty otherwise).
    pub answer: String,
}

const COLUMNS: &str = "j.id, j.caf_id, c.reference, j.requester_id, u.name AS requester, \
    u.job_title, u.email, j.agency_id, a.name AS agency, j.reason, j.asked_at, j.status, \
    j.answered_at, b.name AS answered_by, j.answer";

const FROM: &str = "FROM caf_join_requests j JOIN cafs c ON c.id = j.caf_id \
    JOIN users u ON u.id = j.requester_id JOIN agencies a ON a.id = j.agency_id \
    LEFT JOIN users b ON b.id = j.answered_by";

fn row_to_request(r: &sqlx::any::AnyRow) -> Result<JoinRequestRow> {
    let status: String = r.try_get("status")?;
    Ok(JoinRequestRow {
        id: r.try_get("id")?,
        caf_id: r.try_get("caf_id")?,
        reference: r.try_get("reference")?,
        requester_id: r.try_get("requester_id")?,
        requester: r.try_get("requester")?,
        job_title: r
            .try_get::<Option<String>, _>("job_title")?
            .unwrap_or_default(),
        agency_id: r.try_get("agency_id")?,
        agency: r.try_get("agency")?,
        contact: r.try_get("email")?,
        reason: r.try_get("reason")?,
        asked_at: from_ms(r.try_get("asked_at")?),
        status: JoinStatus::parse(&status)
            .ok_or_else(|| StoreError::Refused(format!("unknown request status {status}")))?,
        answered_at: r.try_get::<Option<i64>, _>("answered_at")?.map(from_ms),
        answered_by: r.try_get("answered_by")?,
        answer: r.try_get("answer")?,
    })
}

/// Every request to join a CAF, the latest first: part of its content for those who read it.
pub(super) async fn join_requests_of(tx: &mut Tx, caf_id: i64) -> Result<Vec<JoinRequestRow>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE j.caf_id = $1 ORDER BY j.id DESC"
    ))
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(row_to_request)
    .collect()
}

async fn request_in(tx: &mut Tx, caf_id: i64, request_id: i64) -> Result<JoinRequestRow> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE j.caf_id = $1 AND j.id = $2"
    ))
    .bind(caf_id)
    .bind(request_id)
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(row_to_request)
    .transpose()?
    .ok_or(StoreError::NotFound)
}

/// The answer already given, as a refusal naming who gave it and when.
fn already_answered(request: &JoinRequestRow) -> StoreError {
    StoreError::Conflict {
        by: request
            .answered_by
            .clone()
            .unwrap_or_else(|| "someone else".into()),
        at: request.answered_at.unwrap_or(request.asked_at),
    }
}

impl Store {
    /// Ask to join a CAF's team, saying why. Anyone who may know the CAF exists and is not
    /// already its assessor, lead professional or a member may ask, once at a time; the
    /// lead professional (or, without one, the assessor) is mailed at once.
    pub async fn ask_to_join(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        reason: &str,
    ) -> Result<JoinRequestRow> {
        if let Some(problem) = request_problems(reason).into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let opened = open(
            &mut tx,
            now,
            actor,
            by,
            caf_id,
            CafAction::Read,
            true,
            "a request to join the team",
        )
        .await?;
        let caf = match opened {
            Ok((_, Decision::Refused, _)) => return refused(tx, StoreError::NotFound).await,
            Ok((caf, _, _)) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let refusal = if caf.imported {
            Some("This CAF was recorded in the previous system: contact its owning agency instead")
        } else if caf.state == CafState::Closed {
            Some("This CAF is closed: nobody joins its team now")
        } else if caf.assessor_id == Some(actor.user_id)
            || caf.lead_professional_id == Some(actor.user_id)
        {
            Some("You already work on this CAF")
        } else {
            None
        };
        if let Some(why) = refusal {
            return refused(tx, StoreError::Refused(why.into())).await;
        }
        let member = sqlx::query(
            "SELECT id FROM caf_team_members WHERE caf_id = $1 AND user_id = $2 AND left_on IS NULL",
        )
        .bind(caf.id)
        .bind(actor.user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if member.is_some() {
            return refused(
                tx,
                StoreError::Refused("You are already in the team around the family".into()),
            )
            .await;
        }
        let waiting = sqlx::query(
            "SELECT asked_at FROM caf_join_requests WHERE caf_id = $1 AND requester_id = $2 AND status = 'pending'",
        )
        .bind(caf.id)
        .bind(actor.user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = waiting {
            let at = from_ms(row.try_get("asked_at")?)
                .with_timezone(&chrono_tz::Europe::London)
                .format("%-d %B %Y");
            return refused(
                tx,
                StoreError::Refused(format!(
                    "You asked to join this team on {at}: wait for the answer"
                )),
            )
            .await;
        }
        let id: i64 = sqlx::query(
            "INSERT INTO caf_join_requests (caf_id, requester_id, agency_id, reason, asked_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(caf.id)
        .bind(actor.user_id)
        .bind(actor.agency_id)
        .bind(reason.trim())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        // Two requests sent at once: the partial unique index lets one wait.
        .map_err(|e| match crate::unique_violation(e, "request") {
            StoreError::Duplicate(_) => StoreError::Refused(
                "You have already asked to join this team: wait for the answer".into(),
            ),
            other => other,
        })?
        .try_get("id")?;
        let request = request_in(&mut tx, caf.id, id).await?;
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "join.requested",
                summary: format!(
                    "{} ({}) asked to join the team around the family",
                    request.requester, request.agency
                ),
                occurred_on: None,
                significant: false,
                detail: serde_json::json!({ "request": id }),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.join.requested")
                .record("caf", caf.id)
                .detail(format!("request {id}")),
        )
        .await?;
        if let Some(answerer) = caf.lead_professional_id.or(caf.assessor_id) {
            self.enqueue_notification_tx(
                &mut tx,
                answerer,
                &Notification::new(
                    NotificationKind::JoinRequest,
                    format!("join_request:{id}"),
                    format!("/cafs/{}/join-requests/{id}", caf.id),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(request)
    }

    /// The actor's own requests to join (on one CAF, or all), the latest first. They are the
    /// actor's own words and answers, so no need to know the CAF is asked.
    pub async fn my_join_requests(
        &self,
        actor: &Actor,
        caf_id: Option<i64>,
    ) -> Result<Vec<JoinRequestRow>> {
        // Every CAF is one with an id of at least 1: `$2 = 0` asks for them all.
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE j.requester_id = $1 AND ($2 = 0 OR j.caf_id = $2) \
             ORDER BY j.id DESC LIMIT 100"
        );
        let rows = sqlx::query(&sql)
            .bind(actor.user_id)
            .bind(caf_id.unwrap_or(0))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(row_to_request).collect()
    }

    /// The requests waiting for the actor's answer: on open CAFs they lead, or assess where
    /// nobody leads. The list is audited as the home page's lists are.
    pub async fn join_requests_to_answer(
        &self,
        actor: &Actor,
        by: &Attribution,
    ) -> Result<Vec<JoinRequestRow>> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE j.status = 'pending' AND c.state <> 'closed' \
             AND (c.lead_professional_id = $1 OR (c.lead_professional_id IS NULL AND c.assessor_id = $1)) \
             ORDER BY j.id"
        ))
        .bind(actor.user_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(row_to_request)
        .collect::<Result<Vec<_>>>()?;
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.list").detail(format!(
                "requests to join waiting for an answer: {}",
                found.len()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Answer a request: accept (adding the member, and their agency to the consent where
    /// the family agreed) or decline with the reason the practitioner reads. One answer
    /// wins: a second, even at the same moment, is a conflict naming the first.
    pub async fn answer_join_request(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        request_id: i64,
        answer: &JoinAnswer,
    ) -> Result<JoinStatus> {
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "a request to join").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let request = request_in(&mut tx, caf.id, request_id).await?;
        if request.status != JoinStatus::Pending {
            return Err(already_answered(&request));
        }
        let consent = consent_status(&mut tx, caf.id).await?;
        let standing = ConsentStanding::of(&consent, request.agency_id);
        let problems = answer_problems(answer, standing, &request.agency, today);
        if !problems.is_empty() {
            return Err(StoreError::Refused(
                problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        let (status, text) = match answer {
            JoinAnswer::Accept { .. } => (JoinStatus::Accepted, String::new()),
            JoinAnswer::Decline { reason } => (JoinStatus::Declined, reason.trim().to_string()),
        };
        let who = format!("{} ({})", request.requester, request.agency);
        let (summary, member) = match answer {
            JoinAnswer::Decline { .. } => (format!("Request to join from {who} declined"), None),
            JoinAnswer::Accept { role, family } => {
                let Some(joining) = account_member(&mut tx, caf.id, request.requester_id).await?
                else {
                    return Err(StoreError::Refused(format!(
                        "{} no longer has an active account: decline the request",
                        request.requester
                    )));
                };
                let mut joining = joining?;
                if !role.trim().is_empty() {
                    joining.role = role.trim().to_string();
                }
                let member = insert_member(
                    &mut tx,
                    caf.id,
                    now,
                    actor.user_id,
                    &joining,
                    &request.contact,
                    today,
                )
                .await?;
                let summary = match (family, &consent) {
                    (Some(FamilyAgreement::Yes { on, how }), ConsentStatus::Sharing(agencies))
                        if standing == ConsentStanding::OmitsAgency =>
                    {
                        let mut agencies = agencies.clone();
                        agencies.insert(request.agency_id);
                        let renewed = SharingConsent {
                            given_by: latest_givers(&mut tx, caf.id).await?,
                            on: *on,
                            signed_copy_kept: format!("Agreed {}", how.trim()),
                            agencies,
                        };
                        insert_sharing_consent(
                            &mut tx,
                            &caf,
                            now,
                            actor.user_id,
                            &renewed,
                            &format!(" when {who} asked to join the team"),
                        )
                        .await?;
                        format!(
                            "Request to join from {who} accepted; the family agreed that {} may receive the CAF",
                            request.agency
                        )
                    }
                    _ => format!("Request to join from {who} accepted"),
                };
                (summary, Some(member))
            }
        };
        // The answer is written once: of two answers at once, the second finds it answered
        // (its own writes above roll back with it).
        let claimed = sqlx::query(
            "UPDATE caf_join_requests SET status = $1, answered_at = $2, answered_by = $3, answer = $4, \
             member_id = $5 WHERE id = $6 AND status = 'pending'",
        )
        .bind(status.code())
        .bind(now)
        .bind(actor.user_id)
        .bind(&text)
        .bind(member)
        .bind(request.id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            let answered = request_in(&mut tx, caf.id, request.id).await?;
            return Err(already_answered(&answered));
        }
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: match status {
                    JoinStatus::Accepted => "join.accepted",
                    _ => "join.declined",
                },
                summary,
                occurred_on: None,
                significant: false,
                detail: serde_json::json!({ "request": request.id }),
            },
        )
        .await?;
        self.enqueue_notification_tx(
            &mut tx,
            request.requester_id,
            &Notification::new(
                NotificationKind::JoinAnswered,
                format!("join_answered:{}", request.id),
                format!("/cafs/{}", caf.id),
            ),
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(status)
    }
}
