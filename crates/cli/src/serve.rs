//! `ecaf serve`: the web service, with graceful shutdown and database housekeeping.
use crate::{DatabaseArgs, InputError};
use anyhow::Context;
use clap::builder::RangedU64ValueParser;
use clap::Args;
use ecaf_store::sessions::SessionPolicy;
use ecaf_store::StoreError;
use ecaf_web::server::ConnectionLimits;
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
    /// With --demo only: run as if it were this many days later (0 to 400), to see what the
    /// service does as time passes (reviews falling due and overdue, their alerts and mail).
    /// Restart without it to come back to today.
    #[arg(long, requires = "demo", value_parser = clap::value_parser!(i64).range(0..=400))]
    days_ahead: Option<i64>,
    /// Mark cookies Secure: set this when the service is reached over HTTPS.
    #[arg(long, env = "ECAF_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Minutes of inactivity after which a session ends (1 to 1440, and no more than the
    /// absolute limit).
    #[arg(long, env = "ECAF_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=1440))]
    session_idle_minutes: i64,
    /// Hours after sign-in at which a session ends regardless of activity (1 to 24).
    #[arg(long, env = "ECAF_SESSION_ABSOLUTE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(i64).range(1..=24))]
    session_absolute_hours: i64,
    /// Largest request body accepted, in kilobytes (16 to 65536).
    #[arg(long, env = "ECAF_BODY_LIMIT_KB", default_value_t = 1024, value_parser = RangedU64ValueParser::<usize>::new().range(16..=65536))]
    body_limit_kb: usize,
    /// Longest a request may take, in seconds (1 to 600); a slower one is abandoned (its
    /// transaction rolled back) and answered "Sorry, there is a problem with the service".
    #[arg(long, env = "ECAF_REQUEST_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    request_timeout_seconds: u64,
    /// Longest wait, in seconds (1 to 600), for a client to send a whole request head, on a new
    /// connection or between requests on a kept-alive one; the connection is then closed.
    #[arg(long, env = "ECAF_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    header_read_timeout_seconds: u64,
    /// Most connections open at once (1 to 65536); further ones wait until one closes.
    #[arg(long, env = "ECAF_MAX_CONNECTIONS", default_value_t = 512, value_parser = RangedU64ValueParser::<usize>::new().range(1..=65536))]
    max_connections: usize,
    /// A proxy or load balancer (an address or CIDR range, e.g. 10.0.0.0/8; repeat for more)
    /// whose X-Forwarded-For is believed for the client's address, which sign-in throttling
    /// and the audit log use. Without it, every client behind a load balancer shares its
    /// address. Several may be given as one value separated by commas.
    #[arg(long = "trusted-proxy", env = "ECAF_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// What the service is called on every page (e.g. "Family help"), 1 to 60 characters.
    #[arg(long, env = "ECAF_SERVICE_NAME", default_value = "Early help assessment", value_parser = parse_name)]
    service_name: String,
    /// The authority or partnership running the service, shown in the page header (default:
    /// the service name; with --demo, the demo authority).
    #[arg(long, env = "ECAF_ORGANISATION_NAME", value_parser = parse_name)]
    organisation_name: Option<String>,
    /// Send email through this SMTP server: smtp://user:password@host:587 (STARTTLS required;
    /// ?tls=opportunistic or ?tls=none to relax it) or smtps://user:password@host:465 (TLS).
    /// Without it or --mail-folder, mails stay queued.
    #[arg(
        long,
        env = "ECAF_SMTP_URL",
        hide_env_values = true,
        conflicts_with = "mail_folder",
        requires = "mail_from"
    )]
    smtp_url: Option<String>,
    /// Write each email as an .eml file into this directory instead (development, tests).
    #[arg(long, env = "ECAF_MAIL_FOLDER")]
    mail_folder: Option<std::path::PathBuf>,
    /// The address emails come from, e.g. "Early help <ecaf@council.example>" (required with
    /// --smtp-url).
    #[arg(long, env = "ECAF_MAIL_FROM")]
    mail_from: Option<String>,
    /// The service's address as its users reach it, for the links in emails (default: the
    /// --listen address over http).
    #[arg(long, env = "ECAF_PUBLIC_URL")]
    public_url: Option<String>,
    /// The hour (0 to 23, London time) at which each user's daily digest is made.
    #[arg(long, env = "ECAF_DIGEST_HOUR", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=23))]
    digest_hour: u32,
}

/// A name shown in every page's header and title.
fn parse_name(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 60 || text.chars().any(char::is_control) {
        return Err("must be 1 to 60 characters, without control characters".into());
    }
    Ok(text.to_string())
}

/// An address is a network of one.
fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP address or CIDR range (such as 10.0.0.0/8)"))
}

/// How `load_demo` words its refusal of a database with real users (`StoreError::Refused`
/// carries only text, and the store uses that variant for other refusals too).
const HOLDS_REAL_USERS: &str = "This database holds real (non-demo) users";

