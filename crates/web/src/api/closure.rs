//! Closing a CAF over the API (every problem a 422 on its own field, nothing changed), and
//! starting a new CAF after a closed one with the family's fresh agreement.
use super::cafs::CafView;
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use ecaf_domain::access::StartCaf;
use ecaf_domain::caf::closure::Closure;
use ecaf_domain::caf::consent::Agreement;
use ecaf_domain::text::sentence_start;
use ecaf_store::StoreError;
use serde::Deserialize;
use utoipa::ToSchema;

/// A closure. Omitted text is empty, and refused as such.
#[derive(Deserialize, ToSchema)]
pub struct CloseRequest {
    /// A reason from the wording the CAF was started with (`outcomes_achieved`,
    /// `no_longer_relevant`, `moved_out_of_area`, `adult_services`, `stepped_up`,
    /// `consent_withdrawn`, `no_services`, `other` unless the service changed them).
    #[serde(default)]
    pub reason: String,
    /// Required for `other`.
    #[serde(default)]
    pub explanation: String,
    /// The closing summary, listing the actions that carry on (up to 10,000 characters).
    #[serde(default)]
    pub summary: String,
    /// `YYYY-MM-DD`: today or earlier, not before the CAF opened.
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<NaiveDate>,
    /// The CAF's `revision` as read.
    pub revision: Option<i64>,
}

/// A new CAF after a closed one.
#[derive(Deserialize, ToSchema)]
pub struct ReopenRequest {
    /// The family's agreement to the new CAF, as when starting one.
    #[schema(value_type = Object)]
    pub agreement: Option<Agreement>,
}

fn invalid(field: &str, message: &str) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        message: message.into(),
    }
}

/// Close a CAF from any open state; it is read-only from then on.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/close", tag = "cafs", request_body = CloseRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "Closed: the CAF as it now is", body = CafView),
        (status = 403, description = "May not change it (not its assessor or lead professional, or already closed)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason or one not in the CAF's wording, no explanation for other, no summary or one too long, no date, a future date or one before it opened", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn close(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<CloseRequest>,
) -> Result<Json<CafView>, ApiError> {
    let (Some(on), Some(revision)) = (body.closed_on, body.revision) else {
        let mut problems = vec![];
        if body.closed_on.is_none() {
            problems.push(invalid("closed_on", "Enter the date of closure"));
        }
        if body.revision.is_none() {
            problems.push(invalid(
                "revision",
                "Send the CAF's revision as you read it",
            ));
        }
        return Err(ApiError::Invalid(problems));
    };
    let closure = Closure {
        reason_code: body.reason,
        explanation: body.explanation,
        summary: body.summary,
        on,
    };
    let actor = api.user.actor();
    let closed = state
        .store
        .close_caf(&actor, &api.attribution, id, &closure, revision)
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => ApiError::Invalid(vec![invalid("revision", &why)]),
            other => other.into(),
        })?;
    if let Err(problems) = closed {
        return Err(ApiError::Invalid(
            problems
                .into_iter()
                .map(|p| invalid(p.field(), &sentence_start(&p.to_string())))
                .collect(),
        ));
    }
    let read = state.store.read_caf(&actor, &api.attribution, id).await?;
    Ok(Json(CafView::from_read(read)?))
}

/// Start a new CAF for the children of a closed one, linked to it (`episode.follows`).
#[utoipa::path(post, path = "/api/v1/cafs/{id}/reopen", tag = "cafs", request_body = ReopenRequest,
    params(("id" = i64, Path, description = "The closed CAF's id")),
    responses(
        (status = 201, description = "The new CAF", body = CafView),
        (status = 403, description = "May not start a CAF, or has no need to know of this one", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No agreement or it is not valid, the CAF is still open, another CAF already follows it, or a child has an open CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn reopen(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<ReopenRequest>,
) -> Result<(StatusCode, Json<CafView>), ApiError> {
    let grant = api.authorise::<StartCaf>(&state).await?;
    let agreement = body.agreement.ok_or_else(|| {
        ApiError::Invalid(vec![invalid(
            "agreement",
            "Record the family's agreement to the new CAF",
        )])
    })?;
    let actor = api.user.actor();
    let next = state
        .store
        .reopen_caf(&grant, &actor, &api.attribution, id, &agreement)
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => {
                let field = if why.contains("name") && why.contains("agreed") {
                    "agreement.given_by.name"
                } else if why.contains("date") {
                    "agreement.on"
                } else {
                    "id"
                };
                ApiError::Invalid(vec![invalid(field, &why)])
            }
            other => other.into(),
        })?;
    let read = state.store.read_caf(&actor, &api.attribution, next).await?;
    Ok((StatusCode::CREATED, Json(CafView::from_read(read)?)))
}
