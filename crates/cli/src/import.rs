//! `ecaf import people FILE.csv`: load people into the register from a CSV file.
//!
//! The file is read twice, streaming, so a million rows never sit in memory at once: first to
//! check every row (keeping only the problems and the keys needed to spot duplicates), then —
//! only if nothing is wrong, or with `--skip-invalid` — to import the valid rows in batches
//! through the store's bulk path. The format is documented in `docs/IMPORT.md`.
//! `ecaf import cafs` (in `cafs`) loads a previous system's CAF index.
//! `ecaf import caf` (in `transfer`) receives one whole CAF another system exported.
mod cafs;
mod transfer;

use crate::{DatabaseArgs, InputError};
use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use ecaf_domain::access::{operator_grant, UseRegister};
use ecaf_domain::matching::normalise_name;
use ecaf_domain::person::{AddressInput, OtherNameInput, PersonInput};
use ecaf_store::import::{ImportPerson, RegisterIdentity};
use ecaf_store::{Attribution, Store};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import people (children, parents, carers) from a CSV file; see docs/IMPORT.md.
    ///
    /// Columns: external_id, given_name, family_name, other_names, gender, date_of_birth,
    /// address_line1, address_line2, town, postcode, nhs_number, upn (only the two names are
    /// required). Every row is checked first; if any is invalid nothing is imported and every
    /// problem is listed (exit code 2), unless --skip-invalid is given.
    People(PeopleArgs),
    /// Import a previous system's CAF index from a CSV file; see docs/IMPORT.md.
    ///
    /// Columns: reference, child_external_id, status (open or closed), opened_on, closed_on,
    /// owning_agency, lead_professional_name, lead_professional_email,
    /// lead_professional_phone. Each child must already be on the register with that
    /// external id, each agency already set up. Every row is checked first; if any is
    /// invalid nothing is imported and every problem is listed (exit code 2), unless
    /// --skip-invalid is given. Rows whose reference was imported before are left as they
    /// are (an open one is closed if the file now says closed).
    Cafs(cafs::CafsArgs),
    /// Receive one whole CAF another system exported as an ecaf.caf/1 JSON document; see
    /// docs/TRANSFER.md.
    ///
    /// The document must carry the family's agreement to a CAF here (`agreement`): consent
    /// does not travel. It becomes a draft CAF owned by the agency of the user named by --as,
    /// its assessor; the children are found on the register (by NHS number, then by
    /// matching) or added; the sections are pre-filled; the sender's history is kept as
    /// sent. Every problem with the document is listed with its field and nothing is written
    /// (exit code 2).
    Caf(transfer::CafArgs),
}

#[derive(Args)]
pub struct PeopleArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The CSV file (UTF-8, header row first).
    file: PathBuf,
    /// Import the valid rows and write the invalid ones, each with its reasons, to this file.
    #[arg(long, value_name = "REJECTED.csv")]
    skip_invalid: Option<PathBuf>,
    /// Write every likely duplicate found (within the file and against the register) to this
    /// CSV file; without it the first 20 are printed.
    #[arg(long, value_name = "FILE")]
    duplicates_report: Option<PathBuf>,
    /// Look only for exact duplicates (same NHS number, unique pupil number, or name and date
    /// of birth), not for people whose names or dates of birth are near misses. Saves about
    /// a minute per 250,000 rows.
    #[arg(long)]
    exact_duplicates_only: bool,
    /// People per transaction.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=50_000))]
    batch_size: u64,
}

/// The documented columns, in their documented order.
pub const COLUMNS: [&str; 12] = [
    "external_id",
    "given_name",
    "family_name",
    "other_names",
    "gender",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "nhs_number",
    "upn",
];
const REQUIRED: [&str; 2] = ["given_name", "family_name"];

/// Where each documented column is in the file.
#[derive(Debug, Clone)]
pub struct Columns {
    at: [Option<usize>; COLUMNS.len()],
    width: usize,
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Row in the file as a spreadsheet numbers it: the header is row 1.
    pub row: u64,
    /// The column at fault, or `(row)` when the row as a whole is.
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {}, column {}: {}",
            self.row, self.column, self.reason
        )
    }
}

