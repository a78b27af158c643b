//! `ecaf import cafs FILE.csv`: load a previous system's CAF index, so "does a CAF exist?"
//! answers correctly from the first day. A CAF index is small (one row per CAF an authority
//! ever had, tens of thousands at most), so the file is read once and held: every row is
//! checked — its fields, then against the other rows, then against the register — before
//! anything is written. The format is documented in `docs/IMPORT.md`.
use super::{CsvRows, Problem};
use crate::{DatabaseArgs, InputError};
use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use ecaf_domain::access::{operator_grant, StartCaf, UseRegister};
use ecaf_domain::organisation::{parse_email, parse_telephone};
use ecaf_store::caf::{CloseImported, ExistingCaf, ImportCaf, OpenCaf, RegisterChild};
use ecaf_store::{Attribution, Store};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct CafsArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The CSV file (UTF-8, header row first).
    file: PathBuf,
    /// Import the valid rows and write the invalid ones, each with its reasons, to this file.
    #[arg(long, value_name = "REJECTED.csv")]
    skip_invalid: Option<PathBuf>,
}

/// The documented columns, in their documented order.
pub const COLUMNS: [&str; 9] = [
    "reference",
    "child_external_id",
    "status",
    "opened_on",
    "closed_on",
    "owning_agency",
    "lead_professional_name",
    "lead_professional_email",
    "lead_professional_phone",
];
const REQUIRED: [&str; 5] = [
    "reference",
    "child_external_id",
    "status",
    "opened_on",
    "owning_agency",
];
const MAX_REFERENCE: usize = 50;
const MAX_NAME: usize = 100;
/// CAFs per transaction: an index of tens of thousands is a few short transactions.
const BATCH: usize = 1_000;

/// Where each documented column is in the file.
struct Columns {
    at: [Option<usize>; COLUMNS.len()],
    width: usize,
}

impl Columns {
    /// Every column must be a documented one, at most once, and the required ones there; the
    /// message lists everything wrong at once.
    fn from_header(header: &[String]) -> Result<Columns, String> {
        let mut at = [None; COLUMNS.len()];
        let mut unknown = Vec::new();
        let mut repeated = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let name = raw.trim().trim_start_matches('\u{feff}').to_lowercase();
            match COLUMNS.iter().position(|c| *c == name) {
                Some(c) if at[c].is_some() => repeated.push(name),
                Some(c) => at[c] = Some(i),
                None if name.is_empty() => unknown.push("(empty)".to_string()),
                None => unknown.push(name),
            }
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .filter(|r| {
                COLUMNS
                    .iter()
                    .position(|c| c == *r)
                    .and_then(|c| at[c])
                    .is_none()
            })
            .copied()
            .collect();
        let mut message = String::new();
        for (what, names) in [
            ("unknown column(s) in the header row", unknown.join(", ")),
            ("column(s) given more than once", repeated.join(", ")),
            ("required column(s) missing", missing.join(", ")),
        ] {
            if !names.is_empty() {
                let _ = writeln!(message, "{what}: {names}");
            }
        }
        if message.is_empty() {
            Ok(Columns {
                at,
                width: header.len(),
            })
        } else {
            let _ = write!(
                message,
                "the columns are: {} (see docs/IMPORT.md)",
                COLUMNS.join(", ")
            );
            Err(message)
        }
    }

    fn get<'a>(&self, fields: &'a [String], column: &str) -> &'a str {
        COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|c| self.at[c])
            .and_then(|i| fields.get(i))
            .map_or("", |s| s.trim())
    }
}

/// A row whose own fields are right, still to be checked against the others and the register.
struct Row {
    row: u64,
    fields: Vec<String>,
    reference: String,
    child_external_id: String,
    opened_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    owning_agency_id: i64,
    contact: Option<String>,
}

/// A date column: `YYYY-MM-DD`, a real date, not after today.
fn date(value: &str, what: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        format!("{what} must be a real date in the form YYYY-MM-DD, like 2024-03-07")
    })?;
    if date > today {
        return Err(format!("{what} must be today or in the past"));
    }
    Ok(date)
}

