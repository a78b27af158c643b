//! The web layer: GOV.UK pages and the JSON API over the store, with sessions, CSRF, access
//! checks, audit and security headers.
pub mod api;
mod assets;
mod error;
mod input;
pub mod jobs;
pub mod mail;
mod middleware;
mod pages;
mod render;
pub mod server;
mod visitor;
mod wording;

pub use error::{ApiError, PageError};

use axum::http::StatusCode;
use axum::Router;
use ecaf_store::sessions::SessionPolicy;
use ecaf_store::throttle::ThrottlePolicy;
use ecaf_store::Store;
use std::sync::Arc;

/// Settings for the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest a request may take before it is abandoned with 503.
    pub request_timeout: std::time::Duration,
    /// How long new API tokens last unless the user picks otherwise, in days.
    pub token_lifetime_days: i64,
    /// The database holds demo data: every page shows a "demo" banner.
    pub demo: bool,
    /// Days the clock runs ahead of today (`serve --demo --days-ahead`), said in the banner.
    pub days_ahead: i64,
    /// Proxies (load balancers) whose `X-Forwarded-For` is believed for the client address.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// What the service calls itself, the same on every page ("Early help assessment",
    /// "Family help", …): the authority's choice.
    pub service_name: String,
    /// The authority or partnership running it, shown in the header; the service name when
    /// none is given.
    pub organisation_name: Option<String>,
    /// Where mail goes ("SMTP to mail.example:587", "files in /tmp/mail"), for the
    /// administrators' page; none means mails stay queued.
    pub mail_transport: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            sessions: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            body_limit: 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            token_lifetime_days: 90,
            demo: false,
            days_ahead: 0,
            trusted_proxies: Vec::new(),
            service_name: "Early help assessment".into(),
            organisation_name: None,
            mail_transport: None,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    templates: Arc<render::Templates>,
    wording: Arc<wording::CurrentWording>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> anyhow::Result<Self> {
        let templates = Arc::new(render::Templates::load(&config)?);
        Ok(Self {
            store,
            config: Arc::new(config),
            templates,
            wording: Arc::default(),
        })
    }
}

/// The whole application: pages, API, assets, and the layers around them.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let request_timeout = state.config.request_timeout;
    let app = Router::new()
        .merge(
            pages::routes().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                wording::keep_current,
            )),
        )
        .nest("/api/v1", api::routes())
        .merge(assets::routes())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            visitor::session_and_csrf,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(body_limit))
        // Inside `finish_response`, so an abandoned request still gets an error page or a
        // problem document. Dropping the handler rolls back any transaction it had open.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::finish_response,
        ))
        .with_state(state);
    middleware::with_request_ids(app)
}
