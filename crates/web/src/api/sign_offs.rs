//! Manager sign-off over the API: the practitioner sends a step for sign-off, their line
//! manager or deputy reads the queue and approves (the step takes effect) or returns it with
//! comments. Problems are 422s on their fields; a decision already taken is a 409.
use super::cafs::{invalid, readable};
use super::ApiUser;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::caf::closure::Closure;
use ecaf_domain::caf::sign_off::{SignOffAsked, SignOffStep};
use ecaf_domain::text::sentence_start;
use ecaf_store::caf::SignOffRequest;
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A request for a manager's sign-off.
#[derive(Serialize, ToSchema)]
pub struct SignOffView {
    pub id: i64,
    pub caf_id: i64,
    pub caf_reference: String,
    /// `assessment`, `plan` or `closure`.
    pub step: String,
    /// `waiting`, `approved`, `returned` or `withdrawn` (the CAF closed meanwhile).
    pub status: String,
    /// What takes effect on approval: `{"step": "plan", "review_on": "YYYY-MM-DD"}`, or
    /// `{"step": "closure", "closure": {"reason_code", "explanation", "summary", "on"}}`.
    #[schema(value_type = Object)]
    pub asked: SignOffAsked,
    pub sent_by: String,
    pub sent_at: DateTime<Utc>,
    /// Who may decide it: the sender's line manager and deputy.
    pub managers: Vec<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The manager's comments on a return.
    pub comments: Option<String>,
    /// The children's names, only for someone who may read the CAF.
    pub children: Option<Vec<String>>,
}

impl From<SignOffRequest> for SignOffView {
    fn from(r: SignOffRequest) -> Self {
        Self {
            id: r.id,
            caf_id: r.caf_id,
            caf_reference: r.caf_reference,
            step: r.step.code().into(),
            status: r.status.code().into(),
            asked: r.asked,
            sent_by: r.sent_by,
            sent_at: r.sent_at,
            managers: r.managers,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            comments: r.comments,
            children: r.children,
        }
    }
}

/// Send a step for sign-off. `plan` needs `review_on`; `closure` needs the closure's fields,
/// as `POST /cafs/{id}/close` takes them.
#[derive(Deserialize, ToSchema)]
pub struct SignOffSend {
    /// `assessment`, `plan` or `closure`.
    #[serde(default)]
    pub step: String,
    /// The CAF's `revision` as read.
    pub revision: Option<i64>,
    /// For the plan: `YYYY-MM-DD`, its first review.
    #[schema(value_type = Option<String>, format = Date)]
    pub review_on: Option<NaiveDate>,
    /// For closure: a reason from the CAF's wording.
    #[serde(default)]
    pub reason: String,
    /// For closure: required for `other`.
    #[serde(default)]
    pub explanation: String,
    /// For closure: the closing summary.
    #[serde(default)]
    pub summary: String,
    /// For closure: `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<NaiveDate>,
}

/// A return for changes.
#[derive(Deserialize, ToSchema)]
pub struct SignOffReturn {
    /// What needs to change (required, up to 2,000 characters).
    #[serde(default)]
    pub comments: String,
}

fn closure_problems(problems: Vec<ecaf_domain::caf::closure::ClosureError>) -> ApiError {
    ApiError::invalid_fields(
        problems
            .into_iter()
            .map(|p| (p.field(), sentence_start(&p.to_string()))),
    )
}

/// The requests waiting for the caller's sign-off, the longest waiting first.
#[utoipa::path(get, path = "/api/v1/sign-offs", tag = "sign-offs",
    responses((status = 200, description = "Waiting for the caller's sign-off", body = [SignOffView])))]
pub async fn queue(
    State(state): State<AppState>,
    api: ApiUser,
) -> Result<Json<Vec<SignOffView>>, ApiError> {
    let queue = state
        .store
        .sign_off_queue(&api.user.actor(), &api.attribution)
        .await?;
    Ok(Json(queue.into_iter().map(SignOffView::from).collect()))
}

/// One request, for the sender's line manager or deputy.
#[utoipa::path(get, path = "/api/v1/sign-offs/{id}", tag = "sign-offs",
    params(("id" = i64, Path, description = "Sign-off request id")),
    responses(
        (status = 200, description = "The request", body = SignOffView),
        (status = 403, description = "Not the sender's line manager or deputy (audited)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<SignOffView>, ApiError> {
    let request = state
        .store
        .sign_off_request(&api.user.actor(), &api.attribution, id)
        .await?;
    Ok(Json(request.into()))
}

/// What waits for sign-off on a CAF, or what was last returned (until it is sent again).
#[utoipa::path(get, path = "/api/v1/cafs/{id}/sign-off-requests", tag = "sign-offs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "The request waiting or last returned, or null", body = Option<SignOffView>),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn current(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Option<SignOffView>>, ApiError> {
    let caf = readable(&state, &api, id).await?;
    let request = state.store.sign_off_of(&caf).await?;
    Ok(Json(request.map(SignOffView::from)))
}