impl Columns {
    /// Check the header row: every column must be a documented one, at most once, and both
    /// names must be there. The message lists everything wrong at once.
    pub fn from_header(header: &[String]) -> Result<Columns, String> {
        let mut at = [None; COLUMNS.len()];
        let mut unknown = Vec::new();
        let mut repeated = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let name = raw.trim().trim_start_matches('\u{feff}').to_lowercase();
            match COLUMNS.iter().position(|c| *c == name) {
                Some(c) if at[c].is_some() => repeated.push(name),
                Some(c) => at[c] = Some(i),
                None => unknown.push(if name.is_empty() {
                    "(empty)".to_string()
                } else {
                    name
                }),
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
        if !unknown.is_empty() {
            let _ = writeln!(
                message,
                "unknown column(s) in the header row: {}",
                unknown.join(", ")
            );
        }
        if !repeated.is_empty() {
            let _ = writeln!(
                message,
                "column(s) given more than once: {}",
                repeated.join(", ")
            );
        }
        if !missing.is_empty() {
            let _ = writeln!(
                message,
                "required column(s) missing: {}",
                missing.join(", ")
            );
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
            .map_or("", |s| s.as_str())
    }

    /// Check one row and turn it into a person to import.
    pub fn person(
        &self,
        row: u64,
        fields: &[String],
        today: NaiveDate,
    ) -> Result<ImportPerson, Vec<Problem>> {
        let problem = |column: &str, reason: String| Problem {
            row,
            column: column.to_string(),
            reason,
        };
        if fields.len() != self.width {
            return Err(vec![problem(
                "(row)",
                format!(
                    "has {} fields but the header has {}: check the commas and quotes on this row",
                    fields.len(),
                    self.width
                ),
            )]);
        }
        let mut problems = Vec::new();
        let external_id = self.get(fields, "external_id").trim();
        if external_id.chars().count() > 100 {
            problems.push(problem(
                "external_id",
                "External id must be 100 characters or fewer".into(),
            ));
        } else if external_id.chars().any(char::is_control) {
            problems.push(problem(
                "external_id",
                "External id must not contain control characters".into(),
            ));
        }
        let input = PersonInput {
            given_name: self.get(fields, "given_name").to_string(),
            family_name: self.get(fields, "family_name").to_string(),
            // Codes are lower case; a spreadsheet may well say "Female".
            gender: self.get(fields, "gender").trim().to_lowercase(),
            date_of_birth: self.get(fields, "date_of_birth").to_string(),
            nhs_number: self.get(fields, "nhs_number").to_string(),
            upn: self.get(fields, "upn").to_string(),
            main_address: AddressInput {
                line1: self.get(fields, "address_line1").to_string(),
                line2: self.get(fields, "address_line2").to_string(),
                town: self.get(fields, "town").to_string(),
                postcode: self.get(fields, "postcode").to_string(),
                description: String::new(),
            },
            other_names: other_names(self.get(fields, "other_names")),
            ..PersonInput::default()
        };
        match input.validate(today) {
            Ok(details) if problems.is_empty() => Ok(ImportPerson {
                source_row: row,
                external_id: (!external_id.is_empty()).then(|| external_id.to_string()),
                details,
            }),
            Ok(_) => Err(problems),
            Err(errors) => {
                for e in errors {
                    let (column, reason) = column_of(e.field, &e.message);
                    problems.push(problem(column, reason));
                }
                Err(problems)
            }
        }
    }
}

/// `other_names` holds full names separated by `;` ("Katie Smith; Kate"). The last word of
/// each is taken as the family name when there are several; all are stored as aliases, the
/// kind the matcher treats like every other known name.
fn other_names(raw: &str) -> Vec<OtherNameInput> {
    raw.split(';')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            let (given, family) = match name.rsplit_once(char::is_whitespace) {
                Some((given, family)) => (given.trim().to_string(), family.trim().to_string()),
                None => (name.to_string(), String::new()),
            };
            OtherNameInput {
                kind: "alias".into(),
                given_name: given,
                family_name: family,
            }
        })
        .collect()
}

