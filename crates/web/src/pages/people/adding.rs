//! Adding a person, after the duplicate check. The add form (empty, or filled in with what was
//! searched for) posts the details; when the register holds people who may be the same, the
//! details are held (`Store::hold_form`) and the practitioner is sent to a question page of its
//! own, "Is this the person you are adding?", one radio per candidate and "None of these". It
//! is a GET page, so opening a candidate's record and coming Back loses nothing that was typed.
use super::form::{form_page, FormPage, PersonForm};
use super::search::{described, held_search};
use super::{today, Register, CANDIDATE_LIMIT, CONFIRM_THRESHOLD};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::matching::MatchQuery;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::PersonDetails;
use ecaf_store::people::{HeldForm, Submission, SubmissionKey};
use ecaf_store::register::SearchHit;
use serde::Deserialize;

fn new_page(key: SubmissionKey) -> FormPage {
    FormPage {
        heading: "Add a person to the register".into(),
        caption: None,
        action: "/people/new".into(),
        back: "/people/search".into(),
        submit_text: "Add to the register",
        submission_key: Some(key),
    }
}

/// Where the add form's contents come from.
#[derive(Deserialize, Default)]
pub struct Prefill {
    /// A held search ("add them to the register" from its results).
    search: Option<String>,
    /// Details held for the duplicate check ("Change the details" from the question page).
    draft: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    register: Register,
    Query(prefill): Query<Prefill>,
) -> Result<Html<String>, PageError> {
    let mut form = PersonForm::default();
    if let Some(key) = &prefill.search {
        if let Some(search) = held_search(
            &state,
            &register.grant,
            &register.signed_in.visitor.attribution(),
            key,
        )
        .await?
        {
            form = search.into();
        }
    } else if let Some(key) = &prefill.draft {
        if let Some(draft) = held_draft(&state, &register, key).await? {
            form = draft;
        }
    }
    // Changing a held draft keeps its key: it is still the same add form.
    let key = SubmissionKey::parse(&form.submission_key).unwrap_or_else(SubmissionKey::generate);
    form_page(
        &state,
        &register.signed_in,
        new_page(key),
        &form,
        vec![],
        None,
    )
}

pub(super) fn details_query(details: &PersonDetails) -> MatchQuery {
    MatchQuery::from(details)
}

/// The people already on the register who may be this person: a family should not end up with
/// two records.
async fn candidates(
    state: &AppState,
    register: &Register,
    details: &PersonDetails,
) -> Result<Vec<SearchHit>, PageError> {
    Ok(state
        .store
        .search_people(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            &details_query(details),
            CANDIDATE_LIMIT,
        )
        .await?
        .into_iter()
        .filter(|h| h.same_identifier || h.score >= CONFIRM_THRESHOLD)
        .collect())
}

fn submission_key(form: &PersonForm) -> Result<SubmissionKey, PageError> {
    SubmissionKey::parse(&form.submission_key).ok_or_else(|| {
        PageError::BadRequest(
            "The form was missing its submission key. Go back, reload the page and try again."
                .into(),
        )
    })
}

/// The add form again, with its errors.
fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    form: &PersonForm,
    key: SubmissionKey,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let page = form_page(state, signed_in, new_page(key), form, errors, None)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    register: Register,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let signed_in = &register.signed_in;
    let key = submission_key(&form)?;
    let details = match form.input().validate(today(&state)) {
        Ok(d) => d,
        Err(errors) => return refused(&state, signed_in, &form, key, errors),
    };
    let hits = candidates(&state, &register, &details).await?;
    let attribution = signed_in.visitor.attribution();
    if hits.is_empty() {
        let note = "The search before adding found no possible matches.";
        let outcome = state
            .store
            .create_person_once(&register.grant, &attribution, &details, note, &key)
            .await?;
        return submitted(&state, signed_in, &form, outcome);
    }
    // The candidate may be the person this very form added a moment ago (a second click,
    // a resent request): then go where the first submission went.
    if let Some(earlier) = state
        .store
        .earlier_submission(&register.grant, &attribution, &details, &key)
        .await?
    {
        return submitted(&state, signed_in, &form, earlier);
    }
    let fields = serde_json::to_string(&form).map_err(|e| PageError::Internal(e.into()))?;
    let held = state
        .store
        .hold_form(&register.grant, &attribution, HeldForm::Add, &fields)
        .await?;
    Ok(Redirect::to(&format!("/people/new/{held}/check")).into_response())
}

async fn held_draft(
    state: &AppState,
    register: &Register,
    key: &str,
) -> Result<Option<PersonForm>, PageError> {
    let held = state
        .store
        .held_form(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            HeldForm::Add,
            key,
        )
        .await?;
    Ok(held.and_then(|fields| serde_json::from_str(&fields).ok()))
}

