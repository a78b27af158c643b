//! The register pages: "Check if a CAF exists", adding a person (after checking candidates),
//! the person's record with family and relationships, edits, history, and merges.
use super::{render, Choice};
use crate::error::PageError;
use crate::visitor::{Authorised, SignedIn};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::{authorise, MergePeople, UseRegister};
use ecaf_domain::matching::MatchQuery;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{
    ethnicity_label, AddressInput, Gender, NhsNumber, OtherNameInput, OtherNameKind, PersonDetails,
    PersonInput, Relationship, SearchTerms, ETHNICITIES,
};
use ecaf_store::people::{Person, Submission, SubmissionKey};
use ecaf_store::register::SearchHit;
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};

type Register = Authorised<UseRegister>;

/// Candidates shown when searching or before adding a person.
const CANDIDATE_LIMIT: usize = 10;
/// Below this Fellegi–Sunter score a candidate is too weak to make someone stop and check.
const CONFIRM_THRESHOLD: f64 = 8.0;

/// The person form as posted: flat fields, echoed back on errors.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    dob_day: String,
    #[serde(default)]
    dob_month: String,
    #[serde(default)]
    dob_year: String,
    #[serde(default)]
    date_of_birth_is_expected: Option<String>,
    #[serde(default)]
    nhs_number: String,
    #[serde(default)]
    upn: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    address_line1: String,
    #[serde(default)]
    address_line2: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    other_description: String,
    #[serde(default)]
    other_line1: String,
    #[serde(default)]
    other_town: String,
    #[serde(default)]
    other_postcode: String,
    #[serde(default)]
    telephone: String,
    #[serde(default)]
    ethnicity: String,
    #[serde(default)]
    first_language: String,
    #[serde(default)]
    communication_needs: String,
    #[serde(default)]
    interpreter_needed: Option<String>,
    #[serde(default)]
    disability: String,
    #[serde(default)]
    other_kind: Vec<String>,
    #[serde(default)]
    other_given_name: Vec<String>,
    #[serde(default)]
    other_family_name: Vec<String>,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    confirmed_none: Option<String>,
    #[serde(default)]
    candidates_shown: String,
    /// The add form's one-time key (see [`SubmissionKey`]).
    #[serde(default)]
    submission_key: String,
}

#[derive(Serialize)]
struct NameRow {
    kind: String,
    given_name: String,
    family_name: String,
}

impl PersonForm {
    fn input(&self) -> PersonInput {
        let other_names = self
            .other_kind
            .iter()
            .zip(&self.other_given_name)
            .zip(&self.other_family_name)
            .map(|((kind, given), family)| OtherNameInput {
                kind: kind.clone(),
                given_name: given.clone(),
                family_name: family.clone(),
            })
            .collect();
        PersonInput {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            gender: self.gender.clone(),
            dob_day: self.dob_day.clone(),
            dob_month: self.dob_month.clone(),
            dob_year: self.dob_year.clone(),
            date_of_birth_is_expected: self.date_of_birth_is_expected.is_some(),
            nhs_number: self.nhs_number.clone(),
            upn: self.upn.clone(),
            telephone: self.telephone.clone(),
            ethnicity: self.ethnicity.clone(),
            first_language: self.first_language.clone(),
            communication_needs: self.communication_needs.clone(),
            interpreter_needed: self.interpreter_needed.is_some(),
            disability: self.disability.clone(),
            main_address: AddressInput {
                line1: self.address_line1.clone(),
                line2: self.address_line2.clone(),
                town: self.town.clone(),
                postcode: self.postcode.clone(),
                description: String::new(),
            },
            other_addresses: vec![AddressInput {
                line1: self.other_line1.clone(),
                line2: String::new(),
                town: self.other_town.clone(),
                postcode: self.other_postcode.clone(),
                description: self.other_description.clone(),
            }],
            other_names,
            ..Default::default()
        }
    }

