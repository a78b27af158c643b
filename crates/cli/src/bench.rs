//! `ecaf bench matching`: the matcher measured end to end, as the service runs it.
//!
//! A synthetic register (`ecaf_bench::population`) is loaded through the import bulk path into
//! a fresh database (SQLite in a temporary directory, or a new PostgreSQL database on the
//! server given), the matching index is built from the database as the service builds it, and
//! typo'd searches (`ecaf_bench::queries`) go through `Store::search_people` — the code path
//! of the pages and the API, audit row included. On PostgreSQL the same searches are also
//! answered by `pg_trgm`, as the baseline any fuzzy search must beat.
use anyhow::Context;
use clap::{Args, Subcommand};
use ecaf_bench::population::{Frequencies, Population};
use ecaf_bench::queries::{self, TestQuery};
use ecaf_domain::access::{operator_grant, UseRegister};
use ecaf_domain::clock::SystemClock;
use ecaf_domain::person::{
    Address, NhsNumber, OtherName, OtherNameKind, PersonDetails, Postcode, Upn,
};
use ecaf_store::import::ImportPerson;
use ecaf_store::{Attribution, Backend, Store};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use sqlx::Row;
use std::sync::Arc;
use std::time::Instant;

mod caf;
mod home;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Recall and latency of register search through the store, against pg_trgm baselines.
    Matching(MatchingArgs),
    /// Latency of the CAF pages (task list, a section) and of the search with CAF summaries
    /// on a register with many CAFs, through the router as a signed-in assessor.
    Caf(caf::CafArgs),
    /// Latency of the early help team's and practitioners' home pages, and the time of the
    /// alert computation over every open CAF, on an area's caseload.
    Home(home::HomeArgs),
}

#[derive(Args)]
pub struct MatchingArgs {
    /// People in the synthetic register.
    #[arg(long, default_value_t = 100_000)]
    people: usize,
    /// Searches to run.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Seed for the population and the searches.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// A PostgreSQL server URL: a new database is created there for the run (and dropped after
    /// it unless --keep). Without it, SQLite in a temporary directory is used. Deliberately not
    /// read from ECAF_DATABASE_URL, so a benchmark never runs against the service's database.
    #[arg(long)]
    database_url: Option<String>,
    /// Searches for the pg_trgm full-scan baseline, which reads every row per search
    /// (default: all of --queries up to 200).
    #[arg(long)]
    scan_queries: Option<usize>,
    /// People per import transaction.
    #[arg(long, default_value_t = 5_000)]
    batch_size: usize,
    /// Keep the PostgreSQL database after the run.
    #[arg(long)]
    keep: bool,
    /// Load the SQLite register into this new directory and keep it, so `ecaf serve
    /// --data-dir DIR` can be measured on it afterwards (default: a temporary directory).
    #[arg(long, conflicts_with = "database_url")]
    data_dir: Option<std::path::PathBuf>,
    /// How names are spread: `england` (the commonest surname about 1.5% of children) or
    /// `concentrated` (about 3%: some 28,000 share it at a million).
    #[arg(long, default_value = "england", value_parser = ["england", "concentrated"])]
    names: String,
    /// Searches for children who are not on the register (whole households left out of the
    /// load), counted as a false "stop and confirm" when the first candidate scores at least
    /// the adding pages' confirmation score.
    #[arg(long, default_value_t = 200)]
    absent: usize,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

/// The score at or above which adding a person asks the practitioner to confirm a candidate
/// is not them: `CONFIRM_THRESHOLD` of the API and the add page.
const CONFIRM_SCORE: f64 = 8.0;

/// Where the benchmark's register is, to open it a second time.
enum Location {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Location {
    async fn open(&self) -> anyhow::Result<Store> {
        let clock = Arc::new(SystemClock);
        Ok(match self {
            Location::Sqlite(path) => Store::open_data_dir(path, clock).await?,
            Location::Postgres(url) => Store::connect(url, clock).await?,
        })
    }
}

/// Figures for one way of answering the searches.
#[derive(Debug, Serialize)]
pub struct MethodResult {
    pub method: String,
    pub queries: usize,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    /// Searches whose first candidate was someone else (an empty answer is not counted).
    pub false_top_1: usize,
    pub no_result: usize,
    /// recall@1 over the searches another person could not be told apart from the truth on.
    pub recall_at_1_unambiguous: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub backend: String,
    pub people: usize,
    pub queries: usize,
    pub seed: u64,
    pub generate_s: f64,
    pub load_s: f64,
    pub load_people_per_s: f64,
    pub names: String,
    /// The first `catch_up_register`: the whole index read from the database and built, and
    /// its snapshot written.
    pub index_build_s: f64,
    pub indexed: usize,
    /// Size of the index's snapshot.
    pub snapshot_mb: f64,
    /// A second store on the same database made ready from the snapshot (read, checked and
    /// caught up), as `ecaf serve` and `ecaf search` start.
    pub start_from_snapshot_s: f64,
    /// Searches for children not on the register.
    pub absent_searches: usize,
    /// Of those, how many had a first candidate at or above the "stop and confirm" score.
    pub absent_false_confirm: usize,
    /// The highest first-candidate score among them.
    pub absent_max_score: f64,
    /// Searches for people on the register whose person came first at or above the "stop
    /// and confirm" score: adding them again would be stopped.
    pub present_confirm_rate: f64,
    pub rss_mb_before_index: f64,
    /// Resident memory once the index is built (the population generator's memory freed).
    pub rss_mb_after_index: f64,
    pub trigram_index_build_s: Option<f64>,
    pub methods: Vec<MethodResult>,
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Collects ranks and latencies for one method.
struct Tally {
    method: String,
    latencies: Vec<f64>,
    at1: usize,
    at5: usize,
    false_top_1: usize,
    none: usize,
    unambiguous: usize,
    unambiguous_at1: usize,
}

impl Tally {
    fn new(method: &str) -> Self {
        Tally {
            method: method.to_string(),
            latencies: Vec::new(),
            at1: 0,
            at5: 0,
            false_top_1: 0,
            none: 0,
            unambiguous: 0,
            unambiguous_at1: 0,
        }
    }

