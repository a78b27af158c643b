//! `ecaf serve`: the web service, with graceful shutdown and database housekeeping.
use crate::DatabaseArgs;
use anyhow::Context;
use clap::Args;
use ecaf_store::sessions::SessionPolicy;
use ecaf_web::{AppState, WebConfig};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// Address and port to listen on.
    #[arg(long, env = "ECAF_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Load the demo local authority before serving (idempotent).
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure: set this when the service is reached over HTTPS.
    #[arg(long, env = "ECAF_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "ECAF_SESSION_IDLE_MINUTES", default_value_t = 30)]
    session_idle_minutes: i64,
    /// Hours after sign-in at which a session ends regardless of activity.
    #[arg(long, env = "ECAF_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    session_absolute_hours: i64,
    /// Largest request body accepted, in kilobytes.
    #[arg(long, env = "ECAF_BODY_LIMIT_KB", default_value_t = 1024)]
    body_limit_kb: usize,
    /// Longest a request may take, in seconds; a slower one is abandoned (its transaction
    /// rolled back) and answered "Sorry, there is a problem with the service".
    #[arg(long, env = "ECAF_REQUEST_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_seconds: u64,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    if args.demo {
        let done = store
            .load_demo()
            .await
            .context("could not load demo data")?;
        tracing::info!(
            agencies = done.agencies_created,
            users = done.users_created,
            "demo data loaded"
        );
    }
    let sessions = SessionPolicy {
        idle_timeout: chrono::Duration::minutes(args.session_idle_minutes),
        absolute_timeout: chrono::Duration::hours(args.session_absolute_hours),
    };
    let config = WebConfig {
        secure_cookies: args.secure_cookies,
        sessions,
        body_limit: args.body_limit_kb * 1024,
        request_timeout: Duration::from_secs(args.request_timeout_seconds),
        demo: store.holds_demo_data().await?,
        ..WebConfig::default()
    };
    // Build the matching index before taking traffic, so the first search is not slow.
    let started = std::time::Instant::now();
    let indexed = store
        .catch_up_register()
        .await
        .context("could not build the matching index")?;
    tracing::info!(
        people = indexed,
        seconds = started.elapsed().as_secs_f64(),
        "matching index built"
    );
    let state = AppState::new(store.clone(), config)?;
    let app = ecaf_web::app(state);

    // Expired sessions are refused on lookup anyway; this only keeps the table small. Every
    // instance may run it: the delete is idempotent.
    let housekeeping = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            loop {
                tick.tick().await;
                if let Err(err) = store.purge_expired_sessions(sessions).await {
                    tracing::warn!(error = %err, "session purge failed");
                }
            }
        })
    };

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    tracing::info!(backend = ?store.backend(), "listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    housekeeping.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
