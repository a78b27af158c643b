//! Administrators manage users: create, edit, deactivate and reactivate (never delete).
use super::{render, Choice};
use crate::error::PageError;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::{ManageUsers, Role};
use ecaf_domain::credentials::generate_password;
use ecaf_domain::organisation::{FieldError, UserDetailsInput};
use ecaf_store::users::User;
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};

type Admin = Authorised<ManageUsers>;

#[derive(Serialize)]
struct UserRow<'a> {
    #[serde(flatten)]
    user: &'a User,
    role_labels: Vec<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct Flash {
    done: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, PageError> {
    let users = state.store.users(&admin.grant).await?;
    let rows: Vec<UserRow> = users
        .iter()
        .map(|u| UserRow {
            user: u,
            role_labels: u.roles.iter().map(|r| r.label()).collect(),
        })
        .collect();
    let flash = flash.done.map(|_| "The user's details have been saved");
    let ctx = minijinja::context! { users => rows, flash => flash };
    render(
        &state,
        &admin.signed_in.visitor,
        "/admin/users",
        "admin/users.html",
        "Users",
        ctx,
    )
}

/// The form's raw values, echoed back when there are errors.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    team_id: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    telephone: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    line_manager_id: String,
    #[serde(default)]
    deputy_id: String,
    #[serde(default)]
    revision: String,
}

impl UserForm {
    fn from_user(u: &User) -> Self {
        let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        Self {
            name: u.name.clone(),
            email: u.email.clone(),
            agency_id: u.agency_id.to_string(),
            team_id: id(u.team_id),
            job_title: u.job_title.clone(),
            telephone: u.telephone.clone().unwrap_or_default(),
            mobile: u.mobile.clone().unwrap_or_default(),
            roles: u.roles.iter().map(|r| r.code().to_string()).collect(),
            line_manager_id: id(u.line_manager_id),
            deputy_id: id(u.deputy_id),
            revision: u.revision.to_string(),
        }
    }

    fn input(&self) -> UserDetailsInput {
        UserDetailsInput {
            name: self.name.clone(),
            email: self.email.clone(),
            agency_id: self.agency_id.clone(),
            team_id: self.team_id.clone(),
            job_title: self.job_title.clone(),
            telephone: self.telephone.clone(),
            mobile: self.mobile.clone(),
            roles: self.roles.clone(),
            line_manager_id: self.line_manager_id.clone(),
            deputy_id: self.deputy_id.clone(),
        }
    }
}

struct FormPage<'a> {
    heading: &'a str,
    action: String,
    back: String,
    submit_text: &'a str,
    revision: Option<String>,
    editing: Option<i64>,
}

async fn form_page(
    state: &AppState,
    admin: &Admin,
    page: FormPage<'_>,
    form: &UserForm,
    errors: Vec<FieldError>,
    conflict: Option<String>,
) -> Result<Html<String>, PageError> {
    let agencies = state.store.agencies().await?;
    let agency_choices: Vec<Choice> = agencies
        .iter()
        .filter(|a| a.active || a.id.to_string() == form.agency_id)
        .map(|a| Choice::new(a.id, &a.name))
        .collect();
    let agency_names: std::collections::HashMap<i64, &str> =
        agencies.iter().map(|a| (a.id, a.name.as_str())).collect();
    let teams: Vec<Choice> = state
        .store
        .teams(None)
        .await?
        .into_iter()
        .map(|t| {
            Choice::new(
                t.id,
                format!(
                    "{} ({})",
                    t.name,
                    agency_names.get(&t.agency_id).unwrap_or(&"")
                ),
            )
        })
        .collect();
    let people: Vec<Choice> = state
        .store
        .users(&admin.grant)
        .await?
        .into_iter()
        .filter(|u| u.active && Some(u.id) != page.editing)
        .map(|u| Choice::new(u.id, format!("{} ({})", u.name, u.agency_name)))
        .collect();
    let roles: Vec<Choice> = Role::ALL
        .iter()
        .map(|r| Choice::new(r.code(), r.label()))
        .collect();
    let ctx = minijinja::context! {
        heading => page.heading,
        action => page.action,
        back => page.back,
        submit_text => page.submit_text,
        revision => page.revision,
        form => form,
        errors => errors,
        conflict => conflict,
        agencies => agency_choices,
        teams => teams,
        people => people,
        roles => roles,
        show_password_hint => page.editing.is_none(),
    };
    render(
        state,
        &admin.signed_in.visitor,
        "/admin/users",
        "admin/user_form.html",
        page.heading,
        ctx,
    )
}