    /// `answer` is the external ids returned, best first.
    fn add(&mut self, query: &TestQuery, answer: &[Option<String>], ms: f64) {
        let truth = external_id(query.truth);
        let rank = answer
            .iter()
            .take(5)
            .position(|a| a.as_deref() == Some(truth.as_str()));
        self.latencies.push(ms);
        self.at1 += usize::from(rank == Some(0));
        self.at5 += usize::from(rank.is_some());
        self.none += usize::from(answer.is_empty());
        self.false_top_1 += usize::from(rank != Some(0) && !answer.is_empty());
        if !query.ambiguous {
            self.unambiguous += 1;
            self.unambiguous_at1 += usize::from(rank == Some(0));
        }
    }

    fn finish(mut self) -> MethodResult {
        self.latencies.sort_by(f64::total_cmp);
        let n = self.latencies.len().max(1) as f64;
        MethodResult {
            method: self.method,
            queries: self.latencies.len(),
            recall_at_1: self.at1 as f64 / n,
            recall_at_5: self.at5 as f64 / n,
            false_top_1: self.false_top_1,
            no_result: self.none,
            recall_at_1_unambiguous: self.unambiguous_at1 as f64 / self.unambiguous.max(1) as f64,
            p50_ms: percentile(&self.latencies, 0.5),
            p95_ms: percentile(&self.latencies, 0.95),
            p99_ms: percentile(&self.latencies, 0.99),
            max_ms: self.latencies.last().copied().unwrap_or(0.0),
        }
    }
}

fn external_id(population_id: i64) -> String {
    format!("P{population_id}")
}

/// A generated person as the import path takes them.
fn import_person(population: &Population, p: &ecaf_bench::population::Person) -> ImportPerson {
    let record = population.record(p);
    let other_names = record
        .other_names
        .iter()
        .map(|name| {
            let (given, family) = name.rsplit_once(' ').unwrap_or((name.as_str(), ""));
            OtherName {
                kind: OtherNameKind::Alias,
                given_name: given.to_string(),
                family_name: family.to_string(),
            }
        })
        .collect();
    let postcode = record
        .postcode
        .as_deref()
        .and_then(|p| Postcode::parse(p).ok());
    ImportPerson {
        source_row: p.id as u64,
        external_id: Some(external_id(p.id)),
        details: PersonDetails {
            given_name: record.given_name,
            family_name: record.family_name,
            gender: None,
            date_of_birth: record.date_of_birth,
            date_of_birth_is_expected: record
                .date_of_birth
                .is_some_and(|d| d > ecaf_bench::population::today()),
            nhs_number: record
                .nhs_number
                .as_deref()
                .and_then(|n| NhsNumber::parse(n).ok()),
            upn: record.upn.as_deref().and_then(|u| Upn::parse(u).ok()),
            telephone: None,
            ethnicity: None,
            first_language: String::new(),
            communication_needs: String::new(),
            interpreter_needed: ecaf_domain::person::Answer::NotKnown,
            disability: String::new(),
            main_address: Some(Address {
                line1: record.address_line1.unwrap_or_default(),
                line2: String::new(),
                town: record.town.unwrap_or_default(),
                postcode,
                description: String::new(),
            }),
            other_addresses: Vec::new(),
            other_names,
        },
    }
}

/// A new empty database on the server of `url`, and its URL.
async fn fresh_database(url: &str) -> anyhow::Result<(String, String)> {
    sqlx::any::install_default_drivers();
    let (base, params) = match url.split_once('?') {
        Some((b, p)) => (b, format!("?{p}")),
        None => (url, String::new()),
    };
    let Some((server, _)) = base.rsplit_once('/') else {
        anyhow::bail!("--database-url must look like postgres://user@host:port/database");
    };
    let name = format!("ecaf_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::AnyPool::connect(url)
        .await
        .context("could not connect to the PostgreSQL server")?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok((format!("{server}/{name}{params}"), name))
}

async fn drop_database(url: &str, name: &str) -> anyhow::Result<()> {
    let admin = sqlx::AnyPool::connect(url).await?;
    // FORCE: an autovacuum worker woken by the load may still be connected.
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(())
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Matching(args) => {
            let report = matching(&args).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", table(&report));
            }
            Ok(())
        }
        BenchCommand::Caf(args) => {
            let report = caf::run(&args).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", caf::table(&report));
            }
            Ok(())
        }
        BenchCommand::Home(args) => {
            let report = home::run(&args).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", home::table(&report));
            }
            Ok(())
        }
    }
}

