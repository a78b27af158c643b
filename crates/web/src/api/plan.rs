//! The action plan over the API: list a CAF's actions (overdue ones flagged), add one (every
//! problem a 422 on its own field, nothing saved), update an action's status from its
//! revision, and agree the plan with its next review date.
use super::cafs::readable;
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::plan::{is_overdue, too_many, ActionStatus, NewAction, Owner, StatusChange};
use ecaf_store::caf::{ActionRow, CONSENT_FIRST};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn invalid(problems: Vec<ecaf_domain::caf::plan::Problem>) -> ApiError {
    ApiError::invalid_fields(problems.into_iter().map(|p| (p.field, p.message)))
}

fn refused(field: impl Fn(&str) -> &'static str) -> impl Fn(StoreError) -> ApiError {
    move |err| match err {
        StoreError::Refused(why) => ApiError::Invalid(vec![FieldProblem {
            field: field(&why).into(),
            message: why,
        }]),
        other => other.into(),
    }
}

/// One action on the plan.
#[derive(Serialize, ToSchema)]
pub struct ActionView {
    pub id: i64,
    pub what: String,
    /// `{"kind": "team_member", "member_id": 3}`, `{"kind": "child", "person_id": 12}` or
    /// `{"kind": "parent_or_carer", "name": "…"}`.
    #[schema(value_type = Object)]
    pub owner: Owner,
    /// Who, in words.
    pub owner_label: String,
    /// The owner's agency, for a team member with one.
    pub agency_id: Option<i64>,
    pub due_on: NaiveDate,
    pub waiting_list: String,
    pub outcome: String,
    /// `not_started`, `in_progress`, `done` or `not_done`.
    #[schema(value_type = String)]
    pub status: ActionStatus,
    pub not_done_reason: String,
    /// Past its date and neither done nor not done.
    pub overdue: bool,
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

impl ActionView {
    fn new(a: ActionRow, today: NaiveDate) -> Self {
        Self {
            overdue: is_overdue(a.due_on, a.status, today),
            id: a.id,
            what: a.what,
            owner: a.owner,
            owner_label: a.owner_label,
            agency_id: a.agency_id,
            due_on: a.due_on,
            waiting_list: a.waiting_list,
            outcome: a.outcome,
            status: a.status,
            not_done_reason: a.not_done_reason,
            revision: a.revision,
            updated_at: a.updated_at,
            updated_by: a.updated_by,
        }
    }
}

/// The plan: its actions, and its next review once agreed.
#[derive(Serialize, ToSchema)]
pub struct PlanView {
    pub actions: Vec<ActionView>,
    /// More than six actions: is this too much for the family at once?
    pub too_many: bool,
    pub next_review_on: Option<NaiveDate>,
    /// The CAF's state code (`plan_in_place` once agreed).
    pub state: String,
    /// The CAF's revision, for agreeing the plan.
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ActionSaved {
    pub id: i64,
    pub revision: i64,
}

/// A new action.
#[derive(Deserialize, ToSchema)]
pub struct ActionRequest {
    pub what: String,
    /// As in [`ActionView`]`.owner`; a team member must be in the team around the family.
    #[schema(value_type = Object)]
    pub owner: Option<Owner>,
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub waiting_list: String,
    pub outcome: String,
}

/// A change of an action's status.
#[derive(Deserialize, ToSchema)]
pub struct ActionStatusRequest {
    /// `not_started`, `in_progress`, `done` or `not_done` (with a `reason`).
    pub status: String,
    #[serde(default)]
    pub reason: String,
    /// The action's revision you read.
    pub revision: i64,
}

/// Agreeing the plan.
#[derive(Deserialize, ToSchema)]
pub struct AgreePlanRequest {
    /// After today and within 13 weeks; 6 weeks on is usual.
    pub review_on: NaiveDate,
    /// The CAF's revision you read.
    pub revision: i64,
}

fn today(state: &AppState) -> NaiveDate {
    state.store.clock().now().date_naive()
}

/// A CAF's action plan.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/actions", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "The plan", body = PlanView),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF, or the caller may not know of it", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<PlanView>, ApiError> {
    let caf = *readable(&state, &api, id).await?;
    let today = today(&state);
    Ok(Json(PlanView {
        too_many: too_many(caf.actions.len()),
        actions: caf
            .actions
            .into_iter()
            .map(|a| ActionView::new(a, today))
            .collect(),
        next_review_on: caf.next_review_on,
        state: caf.state.code().into(),
        revision: caf.revision,
    }))
}

/// Add an action to the plan (the assessor or the lead professional).
#[utoipa::path(post, path = "/api/v1/cafs/{id}/actions", tag = "cafs", request_body = ActionRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 201, description = "Added, with its event in the CAF's history", body = ActionSaved),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No owner, no date or a past one, no outcome, only “refer to…”, an owner not on the CAF, an owner's agency the consent to share does not name (update consent first), or an assessment not yet signed off; each in `errors`", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn add(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<ActionRequest>,
) -> Result<(StatusCode, Json<ActionSaved>), ApiError> {
    let action = NewAction {
        what: body.what,
        owner: body.owner,
        due_on: body.due_on,
        waiting_list: body.waiting_list,
        outcome: body.outcome,
    };
    let problems = action.problems(today(&state));
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let id = state
        .store
        .add_caf_action(&api.user.actor(), &api.attribution, id, &action)
        .await
        .map_err(refused(|why| {
            if why.starts_with(CONSENT_FIRST) || why.contains("Select") {
                "owner"
            } else {
                "what"
            }
        }))?;
    Ok((StatusCode::CREATED, Json(ActionSaved { id, revision: 1 })))
}

