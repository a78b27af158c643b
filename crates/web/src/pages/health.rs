//! Liveness and readiness for load balancers and orchestrators.
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// The process is alive and serving.
pub async fn alive() -> &'static str {
    "ok"
}

/// The database can take a write now: a write transaction is begun and rolled back (see
/// `Store::ping`), within a few seconds — a load balancer must not keep sending sign-ins to
/// an instance whose writes are stuck.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(READY_WITHIN, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "database not writable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not writable")
        }
        Err(_) => {
            tracing::warn!("database did not take a write within {READY_WITHIN:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database not writable")
        }
    }
}

const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);
