//! CAFs loaded from a previous system's index (`ecaf import cafs`), so "does a CAF exist?"
//! answers correctly from the first day. An imported CAF is a `cafs` row with `imported = 1`
//! and the previous system's reference, for one child, owned by an agency, with the lead
//! professional's contact as text (`imported_contact`): no assessor, no content, no consent.
//! Nobody may read content that is not here, so access gives everyone who may use the
//! register its existence only (see `access`).
//!
//! A batch is written in one transaction with one audit row (`caf.import`): the CAFs, their
//! child, and one event each; CAFs imported open earlier and now closed in the file are
//! closed in the same transaction. The caller checks every row first; the rules that
//! another writer could break meanwhile (one open CAF per child, unique references) are
//! checked again here, under the register write lock.
use super::events::{self, Event};
use crate::audit::{self, AuditEntry};
use crate::import::{insert_rows, Value, ROWS_PER_STATEMENT};
use crate::{Attribution, Backend, Result, Store, StoreError, Tx};
use chrono::NaiveDate;
use ecaf_domain::access::{Grant, StartCaf, UseRegister};
use ecaf_domain::caf::lifecycle::CafState;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// One checked row of a previous system's CAF index.
#[derive(Debug, Clone)]
pub struct ImportCaf {
    /// The row of the file, for the event's summary.
    pub source_row: u64,
    /// The previous system's reference, kept as it is.
    pub reference: String,
    pub child_id: i64,
    pub opened_on: NaiveDate,
    /// `Some` for a closed CAF.
    pub closed_on: Option<NaiveDate>,
    pub owning_agency_id: i64,
    /// The lead professional's name, email and telephone, as one line.
    pub contact: Option<String>,
}

/// A CAF imported open earlier that the file now says is closed.
#[derive(Debug, Clone)]
pub struct CloseImported {
    pub source_row: u64,
    pub caf_id: i64,
    pub reference: String,
    pub closed_on: NaiveDate,
}

/// A person on the register found by the external id a file gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterChild {
    /// The live record: a merged record's survivor.
    pub person_id: i64,
    pub name: String,
}

/// A CAF already on the register with a reference a file gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingCaf {
    pub caf_id: i64,
    pub imported: bool,
    pub open: bool,
}

/// A child's open CAF on the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCaf {
    pub reference: String,
    pub imported: bool,
}

/// What one batch wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportedCafs {
    pub open: usize,
    pub closed: usize,
    /// Imported open before, closed now.
    pub closed_since: usize,
}

/// `(…)` of `count` placeholders, the first for bound parameter `first`. SQLite gets plain
/// `?`: it finds a numbered parameter by scanning a list, so binding a thousand `$n` is
/// quadratic (it made checking 50,000 rows take five seconds).
fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    let each: Vec<String> = match backend {
        Backend::Sqlite => vec!["?".to_string(); count],
        Backend::Postgres => (first..first + count).map(|i| format!("${i}")).collect(),
    };
    format!("({})", each.join(", "))
}

/// Rows of `sql` (ending in `IN`) for `values`, in chunks that keep under the bound
/// parameter limits.
async fn fetch_for_texts(store: &Store, sql: &str, values: &[String]) -> Result<Vec<crate::Row>> {
    let mut rows = Vec::new();
    for chunk in values.chunks(ROWS_PER_STATEMENT) {
        let sql = format!("{sql} {}", placeholders(store.backend(), 1, chunk.len()));
        let mut query = sqlx::query(&sql);
        for value in chunk {
            query = query.bind(value.clone());
        }
        rows.extend(query.fetch_all(store.pool()).await?);
    }
    Ok(rows)
}

/// As [`fetch_for_texts`], for ids.
async fn fetch_for_ids(store: &Store, sql: &str, ids: &[i64]) -> Result<Vec<crate::Row>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!("{sql} {}", placeholders(store.backend(), 1, chunk.len()));
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        rows.extend(query.fetch_all(store.pool()).await?);
    }
    Ok(rows)
}

/// The open CAFs of `children` (person id → CAF), read in `tx`.
async fn open_cafs_in(
    tx: &mut Tx,
    backend: Backend,
    children: &[i64],
) -> Result<HashMap<i64, OpenCaf>> {
    let mut found = HashMap::new();
    for chunk in children.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT k.person_id, c.reference, c.imported FROM caf_children k JOIN cafs c ON c.id = k.caf_id \
             WHERE k.person_id IN {} AND c.state <> {}",
            placeholders(backend, 1, chunk.len()),
            placeholders(backend, chunk.len() + 1, 1),
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        query = query.bind(CafState::Closed.code());
        for row in query.fetch_all(&mut **tx).await? {
            found.insert(
                row.try_get("person_id")?,
                OpenCaf {
                    reference: row.try_get("reference")?,
                    imported: row.try_get::<i64, _>("imported")? != 0,
                },
            );
        }
    }
    Ok(found)
}

