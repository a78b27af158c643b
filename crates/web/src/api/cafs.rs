//! CAFs over the API: start one with the family's agreement, read it (content, or only that
//! it exists for someone without need to know), save a section with its revision, record
//! and withdraw consent, sign off, list versions, and a child's chronology. The store decides
//! per record and audits; a refusal of the rules is a 422 naming the field.
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::pages::caf::summary::{compare as compare_sections, SectionChange, Side};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use ecaf_domain::access::{StartCaf, UseRegister};
use ecaf_domain::caf::consent::{Agreement, SharingConsent, Withdrawal};
use ecaf_domain::caf::form::{section, SectionStatus, SECTIONS};
use ecaf_store::caf::{
    indicator_problems, CafContent, CafEventRow, CafRead, NewCaf, OwnerChange, VersionRow,
};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// One field problem, as a 422.
/// A 422 on one field.
pub(super) fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid_fields([(field, message.into())])
}

/// A refusal of the rules becomes a 422 on the field it is about; anything else keeps its
/// own status (403, 404, 409).
pub(super) fn refused_at(field: impl Fn(&str) -> &'static str) -> impl Fn(StoreError) -> ApiError {
    move |err| match err {
        StoreError::Refused(why) => invalid(field(&why), why),
        other => other.into(),
    }
}

/// The CAF's content for the caller, or 403 for someone who may only know it exists (the
/// read is audited by the store either way).
pub(super) async fn readable(
    state: &AppState,
    api: &ApiUser,
    id: i64,
) -> Result<Box<CafContent>, ApiError> {
    match state
        .store
        .read_caf(&api.user.actor(), &api.attribution, id)
        .await?
    {
        CafRead::Content(caf) => Ok(caf),
        CafRead::ExistenceOnly(_) => {
            Err(StoreError::Denied("no need to know: only that the CAF exists").into())
        }
    }
}

/// A CAF to start. `agreement` is the family's agreement to the CAF, required before anything
/// of the assessment exists.
#[derive(Deserialize, ToSchema)]
pub struct StartCafRequest {
    /// Register record numbers of the child, or of siblings for a family CAF.
    pub children: Vec<i64>,
    /// `{"given_by": {"kind": "parent_or_carer" | "young_person", "name": "…"}, "on": "YYYY-MM-DD", "may_contact_agencies": true}`
    #[schema(value_type = Object)]
    pub agreement: Option<Agreement>,
}

/// A CAF as the caller may see it: `access` is `content` (with `caf`) or `existence_only`
/// (with `existence`: state, since when, owning agency and whom to contact, and `imported`,
/// true for a CAF recorded in the previous system, which is existence only for everyone —
/// never content).
#[derive(Serialize, ToSchema)]
pub struct CafView {
    pub access: &'static str,
    #[schema(value_type = Object)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caf: Option<Value>,
    #[schema(value_type = Object)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existence: Option<Value>,
}

impl CafView {
    pub(super) fn from_read(read: CafRead) -> Result<Self, ApiError> {
        let internal = |e: serde_json::Error| ApiError::Internal(e.into());
        Ok(match read {
            CafRead::Content(caf) => CafView {
                access: "content",
                caf: Some(serde_json::to_value(&*caf).map_err(internal)?),
                existence: None,
            },
            CafRead::ExistenceOnly(existence) => CafView {
                access: "existence_only",
                caf: None,
                existence: Some(serde_json::to_value(&existence).map_err(internal)?),
            },
        })
    }
}

/// A section to save.
#[derive(Deserialize, ToSchema)]
pub struct SectionSave {
    /// For a per-child section, the child it is about.
    pub child_id: Option<i64>,
    /// The section's revision you started from; omit for a section not yet saved.
    pub revision: Option<i64>,
    /// `in_progress` or `complete`.
    pub status: String,
    /// The answers. The priorities section's `indicators` are `[{"need": "…", "score": 1..5}]`.
    #[schema(value_type = Object)]
    pub content: Value,
}

#[derive(Serialize, ToSchema)]
pub struct Saved {
    /// The section's new revision: send it with the next save.
    pub revision: i64,
}

