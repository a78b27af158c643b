//! Decisions to share without consent, or not to share, over the API: record one (each
//! problem a 422 on its own field, nothing saved) and list a CAF's decisions.
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::caf::consent::SharingDecision;
use ecaf_store::caf::SharingDecisionRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A decision to record.
#[derive(Deserialize, ToSchema)]
pub struct SharingDecisionRequest {
    /// `true` for a share without consent, `false` for a decision not to share.
    pub shared: bool,
    /// A basis from the wording the CAF was started with: `significant_harm`,
    /// `prevent_harm`, `serious_crime` or `duty_to_share` unless the service changed them.
    pub basis_code: String,
    /// What was decided and why.
    pub reasoning: String,
    /// The agencies shared with: required when `shared`, empty otherwise. Their practitioners
    /// read the CAF from then on.
    #[serde(default)]
    pub with_agencies: Vec<i64>,
    pub decided_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct SharingDecisionRecorded {
    pub id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SharedAgency {
    pub id: i64,
    pub name: String,
}

/// A recorded decision.
#[derive(Serialize, ToSchema)]
pub struct SharingDecisionView {
    pub id: i64,
    pub shared: bool,
    pub basis_code: String,
    /// The basis in words.
    pub basis: String,
    pub reasoning: String,
    pub decided_on: NaiveDate,
    pub decided_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub agencies: Vec<SharedAgency>,
}

impl From<SharingDecisionRow> for SharingDecisionView {
    fn from(d: SharingDecisionRow) -> Self {
        Self {
            id: d.id,
            shared: d.shared,
            basis_code: d.basis_code,
            basis: d.basis,
            reasoning: d.reasoning,
            decided_on: d.decided_on,
            decided_by: d.decided_by,
            recorded_at: d.recorded_at,
            agencies: d
                .agencies
                .into_iter()
                .map(|(id, name)| SharedAgency { id, name })
                .collect(),
        }
    }
}

/// Record a decision to share information without consent under an exception, or not to
/// share. Make any safeguarding referral first: recording never waits for it, nor it for this.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/sharing-decisions", tag = "cafs", request_body = SharingDecisionRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 201, description = "Recorded, with its event in the chronology", body = SharingDecisionRecorded),
        (status = 403, description = "May not change it (only the assessor and the lead professional decide)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A basis not on the list, no reasoning, no agencies for a share (or some for a decision not to share), an unknown agency or a future date; each in `errors`", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<SharingDecisionRequest>,
) -> Result<(StatusCode, Json<SharingDecisionRecorded>), ApiError> {
    let decision = SharingDecision {
        shared: body.shared,
        basis_code: body.basis_code,
        reasoning: body.reasoning,
        with_agencies: body.with_agencies.into_iter().collect(),
        decided_on: body.decided_on,
    };
    // The store checks the decision against the wording the CAF was started with, and that
    // each agency is active, and answers every problem at once.
    match state
        .store
        .record_sharing_decision(&api.user.actor(), &api.attribution, id, &decision)
        .await?
    {
        Ok(id) => Ok((StatusCode::CREATED, Json(SharingDecisionRecorded { id }))),
        Err(problems) => Err(ApiError::Invalid(
            problems
                .iter()
                .map(|p| FieldProblem {
                    field: p.field().into(),
                    message: ecaf_domain::text::sentence_start(&p.to_string()),
                })
                .collect(),
        )),
    }
}

/// A CAF's decisions to share without consent, or not to share, oldest first.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/sharing-decisions", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "Decisions", body = Vec<SharingDecisionView>),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF, or the caller may not know of it", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SharingDecisionView>>, ApiError> {
    let decisions = state
        .store
        .sharing_decisions(&api.user.actor(), &api.attribution, id)
        .await?;
    Ok(Json(
        decisions
            .into_iter()
            .map(SharingDecisionView::from)
            .collect(),
    ))
}
