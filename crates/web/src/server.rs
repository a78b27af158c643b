//! The accept loop: `axum::serve` with the limits it lacks, so slow or idle clients cannot hold
//! connections open for ever (a probe kept 2,000 half-sent requests open for over a minute).
//!
//! - A client must send a whole request head within `header_read_timeout`, counted from when
//!   the server starts waiting for it. Hyper starts that timer again after every response, so
//!   the same limit closes an idle kept-alive connection. Hyper has no separate idle timeout,
//!   so behind a proxy that reuses connections this must exceed the proxy's own (README).
//! - The request body is not timed here: the handlers (and the CSRF check, which reads page
//!   forms) read it inside the application's request timeout (`WebConfig::request_timeout`),
//!   so a body sent slowly is answered 503 at that timeout and the connection closed.
//! - At most `max_connections` connections are open at once (see `serve` for what happens to
//!   the next one).
//!
//! A client that stops reading a response is not timed out (hyper has no write timeout); the
//! connection cap bounds how many of those there can be.
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Limits on the connections `serve` holds.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Longest wait for a whole request head, on a new connection or between the requests of a
    /// kept-alive one; the connection is closed when it runs out.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Longest wait, once shutdown begins, for requests in progress to finish; connections
    /// still open then are closed.
    pub shutdown_timeout: Duration,
}

/// How long to stop accepting after an accept error such as "too many open files": the error
/// lasts until some connection closes, and retrying at once would only spin and flood the log.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// How often, at most, to log that the connection cap is reached.
const FULL_WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// Serve `app` on `listener` until `shutdown` completes, then stop accepting and give the
/// requests in progress up to `limits.shutdown_timeout` to finish.
///
/// Handlers see the client's address as `ConnectInfo<SocketAddr>`, as with axum's
/// `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // When every connection is taken the loop stops accepting, so a new connection waits in
    // the kernel's listen backlog (128 with tokio's `bind`, as with std; past that the kernel
    // drops connection attempts and clients retry) and is served as soon as another closes;
    // its header read timeout starts only then. Accepting and closing it at once would turn a
    // busy moment into errors for real users, and under attack would cost an accept and a
    // close per attempt, while a queued client that gives up costs nothing. A load balancer's
    // health check waits too, so it sees a full instance as slow and sends traffic elsewhere.
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    // Every connection's task, so any still running when the shutdown wait runs out are
    // dropped (closing their sockets) when this function returns.
    let mut connections = JoinSet::new();
    let mut last_full_warning: Option<Instant> = None;
    let mut shutdown = pin!(shutdown);
    loop {
        // Finished connections leave their results here until collected.
        while connections.try_join_next().is_some() {}
        if slots.available_permits() == 0
            && last_full_warning.is_none_or(|at| at.elapsed() >= FULL_WARNING_INTERVAL)
        {
            tracing::warn!(
                max_connections = limits.max_connections,
                "every connection is in use; new connections wait until one closes"
            );
            last_full_warning = Some(Instant::now());
        }
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                // The semaphore is never closed.
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) if is_connection_error(&err) => {
                    // This connection went away before we took it; the next is unaffected.
                    tracing::debug!(error = %err, "connection lost before accept");
                    continue;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not accept a connection; pausing");
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                    }
                }
            },
        };
        let service = TowerToHyperService::new(app.clone().map_request(
            move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                request
            },
        ));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            // Timeouts, resets and malformed requests end here; they are the client's doing.
            if let Err(err) = connection.await {
                tracing::debug!(client = %remote, error = %err, "connection ended");
            }
            drop(slot);
        });
    }

    // Stop accepting: from here a new connection is refused rather than left in the backlog.
    drop(listener);
    while connections.try_join_next().is_some() {}
    let open = connections.len();
    if open > 0 {
        tracing::info!(connections = open, "waiting for open connections to finish");
    }
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        while connections.try_join_next().is_some() {}
        tracing::warn!(
            connections = connections.len(),
            seconds = limits.shutdown_timeout.as_secs(),
            "connections still open after the shutdown wait; closing them"
        );
    }
}

/// Errors of the one connection being accepted, not of the listener.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