impl Store {
    /// The live person each of `external_ids` names, following merges to the surviving
    /// record; ids on nobody's record are absent.
    pub async fn people_by_external_id(
        &self,
        _grant: &Grant<UseRegister>,
        external_ids: &[String],
    ) -> Result<HashMap<String, RegisterChild>> {
        const COLUMNS: &str =
            "SELECT id, external_id, merged_into_id, given_name, family_name FROM people WHERE";
        let rows =
            fetch_for_texts(self, &format!("{COLUMNS} external_id IN"), external_ids).await?;
        // Each record read: its successor if merged, else its name.
        let mut read: HashMap<i64, std::result::Result<String, i64>> = HashMap::new();
        let mut named: Vec<(String, i64)> = Vec::with_capacity(rows.len());
        let note = |row: &crate::Row, read: &mut HashMap<_, _>| -> Result<i64> {
            let id: i64 = row.try_get("id")?;
            let given: String = row.try_get("given_name")?;
            let family: String = row.try_get("family_name")?;
            let entry = match row.try_get::<Option<i64>, _>("merged_into_id")? {
                Some(successor) => Err(successor),
                None => Ok(format!("{given} {family}")),
            };
            read.insert(id, entry);
            Ok(id)
        };
        for row in &rows {
            let id = note(row, &mut read)?;
            if let Some(external) = row.try_get::<Option<String>, _>("external_id")? {
                named.push((external, id));
            }
        }
        // Merged records' successors, a step at a time; a chain is short, and the bound only
        // guards against a cycle.
        for _ in 0..16 {
            let unread: Vec<i64> = read
                .values()
                .filter_map(|r| r.as_ref().err())
                .filter(|id| !read.contains_key(id))
                .copied()
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            if unread.is_empty() {
                break;
            }
            for row in fetch_for_ids(self, &format!("{COLUMNS} id IN"), &unread).await? {
                note(&row, &mut read)?;
            }
        }
        let live = |mut id: i64| {
            for _ in 0..16 {
                match read.get(&id) {
                    Some(Err(successor)) => id = *successor,
                    Some(Ok(name)) => return Some((id, name.clone())),
                    None => return None,
                }
            }
            None
        };
        Ok(named
            .into_iter()
            .filter_map(|(external, id)| {
                live(id).map(|(person_id, name)| (external, RegisterChild { person_id, name }))
            })
            .collect())
    }