/// `CAF-2026-000012` is the form of the references this service gives its own CAFs; an
/// imported one of that form would one day collide with a new CAF's.
fn is_own_form(reference: &str) -> bool {
    let parts: Vec<&str> = reference.split('-').collect();
    matches!(parts.as_slice(), ["CAF", year, number]
        if year.len() == 4 && number.len() >= 6
            && year.chars().chain(number.chars()).all(|c| c.is_ascii_digit()))
}

/// Check one row's own fields.
fn check_row(
    columns: &Columns,
    row: u64,
    fields: Vec<String>,
    agencies: &HashMap<String, i64>,
    today: NaiveDate,
) -> Result<Row, (Vec<String>, Vec<Problem>)> {
    let mut problems = Vec::new();
    let mut problem = |column: &str, reason: String| {
        problems.push(Problem {
            row,
            column: column.to_string(),
            reason,
        })
    };
    if fields.len() != columns.width {
        problem(
            "(row)",
            format!(
                "has {} fields but the header has {}: check the commas and quotes on this row",
                fields.len(),
                columns.width
            ),
        );
        return Err((fields, problems));
    }
    let get = |column: &str| columns.get(&fields, column);
    let reference = get("reference");
    if reference.is_empty() {
        problem(
            "reference",
            "Enter the CAF's reference in the previous system".into(),
        );
    } else if reference.chars().count() > MAX_REFERENCE {
        problem(
            "reference",
            format!("Reference must be {MAX_REFERENCE} characters or fewer"),
        );
    } else if reference.chars().any(char::is_control) {
        problem(
            "reference",
            "Reference must not contain control characters".into(),
        );
    } else if is_own_form(reference) {
        problem(
            "reference",
            format!("Reference {reference} has the form of this service's own CAF references (CAF-year-number), so it would collide with a new CAF's; give the previous system's references a prefix of their own"),
        );
    }
    let child = get("child_external_id");
    if child.is_empty() {
        problem(
            "child_external_id",
            "Enter the child's external id (as imported with ecaf import people)".into(),
        );
    }
    let status = get("status").to_lowercase();
    let closed = match status.as_str() {
        "open" => Some(false),
        "closed" => Some(true),
        "" => {
            problem("status", "Enter the status: open or closed".into());
            None
        }
        other => {
            problem(
                "status",
                format!("Status must be open or closed, not {other}"),
            );
            None
        }
    };
    let opened_on = match get("opened_on") {
        "" => {
            problem("opened_on", "Enter the date the CAF was opened".into());
            None
        }
        value => date(value, "The date opened", today)
            .map_err(|e| problem("opened_on", e))
            .ok(),
    };
    let closed_on = match (get("closed_on"), closed) {
        ("", Some(true)) => {
            problem(
                "closed_on",
                "Enter the date the CAF was closed (its status is closed)".into(),
            );
            None
        }
        ("", _) => None,
        (_, Some(false)) => {
            problem(
                "closed_on",
                "An open CAF has no date closed: leave it empty, or make the status closed".into(),
            );
            None
        }
        (value, _) => match date(value, "The date closed", today) {
            Ok(closed_on) if opened_on.is_some_and(|o| closed_on < o) => {
                problem(
                    "closed_on",
                    "The date closed must be the same as or after the date opened".into(),
                );
                None
            }
            Ok(closed_on) => Some(closed_on),
            Err(e) => {
                problem("closed_on", e);
                None
            }
        },
    };
    let agency = get("owning_agency");
    let owning_agency_id = if agency.is_empty() {
        problem("owning_agency", "Enter the owning agency's name".into());
        None
    } else {
        let found = agencies.get(&agency.to_lowercase()).copied();
        if found.is_none() {
            problem(
                "owning_agency",
                format!("No agency called {agency}: add it (Manage agencies) or correct the name"),
            );
        }
        found
    };
    let name = get("lead_professional_name");
    if name.chars().count() > MAX_NAME {
        problem(
            "lead_professional_name",
            format!("Lead professional's name must be {MAX_NAME} characters or fewer"),
        );
    } else if name.chars().any(char::is_control) {
        problem(
            "lead_professional_name",
            "Lead professional's name must not contain control characters".into(),
        );
    }
    let email = match get("lead_professional_email") {
        "" => None,
        value => parse_email(value)
            .map_err(|e| problem("lead_professional_email", e))
            .ok(),
    };
    let phone = parse_telephone(get("lead_professional_phone"))
        .map_err(|e| problem("lead_professional_phone", e))
        .ok()
        .flatten();
    let contact = [(!name.is_empty()).then(|| name.to_string()), email, phone]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    match (opened_on, owning_agency_id) {
        (Some(opened_on), Some(owning_agency_id)) if problems.is_empty() => Ok(Row {
            row,
            reference: reference.to_string(),
            child_external_id: child.to_string(),
            opened_on,
            closed_on,
            owning_agency_id,
            contact: (!contact.is_empty()).then_some(contact),
            fields,
        }),
        _ => Err((fields, problems)),
    }
}

