//! Who is asking: the session cookie is looked up once per request, and every state-changing
//! form is checked for its CSRF token here — before any handler runs — so no handler can
//! forget it.
use crate::error::PageError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use ecaf_domain::access::{authorise, Capability, Grant};
use ecaf_domain::credentials::random_secret;
use ecaf_store::audit::AuditEntry;
use ecaf_store::sessions::ActiveSession;
use ecaf_store::users::User;
use ecaf_store::Attribution;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "ecaf_session";
/// A per-browser secret for forms shown before sign-in (double-submit).
pub const FORM_COOKIE: &str = "ecaf_form";

/// The person (or anonymous browser) making this request.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub user: Option<User>,
    pub session: Option<ActiveSession>,
    /// A session cookie was sent but its session had ended.
    pub expired: bool,
    pub request_id: String,
    pub address: String,
    /// The token forms on this page must carry.
    pub csrf_token: String,
}

impl Visitor {
    /// For audit rows.
    pub fn attribution(&self) -> Attribution {
        Attribution {
            user_id: self.user.as_ref().map(|u| u.id),
            actor_email: self.user.as_ref().map(|u| u.email.clone()),
            source_address: Some(self.address.clone()),
            request_id: Some(self.request_id.clone()),
        }
    }
}

/// The client address, from the connection (tests insert one too).
pub fn client_address(parts_extensions: &axum::http::Extensions) -> String {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(crate::middleware::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    c.set_path("/");
    c
}

/// Look up the session, then refuse any page form (POST, PUT, PATCH, DELETE outside `/api/`)
/// whose `csrf_token` field does not match this browser's secret.
pub async fn session_and_csrf(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let mut visitor = Visitor {
        user: None,
        session: None,
        expired: false,
        request_id: request_id(&parts.headers),
        address: client_address(&parts.extensions),
        csrf_token: String::new(),
    };
    if let Some(secret) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        match state.store.session(&secret, state.config.sessions).await {
            Ok(Ok(session)) => match state.store.user(session.user_id).await {
                Ok(user) => {
                    visitor.csrf_token = session.csrf_token.clone();
                    visitor.user = Some(user);
                    visitor.session = Some(session);
                }
                Err(err) => return PageError::from(err).into_response(),
            },
            Ok(Err(_)) => visitor.expired = true,
            Err(err) => return PageError::from(err).into_response(),
        }
    }
    let form_secret = jar.get(FORM_COOKIE).map(|c| c.value().to_string());
    let mut new_form_secret = None;
    if visitor.session.is_none() {
        visitor.csrf_token = match &form_secret {
            Some(secret) => secret.clone(),
            None => {
                let secret = random_secret();
                new_form_secret = Some(secret.clone());
                secret
            }
        };
    }

    let is_page = !parts.uri.path().starts_with("/api/");
    // Pages only ever read with GET and write with POST forms; any other method is refused
    // here, so no page route can exist that the CSRF check below does not cover.
    if is_page && !matches!(parts.method, Method::GET | Method::HEAD | Method::POST) {
        return crate::error::method_not_allowed().await;
    }
    let body = if is_page && parts.method == Method::POST {
        let bytes = match axum::body::to_bytes(body, state.config.body_limit).await {
            Ok(bytes) => bytes,
            Err(_) => return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        let sent = form_token(&parts.headers, &bytes);
        let accepted = [
            visitor.session.as_ref().map(|s| s.csrf_token.clone()),
            form_secret.clone(),
        ]
        .into_iter()
        .flatten()
        .any(|expected| {
            sent.as_deref()
                .is_some_and(|s| constant_time_eq(s, &expected))
        });
        if !accepted {
            let signing_in = parts.uri.path() == "/sign-in";
            return if visitor.expired && !signing_in {
                PageError::SessionExpired.into_response()
            } else {
                PageError::Csrf.into_response()
            };
        }
        Body::from(bytes)
    } else {
        body
    };

    parts.extensions.insert(visitor);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(secret) = new_form_secret {
        let c = cookie(FORM_COOKIE, secret, state.config.secure_cookies);
        if let Ok(value) = c.encoded().to_string().parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn form_token(headers: &axum::http::HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Some(value.to_string());
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    form_urlencoded_pairs(body)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v)
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(|| PageError::Internal(anyhow::anyhow!("visitor layer missing")))
    }
}

/// A visitor who is signed in; anyone else is sent to sign in (or told their session ended).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub visitor: Visitor,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match &visitor.user {
            Some(user) => Ok(SignedIn {
                user: user.clone(),
                visitor,
            }),
            None if visitor.expired && parts.method != Method::GET => {
                Err(PageError::SessionExpired.into_response())
            }
            None => {
                let next = parts.uri.path();
                let target = if next == "/" {
                    "/sign-in".to_string()
                } else {
                    format!("/sign-in?next={}", urlencode(next))
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// A signed-in user who holds capability `C`. Anyone else gets the 403 page, and the refusal
/// is audited.
pub struct Authorised<C: Capability> {
    pub signed_in: SignedIn,
    pub grant: Grant<C>,
}

impl<C: Capability> FromRequestParts<AppState> for Authorised<C> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        match authorise::<C>(&signed_in.user.actor()) {
            Ok(grant) => Ok(Authorised { signed_in, grant }),
            Err(denied) => {
                let entry = AuditEntry::new("access.denied").detail(format!(
                    "{} {}: {denied}",
                    parts.method,
                    parts.uri.path()
                ));
                if let Err(err) = state
                    .store
                    .audit(&signed_in.visitor.attribution(), entry)
                    .await
                {
                    return Err(PageError::from(err).into_response());
                }
                Err(PageError::from(denied).into_response())
            }
        }
    }
}
