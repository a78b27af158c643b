//! Administrators manage agencies and their teams.
use super::{render, Choice};
use crate::error::PageError;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::access::ManageUsers;
use ecaf_domain::organisation::{AgencyDetailsInput, AgencyType, FieldError, Sector};
use ecaf_store::agencies::Agency;
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};

type Admin = Authorised<ManageUsers>;

#[derive(Serialize)]
struct AgencyRow {
    id: i64,
    name: String,
    type_label: &'static str,
    sector_label: &'static str,
    teams: Vec<String>,
    user_count: i64,
    active: bool,
}

pub async fn list(State(state): State<AppState>, admin: Admin) -> Result<Html<String>, PageError> {
    let teams = state.store.teams(None).await?;
    let rows: Vec<AgencyRow> = state
        .store
        .agencies()
        .await?
        .into_iter()
        .map(|a| AgencyRow {
            teams: teams
                .iter()
                .filter(|t| t.agency_id == a.id)
                .map(|t| t.name.clone())
                .collect(),
            id: a.id,
            name: a.name,
            type_label: a.agency_type.label(),
            sector_label: a.sector.label(),
            user_count: a.user_count,
            active: a.active,
        })
        .collect();
    let ctx = minijinja::context! { agencies => rows };
    render(
        &state,
        &admin.signed_in.visitor,
        "/admin/agencies",
        "admin/agencies.html",
        "Agencies",
        ctx,
    )
}

#[derive(Deserialize, Serialize, Default)]
pub struct AgencyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    agency_type: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    telephone: String,
    #[serde(default)]
    active: String,
    #[serde(default)]
    revision: String,
}

impl AgencyForm {
    fn from_agency(a: &Agency) -> Self {
        Self {
            name: a.name.clone(),
            sector: a.sector.code().into(),
            agency_type: a.agency_type.code().into(),
            address: a.address.clone(),
            telephone: a.telephone.clone().unwrap_or_default(),
            active: if a.active { "1" } else { "0" }.into(),
            revision: a.revision.to_string(),
        }
    }

    fn input(&self) -> AgencyDetailsInput {
        AgencyDetailsInput {
            name: self.name.clone(),
            sector: self.sector.clone(),
            agency_type: self.agency_type.clone(),
            address: self.address.clone(),
            telephone: self.telephone.clone(),
        }
    }
}

async fn form_page(
    state: &AppState,
    admin: &Admin,
    editing: Option<i64>,
    form: &AgencyForm,
    errors: Vec<FieldError>,
    conflict: Option<String>,
) -> Result<Html<String>, PageError> {
    let teams = match editing {
        Some(id) => state.store.teams(Some(id)).await?,
        None => vec![],
    };
    let (heading, action, submit_text) = match editing {
        Some(id) => (
            "Change an agency",
            format!("/admin/agencies/{id}/edit"),
            "Save changes",
        ),
        None => (
            "Add an agency",
            "/admin/agencies/new".to_string(),
            "Save agency",
        ),
    };
    let ctx = minijinja::context! {
        heading => heading,
        action => action,
        teams_action => editing.map(|id| format!("/admin/agencies/{id}/teams")),
        submit_text => submit_text,
        revision => editing.map(|_| form.revision.clone()),
        form => form,
        errors => errors,
        conflict => conflict,
        teams => teams,
        sectors => Sector::ALL.iter().map(|s| Choice::new(s.code(), s.label())).collect::<Vec<_>>(),
        agency_types => AgencyType::ALL.iter().map(|t| Choice::new(t.code(), t.label())).collect::<Vec<_>>(),
    };
    render(
        state,
        &admin.signed_in.visitor,
        "/admin/agencies",
        "admin/agency_form.html",
        heading,
        ctx,
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<Html<String>, PageError> {
    form_page(&state, &admin, None, &AgencyForm::default(), vec![], None).await
}

fn duplicate_name() -> FieldError {
    FieldError::new("name", "An agency with this name already exists")
}

pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let details = match form.input().validate() {
        Ok(d) => d,
        Err(errors) => {
            let page = form_page(&state, &admin, None, &form, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state
        .store
        .create_agency(
            &admin.grant,
            &admin.signed_in.visitor.attribution(),
            &details,
        )
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/admin/agencies/{id}/edit")).into_response()),
        Err(StoreError::Duplicate(_)) => {
            let page = form_page(&state, &admin, None, &form, vec![duplicate_name()], None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let agency = state.store.agency(id).await?;
    form_page(
        &state,
        &admin,
        Some(id),
        &AgencyForm::from_agency(&agency),
        vec![],
        None,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let revision: i64 = form.revision.trim().parse().map_err(|_| {
        PageError::BadRequest(
            "The form was missing its version number. Go back, reload the page and try again."
                .into(),
        )
    })?;
    let mut errors = match form.input().validate() {
        Ok(_) => vec![],
        Err(errors) => errors,
    };
    let active = match form.active.as_str() {
        "1" => true,
        "0" => false,
        _ => {
            errors.push(FieldError::new(
                "active",
                "Select whether the agency is active",
            ));
            true
        }
    };
    let details = match form.input().validate() {
        Ok(d) if errors.is_empty() => d,
        _ => {
            let page = form_page(&state, &admin, Some(id), &form, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state
        .store
        .update_agency(
            &admin.grant,
            &admin.signed_in.visitor.attribution(),
            id,
            revision,
            &details,
            active,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/agencies").into_response()),
        Err(StoreError::Duplicate(_)) => {
            let page = form_page(
                &state,
                &admin,
                Some(id),
                &form,
                vec![duplicate_name()],
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(StoreError::Conflict { by, at }) => {
            let current = state.store.agency(id).await?;
            let local = crate::render::moment(at);
            let message = format!("This agency was changed by {by} on {local} while you were editing. Its latest details are shown below: make your changes again and save.");
            let page = form_page(
                &state,
                &admin,
                Some(id),
                &AgencyForm::from_agency(&current),
                vec![],
                Some(message),
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    team_name: String,
}

pub async fn add_team(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(form): Form<TeamForm>,
) -> Result<Response, PageError> {
    let agency = state.store.agency(id).await?;
    let name = form.team_name.trim();
    let error = if name.is_empty() {
        Some("Enter the team's name")
    } else if name.chars().count() > 200 {
        Some("Team name must be 200 characters or fewer")
    } else {
        match state
            .store
            .create_team(
                &admin.grant,
                &admin.signed_in.visitor.attribution(),
                id,
                name,
            )
            .await
        {
            Ok(_) => None,
            Err(StoreError::Duplicate(_)) => Some("This agency already has a team with that name"),
            Err(err) => return Err(err.into()),
        }
    };
    match error {
        None => Ok(Redirect::to(&format!("/admin/agencies/{id}/edit")).into_response()),
        Some(message) => {
            let page = form_page(
                &state,
                &admin,
                Some(id),
                &AgencyForm::from_agency(&agency),
                vec![FieldError::new("team_name", message)],
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
