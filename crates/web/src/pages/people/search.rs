//! "Check if a CAF exists". The search form posts its terms, which are held for 30 minutes
//! (`Store::hold_form`) and answered with a redirect to the results, a GET page that Back and
//! Refresh return to. The URL carries a random key, never a name or a date of birth.
use super::form::PersonForm;
use super::{today, Register, CANDIDATE_LIMIT};
use crate::error::PageError;
use crate::pages::render;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::{Grant, UseRegister};
use ecaf_domain::matching::MatchQuery;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{NhsNumber, PersonInput, SearchTerms};
use ecaf_store::people::HeldForm;
use ecaf_store::Attribution;
use serde::{Deserialize, Serialize};

/// The search form as typed, echoed back on errors and held for the results page.
#[derive(Deserialize, Serialize, Default, Clone)]
pub(super) struct SearchForm {
    #[serde(default)]
    pub(super) given_name: String,
    #[serde(default)]
    pub(super) family_name: String,
    #[serde(default)]
    pub(super) dob_day: String,
    #[serde(default)]
    pub(super) dob_month: String,
    #[serde(default)]
    pub(super) dob_year: String,
    #[serde(default)]
    pub(super) postcode: String,
    #[serde(default)]
    pub(super) address_line1: String,
    #[serde(default)]
    pub(super) town: String,
    #[serde(default)]
    pub(super) nhs_number: String,
    #[serde(default)]
    pub(super) upn: String,
}

/// Turn what the practitioner knows into a match query, checking the identifiers and date,
/// and refusing a query that says too little to rank anyone.
pub(super) fn match_query(
    form: &SearchForm,
    today: chrono::NaiveDate,
) -> Result<MatchQuery, Vec<FieldError>> {
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
    let query = SearchTerms {
        given_name: &form.given_name,
        family_name: &form.family_name,
        postcode: &form.postcode,
        address_line1: &form.address_line1,
        town: &form.town,
        nhs_number: &form.nhs_number,
        upn: &form.upn,
    }
    .check(date_of_birth, errors)?;
    Ok(query)
}

/// "Amelia Hughes, born 7 March 2019, postcode BF1 2AB": what was searched for, in words.
pub(super) fn described(query: &MatchQuery) -> String {
    let name = [&query.given_name, &query.family_name]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let mut parts: Vec<String> = Some(name).filter(|n| !n.is_empty()).into_iter().collect();
    if let Some(date) = query.date_of_birth {
        parts.push(format!("born {}", date.format("%-d %B %Y")));
    }
    if let Some(postcode) = &query.postcode {
        parts.push(format!("postcode {postcode}"));
    }
    if let Some(nhs) = query
        .nhs_number
        .as_deref()
        .and_then(|n| NhsNumber::parse(n).ok())
    {
        parts.push(format!("NHS number {nhs}"));
    }
    if let Some(upn) = &query.upn {
        parts.push(format!("unique pupil number {upn}"));
    }
    parts.join(", ")
}

/// The search form: empty, refilled ("Change search"), with errors, or after a held search
/// ran out of time.
fn form_page(
    state: &AppState,
    register: &Register,
    form: &SearchForm,
    errors: Vec<FieldError>,
    expired: bool,
) -> Result<Html<String>, PageError> {
    let ctx = minijinja::context! { form => form, errors => errors, expired => expired };
    render(
        state,
        &register.signed_in.visitor,
        "/people",
        "people/search.html",
        &format!("Check if {} exists", state.wording.get().1.a_assessment()),
        ctx,
    )
}

pub async fn search_form(
    State(state): State<AppState>,
    register: Register,
) -> Result<Html<String>, PageError> {
    form_page(&state, &register, &SearchForm::default(), vec![], false)
}

pub async fn search(
    State(state): State<AppState>,
    register: Register,
    Form(form): Form<SearchForm>,
) -> Result<Response, PageError> {
    if let Err(errors) = match_query(&form, today(&state)) {
        let page = form_page(&state, &register, &form, errors, false)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let fields = serde_json::to_string(&form).map_err(|e| PageError::Internal(e.into()))?;
    let key = state
        .store
        .hold_form(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            HeldForm::Search,
            &fields,
        )
        .await?;
    Ok(Redirect::to(&format!("/people/search/{key}")).into_response())
}

/// The terms held under `key` for this user, if they have not run out of time.
pub(super) async fn held_search(
    state: &AppState,
    grant: &Grant<UseRegister>,
    by: &Attribution,
    key: &str,
) -> Result<Option<SearchForm>, PageError> {
    let held = state
        .store
        .held_form(grant, by, HeldForm::Search, key)
        .await?;
    Ok(held.and_then(|fields| serde_json::from_str(&fields).ok()))
}

/// The results of a held search, run again each time the page is shown (so Refresh shows
/// the register as it is now); each run is a search in the audit log.
pub async fn results(
    State(state): State<AppState>,
    register: Register,
    Path(key): Path<String>,
) -> Result<Html<String>, PageError> {
    let Some(form) = held_search(
        &state,
        &register.grant,
        &register.signed_in.visitor.attribution(),
        &key,
    )
    .await?
    else {
        return form_page(&state, &register, &SearchForm::default(), vec![], true);
    };
    let query = match match_query(&form, today(&state)) {
        Ok(query) => query,
        // Held terms were checked when they were sent; a rule changed since then.
        Err(errors) => return form_page(&state, &register, &form, errors, false),
    };
    let hits = state
        .store
        .search_people(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            &query,
            CANDIDATE_LIMIT,
        )
        .await?;
    let title = match hits.len() {
        0 => "No possible matches".to_string(),
        1 => "1 possible match".to_string(),
        n => format!("{n} possible matches"),
    };
    let ctx = minijinja::context! {
        hits => hits,
        heading => title,
        searched_for => described(&query),
        key => key,
    };
    render(
        &state,
        &register.signed_in.visitor,
        "/people",
        "people/results.html",
        &format!(
            "{title} – Check if {} exists",
            state.wording.get().1.a_assessment()
        ),
        ctx,
    )
}

/// "Change search": the form again, filled in with the held terms.
pub async fn change(
    State(state): State<AppState>,
    register: Register,
    Path(key): Path<String>,
) -> Result<Html<String>, PageError> {
    match held_search(
        &state,
        &register.grant,
        &register.signed_in.visitor.attribution(),
        &key,
    )
    .await?
    {
        Some(form) => form_page(&state, &register, &form, vec![], false),
        None => form_page(&state, &register, &SearchForm::default(), vec![], true),
    }
}

impl From<SearchForm> for PersonForm {
    /// The add form, filled in with what was searched for.
    fn from(search: SearchForm) -> Self {
        PersonForm {
            given_name: search.given_name,
            family_name: search.family_name,
            dob_day: search.dob_day,
            dob_month: search.dob_month,
            dob_year: search.dob_year,
            postcode: search.postcode,
            nhs_number: search.nhs_number,
            upn: search.upn,
            ..Default::default()
        }
    }
}