/// Send the assessment, the plan or the closure to the caller's line manager and deputy for
/// sign-off, where the area switched it on. The step's own rules are checked first, as if it
/// were taken now; it takes effect only when approved.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/sign-off-requests", tag = "sign-offs", request_body = SignOffSend,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 201, description = "Sent: the request", body = SignOffView),
        (status = 403, description = "May not change the CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such step, sign-off of it not switched on, already waiting, no line manager or deputy to send it to, or the step's own problems (sections incomplete, no actions, a bad review date, a closure's fields)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn send(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<SignOffSend>,
) -> Result<(StatusCode, Json<SignOffView>), ApiError> {
    let Some(step) = SignOffStep::parse(body.step.trim()) else {
        return Err(invalid(
            "step",
            "Send the step: assessment, plan or closure",
        ));
    };
    let Some(revision) = body.revision else {
        return Err(invalid(
            "revision",
            "Send the CAF's revision as you read it",
        ));
    };
    let asked = match step {
        SignOffStep::Assessment => SignOffAsked::Assessment,
        SignOffStep::Plan => SignOffAsked::Plan {
            review_on: body
                .review_on
                .ok_or_else(|| invalid("review_on", "Enter the date of the review"))?,
        },
        SignOffStep::Closure => SignOffAsked::Closure {
            closure: Closure {
                reason_code: body.reason,
                explanation: body.explanation,
                summary: body.summary,
                on: body
                    .closed_on
                    .ok_or_else(|| invalid("closed_on", "Enter the date of closure"))?,
            },
        },
    };
    let actor = api.user.actor();
    let sent = state
        .store
        .request_sign_off(&actor, &api.attribution, id, revision, &asked)
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => {
                let field = if why.contains("review date") {
                    "review_on"
                } else if step == SignOffStep::Assessment && why.contains("Complete") {
                    "sections"
                } else {
                    "step"
                };
                invalid(field, why)
            }
            other => other.into(),
        })?;
    sent.map_err(closure_problems)?;
    let caf = readable(&state, &api, id).await?;
    let request = state
        .store
        .sign_off_of(&caf)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(request.into())))
}

/// Approve a request: the step takes effect now, as sent.
#[utoipa::path(post, path = "/api/v1/sign-offs/{id}/approve", tag = "sign-offs",
    params(("id" = i64, Path, description = "Sign-off request id")),
    responses(
        (status = 200, description = "Approved: the request as it now is", body = SignOffView),
        (status = 403, description = "Not the sender's line manager or deputy (audited), or may not read the CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided (approved or returned by someone else first)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The step can no longer be taken as sent (for example its review date has passed)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<SignOffView>, ApiError> {
    let actor = api.user.actor();
    state
        .store
        .approve_sign_off(&actor, &api.attribution, id)
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => invalid("id", why),
            StoreError::Conflict { by, at } => {
                ApiError::Conflict(format!("This was already decided by {by} at {at}"))
            }
            other => other.into(),
        })?
        .map_err(closure_problems)?;
    let request = state
        .store
        .sign_off_request(&actor, &api.attribution, id)
        .await?;
    Ok(Json(request.into()))
}

/// Return a request with comments: the sender is emailed at once and reads them on the CAF.
#[utoipa::path(post, path = "/api/v1/sign-offs/{id}/return", tag = "sign-offs", request_body = SignOffReturn,
    params(("id" = i64, Path, description = "Sign-off request id")),
    responses(
        (status = 200, description = "Returned: the request as it now is", body = SignOffView),
        (status = 403, description = "Not the sender's line manager or deputy (audited), or may not read the CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided (approved or returned by someone else first)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No comments, or comments too long", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn return_with_comments(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<SignOffReturn>,
) -> Result<Json<SignOffView>, ApiError> {
    let actor = api.user.actor();
    state
        .store
        .return_sign_off(&actor, &api.attribution, id, &body.comments)
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => invalid("comments", why),
            StoreError::Conflict { by, at } => {
                ApiError::Conflict(format!("This was already decided by {by} at {at}"))
            }
            other => other.into(),
        })?;
    let request = state
        .store
        .sign_off_request(&actor, &api.attribution, id)
        .await?;
    Ok(Json(request.into()))
}
