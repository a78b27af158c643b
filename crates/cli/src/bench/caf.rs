//! `ecaf bench caf`: the CAF pages and the search with CAF summaries on a large register,
//! through the real router in this process — session, access decision, audit row, template —
//! as a signed-in assessor sees them.
//!
//! The people are loaded through the import bulk path, the CAFs through
//! `Store::bulk_load_cafs` (the same rows the practitioner's steps write, 1,000 CAFs to a
//! transaction): a child CAF for one child of a household, a family CAF for siblings in some,
//! sections written in varied amounts, consent to share in some and sign-off in some.
use super::{bar, drop_database, fresh_database, import_person, percentile};
use anyhow::Context;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chrono::{Datelike, Duration, NaiveDate};
use clap::Args;
use ecaf_bench::population::{Frequencies, Population};
use ecaf_domain::access::{operator_grant, Role, UseRegister};
use ecaf_domain::caf::consent::{Agreement, Giver, SharingConsent};
use ecaf_domain::caf::form::{SectionStatus, DOMAINS, SECTIONS};
use ecaf_domain::clock::SystemClock;
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_store::caf::BulkCaf;
use ecaf_store::import::ImportPerson;
use ecaf_store::{Attribution, Store};
use ecaf_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

#[derive(Args)]
pub struct CafArgs {
    /// People in the synthetic register.
    #[arg(long, default_value_t = 1_000_000)]
    people: usize,
    /// CAFs to load.
    #[arg(long, default_value_t = 100_000)]
    cafs: usize,
    /// Requests of each kind measured (after 100 not measured).
    #[arg(long, default_value_t = 1_000)]
    requests: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// A PostgreSQL server URL: a new database is created there for the run (and dropped after
    /// it unless --keep). Without it, SQLite in a temporary directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Keep the PostgreSQL database after the run.
    #[arg(long)]
    keep: bool,
    /// Load the SQLite register into this new directory and keep it (with the index
    /// snapshot), so `ecaf serve --data-dir DIR` can be measured on it afterwards.
    #[arg(long, conflicts_with = "database_url")]
    data_dir: Option<std::path::PathBuf>,
    /// Measure again on the register of an earlier run, loading nothing: --data-dir is that
    /// run's directory, or --database-url the database it kept (not the server's).
    #[arg(long)]
    reuse: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

const AGENCIES: usize = 8;
const ASSESSORS_PER_AGENCY: usize = 3;
const CAFS_PER_TRANSACTION: usize = 1_000;
pub(super) const PASSWORD: &str = "benchmark password, not a secret";
const WARM_UP: usize = 100;
const ACCOUNT: &str = "account page (no case data: the baseline)";

#[derive(Debug, Serialize)]
pub struct Latency {
    pub what: String,
    pub requests: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct CafReport {
    pub backend: String,
    pub people: usize,
    pub cafs: usize,
    pub family_cafs: usize,
    pub signed_off: usize,
    pub sections: usize,
    pub load_people_s: f64,
    pub load_cafs_s: f64,
    pub index_build_s: f64,
    /// Searches whose results page named the CAF of the child searched for.
    pub search_showed_caf: usize,
    pub search_for_caf_children: usize,
    pub latencies: Vec<Latency>,
}

pub(super) fn latency(what: &str, mut ms: Vec<f64>) -> Latency {
    ms.sort_by(f64::total_cmp);
    Latency {
        what: what.to_string(),
        requests: ms.len(),
        p50_ms: percentile(&ms, 0.5),
        p95_ms: percentile(&ms, 0.95),
        p99_ms: percentile(&ms, 0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
    }
}

/// A signed-in browser: its session cookies and the CSRF token of the last page.
pub(super) struct Browser {
    pub(super) router: Router,
    pub(super) address: SocketAddr,
    pub(super) cookies: BTreeMap<String, String>,
    pub(super) csrf: Option<String>,
}

pub(super) struct Reply {
    pub(super) status: StatusCode,
    location: Option<String>,
    text: String,
}

impl Browser {
    pub(super) async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
        bearer: Option<&str>,
    ) -> anyhow::Result<Reply> {
        let mut builder = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            builder = builder.header(header::COOKIE, cookie.join("; "));
        }
        if let Some(token) = bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match form {
            Some(fields) => {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                let mut all = fields.to_vec();
                let token = self.csrf.clone().unwrap_or_default();
                all.push(("csrf_token", &token));
                Body::from(serde_urlencoded::to_string(&all)?)
            }
            None => Body::empty(),
        };
        let mut request = builder.body(body)?;
        request.extensions_mut().insert(ConnectInfo(self.address));
        let response = self.router.clone().oneshot(request).await?;
        let status = response.status();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response.into_body().collect().await?.to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let marker = "name=\"csrf_token\" value=\"";
        if let Some(start) = text.find(marker).map(|i| i + marker.len()) {
            if let Some(end) = text[start..].find('"') {
                self.csrf = Some(text[start..start + end].to_string());
            }
        }
        Ok(Reply {
            status,
            location,
            text,
        })
    }