/// What checking the file found: rows to import, imported CAFs to close, rows already on the
/// register, and every problem.
#[derive(Default)]
struct Plan {
    rows: u64,
    new: Vec<ImportCaf>,
    closing: Vec<CloseImported>,
    /// Rows whose reference is an imported CAF already on the register.
    already: Vec<u64>,
    problems: Vec<Problem>,
    /// Invalid rows with their fields, for `--skip-invalid`.
    rejected: Vec<(u64, Vec<String>, Vec<Problem>)>,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportedCafs {
    pub open: usize,
    pub closed: usize,
    pub closed_since: usize,
    pub already: usize,
    pub rejected: usize,
}

/// The register's facts the rows are checked against, looked up in chunks.
struct Register {
    children: HashMap<String, RegisterChild>,
    references: HashMap<String, ExistingCaf>,
    open: HashMap<i64, OpenCaf>,
}

fn unknown_child(row: u64, external_id: &str) -> Problem {
    Problem {
        row,
        column: "child_external_id".into(),
        reason: format!(
            "No one on the register has external id {external_id}: import the child first (ecaf import people)"
        ),
    }
}

async fn look_up(
    store: &Store,
    rows: &[Row],
    rejected: &[(u64, Vec<String>, Vec<Problem>)],
    columns: &Columns,
) -> anyhow::Result<Register> {
    let grant = operator_grant::<UseRegister>();
    let unique = |values: Vec<&str>| {
        values
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    };
    let external_ids = rows.iter().map(|r| r.child_external_id.as_str()).chain(
        rejected
            .iter()
            .map(|(_, fields, _)| columns.get(fields, "child_external_id")),
    );
    let mut children = HashMap::new();
    for chunk in unique(external_ids.collect()).chunks(BATCH) {
        children.extend(store.people_by_external_id(&grant, chunk).await?);
    }
    let mut references = HashMap::new();
    for chunk in unique(rows.iter().map(|r| r.reference.as_str()).collect()).chunks(BATCH) {
        references.extend(store.cafs_by_reference(&grant, chunk).await?);
    }
    let ids: Vec<i64> = children
        .values()
        .map(|c| c.person_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut open = HashMap::new();
    for chunk in ids.chunks(BATCH) {
        open.extend(store.open_cafs_of(&grant, chunk).await?);
    }
    Ok(Register {
        children,
        references,
        open,
    })
}

/// Read and check the whole file.
async fn check_file(store: &Store, path: &Path, today: NaiveDate) -> anyhow::Result<Plan> {
    let (mut csv, header) = CsvRows::open(path)?;
    let columns = Columns::from_header(&header)
        .map_err(|m| InputError(format!("{}: {m}", path.display())))?;
    let agencies: HashMap<String, i64> = store
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.name.trim().to_lowercase(), a.id))
        .collect();
    let mut plan = Plan::default();
    let mut rows = Vec::new();
    while let Some((row, fields)) = csv.next_row()? {
        plan.rows += 1;
        match fields {
            Err(problem) => plan.rejected.push((row, Vec::new(), vec![problem])),
            Ok(fields) => match check_row(&columns, row, fields, &agencies, today) {
                Ok(checked) => rows.push(checked),
                Err((fields, problems)) => plan.rejected.push((row, fields, problems)),
            },
        }
    }
    let register = look_up(store, &rows, &plan.rejected, &columns).await?;
    // The first row of each reference, valid or not: a repeat is refused either way.
    let mut first_with: HashMap<String, u64> = HashMap::new();
    let references = rows.iter().map(|r| (r.row, r.reference.as_str())).chain(
        plan.rejected
            .iter()
            .map(|(row, fields, _)| (*row, columns.get(fields, "reference"))),
    );
    for (row, reference) in references.filter(|(_, r)| !r.is_empty()) {
        let first = first_with.entry(reference.to_string()).or_insert(row);
        *first = (*first).min(row);
    }
    let repeated = |row: u64, reference: &str| {
        first_with
            .get(reference)
            .filter(|first| **first < row)
            .map(|first| Problem {
                row,
                column: "reference".into(),
                reason: format!("Reference {reference} is also on row {first}"),
            })
    };
    // A row refused for its own fields is still told what else is wrong with it.
    for (row, fields, problems) in &mut plan.rejected {
        problems.extend(repeated(*row, columns.get(fields, "reference")));
        let child = columns.get(fields, "child_external_id");
        if !fields.is_empty() && !child.is_empty() && !register.children.contains_key(child) {
            problems.push(unknown_child(*row, child));
        }
    }

