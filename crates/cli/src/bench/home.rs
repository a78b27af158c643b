//! `ecaf bench home`: the home pages and the alert computation on an area's caseload.
//!
//! A fresh database gets 8 agencies of 2 teams, practitioners with a line manager each, an
//! early help team member, children on the register and open CAFs in every state (most with
//! a plan, its actions, the team around the family, a consent to share and reviews held),
//! plus closed ones, written with bulk SQL (bench data only: no event, audit or history rows).
//! Then the early help team's home page (every open CAF in the area: its first request, which
//! builds the process's copy of the area, then warm, then each after a write to one CAF) and
//! practitioners' home pages are requested through the router as signed-in users, and
//! `Store::open_alerts` is timed over every open CAF.
use super::caf::{latency, signed_in, Latency, PASSWORD};
use super::{bar, drop_database, fresh_database};
use chrono::{Duration, NaiveDate, Utc};
use clap::Args;
use ecaf_domain::access::Role;
use ecaf_domain::clock::SystemClock;
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_store::{Attribution, Store, Tx};
use ecaf_web::{AppState, WebConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args)]
pub struct HomeArgs {
    /// Children on the register.
    #[arg(long, default_value_t = 100_000)]
    children: usize,
    /// Open CAFs (a quarter as many closed ones are added).
    #[arg(long, default_value_t = 20_000)]
    open_cafs: usize,
    /// Practitioners holding them.
    #[arg(long, default_value_t = 160)]
    practitioners: usize,
    /// Requests of each kind measured (after 20 not measured).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Runs of the alert computation measured.
    #[arg(long, default_value_t = 5)]
    alert_runs: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// A PostgreSQL server URL: a new database is created there for the run (and dropped after
    /// it unless --keep). Without it, SQLite in a temporary directory (or --data-dir).
    #[arg(long)]
    database_url: Option<String>,
    /// Keep the PostgreSQL database after the run.
    #[arg(long)]
    keep: bool,
    /// Load the SQLite database into this new directory and keep it (for EXPLAIN afterwards).
    #[arg(long, conflicts_with = "database_url")]
    data_dir: Option<std::path::PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

const WARM_UP: usize = 20;
const AGENCIES: usize = 8;
const ROWS_PER_STATEMENT: usize = 400;

#[derive(Debug, Serialize)]
pub struct HomeReport {
    pub backend: String,
    pub children: usize,
    pub open_cafs: usize,
    pub closed_cafs: usize,
    pub actions: usize,
    pub reviews: usize,
    pub practitioners: usize,
    pub load_s: f64,
    /// Alerts found over every open CAF.
    pub alerts: usize,
    pub latencies: Vec<Latency>,
}

pub async fn run(args: &HomeArgs) -> anyhow::Result<HomeReport> {
    let clock = Arc::new(SystemClock);
    let dir = tempfile::tempdir()?;
    let (store, fresh) = match &args.database_url {
        Some(url) => {
            let (fresh_url, name) = fresh_database(url).await?;
            (Store::connect(&fresh_url, clock).await?, Some(name))
        }
        None => {
            let path = args.data_dir.as_deref().unwrap_or(dir.path());
            anyhow::ensure!(
                args.data_dir.is_none() || !path.exists(),
                "{} already exists; give a new directory",
                path.display()
            );
            (Store::open_data_dir(path, clock).await?, None)
        }
    };
    let result = measure(args, &store).await;
    store.close().await;
    if let (Some(url), Some(name)) = (&args.database_url, &fresh) {
        if args.keep {
            eprintln!("kept database {name}");
        } else if let Err(err) = drop_database(url, name).await {
            eprintln!("could not drop the benchmark database {name}: {err}");
        }
    }
    result
}

/// A value of a bulk-inserted row.
enum V {
    I(i64),
    T(String),
    /// PostgreSQL wants a NULL's type to be the column's.
    NullText,
    NullInt,
}

/// Insert `rows` into `table (columns)` a few hundred rows to a statement, every value bound.
async fn insert(tx: &mut Tx, table: &str, columns: &str, rows: Vec<Vec<V>>) -> anyhow::Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let width = chunk.first().map_or(0, Vec::len);
        let mut n = 0;
        let groups: Vec<String> = chunk
            .iter()
            .map(|_| {
                let marks: Vec<String> = (0..width)
                    .map(|_| {
                        n += 1;
                        format!("${n}")
                    })
                    .collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            groups.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            for value in row {
                query = match value {
                    V::I(i) => query.bind(*i),
                    V::T(t) => query.bind(t.clone()),
                    V::NullText => query.bind(Option::<String>::None),
                    V::NullInt => query.bind(Option::<i64>::None),
                };
            }
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

struct Staff {
    practitioners: Vec<(i64, i64, String)>,
    early_help: String,
}

/// Agencies, teams, practitioners (each with a line manager, their agency's) and one early
/// help team member, through the store as an administrator would add them.
async fn staff(args: &HomeArgs, store: &Store) -> anyhow::Result<Staff> {
    let by = Attribution::default();
    let mut tx = store.begin_write().await?;
    let mut practitioners = vec![];
    let mut early_help = String::new();
    let per_agency = args.practitioners.div_ceil(AGENCIES);
    let now = Utc::now().timestamp_millis();
    for a in 0..AGENCIES {
        let agency = store
            .create_agency_tx(
                &mut tx,
                &by,
                &AgencyDetails {
                    name: format!("Bench agency {a}"),
                    sector: Sector::Statutory,
                    agency_type: AgencyType::School,
                    address: "1 Bench Street".into(),
                    telephone: None,
                },
                false,
            )
            .await?;
        let mut teams = vec![];
        for t in 0..2 {
            let row = sqlx::query(
                "INSERT INTO teams (agency_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(agency)
            .bind(format!("Team {t}"))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            teams.push(sqlx::Row::try_get::<i64, _>(&row, "id")?);
        }
        let user = |name: String, email: String, roles: Vec<Role>, team, manager| UserDetails {
            name,
            email,
            agency_id: agency,
            team_id: team,
            job_title: "Bench".into(),
            telephone: None,
            mobile: None,
            roles,
            line_manager_id: manager,
            deputy_id: None,
        };
        let manager = store
            .create_user_tx(
                &mut tx,
                &by,
                &user(
                    format!("Manager {a}"),
                    format!("manager{a}@bench.example"),
                    vec![Role::LineManager],
                    Some(teams[0]),
                    None,
                ),
                PASSWORD,
                false,
            )
            .await?;
        if a == 0 {
            early_help = "earlyhelp@bench.example".into();
            store
                .create_user_tx(
                    &mut tx,
                    &by,
                    &user(
                        "Early Help".into(),
                        early_help.clone(),
                        vec![Role::EarlyHelpTeam],
                        None,
                        None,
                    ),
                    PASSWORD,
                    false,
                )
                .await?;
        }
        for p in 0..per_agency {
            let email = format!("practitioner{a}-{p}@bench.example");
            let id = store
                .create_user_tx(
                    &mut tx,
                    &by,
                    &user(
                        format!("Practitioner {a}-{p}"),
                        email.clone(),
                        vec![Role::Practitioner],
                        Some(teams[p % 2]),
                        Some(manager),
                    ),
                    PASSWORD,
                    false,
                )
                .await?;
            practitioners.push((id, agency, email));
        }
    }
    tx.commit().await?;
    Ok(Staff {
        practitioners,
        early_help,
    })
}

struct Loaded {
    open: usize,
    closed: usize,
    actions: usize,
    reviews: usize,
}

/// Children and CAFs, with bulk SQL: 5,000 CAFs to a transaction.
async fn cafs(
    args: &HomeArgs,
    store: &Store,
    staff: &Staff,
    rng: &mut StdRng,
) -> anyhow::Result<Loaded> {
    let now = Utc::now().timestamp_millis();
    let today = Utc::now().date_naive();
    let progress = bar(args.children as u64, "Children");
    let mut tx = store.begin_write().await?;
    let mut rows = vec![];
    for i in 0..args.children {
        let born = today - Duration::days(rng.gen_range(365..6_000));
        rows.push(vec![
            V::T(format!("Child{i}")),
            V::T(format!("Family{}", i / 3)),
            V::T(born.to_string()),
            V::I(now),
            V::I(now),
        ]);
        if rows.len() == 5_000 {
            insert(
                &mut tx,
                "people",
                "given_name, family_name, date_of_birth, created_at, updated_at",
                std::mem::take(&mut rows),
            )
            .await?;
            progress.inc(5_000);
        }
    }
    insert(
        &mut tx,
        "people",
        "given_name, family_name, date_of_birth, created_at, updated_at",
        rows,
    )
    .await?;
    tx.commit().await?;
    progress.finish_and_clear();
    let first_person: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT MIN(id) AS id FROM people")
            .fetch_one(store.pool())
            .await?,
        "id",
    )?;

    let total = args.open_cafs + args.open_cafs / 4;
    let progress = bar(total as u64, "CAFs");
    let mut loaded = Loaded {
        open: 0,
        closed: 0,
        actions: 0,
        reviews: 0,
    };
    let states = [
        ("draft", 10),
        ("assessment_signed_off", 8),
        ("plan_in_place", 62),
        ("under_review", 8),
        ("stepped_up", 12),
    ];
    let mut n = 0;
    while n < total {
        let batch = (total - n).min(5_000);
        let mut tx = store.begin_write().await?;
        let mut cafs = vec![];
        let mut plans = vec![];
        for k in n..n + batch {
            let closed = k >= args.open_cafs;
            let (assessor, agency, _) =
                staff.practitioners[rng.gen_range(0..staff.practitioners.len())];
            let state = if closed {
                "closed"
            } else {
                let pick = rng.gen_range(0..100);
                let mut upto = 0;
                states
                    .iter()
                    .find(|(_, share)| {
                        upto += share;
                        pick < upto
                    })
                    .map_or("plan_in_place", |(s, _)| s)
            };
            let opened = today - Duration::days(rng.gen_range(0..540));
            let planned = matches!(state, "plan_in_place" | "under_review" | "stepped_up");
            let review = today + Duration::days(rng.gen_range(-30..70));
            let lead = (state != "draft" && rng.gen_bool(0.85)).then_some(assessor);
            let step_up = (state == "stepped_up").then(|| {
                format!(
                    r#"{{"service":"childrens_social_care","referred_on":"{}","to_whom":"Duty team","why":"Bench","with_consent":true}}"#,
                    today - Duration::days(rng.gen_range(0..5))
                )
            });
            cafs.push(vec![
                V::T(format!("BENCH-{k:06}")),
                V::T("child".into()),
                V::T(state.into()),
                V::I(agency),
                V::I(assessor),
                lead.map_or(V::NullInt, V::I),
                V::T(
                    if lead.is_some() {
                        "appointed"
                    } else {
                        "not_decided"
                    }
                    .into(),
                ),
                V::T(opened.to_string()),
                if closed {
                    V::T((opened + Duration::days(200)).min(today).to_string())
                } else {
                    V::NullText
                },
                if planned {
                    V::T(review.to_string())
                } else {
                    V::NullText
                },
                step_up.map_or(V::NullText, V::T),
                V::I(now),
                V::I(now),
            ]);
            plans.push((state, planned, opened));
        }
        insert(
            &mut tx,
            "cafs",
            "reference, kind, state, owning_agency_id, assessor_id, lead_professional_id, lead_status, opened_on, closed_on, next_review_on, step_up, created_at, updated_at",
            cafs,
        )
        .await?;
        let ids: Vec<i64> = sqlx::query(
            "SELECT id FROM cafs WHERE reference >= $1 AND reference <= $2 ORDER BY reference",
        )
        .bind(format!("BENCH-{n:06}"))
        .bind(format!("BENCH-{:06}", n + batch - 1))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| sqlx::Row::try_get(r, "id"))
        .collect::<Result<_, _>>()?;
        let (mut children, mut consents, mut versions, mut members, mut reviews) =
            (vec![], vec![], vec![], vec![], vec![]);
        for (k, (id, (state, planned, opened))) in ids.iter().zip(&plans).enumerate() {
            let child = first_person + ((n + k) % args.children) as i64;
            children.push(vec![V::I(*id), V::I(child)]);
            if *state != "draft" {
                consents.push(vec![
                    V::I(*id),
                    V::T("sharing".into()),
                    V::T("[]".into()),
                    V::T(opened.to_string()),
                    V::I(now),
                ]);
                versions.push(vec![
                    V::I(*id),
                    V::I(1),
                    V::I(now - 86_400_000 * rng.gen_range(1..400)),
                    V::T("sign-off".into()),
                    V::T("{}".into()),
                ]);
            }
            if *planned {
                members.push(vec![
                    V::I(*id),
                    V::I(staff.practitioners[rng.gen_range(0..staff.practitioners.len())].0),
                    V::T("Team member".into()),
                    V::T(opened.to_string()),
                ]);
                for r in 0..rng.gen_range(0..3) {
                    reviews.push(vec![
                        V::I(*id),
                        V::I(r + 1),
                        V::T(opened.to_string()),
                        V::T("continue".into()),
                        V::T("{}".into()),
                        V::I(r + 2),
                        V::I(now),
                    ]);
                }
            }
        }
        loaded.reviews += reviews.len();
        insert(&mut tx, "caf_children", "caf_id, person_id", children).await?;
        insert(
            &mut tx,
            "caf_consents",
            "caf_id, stage, given_by, given_on, recorded_at",
            consents,
        )
        .await?;
        insert(
            &mut tx,
            "caf_versions",
            "caf_id, number, at, reason, snapshot",
            versions,
        )
        .await?;
        insert(
            &mut tx,
            "caf_team_members",
            "caf_id, user_id, name, joined_on",
            members,
        )
        .await?;
        insert(
            &mut tx,
            "caf_reviews",
            "caf_id, number, held_on, decision, review, version, recorded_at",
            reviews,
        )
        .await?;
        // Three actions on each plan, owned by its team member, due around today.
        let owned = sqlx::query(
            "SELECT m.id, m.caf_id FROM caf_team_members m WHERE m.caf_id >= $1 AND m.caf_id <= $2",
        )
        .bind(ids.first().copied().unwrap_or(0))
        .bind(ids.last().copied().unwrap_or(0))
        .fetch_all(&mut *tx)
        .await?;
        let mut actions = vec![];
        for m in &owned {
            let member: i64 = sqlx::Row::try_get(m, "id")?;
            let caf: i64 = sqlx::Row::try_get(m, "caf_id")?;
            for _ in 0..3 {
                let due: NaiveDate = today + Duration::days(rng.gen_range(-40..60));
                let status = ["not_started", "in_progress", "done"][rng.gen_range(0..3)];
                actions.push(vec![
                    V::I(caf),
                    V::T("Bench action".into()),
                    V::T("team_member".into()),
                    V::I(member),
                    V::T(due.to_string()),
                    V::T("Bench outcome".into()),
                    V::T(status.into()),
                    V::I(now),
                    V::I(now),
                ]);
            }
        }
        loaded.actions += actions.len();
        insert(
            &mut tx,
            "caf_actions",
            "caf_id, what, owner_kind, owner_member_id, due_on, outcome, status, created_at, updated_at",
            actions,
        )
        .await?;
        tx.commit().await?;
        for (state, ..) in &plans {
            if *state == "closed" {
                loaded.closed += 1;
            } else {
                loaded.open += 1;
            }
        }
        n += batch;
        progress.inc(batch as u64);
    }
    progress.finish_and_clear();
    // Fresh statistics, as a service's database would have after its first day.
    sqlx::query("ANALYZE").execute(store.pool()).await?;
    Ok(loaded)
}

async fn measure(args: &HomeArgs, store: &Store) -> anyhow::Result<HomeReport> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let t = Instant::now();
    let staff = staff(args, store).await?;
    let loaded = cafs(args, store, &staff, &mut rng).await?;
    let load_s = t.elapsed().as_secs_f64();

    let router = ecaf_web::app(AppState::new(store.clone(), WebConfig::default())?);
    let mut early_help = signed_in(&router, &staff.early_help, 0).await?;
    let mut practitioners = vec![];
    for (i, (_, _, email)) in staff.practitioners.iter().take(20).enumerate() {
        practitioners.push(signed_in(&router, email, i + 1).await?);
    }
    let mut latencies = vec![];
    // The first request builds the process's copy of the area; the rest catch up with it.
    let t = Instant::now();
    early_help.ok("/").await?;
    latencies.push(latency(
        "early help team: first request (builds the copy)",
        vec![t.elapsed().as_secs_f64() * 1000.0],
    ));
    let open: Vec<i64> = sqlx::query_scalar("SELECT id FROM cafs WHERE state <> 'closed'")
        .fetch_all(store.pool())
        .await?;
    let today = Utc::now().date_naive();
    let pages: [(&str, &str); 5] = [
        ("early help team: home page", "/"),
        ("early help team: home page after a change", "/"),
        (
            "early help team: plans by next review, page 3",
            "/?view=area&state=plan_in_place&sort=next_review&page=3",
        ),
        ("practitioner: home page", "/"),
        (
            "practitioner: overdue reviews",
            "/?view=mine&alert=review_overdue",
        ),
    ];
    for (what, path) in pages {
        let mut times = Vec::with_capacity(args.requests);
        for i in 0..WARM_UP + args.requests {
            let browser = if what.starts_with("early") {
                &mut early_help
            } else {
                let n = i % practitioners.len();
                &mut practitioners[n]
            };
            if what.ends_with("after a change") {
                // Another user's write (untimed): one CAF's next review moved, which changes
                // its alerts, so the request catches up and reads that CAF again.
                let days = rng.gen_range(-30..70);
                sqlx::query("UPDATE cafs SET next_review_on = $1 WHERE id = $2")
                    .bind((today + Duration::days(days)).to_string())
                    .bind(open[rng.gen_range(0..open.len())])
                    .execute(store.pool())
                    .await?;
            }
            let t = Instant::now();
            browser.ok(path).await?;
            if i >= WARM_UP {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        latencies.push(latency(what, times));
    }
    let (_, wording) = store.current_wording().await?;
    let mut times = vec![];
    let mut alerts = 0;
    for _ in 0..args.alert_runs.max(1) {
        let t = Instant::now();
        alerts = store.open_alerts(Utc::now(), &wording).await?.len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.push(latency("alerts over every open CAF", times));
    Ok(HomeReport {
        backend: format!("{:?}", store.backend()),
        children: args.children,
        open_cafs: loaded.open,
        closed_cafs: loaded.closed,
        actions: loaded.actions,
        reviews: loaded.reviews,
        practitioners: staff.practitioners.len(),
        load_s,
        alerts,
        latencies,
    })
}

pub fn table(r: &HomeReport) -> String {
    let mut out = format!(
        "{}: {} children, {} open and {} closed CAFs, {} actions, {} reviews, {} practitioners; loaded in {:.1} s; {} alerts\n",
        r.backend, r.children, r.open_cafs, r.closed_cafs, r.actions, r.reviews, r.practitioners, r.load_s, r.alerts
    );
    out.push_str(&format!(
        "{:<52} {:>8} {:>9} {:>9} {:>9} {:>9}\n",
        "", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms"
    ));
    for l in &r.latencies {
        out.push_str(&format!(
            "{:<52} {:>8} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
            l.what, l.requests, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
        ));
    }
    out
}
