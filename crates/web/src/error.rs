//! One error type per surface: `PageError` for GOV.UK pages and `ApiError` for RFC 9457
//! problem details. Both keep the user's message apart from the logged cause; the page body
//! itself is rendered once, in `middleware::finish_response`, which also covers errors raised
//! by the framework (unknown routes, wrong methods, oversized or malformed bodies).
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ecaf_store::StoreError;
use serde::Serialize;

/// What an error page says, attached to an otherwise empty error response.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title: String,
    pub detail: String,
}

/// Errors of page handlers.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("session expired")]
    SessionExpired,
    #[error("csrf token rejected")]
    Csrf,
    /// The database cannot be reached or is too busy: try again later.
    #[error("unavailable: {0}")]
    Unavailable(StoreError),
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

/// Whether a store error means the database is down or overloaded (worth "try again
/// later"), rather than a fault in this request.
fn is_outage(err: &StoreError) -> bool {
    match err {
        StoreError::Database(db) => match db {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            // SQLite's SQLITE_BUSY / SQLITE_LOCKED (and their extended codes): the busy timeout
            // ran out behind another writer.
            sqlx::Error::Database(e) => e
                .code()
                .is_some_and(|c| matches!(c.as_ref(), "5" | "6" | "261" | "262" | "517" | "773")),
            _ => false,
        },
        StoreError::Io(_) => true,
        _ => false,
    }
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => PageError::NotFound,
            StoreError::Conflict { by, at } => {
                let local = crate::render::moment(at);
                PageError::Conflict(format!(
                    "This record was changed by {by} on {local} while you were working on it, so nothing you sent was saved. Go back, reload the page and try again."
                ))
            }
            StoreError::Duplicate(field) => PageError::BadRequest(format!(
                "The {field} is already in use. Nothing was changed."
            )),
            StoreError::Refused(why) => PageError::BadRequest(why),
            StoreError::Denied(why) => PageError::Forbidden(why.to_string()),
            other if is_outage(&other) => PageError::Unavailable(other),
            other => PageError::Internal(other.into()),
        }
    }
}

impl From<ecaf_domain::access::AccessDenied> for PageError {
    fn from(err: ecaf_domain::access::AccessDenied) -> Self {
        PageError::Forbidden(err.to_string())
    }
}

impl PageError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.".into(),
            ),
            PageError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "You do not have permission to see this page",
                format!("Your account does not allow this: {why}. If you think you need access, ask your line manager or an administrator."),
            ),
            PageError::BadRequest(why) => (StatusCode::BAD_REQUEST, "Sorry, there is a problem with the request", why.clone()),
            PageError::Conflict(why) => (StatusCode::CONFLICT, "Someone else changed this first", why.clone()),
            PageError::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "You have been signed out",
                "You were signed out because you had not used the service for a while, or for too long in one go. Nothing you had not saved was changed. Sign in again to continue.".into(),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Sorry, your form could not be sent",
                "The form was out of date or did not come from this service, so nothing was changed. Go back, reload the page and try again.".into(),
            ),
            PageError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, the service is unavailable",
                "The service cannot reach its database at the moment. Nothing you were doing has been half-saved. Try again in a few minutes.".into(),
            ),
            PageError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, there is a problem with the service",
                "Try again later. Nothing you were doing has been half-saved. If it keeps happening, contact support and quote the reference below.".into(),
            ),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match &self {
            PageError::Internal(cause) => tracing::error!(error = %cause, "page handler failed"),
            PageError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
        let (status, title, detail) = self.parts();
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage {
            title: title.into(),
            detail,
        });
        response
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field-level problems, for 422 responses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Errors of API handlers.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unavailable: {0}")]
    Unavailable(StoreError),
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 naming each problem's field, from any layer's (field, message) pairs.
    pub fn invalid_fields<F: Into<String>>(
        problems: impl IntoIterator<Item = (F, String)>,
    ) -> ApiError {
        ApiError::Invalid(
            problems
                .into_iter()
                .map(|(field, message)| FieldProblem {
                    field: field.into(),
                    message,
                })
                .collect(),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict { by, at } => {
                ApiError::Conflict(format!("This record was changed by {by} at {at}"))
            }
            StoreError::Duplicate(field) => ApiError::Invalid(vec![FieldProblem {
                field: field.into(),
                message: format!("{field} is already in use"),
            }]),
            StoreError::Refused(why) => ApiError::BadRequest(why),
            StoreError::Denied(why) => ApiError::Forbidden(why.to_string()),
            other if is_outage(&other) => ApiError::Unavailable(other),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<ecaf_domain::access::AccessDenied> for ApiError {
    fn from(err: ecaf_domain::access::AccessDenied) -> Self {
        ApiError::Forbidden(err.to_string())
    }
}

/// Build a problem+json response.
pub fn problem(
    status: StatusCode,
    detail: impl Into<String>,
    errors: Vec<FieldProblem>,
) -> Response {
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    let body = Problem {
        kind: format!("https://ecaf.example/problems/{}", status.as_u16()),
        title,
        status: status.as_u16(),
        detail: detail.into(),
        errors,
    };
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized(why) => {
                let mut response = problem(StatusCode::UNAUTHORIZED, why, vec![]);
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"ecaf\""),
                );
                response
            }
            ApiError::Forbidden(why) => problem(StatusCode::FORBIDDEN, why, vec![]),
            ApiError::NotFound => problem(
                StatusCode::NOT_FOUND,
                "No such record, or you may not see it",
                vec![],
            ),
            ApiError::Conflict(why) => problem(StatusCode::CONFLICT, why, vec![]),
            ApiError::Invalid(errors) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Some values are not valid; nothing was changed",
                errors,
            ),
            ApiError::BadRequest(why) => problem(StatusCode::BAD_REQUEST, why, vec![]),
            ApiError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                let mut response = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service cannot reach its database at the moment; nothing was changed. Try again later.",
                    vec![],
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
                response
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "api handler failed");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The service had a problem; nothing was changed. Quote the x-request-id header to support.",
                    vec![],
                )
            }
        }
    }
}

pub async fn not_found() -> PageError {
    PageError::NotFound
}

pub async fn method_not_allowed() -> Response {
    let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
    response.extensions_mut().insert(ErrorPage {
        title: "Sorry, that action is not possible here".into(),
        detail:
            "This page cannot be used that way. Go back and use the links and buttons on the page."
                .into(),
    });
    response
}
