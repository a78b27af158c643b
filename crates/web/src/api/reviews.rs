//! Reviews and distance travelled over the API: a CAF's reviews, recording one (every problem
//! a 422 on its own field, nothing saved), and each Parent/Child Indicator's scores from the
//! start through every review.
use super::cafs::{readable, refused_at};
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use ecaf_domain::caf::distance::Series;
use ecaf_domain::caf::meeting::Attendee;
use ecaf_domain::caf::plan::MAX_REVIEW_WEEKS;
use ecaf_domain::caf::review::{ActionProgress, ConsentCheck, Decision, Rescore, Review};
use ecaf_store::caf::ReviewRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A review as recorded.
#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    pub number: i64,
    pub held_on: NaiveDate,
    /// The CAF version it froze.
    pub version: i64,
    /// The review as in [`ReviewRequest`] (without `revision`).
    #[schema(value_type = Object)]
    pub review: Review,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub recorded_by: Option<String>,
}

impl From<ReviewRow> for ReviewView {
    fn from(r: ReviewRow) -> Self {
        Self {
            number: r.number,
            held_on: r.held_on,
            version: r.version,
            review: r.review,
            recorded_at: r.recorded_at,
            recorded_by: r.recorded_by,
        }
    }
}

/// A CAF's reviews, oldest first, with the CAF's revision and next review.
#[derive(Serialize, ToSchema)]
pub struct ReviewsView {
    pub reviews: Vec<ReviewView>,
    pub next_review_on: Option<NaiveDate>,
    /// The CAF's state code (`plan_in_place`, `under_review` after a decision to step up or
    /// close until that is recorded).
    pub state: String,
    /// The CAF's revision, for recording the next review.
    pub revision: i64,
    /// The indicators as they stand: every one must be scored again at the next review.
    pub indicators: Vec<IndicatorNow>,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorNow {
    pub need: String,
    pub score: i64,
}

/// A CAF's reviews.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/reviews", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "The reviews", body = ReviewsView),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ReviewsView>, ApiError> {
    let caf = readable(&state, &api, id).await?;
    let indicators = caf
        .current_indicators()
        .into_iter()
        .map(|(need, score)| IndicatorNow { need, score })
        .collect();
    let caf = *caf;
    Ok(Json(ReviewsView {
        reviews: caf.reviews.into_iter().map(ReviewView::from).collect(),
        next_review_on: caf.next_review_on,
        state: caf.state.code().into(),
        revision: caf.revision,
        indicators,
    }))
}