/// The CSV column a validation error belongs to, and its message in terms of the file.
fn column_of(field: &str, message: &str) -> (&'static str, String) {
    let column = match field {
        "given_name" => "given_name",
        "family_name" => "family_name",
        "gender" => "gender",
        "date_of_birth" => "date_of_birth",
        "nhs_number" => "nhs_number",
        "upn" => "upn",
        "other_names" => "other_names",
        "main_address" if message.contains("postcode") => "postcode",
        "main_address" if message.starts_with("Address line 2") => "address_line2",
        "main_address" if message.starts_with("Town") => "town",
        "main_address" => "address_line1",
        _ => "(row)",
    };
    let reason = match column {
        // The form's advice about ticking a box has no equivalent in the file.
        "date_of_birth" if message.contains("tick") => {
            "Date of birth must be today or in the past (expected dates of birth cannot be imported)".to_string()
        }
        "gender" => "Gender must be one of female, male, other, not_known, not_stated".to_string(),
        _ => message.to_string(),
    };
    (column, reason)
}

/// Reads a CSV file record by record as text, numbering rows as a spreadsheet does.
pub struct CsvRows {
    reader: csv::Reader<std::fs::File>,
    record: csv::ByteRecord,
    row: u64,
}

/// One record: its row number and its fields, or why it could not be read as text.
pub type CsvRow = (u64, Result<Vec<String>, Problem>);

impl CsvRows {
    pub fn open(path: &Path) -> anyhow::Result<(CsvRows, Vec<String>)> {
        let file = std::fs::File::open(path)
            .with_context(|| format!("could not open {}", path.display()))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(file);
        let header = reader
            .byte_headers()
            .map_err(|e| {
                InputError(format!(
                    "{}: could not read the header row: {e}",
                    path.display()
                ))
            })?
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        Ok((
            CsvRows {
                reader,
                record: csv::ByteRecord::new(),
                row: 1,
            },
            header,
        ))
    }

    /// The next record, `None` at the end. A broken file (not a broken row) is an error.
    pub fn next_row(&mut self) -> anyhow::Result<Option<CsvRow>> {
        if !self.reader.read_byte_record(&mut self.record)? {
            return Ok(None);
        }
        self.row += 1;
        let row = self.row;
        let mut fields = Vec::with_capacity(self.record.len());
        for (i, raw) in self.record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(text) => fields.push(text.to_string()),
                Err(_) => {
                    return Ok(Some((
                        row,
                        Err(Problem {
                            row,
                            column: format!("field {}", i + 1),
                            reason: "is not UTF-8 text: save the file as \"CSV UTF-8\"".into(),
                        }),
                    )))
                }
            }
        }
        Ok(Some((row, Ok(fields))))
    }

    pub fn position(&self) -> u64 {
        self.reader.position().byte()
    }
}

/// A likely duplicate: a row of the file and another row, or a person already on the register.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub row: u64,
    pub other_row: Option<u64>,
    pub register_id: Option<i64>,
    pub register_external_id: Option<String>,
    pub reason: String,
}

/// Finds likely duplicates cheaply enough for a million rows: exact NHS number and UPN
/// collisions, and the same first given name, family name and date of birth after name
/// normalisation (so "Zoë O'Brien" and "zoe obrien" collide). Keys are kept as 64-bit hashes;
/// a false collision among a few million keys is about one in a million million.
#[derive(Default)]
pub struct DuplicateFinder {
    keys: [HashMap<u64, u64>; 3],
    pub found: Vec<Duplicate>,
}

const REASONS: [&str; 3] = [
    "same NHS number",
    "same unique pupil number",
    "same name and date of birth",
];

fn hash_of(parts: &[&str]) -> u64 {
    // SipHash with fixed keys: the same on every run, so reports are reproducible.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    parts.hash(&mut h);
    h.finish()
}

fn person_keys(
    given: &str,
    family: &str,
    dob: Option<&str>,
    nhs: Option<&str>,
    upn: Option<&str>,
) -> [Option<u64>; 3] {
    let name_dob = dob.and_then(|dob| {
        let given = normalise_name(given);
        let family = normalise_name(family).join(" ");
        let first = given.first()?;
        (!family.is_empty()).then(|| hash_of(&[first, &family, dob]))
    });
    [
        nhs.map(|n| hash_of(&["nhs", n])),
        upn.map(|u| hash_of(&["upn", u])),
        name_dob,
    ]
}