    fn from_person(p: &Person) -> Self {
        let d = &p.details;
        let main = d.main_address.as_ref();
        let other = d.other_addresses.first();
        Self {
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            gender: d.gender.map(|g| g.code().to_string()).unwrap_or_default(),
            dob_day: d
                .date_of_birth
                .map(|x| x.format("%-d").to_string())
                .unwrap_or_default(),
            dob_month: d
                .date_of_birth
                .map(|x| x.format("%-m").to_string())
                .unwrap_or_default(),
            dob_year: d
                .date_of_birth
                .map(|x| x.format("%Y").to_string())
                .unwrap_or_default(),
            date_of_birth_is_expected: d.date_of_birth_is_expected.then(|| "true".into()),
            nhs_number: d
                .nhs_number
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            upn: d
                .upn
                .as_ref()
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
            postcode: main
                .and_then(|a| a.postcode.as_ref())
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            address_line1: main.map(|a| a.line1.clone()).unwrap_or_default(),
            address_line2: main.map(|a| a.line2.clone()).unwrap_or_default(),
            town: main.map(|a| a.town.clone()).unwrap_or_default(),
            other_description: other.map(|a| a.description.clone()).unwrap_or_default(),
            other_line1: other.map(|a| a.line1.clone()).unwrap_or_default(),
            other_town: other.map(|a| a.town.clone()).unwrap_or_default(),
            other_postcode: other
                .and_then(|a| a.postcode.as_ref())
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            telephone: d.telephone.clone().unwrap_or_default(),
            ethnicity: d.ethnicity.clone().unwrap_or_default(),
            first_language: d.first_language.clone(),
            communication_needs: d.communication_needs.clone(),
            interpreter_needed: d.interpreter_needed.then(|| "true".into()),
            disability: d.disability.clone(),
            other_kind: d
                .other_names
                .iter()
                .map(|n| n.kind.code().to_string())
                .collect(),
            other_given_name: d.other_names.iter().map(|n| n.given_name.clone()).collect(),
            other_family_name: d
                .other_names
                .iter()
                .map(|n| n.family_name.clone())
                .collect(),
            revision: p.revision.to_string(),
            confirmed_none: None,
            candidates_shown: String::new(),
            submission_key: String::new(),
        }
    }

    /// The other-name rows to show: those entered plus one blank row.
    fn name_rows(&self) -> Vec<NameRow> {
        let mut rows: Vec<NameRow> = self
            .other_kind
            .iter()
            .zip(&self.other_given_name)
            .zip(&self.other_family_name)
            .filter(|((_, g), f)| !g.trim().is_empty() || !f.trim().is_empty())
            .map(|((k, g), f)| NameRow {
                kind: k.clone(),
                given_name: g.clone(),
                family_name: f.clone(),
            })
            .collect();
        rows.push(NameRow {
            kind: OtherNameKind::Alias.code().into(),
            given_name: String::new(),
            family_name: String::new(),
        });
        rows
    }
}

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
        ..SearchTerms::default()
    }
    .check(date_of_birth, errors)
}

