//! Liveness and readiness for load balancers and orchestrators.
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// The process is alive and serving.
pub async fn alive() -> &'static str {
    "ok"
}

/// The database answers.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not reachable")
        }
    }
}
