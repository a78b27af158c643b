//! Storage for ecaf on SQLite (embedded default) or PostgreSQL (for scale), through one query
//! path: `sqlx::Any` with `$n` placeholders, which both backends accept. Each backend has its
//! own append-only migration set; the dialects only differ there.
pub mod agencies;
pub mod audit;
pub mod caf;
pub mod demo;
pub mod import;
pub mod jobs;
pub mod merges;
pub mod outbox;
pub mod people;
pub mod register;
mod secrets;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

use chrono::{DateTime, TimeZone, Utc};
use ecaf_domain::clock::Clock;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors of the storage layer. User-facing text lives in `web`; these carry the facts.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// Optimistic concurrency: someone else saved first.
    #[error("changed by {by} at {at}")]
    Conflict { by: String, at: DateTime<Utc> },
    /// A unique value is already taken (which field, for the error message).
    #[error("{0} is already in use")]
    Duplicate(&'static str),
    /// A rule of the store refused the write.
    #[error("{0}")]
    Refused(String),
    /// The access policy refused: the actor may know the record exists, not do this.
    #[error("not allowed: {0}")]
    Denied(&'static str),
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A write transaction; commit it or it rolls back when dropped.
pub type Tx = Transaction<'static, Any>;

/// The handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    clock: Arc<dyn Clock>,
    register: Arc<register::Register>,
    form_key: Arc<Vec<u8>>,
    wordings: Arc<caf::WordingCache>,
    area: Arc<caf::AreaCache>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// Who did something, from where: written into every audit row.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    pub user_id: Option<i64>,
    pub actor_email: Option<String>,
    pub source_address: Option<String>,
    pub request_id: Option<String>,
}

impl Store {
    /// Connect to a database URL (`sqlite://…` or `postgres://…`) and apply migrations.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::UnsupportedUrl(format!("{scheme}:")));
        };
        // Short enough that a database outage is answered "try again later" while the visitor
        // is still waiting, not after they have given up.
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(5));
        let pool = match backend {
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL for concurrent readers; FULL sync so a crash or power cut never
                            // loses a committed record; a busy writer waits instead of failing.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        let mut store = Store {
            pool,
            backend,
            clock,
            register: Arc::default(),
            form_key: Arc::default(),
            wordings: Arc::default(),
            area: Arc::default(),
        };
        store.migrate().await?;
        store.form_key = Arc::new(store.load_form_token_key().await?);
        Ok(store)
    }

    /// Open (creating if missing) the embedded SQLite database in a data directory.
    pub async fn open_data_dir(dir: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let url = sqlite_url(dir);
        Store::connect(&url, clock).await
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) fn register(&self) -> &register::Register {
        &self.register
    }

    pub(crate) fn area_cache(&self) -> &caf::AreaCache {
        &self.area
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Now, from the injected clock, in storage form (UTC milliseconds).
    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Begin a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`) so two writers queue on the busy timeout instead of one failing
    /// with a deadlock when it upgrades from reading.
    ///
    /// sqlx's `begin` is not cancel-safe (launchbadge/sqlx#3932, #4393): a caller dropped
    /// after `BEGIN` ran but before the transaction guard existed — a request abandoned by
    /// the time limit, a client that went away — returns the connection to the pool still
    /// inside a transaction, and on SQLite still holding the write lock, so every later write
    /// waits out the busy timeout and fails. So the `BEGIN` runs in a task of its own that
    /// nobody can cancel: if the caller has gone when it finishes, the transaction it made
    /// is dropped there, which rolls it back before the connection returns to the pool.
    /// (Dropping a transaction at any later await is safe: sqlx then queues the rollback.)
    pub async fn begin_write(&self) -> Result<Tx> {
        let pool = self.pool.clone();
        let backend = self.backend;
        let begin = tokio::spawn(async move {
            match backend {
                Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
                Backend::Postgres => pool.begin().await,
            }
        });
        match begin.await {
            Ok(tx) => Ok(tx?),
            Err(join) => Err(StoreError::Io(std::io::Error::other(join))),
        }
    }

    /// Check the database can take a write now (for `/readyz`): a write transaction is
    /// begun (on SQLite that takes the write lock), a row is written and it is rolled back,
    /// so a database that answers reads but cannot be written to is not "ready".
    pub async fn ping(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO readiness_probes (checked_at) VALUES ($1)")
            .bind(self.now_ms())
            .execute(&mut *tx)
            .await?;
        tx.rollback().await?;
        Ok(())
    }

    /// Close the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The SQLite URL for the database file in a data directory.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("ecaf.db").display())
}

/// Storage milliseconds to a UTC time (out-of-range values clamp to the epoch).
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// Map a unique-constraint violation to a named duplicate, leaving other errors as they are.
pub(crate) fn unique_violation(err: sqlx::Error, field: &'static str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(field),
        _ => StoreError::Database(err),
    }
}

pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

pub(crate) type Row = AnyRow;
