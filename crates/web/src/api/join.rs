//! Asking to join a CAF's team around the family, and answering, over the API. The same
//! rules as the pages, each problem on its own field.
use super::cafs::{readable, refused_at};
use super::ApiUser;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use ecaf_domain::caf::join::{
    answer_problems, request_problems, ConsentStanding, JoinAnswer, JoinProblem,
};
use ecaf_store::caf::{CafRead, JoinRequestRow};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn invalid(problems: Vec<JoinProblem>) -> ApiError {
    ApiError::invalid_fields(problems.into_iter().map(|p| (p.field, p.message)))
}

/// Why you need to join.
#[derive(Deserialize, ToSchema)]
pub struct JoinRequestBody {
    pub reason: String,
}

/// One request to join: who asked, from which agency, why, when, and its answer
/// (`status` is `pending`, `accepted` or `declined`; `answer` is why it was declined).
#[derive(Serialize, ToSchema)]
pub struct JoinRequestView {
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub request: JoinRequestRow,
}

/// Requests to join.
#[derive(Serialize, ToSchema)]
pub struct JoinRequestsView {
    #[schema(value_type = Vec<Object>)]
    pub requests: Vec<JoinRequestRow>,
}

/// The caller's requests: those waiting for their answer, and those they made.
#[derive(Serialize, ToSchema)]
pub struct MyJoinRequestsView {
    /// Waiting for your answer, on CAFs you lead (or assess where nobody leads).
    #[schema(value_type = Vec<Object>)]
    pub to_answer: Vec<JoinRequestRow>,
    /// Your own requests, the latest first.
    #[schema(value_type = Vec<Object>)]
    pub asked: Vec<JoinRequestRow>,
}

/// Ask the lead professional (or the assessor) to add you to the team around the family of
/// a CAF you found through the search. Nothing of the CAF is returned.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/join-requests", tag = "cafs",
    request_body = JoinRequestBody,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 201, description = "Asked; the lead professional is mailed", body = JoinRequestView),
        (status = 404, description = "No such CAF, or not one you may know of", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, too long, already asked, already in the team, or the CAF is closed", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn ask(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<JoinRequestBody>,
) -> Result<(StatusCode, Json<JoinRequestView>), ApiError> {
    let problems = request_problems(&body.reason);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let request = state
        .store
        .ask_to_join(&api.user.actor(), &api.attribution, id, &body.reason)
        .await
        .map_err(refused_at(|_| "reason"))?;
    Ok((StatusCode::CREATED, Json(JoinRequestView { request })))
}

/// The requests to join a CAF's team: all of them for someone who reads the CAF, otherwise
/// only the caller's own.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/join-requests", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "The requests, the latest first", body = JoinRequestsView),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<JoinRequestsView>, ApiError> {
    let actor = api.user.actor();
    let requests = match state.store.read_caf(&actor, &api.attribution, id).await? {
        CafRead::Content(caf) => caf.join_requests,
        CafRead::ExistenceOnly(_) => state.store.my_join_requests(&actor, Some(id)).await?,
    };
    Ok(Json(JoinRequestsView { requests }))
}

/// Your requests to answer and the requests you made.
#[utoipa::path(get, path = "/api/v1/join-requests", tag = "cafs",
    responses((status = 200, description = "Waiting for your answer, and your own", body = MyJoinRequestsView)))]
pub async fn mine(
    State(state): State<AppState>,
    api: ApiUser,
) -> Result<Json<MyJoinRequestsView>, ApiError> {
    let actor = api.user.actor();
    Ok(Json(MyJoinRequestsView {
        to_answer: state
            .store
            .join_requests_to_answer(&actor, &api.attribution)
            .await?,
        asked: state.store.my_join_requests(&actor, None).await?,
    }))
}

/// What was answered.
#[derive(Serialize, ToSchema)]
pub struct Answered {
    /// `accepted` or `declined`.
    pub status: String,
}

/// Answer a request to join, as the lead professional or the assessor:
/// `{"decision": "accept", "role": "…", "family": {"agreed": "yes", "on": "YYYY-MM-DD", "how": "…"}}`
/// (`family` is needed only where the consent to share does not name the requester's
/// agency; it then adds it) or `{"decision": "decline", "reason": "…"}` (the requester reads
/// the reason).
#[utoipa::path(post, path = "/api/v1/cafs/{id}/join-requests/{request_id}/answer", tag = "cafs",
    request_body(content = Object, description = "`{\"decision\": \"accept\", \"role\": \"\", \"family\": {\"agreed\": \"yes\", \"on\": \"YYYY-MM-DD\", \"how\": \"…\"}}` or `{\"decision\": \"decline\", \"reason\": \"…\"}`"),
    params(("id" = i64, Path, description = "CAF id"), ("request_id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, description = "Answered; the requester is mailed", body = Answered),
        (status = 403, description = "Only the lead professional or the assessor answers", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF or request", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already answered (by whom, when)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason to decline, no family agreement where it is needed, a future date, or consent withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn answer(
    State(state): State<AppState>,
    api: ApiUser,
    Path((id, request_id)): Path<(i64, i64)>,
    Json(answer): Json<JoinAnswer>,
) -> Result<Json<Answered>, ApiError> {
    // Field by field first; the store checks the same rules again inside its transaction.
    let caf = readable(&state, &api, id).await?;
    let request = caf
        .join_requests
        .iter()
        .find(|r| r.id == request_id)
        .ok_or(ApiError::from(StoreError::NotFound))?;
    // Someone who may not answer is refused (and audited) by the store, whatever they sent.
    let me = Some(api.user.id);
    let answers = caf.assessor_id == me || caf.lead_professional_id == me;
    let problems = answer_problems(
        &answer,
        ConsentStanding::of(&caf.consent, request.agency_id),
        &request.agency,
        state.store.clock().now().date_naive(),
    );
    if answers && !problems.is_empty() {
        return Err(invalid(problems));
    }
    let status = state
        .store
        .answer_join_request(&api.user.actor(), &api.attribution, id, request_id, &answer)
        .await
        .map_err(refused_at(|_| "decision"))?;
    Ok(Json(Answered {
        status: status.code().into(),
    }))
}