/// Spare time, beyond the request timeout, for in-flight responses to be written at shutdown.
const SHUTDOWN_SLACK: Duration = Duration::from_secs(5);

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Each value is checked on its own by clap; this one depends on two.
    if args.session_idle_minutes > args.session_absolute_hours * 60 {
        return Err(InputError(format!(
            "--session-idle-minutes ({}) must not be more than --session-absolute-hours ({}) \
             in minutes ({})",
            args.session_idle_minutes,
            args.session_absolute_hours,
            args.session_absolute_hours * 60
        ))
        .into());
    }
    let mailer = mailer(&args)?;
    let store = match args.days_ahead {
        Some(days) => {
            tracing::warn!(days, "the clock runs ahead of today (--days-ahead)");
            args.db
                .open_with(std::sync::Arc::new(ecaf_domain::clock::AheadClock(
                    chrono::Duration::days(days),
                )))
                .await?
        }
        None => args.db.open().await?,
    };
    if args.demo {
        match store.load_demo().await {
            Ok(done) => tracing::info!(
                agencies = done.agencies_created,
                users = done.users_created,
                "demo data loaded"
            ),
            // Refusing is right (demo accounts with a published password must not appear
            // beside real ones), but stopping is not: serve the real data without them.
            Err(StoreError::Refused(reason)) if reason.starts_with(HOLDS_REAL_USERS) => {
                tracing::warn!(
                    "--demo ignored: this database holds real users; demo data is only loaded \
                     into a database without them"
                )
            }
            Err(err) => return Err(err).context("could not load demo data"),
        }
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
        days_ahead: args.days_ahead.unwrap_or(0),
        trusted_proxies: args.trusted_proxies,
        organisation_name: args
            .organisation_name
            .or_else(|| args.demo.then(|| "Brookford Council".to_string())),
        service_name: args.service_name,
        mail_transport: mailer.describe(),
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
    let throttle = config.throttle;
    let state = AppState::new(store.clone(), config)?;
    state.load_wording().await?;
    let app = ecaf_web::app(state);

    // Expired sessions, old sign-in attempts and held forms are ignored anyway; this keeps the
    // tables small and drops what was typed into a held form once its half hour is up. Every instance may run it: the deletes are idempotent.
    let housekeeping = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            loop {
                tick.tick().await;
                if let Err(err) = store.purge_expired_sessions(sessions).await {
                    tracing::warn!(error = %err, "session purge failed");
                }
                if let Err(err) = store.purge_old_password_attempts(throttle).await {
                    tracing::warn!(error = %err, "sign-in attempt purge failed");
                }
                if let Err(err) = store.purge_expired_held_forms().await {
                    tracing::warn!(error = %err, "held form purge failed");
                }
                let month_ago = store.clock().now() - chrono::Duration::days(JOB_RECORDS_KEPT_DAYS);
                if let Err(err) = store.purge_old_job_records(month_ago).await {
                    tracing::warn!(error = %err, "job record purge failed");
                }
            }
        })
    };

    // Periodic jobs, each run once per period by whichever instance takes its lease.
    let mut scheduler = ecaf_web::jobs::Scheduler::new(store.clone(), instance_name());
    ecaf_web::jobs::register_mail_jobs(&mut scheduler, mailer, args.digest_hour);
    ecaf_web::jobs::register_alert_job(&mut scheduler);
    let scheduler = scheduler.spawn(SCHEDULER_TICK);

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    tracing::info!(backend = ?store.backend(), "listening on http://{}", listener.local_addr()?);
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(args.header_read_timeout_seconds),
        max_connections: args.max_connections,
        // A request still running after the request timeout is abandoned anyway.
        shutdown_timeout: Duration::from_secs(args.request_timeout_seconds) + SHUTDOWN_SLACK,
    };
    ecaf_web::server::serve(listener, app, limits, shutdown_signal()).await;
    housekeeping.abort();
    scheduler.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How long the records of job runs are kept (`/admin/jobs` shows the recent ones).
const JOB_RECORDS_KEPT_DAYS: i64 = 30;

/// How often the scheduler looks for due jobs (each runs at most once per its period).
const SCHEDULER_TICK: Duration = Duration::from_secs(15);

/// The mail sender from the options: SMTP, a folder, or neither (mails stay queued).
fn mailer(args: &ServeArgs) -> anyhow::Result<ecaf_web::mail::Mailer> {
    use ecaf_web::mail::{FolderTransport, Mailer, SmtpTransport, Transport};
    use std::sync::Arc;
    let transport: Option<Arc<dyn Transport>> = match (&args.smtp_url, &args.mail_folder) {
        (Some(url), _) => {
            Some(Arc::new(SmtpTransport::from_url(url).map_err(|why| {
                InputError(format!("--smtp-url is not usable: {why}"))
            })?))
        }
        (None, Some(dir)) => {
            Some(Arc::new(FolderTransport::new(dir).with_context(|| {
                format!("could not use --mail-folder {}", dir.display())
            })?))
        }
        (None, None) => None,
    };
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let from = args.mail_from.as_deref().unwrap_or("ecaf@localhost");
    Ok(Mailer::new(transport, from, &public_url, &instance_name()).map_err(InputError)?)
}

/// This process in job leases and mail claims: the host, the process and a random part, so
/// a restart is a new instance.
fn instance_name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "ecaf".to_string());
        let random = uuid::Uuid::new_v4().simple().to_string();
        format!("{host}-{}-{}", std::process::id(), &random[..8])
    })
    .clone()
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