fn new_page() -> FormPage<'static> {
    FormPage {
        heading: "Add a user",
        action: "/admin/users/new".into(),
        back: "/admin/users".into(),
        submit_text: "Save user",
        revision: None,
        editing: None,
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<Html<String>, PageError> {
    let form = UserForm {
        roles: vec![Role::Practitioner.code().into()],
        ..Default::default()
    };
    form_page(&state, &admin, new_page(), &form, vec![], None).await
}

/// Store refusals that belong to a field of the form.
fn store_field_error(err: StoreError) -> Result<FieldError, PageError> {
    Ok(match err {
        StoreError::Duplicate(_) => {
            FieldError::new("email", "A user with this email address already exists")
        }
        StoreError::Refused(why) if why.contains("only active administrator") => {
            FieldError::new("roles", why)
        }
        StoreError::Refused(why) if why.contains("agency") => FieldError::new("agency_id", why),
        StoreError::Refused(why) if why.contains("team") => FieldError::new("team_id", why),
        StoreError::Refused(why) if why.contains("deputy") => FieldError::new("deputy_id", why),
        StoreError::Refused(why) => FieldError::new("line_manager_id", why),
        other => return Err(other.into()),
    })
}

pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    let details = match form.input().validate() {
        Ok(details) => details,
        Err(errors) => {
            let page = form_page(&state, &admin, new_page(), &form, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let password = generate_password();
    let attribution = admin.signed_in.visitor.attribution();
    match state
        .store
        .create_user(&admin.grant, &attribution, &details, &password)
        .await
    {
        Ok(id) => {
            let user = state.store.user(id).await?;
            Ok(show_page(&state, &admin, &user, Some(password), None)
                .await?
                .into_response())
        }
        Err(err) => {
            let errors = vec![store_field_error(err)?];
            let page = form_page(&state, &admin, new_page(), &form, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn show_page(
    state: &AppState,
    admin: &Admin,
    user: &User,
    new_password: Option<String>,
    flash: Option<&str>,
) -> Result<Html<String>, PageError> {
    let name_of = |id: Option<i64>| async move {
        match id {
            Some(id) => state.store.user(id).await.map(|u| Some(u.name)),
            None => Ok(None),
        }
    };
    let team_name = match user.team_id {
        Some(team) => state
            .store
            .teams(Some(user.agency_id))
            .await?
            .into_iter()
            .find(|t| t.id == team)
            .map(|t| t.name),
        None => None,
    };
    let ctx = minijinja::context! {
        subject => user,
        role_labels => user.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
        line_manager => name_of(user.line_manager_id).await?,
        deputy => name_of(user.deputy_id).await?,
        team_name => team_name,
        new_password => new_password,
        flash => flash,
    };
    render(
        state,
        &admin.signed_in.visitor,
        "/admin/users",
        "admin/user.html",
        &user.name,
        ctx,
    )
}

pub async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, PageError> {
    let user = state.store.user(id).await?;
    let flash = match flash.done.as_deref() {
        Some("saved") => Some("The user's details have been saved"),
        Some("deactivated") => Some("The user has been deactivated and signed out everywhere"),
        Some("reactivated") => Some("The user has been reactivated"),
        _ => None,
    };
    show_page(&state, &admin, &user, None, flash).await
}

fn edit_page(id: i64, revision: String) -> FormPage<'static> {
    FormPage {
        heading: "Change a user's details",
        action: format!("/admin/users/{id}/edit"),
        back: format!("/admin/users/{id}"),
        submit_text: "Save changes",
        revision: Some(revision),
        editing: Some(id),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let user = state.store.user(id).await?;
    let form = UserForm::from_user(&user);
    form_page(
        &state,
        &admin,
        edit_page(id, form.revision.clone()),
        &form,
        vec![],
        None,
    )
    .await
}

fn parse_revision(raw: &str) -> Result<i64, PageError> {
    raw.trim().parse().map_err(|_| {
        PageError::BadRequest(
            "The form was missing its version number. Go back, reload the page and try again."
                .into(),
        )
    })
}

pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    let revision = parse_revision(&form.revision)?;
    let details = match form.input().validate() {
        Ok(details) => details,
        Err(errors) => {
            let page = form_page(
                &state,
                &admin,
                edit_page(id, form.revision.clone()),
                &form,
                errors,
                None,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let attribution = admin.signed_in.visitor.attribution();
    match state
        .store
        .update_user(&admin.grant, &attribution, id, revision, &details)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done=saved")).into_response()),
        Err(StoreError::Conflict { by, at }) => {
            // Show the latest saved values so nothing is overwritten unseen.
            let current = state.store.user(id).await?;
            let fresh = UserForm::from_user(&current);
            let local = crate::render::moment(at);
            let message = format!(
                "This user was changed by {by} on {local} while you were editing. Their latest details are shown below: make your changes again and save."
            );
            let page = form_page(
                &state,
                &admin,
                edit_page(id, fresh.revision.clone()),
                &fresh,
                vec![],
                Some(message),
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(err) => {
            let errors = vec![store_field_error(err)?];
            let page = form_page(
                &state,
                &admin,
                edit_page(id, form.revision.clone()),
                &form,
                errors,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct RevisionForm {
    #[serde(default)]
    revision: String,
}

async fn set_active(
    state: AppState,
    admin: Admin,
    id: i64,
    form: RevisionForm,
    active: bool,
) -> Result<Response, PageError> {
    let revision = parse_revision(&form.revision)?;
    let attribution = admin.signed_in.visitor.attribution();
    match state
        .store
        .set_user_active(&admin.grant, &attribution, id, revision, active)
        .await
    {
        Ok(()) => {
            let done = if active { "reactivated" } else { "deactivated" };
            Ok(Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn deactivate(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(form): Form<RevisionForm>,
) -> Result<Response, PageError> {
    set_active(state, admin, id, form, false).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(form): Form<RevisionForm>,
) -> Result<Response, PageError> {
    set_active(state, admin, id, form, true).await
}
