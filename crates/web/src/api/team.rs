//! The lead professional and the team around the family over the API: read them, record the
//! decision about the lead professional, add a member (with or without an account), and
//! record that a member left. The same rules as the pages, each problem on its own field.
use super::cafs::{readable, refused_at};
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use ecaf_domain::caf::meeting::Meeting;
use ecaf_domain::caf::team::{LeadDecision, NewMember, TeamProblem};
use ecaf_store::caf::{MeetingRow, TeamMemberRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The lead professional and the team.
#[derive(Serialize, ToSchema)]
pub struct TeamView {
    /// `appointed`, `none_needed_yet`, `at_the_meeting` or `not_decided`.
    pub lead_status: String,
    pub lead_professional: Option<String>,
    /// Present members first, then those who left (with `left_on`).
    #[schema(value_type = Vec<Object>)]
    pub members: Vec<TeamMemberRow>,
    /// Meetings, the latest first.
    #[schema(value_type = Vec<Object>)]
    pub meetings: Vec<MeetingRow>,
}

fn invalid(problems: Vec<TeamProblem>) -> ApiError {
    ApiError::invalid_fields(problems.into_iter().map(|p| (p.field, p.message)))
}

fn today(state: &AppState) -> NaiveDate {
    state.store.clock().now().date_naive()
}

/// The lead professional and the team around the family of a CAF.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/team", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "The lead professional and the team", body = TeamView),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<TeamView>, ApiError> {
    let caf = *readable(&state, &api, id).await?;
    Ok(Json(TeamView {
        lead_status: caf.lead_status,
        lead_professional: caf.lead_professional,
        members: caf.team,
        meetings: caf.meetings,
    }))
}

/// The decision about the lead professional.
#[derive(Deserialize, ToSchema)]
pub struct LeadRequest {
    /// `{"kind": "appointed", "user_id": 12}`, `{"kind": "none_needed_yet"}` or `{"kind": "at_the_meeting"}`.
    #[schema(value_type = Object)]
    pub choice: ecaf_domain::caf::team::LeadChoice,
    #[schema(value_type = String, format = Date)]
    pub on: NaiveDate,
    /// Required when someone is already lead professional.
    #[serde(default)]
    pub reason: String,
    pub family_view: String,
    pub child_view: String,
    /// The CAF's revision you started from.
    pub revision: i64,
}

/// Appoint or change the lead professional (with a reason), or record that none is needed
/// yet or that the team meeting will choose; the family's and child's views are required.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/lead-professional", tag = "cafs",
    request_body = LeadRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing view, no reason for a change, a future date, or not an active practitioner", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide_lead(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<LeadRequest>,
) -> Result<StatusCode, ApiError> {
    let decision = LeadDecision {
        choice: body.choice,
        on: body.on,
        reason: body.reason,
        family_view: body.family_view,
        child_view: body.child_view,
    };
    let actor = api.user.actor();
    // Field by field first; the store checks the same rules again inside its transaction.
    let has_lead = readable(&state, &api, id)
        .await?
        .lead_professional
        .is_some();
    let problems = decision.problems(has_lead, today(&state));
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    state
        .store
        .decide_lead_professional(&actor, &api.attribution, id, body.revision, &decision)
        .await
        .map_err(refused_at(|_| "choice"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MemberAdded {
    pub member_id: i64,
}

/// Add someone to the team: `user_id` for a user of the service, or `name`, `agency_name`,
/// `role` and `contact` for someone without an account (not both); `joined_on`.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/team", tag = "cafs",
    request_body(content = Object, description = "`{\"user_id\": 12, \"joined_on\": \"YYYY-MM-DD\"}` or `{\"name\": \"…\", \"agency_name\": \"…\", \"role\": \"…\", \"contact\": \"…\", \"joined_on\": \"YYYY-MM-DD\"}`"),
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 201, description = "Added; a user of the service reads the CAF from now", body = MemberAdded),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both kinds of member, missing details, a future date, or already in the team", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_member(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(member): Json<NewMember>,
) -> Result<(StatusCode, Json<MemberAdded>), ApiError> {
    let problems = member.problems(today(&state));
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let member_id = state
        .store
        .add_team_member(&api.user.actor(), &api.attribution, id, &member)
        .await
        .map_err(refused_at(|_| "user_id"))?;
    Ok((StatusCode::CREATED, Json(MemberAdded { member_id })))
}

#[derive(Deserialize, ToSchema)]
pub struct LeaveRequest {
    #[schema(value_type = String, format = Date)]
    pub left_on: NaiveDate,
}

/// Record that a member left the team; they no longer read the CAF as a member.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/team/{member_id}/leave", tag = "cafs",
    request_body = LeaveRequest,
    params(("id" = i64, Path, description = "CAF id"), ("member_id" = i64, Path, description = "Team member id")),
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF or member", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Before they joined, in the future, or already left", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn leave(
    State(state): State<AppState>,
    api: ApiUser,
    Path((id, member_id)): Path<(i64, i64)>,
    Json(body): Json<LeaveRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .team_member_leaves(
            &api.user.actor(),
            &api.attribution,
            id,
            member_id,
            body.left_on,
        )
        .await
        .map_err(refused_at(|_| "left_on"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MeetingRecorded {
    pub meeting_id: i64,
}

/// Record a meeting of the team around the family: `kind` (`team_meeting`, `review`,
/// `family_network`, `other_agency`), `held_on`, `attendees` (`[{"name", "agency"}]`, at
/// least one), `reports` sent instead (`[{"from", "agency", "text"}]`) and `notes`.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/meetings", tag = "cafs",
    request_body(content = Object, description = "`{\"kind\": \"team_meeting\", \"held_on\": \"YYYY-MM-DD\", \"attendees\": [{\"name\": \"…\", \"agency\": \"…\"}], \"reports\": [], \"notes\": \"…\"}`"),
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 201, description = "Recorded; a significant event in the chronology", body = MeetingRecorded),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown kind, a future date, nobody there, or a row missing its name, agency or text", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_meeting(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(meeting): Json<Meeting>,
) -> Result<(StatusCode, Json<MeetingRecorded>), ApiError> {
    let problems = meeting.problems(today(&state));
    if !problems.is_empty() {
        return Err(ApiError::Invalid(
            problems
                .into_iter()
                .map(|p| FieldProblem {
                    field: json_field(&p.field),
                    message: p.message,
                })
                .collect(),
        ));
    }
    let meeting_id = state
        .store
        .record_meeting(&api.user.actor(), &api.attribution, id, &meeting)
        .await
        .map_err(refused_at(|_| "kind"))?;
    Ok((StatusCode::CREATED, Json(MeetingRecorded { meeting_id })))
}

/// A meeting problem's page field (`attendee_name-2`) as the JSON names it (`attendees[1].name`).
fn json_field(field: &str) -> String {
    let Some((name, n)) = field.rsplit_once('-') else {
        return field.to_string();
    };
    let index = n.parse::<usize>().unwrap_or(1).saturating_sub(1);
    match name.split_once('_') {
        _ if name == "held_on" => "held_on".into(),
        Some(("attendee", part)) => format!("attendees[{index}].{part}"),
        Some(("report", part)) => format!("reports[{index}].{part}"),
        _ => field.to_string(),
    }
}
