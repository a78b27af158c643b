//! Adding a person, after the duplicate check.
use super::form::{form_page, FormPage, PersonForm};
use super::{today, Register, CANDIDATE_LIMIT, CONFIRM_THRESHOLD};
use crate::error::PageError;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::matching::MatchQuery;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{NhsNumber, PersonDetails};
use ecaf_store::people::{Submission, SubmissionKey};
use ecaf_store::register::SearchHit;

fn new_page() -> FormPage {
    FormPage {
        heading: "Add a person to the register",
        action: "/people/new".into(),
        back: "/people/search".into(),
        submit_text: "Add to the register",
        submission_key: Some(SubmissionKey::generate()),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    register: Register,
) -> Result<Html<String>, PageError> {
    form_page(
        &state,
        &register.signed_in,
        new_page(),
        &PersonForm::default(),
        vec![],
        &[],
        None,
        None,
    )
}

fn details_query(details: &PersonDetails) -> MatchQuery {
    MatchQuery {
        given_name: Some(details.given_name.clone()),
        family_name: Some(details.family_name.clone()),
        date_of_birth: details.date_of_birth,
        postcode: details
            .main_address
            .as_ref()
            .and_then(|a| a.postcode.as_ref())
            .map(|p| p.as_str().to_string()),
        nhs_number: details.nhs_number.as_ref().map(NhsNumber::digits),
        upn: details.upn.as_ref().map(|u| u.as_str().to_string()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    register: Register,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let signed_in = &register.signed_in;
    let key = SubmissionKey::parse(&form.submission_key).ok_or_else(|| {
        PageError::BadRequest(
            "The form was missing its submission key. Go back, reload the page and try again."
                .into(),
        )
    })?;
    let details = match form.input().validate(today(&state)) {
        Ok(d) => d,
        Err(errors) => {
            let page = form_page(
                &state,
                signed_in,
                new_page(),
                &form,
                errors,
                &[],
                None,
                None,
            )?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    // Always search first: a family should not end up with two records.
    let attribution = signed_in.visitor.attribution();
    let hits: Vec<SearchHit> = state
        .store
        .search_people(
            &register.grant,
            &attribution,
            &details_query(&details),
            CANDIDATE_LIMIT,
        )
        .await?
        .into_iter()
        .filter(|h| h.same_identifier || h.score >= CONFIRM_THRESHOLD)
        .collect();
    let shown: Vec<String> = hits.iter().map(|h| h.id.to_string()).collect();
    let confirmed = form.confirmed_none.is_some() && form.candidates_shown == shown.join(",");
    if !hits.is_empty() && !confirmed {
        // The candidate may be the person this very form added a moment ago (a second click,
        // a resent request): then go where the first submission went.
        if let Some(earlier) = state
            .store
            .earlier_submission(&register.grant, &attribution, &details, &key)
            .await?
        {
            return submitted(&state, signed_in, &form, earlier);
        }
        let confirm_error = form
            .confirmed_none
            .is_none()
            .then_some(
                "Confirm that none of these is the person, or view the matching record instead",
            )
            .filter(|_| !form.candidates_shown.is_empty());
        let summary: Vec<FieldError> = confirm_error
            .map(|m| FieldError::new("confirmed_none", m))
            .into_iter()
            .collect();
        let status = if summary.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = form_page(
            &state,
            signed_in,
            new_page(),
            &form,
            summary,
            &hits,
            confirm_error,
            None,
        )?;
        return Ok((status, page).into_response());
    }
    let note = if hits.is_empty() {
        "The search before adding found no possible matches.".to_string()
    } else {
        format!("Possible matches shown before adding (records {}) were confirmed not to be this person.", shown.join(", "))
    };
    let outcome = state
        .store
        .create_person_once(&register.grant, &attribution, &details, &note, &key)
        .await?;
    submitted(&state, signed_in, &form, outcome)
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
                new_page(),
                form,
                vec![],
                &[],
                None,
                Some(message),
            )?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