    // Against the register and the file's other rows, in order of the file.
    let mut accepted: Vec<(&Row, i64)> = Vec::new();
    for r in &rows {
        let refuse = |column: &str, reason: String| Problem {
            row: r.row,
            column: column.into(),
            reason,
        };
        let mut problems: Vec<Problem> = repeated(r.row, &r.reference).into_iter().collect();
        let child = register.children.get(&r.child_external_id);
        if child.is_none() {
            problems.push(unknown_child(r.row, &r.child_external_id));
        }
        match register.references.get(&r.reference) {
            Some(existing) if !existing.imported => problems.push(refuse(
                "reference",
                format!(
                    "Reference {} is already a CAF started in this service",
                    r.reference
                ),
            )),
            Some(existing) if problems.is_empty() => {
                match r.closed_on {
                    Some(closed_on) if existing.open => plan.closing.push(CloseImported {
                        source_row: r.row,
                        caf_id: existing.caf_id,
                        reference: r.reference.clone(),
                        closed_on,
                    }),
                    _ => plan.already.push(r.row),
                }
                continue;
            }
            _ => {}
        }
        match (child, problems.is_empty()) {
            (Some(child), true) => accepted.push((r, child.person_id)),
            _ => plan.rejected.push((r.row, r.fields.clone(), problems)),
        }
    }

    // One open CAF per child: the register's (unless this file closes it) and the file's.
    let closing: HashSet<&str> = plan.closing.iter().map(|c| c.reference.as_str()).collect();
    let mut open_rows: HashMap<i64, Vec<u64>> = HashMap::new();
    for (r, child) in &accepted {
        if r.closed_on.is_none() {
            open_rows.entry(*child).or_default().push(r.row);
        }
    }
    let name_of = |person: i64| {
        register
            .children
            .values()
            .find(|c| c.person_id == person)
            .map_or_else(|| format!("person {person}"), |c| c.name.clone())
    };
    for (r, child) in accepted {
        let mut reason = None;
        if r.closed_on.is_none() {
            if let Some(open) = register
                .open
                .get(&child)
                .filter(|o| !closing.contains(o.reference.as_str()))
            {
                reason = Some(format!(
                    "{} already has an open CAF ({}{}); a child has one open CAF at a time: close it first, or make this row closed",
                    name_of(child),
                    open.reference,
                    if open.imported { ", imported before" } else { ", started in this service" }
                ));
            } else if let Some(others) = open_rows.get(&child).filter(|rows| rows.len() > 1) {
                let others: Vec<String> = others
                    .iter()
                    .filter(|o| **o != r.row)
                    .map(u64::to_string)
                    .collect();
                reason = Some(format!(
                    "{} also has an open CAF on row {}; a child has one open CAF at a time: make all but one of them closed",
                    name_of(child),
                    others.join(", ")
                ));
            }
        }
        match reason {
            Some(reason) => plan.rejected.push((
                r.row,
                r.fields.clone(),
                vec![Problem {
                    row: r.row,
                    column: "status".into(),
                    reason,
                }],
            )),
            None => plan.new.push(ImportCaf {
                source_row: r.row,
                reference: r.reference.clone(),
                child_id: child,
                opened_on: r.opened_on,
                closed_on: r.closed_on,
                owning_agency_id: r.owning_agency_id,
                contact: r.contact.clone(),
            }),
        }
    }
    plan.rejected.sort_by_key(|(row, _, _)| *row);
    plan.problems = plan
        .rejected
        .iter()
        .flat_map(|(_, _, problems)| problems.iter().cloned())
        .collect();
    Ok(plan)
}