    async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, path, None, None).await
    }

    pub(super) async fn ok(&mut self, path: &str) -> anyhow::Result<Reply> {
        let reply = self.get(path).await?;
        anyhow::ensure!(
            reply.status == StatusCode::OK,
            "GET {path}: {} {}",
            reply.status,
            reply.text.chars().take(300).collect::<String>()
        );
        Ok(reply)
    }
}

/// Sentences a practitioner might write, combined at random so sections differ in length.
const SENTENCES: &[&str] = &[
    "The school has noticed a drop in attendance since the start of term, mostly on Mondays.",
    "Mum says mornings are difficult and she often has to leave for work before the children are ready.",
    "He enjoys football at the after-school club and has a close group of friends in his class.",
    "The health visitor reports that weight and growth are on track and immunisations are up to date.",
    "There are rent arrears since the family moved; the landlord has written about possession.",
    "Grandparents live nearby and collect the children twice a week; they would like to help more.",
    "She finds it hard to settle after break times and sometimes leaves the classroom without asking.",
    "Speech and language therapy was offered last year but the appointments were missed.",
    "Dad works nights and sees the children at weekends; both parents want to come to the meetings.",
    "The family would like help with routines at bedtime and with managing screen time.",
    "There have been no safeguarding concerns; the family agreed to this assessment themselves.",
    "The young person said he worries about his mum and does not like leaving her on her own.",
    "Reading is a strength: she is above the expected level and reads to her younger brother.",
    "The GP has referred him for an assessment of his asthma, which has kept him off school.",
    "A food bank voucher was given in October; the family is waiting for a benefits review.",
    "The children share a bedroom and the flat is damp; the housing officer has been contacted.",
];