fn bar(total: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len} {elapsed} (eta {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

pub async fn matching(args: &MatchingArgs) -> anyhow::Result<Report> {
    let t = Instant::now();
    let frequencies = if args.names == "concentrated" {
        Frequencies::Concentrated
    } else {
        Frequencies::England
    };
    // Whole households beyond `people` are generated and taken off again: the absent.
    let extra = if args.absent > 0 {
        (args.absent * 4).max(100)
    } else {
        0
    };
    let mut population = Population::generate_with(args.people + extra, args.seed, frequencies);
    let absent = population.take_absent(extra);
    let searches = queries::generate(&population, args.queries, args.seed);
    let absent_searches = queries::generate_among(&population, &absent, args.absent, args.seed ^ 1);
    let generate_s = t.elapsed().as_secs_f64();

    let dir = tempfile::tempdir()?;
    let snapshots = tempfile::tempdir()?;
    let clock = Arc::new(SystemClock);
    let (store, fresh, location) = match &args.database_url {
        Some(url) => {
            let (fresh_url, name) = fresh_database(url).await?;
            (
                Store::connect(&fresh_url, clock).await?,
                Some(name),
                Location::Postgres(fresh_url),
            )
        }
        None => {
            let path = match &args.data_dir {
                Some(path) => {
                    anyhow::ensure!(
                        !path.exists(),
                        "{} already exists; give a new directory",
                        path.display()
                    );
                    path.as_path()
                }
                None => dir.path(),
            };
            (
                Store::open_data_dir(path, clock).await?,
                None,
                Location::Sqlite(path.to_path_buf()),
            )
        }
    };
    // A kept SQLite register keeps its snapshot with it, as `ecaf serve` would.
    let snapshot_dir = match (&args.data_dir, &location) {
        (Some(dir), Location::Sqlite(_)) => dir.clone(),
        _ => snapshots.path().to_path_buf(),
    };
    store.keep_index_snapshot_in(&snapshot_dir);
    let run = Run {
        location: &location,
        snapshot_dir: &snapshot_dir,
        searches: &searches,
        absent: &absent_searches,
        generate_s,
    };
    let result = measure(args, &store, population, run).await;
    store.close().await;
    if let (Some(url), Some(name)) = (&args.database_url, &fresh) {
        if args.keep {
            eprintln!("kept database {name}");
        } else {
            // The figures are worth more than the clean-up: report, do not fail, if it fails.
            if let Err(err) = drop_database(url, name).await {
                eprintln!("could not drop the benchmark database {name}: {err}");
            }
        }
    }
    result
}

/// What one run works on.
struct Run<'a> {
    location: &'a Location,
    snapshot_dir: &'a std::path::Path,
    searches: &'a [TestQuery],
    absent: &'a [TestQuery],
    generate_s: f64,
}

async fn measure(
    args: &MatchingArgs,
    store: &Store,
    population: Population,
    run: Run<'_>,
) -> anyhow::Result<Report> {
    let Run {
        location,
        snapshot_dir,
        searches,
        absent,
        generate_s,
    } = run;
    let grant = operator_grant::<UseRegister>();
    let by = Attribution {
        actor_email: Some("ecaf bench matching (command line)".into()),
        ..Attribution::default()
    };

    let progress = bar(population.people.len() as u64, "Loading");
    let t = Instant::now();
    for chunk in population.people.chunks(args.batch_size.max(1)) {
        let batch: Vec<ImportPerson> = chunk
            .iter()
            .map(|p| import_person(&population, p))
            .collect();
        store
            .import_people_batch(&grant, &by, "synthetic population", &batch)
            .await?;
        progress.inc(chunk.len() as u64);
    }
    let load_s = t.elapsed().as_secs_f64();
    progress.finish_and_clear();
    let people = population.people.len();
    // As `ecaf import people` does: statistics refreshed and the load written out, so the
    // searches are timed in a steady state.
    store.settle_after_import().await?;
    // The service holds no population: free it so the memory figure is the index's.
    drop(population);
    ecaf_store::register::release_freed_memory();

    let rss_mb_before_index = rss_mb();
    let t = Instant::now();
    let indexed = store.catch_up_register().await?;
    let index_build_s = t.elapsed().as_secs_f64();
    let rss_mb_after_index = rss_mb();
    let snapshot_mb = std::fs::metadata(snapshot_dir.join("matching-index.snapshot"))
        .map_or(0.0, |m| m.len() as f64 / 1e6);
    let t = Instant::now();
    let second = location.open().await?;
    second.keep_index_snapshot_in(snapshot_dir);
    second.catch_up_register().await?;
    let start_from_snapshot_s = t.elapsed().as_secs_f64();
    second.close().await;
    drop(second);
    ecaf_store::register::release_freed_memory();

    let mut absent_false_confirm = 0;
    let mut absent_max_score = f64::MIN;
    for q in absent {
        let hits = store.search_people(&grant, &by, &q.query, 1).await?;
        if let Some(first) = hits.first() {
            absent_max_score = absent_max_score.max(first.score);
            if first.same_identifier || first.score >= CONFIRM_SCORE {
                absent_false_confirm += 1;
            }
        }
    }

    let mut methods = Vec::new();
    let progress = bar(searches.len() as u64, "Searching");
    let mut ecaf = Tally::new("ecaf (Store::search_people)");
    let mut present_confirm = 0;
    for q in searches {
        let t = Instant::now();
        let hits = store.search_people(&grant, &by, &q.query, 5).await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        present_confirm += usize::from(hits.first().is_some_and(|h| {
            h.external_id.as_deref() == Some(external_id(q.truth).as_str())
                && (h.same_identifier || h.score >= CONFIRM_SCORE)
        }));
        let answer: Vec<Option<String>> = hits.into_iter().map(|h| h.external_id).collect();
        ecaf.add(q, &answer, ms);
        progress.inc(1);
    }
    progress.finish_and_clear();
    methods.push(ecaf.finish());

    let mut trigram_index_build_s = None;
    if store.backend() == Backend::Postgres {
        let t = Instant::now();
        sqlx::query(
            "CREATE INDEX people_full_name_trgm ON people USING gin ((given_name || ' ' || family_name) gin_trgm_ops)",
        )
        .execute(store.pool())
        .await?;
        sqlx::query("ANALYZE people").execute(store.pool()).await?;
        trigram_index_build_s = Some(t.elapsed().as_secs_f64());
        let filtered = "SELECT external_id FROM people WHERE merged_into_id IS NULL \
             AND (given_name || ' ' || family_name) % $1 \
             ORDER BY similarity(given_name || ' ' || family_name, $1) DESC, COALESCE(date_of_birth = $2, FALSE) DESC, id LIMIT 5";
        let scan = "SELECT external_id FROM people WHERE merged_into_id IS NULL \
             ORDER BY similarity(given_name || ' ' || family_name, $1) DESC, COALESCE(date_of_birth = $2, FALSE) DESC, id LIMIT 5";
        let scan_count = args.scan_queries.unwrap_or(200).min(searches.len());
        for (method, sql, count) in [
            (
                "pg_trgm % with GIN index, by similarity",
                filtered,
                searches.len(),
            ),
            ("pg_trgm full scan, by similarity", scan, scan_count),
        ] {
            let progress = bar(count as u64, "pg_trgm");
            let mut tally = Tally::new(method);
            for q in &searches[..count] {
                let name = format!(
                    "{} {}",
                    q.query.given_name.as_deref().unwrap_or_default(),
                    q.query.family_name.as_deref().unwrap_or_default()
                );
                let t = Instant::now();
                let rows = sqlx::query(sql)
                    .bind(name.trim().to_string())
                    .bind(q.query.date_of_birth.map(|d| d.to_string()))
                    .fetch_all(store.pool())
                    .await?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                let answer = rows
                    .iter()
                    .map(|r| r.try_get::<Option<String>, _>("external_id"))
                    .collect::<Result<Vec<_>, _>>()?;
                tally.add(q, &answer, ms);
                progress.inc(1);
            }
            progress.finish_and_clear();
            methods.push(tally.finish());
        }
    }

    Ok(Report {
        backend: format!("{:?}", store.backend()),
        people,
        queries: searches.len(),
        seed: args.seed,
        generate_s,
        load_s,
        load_people_per_s: people as f64 / load_s.max(1e-9),
        names: args.names.clone(),
        index_build_s,
        indexed,
        snapshot_mb,
        start_from_snapshot_s,
        absent_searches: absent.len(),
        absent_false_confirm,
        absent_max_score,
        present_confirm_rate: present_confirm as f64 / searches.len().max(1) as f64,
        rss_mb_before_index,
        rss_mb_after_index,
        trigram_index_build_s,
        methods,
    })
}

fn table(r: &Report) -> String {
    let mut out = format!(
        "backend {}; {} people ({} names), {} searches, seed {}\n\
         generate {:.1}s; load (import bulk path) {:.1}s = {:.0} people/s\n\
         index build (first catch_up_register, snapshot written) {:.1}s for {} people; RSS {:.0} MB after ({:.0} MB before)\n\
         snapshot {:.0} MB; ready from it (second store: read, checked, caught up) {:.2}s\n\
         not on the register: {} of {} searches over the \"stop and confirm\" score {} (highest first score {:.1}); \
         on the register: {:.3} found first at or over it\n",
        r.backend,
        r.people,
        r.names,
        r.queries,
        r.seed,
        r.generate_s,
        r.load_s,
        r.load_people_per_s,
        r.index_build_s,
        r.indexed,
        r.rss_mb_after_index,
        r.rss_mb_before_index,
        r.snapshot_mb,
        r.start_from_snapshot_s,
        r.absent_false_confirm,
        r.absent_searches,
        CONFIRM_SCORE,
        r.absent_max_score,
        r.present_confirm_rate,
    );
    if let Some(s) = r.trigram_index_build_s {
        out.push_str(&format!("pg_trgm GIN index build {s:.1}s\n"));
    }
    out.push_str(&format!(
        "\n{:<42} {:>7} {:>8} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9}\n",
        "method",
        "queries",
        "recall@1",
        "recall@5",
        "false@1",
        "none",
        "p50 ms",
        "p95 ms",
        "p99 ms"
    ));
    for m in &r.methods {
        out.push_str(&format!(
            "{:<42} {:>7} {:>8.4} {:>8.4} {:>9} {:>7} {:>9.2} {:>9.2} {:>9.2}\n",
            m.method,
            m.queries,
            m.recall_at_1,
            m.recall_at_5,
            m.false_top_1,
            m.no_result,
            m.p50_ms,
            m.p95_ms,
            m.p99_ms
        ));
    }
    out
}
