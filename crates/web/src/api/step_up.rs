//! Stepping a CAF up, and the receiving service's confirmation that it has taken over (which
//! closes it), over the API: the same rules as the pages, each problem on its own field.
use super::cafs::{readable, refused_at};
use super::ApiUser;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use ecaf_domain::caf::step_up::{Referral, StepUpProblem, Takeover};
use serde::Deserialize;
use utoipa::ToSchema;

fn invalid(problems: Vec<StepUpProblem>) -> ApiError {
    ApiError::invalid_fields(problems.into_iter().map(|p| (p.field, p.message)))
}

#[derive(Deserialize, ToSchema)]
pub struct StepUpRequest {
    /// `{"service": "childrens_social_care" | "youth_justice" | "camhs" | "tier4_mental_health", "referred_on": "YYYY-MM-DD", "to_whom": "…", "why": "…", "with_consent": true}`
    #[schema(value_type = Object)]
    pub referral: Referral,
    /// The CAF's revision you started from.
    pub revision: i64,
}

/// Step the CAF up (from its plan or a review): the telephone referral, whose written
/// follow-up is due within 48 hours. Without consent, a decision to share without it must
/// be recorded first.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/step-up", tag = "cafs",
    request_body = StepUpRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 204, description = "Stepped up; open until the service confirms it has taken over"),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or unknown field, a future date, not from a plan or review, or no recorded exception without consent", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn step_up(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<StepUpRequest>,
) -> Result<StatusCode, ApiError> {
    let problems = body
        .referral
        .problems(state.store.clock().now().date_naive());
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    state
        .store
        .step_up_caf(
            &api.user.actor(),
            &api.attribution,
            id,
            body.revision,
            &body.referral,
        )
        .await
        .map_err(refused_at(|_| "referral"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TakeoverRequest {
    /// `{"confirmed_on": "YYYY-MM-DD", "confirmed_by": "…", "notes": "…"}`
    #[schema(value_type = Object)]
    pub takeover: Takeover,
    pub revision: i64,
}

/// The service a CAF was stepped up to confirmed it has taken over: the CAF closes with the
/// step-up reason.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/takeover", tag = "cafs",
    request_body = TakeoverRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 204, description = "Taken over and closed"),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not stepped up, before the referral, in the future, or nobody named", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn takeover(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<TakeoverRequest>,
) -> Result<StatusCode, ApiError> {
    let actor = api.user.actor();
    let caf = readable(&state, &api, id).await?;
    if let Some(step_up) = &caf.step_up {
        let problems = body.takeover.problems(
            step_up.referral.referred_on,
            state.store.clock().now().date_naive(),
        );
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
    }
    state
        .store
        .confirm_takeover(&actor, &api.attribution, id, body.revision, &body.takeover)
        .await
        .map_err(refused_at(|_| "takeover"))?;
    Ok(StatusCode::NO_CONTENT)
}
