//! The register over the API: search, create (after checking candidates), read, update, and
//! merge a duplicate (and undo it).
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use ecaf_domain::access::{Grant, MergePeople, UseRegister};
use ecaf_domain::matching::MatchQuery;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{change_reason, identity_changes, PersonInput, SearchTerms};
use ecaf_store::merges::{Merge, MergeRequest, SeenRevisions};
use ecaf_store::people::{Person, Submission, SubmissionKey};
use ecaf_store::register::SearchHit;
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const MAX_LIMIT: usize = 50;
/// Candidates at or above this score (or with the same identifier) must be confirmed as not
/// the person before a new record is created.
const CONFIRM_THRESHOLD: f64 = 8.0;

fn problems(errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid(
        errors
            .into_iter()
            .map(|e| FieldProblem {
                field: e.field.into(),
                message: e.message,
            })
            .collect(),
    )
}

/// What the practitioner knows; every field optional, but an NHS number or UPN, or at least two
/// of first name, last name, date of birth, postcode and first line of the address.
#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    given_name: Option<String>,
    family_name: Option<String>,
    /// YYYY-MM-DD
    date_of_birth: Option<String>,
    postcode: Option<String>,
    /// First line of the address, e.g. "4 Mill Lane" (at most 200 characters).
    address_line1: Option<String>,
    /// Town (at most 100 characters); weighs only when a postcode is not given on both sides.
    town: Option<String>,
    nhs_number: Option<String>,
    upn: Option<String>,
    /// At most 50; default 10.
    limit: Option<usize>,
}

/// A candidate: who the person is and whether a CAF exists — never case content.
#[derive(Serialize, ToSchema)]
pub struct Candidate {
    pub id: i64,
    pub external_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub date_of_birth_is_expected: bool,
    pub gender: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    /// Sum of Fellegi–Sunter log₂ weights: above about 15 is strong, below 0 unlikely.
    pub score: f64,
    /// Same NHS number or UPN.
    pub same_identifier: bool,
    /// Plain reasons, e.g. "surname sounds the same; day and month of birth swapped".
    pub explanation: String,
    /// "No CAF recorded", or the CAF's state.
    pub caf_status: String,
    /// Whom to contact about the CAF, if one exists.
    pub caf_contact: Option<String>,
}

impl From<SearchHit> for Candidate {
    fn from(h: SearchHit) -> Self {
        Self {
            id: h.id,
            external_id: h.external_id,
            given_name: h.given_name,
            family_name: h.family_name,
            date_of_birth: h.date_of_birth,
            date_of_birth_is_expected: h.date_of_birth_is_expected,
            gender: h.gender,
            town: h.town,
            postcode: h.postcode,
            score: h.score,
            same_identifier: h.same_identifier,
            explanation: h.explanation,
            caf_status: h.caf.status.to_string(),
            caf_contact: h.caf.contact,
        }
    }
}

fn parse_query(p: &SearchParams) -> Result<MatchQuery, ApiError> {
    let mut errors = vec![];
    let date_of_birth = p
        .date_of_birth
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .and_then(|d| match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new(
                    "date_of_birth",
                    "Date of birth must be a real date in the form YYYY-MM-DD",
                ));
                None
            }
        });
    if p.limit.is_some_and(|l| l == 0 || l > MAX_LIMIT) {
        errors.push(FieldError::new(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    fn field(f: &Option<String>) -> &str {
        f.as_deref().unwrap_or_default()
    }
    SearchTerms {
        given_name: field(&p.given_name),
        family_name: field(&p.family_name),
        postcode: field(&p.postcode),
        address_line1: field(&p.address_line1),
        town: field(&p.town),
        nhs_number: field(&p.nhs_number),
        upn: field(&p.upn),
    }
    .check(date_of_birth, errors)
    .map_err(problems)
}

/// Ranked candidates for a person, with explanations ("Check if a CAF exists").
#[utoipa::path(get, path = "/api/v1/people/search", tag = "people", params(SearchParams),
    responses(
        (status = 200, description = "Candidates, most likely first", body = Vec<Candidate>),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not use the register", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid search values, or too little to rank anyone on (one name alone, a postcode alone): each problem's message says what to add", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn search(
    State(state): State<AppState>,
    api: ApiUser,
    Query(params): Query<SearchParams>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    let grant = api.authorise::<UseRegister>(&state).await?;
    let query = parse_query(&params)?;
    let hits = state
        .store
        .search_people(&grant, &api.attribution, &query, params.limit.unwrap_or(10))
        .await?;
    Ok(Json(hits.into_iter().map(Candidate::from).collect()))
}

/// A new person, as JSON.
#[derive(Deserialize, ToSchema)]
pub struct NewPerson {
    /// The person's details (see `PersonInput`: names, gender, `date_of_birth` YYYY-MM-DD,
    /// `date_of_birth_is_expected`, `nhs_number`, `upn`, `main_address`, `other_addresses`,
    /// `other_names`, …).
    #[schema(value_type = Object)]
    pub person: PersonInput,
    /// Ids of the candidates the caller checked and confirmed are not this person. Required
    /// when the register holds likely matches (otherwise the answer is 409 with them).
    #[serde(default)]
    pub confirmed_not_matching: Vec<i64>,
}

/// A person on the register.
#[derive(Serialize, ToSchema)]
pub struct PersonView {
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub person: Person,
}

/// Likely matches that must be confirmed before creating.
#[derive(Serialize, ToSchema)]
pub struct PossibleMatches {
    pub detail: String,
    pub candidates: Vec<Candidate>,
}

fn today(state: &AppState) -> NaiveDate {
    state
        .store
        .clock()
        .now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// The header that makes adding a person idempotent.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The request's `Idempotency-Key`, if it sent one; a malformed key is a 400.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<SubmissionKey>, ApiError> {
    headers
        .get(IDEMPOTENCY_KEY)
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(SubmissionKey::parse)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "Idempotency-Key must be 1 to {} visible ASCII characters",
                        SubmissionKey::MAX_LEN
                    ))
                })
        })
        .transpose()
}

