//! Users over the API: yourself, and (administrators only) everyone.
use super::ApiUser;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use ecaf_domain::access::ManageUsers;
use ecaf_store::users::User;
use serde::Serialize;
use utoipa::ToSchema;

/// A user of the service.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub team_id: Option<i64>,
    pub job_title: String,
    pub telephone: Option<String>,
    pub mobile: Option<String>,
    pub line_manager_id: Option<i64>,
    pub deputy_id: Option<i64>,
    /// Role codes: practitioner, line_manager, early_help_team, service_manager,
    /// quality_assurance_reviewer, administrator.
    pub roles: Vec<String>,
    pub active: bool,
    /// Increases on every change; send it back to update (optimistic concurrency).
    pub revision: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            roles: u.roles.iter().map(|r| r.code().to_string()).collect(),
            id: u.id,
            email: u.email,
            name: u.name,
            agency_id: u.agency_id,
            agency_name: u.agency_name,
            team_id: u.team_id,
            job_title: u.job_title,
            telephone: u.telephone,
            mobile: u.mobile,
            line_manager_id: u.line_manager_id,
            deputy_id: u.deputy_id,
            active: u.active,
            revision: u.revision,
        }
    }
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    responses(
        (status = 200, description = "The token's user", body = UserView),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(api: ApiUser) -> Json<UserView> {
    Json(api.user.into())
}

/// Every user (administrators only).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses(
        (status = 200, description = "All users, by name", body = Vec<UserView>),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    api: ApiUser,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let grant = api.authorise::<ManageUsers>(&state).await?;
    let users = state.store.users(&grant).await?;
    Ok(Json(users.into_iter().map(UserView::from).collect()))
}

/// One user (administrators only).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User number")),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    api: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<UserView>, ApiError> {
    api.authorise::<ManageUsers>(&state).await?;
    Ok(Json(state.store.user(id).await?.into()))
}