/// Update an action's status: by its owner (a member of the team around the family with an
/// account), or by the assessor or the lead professional.
#[utoipa::path(put, path = "/api/v1/cafs/{id}/actions/{action_id}", tag = "cafs", request_body = ActionStatusRequest,
    params(("id" = i64, Path, description = "CAF id"), ("action_id" = i64, Path, description = "Action id")),
    responses(
        (status = 200, description = "Updated", body = ActionSaved),
        (status = 403, description = "Neither the action's owner nor a writer of the CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF or action", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed by someone else since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown status, or not done without a reason", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    api: ApiUser,
    Path((id, action_id)): Path<(i64, i64)>,
    Json(body): Json<ActionStatusRequest>,
) -> Result<Json<ActionSaved>, ApiError> {
    let Some(status) = ActionStatus::parse(&body.status) else {
        return Err(ApiError::Invalid(vec![FieldProblem {
            field: "status".into(),
            message: "status must be not_started, in_progress, done or not_done".into(),
        }]));
    };
    let change = StatusChange {
        status,
        reason: body.reason,
    };
    let problems = change.problems();
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let revision = state
        .store
        .update_caf_action_status(
            &api.user.actor(),
            &api.attribution,
            id,
            action_id,
            body.revision,
            &change,
        )
        .await
        .map_err(refused(|_| "status"))?;
    Ok(Json(ActionSaved {
        id: action_id,
        revision,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PlanAgreed {
    pub state: String,
    pub next_review_on: NaiveDate,
}

/// Agree the plan with the family today: the CAF moves to "plan in place" and its review is
/// scheduled.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/plan/agree", tag = "cafs", request_body = AgreePlanRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "Agreed", body = PlanAgreed),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A review date not after today or more than 13 weeks away, no actions, or a CAF not signed off (or already with a plan)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn agree(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<AgreePlanRequest>,
) -> Result<Json<PlanAgreed>, ApiError> {
    state
        .store
        .agree_caf_plan(
            &api.user.actor(),
            &api.attribution,
            id,
            body.revision,
            body.review_on,
        )
        .await
        .map_err(refused(|why| {
            if why.contains("review date") {
                "review_on"
            } else {
                "revision"
            }
        }))?;
    Ok(Json(PlanAgreed {
        state: CafState::PlanInPlace.code().into(),
        next_review_on: body.review_on,
    }))
}