/// Add a person, after checking the register for them.
///
/// Send an `Idempotency-Key` header (1 to 200 visible ASCII characters, new for each person) to
/// make the request safe to retry: the same key with the same body adds one person however
/// many times, or however many at once, it is sent, and each answer is that person (a repeat
/// also carries `Idempotent-Replayed: true`). A key belongs to the token's owner alone.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = NewPerson,
    params(("Idempotency-Key" = Option<String>, Header, description = "A key new for each person added: a retry with the same key and body adds nobody else and answers with the person the first added.")),
    responses(
        (status = 201, description = "Created (or, for a repeated Idempotency-Key, the person it created, with the header Idempotent-Replayed: true)", body = PersonView),
        (status = 400, description = "Malformed Idempotency-Key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Likely matches exist: confirm them in confirmed_not_matching", body = PossibleMatches),
        (status = 422, description = "Invalid details, or an Idempotency-Key already used with a different body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    api: ApiUser,
    headers: HeaderMap,
    Json(body): Json<NewPerson>,
) -> Result<Response, ApiError> {
    let grant = api.authorise::<UseRegister>(&state).await?;
    let key = idempotency_key(&headers)?;
    let details = body.person.validate(today(&state)).map_err(problems)?;
    let query = MatchQuery::from(&details);
    let likely: Vec<SearchHit> = state
        .store
        .search_people(&grant, &api.attribution, &query, 10)
        .await?
        .into_iter()
        .filter(|h| h.same_identifier || h.score >= CONFIRM_THRESHOLD)
        .collect();
    let unconfirmed: Vec<SearchHit> = likely
        .iter()
        .filter(|h| !body.confirmed_not_matching.contains(&h.id))
        .cloned()
        .collect();
    if !unconfirmed.is_empty() {
        // The candidate may be the person an earlier request with this key added.
        if let Some(key) = &key {
            if let Some(earlier) = state
                .store
                .earlier_submission(&grant, &api.attribution, &details, key)
                .await?
            {
                return submitted(&state, &grant, &api, earlier).await;
            }
        }
        let body = PossibleMatches {
            detail: "The register may already hold this person. Check these candidates; if none is the person, send their ids in confirmed_not_matching.".into(),
            candidates: unconfirmed.into_iter().map(Candidate::from).collect(),
        };
        return Ok((
            StatusCode::CONFLICT,
            Json(serde_json::to_value(body).map_err(|e| ApiError::Internal(e.into()))?),
        )
            .into_response());
    }
    let note = if likely.is_empty() {
        "The search before adding found no possible matches.".to_string()
    } else {
        let ids: Vec<String> = likely.iter().map(|h| h.id.to_string()).collect();
        format!(
            "Possible matches (records {}) were confirmed not to be this person.",
            ids.join(", ")
        )
    };
    let outcome = match &key {
        Some(key) => {
            state
                .store
                .create_person_once(&grant, &api.attribution, &details, &note, key)
                .await?
        }
        None => Submission::Created(
            state
                .store
                .create_person(&grant, &api.attribution, &details, None, &note)
                .await?,
        ),
    };
    submitted(&state, &grant, &api, outcome).await
}

/// The answer to an add: the person it (or an earlier request with its key) added, or 422
/// when the key was used before for other details.
async fn submitted(
    state: &AppState,
    grant: &Grant<UseRegister>,
    api: &ApiUser,
    outcome: Submission,
) -> Result<Response, ApiError> {
    let (id, replayed) = match outcome {
        Submission::Created(id) => (id, false),
        Submission::Repeated(id) => (id, true),
        Submission::KeyReused(id) => {
            return Err(ApiError::Invalid(vec![FieldProblem {
                field: "Idempotency-Key".into(),
                message: format!(
                    "This Idempotency-Key was already used to add a person with other details (record {id}): use a new key for a new person"
                ),
            }]))
        }
    };
    let person = state.store.person(grant, &api.attribution, id).await?;
    let body = Json(
        serde_json::to_value(PersonView { person }).map_err(|e| ApiError::Internal(e.into()))?,
    );
    let mut response = (StatusCode::CREATED, body).into_response();
    if replayed {
        response.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// One person with names, addresses, relationships and merged records.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = i64, Path, description = "Record number")),
    responses(
        (status = 200, description = "The person", body = PersonView),
        (status = 404, description = "No such person", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<PersonView>, ApiError> {
    let grant = api.authorise::<UseRegister>(&state).await?;
    Ok(Json(PersonView {
        person: state.store.person(&grant, &api.attribution, id).await?,
    }))
}

/// New details for a person, with the revision they were based on. Send back the document
/// read with `GET /api/v1/people/{id}`, changed as needed: its read-only fields (`id`,
/// `external_id`, `merged_into_id`, `created_at`, `updated_at`, `updated_by`,
/// `relationships`, `household`, `merged_records`, `names_from_merges`) are ignored. The details may instead be
/// wrapped, as `{"person": {…}, "revision": n}`.
#[derive(Deserialize, ToSchema)]
pub struct PersonUpdate {
    /// The person's details, when wrapped (the same fields as a person read with `GET`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub person: Option<PersonInput>,
    /// The details at the top level of the body, as `GET` shows them.
    #[serde(flatten)]
    #[schema(ignore)]
    pub details: PersonInput,
    /// The `revision` read before editing; a stale one is refused with 409.
    pub revision: i64,
    /// Why the name, date of birth, NHS number or main address changed: required when any of
    /// them does (422 otherwise), at most 1000 characters, kept in the record's history.
    #[serde(default)]
    pub change_reason: Option<String>,
}

/// Replace a person's identifying details (optimistic concurrency on `revision`).
///
/// The body can be the person exactly as `GET` returned them, with the changes made.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", request_body = PersonUpdate,
    params(("id" = i64, Path, description = "Record number")),
    responses(
        (status = 200, description = "Saved", body = PersonView),
        (status = 409, description = "Changed by someone else since `revision`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid details", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<PersonUpdate>,
) -> Result<Json<PersonView>, ApiError> {
    let grant = api.authorise::<UseRegister>(&state).await?;
    let input = body.person.as_ref().unwrap_or(&body.details);
    let details = input.validate(today(&state)).map_err(problems)?;
    // As on the edit page: identifying details changed from the revision read need a reason.
    let before = state
        .store
        .person_at_revision(&grant, id, body.revision)
        .await?;
    let changed = before
        .as_ref()
        .map(|b| identity_changes(b, &details))
        .unwrap_or_default();
    let reason = change_reason(&changed, body.change_reason.as_deref().unwrap_or_default())
        .map_err(|e| problems(vec![e]))?;
    state
        .store
        .update_person(
            &grant,
            &api.attribution,
            id,
            body.revision,
            &details,
            reason.as_deref(),
        )
        .await?;
    Ok(Json(PersonView {
        person: state.store.person(&grant, &api.attribution, id).await?,
    }))
}

/// Merge a duplicate record into the record in the path (the record kept).
#[derive(Deserialize, ToSchema)]
pub struct MergeBody {
    /// The duplicate's record number: it is marked as merged, and its names are found under
    /// the record kept.
    pub duplicate_id: i64,
    /// Why the two records are the same person (1 to 1000 characters), kept in both records'
    /// history.
    pub reason: String,
    /// The kept record's `revision` as the caller compared it; if either revision is sent,
    /// both must be, and a record changed since is refused with 409.
    #[serde(default)]
    pub revision: Option<i64>,
    /// The duplicate's `revision` as the caller compared it.
    #[serde(default)]
    pub duplicate_revision: Option<i64>,
}

/// A merge of a duplicate record into the record kept.
#[derive(Serialize, ToSchema)]
pub struct MergeView {
    /// The merge's id, for undoing it.
    pub id: i64,
    pub kept_id: i64,
    pub kept_name: String,
    pub duplicate_id: i64,
    pub duplicate_name: String,
    pub reason: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// When it was undone; `null` while it stands.
    pub undone_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Merge> for MergeView {
    fn from(m: Merge) -> Self {
        Self {
            id: m.id,
            kept_id: m.kept_id,
            kept_name: m.kept_name,
            duplicate_id: m.merged_id,
            duplicate_name: m.merged_name,
            reason: m.reason,
            at: m.at,
            undone_at: m.undone_at,
        }
    }
}

fn merge_problem(field: &str, message: String) -> ApiError {
    ApiError::Invalid(vec![FieldProblem {
        field: field.into(),
        message,
    }])
}

/// Merge a duplicate into this record, as "This is the same person as…" does on the record's
/// page. Nothing is deleted; undo with `POST /api/v1/people/merges/{merge_id}/undo`.
///
/// Send an `Idempotency-Key` header (as for adding a person) to make a retry safe: the same
/// key with the same body answers with the merge the first request made (with the header
/// `Idempotent-Replayed: true`) instead of refusing the duplicate as already merged.
#[utoipa::path(post, path = "/api/v1/people/{id}/merge", tag = "people", request_body = MergeBody,
    params(("id" = i64, Path, description = "Record number of the record kept"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key new for each merge: a retry with the same key and body merges nothing more and answers with the first request's merge.")),
    responses(
        (status = 201, description = "Merged (or, for a repeated Idempotency-Key, the merge it made, with the header Idempotent-Replayed: true)", body = MergeView),
        (status = 400, description = "Malformed Idempotency-Key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No record with the path's number", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "One of the records changed since the revisions sent", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused, each problem saying why: no reason, a record merged into itself, a record that does not exist or is already merged, an open CAF on both records, or an Idempotency-Key already used for another merge", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not merge records", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn merge(
    State(state): State<AppState>,
    api: ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<MergeBody>,
) -> Result<Response, ApiError> {
    let grant = api.authorise::<MergePeople>(&state).await?;
    let register = api.authorise::<UseRegister>(&state).await?;
    let key = idempotency_key(&headers)?;
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(merge_problem(
            "reason",
            "Enter why the two records are the same person".into(),
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(merge_problem(
            "reason",
            "Reason must be 1000 characters or fewer".into(),
        ));
    }
    let seen = match (body.revision, body.duplicate_revision) {
        (Some(kept), Some(merged)) => Some(SeenRevisions { kept, merged }),
        (None, None) => None,
        _ => {
            return Err(merge_problem(
                "revision",
                "Send both revision and duplicate_revision, or neither".into(),
            ))
        }
    };
    let request = MergeRequest {
        kept_id: id,
        merged_id: body.duplicate_id,
        reason,
        seen,
        key: key.as_ref(),
    };
    let (merge_id, replayed) = match state
        .store
        .merge_people(&grant, &api.attribution, &request)
        .await
    {
        Ok(Submission::Created(merge_id)) => (merge_id, false),
        Ok(Submission::Repeated(merge_id)) => (merge_id, true),
        Ok(Submission::KeyReused(merge_id)) => {
            return Err(merge_problem(
                "Idempotency-Key",
                format!("This Idempotency-Key was already used for another merge (merge {merge_id}): use a new key for a new merge"),
            ))
        }
        Err(StoreError::Refused(why)) => return Err(merge_problem("duplicate_id", why)),
        Err(err) => return Err(err.into()),
    };
    let view = MergeView::from(state.store.merge(&register, merge_id).await?);
    let body = Json(serde_json::to_value(view).map_err(|e| ApiError::Internal(e.into()))?);
    let mut response = (StatusCode::CREATED, body).into_response();
    if replayed {
        response.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// Undo a merge: the duplicate stands on its own again, with its names.
#[utoipa::path(post, path = "/api/v1/people/merges/{merge_id}/undo", tag = "people",
    params(("merge_id" = i64, Path, description = "The merge's id (`id` in the merge's answer)")),
    responses(
        (status = 200, description = "Undone: the merge, with undone_at", body = MergeView),
        (status = 404, description = "No such merge", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The merge was already undone", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not merge records", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn undo_merge(
    State(state): State<AppState>,
    api: ApiUser,
    Path(merge_id): Path<i64>,
) -> Result<Json<MergeView>, ApiError> {
    let grant = api.authorise::<MergePeople>(&state).await?;
    let register = api.authorise::<UseRegister>(&state).await?;
    match state
        .store
        .undo_merge(&grant, &api.attribution, merge_id)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Refused(why)) => return Err(ApiError::Conflict(why)),
        Err(err) => return Err(err.into()),
    }
    Ok(Json(MergeView::from(
        state.store.merge(&register, merge_id).await?,
    )))
}