/// A review to record.
#[derive(Deserialize, ToSchema)]
pub struct ReviewRequest {
    /// Today or before, and not before the plan was agreed or last reviewed.
    pub held_on: NaiveDate,
    /// `review_meeting`, `other_meeting` or `informal`.
    pub setting: String,
    /// Who chaired it (usually the lead professional).
    pub chair: String,
    /// `[{"name": "…", "agency": "…"}]`: agency, or relationship to the child.
    #[schema(value_type = Vec<Object>)]
    pub present: Vec<Attendee>,
    /// Have the actions been undertaken? `yes`, `some` or `no`.
    pub undertaken: String,
    /// `[{"action_id": 3, "progress": "…"}]`, for actions on this CAF's plan.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub progress: Vec<ActionProgress>,
    /// How things have improved, or not.
    pub improvements: String,
    /// `[{"need": "…", "score": 1..5}]`: every current indicator again, and any new one.
    #[schema(value_type = Vec<Object>)]
    pub scores: Vec<Rescore>,
    /// `{"resought": "yes", "agencies": [1, 4]}` (consent renewed with these agencies, access
    /// following at once) or `{"resought": "no", "why": "…"}`.
    #[schema(value_type = Object)]
    pub consent: ConsentCheck,
    pub family_view: String,
    /// The child's view, or why they could not give one.
    pub child_view: String,
    /// Was the family offered the feedback questionnaire?
    pub feedback_offered: Option<bool>,
    /// `continue` (with `next_review_on`), `step_up` or `close`.
    pub decision: Option<String>,
    /// After today, and no more than 13 weeks after `held_on`.
    pub next_review_on: Option<NaiveDate>,
    /// The CAF's revision you read.
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewRecordedView {
    pub number: i64,
    /// The CAF version the review froze.
    pub version: i64,
    /// `continue`, `step_up` or `close`; after the last two the CAF stays `under_review`
    /// until the step up (`POST …/step-up`) or closure (`POST …/close`) is recorded.
    pub decision: String,
}

/// A review problem's page field (`pci_score-2`) as the JSON names it (`scores[1].score`).
fn json_field(field: &str, progress: &[ActionProgress]) -> String {
    let Some((name, n)) = field.rsplit_once('-') else {
        return match field {
            "consent_why" => "consent.why".into(),
            other => other.into(),
        };
    };
    let index = n.parse::<usize>().unwrap_or(1).saturating_sub(1);
    match name {
        "held_on" | "next_review_on" => name.into(),
        "attendee_name" => format!("present[{index}].name"),
        "attendee_agency" => format!("present[{index}].agency"),
        "pci_need" => format!("scores[{index}].need"),
        "pci_score" => format!("scores[{index}].score"),
        "progress" => {
            let at = progress
                .iter()
                .position(|p| p.action_id.to_string() == n)
                .unwrap_or_default();
            format!("progress[{at}].progress")
        }
        _ => field.into(),
    }
}

/// Record a review of the plan. It re-scores the indicators, renews consent when it was
/// asked again, freezes the next CAF version and, on `continue`, schedules the next review.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/reviews", tag = "cafs", request_body = ReviewRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 201, description = "Recorded; a significant event in the chronology and a new version", body = ReviewRecordedView),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date in the future or before the last review, a next review in the past or beyond 13 weeks, nobody present, an indicator not scored again or scored outside 1–5, an unknown decision, a consent that leaves out an agency with an action, or a CAF without an agreed plan; each in `errors`", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<ReviewRequest>,
) -> Result<(StatusCode, Json<ReviewRecordedView>), ApiError> {
    let decision = match body.decision.as_deref() {
        None => None,
        Some(code) => Some(Decision::parse(code).ok_or_else(|| {
            ApiError::Invalid(vec![FieldProblem {
                field: "decision".into(),
                message: "decision must be continue, step_up or close".into(),
            }])
        })?),
    };
    let review = Review {
        held_on: body.held_on,
        setting: body.setting,
        chair: body.chair.trim().into(),
        present: body.present,
        undertaken: body.undertaken,
        progress: body.progress,
        improvements: body.improvements.trim().into(),
        scores: body.scores,
        consent: body.consent,
        family_view: body.family_view.trim().into(),
        child_view: body.child_view.trim().into(),
        feedback_offered: body.feedback_offered,
        decision,
        next_review_on: body.next_review_on,
    };
    let caf = readable(&state, &api, id).await?;
    let today = state.store.clock().now().date_naive();
    let since = caf.reviewed_since().unwrap_or(NaiveDate::MIN);
    let problems = review.problems(today, since, MAX_REVIEW_WEEKS);
    if !problems.is_empty() {
        return Err(ApiError::Invalid(
            problems
                .into_iter()
                .map(|p| FieldProblem {
                    field: json_field(&p.field, &review.progress),
                    message: p.message,
                })
                .collect(),
        ));
    }
    let done = state
        .store
        .record_caf_review(
            &api.user.actor(),
            &api.attribution,
            id,
            body.revision,
            &review,
        )
        .await
        .map_err(refused_at(|why| {
            if why.contains("consent") {
                "consent"
            } else if why.starts_with("Score") {
                "scores"
            } else if why.starts_with("Action") {
                "progress"
            } else {
                "revision"
            }
        }))?;
    Ok((
        StatusCode::CREATED,
        Json(ReviewRecordedView {
            number: done.number,
            version: done.version,
            decision: done.decision.code().into(),
        }),
    ))
}

/// Distance travelled: each indicator's scores from the start (version 1) through every
/// review, one per point, `null` where a need was not scored.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/distance-travelled", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "`{\"points\": [{\"label\": \"Start\", \"on\": \"YYYY-MM-DD\", \"version\": 1}, …], \"indicators\": [{\"need\": \"…\", \"scores\": [4, 3, null]}]}`; empty before sign-off", body = Object),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn distance(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Series>, ApiError> {
    Ok(Json(readable(&state, &api, id).await?.distance))
}
