//! "Check if a CAF exists".
use super::form::PersonForm;
use super::{today, Register, CANDIDATE_LIMIT};
use crate::error::PageError;
use crate::pages::render;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::Form;
use ecaf_domain::matching::MatchQuery;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{PersonInput, SearchTerms};
/// Turn what the practitioner knows into a match query, checking the identifiers and date.
fn match_query(form: &PersonForm, today: chrono::NaiveDate) -> Result<MatchQuery, Vec<FieldError>> {
    let mut errors = vec![];
    // Reuse the person rules for the date (a search may name an expected date too).
    let probe = PersonInput {
        given_name: "x".into(),
        family_name: "x".into(),
        dob_day: form.dob_day.clone(),
        dob_month: form.dob_month.clone(),
        dob_year: form.dob_year.clone(),
        date_of_birth_is_expected: false,
        ..Default::default()
    };
    let date_of_birth = match probe.validate(today) {
        Ok(d) => d.date_of_birth,
        Err(e) => {
            // A future date is fine in a search (an unborn child's expected date).
            let real: Vec<FieldError> = e
                .into_iter()
                .filter(|e| !e.message.contains("today or in the past"))
                .collect();
            if real.is_empty() {
                let y = form.dob_year.trim().parse().unwrap_or(0);
                let m = form.dob_month.trim().parse().unwrap_or(0);
                let d = form.dob_day.trim().parse().unwrap_or(0);
                chrono::NaiveDate::from_ymd_opt(y, m, d)
            } else {
                errors.extend(real);
                None
            }
        }
    };
    SearchTerms {
        given_name: &form.given_name,
        family_name: &form.family_name,
        postcode: &form.postcode,
        nhs_number: &form.nhs_number,
        upn: &form.upn,
    }
    .check(date_of_birth, errors)
}

pub async fn search_form(
    State(state): State<AppState>,
    register: Register,
) -> Result<Html<String>, PageError> {
    let ctx = minijinja::context! { form => PersonForm::default(), errors => Vec::<FieldError>::new(), searched => false };
    render(
        &state,
        &register.signed_in.visitor,
        "/people",
        "people/search.html",
        "Check if a CAF exists",
        ctx,
    )
}

pub async fn search(
    State(state): State<AppState>,
    register: Register,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let (hits, errors) = match match_query(&form, today(&state)) {
        Ok(query) => {
            let hits = state
                .store
                .search_people(
                    &register.grant,
                    &register.signed_in.visitor.attribution(),
                    &query,
                    CANDIDATE_LIMIT,
                )
                .await?;
            (hits, vec![])
        }
        Err(errors) => (vec![], errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let ctx = minijinja::context! { searched => errors.is_empty(), hits => hits, form => form, errors => errors };
    let page = render(
        &state,
        &register.signed_in.visitor,
        "/people",
        "people/search.html",
        "Check if a CAF exists",
        ctx,
    )?;
    Ok((status, page).into_response())
}
