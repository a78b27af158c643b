//! A whole CAF as a document (`docs/TRANSFER.md`) over the API: its export, a CAF received
//! from another system, and a step-down from children's social care. Every problem with a
//! document is a 422 naming its field by path (`children[0].date_of_birth`), nothing written.
use super::cafs::refused_at;
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use ecaf_domain::access::StartCaf;
use ecaf_domain::caf::transfer::{
    read_caf, read_step_down, FormatProblem, ReceivedSection, CONSENT_AGAIN,
};
use ecaf_store::caf::{indicator_problems, ReceivedCafRow, ReceivedChild};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

fn invalid(problems: Vec<FormatProblem>) -> ApiError {
    ApiError::invalid_fields(problems.into_iter().map(|p| (p.field, p.message)))
}

/// A refusal of the store on a received document: the lead professional about them, a
/// section too long about the sections, anything else (an open CAF, the register) about the
/// children.
fn field_of(why: &str) -> &'static str {
    if why.starts_with("Choose an active practitioner") {
        "lead_professional.user_id"
    } else if why.contains("too long") {
        "sections"
    } else {
        "children"
    }
}

/// Each Parent/Child Indicator the sections cannot store, on its own field, before the
/// store refuses the first.
fn check_indicators(sections: &[ReceivedSection]) -> Result<(), ApiError> {
    let problems: Vec<FieldProblem> = sections
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            indicator_problems(&s.content)
                .into_iter()
                .map(move |p| FieldProblem {
                    field: format!("sections[{i}].content.indicators[{}].{}", p.index, p.part),
                    message: p.message,
                })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// A CAF made from a document or a step-down.
#[derive(Serialize, ToSchema)]
pub struct Received {
    pub caf_id: i64,
    pub reference: String,
    /// Each child: `person_id`, `name`, and `matched` (found on the register, by NHS number
    /// and then by matching) or not (added to it).
    #[schema(value_type = Vec<Object>)]
    pub children: Vec<ReceivedChild>,
    /// What the family must do here next.
    pub consent: &'static str,
}

impl From<ReceivedCafRow> for Received {
    fn from(row: ReceivedCafRow) -> Self {
        Self {
            caf_id: row.caf_id,
            reference: row.reference,
            children: row.children,
            consent: CONSENT_AGAIN,
        }
    }
}

/// The whole CAF as an `ecaf.caf/1` document, for hand-over to another system (see
/// docs/TRANSFER.md). Audited as an export.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/export", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "The document", body = Object),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF, or the caller may not know of it", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let document = state
        .store
        .export_caf(&api.user.actor(), &api.attribution, id)
        .await?;
    Ok(Json(document))
}

/// Start a draft CAF here from an `ecaf.caf/1` document another system exported, with the
/// family's `agreement` to a CAF here added to it. Children are found on the register (by
/// NHS number, then by matching) or added; the sections are pre-filled; the sender's
/// versions, events, team and plan are kept as sent, read-only. Consent to share does not
/// travel.
#[utoipa::path(post, path = "/api/v1/cafs/import", tag = "cafs", request_body = Object,
    responses(
        (status = 201, description = "Received: a draft CAF owned by the caller's agency", body = Received),
        (status = 403, description = "The token's user may not start a CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown format, a missing or wrong field (named by its path), or a child who already has an open CAF here", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn import(
    State(state): State<AppState>,
    api: ApiUser,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Received>), ApiError> {
    let grant = api.authorise::<StartCaf>(&state).await?;
    let document = read_caf(&body, state.store.clock().now().date_naive()).map_err(invalid)?;
    check_indicators(&document.sections)?;
    let received = state
        .store
        .receive_caf(&grant, &api.user.actor(), &api.attribution, &document)
        .await
        .map_err(refused_at(field_of))?;
    Ok((StatusCode::CREATED, Json(received.into())))
}

/// Step a family down from children's social care into early help: the children, what
/// social care assessed (`sections`, pre-filled), the outgoing `social_worker` (name, team,
/// contact, involved_from, involved_to — the step-down date — and summary), the proposed
/// `lead_professional` (a user id here, with the family's and child's views), the `reason`
/// and the family's `agreement`. For the early help team, and practitioners of children's
/// social care.
#[utoipa::path(post, path = "/api/v1/cafs/step-down", tag = "cafs", request_body = Object,
    responses(
        (status = 201, description = "Stepped down: a draft CAF with its lead professional appointed", body = Received),
        (status = 403, description = "Neither in the early help team nor a practitioner of children's social care", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or wrong field (each named by its path), a lead professional who is not an active user, or a child who already has an open CAF here", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn step_down(
    State(state): State<AppState>,
    api: ApiUser,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Received>), ApiError> {
    let grant = api.authorise::<StartCaf>(&state).await?;
    let step_down =
        read_step_down(&body, state.store.clock().now().date_naive()).map_err(invalid)?;
    check_indicators(&step_down.sections)?;
    let received = state
        .store
        .step_down_caf(&grant, &api.user.actor(), &api.attribution, &step_down)
        .await
        .map_err(refused_at(field_of))?;
    Ok((StatusCode::CREATED, Json(received.into())))
}