    /// The CAFs already on the register with any of `references`.
    pub async fn cafs_by_reference(
        &self,
        _grant: &Grant<UseRegister>,
        references: &[String],
    ) -> Result<HashMap<String, ExistingCaf>> {
        let rows = fetch_for_texts(
            self,
            "SELECT id, reference, imported, state FROM cafs WHERE reference IN",
            references,
        )
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok((
                    row.try_get("reference")?,
                    ExistingCaf {
                        caf_id: row.try_get("id")?,
                        imported: row.try_get::<i64, _>("imported")? != 0,
                        open: state != CafState::Closed.code(),
                    },
                ))
            })
            .collect()
    }

    /// The open CAF of each of `children` that has one.
    pub async fn open_cafs_of(
        &self,
        _grant: &Grant<UseRegister>,
        children: &[i64],
    ) -> Result<HashMap<i64, OpenCaf>> {
        let mut tx = self.begin_write().await?;
        let found = open_cafs_in(&mut tx, self.backend(), children).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Import one batch of checked CAFs, and close the imported ones the file says are now
    /// closed, in one transaction with one audit row. `source` names the file. Refused as a
    /// whole if a reference is taken meanwhile (`StoreError::Duplicate`) or a child has gained
    /// an open CAF (`StoreError::Refused`, naming it).
    pub async fn import_cafs_batch(
        &self,
        _grant: &Grant<StartCaf>,
        by: &Attribution,
        source: &str,
        cafs: &[ImportCaf],
        closing: &[CloseImported],
    ) -> Result<ImportedCafs> {
        if cafs.is_empty() && closing.is_empty() {
            return Ok(ImportedCafs::default());
        }
        let now = self.now_ms();
        let mut tx = self.begin_register_write().await?;
        let mut done = ImportedCafs::default();
        // Closed first, so a file may close a child's old CAF and open their next one.
        for close in closing {
            let changed = sqlx::query(
                "UPDATE cafs SET state = $1, closed_on = $2, revision = revision + 1, updated_at = $3, \
                 updated_by = $4 WHERE id = $5 AND imported = 1 AND state <> $1",
            )
            .bind(CafState::Closed.code())
            .bind(close.closed_on.to_string())
            .bind(now)
            .bind(by.user_id)
            .bind(close.caf_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                continue;
            }
            done.closed_since += 1;
            events::record(
                &mut tx,
                close.caf_id,
                now,
                by.user_id,
                Event {
                    kind: "caf.closed",
                    summary: format!(
                        "{} closed in the previous system on {}; imported from {source}, row {}",
                        close.reference, close.closed_on, close.source_row
                    ),
                    occurred_on: Some(close.closed_on),
                    significant: false,
                    detail: serde_json::json!({ "imported": true }),
                },
            )
            .await?;
        }
        let opening: Vec<i64> = cafs
            .iter()
            .filter(|c| c.closed_on.is_none())
            .map(|c| c.child_id)
            .collect();
        if opening.iter().collect::<HashSet<_>>().len() < opening.len() {
            return Err(StoreError::Refused(
                "a batch opens two CAFs for one child; a child has one open CAF at a time".into(),
            ));
        }
        if let Some((child, open)) = open_cafs_in(&mut tx, self.backend(), &opening)
            .await?
            .into_iter()
            .next()
        {
            let row = cafs
                .iter()
                .find(|c| c.child_id == child && c.closed_on.is_none())
                .map_or(0, |c| c.source_row);
            return Err(StoreError::Refused(format!(
                "row {row}: the child (person {child}) has had an open CAF ({}) started meanwhile; nothing in this batch was imported",
                open.reference
            )));
        }

        let ids = self.reserve_ids(&mut tx, "cafs", cafs.len()).await?;
        let opened: Vec<String> = cafs.iter().map(|c| c.opened_on.to_string()).collect();
        let closed: Vec<Option<String>> = cafs
            .iter()
            .map(|c| c.closed_on.map(|d| d.to_string()))
            .collect();
        let caf_rows: Vec<Vec<Value>> = cafs
            .iter()
            .zip(&ids)
            .zip(opened.iter().zip(&closed))
            .map(|((c, id), (opened, closed))| {
                vec![
                    Value::Int(*id),
                    Value::Text(Some(&c.reference)),
                    Value::Text(Some(if c.closed_on.is_some() {
                        CafState::Closed.code()
                    } else {
                        // What an open CAF in a previous system's index most often is: the
                        // team around the family working to an agreed plan.
                        CafState::PlanInPlace.code()
                    })),
                    Value::Int(c.owning_agency_id),
                    Value::Text(Some(opened)),
                    Value::Text(closed.as_deref()),
                    Value::Text(c.contact.as_deref()),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.backend(),
            "cafs (id, reference, kind, state, owning_agency_id, opened_on, closed_on, imported, \
             imported_contact, created_at, created_by, updated_at, updated_by)",
            &[
                "{}", "{}", "'child'", "{}", "{}", "{}", "{}", "1", "{}", "$1", "$2", "$1", "$2",
            ],
            &[Value::Int(now), Value::OptInt(by.user_id)],
            &caf_rows,
        )
        .await
        .map_err(|e| match e {
            StoreError::Database(err) => crate::unique_violation(err, "reference"),
            other => other,
        })?;
        let child_rows: Vec<Vec<Value>> = cafs
            .iter()
            .zip(&ids)
            .map(|(c, id)| vec![Value::Int(*id), Value::Int(c.child_id)])
            .collect();
        insert_rows(
            &mut tx,
            self.backend(),
            "caf_children (caf_id, person_id)",
            &["{}", "{}"],
            &[],
            &child_rows,
        )
        .await?;
        let event_rows: Vec<Vec<Value>> = cafs
            .iter()
            .zip(&ids)
            .zip(&opened)
            .map(|((c, id), opened)| {
                vec![
                    Value::Int(*id),
                    Value::Text(Some(opened)),
                    Value::Owned(Some(format!(
                        "{} recorded in the previous system, opened on {}{}; imported from {source}, row {}",
                        c.reference,
                        c.opened_on,
                        c.closed_on
                            .map(|d| format!(", closed on {d}"))
                            .unwrap_or_default(),
                        c.source_row
                    ))),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.backend(),
            "caf_events (caf_id, at, user_id, kind, occurred_on, significant, summary, detail)",
            &["{}", "$1", "$2", "'caf.imported'", "{}", "0", "{}", "'{}'"],
            &[Value::Int(now), Value::OptInt(by.user_id)],
            &event_rows,
        )
        .await?;
        done.closed = cafs.iter().filter(|c| c.closed_on.is_some()).count();
        done.open = cafs.len() - done.closed;
        let rows: Vec<u64> = cafs
            .iter()
            .map(|c| c.source_row)
            .chain(closing.iter().map(|c| c.source_row))
            .collect();
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("caf.import").detail(format!(
                "{} CAFs imported from {source} (rows {}–{}): {} open, {} closed; {} imported before now closed{}",
                cafs.len(),
                rows.iter().min().copied().unwrap_or_default(),
                rows.iter().max().copied().unwrap_or_default(),
                done.open,
                done.closed,
                done.closed_since,
                match (ids.first(), ids.last()) {
                    (Some(first), Some(last)) => format!("; CAF ids {first}–{last}"),
                    _ => String::new(),
                },
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(done)
    }
}