impl DuplicateFinder {
    /// Note a valid row of the file, flagging it against earlier rows.
    pub fn add_row(&mut self, person: &ImportPerson) {
        let d = &person.details;
        let dob = d.date_of_birth.map(|b| b.to_string());
        let nhs = d.nhs_number.as_ref().map(|n| n.digits());
        let keys = person_keys(
            &d.given_name,
            &d.family_name,
            dob.as_deref(),
            nhs.as_deref(),
            d.upn.as_ref().map(|u| u.as_str()),
        );
        for (k, key) in keys.into_iter().enumerate() {
            let Some(key) = key else { continue };
            match self.keys[k].get(&key) {
                Some(first) => self.found.push(Duplicate {
                    row: person.source_row,
                    other_row: Some(*first),
                    register_id: None,
                    register_external_id: None,
                    reason: REASONS[k].to_string(),
                }),
                None => {
                    self.keys[k].insert(key, person.source_row);
                }
            }
        }
    }

    /// Flag rows of the file that look like a person already on the register.
    pub fn check_register(&mut self, person: &RegisterIdentity) {
        let keys = person_keys(
            &person.given_name,
            &person.family_name,
            person.date_of_birth.as_deref(),
            person.nhs_number.as_deref(),
            person.upn.as_deref(),
        );
        for (k, key) in keys.into_iter().enumerate() {
            if let Some(row) = key.and_then(|key| self.keys[k].get(&key)) {
                self.found.push(Duplicate {
                    row: *row,
                    other_row: None,
                    register_id: Some(person.id),
                    register_external_id: person.external_id.clone(),
                    reason: REASONS[k].to_string(),
                });
            }
        }
    }
}

impl std::fmt::Display for Duplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.other_row, self.register_id) {
            (Some(other), _) => write!(f, "row {} and row {}: {}", self.row, other, self.reason),
            (None, Some(id)) => write!(
                f,
                "row {} and register person {}{}: {}",
                self.row,
                id,
                self.register_external_id
                    .as_deref()
                    .map(|e| format!(" (external id {e})"))
                    .unwrap_or_default(),
                self.reason
            ),
            (None, None) => write!(f, "row {}: {}", self.row, self.reason),
        }
    }
}

/// What a checking pass found.
pub struct Checked {
    pub rows: u64,
    pub problems: Vec<Problem>,
    pub bad_rows: HashSet<u64>,
    pub duplicates: DuplicateFinder,
}

