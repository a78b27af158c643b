//! Manager sign-off, where the authority switches it on (see `ecaf_domain::caf::sign_off`):
//! the practitioner sends the assessment, the plan or the closure to their line manager and
//! deputy, who approve it — the step then takes effect exactly as it would have without
//! sign-off, in the approval's transaction — or return it with comments. Sending, approving
//! and returning are each one transaction with their event, audit row and mail.
use super::access::{self, open_to_read, open_to_write, refused, CafRow};
use super::closure::Closing;
use super::events::{self, Event};
use super::sections::{children_of, touch, CafContent};
use crate::audit::{self, AuditEntry};
use crate::outbox::Notification;
use crate::{flag, from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::{Actor, ConfigureSignOff, Grant};
use ecaf_domain::caf::access::{CafAction, Decision};
use ecaf_domain::caf::closure::ClosureError;
use ecaf_domain::caf::lifecycle::{CafState, Step};
use ecaf_domain::caf::sign_off::{
    comments_problem, may_decide, RequestStatus, SignOffAsked, SignOffStep,
};
use ecaf_domain::notification::NotificationKind;
use ecaf_domain::text::sentence_start;
use serde::Serialize;
use sqlx::Row;

/// Whether a step is only checked (before it is sent for sign-off) or taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Check,
    Take,
}

/// What a practitioner without a line manager or deputy is told: nobody can sign off.
const NO_MANAGER: &str = "You have no line manager or deputy recorded, so there is nobody to send this to for sign-off. Ask an administrator to record your line manager";

/// Which steps need a manager's sign-off in this area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SignOffSwitches {
    pub assessment: bool,
    pub plan: bool,
    pub closure: bool,
}

impl SignOffSwitches {
    pub fn required(&self, step: SignOffStep) -> bool {
        match step {
            SignOffStep::Assessment => self.assessment,
            SignOffStep::Plan => self.plan,
            SignOffStep::Closure => self.closure,
        }
    }
}

/// A request for sign-off, as its sender, the managers and the CAF's readers see it.
#[derive(Debug, Clone, Serialize)]
pub struct SignOffRequest {
    pub id: i64,
    pub caf_id: i64,
    pub caf_reference: String,
    pub step: SignOffStep,
    /// What is signed off, in words ("the plan").
    pub what: &'static str,
    pub asked: SignOffAsked,
    pub status: RequestStatus,
    pub sent_by_id: i64,
    pub sent_by: String,
    pub sent_at: DateTime<Utc>,
    /// Who may decide it: the sender's line manager, then their deputy.
    pub managers: Vec<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub comments: Option<String>,
    /// The children's names, only for someone who may read the CAF.
    pub children: Option<Vec<String>>,
}

const REQUEST_SQL: &str =
    "SELECT r.id, r.caf_id, c.reference, r.step, r.asked, r.status, r.sent_by, \
     s.name AS sent_by_name, r.sent_at, s.line_manager_id, s.deputy_id, m.name AS manager_name, \
     d.name AS deputy_name, x.name AS decided_by_name, r.decided_at, r.comments \
     FROM caf_sign_off_requests r JOIN cafs c ON c.id = r.caf_id JOIN users s ON s.id = r.sent_by \
     LEFT JOIN users m ON m.id = s.line_manager_id LEFT JOIN users d ON d.id = s.deputy_id \
     LEFT JOIN users x ON x.id = r.decided_by";

/// A request row with the sender's managers' ids, to decide who may decide it.
struct Found {
    request: SignOffRequest,
    line_manager_id: Option<i64>,
    deputy_id: Option<i64>,
}

fn found_from(row: &crate::Row) -> Result<Found> {
    let step: String = row.try_get("step")?;
    let step = SignOffStep::parse(&step)
        .ok_or_else(|| StoreError::Refused(format!("unknown sign-off step {step}")))?;
    let status: String = row.try_get("status")?;
    let asked: String = row.try_get("asked")?;
    let managers = ["manager_name", "deputy_name"]
        .iter()
        .filter_map(|c| row.try_get::<Option<String>, _>(*c).ok().flatten())
        .collect();
    Ok(Found {
        request: SignOffRequest {
            id: row.try_get("id")?,
            caf_id: row.try_get("caf_id")?,
            caf_reference: row.try_get("reference")?,
            step,
            what: step.label(),
            asked: serde_json::from_str(&asked).map_err(|e| StoreError::Refused(e.to_string()))?,
            status: RequestStatus::parse(&status)
                .ok_or_else(|| StoreError::Refused(format!("unknown request status {status}")))?,
            sent_by_id: row.try_get("sent_by")?,
            sent_by: row.try_get("sent_by_name")?,
            sent_at: from_ms(row.try_get("sent_at")?),
            managers,
            decided_by: row.try_get("decided_by_name")?,
            decided_at: row.try_get::<Option<i64>, _>("decided_at")?.map(from_ms),
            comments: row.try_get("comments")?,
            children: None,
        },
        line_manager_id: row.try_get("line_manager_id")?,
        deputy_id: row.try_get("deputy_id")?,
    })
}