fn write_rejected(path: &Path, header: &[String], plan: &Plan) -> anyhow::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("could not write {}", path.display()))?;
    let mut head = header.to_vec();
    head.extend(["rejected_row".to_string(), "rejected_reason".to_string()]);
    w.write_record(&head)?;
    for (row, fields, problems) in &plan.rejected {
        let mut out = fields.clone();
        out.push(row.to_string());
        out.push(
            problems
                .iter()
                .map(|p| format!("{}: {}", p.column, p.reason))
                .collect::<Vec<_>>()
                .join("; "),
        );
        w.write_record(&out)?;
    }
    w.flush()?;
    Ok(())
}

/// Check and import a previous system's CAF index: the whole of `ecaf import cafs` but the
/// printing. Invalid rows make it an [`InputError`] listing every problem, with nothing
/// imported, unless `skip_invalid` names a file for them.
pub async fn import_cafs(
    store: &Store,
    path: &Path,
    skip_invalid: Option<&Path>,
) -> anyhow::Result<ImportedCafs> {
    let today = store.clock().now().date_naive();
    let plan = check_file(store, path, today).await?;
    if !plan.problems.is_empty() {
        match skip_invalid {
            None => {
                let mut message = String::new();
                for p in &plan.problems {
                    let _ = writeln!(message, "{p}");
                }
                let _ = write!(
                    message,
                    "{} of {} rows are invalid; nothing was imported. Correct them, or import the others with --skip-invalid REJECTED.csv.",
                    plan.rejected.len(),
                    plan.rows
                );
                return Err(InputError(message).into());
            }
            Some(rejected) => {
                let (_, header) = CsvRows::open(path)?;
                write_rejected(rejected, &header, &plan)?;
            }
        }
    }
    let grant = operator_grant::<StartCaf>();
    let by = Attribution {
        actor_email: Some("ecaf import cafs (command line)".into()),
        ..Attribution::default()
    };
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut done = ImportedCafs {
        already: plan.already.len(),
        rejected: plan.rejected.len(),
        ..ImportedCafs::default()
    };
    // Closures go in the first batch, ahead of the new CAFs they make room for.
    let mut closing = plan.closing.as_slice();
    let mut batches = plan.new.chunks(BATCH).peekable();
    while batches.peek().is_some() || !closing.is_empty() {
        let batch = batches.next().unwrap_or_default();
        let written = store
            .import_cafs_batch(&grant, &by, &source, batch, closing)
            .await
            .with_context(|| {
                format!(
                    "import stopped after {} CAFs had been imported",
                    done.open + done.closed
                )
            })?;
        closing = &[];
        done.open += written.open;
        done.closed += written.closed;
        done.closed_since += written.closed_since;
    }
    Ok(done)
}

pub async fn run(args: CafsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = args.db.open().await?;
    let done = import_cafs(&store, &args.file, args.skip_invalid.as_deref()).await?;
    println!(
        "Imported {} ({} open, {} closed) from {} in {:.1}s.",
        cafs(done.open + done.closed),
        done.open,
        done.closed,
        args.file.display(),
        started.elapsed().as_secs_f64()
    );
    if done.already > 0 {
        println!(
            "{} already on the register (same reference), left as {}.",
            rows(done.already),
            if done.already == 1 {
                "it was"
            } else {
                "they were"
            }
        );
    }
    if done.closed_since > 0 {
        println!(
            "{} imported open before closed, as the file now says.",
            cafs(done.closed_since)
        );
    }
    if let Some(path) = &args.skip_invalid {
        println!(
            "{} invalid rows skipped, written with their reasons to {}.",
            done.rejected,
            path.display()
        );
    }
    store.close().await;
    Ok(())
}

fn cafs(n: usize) -> String {
    format!("{n} CAF{}", if n == 1 { "" } else { "s" })
}

fn rows(n: usize) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}