/// First pass: check every row, including external ids against each other and the register.
/// With `rejected`, invalid rows are written there as they are found.
pub async fn check_file(
    store: &Store,
    path: &Path,
    today: NaiveDate,
    mut rejected: Option<&mut csv::Writer<std::fs::File>>,
    progress: &ProgressBar,
) -> anyhow::Result<Checked> {
    let (mut rows, header) = CsvRows::open(path)?;
    let columns = Columns::from_header(&header)
        .map_err(|m| InputError(format!("{}: {m}", path.display())))?;
    if let Some(w) = rejected.as_deref_mut() {
        let mut head = header.clone();
        head.extend(["rejected_row".to_string(), "rejected_reason".to_string()]);
        w.write_record(&head)?;
    }
    let mut checked = Checked {
        rows: 0,
        problems: Vec::new(),
        bad_rows: HashSet::new(),
        duplicates: DuplicateFinder::default(),
    };
    let mut seen_external: HashMap<String, u64> = HashMap::new();
    // Valid rows whose external id is still to be looked up on the register, in chunks.
    let mut pending: Vec<(u64, String, Vec<String>)> = Vec::new();
    let reject = |w: &mut Option<&mut csv::Writer<std::fs::File>>,
                  row: u64,
                  fields: &[String],
                  problems: &[Problem]|
     -> anyhow::Result<()> {
        if let Some(w) = w.as_deref_mut() {
            let mut out: Vec<String> = fields.to_vec();
            out.push(row.to_string());
            let reasons: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.column, p.reason))
                .collect();
            out.push(reasons.join("; "));
            w.write_record(&out)?;
        }
        Ok(())
    };
    while let Some((row, fields)) = rows.next_row()? {
        checked.rows += 1;
        // Cheap: an atomic store; indicatif redraws at most a few times a second.
        progress.set_position(rows.position());
        let fields = match fields {
            Ok(f) => f,
            Err(problem) => {
                reject(&mut rejected, row, &[], std::slice::from_ref(&problem))?;
                checked.bad_rows.insert(row);
                checked.problems.push(problem);
                continue;
            }
        };
        match columns.person(row, &fields, today) {
            Ok(person) => {
                if let Some(id) = &person.external_id {
                    if let Some(first) = seen_external.get(id) {
                        let problem = Problem {
                            row,
                            column: "external_id".into(),
                            reason: format!("External id {id} is also on row {first}"),
                        };
                        reject(&mut rejected, row, &fields, std::slice::from_ref(&problem))?;
                        checked.bad_rows.insert(row);
                        checked.problems.push(problem);
                        continue;
                    }
                    seen_external.insert(id.clone(), row);
                    pending.push((row, id.clone(), fields));
                    if pending.len() >= 1_000 {
                        flush_external(store, &mut pending, &mut checked, &mut rejected, &reject)
                            .await?;
                    }
                }
                checked.duplicates.add_row(&person);
            }
            Err(problems) => {
                reject(&mut rejected, row, &fields, &problems)?;
                checked.bad_rows.insert(row);
                checked.problems.extend(problems);
            }
        }
    }
    flush_external(store, &mut pending, &mut checked, &mut rejected, &reject).await?;
    checked.problems.sort_by_key(|p| p.row);
    if let Some(w) = rejected {
        w.flush()?;
    }
    Ok(checked)
}

type Reject<'a> = dyn Fn(
        &mut Option<&mut csv::Writer<std::fs::File>>,
        u64,
        &[String],
        &[Problem],
    ) -> anyhow::Result<()>
    + 'a;

async fn flush_external(
    store: &Store,
    pending: &mut Vec<(u64, String, Vec<String>)>,
    checked: &mut Checked,
    rejected: &mut Option<&mut csv::Writer<std::fs::File>>,
    reject: &Reject<'_>,
) -> anyhow::Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = pending.iter().map(|(_, id, _)| id.clone()).collect();
    let taken = store.external_ids_in_register(&ids).await?;
    for (row, id, fields) in pending.drain(..) {
        if taken.contains(&id) {
            let problem = Problem {
                row,
                column: "external_id".into(),
                reason: format!("External id {id} is already on the register"),
            };
            reject(rejected, row, &fields, std::slice::from_ref(&problem))?;
            checked.bad_rows.insert(row);
            checked.problems.push(problem);
        }
    }
    Ok(())
}

/// Progress through the file, in bytes.
const BYTES: &str = "{msg:10} [{bar:40}] {bytes}/{total_bytes} {elapsed} (eta {eta})";
/// Progress through the people imported.
const PEOPLE: &str = "{msg:10} [{bar:40}] {pos}/{len} people {elapsed} (eta {eta})";

fn progress_bar(total: u64, message: &'static str, template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub people: usize,
    pub other_names: usize,
    pub addresses: usize,
    pub rejected: usize,
    pub duplicates: Vec<Duplicate>,
    /// (person id, row of the file) for every person imported.
    pub imported: Vec<(i64, u64)>,
}

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::People(args) => {
            let started = Instant::now();
            let store = args.db.open().await?;
            let done = import_people(
                &store,
                &args.file,
                args.skip_invalid.as_deref(),
                args.batch_size as usize,
                !args.exact_duplicates_only,
            )
            .await?;
            println!(
                "Imported {} people ({} other names, {} addresses) from {} in {:.1}s.",
                done.people,
                done.other_names,
                done.addresses,
                args.file.display(),
                started.elapsed().as_secs_f64()
            );
            if let Some(path) = &args.skip_invalid {
                println!(
                    "{} invalid rows skipped, written with their reasons to {}.",
                    done.rejected,
                    path.display()
                );
            }
            report_duplicates(&done.duplicates, args.duplicates_report.as_deref())?;
            store.close().await;
            Ok(())
        }
        ImportCommand::Cafs(args) => cafs::run(args).await,
        ImportCommand::Caf(args) => transfer::run(args).await,
    }
}

