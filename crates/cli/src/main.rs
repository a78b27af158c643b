//! The `ecaf` binary: serve the service, load demo data, manage users, and (from the register
//! onwards) import, search and benchmark.
mod bench;
mod import;
mod search;
mod serve;
mod users;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use ecaf_domain::clock::{Clock, SystemClock};
use ecaf_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "ecaf",
    version,
    about = "Electronic Common Assessment Framework (early help) service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: the embedded SQLite database in a data directory (the default), or
/// PostgreSQL.
#[derive(Args, Clone)]
pub struct DatabaseArgs {
    /// PostgreSQL URL (postgres://user@host/db). Without it, SQLite in --data-dir is used.
    #[arg(long, env = "ECAF_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Directory for the embedded SQLite database (created if missing).
    #[arg(long, env = "ECAF_DATA_DIR", default_value = "./ecaf-data")]
    data_dir: PathBuf,
    /// Directory for the snapshot of the matching index, so a start reads it instead of
    /// building the index from every person (default: the data directory with SQLite; none
    /// with PostgreSQL). One directory per database.
    #[arg(long, env = "ECAF_INDEX_SNAPSHOT_DIR")]
    index_snapshot_dir: Option<PathBuf>,
}

impl DatabaseArgs {
    pub async fn open(&self) -> anyhow::Result<Store> {
        self.open_with(Arc::new(SystemClock)).await
    }

    /// Open with a clock of the caller's (`serve --days-ahead`).
    pub async fn open_with(&self, clock: Arc<dyn Clock>) -> anyhow::Result<Store> {
        let store = match &self.database_url {
            Some(url) => Store::connect(url, clock)
                .await
                .context("could not open the PostgreSQL database")?,
            None => Store::open_data_dir(&self.data_dir, clock)
                .await
                .with_context(|| {
                    format!("could not open the database in {}", self.data_dir.display())
                })?,
        };
        let snapshot_dir = match (&self.index_snapshot_dir, &self.database_url) {
            (Some(dir), _) => Some(dir),
            (None, None) => Some(&self.data_dir),
            (None, Some(_)) => None,
        };
        if let Some(dir) = snapshot_dir {
            store.keep_index_snapshot_in(dir);
        }
        Ok(store)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service.
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Demonstration data.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Manage users from the command line (e.g. the first administrator).
    User {
        #[command(subcommand)]
        command: users::UserCommand,
    },
    /// Print the OpenAPI document of the API.
    Openapi,
    /// Import records into the register (see docs/IMPORT.md).
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Search the register as the search page does; ranked candidates with reasons.
    Search(search::SearchArgs),
    /// Benchmarks (see docs/PERFORMANCE.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

/// Input the user can correct (a malformed value, an invalid CSV file): printed without a
/// backtrace or "Error:" prefix and exits with status 2, apart from failures (status 1).
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

#[derive(Subcommand)]
enum DemoCommand {
    /// Load the demo local authority (idempotent; refused on a database with real users).
    Load(DatabaseArgs),
}

/// Logs go to standard output for the service. The tools that print results there (import,
/// search, bench) log to standard error instead, so `--json` output stays parseable, and keep
/// sqlx's slow-statement warnings out of the way: a bulk load is slow statements by design.
fn init_logging(tool: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if tool {
        "warn,sqlx=error"
    } else {
        "info,sqlx=warn"
    };
    let filter = EnvFilter::try_from_env("ECAF_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if tool {
        builder.with_writer(std::io::stderr).init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(matches!(
        cli.command,
        Command::Import { .. } | Command::Search(_) | Command::Bench { .. }
    ));
    match run(cli.command).await {
        Err(err) if err.is::<InputError>() => {
            eprintln!("{err}");
            std::process::exit(2);
        }
        other => other,
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Migrate(db) => {
            let store = db.open().await?;
            println!("Database is up to date ({:?}).", store.backend());
            Ok(())
        }
        Command::Demo {
            command: DemoCommand::Load(db),
        } => {
            let store = db.open().await?;
            let done = store.load_demo().await?;
            println!(
                "Demo data loaded: {} agencies, {} users, {} people and {} CAFs created (password for every demo account: {}).",
                done.agencies_created,
                done.users_created,
                done.people_created,
                done.cafs_created,
                ecaf_store::demo::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::User { command } => users::run(command).await,
        Command::Import { command } => import::run(command).await,
        Command::Search(args) => search::run(args).await,
        Command::Bench { command } => bench::run(command).await,
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(&ecaf_web::api::document())?
            );
            Ok(())
        }
    }
}
