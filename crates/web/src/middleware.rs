//! Layers around every request: request ids and tracing, security headers, caching rules, and
//! turning any bare error response into a GOV.UK page or problem+json.
use crate::error::{problem, ErrorPage};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Give every request an id, log it on every line of the request's span (method and path only:
/// query strings can hold names searched for), and echo it in the response.
pub fn with_request_ids(router: Router) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::map_request(drop_client_request_id))
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span as fn(&Request) -> tracing::Span),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
    )
}

/// Request ids end up in logs and audit rows, so only ids this server made are trusted.
async fn drop_client_request_id(mut request: Request) -> Request {
    request.headers_mut().remove(REQUEST_ID);
    request
}

fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'";

/// Security headers on every response; `no-store` on everything but static assets (pages show
/// personal data); and one rendering of every error the handlers or the framework produced.
pub async fn finish_response(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut response = next.run(request).await;
    if response.status().is_client_error() || response.status().is_server_error() {
        response = render_error(&state, response, is_api, &request_id).await;
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if state.config.secure_cookies {
        // Served over HTTPS: browsers must never again try plain HTTP for this host.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !path.starts_with("/assets/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn content_type(response: &Response) -> &str {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The user-facing words for an error status that no handler described.
fn default_words(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."),
        StatusCode::METHOD_NOT_ALLOWED => ("Sorry, that action is not possible here", "This page cannot be used that way. Go back and use the links and buttons on the page."),
        StatusCode::PAYLOAD_TOO_LARGE => ("The information you sent is too large", "Nothing was changed. Go back and send less at once (for example a smaller file)."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("Sorry, the form could not be read", "Nothing was changed. Go back and submit the form again."),
        StatusCode::UNAUTHORIZED => ("Sign in to continue", "You need to sign in to use this page."),
        StatusCode::FORBIDDEN => ("You do not have permission to see this page", "If you think you need access, ask your line manager or an administrator."),
        s if s.is_server_error() => ("Sorry, there is a problem with the service", "Try again later. Nothing you were doing has been half-saved."),
        _ => ("Sorry, there is a problem with the request", "Nothing was changed. Go back, check what you entered and try again."),
    }
}

async fn render_error(
    state: &AppState,
    response: Response,
    is_api: bool,
    request_id: &str,
) -> Response {
    let status = response.status();
    if is_api {
        // Handlers answer in JSON (problem details, or a body such as possible matches);
        // anything else came from the framework and is rewritten as problem details.
        let ct = content_type(&response);
        if ct.starts_with("application/problem+json") || ct.starts_with("application/json") {
            return response;
        }
        let detail = bare_text(response).await;
        let detail = if detail.is_empty() {
            default_words(status).0.to_string()
        } else {
            detail
        };
        return problem(status, detail, vec![]);
    }
    if content_type(&response).starts_with("text/html") {
        return response;
    }
    let described = response.extensions().get::<ErrorPage>().cloned();
    let (parts, body) = response.into_parts();
    let (title, detail) = match described {
        Some(page) => (page.title, page.detail),
        None => {
            let (title, detail) = default_words(status);
            // Framework rejections (malformed forms) carry a useful plain-text reason.
            let text = body_text(body).await;
            let detail = if status == StatusCode::BAD_REQUEST
                || status == StatusCode::UNPROCESSABLE_ENTITY
            {
                if text.is_empty() {
                    detail.to_string()
                } else {
                    format!("{detail} ({text})")
                }
            } else {
                detail.to_string()
            };
            (title.to_string(), detail)
        }
    };
    let ctx = minijinja::context! {
        title => title,
        detail => detail,
        status => status.as_u16(),
        request_id => request_id,
        demo => state.config.demo,
        signed_in => status == StatusCode::FORBIDDEN,
    };
    match state.templates.render("errors/error.html", ctx) {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            for (name, value) in parts.headers.iter() {
                if name == header::SET_COOKIE
                    || name == header::WWW_AUTHENTICATE
                    || name == header::LOCATION
                {
                    response.headers_mut().append(name, value.clone());
                }
            }
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "error page failed to render");
            (status, title).into_response()
        }
    }
}

async fn body_text(body: Body) -> String {
    match axum::body::to_bytes(body, 4096).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).chars().take(300).collect(),
        Err(_) => String::new(),
    }
}

async fn bare_text(response: Response) -> String {
    body_text(response.into_body()).await
}