const SWITCHES_SQL: &str = "SELECT step, required FROM manager_sign_off_switches";

async fn switches_in(tx: &mut Tx) -> Result<SignOffSwitches> {
    switches_from(sqlx::query(SWITCHES_SQL).fetch_all(&mut **tx).await?)
}

fn switches_from(rows: Vec<crate::Row>) -> Result<SignOffSwitches> {
    let mut switches = SignOffSwitches::default();
    for row in rows {
        let on = row.try_get::<i64, _>("required")? != 0;
        match SignOffStep::parse(&row.try_get::<String, _>("step")?) {
            Some(SignOffStep::Assessment) => switches.assessment = on,
            Some(SignOffStep::Plan) => switches.plan = on,
            Some(SignOffStep::Closure) => switches.closure = on,
            None => {}
        }
    }
    Ok(switches)
}

async fn waiting_step(tx: &mut Tx, caf_id: i64) -> Result<Option<SignOffStep>> {
    Ok(sqlx::query(
        "SELECT step FROM caf_sign_off_requests WHERE caf_id = $1 AND status = 'waiting'",
    )
    .bind(caf_id)
    .fetch_optional(&mut **tx)
    .await?
    .and_then(|r| SignOffStep::parse(&r.get::<String, _>(0))))
}

/// Refuse to take `step` directly where the area wants a manager to sign it off, or while it
/// waits for one.
pub(super) async fn needs_no_manager(tx: &mut Tx, caf_id: i64, step: SignOffStep) -> Result<()> {
    if switches_in(tx).await?.required(step) {
        return Err(StoreError::Refused(format!(
            "{} needs your line manager's sign-off: send it to them for sign-off",
            sentence_start(step.label())
        )));
    }
    held_still(tx, caf_id, step).await
}

/// Refuse a change to what a waiting request is about, so the manager approves what they read.
pub(super) async fn held_still(tx: &mut Tx, caf_id: i64, step: SignOffStep) -> Result<()> {
    if waiting_step(tx, caf_id).await? == Some(step) {
        return Err(StoreError::Refused(format!(
            "{} is waiting for your line manager's sign-off: it cannot be changed until they approve it or return it",
            sentence_start(step.label())
        )));
    }
    Ok(())
}