fn report_duplicates(duplicates: &[Duplicate], path: Option<&Path>) -> anyhow::Result<()> {
    let count = |reason: &str| duplicates.iter().filter(|d| d.reason == reason).count();
    let in_file = duplicates.iter().filter(|d| d.other_row.is_some()).count();
    let near = duplicates
        .iter()
        .filter(|d| d.reason.starts_with(NEAR_MISS))
        .count();
    println!(
        "Likely duplicates: {} ({} within the file, {} with people already on the register; {} same NHS number, {} same unique pupil number, {} same name and date of birth, {} near misses of name and date of birth).",
        duplicates.len(),
        in_file,
        duplicates.len() - in_file,
        count(REASONS[0]),
        count(REASONS[1]),
        count(REASONS[2]),
        near,
    );
    match path {
        Some(path) => {
            let mut w = csv::Writer::from_path(path)
                .with_context(|| format!("could not write {}", path.display()))?;
            w.write_record([
                "row",
                "other_row",
                "register_person_id",
                "register_external_id",
                "reason",
            ])?;
            for d in duplicates {
                w.write_record([
                    d.row.to_string(),
                    d.other_row.map(|r| r.to_string()).unwrap_or_default(),
                    d.register_id.map(|r| r.to_string()).unwrap_or_default(),
                    d.register_external_id.clone().unwrap_or_default(),
                    d.reason.to_string(),
                ])?;
            }
            w.flush()?;
            println!("Likely duplicates written to {}.", path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            for d in duplicates.iter().take(20) {
                writeln!(out, "  {d}")?;
            }
            if duplicates.len() > 20 {
                writeln!(
                    out,
                    "  … and {} more (use --duplicates-report FILE for all of them)",
                    duplicates.len() - 20
                )?;
            }
        }
    }
    Ok(())
}

/// How a duplicate found by the matcher, not by an exact key, is introduced in reports.
const NEAR_MISS: &str = "likely the same person: ";

/// Check and import a CSV file of people: the whole of `ecaf import people` but the printing.
/// Invalid rows make it an [`InputError`] listing every problem, with nothing imported,
/// unless `skip_invalid` names a file for them. With `near_misses`, the imported people are
/// also searched for on the register afterwards, as a practitioner's search would, to flag
/// likely duplicates that differ by a slip, a nickname or a date one digit off.
pub async fn import_people(
    store: &Store,
    path: &Path,
    skip_invalid: Option<&Path>,
    batch_size: usize,
    near_misses: bool,
) -> anyhow::Result<Imported> {
    let grant = operator_grant::<UseRegister>();
    let by = Attribution {
        actor_email: Some("ecaf import people (command line)".into()),
        ..Attribution::default()
    };
    let today = store.clock().now().date_naive();
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut rejected_writer = match skip_invalid {
        Some(p) => Some(
            csv::WriterBuilder::new()
                .flexible(true)
                .from_path(p)
                .with_context(|| format!("could not write {}", p.display()))?,
        ),
        None => None,
    };
    let bar = progress_bar(size, "Checking", BYTES);
    let mut checked = check_file(store, path, today, rejected_writer.as_mut(), &bar).await?;
    bar.finish_and_clear();
    if !checked.problems.is_empty() && skip_invalid.is_none() {
        let mut message = String::new();
        for p in &checked.problems {
            let _ = writeln!(message, "{p}");
        }
        let _ = write!(
            message,
            "{} of {} rows are invalid; nothing was imported. Correct them, or import the others with --skip-invalid REJECTED.csv.",
            checked.bad_rows.len(),
            checked.rows
        );
        return Err(InputError(message).into());
    }
    store
        .for_each_register_identity(&grant, |person| checked.duplicates.check_register(&person))
        .await?;
    // A row refused only because its external id is taken was added to the duplicate keys;
    // its pairs are dropped so the report only names rows that will be imported.
    let bad = &checked.bad_rows;
    checked
        .duplicates
        .found
        .retain(|d| !bad.contains(&d.row) && d.other_row.is_none_or(|o| !bad.contains(&o)));

    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let bar = progress_bar(size, "Importing", BYTES);
    let (mut rows, header) = CsvRows::open(path)?;
    let columns = Columns::from_header(&header).map_err(InputError)?;
    let mut done = Imported {
        rejected: checked.bad_rows.len(),
        ..Imported::default()
    };
    let mut batch = Vec::with_capacity(batch_size);
    while let Some((row, fields)) = rows.next_row()? {
        if checked.bad_rows.contains(&row) {
            continue;
        }
        // Checked in the first pass; a row that fails now means the file changed meanwhile.
        let person = fields
            .map_err(|p| vec![p])
            .and_then(|f| columns.person(row, &f, today))
            .map_err(|_| {
                InputError(format!(
                    "{} changed while it was being imported (row {row})",
                    path.display()
                ))
            })?;
        batch.push(person);
        if batch.len() >= batch_size {
            write_batch(store, &grant, &by, &source, &mut batch, &mut done).await?;
            bar.set_position(rows.position());
        }
    }
    write_batch(store, &grant, &by, &source, &mut batch, &mut done).await?;
    bar.finish_and_clear();
    store.settle_after_import().await?;
    done.duplicates = std::mem::take(&mut checked.duplicates.found);
    // The exact keys of a million rows are about 100 MB; the matching needs the room.
    drop(checked);
    if near_misses {
        add_near_misses(store, &grant, &by, &mut done).await?;
    }
    Ok(done)
}

/// Searches the register for every imported person and adds the likely duplicates that the
/// exact keys did not already report.
async fn add_near_misses(
    store: &Store,
    grant: &ecaf_domain::access::Grant<UseRegister>,
    by: &Attribution,
    done: &mut Imported,
) -> anyhow::Result<()> {
    let row_of: HashMap<i64, u64> = done.imported.iter().copied().collect();
    let ids: Vec<i64> = done.imported.iter().map(|(id, _)| *id).collect();
    let bar = progress_bar(ids.len() as u64, "Matching", PEOPLE);
    let likely = store
        .likely_duplicates(grant, by, &ids, |n| bar.set_position(n as u64))
        .await?;
    bar.finish_and_clear();
    // The pairs already reported, whatever the reason, each way round.
    let mut seen: HashSet<(u64, Option<u64>, Option<i64>)> = HashSet::new();
    for d in &done.duplicates {
        seen.insert((d.row, d.other_row, d.register_id));
        if let Some(other) = d.other_row {
            seen.insert((other, Some(d.row), None));
        }
    }
    for d in likely {
        let Some(&row) = row_of.get(&d.id) else {
            continue;
        };
        let duplicate = match row_of.get(&d.other_id) {
            Some(&other) => Duplicate {
                row: row.max(other),
                other_row: Some(row.min(other)),
                register_id: None,
                register_external_id: None,
                reason: format!("{NEAR_MISS}{}", d.explanation),
            },
            None => Duplicate {
                row,
                other_row: None,
                register_id: Some(d.other_id),
                register_external_id: d.other_external_id,
                reason: format!("{NEAR_MISS}{}", d.explanation),
            },
        };
        if seen.insert((duplicate.row, duplicate.other_row, duplicate.register_id)) {
            done.duplicates.push(duplicate);
        }
    }
    Ok(())
}

async fn write_batch(
    store: &Store,
    grant: &ecaf_domain::access::Grant<UseRegister>,
    by: &Attribution,
    source: &str,
    batch: &mut Vec<ImportPerson>,
    done: &mut Imported,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let (ids, written) = store
        .import_people_batch(grant, by, source, batch)
        .await
        .with_context(|| {
            format!(
                "import stopped after {} people had been imported",
                done.people
            )
        })?;
    done.imported
        .extend(ids.into_iter().zip(batch.iter().map(|p| p.source_row)));
    done.people += written.people;
    done.other_names += written.other_names;
    done.addresses += written.addresses;
    batch.clear();
    Ok(())
}