/// The answer to "Is this the person you are adding?".
#[derive(Deserialize, Default)]
pub struct CheckForm {
    #[serde(default)]
    answer: String,
    /// The candidates the question showed, so an answer to an older list is not taken.
    #[serde(default)]
    candidates_shown: String,
}

/// A held draft whose details are valid, or the page to show instead: the add form with its
/// errors, or with a note that the draft has gone.
enum Draft {
    Ready(Box<(PersonForm, PersonDetails)>),
    Instead(Response),
}

async fn ready_draft(state: &AppState, register: &Register, key: &str) -> Result<Draft, PageError> {
    let signed_in = &register.signed_in;
    let Some(form) = held_draft(state, register, key).await? else {
        let gone =
            "Those details are no longer held (they are kept for 30 minutes). Enter them again.";
        let page = form_page(
            state,
            signed_in,
            new_page(SubmissionKey::generate()),
            &PersonForm::default(),
            vec![],
            Some(gone.into()),
        )?;
        return Ok(Draft::Instead(page.into_response()));
    };
    let key = submission_key(&form)?;
    match form.input().validate(today(state)) {
        Ok(details) => Ok(Draft::Ready(Box::new((form, details)))),
        Err(errors) => Ok(Draft::Instead(refused(
            state, signed_in, &form, key, errors,
        )?)),
    }
}

fn ids(hits: &[SearchHit]) -> String {
    hits.iter()
        .map(|h| h.id.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn check_page(
    state: &AppState,
    register: &Register,
    key: &str,
    details: &PersonDetails,
    hits: &[SearchHit],
    errors: Vec<FieldError>,
) -> Result<Html<String>, PageError> {
    let ctx = minijinja::context! {
        key => key,
        adding => described(&details_query(details)),
        hits => hits,
        candidate_ids => ids(hits),
        errors => errors,
    };
    render(
        state,
        &register.signed_in.visitor,
        "/people",
        "people/check.html",
        "Is this the person you are adding?",
        ctx,
    )
}

pub async fn check(
    State(state): State<AppState>,
    register: Register,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let (_, details) = match ready_draft(&state, &register, &key).await? {
        Draft::Ready(ready) => *ready,
        Draft::Instead(page) => return Ok(page),
    };
    let hits = candidates(&state, &register, &details).await?;
    Ok(check_page(&state, &register, &key, &details, &hits, vec![])?.into_response())
}

pub async fn answer(
    State(state): State<AppState>,
    register: Register,
    Path(key): Path<String>,
    Form(check): Form<CheckForm>,
) -> Result<Response, PageError> {
    let (form, details) = match ready_draft(&state, &register, &key).await? {
        Draft::Ready(ready) => *ready,
        Draft::Instead(page) => return Ok(page),
    };
    let hits = candidates(&state, &register, &details).await?;
    // Sent again (a double click, a retrying proxy) after it added the person: the list now
    // holds that very person, so go where the first answer went before comparing lists. The
    // list is read first: any addition it shows is then seen here too.
    let attribution = register.signed_in.visitor.attribution();
    let submission = submission_key(&form)?;
    if let Some(earlier) = state
        .store
        .earlier_submission(&register.grant, &attribution, &details, &submission)
        .await?
    {
        return submitted(&state, &register.signed_in, &form, earlier);
    }
    let shown = ids(&hits);
    let error = if check.candidates_shown != shown {
        Some("The possible matches have changed since the page was shown: check them again")
    } else if check.answer == "none" {
        let note = format!(
            "Possible matches shown before adding (records {}) were confirmed not to be this person.",
            shown.replace(',', ", ")
        );
        let outcome = state
            .store
            .create_person_once(&register.grant, &attribution, &details, &note, &submission)
            .await?;
        return submitted(&state, &register.signed_in, &form, outcome);
    } else if let Some(hit) = hits.iter().find(|h| h.id.to_string() == check.answer) {
        return Ok(Redirect::to(&format!("/people/{}", hit.id)).into_response());
    } else {
        Some("Select the record that is this person, or select none of these")
    };
    let errors = error
        .map(|m| FieldError::new("answer", m))
        .into_iter()
        .collect();
    let page = check_page(&state, &register, &key, &details, &hits, errors)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Where a submission of the add form leads: to the record it (or an earlier submission of
/// the same form) added, or, when the form had already added someone with other details (sent
/// again after going back and changing it), back to the form with a new key.
fn submitted(
    state: &AppState,
    signed_in: &SignedIn,
    form: &PersonForm,
    outcome: Submission,
) -> Result<Response, PageError> {
    match outcome {
        Submission::Created(id) | Submission::Repeated(id) => {
            Ok(Redirect::to(&format!("/people/{id}?done=created")).into_response())
        }
        Submission::KeyReused(id) => {
            let message = format!(
                "This form was already used to add a person (record {id}). Check the details below and add them again if this is someone else."
            );
            let page = form_page(
                state,
                signed_in,
                new_page(SubmissionKey::generate()),
                form,
                vec![],
                Some(message),
            )?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