fn today(state: &AppState) -> chrono::NaiveDate {
    state
        .store
        .clock()
        .now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
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

struct FormPage {
    heading: &'static str,
    action: String,
    back: String,
    submit_text: &'static str,
    /// A fresh key for each add form shown: submitting that form again, or many times at
    /// once, adds one person.
    submission_key: Option<SubmissionKey>,
}

fn choices() -> (Vec<Choice>, Vec<Choice>, Vec<Choice>) {
    (
        Gender::ALL
            .iter()
            .map(|g| Choice::new(g.code(), g.label()))
            .collect(),
        ETHNICITIES
            .iter()
            .map(|(c, l)| Choice::new(c, *l))
            .collect(),
        OtherNameKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label()))
            .collect(),
    )
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    signed_in: &SignedIn,
    page: FormPage,
    form: &PersonForm,
    errors: Vec<FieldError>,
    possible_matches: &[SearchHit],
    confirm_error: Option<&str>,
    conflict: Option<String>,
) -> Result<Html<String>, PageError> {
    let (genders, ethnicities, name_kinds) = choices();
    let mut form_value = serde_json::to_value(form).map_err(|e| PageError::Internal(e.into()))?;
    form_value["other_names"] =
        serde_json::to_value(form.name_rows()).map_err(|e| PageError::Internal(e.into()))?;
    let candidate_ids = possible_matches
        .iter()
        .map(|h| h.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let ctx = minijinja::context! {
        heading => page.heading,
        action => page.action,
        back => page.back,
        submit_text => page.submit_text,
        submission_key => page.submission_key.as_ref().map(SubmissionKey::as_str),
        form => minijinja::Value::from_serialize(&form_value),
        errors => errors,
        genders => genders,
        ethnicities => ethnicities,
        name_kinds => name_kinds,
        possible_matches => possible_matches,
        candidate_ids => candidate_ids,
        confirm_error => confirm_error,
        conflict => conflict,
    };
    render(
        state,
        &signed_in.visitor,
        "/people",
        "people/form.html",
        page.heading,
        ctx,
    )
}

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
        ..MatchQuery::default()
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

#[derive(Deserialize, Default)]
pub struct Flash {
    done: Option<String>,
}

fn address_text(a: &ecaf_domain::person::Address) -> String {
    let mut parts: Vec<String> = [&a.line1, &a.line2, &a.town]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
        .collect();
    if let Some(p) = &a.postcode {
        parts.push(p.as_str().to_string());
    }
    let text = parts.join(", ");
    if a.description.is_empty() {
        text
    } else {
        format!("{text} ({})", a.description)
    }
}

async fn show_page(
    state: &AppState,
    register: &Register,
    id: i64,
    flash: Option<&str>,
    errors: Vec<FieldError>,
) -> Result<Html<String>, PageError> {
    let person = state
        .store
        .person(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            id,
        )
        .await?;
    let d = &person.details;
    let mut person_value =
        serde_json::to_value(&person).map_err(|e| PageError::Internal(e.into()))?;
    person_value["date_of_birth"] = serde_json::to_value(d.date_of_birth).unwrap_or_default();
    let ctx = minijinja::context! {
        person => minijinja::Value::from_serialize(&person_value),
        gender_label => d.gender.map(|g| g.label()),
        nhs_display => d.nhs_number.as_ref().map(|n| n.to_string()),
        ethnicity_label => d.ethnicity.as_deref().and_then(ethnicity_label),
        other_names => d.other_names.iter().map(|n| format!("{} {} ({})", n.given_name, n.family_name, n.kind.label().to_lowercase())).collect::<Vec<_>>(),
        main_address => d.main_address.as_ref().map(address_text),
        other_addresses => d.other_addresses.iter().map(address_text).collect::<Vec<_>>(),
        relationship_kinds => Relationship::ALL.iter().map(|r| Choice::new(r.code(), r.label().to_lowercase())).collect::<Vec<_>>(),
        can_merge => authorise::<MergePeople>(&register.signed_in.user.actor()).is_ok(),
        flash => flash,
        errors => errors,
    };
    render(
        state,
        &register.signed_in.visitor,
        "/people",
        "people/show.html",
        &person.full_name(),
        ctx,
    )
}

pub async fn show(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, PageError> {
    let flash = match flash.done.as_deref() {
        Some("created") => Some("The person has been added to the register"),
        Some("saved") => Some("The changes have been saved"),
        Some("related") => Some("The relationship has been added"),
        Some("merged") => Some("The records have been merged"),
        Some("unmerged") => Some("The merge has been undone"),
        _ => None,
    };
    show_page(&state, &register, id, flash, vec![]).await
}

fn edit_page(id: i64) -> FormPage {
    FormPage {
        heading: "Change a person's details",
        action: format!("/people/{id}/edit"),
        back: format!("/people/{id}"),
        submit_text: "Save changes",
        submission_key: None,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let person = state
        .store
        .person(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            id,
        )
        .await?;
    if person.merged_into_id.is_some() {
        return Err(PageError::BadRequest(
            "This record has been merged into another: change that one instead.".into(),
        ));
    }
    form_page(
        &state,
        &register.signed_in,
        edit_page(id),
        &PersonForm::from_person(&person),
        vec![],
        &[],
        None,
        None,
    )
}

pub async fn update(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let revision: i64 = form.revision.trim().parse().map_err(|_| {
        PageError::BadRequest(
            "The form was missing its version number. Go back, reload the page and try again."
                .into(),
        )
    })?;
    let details = match form.input().validate(today(&state)) {
        Ok(d) => d,
        Err(errors) => {
            let page = form_page(
                &state,
                &register.signed_in,
                edit_page(id),
                &form,
                errors,
                &[],
                None,
                None,
            )?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let attribution = register.signed_in.visitor.attribution();
    match state
        .store
        .update_person(&register.grant, &attribution, id, revision, &details)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?done=saved")).into_response()),
        Err(StoreError::Conflict { by, at }) => {
            let current = state
                .store
                .person(&register.grant, &attribution, id)
                .await?;
            let local = at
                .with_timezone(&chrono_tz::Europe::London)
                .format("%-d %B %Y at %-I:%M%P");
            let message = format!(
                "This record was changed by {by} at {local} while you were editing. The latest details are shown below: make your changes again and save."
            );
            let page = form_page(
                &state,
                &register.signed_in,
                edit_page(id),
                &PersonForm::from_person(&current),
                vec![],
                &[],
                None,
                Some(message),
            )?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn history(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let person = state
        .store
        .person(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            id,
        )
        .await?;
    let history = state.store.person_history(&register.grant, id).await?;
    let ctx = minijinja::context! { person => person.details, history => history, id => id };
    let ctx = minijinja::context! { person => minijinja::context! { id => id, given_name => person.details.given_name, family_name => person.details.family_name }, history => history, ..ctx };
    render(
        &state,
        &register.signed_in.visitor,
        "/people",
        "people/history.html",
        "History of the record",
        ctx,
    )
}

#[derive(Deserialize, Default)]
pub struct RelationshipForm {
    #[serde(default)]
    related_person_id: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    parental_responsibility: Option<String>,
    #[serde(default)]
    lives_with: Option<String>,
}

pub async fn add_relationship(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
    Form(form): Form<RelationshipForm>,
) -> Result<Response, PageError> {
    let mut errors = vec![];
    let related: Option<i64> = form.related_person_id.trim().parse().ok();
    if related.is_none() {
        errors.push(FieldError::new(
            "related_person_id",
            "Enter the record number of the family member, like 1234",
        ));
    }
    let relationship = Relationship::parse(&form.relationship).ok();
    if relationship.is_none() {
        errors.push(FieldError::new("relationship", "Select the relationship"));
    }
    if let (Some(related), Some(relationship)) = (related, relationship) {
        let attribution = register.signed_in.visitor.attribution();
        match state
            .store
            .add_relationship(
                &register.grant,
                &attribution,
                id,
                related,
                relationship,
                form.parental_responsibility.is_some(),
                form.lives_with.is_some(),
            )
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/people/{id}?done=related")).into_response()),
            Err(StoreError::NotFound) => errors.push(FieldError::new(
                "related_person_id",
                "There is no current record with that number",
            )),
            Err(StoreError::Refused(why)) => errors.push(FieldError::new("related_person_id", why)),
            Err(err) => return Err(err.into()),
        }
    }
    let page = show_page(&state, &register, id, None, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize, Serialize, Default)]
pub struct MergeForm {
    #[serde(default)]
    merged_id: String,
    #[serde(default)]
    reason: String,
}

async fn merge_page(
    state: &AppState,
    merger: &Authorised<MergePeople>,
    id: i64,
    form: &MergeForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, PageError> {
    let register_grant = authorise::<UseRegister>(&merger.signed_in.user.actor())?;
    let person = state
        .store
        .person(&register_grant, &merger.signed_in.visitor.attribution(), id)
        .await?;
    let ctx = minijinja::context! {
        person => minijinja::context! { id => id, given_name => person.details.given_name, family_name => person.details.family_name },
        form => form,
        errors => errors,
    };
    render(
        state,
        &merger.signed_in.visitor,
        "/people",
        "people/merge.html",
        "Merge a duplicate record",
        ctx,
    )
}

pub async fn merge_form(
    State(state): State<AppState>,
    merger: Authorised<MergePeople>,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    merge_page(&state, &merger, id, &MergeForm::default(), vec![]).await
}

pub async fn merge(
    State(state): State<AppState>,
    merger: Authorised<MergePeople>,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, PageError> {
    let mut errors = vec![];
    let merged: Option<i64> = form.merged_id.trim().parse().ok();
    if merged.is_none() {
        errors.push(FieldError::new(
            "merged_id",
            "Enter the record number of the duplicate, like 1234",
        ));
    }
    let reason = form.reason.trim();
    if reason.is_empty() {
        errors.push(FieldError::new(
            "reason",
            "Enter why the two records are the same person",
        ));
    } else if reason.chars().count() > 1000 {
        errors.push(FieldError::new(
            "reason",
            "Reason must be 1000 characters or fewer",
        ));
    }
    if let (Some(merged), true) = (merged, errors.is_empty()) {
        match state
            .store
            .merge_people(
                &merger.grant,
                &merger.signed_in.visitor.attribution(),
                id,
                merged,
                reason,
            )
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/people/{id}?done=merged")).into_response()),
            Err(StoreError::Refused(why)) => errors.push(FieldError::new("merged_id", why)),
            Err(err) => return Err(err.into()),
        }
    }
    let page = merge_page(&state, &merger, id, &form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn undo_merge(
    State(state): State<AppState>,
    merger: Authorised<MergePeople>,
    Path(merge_id): Path<i64>,
) -> Result<Response, PageError> {
    let kept = state.store.merge_kept_id(merge_id).await?;
    state
        .store
        .undo_merge(
            &merger.grant,
            &merger.signed_in.visitor.attribution(),
            merge_id,
        )
        .await?;
    Ok(Redirect::to(&format!("/people/{kept}?done=unmerged")).into_response())
}