fn prose(rng: &mut StdRng, min: usize, max: usize) -> String {
    let n = rng.gen_range(min..=max);
    (0..n)
        .map(|_| *SENTENCES.choose(rng).unwrap_or(&SENTENCES[0]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a practitioner writes in a section, in the fields the section page shows.
fn section_content(key: &str, child: &str, family: &str, rng: &mut StdRng) -> Value {
    let domain = match key {
        "development" => Some("Development of the child"),
        "parents_and_carers" => Some("Parents and carers"),
        "family_and_environment" => Some("Family and environment"),
        _ => None,
    };
    if let Some(domain) = domain {
        let elements = DOMAINS
            .iter()
            .find(|(name, _)| *name == domain)
            .map(|(_, e)| *e)
            .unwrap_or_default();
        let rows: Vec<Value> = elements
            .iter()
            .map(|element| {
                if rng.gen_bool(0.2) {
                    json!({ "element": element, "not_discussed": true })
                } else {
                    json!({
                        "element": element,
                        "strengths": prose(rng, 1, 2),
                        "needs": prose(rng, 0, 2),
                        "actions": prose(rng, 0, 1),
                    })
                }
            })
            .collect();
        return json!({ "elements": rows });
    }
    match key {
        "identifying_details" => json!({
            "parents_and_carers": format!("Parent/carer: {family} (parental responsibility), same address."),
            "siblings": prose(rng, 0, 1),
            "communication": "English at home; no interpreter needed.",
        }),
        "purpose" => json!({ "purpose": "caf", "existing_caf": "" }),
        "practitioner" => json!({
            "name": "Benchmark Practitioner", "job_title": "Family support worker",
            "agency": "Benchmark agency", "telephone": "01632 960 000",
            "email": "practitioner@bench.invalid",
        }),
        "family_background" => json!({ "family_background": prose(rng, 2, 6) }),
        "priorities" => json!({
            "strengths": prose(rng, 1, 3),
            "additional_needs": prose(rng, 1, 3),
            "things_to_change": prose(rng, 1, 2),
            "how_we_will_know": prose(rng, 1, 2),
            "indicators": [
                { "need": "Getting to school on time", "score": rng.gen_range(1..=5) },
                { "need": "Calmer evenings", "score": rng.gen_range(1..=5) },
            ],
        }),
        "views" => json!({
            "child_views": format!("{child} said: {}", prose(rng, 1, 2)),
            "parent_views": prose(rng, 1, 2),
        }),
        "signatures" => json!({
            "parent1_name": family, "practitioner_name": "Benchmark Practitioner",
        }),
        _ => json!({ "notes": prose(rng, 1, 4) }),
    }
}

/// The CAF with its sections' content written (see where they are planned).
fn fill(caf: &BulkCaf, rng: &mut StdRng) -> BulkCaf {
    let family = caf.agreement.given_by.name();
    let mut filled = caf.clone();
    for (key, _, _, content) in &mut filled.sections {
        let child = content.as_str().unwrap_or_default().to_string();
        *content = section_content(key, &child, family, rng);
    }
    filled
}

/// A child on a benchmark CAF, as a search would ask for them.
#[derive(Clone)]
struct Searchable {
    given: String,
    family: String,
    date_of_birth: Option<NaiveDate>,
    /// The reference-bearing CAF id, for the child of a CAF.
    caf: Option<usize>,
}

pub async fn run(args: &CafArgs) -> anyhow::Result<CafReport> {
    let clock = Arc::new(SystemClock);
    let dir = tempfile::tempdir()?;
    let (store, fresh) = match &args.database_url {
        Some(url) if args.reuse => (Store::connect(url, clock).await?, None),
        Some(url) => {
            let (fresh_url, name) = fresh_database(url).await?;
            (Store::connect(&fresh_url, clock).await?, Some(name))
        }
        None => {
            let path = match &args.data_dir {
                Some(path) => {
                    anyhow::ensure!(
                        args.reuse == path.exists(),
                        "{} {}",
                        path.display(),
                        if args.reuse {
                            "is not there: give the directory of an earlier run"
                        } else {
                            "already exists; give a new directory"
                        }
                    );
                    path.as_path()
                }
                None => {
                    anyhow::ensure!(!args.reuse, "--reuse needs --data-dir or --database-url");
                    dir.path()
                }
            };
            let store = Store::open_data_dir(path, clock).await?;
            store.keep_index_snapshot_in(path);
            (store, None)
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

fn attribution() -> Attribution {
    Attribution {
        actor_email: Some("ecaf bench caf (command line)".into()),
        ..Attribution::default()
    }
}

/// A CAF as the requests use it.
struct Planned {
    id: i64,
    /// Index in `Workload::assessors`.
    assessor: usize,
    children: Vec<i64>,
    reference: String,
}

/// What the requests are made on, and what loading it took.
struct Workload {
    /// The assessors' emails.
    assessors: Vec<String>,
    cafs: Vec<Planned>,
    searches: Vec<Searchable>,
    people: usize,
    family_cafs: usize,
    signed_off: usize,
    sections: usize,
    load_people_s: f64,
    load_cafs_s: f64,
}

async fn measure(args: &CafArgs, store: &Store) -> anyhow::Result<CafReport> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let workload = if args.reuse {
        read_back(args, store, &mut rng).await?
    } else {
        load(args, store, &mut rng).await?
    };
    requests(args, store, workload, &mut rng).await
}

/// The workload of an earlier run, from its database.
async fn read_back(args: &CafArgs, store: &Store, rng: &mut StdRng) -> anyhow::Result<Workload> {
    use sqlx::Row;
    let count = |sql: &'static str| async move {
        let row = sqlx::query(sql).fetch_one(store.pool()).await?;
        Ok::<usize, anyhow::Error>(row.try_get::<i64, _>(0)? as usize)
    };
    let people = count("SELECT COUNT(*) FROM people").await?;
    let family_cafs = count("SELECT COUNT(*) FROM cafs WHERE kind = 'family'").await?;
    let signed_off =
        count("SELECT COUNT(*) FROM cafs WHERE state = 'assessment_signed_off'").await?;
    let sections = count("SELECT COUNT(*) FROM caf_sections").await?;
    let mut assessors: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut cafs: Vec<Planned> = Vec::new();
    let mut position: HashMap<i64, usize> = HashMap::new();
    for row in sqlx::query(
        "SELECT c.id, c.reference, u.email FROM cafs c JOIN users u ON u.id = c.assessor_id ORDER BY c.id",
    )
    .fetch_all(store.pool())
    .await?
    {
        let email: String = row.try_get("email")?;
        let assessor = *index.entry(email.clone()).or_insert_with(|| {
            assessors.push(email);
            assessors.len() - 1
        });
        position.insert(row.try_get("id")?, cafs.len());
        cafs.push(Planned {
            id: row.try_get("id")?,
            assessor,
            children: Vec::new(),
            reference: row.try_get("reference")?,
        });
    }
    anyhow::ensure!(!cafs.is_empty(), "no CAFs here: run without --reuse first");
    for row in sqlx::query("SELECT caf_id, person_id FROM caf_children ORDER BY caf_id, person_id")
        .fetch_all(store.pool())
        .await?
    {
        if let Some(&n) = position.get(&row.try_get::<i64, _>("caf_id")?) {
            cafs[n].children.push(row.try_get("person_id")?);
        }
    }
    let max_id = count("SELECT MAX(id) FROM people").await? as i64;
    let person = |id: i64, caf: Option<usize>| async move {
        let row =
            sqlx::query("SELECT given_name, family_name, date_of_birth FROM people WHERE id = $1")
                .bind(id)
                .fetch_optional(store.pool())
                .await?;
        Ok::<Option<Searchable>, anyhow::Error>(match row {
            Some(row) => Some(Searchable {
                given: row.try_get("given_name")?,
                family: row.try_get("family_name")?,
                date_of_birth: row
                    .try_get::<Option<String>, _>("date_of_birth")?
                    .and_then(|d| d.parse().ok()),
                caf,
            }),
            None => None,
        })
    };
    let mut searches = Vec::new();
    while searches.len() < WARM_UP + args.requests {
        let n = rng.gen_range(0..cafs.len());
        let first = cafs[n].children[0];
        searches.extend(person(first, Some(n)).await?);
        searches.extend(person(rng.gen_range(1..=max_id), None).await?);
    }
    Ok(Workload {
        assessors,
        cafs,
        searches,
        people,
        family_cafs,
        signed_off,
        sections,
        load_people_s: 0.0,
        load_cafs_s: 0.0,
    })
}

/// A new register: the people, agencies and assessors, and the CAFs.
async fn load(args: &CafArgs, store: &Store, rng: &mut StdRng) -> anyhow::Result<Workload> {
    let by = attribution();
    let population = Population::generate_with(args.people, args.seed, Frequencies::England);

    let progress = bar(population.people.len() as u64, "People");
    let t = Instant::now();
    let grant = operator_grant::<UseRegister>();
    for chunk in population.people.chunks(5_000) {
        let batch: Vec<ImportPerson> = chunk
            .iter()
            .map(|p| import_person(&population, p))
            .collect();
        store
            .import_people_batch(&grant, &by, "synthetic population", &batch)
            .await?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    let load_people_s = t.elapsed().as_secs_f64();

    // Population ids are the external ids' numbers; the register's own ids are read back.
    let mut register_id: HashMap<i64, i64> = HashMap::with_capacity(population.people.len());
    let rows = sqlx::query("SELECT id, external_id FROM people")
        .fetch_all(store.pool())
        .await?;
    for row in rows {
        use sqlx::Row;
        let external: Option<String> = row.try_get("external_id")?;
        if let Some(n) = external.and_then(|e| e.strip_prefix('P').and_then(|n| n.parse().ok())) {
            register_id.insert(n, row.try_get("id")?);
        }
    }

    // Agencies and their assessors.
    let mut assessors: Vec<(i64, i64, String)> = Vec::new();
    let mut tx = store.begin_write().await?;
    let mut agencies = Vec::new();
    for a in 0..AGENCIES {
        let agency = store
            .create_agency_tx(
                &mut tx,
                &by,
                &AgencyDetails {
                    name: format!("Benchmark agency {}", a + 1),
                    sector: Sector::Statutory,
                    agency_type: AgencyType::School,
                    address: "1 Benchmark Road".into(),
                    telephone: None,
                },
                false,
            )
            .await?;
        agencies.push(agency);
        for n in 0..ASSESSORS_PER_AGENCY {
            let email = format!("assessor-{}-{}@bench.invalid", a + 1, n + 1);
            let user = store
                .create_user_tx(
                    &mut tx,
                    &by,
                    &UserDetails {
                        name: format!("Assessor {} {}", a + 1, n + 1),
                        email: email.clone(),
                        agency_id: agency,
                        team_id: None,
                        job_title: "Family support worker".into(),
                        telephone: Some("01632 960 000".into()),
                        mobile: None,
                        roles: vec![Role::Practitioner],
                        line_manager_id: None,
                        deputy_id: None,
                    },
                    PASSWORD,
                    false,
                )
                .await?;
            assessors.push((user, agency, email));
        }
    }
    tx.commit().await?;

    // One CAF per household chosen, so no child has two open CAFs.
    let mut households: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, p) in population.people.iter().enumerate() {
        households.entry(p.household).or_default().push(i);
    }
    let mut chosen: Vec<Vec<usize>> = households.into_values().collect();
    chosen.sort();
    chosen.shuffle(rng);
    chosen.truncate(args.cafs);
    anyhow::ensure!(
        chosen.len() == args.cafs,
        "only {} households for {} CAFs: ask for more people",
        chosen.len(),
        args.cafs
    );
    let today = ecaf_domain::clock::Clock::now(&SystemClock).date_naive();
    let mut cafs: Vec<BulkCaf> = Vec::with_capacity(args.cafs);
    let mut searchable: Vec<Searchable> = Vec::new();
    // For each CAF: its assessor (index), its children, the year in its reference.
    let mut owners: Vec<(usize, Vec<i64>, i32)> = Vec::with_capacity(args.cafs);
    let (mut family_cafs, mut signed_off, mut sections) = (0, 0, 0);
    for (n, household) in chosen.iter().enumerate() {
        let members: Vec<usize> = if household.len() > 1 && rng.gen_bool(0.15) {
            household.iter().take(4).copied().collect()
        } else {
            vec![*household.choose(rng).unwrap_or(&household[0])]
        };
        family_cafs += usize::from(members.len() > 1);
        let children: Vec<i64> = members
            .iter()
            .map(|&m| register_id[&population.people[m].id])
            .collect();
        let records: Vec<_> = members
            .iter()
            .map(|&m| population.record(&population.people[m]))
            .collect();
        if searchable.len() < args.requests + WARM_UP {
            let r = &records[0];
            searchable.push(Searchable {
                given: r.given_name.clone(),
                family: r.family_name.clone(),
                date_of_birth: r.date_of_birth,
                caf: Some(n),
            });
        }
        let assessor = rng.gen_range(0..assessors.len());
        let (user, agency, _) = assessors[assessor];
        let family = format!("Parent {}", records[0].family_name);
        let opened_on = today - Duration::days(rng.gen_range(1..700));
        let sign = rng.gen_bool(0.25);
        let share = sign || rng.gen_bool(0.2);
        let mut written = Vec::new();
        for section in SECTIONS {
            let write = if sign {
                section.required || rng.gen_bool(0.5)
            } else {
                rng.gen_bool(0.45)
            };
            if !write {
                continue;
            }
            let status = if sign || rng.gen_bool(0.5) {
                SectionStatus::Complete
            } else {
                SectionStatus::InProgress
            };
            let each: Vec<(Option<i64>, String)> = if section.per_child {
                children
                    .iter()
                    .zip(&records)
                    .map(|(c, r)| (Some(*c), r.given_name.clone()))
                    .collect()
            } else {
                vec![(None, records[0].given_name.clone())]
            };
            // The content is written just before its batch is loaded (`fill`): 100,000 CAFs
            // of it at once would take gigabytes. Until then it holds the child's name.
            for (child, name) in each {
                written.push((section.key, child, status, Value::String(name)));
            }
        }
        sections += written.len();
        signed_off += usize::from(sign);
        let sharing = share.then(|| {
            let mut to: BTreeSet<i64> = [agency].into();
            to.insert(*agencies.choose(rng).unwrap_or(&agency));
            SharingConsent {
                given_by: vec![Giver::ParentOrCarer {
                    name: family.clone(),
                }],
                on: opened_on,
                signed_copy_kept: "Scanned to the agency's file".into(),
                agencies: to,
            }
        });
        cafs.push(BulkCaf {
            children: children.clone(),
            assessor_id: user,
            owning_agency_id: agency,
            opened_on,
            agreement: Agreement {
                given_by: Giver::ParentOrCarer {
                    name: family.clone(),
                },
                on: opened_on,
                may_contact_agencies: true,
            },
            sections: written,
            sharing,
            signed_off: sign,
        });
        owners.push((assessor, children, opened_on.year()));
    }
    // Searches for anyone on the register too, most of whom have no CAF.
    let others: Vec<Searchable> = (0..args.requests + WARM_UP)
        .map(|_| {
            let p = &population.people[rng.gen_range(0..population.people.len())];
            let r = population.record(p);
            Searchable {
                given: r.given_name,
                family: r.family_name,
                date_of_birth: r.date_of_birth,
                caf: None,
            }
        })
        .collect();
    drop(population);
    drop(register_id);
    ecaf_store::register::release_freed_memory();

    let progress = bar(cafs.len() as u64, "CAFs");
    let t = Instant::now();
    let mut caf_ids = Vec::with_capacity(cafs.len());
    for batch in cafs.chunks(CAFS_PER_TRANSACTION) {
        let batch: Vec<BulkCaf> = batch.iter().map(|c| fill(c, rng)).collect();
        caf_ids.extend(store.bulk_load_cafs(&by, &batch).await?);
        progress.inc(batch.len() as u64);
    }
    progress.finish_and_clear();
    let load_cafs_s = t.elapsed().as_secs_f64();
    drop(cafs);
    store.settle_after_import().await?;
    let cafs: Vec<Planned> = owners
        .into_iter()
        .zip(caf_ids)
        .map(|((assessor, children, year), id)| Planned {
            id,
            assessor,
            children,
            reference: format!("CAF-{year}-{id:06}"),
        })
        .collect();
    // Half the searches are for a child with a CAF, half for anyone on the register.
    let mut searches: Vec<Searchable> = searchable
        .into_iter()
        .zip(others)
        .flat_map(|(a, b)| [a, b])
        .take(WARM_UP + args.requests)
        .collect();
    searches.shuffle(rng);
    Ok(Workload {
        assessors: assessors.into_iter().map(|(_, _, email)| email).collect(),
        cafs,
        searches,
        people: args.people,
        family_cafs,
        signed_off,
        sections,
        load_people_s,
        load_cafs_s,
    })
}

/// The measured requests, as the CAFs' assessors.
async fn requests(
    args: &CafArgs,
    store: &Store,
    workload: Workload,
    rng: &mut StdRng,
) -> anyhow::Result<CafReport> {
    let Workload {
        assessors,
        cafs,
        searches,
        ..
    } = &workload;
    let t = Instant::now();
    store.catch_up_register().await?;
    let index_build_s = t.elapsed().as_secs_f64();

    let router = ecaf_web::app(AppState::new(store.clone(), WebConfig::default())?);
    let mut browsers = Vec::new();
    for (i, email) in assessors.iter().enumerate() {
        browsers.push(signed_in(&router, email, i).await?);
    }

    let mut latencies = Vec::new();
    // The task list and a section page of random CAFs, each as its assessor; and, for the
    // machine's own noise, a page with no case data on it (session check and template).
    for what in [ACCOUNT, "task list", "section page"] {
        let progress = bar((WARM_UP + args.requests) as u64, "Pages");
        let mut times = Vec::with_capacity(args.requests);
        for i in 0..WARM_UP + args.requests {
            let caf = &cafs[rng.gen_range(0..cafs.len())];
            let (assessor, children) = (caf.assessor, &caf.children);
            let path = if what == ACCOUNT {
                "/account".to_string()
            } else if what == "task list" {
                format!("/cafs/{}", caf.id)
            } else {
                let section = SECTIONS.choose(rng).unwrap_or(&SECTIONS[0]);
                if section.per_child {
                    let child = children.choose(rng).unwrap_or(&children[0]);
                    format!("/cafs/{}/sections/{}?child={child}", caf.id, section.key)
                } else {
                    format!("/cafs/{}/sections/{}", caf.id, section.key)
                }
            };
            let t = Instant::now();
            browsers[assessor]
                .ok(&path)
                .await
                .with_context(|| format!("CAF {}", caf.reference))?;
            if i >= WARM_UP {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            progress.inc(1);
        }
        progress.finish_and_clear();
        latencies.push(latency(what, times));
    }

    // The store's part of the task list alone: access decision, audit row, content, commit.
    let mut actors = Vec::new();
    for email in assessors {
        let row = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(store.pool())
            .await?;
        actors.push(store.user(sqlx::Row::try_get(&row, "id")?).await?.actor());
    }
    let mut times = Vec::with_capacity(args.requests);
    for i in 0..WARM_UP + args.requests {
        let caf = &cafs[rng.gen_range(0..cafs.len())];
        let t = Instant::now();
        let read = store
            .read_caf(&actors[caf.assessor], &attribution(), caf.id)
            .await?;
        anyhow::ensure!(
            matches!(read, ecaf_store::caf::CafRead::Content(_)),
            "{}: not readable by its assessor",
            caf.reference
        );
        if i >= WARM_UP {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    latencies.push(latency(
        "read_caf alone (store: access, audit, content)",
        times,
    ));

    // The search page: the terms posted and held, then the results page, which runs the
    // search and shows the CAFs (`caf_existence`) of the people found.
    let (mut post_times, mut page_times, mut both_times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut for_caf, mut showed_caf) = (0, 0);
    let searcher = &mut browsers[0];
    searcher.ok("/people/search").await?;
    let progress = bar(searches.len() as u64, "Searches");
    for (i, s) in searches.iter().enumerate() {
        let date = s.date_of_birth;
        let (day, month, year) = date.map_or((String::new(), String::new(), String::new()), |d| {
            (
                d.format("%d").to_string(),
                d.format("%m").to_string(),
                d.format("%Y").to_string(),
            )
        });
        let fields = [
            ("given_name", s.given.as_str()),
            ("family_name", s.family.as_str()),
            ("dob_day", day.as_str()),
            ("dob_month", month.as_str()),
            ("dob_year", year.as_str()),
        ];
        let t = Instant::now();
        let posted = searcher
            .send(Method::POST, "/people/search", Some(&fields), None)
            .await?;
        let post_ms = t.elapsed().as_secs_f64() * 1000.0;
        let location = posted
            .location
            .filter(|_| posted.status == StatusCode::SEE_OTHER)
            .with_context(|| format!("search not held: {}", posted.status))?;
        let t = Instant::now();
        let page = searcher.ok(&location).await?;
        let page_ms = t.elapsed().as_secs_f64() * 1000.0;
        if i >= WARM_UP {
            post_times.push(post_ms);
            page_times.push(page_ms);
            both_times.push(post_ms + page_ms);
            if let Some(n) = s.caf {
                for_caf += 1;
                showed_caf += usize::from(page.text.contains(&cafs[n].reference));
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    latencies.push(latency("search: terms posted (held, redirect)", post_times));
    latencies.push(latency(
        "search: results page (search + CAF summaries)",
        page_times,
    ));
    latencies.push(latency(
        "search: both, as the practitioner waits",
        both_times,
    ));

    // The API's search, with a personal token of the first assessor.
    let token_user: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(&assessors[0])
            .fetch_one(store.pool())
            .await?,
        "id",
    )?;
    let (_, token) = store
        .create_api_token(&attribution(), token_user, "bench", Duration::days(1))
        .await?;
    let mut api_times = Vec::new();
    let progress = bar(searches.len() as u64, "API");
    for (i, s) in searches.iter().enumerate() {
        let mut query = vec![
            ("given_name", s.given.clone()),
            ("family_name", s.family.clone()),
        ];
        if let Some(d) = s.date_of_birth {
            query.push(("date_of_birth", d.to_string()));
        }
        let path = format!(
            "/api/v1/people/search?{}",
            serde_urlencoded::to_string(&query)?
        );
        let t = Instant::now();
        let reply = searcher
            .send(Method::GET, &path, None, Some(&token))
            .await?;
        anyhow::ensure!(
            reply.status == StatusCode::OK,
            "API search: {}",
            reply.status
        );
        if i >= WARM_UP {
            api_times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    latencies.push(latency("API search (GET /api/v1/people/search)", api_times));

    Ok(CafReport {
        backend: format!("{:?}", store.backend()),
        people: workload.people,
        cafs: cafs.len(),
        family_cafs: workload.family_cafs,
        signed_off: workload.signed_off,
        sections: workload.sections,
        load_people_s: workload.load_people_s,
        load_cafs_s: workload.load_cafs_s,
        index_build_s,
        search_showed_caf: showed_caf,
        search_for_caf_children: for_caf,
        latencies,
    })
}

pub fn table(r: &CafReport) -> String {
    let mut out = format!(
        "backend {}; {} people, {} CAFs ({} family, {} signed off, {} sections)\n\
         load: people {:.1}s, CAFs {:.1}s; index build {:.1}s\n\
         searches for a child with a CAF whose results named it: {} of {}\n\n\
         {:<50} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
        r.backend,
        r.people,
        r.cafs,
        r.family_cafs,
        r.signed_off,
        r.sections,
        r.load_people_s,
        r.load_cafs_s,
        r.index_build_s,
        r.search_showed_caf,
        r.search_for_caf_children,
        "request",
        "n",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms"
    );
    for l in &r.latencies {
        out.push_str(&format!(
            "{:<50} {:>8} {:>8.2} {:>8.2} {:>8.2} {:>8.2}\n",
            l.what, l.requests, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
        ));
    }
    out
}

/// A browser signed in as `email` through the sign-in page, from an address of its own (`i`)
/// so the sign-in throttle sees each assessor apart.
pub(super) async fn signed_in(
    router: &axum::Router,
    email: &str,
    i: usize,
) -> anyhow::Result<Browser> {
    let mut browser = Browser {
        router: router.clone(),
        address: SocketAddr::from(([192, 0, 2, (i % 250 + 1) as u8], 5000)),
        cookies: BTreeMap::new(),
        csrf: None,
    };
    browser.ok("/sign-in").await?;
    let reply = browser
        .send(
            Method::POST,
            "/sign-in",
            Some(&[("email", email), ("password", PASSWORD)]),
            None,
        )
        .await?;
    anyhow::ensure!(
        reply.status == StatusCode::SEE_OTHER,
        "sign-in of {email} failed: {}",
        reply.status
    );
    Ok(browser)
}
