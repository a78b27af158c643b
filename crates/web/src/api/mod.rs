//! The JSON API under `/api/v1`, authenticated by personal API tokens, described by an
//! OpenAPI 3.1 document generated from the handlers.
mod auth;
mod people;
mod users;

use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use auth::ApiUser;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecaf API",
        description = "Electronic Common Assessment Framework (early help) API. Authenticate with a personal API token: `Authorization: Bearer ecaf_…`. Errors are RFC 9457 problem details.",
        license(name = "MIT")
    ),
    paths(users::me, users::list, users::show, people::search, people::create, people::show, people::update),
    components(schemas(crate::error::Problem, crate::error::FieldProblem, users::UserView, people::Candidate, people::NewPerson, people::PersonView, people::PersonUpdate, people::PossibleMatches)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(users::me))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::show))
        .route("/people/search", get(people::search))
        .route("/people", axum::routing::post(people::create))
        .route("/people/{id}", get(people::show).put(people::update))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The OpenAPI document, for snapshot tests and `ecaf openapi`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