/// Each Parent/Child Indicator problem on its own field, before the store refuses the first.
fn check_indicators(content: &Value) -> Result<(), ApiError> {
    let problems: Vec<FieldProblem> = indicator_problems(content)
        .into_iter()
        .map(|p| FieldProblem {
            field: format!("content.indicators[{}].{}", p.index, p.part),
            message: p.message,
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SignOff {
    /// The CAF's `revision` as read.
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SignedOff {
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Withdrawn {
    /// When the practitioner recorded a risk of significant harm: what to do now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safeguarding: Option<&'static str>,
}

/// What to do at once when a child may be at risk of significant harm.
const SAFEGUARDING: &str = "Make a safeguarding referral to children's social care now, through the local safeguarding referral route; do not wait for anything in this service.";

#[derive(Serialize, ToSchema)]
pub struct Version {
    pub number: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: Option<String>,
    pub reason: String,
    /// The CAF as it was.
    #[schema(value_type = Object)]
    pub snapshot: Value,
}

impl From<VersionRow> for Version {
    fn from(v: VersionRow) -> Self {
        Self {
            number: v.number,
            at: v.at,
            by: v.by,
            reason: v.reason,
            snapshot: v.snapshot,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChronologyEvent {
    pub caf_id: i64,
    pub caf_reference: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub occurred_on: Option<chrono::NaiveDate>,
    pub by: Option<String>,
    pub kind: String,
    pub summary: String,
}

impl From<CafEventRow> for ChronologyEvent {
    fn from(e: CafEventRow) -> Self {
        Self {
            caf_id: e.caf_id,
            caf_reference: e.caf_reference,
            at: e.at,
            occurred_on: e.occurred_on,
            by: e.by,
            kind: e.kind,
            summary: e.summary,
        }
    }
}

/// Start a CAF with the family's agreement; the caller becomes its assessor.
#[utoipa::path(post, path = "/api/v1/cafs", tag = "cafs", request_body = StartCafRequest,
    responses(
        (status = 201, description = "Started", body = CafView),
        (status = 403, description = "The token's user may not start a CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such child on the register", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No agreement, or it or the children are not valid (a child with an open CAF)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn start(
    State(state): State<AppState>,
    api: ApiUser,
    Json(body): Json<StartCafRequest>,
) -> Result<(StatusCode, Json<CafView>), ApiError> {
    let grant = api.authorise::<StartCaf>(&state).await?;
    let agreement = body.agreement.ok_or_else(|| {
        invalid(
            "agreement",
            "Record the family's agreement to the CAF before anything of the assessment",
        )
    })?;
    let actor = api.user.actor();
    let id = state
        .store
        .start_caf(
            &grant,
            &actor,
            &api.attribution,
            &NewCaf {
                children: body.children,
                agreement,
            },
        )
        .await
        .map_err(refused_at(|why| {
            if why.contains("name") && why.contains("agreed") {
                "agreement.given_by.name"
            } else if why.contains("date") {
                "agreement.on"
            } else {
                "children"
            }
        }))?;
    let read = state.store.read_caf(&actor, &api.attribution, id).await?;
    Ok((StatusCode::CREATED, Json(CafView::from_read(read)?)))
}

/// A CAF: its content for someone with need to know, otherwise only that it exists.
#[utoipa::path(get, path = "/api/v1/cafs/{id}", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "The CAF, or that it exists", body = CafView),
        (status = 404, description = "No such CAF, or the caller may not know of it", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<CafView>, ApiError> {
    let read = state
        .store
        .read_caf(&api.user.actor(), &api.attribution, id)
        .await?;
    Ok(Json(CafView::from_read(read)?))
}

/// Save one section, on its own, from the revision you read.
#[utoipa::path(put, path = "/api/v1/cafs/{id}/sections/{key}", tag = "cafs", request_body = SectionSave,
    params(("id" = i64, Path, description = "CAF id"), ("key" = String, Path, description = "Section key, as in the CAF's task list (for example `priorities`)")),
    responses(
        (status = 200, description = "Saved", body = Saved),
        (status = 403, description = "No need to know, or may not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF or section", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed by someone else since `revision`: names who and when", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A Parent/Child Indicator outside 1–5, content after consent was withdrawn, too long, or the wrong child", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn save_section(
    State(state): State<AppState>,
    api: ApiUser,
    Path((id, key)): Path<(i64, String)>,
    Json(body): Json<SectionSave>,
) -> Result<Json<Saved>, ApiError> {
    section(&key).ok_or(ApiError::NotFound)?;
    let status = match SectionStatus::parse(&body.status) {
        Some(s @ (SectionStatus::InProgress | SectionStatus::Complete)) => s,
        _ => return Err(invalid("status", "status must be in_progress or complete")),
    };
    if !body.content.is_object() {
        return Err(invalid("content", "content must be an object of answers"));
    }
    check_indicators(&body.content)?;
    let revision = state
        .store
        .save_caf_section(
            &api.user.actor(),
            &api.attribution,
            id,
            &key,
            body.child_id,
            body.revision,
            status,
            &body.content,
        )
        .await
        .map_err(refused_at(|why| {
            if why.contains("child") || why.contains("family") {
                "child_id"
            } else {
                "content"
            }
        }))?;
    Ok(Json(Saved { revision }))
}

/// Record the family's consent to store and share with the named agencies (at least every
/// agency on the plan).
#[utoipa::path(post, path = "/api/v1/cafs/{id}/consent", tag = "cafs",
    request_body(content = Object, description = "`{\"given_by\": [{\"kind\": \"parent_or_carer\", \"name\": \"…\"}], \"on\": \"YYYY-MM-DD\", \"signed_copy_kept\": \"…\", \"agencies\": [1, 2]}`"),
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An agency on the plan missing, nobody named, no signed copy, an unknown agency or a future date", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_consent(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(consent): Json<SharingConsent>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .record_sharing_consent(&api.user.actor(), &api.attribution, id, &consent)
        .await
        .map_err(refused_at(|why| {
            if why.contains("agenc") {
                "agencies"
            } else if why.contains("signed copy") {
                "signed_copy_kept"
            } else if why.contains("date") {
                "on"
            } else {
                "given_by"
            }
        }))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record that the family withdrew consent, with the decision on significant harm.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/consent/withdrawal", tag = "cafs",
    request_body(content = Object, description = "`{\"on\": \"YYYY-MM-DD\", \"reason_code\": \"needs_met\", \"explanation\": \"…\", \"harm_decision\": {\"risk_of_significant_harm\": false, \"reasoning\": \"…\"}}`"),
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "Recorded; with `safeguarding` when a risk of significant harm was recorded", body = Withdrawn),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No listed reason, no explanation for Other, no reasoning on harm, or already withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(withdrawal): Json<Withdrawal>,
) -> Result<Json<Withdrawn>, ApiError> {
    state
        .store
        .withdraw_caf_consent(&api.user.actor(), &api.attribution, id, &withdrawal)
        .await
        .map_err(refused_at(|why| {
            if why.contains("reason from the list") {
                "reason_code"
            } else if why.contains("Explain") {
                "explanation"
            } else if why.contains("harm") {
                "harm_decision.reasoning"
            } else {
                "on"
            }
        }))?;
    Ok(Json(Withdrawn {
        safeguarding: withdrawal
            .harm_decision
            .risk_of_significant_harm
            .then_some(SAFEGUARDING),
    }))
}

/// Sign off the assessment, freezing version 1. Refused while a required section is not
/// complete: each is named in `errors`.
#[utoipa::path(post, path = "/api/v1/cafs/{id}/sign-off", tag = "cafs", request_body = SignOff,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "Signed off", body = SignedOff),
        (status = 403, description = "May not sign it off", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Required sections not complete (each in `errors` as `sections.{key}`), or already signed off", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_off(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<SignOff>,
) -> Result<Json<SignedOff>, ApiError> {
    match state
        .store
        .sign_off_caf(&api.user.actor(), &api.attribution, id, body.revision)
        .await
    {
        Ok(version) => Ok(Json(SignedOff { version })),
        Err(StoreError::Refused(why)) => {
            // The store names the sections still to complete by title.
            let missing: Vec<FieldProblem> = SECTIONS
                .iter()
                .filter(|s| why.contains(s.title))
                .map(|s| FieldProblem {
                    field: format!("sections.{}", s.key),
                    message: format!("Complete “{}”", s.title),
                })
                .collect();
            Err(if missing.is_empty() {
                invalid("revision", why)
            } else {
                ApiError::Invalid(missing)
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// The frozen versions of a CAF, oldest first, each as it was.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/versions", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 200, description = "Versions", body = Vec<Version>),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF, or the caller may not know of it", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn versions(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Version>>, ApiError> {
    let versions = state
        .store
        .caf_versions(&api.user.actor(), &api.attribution, id)
        .await?;
    Ok(Json(versions.into_iter().map(Version::from).collect()))
}

/// A child's chronology: the significant events of every CAF of theirs the caller may read.
#[utoipa::path(get, path = "/api/v1/people/{id}/chronology", tag = "cafs",
    params(("id" = i64, Path, description = "Register record number")),
    responses(
        (status = 200, description = "Events, oldest first", body = Vec<ChronologyEvent>),
        (status = 403, description = "The token's user may not use the register", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn chronology(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ChronologyEvent>>, ApiError> {
    api.authorise::<UseRegister>(&state).await?;
    let events = state
        .store
        .chronology(&api.user.actor(), &api.attribution, id)
        .await?;
    Ok(Json(
        events.into_iter().map(ChronologyEvent::from).collect(),
    ))
}

/// Which two versions to compare: a version number, or `now` for the CAF as it is now.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct CompareParams {
    /// The earlier side: a version number, or `now`.
    pub from: Option<String>,
    /// The later side: a version number, or `now`.
    pub to: Option<String>,
}

/// What changed between two versions, section by section.
#[derive(Serialize, ToSchema)]
pub struct Comparison {
    pub from: String,
    pub to: String,
    /// Only the sections with a changed answer or status, in the form's order.
    pub sections: Vec<SectionChange>,
}

/// Compare two versions of a CAF (or a version with the CAF as it is now), section by
/// section, answer by answer, as the form reads them.
#[utoipa::path(get, path = "/api/v1/cafs/{id}/versions/compare", tag = "cafs",
    params(("id" = i64, Path, description = "CAF id"), CompareParams),
    responses(
        (status = 200, description = "What changed", body = Comparison),
        (status = 403, description = "No need to know: only that the CAF exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF, or the caller may not know of it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` or `to` is not a version of this CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn compare(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Query(params): Query<CompareParams>,
) -> Result<Json<Comparison>, ApiError> {
    let actor = api.user.actor();
    let versions = state
        .store
        .caf_versions(&actor, &api.attribution, id)
        .await?;
    let now = readable(&state, &api, id).await?;
    let side = |field: &'static str, given: &Option<String>| {
        Side::parse(given.as_deref().unwrap_or_default())
            .and_then(|s| s.content(&versions, &now).map(|c| (s, c)))
            .ok_or_else(|| {
                FieldProblem {
                    field: field.into(),
                    message: if versions.is_empty() {
                        "There is nothing to compare yet: version 1 is made when the assessment is signed off".into()
                    } else {
                        format!(
                            "Give a version number from 1 to {}, or now",
                            versions.len()
                        )
                    },
                }
            })
    };
    match (side("from", &params.from), side("to", &params.to)) {
        (Ok((from, before)), Ok((to, after))) => Ok(Json(Comparison {
            from: from.code(),
            to: to.code(),
            sections: compare_sections(&before, &after),
        })),
        (from, to) => Err(ApiError::Invalid(
            [from.err(), to.err()].into_iter().flatten().collect(),
        )),
    }
}

/// A change of the agency that owns a CAF.
#[derive(Deserialize, ToSchema)]
pub struct OwnerChangeRequest {
    /// The agency that will own it.
    pub agency_id: i64,
    /// From when (`YYYY-MM-DD`, today or earlier).
    #[schema(value_type = String, format = Date)]
    pub on: chrono::NaiveDate,
    pub reason: String,
    /// The CAF's revision you started from.
    pub revision: i64,
}

/// Hand the CAF to another agency, dated and with a reason (an event in the chronology).
#[utoipa::path(post, path = "/api/v1/cafs/{id}/owner", tag = "cafs",
    request_body = OwnerChangeRequest,
    params(("id" = i64, Path, description = "CAF id")),
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "May not change it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such CAF", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAF changed since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, a future date, an unknown or inactive agency, the current owner, or a closed CAF", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_owner(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<OwnerChangeRequest>,
) -> Result<StatusCode, ApiError> {
    let change = OwnerChange {
        agency_id: body.agency_id,
        on: body.on,
        reason: body.reason,
        expected_revision: body.revision,
    };
    state
        .store
        .change_caf_owner(&api.user.actor(), &api.attribution, id, &change)
        .await
        .map_err(refused_at(|why| {
            if why.contains("date") {
                "on"
            } else if why.contains("reason") || why.contains("Say why") {
                "reason"
            } else if why.contains("closed") {
                "revision"
            } else {
                "agency_id"
            }
        }))?;
    Ok(StatusCode::NO_CONTENT)
}