/// A closed CAF has nothing left to sign off: its waiting request ends.
pub(super) async fn withdraw_waiting(tx: &mut Tx, now: i64, caf_id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE caf_sign_off_requests SET status = 'withdrawn', decided_at = $1 \
         WHERE caf_id = $2 AND status = 'waiting'",
    )
    .bind(now)
    .bind(caf_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Which steps need a manager's sign-off.
    pub async fn sign_off_switches(&self) -> Result<SignOffSwitches> {
        switches_from(sqlx::query(SWITCHES_SQL).fetch_all(self.pool()).await?)
    }

    /// Switch manager sign-off of each step on or off, audited in the same transaction. A
    /// request already waiting stays waiting for its manager's decision.
    pub async fn set_sign_off_switches(
        &self,
        grant: &Grant<ConfigureSignOff>,
        by: &Attribution,
        switches: SignOffSwitches,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        for step in SignOffStep::ALL {
            let on = switches.required(step);
            sqlx::query(
                "UPDATE manager_sign_off_switches SET required = $1, updated_at = $2, updated_by = $3 WHERE step = $4",
            )
            .bind(flag(on))
            .bind(now)
            .bind(grant.actor_id())
            .bind(step.code())
            .execute(&mut *tx)
            .await?;
            audit::record(
                &mut tx,
                now,
                by,
                AuditEntry::new("sign_off_switch.update")
                    .record("sign_off_switch", step.code())
                    .detail(format!(
                        "manager sign-off of {}: {}",
                        step.label(),
                        if on { "on" } else { "off" }
                    )),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Send a step to the sender's line manager and deputy for sign-off. The step's own rules
    /// are checked first, exactly as if it were taken now (a closure's problems come back on
    /// their fields), so nothing incomplete is sent; nothing is sent either where the area
    /// does not ask for sign-off of it, while another request waits, or to nobody.
    pub async fn request_sign_off(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        expected_revision: i64,
        asked: &SignOffAsked,
    ) -> Result<Result<i64, Vec<ClosureError>>> {
        let step = asked.step();
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "sign-off request").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        if !switches_in(&mut tx).await?.required(step) {
            return Err(StoreError::Refused(format!(
                "Manager sign-off of {} is not switched on: {} yourself",
                step.label(),
                step.action()
            )));
        }
        if let Some(waiting) = waiting_step(&mut tx, caf.id).await? {
            return Err(StoreError::Refused(format!(
                "{} is already waiting for sign-off",
                sentence_start(waiting.label())
            )));
        }
        let managers = sqlx::query(
            "SELECT m.id AS manager_id, m.name AS manager_name, d.id AS deputy_id, d.name AS deputy_name \
             FROM users u LEFT JOIN users m ON m.id = u.line_manager_id AND m.active = 1 \
             LEFT JOIN users d ON d.id = u.deputy_id AND d.active = 1 WHERE u.id = $1",
        )
        .bind(actor.user_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut to: Vec<(i64, String)> = vec![];
        for (id, name) in [("manager_id", "manager_name"), ("deputy_id", "deputy_name")] {
            if let (Some(id), Some(name)) = (
                managers.try_get::<Option<i64>, _>(id)?,
                managers.try_get::<Option<String>, _>(name)?,
            ) {
                if id != actor.user_id && !to.iter().any(|(t, _)| *t == id) {
                    to.push((id, name));
                }
            }
        }
        if to.is_empty() {
            return Err(StoreError::Refused(NO_MANAGER.into()));
        }
        if let Err(problems) = self
            .take(
                &mut tx,
                by,
                &caf,
                actor.user_id,
                expected_revision,
                asked,
                Effect::Check,
            )
            .await?
        {
            return Ok(Err(problems));
        }
        let asked_json =
            serde_json::to_string(asked).map_err(|e| StoreError::Refused(e.to_string()))?;
        let id: i64 = sqlx::query(
            "INSERT INTO caf_sign_off_requests (caf_id, step, asked, sent_by, sent_at, status) \
             VALUES ($1, $2, $3, $4, $5, 'waiting') RETURNING id",
        )
        .bind(caf.id)
        .bind(step.code())
        .bind(asked_json)
        .bind(actor.user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        let names: Vec<&str> = to.iter().map(|(_, n)| n.as_str()).collect();
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "sign_off.requested",
                summary: format!(
                    "{} sent for sign-off to {}",
                    sentence_start(step.label()),
                    names.join(" or ")
                ),
                occurred_on: None,
                significant: true,
                detail: serde_json::json!({ "request": id, "step": step.code() }),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("sign_off.request")
                .record("caf", caf.id)
                .detail(format!(
                    "{} of {} sent for sign-off",
                    step.code(),
                    caf.reference
                )),
        )
        .await?;
        let notification = Notification::new(
            NotificationKind::SignOffRequested,
            format!("sign_off_requested:request:{id}"),
            format!("/sign-offs/{id}"),
        );
        for (manager, _) in &to {
            self.enqueue_notification_tx(&mut tx, *manager, &notification)
                .await?;
        }
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Take (or only check) the step a request asks for, on `caf` opened in `tx`.
    #[allow(clippy::too_many_arguments)]
    async fn take(
        &self,
        tx: &mut Tx,
        by: &Attribution,
        caf: &CafRow,
        user_id: i64,
        expected_revision: i64,
        asked: &SignOffAsked,
        effect: Effect,
    ) -> Result<Result<(), Vec<ClosureError>>> {
        let now = self.now_ms();
        match asked {
            SignOffAsked::Assessment => {
                self.sign_off_on(tx, now, caf, user_id, expected_revision, effect)
                    .await?;
            }
            SignOffAsked::Plan { review_on } => {
                self.agree_plan_on(tx, now, caf, user_id, expected_revision, *review_on, effect)
                    .await?;
            }
            SignOffAsked::Closure { closure } => {
                let closing = Closing {
                    closure,
                    expected_revision,
                    step: Step::Close,
                    taken_over: None,
                };
                return self.close_on(tx, by, caf, user_id, closing, effect).await;
            }
        }
        Ok(Ok(()))
    }

    /// How many requests wait for the actor's sign-off (no case details: for the home page).
    pub async fn sign_offs_waiting(&self, actor: &Actor) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) FROM caf_sign_off_requests r JOIN users s ON s.id = r.sent_by \
             WHERE r.status = 'waiting' AND r.sent_by <> $1 AND (s.line_manager_id = $1 OR s.deputy_id = $1)",
        )
        .bind(actor.user_id)
        .fetch_one(self.pool())
        .await?
        .get(0))
    }

    /// The requests waiting for the actor's sign-off, the longest waiting first, each with
    /// its children's names where the actor may read the CAF (each read audited).
    pub async fn sign_off_queue(
        &self,
        actor: &Actor,
        by: &Attribution,
    ) -> Result<Vec<SignOffRequest>> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(&format!(
            "{REQUEST_SQL} WHERE r.status = 'waiting' AND r.sent_by <> $1 \
             AND (s.line_manager_id = $1 OR s.deputy_id = $1) ORDER BY r.sent_at, r.id"
        ))
        .bind(actor.user_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut queue = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut request = found_from(row)?.request;
            if let Ok((caf, true)) =
                open_to_read(&mut tx, now, actor, by, request.caf_id, "sign-off queue").await?
            {
                request.children = Some(names_of(&mut tx, caf.id).await?);
            }
            queue.push(request);
        }
        tx.commit().await?;
        Ok(queue)
    }

    /// One request, for its sender's line manager or deputy to decide. Anyone else is
    /// refused, and the attempt audited.
    pub async fn sign_off_request(
        &self,
        actor: &Actor,
        by: &Attribution,
        id: i64,
    ) -> Result<SignOffRequest> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let found = match decider(&mut tx, now, actor, by, id, "read").await? {
            Ok(found) => found,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let mut request = found.request;
        if let Ok((caf, true)) =
            open_to_read(&mut tx, now, actor, by, request.caf_id, "sign-off request").await?
        {
            request.children = Some(names_of(&mut tx, caf.id).await?);
        }
        tx.commit().await?;
        Ok(request)
    }

    /// Approve a waiting request: the step takes effect now, in this transaction, as it
    /// would have without sign-off. A request already decided is a conflict naming who
    /// decided it, so of two decisions at once exactly one wins.
    pub async fn approve_sign_off(
        &self,
        actor: &Actor,
        by: &Attribution,
        id: i64,
    ) -> Result<Result<(), Vec<ClosureError>>> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (request, caf) = match self
            .deciding(&mut tx, now, actor, by, id, "approve")
            .await?
        {
            Ok(opened) => opened,
            Err(refusal) => return refused(tx, refusal).await,
        };
        decide(&mut tx, now, actor, &request, RequestStatus::Approved, None).await?;
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "sign_off.approved",
                summary: format!("Sign-off of {} approved", request.what),
                occurred_on: None,
                significant: true,
                detail: serde_json::json!({ "request": request.id, "step": request.step.code() }),
            },
        )
        .await?;
        if let Err(problems) = self
            .take(
                &mut tx,
                by,
                &caf,
                request.sent_by_id,
                caf.revision,
                &request.asked,
                Effect::Take,
            )
            .await?
        {
            return Ok(Err(problems));
        }
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("sign_off.approve")
                .record("sign_off_request", request.id)
                .detail(format!(
                    "{} of {} approved",
                    request.step.code(),
                    caf.reference
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Return a waiting request with comments (required), which the sender is mailed about
    /// at once and sees on the CAF until they send it again. Nothing else changes.
    pub async fn return_sign_off(
        &self,
        actor: &Actor,
        by: &Attribution,
        id: i64,
        comments: &str,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (request, caf) = match self.deciding(&mut tx, now, actor, by, id, "return").await? {
            Ok(opened) => opened,
            Err(refusal) => return refused(tx, refusal).await,
        };
        if let Some(problem) = comments_problem(comments) {
            return Err(StoreError::Refused(problem));
        }
        let comments = comments.trim();
        decide(
            &mut tx,
            now,
            actor,
            &request,
            RequestStatus::Returned,
            Some(comments),
        )
        .await?;
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "sign_off.returned",
                summary: format!(
                    "Sign-off of {} returned for changes: {comments}",
                    request.what
                ),
                occurred_on: None,
                significant: true,
                detail: serde_json::json!({ "request": request.id, "step": request.step.code() }),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("sign_off.return")
                .record("sign_off_request", request.id)
                .detail(format!(
                    "{} of {} returned",
                    request.step.code(),
                    caf.reference
                )),
        )
        .await?;
        self.enqueue_notification_tx(
            &mut tx,
            request.sent_by_id,
            &Notification::new(
                NotificationKind::ReturnedForChanges,
                format!("returned_for_changes:request:{}", request.id),
                format!("/cafs/{}", caf.id),
            ),
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A decision's opening: the request, which must still be waiting, and its CAF, which
    /// the decider must be able to read (audited as a change).
    async fn deciding(
        &self,
        tx: &mut Tx,
        now: i64,
        actor: &Actor,
        by: &Attribution,
        id: i64,
        verb: &str,
    ) -> Result<Result<(SignOffRequest, CafRow), StoreError>> {
        let found = match decider(tx, now, actor, by, id, verb).await? {
            Ok(found) => found,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let request = found.request;
        if request.status != RequestStatus::Waiting {
            return Ok(Err(decided_conflict(&request)));
        }
        let what = format!("sign-off decision on {}", request.step.label());
        match access::open(
            tx,
            now,
            actor,
            by,
            request.caf_id,
            CafAction::Read,
            true,
            &what,
        )
        .await?
        {
            Ok((caf, Decision::Allowed, _)) if caf.state.is_open() => Ok(Ok((request, caf))),
            Ok((_, Decision::Allowed, _)) => {
                Ok(Err(StoreError::Denied("the CAF is closed and read-only")))
            }
            Ok((_, _, why)) => Ok(Err(StoreError::Denied(why))),
            Err(refusal) => Ok(Err(refusal)),
        }
    }

    /// The request about to be signed off on this CAF, or the one last returned while what
    /// it was about has still not happened, for a page or the API showing the CAF (whose
    /// content proves the reader may read it).
    pub async fn sign_off_of(&self, caf: &CafContent) -> Result<Option<SignOffRequest>> {
        let row = sqlx::query(&format!(
            "{REQUEST_SQL} WHERE r.caf_id = $1 AND r.status IN ('waiting', 'returned') \
             ORDER BY r.id DESC LIMIT 1"
        ))
        .bind(caf.id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let request = found_from(&row)?.request;
        let pending = match request.step {
            SignOffStep::Assessment => caf.state == CafState::Draft,
            SignOffStep::Plan => caf.state == CafState::AssessmentSignedOff,
            SignOffStep::Closure => caf.state.is_open(),
        };
        Ok((request.status == RequestStatus::Waiting || pending).then_some(request))
    }
}

/// The request, for its sender's line manager or deputy only; anyone else's attempt is
/// audited and refused ("not found" if there is no such request).
async fn decider(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    by: &Attribution,
    id: i64,
    verb: &str,
) -> Result<Result<Found, StoreError>> {
    let row = sqlx::query(&format!("{REQUEST_SQL} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let found = match row {
        Some(row) => found_from(&row)?,
        None => return Ok(Err(StoreError::NotFound)),
    };
    if may_decide(
        actor.user_id,
        found.request.sent_by_id,
        found.line_manager_id,
        found.deputy_id,
    ) {
        return Ok(Ok(found));
    }
    audit::record(
        tx,
        now,
        by,
        AuditEntry::new("sign_off.refused")
            .record("sign_off_request", id)
            .detail(format!(
                "{verb}: not the line manager or deputy of the person who sent it"
            )),
    )
    .await?;
    Ok(Err(StoreError::Denied(
        "only the line manager or deputy of the person who sent it may sign it off",
    )))
}

fn decided_conflict(request: &SignOffRequest) -> StoreError {
    StoreError::Conflict {
        by: request
            .decided_by
            .clone()
            .unwrap_or_else(|| "someone else".into()),
        at: request.decided_at.unwrap_or(request.sent_at),
    }
}

/// Mark a waiting request decided. Of two decisions at once the second finds it no longer
/// waiting (PostgreSQL makes it wait for the first's commit, SQLite for its write lock).
async fn decide(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    request: &SignOffRequest,
    status: RequestStatus,
    comments: Option<&str>,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE caf_sign_off_requests SET status = $1, decided_by = $2, decided_at = $3, comments = $4 \
         WHERE id = $5 AND status = 'waiting'",
    )
    .bind(status.code())
    .bind(actor.user_id)
    .bind(now)
    .bind(comments)
    .bind(request.id)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        let row = sqlx::query(&format!("{REQUEST_SQL} WHERE r.id = $1"))
            .bind(request.id)
            .fetch_one(&mut **tx)
            .await?;
        return Err(decided_conflict(&found_from(&row)?.request));
    }
    Ok(())
}

async fn names_of(tx: &mut Tx, caf_id: i64) -> Result<Vec<String>> {
    Ok(children_of(tx, caf_id)
        .await?
        .into_iter()
        .map(|(_, name)| name)
        .collect())
}
