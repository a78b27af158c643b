//! The `ecaf` binary: serve the service, load demo data, manage users, and (from the register
//! onwards) import, search and benchmark.
mod serve;
mod users;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use ecaf_domain::clock::SystemClock;
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
}

impl DatabaseArgs {
    pub async fn open(&self) -> anyhow::Result<Store> {
        let clock = Arc::new(SystemClock);
        match &self.database_url {
            Some(url) => Store::connect(url, clock)
                .await
                .context("could not open the PostgreSQL database"),
            None => Store::open_data_dir(&self.data_dir, clock)
                .await
                .with_context(|| {
                    format!("could not open the database in {}", self.data_dir.display())
                }),
        }
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
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Load the demo local authority (idempotent; refused on a database with real users).
    Load(DatabaseArgs),
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("ECAF_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
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
                "Demo data loaded: {} agencies and {} users created (password for every demo account: {}).",
                done.agencies_created,
                done.users_created,
                ecaf_store::demo::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::User { command } => users::run(command).await,
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(&ecaf_web::api::document())?
            );
            Ok(())
        }
    }
}
