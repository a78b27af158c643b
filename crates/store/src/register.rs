//! The matching index over the register. The database is the truth: each process builds the
//! index from it once, then, before every search, applies the change feed (`person_changes`)
//! from where it left off — so an instance never answers from a stale index, whichever
//! instance made the change, and a restart or crash simply rebuilds.
//!
//! Building takes seconds at a million people, so a process given a snapshot directory
//! ([`Store::keep_index_snapshot_in`]) starts from the snapshot there instead: a copy of the
//! index stamped with the last change it includes, caught up from the change feed before it
//! answers anything, exactly as a running index is. A snapshot that is missing, damaged, of
//! another version, or does not belong to this database (its stamp's change is not in the
//! feed as recorded) is ignored and the index is built from the database and written out
//! again. The snapshot is only ever an optimisation: losing it costs one rebuild.
use crate::audit::AuditEntry;
use crate::{Attribution, Result, Store, StoreError};
use chrono::NaiveDate;
use ecaf_domain::access::{Grant, UseRegister};
use ecaf_domain::matching::{Candidate, IndexBuilder, MatchIndex, MatchQuery, PersonRecord};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// Every live person as the matcher sees them (other known names aside), main address's
/// postcode, first line and town included; callers may add `AND p.…` conditions.
const LIVE_PEOPLE: &str =
    "SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.nhs_number, p.upn, a.postcode, \
     a.line1, a.town \
     FROM people p LEFT JOIN person_addresses a ON a.person_id = p.id AND a.is_main = 1 \
     WHERE p.merged_into_id IS NULL";

/// People checked against the index per database round trip when looking for duplicates.
const DUPLICATE_CHUNK: usize = 500;

/// The snapshot's file name in its directory.
const SNAPSHOT_FILE: &str = "matching-index.snapshot";
/// Changes applied since the last snapshot after which a new one is written, so that a
/// restart has at most about this many changes to catch up on (a few seconds' work, one
/// person at a time) and the write (about a second at a million people) stays rare.
const SNAPSHOT_EVERY: i64 = 5_000;
/// A snapshot more than this many changes behind the feed (after a large import, say) is not
/// caught up but rebuilt: reading everyone in one stream is quicker than one by one.
const CATCH_UP_LIMIT: i64 = 20_000;

/// The in-memory index and how far through the change feed it is.
///
/// The index's lock is only ever taken on tokio's blocking threads. Searching is CPU work,
/// and a writer waiting for a `std` lock makes every later reader wait behind it: taken on an
/// async worker, one slow search and one waiting upsert would stall every request on the
/// runtime, `/healthz` included.
#[derive(Default)]
pub struct Register {
    index: Arc<RwLock<Option<MatchIndex>>>,
    /// How far the index is, `None` until it is built; the mutex also makes catch-up
    /// single-flight, and searches wait for it without holding a thread.
    applied: tokio::sync::Mutex<Option<Applied>>,
    /// Where the index's snapshot is kept, if anywhere.
    snapshot_dir: OnceLock<PathBuf>,
}

#[derive(Clone, Copy)]
struct Applied {
    /// Last change-feed sequence number applied.
    seq: i64,
    /// People in the index after it.
    people: usize,
    /// The change the last snapshot written or read was stamped with.
    snapshot_seq: i64,
}

/// What a snapshot is stamped with: the last change of the feed it includes, as the feed
/// records it, so that a snapshot of another database (or of this one before it was restored
/// from a backup) is recognised by that change not being in the feed as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    seq: i64,
    person_id: i64,
    at: i64,
}

impl Stamp {
    fn to_bytes(self) -> Vec<u8> {
        [self.seq, self.person_id, self.at]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut values = bytes
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or_default()));
        let stamp = Stamp {
            seq: values.next()?,
            person_id: values.next()?,
            at: values.next()?,
        };
        (bytes.len() == 24).then_some(stamp)
    }
}

impl Register {
    /// What `f` makes of the index, worked out on a blocking thread; `T::default()` before it
    /// is built (or if a writer panicked while holding it).
    async fn read<T: Default + Send + 'static>(
        &self,
        f: impl FnOnce(&MatchIndex) -> T + Send + 'static,
    ) -> Result<T> {
        let index = Arc::clone(&self.index);
        blocking(move || {
            index
                .read()
                .ok()
                .and_then(|index| index.as_ref().map(f))
                .unwrap_or_default()
        })
        .await
    }

    /// Changes the index on a blocking thread; returns how many people it then holds.
    async fn write(
        &self,
        f: impl FnOnce(&mut Option<MatchIndex>) + Send + 'static,
    ) -> Result<usize> {
        let index = Arc::clone(&self.index);
        blocking(move || {
            index.write().map_or(0, |mut slot| {
                f(&mut slot);
                slot.as_ref().map_or(0, MatchIndex::len)
            })
        })
        .await
    }
}

/// Runs CPU-bound work on tokio's blocking pool, so the async workers stay free to answer
/// other requests. A panic there is carried on here, as if `f` had run inline.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => Ok(value),
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only when the runtime is shutting down.
            Err(e) => Err(StoreError::Io(std::io::Error::other(e))),
        },
    }
}

/// One candidate, showing only who the person is (enough to recognise them) and never case
/// content.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: i64,
    pub external_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub date_of_birth_is_expected: bool,
    pub gender: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub score: f64,
    /// Exact NHS number or UPN agreement.
    pub same_identifier: bool,
    /// Plain reasons, e.g. "surname sounds the same; day and month of birth swapped".
    pub explanation: String,
    /// Whether a CAF is open or closed for this person, and whom to contact.
    pub caf: CafSummary,
}

/// Someone on the register who is likely the same person as another (see
/// [`Candidate::is_likely_same_person`]).
#[derive(Debug, Clone, Serialize)]
pub struct LikelyDuplicate {
    pub id: i64,
    pub other_id: i64,
    pub other_external_id: Option<String>,
    /// Why, e.g. "first name sounds the same; same surname; same date of birth".
    pub explanation: String,
}

/// What a search may reveal about CAFs: that one exists, open or closed, since when, the
/// owning agency and whom to contact — never content.
#[derive(Debug, Clone, Serialize)]
pub struct CafSummary {
    /// E.g. "Open CAF (CAF-2026-000012) since 3 November 2026, Riverside Primary School".
    pub status: String,
    pub contact: Option<String>,
    /// The same in parts, for pages that say it in the service's own words: whether it is
    /// open, its reference, since when or when it closed, and the owning agency.
    pub open: Option<bool>,
    pub reference: Option<String>,
    pub opened_on: Option<chrono::NaiveDate>,
    pub closed_on: Option<chrono::NaiveDate>,
    pub owning_agency: Option<String>,
    pub imported: bool,
}

impl CafSummary {
    /// The summary of a person's CAFs, newest first: the open one if there is one.
    fn of(cafs: Option<&Vec<crate::caf::CafExistence>>) -> CafSummary {
        let Some(caf) = cafs.and_then(|all| all.iter().find(|c| c.open).or(all.first())) else {
            return CafSummary {
                status: "No CAF recorded".into(),
                contact: None,
                open: None,
                reference: None,
                opened_on: None,
                closed_on: None,
                owning_agency: None,
                imported: false,
            };
        };
        let status = match caf.closed_on {
            Some(closed) if !caf.open => format!(
                "Closed CAF ({}), closed {}, {}",
                caf.reference,
                closed.format("%-d %B %Y"),
                caf.owning_agency
            ),
            _ if !caf.open => format!("Closed CAF ({}), {}", caf.reference, caf.owning_agency),
            _ => format!(
                "Open CAF ({}) since {}, {}",
                caf.reference,
                caf.opened_on.format("%-d %B %Y"),
                caf.owning_agency
            ),
        };
        CafSummary {
            status: if caf.imported {
                format!("{status} (recorded in the previous system)")
            } else {
                status
            },
            contact: caf.contact.clone(),
            open: Some(caf.open),
            reference: Some(caf.reference.clone()),
            opened_on: Some(caf.opened_on),
            closed_on: caf.closed_on,
            owning_agency: Some(caf.owning_agency.clone()),
            imported: caf.imported,
        }
    }
}

impl Store {
    /// Keep the matching index's snapshot in `dir` (created if missing): start from it, and
    /// write it after a build and every few thousand changes. Without this the index is built
    /// from the database at every start. One directory per database: a snapshot of another
    /// database is recognised and replaced, but two databases sharing a directory would
    /// replace each other's at every start. Only the first call counts.
    pub fn keep_index_snapshot_in(&self, dir: &Path) {
        let _ = self.register().snapshot_dir.set(dir.to_path_buf());
    }

    /// Build the index (from its snapshot if there is a good one, otherwise from the database)
    /// if it has not been built yet, then apply any changes committed since. Returns the
    /// number of people indexed.
    pub async fn catch_up_register(&self) -> Result<usize> {
        let register = self.register();
        let mut applied = register.applied.lock().await;
        let Some(from) = *applied else {
            // Read the high-water mark first: changes committed during the load are applied
            // again afterwards, which is harmless (upserts are idempotent).
            let seq = self.latest_change().await?;
            let started = std::time::Instant::now();
            if let Some(loaded) = self.load_snapshot(seq).await? {
                tracing::info!(
                    people = loaded.people,
                    behind = seq - loaded.seq,
                    seconds = started.elapsed().as_secs_f64(),
                    "matching index read from its snapshot"
                );
                *applied = Some(loaded);
                drop(applied);
                return Box::pin(self.catch_up_register()).await;
            }
            let builder = self.index_builder().await?;
            // Laying out the postings takes seconds at a million people.
            let people = register
                .write(move |slot| {
                    let index = builder.finish();
                    release_freed_memory();
                    *slot = Some(index);
                })
                .await?;
            tracing::info!(
                people,
                seconds = started.elapsed().as_secs_f64(),
                "matching index built from the database"
            );
            let snapshot_seq = self.write_snapshot(seq).await?;
            *applied = Some(Applied {
                seq,
                people,
                snapshot_seq,
            });
            drop(applied);
            return Box::pin(self.catch_up_register()).await.map(|_| people);
        };
        let rows =
            sqlx::query("SELECT seq, person_id FROM person_changes WHERE seq > $1 ORDER BY seq")
                .bind(from.seq)
                .fetch_all(self.pool())
                .await?;
        let Some(last) = rows.last() else {
            return Ok(from.people);
        };
        let mut ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.try_get::<i64, _>("person_id").ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut updates = Vec::with_capacity(ids.len());
        for id in ids {
            updates.push((id, self.index_record(id).await?));
        }
        let people = register
            .write(move |slot| {
                if let Some(index) = slot.as_mut() {
                    for (id, record) in updates {
                        match record {
                            Some(record) => index.upsert(record),
                            None => {
                                index.remove(id);
                            }
                        }
                    }
                }
            })
            .await?;
        let seq: i64 = last.try_get("seq")?;
        let snapshot_seq = if seq - from.snapshot_seq >= SNAPSHOT_EVERY {
            self.write_snapshot(seq).await?
        } else {
            from.snapshot_seq
        };
        *applied = Some(Applied {
            seq,
            people,
            snapshot_seq,
        });
        Ok(people)
    }

    /// The stamp for an index that includes every change up to `seq`.
    async fn stamp(&self, seq: i64) -> Result<Stamp> {
        let row = sqlx::query("SELECT person_id, at FROM person_changes WHERE seq = $1")
            .bind(seq)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => Stamp {
                seq,
                person_id: row.try_get("person_id")?,
                at: row.try_get("at")?,
            },
            None => Stamp {
                seq,
                person_id: 0,
                at: 0,
            },
        })
    }

    /// The index read from its snapshot into the register, and how far it is, if there is a
    /// snapshot that belongs to this database and is not too far behind `latest`. Why one was
    /// not used is logged: it is rebuilt, never an error.
    async fn load_snapshot(&self, latest: i64) -> Result<Option<Applied>> {
        let Some(path) = self
            .register()
            .snapshot_dir
            .get()
            .map(|d| d.join(SNAPSHOT_FILE))
        else {
            return Ok(None);
        };
        let shown = path.display().to_string();
        let read = blocking(move || -> std::result::Result<_, String> {
            let file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
            let len = file.metadata().map_err(|e| e.to_string())?.len();
            MatchIndex::read_snapshot(file, len).map_err(|e| e.to_string())
        })
        .await?;
        let (index, stamp) = match read {
            Ok(read) => read,
            Err(why) => {
                tracing::info!(snapshot = shown, why, "matching index snapshot not used");
                return Ok(None);
            }
        };
        let Some(stamp) = Stamp::from_bytes(&stamp) else {
            tracing::warn!(
                snapshot = shown,
                "matching index snapshot has no valid stamp"
            );
            return Ok(None);
        };
        if stamp.seq > latest || self.stamp(stamp.seq).await? != stamp {
            tracing::warn!(
                snapshot = shown,
                "matching index snapshot is of another database, or of this one before it was \
                 restored: rebuilding"
            );
            return Ok(None);
        }
        if latest - stamp.seq > CATCH_UP_LIMIT {
            tracing::info!(
                snapshot = shown,
                behind = latest - stamp.seq,
                "matching index snapshot is too far behind the change feed: rebuilding"
            );
            return Ok(None);
        }
        let people = self
            .register()
            .write(move |slot| *slot = Some(index))
            .await?;
        Ok(Some(Applied {
            seq: stamp.seq,
            people,
            snapshot_seq: stamp.seq,
        }))
    }

    /// Writes the index, which includes every change up to `seq`, to its snapshot (if one is
    /// kept), through a file of its own renamed into place so that a reader never sees half a
    /// snapshot. Returns the change the snapshot on disk is now stamped with. A failure is
    /// logged, not returned: the service runs the same without a snapshot.
    async fn write_snapshot(&self, seq: i64) -> Result<i64> {
        let Some(dir) = self.register().snapshot_dir.get().cloned() else {
            return Ok(seq);
        };
        let stamp = self.stamp(seq).await?.to_bytes();
        let index = Arc::clone(&self.register().index);
        let started = std::time::Instant::now();
        let written = blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let partial = dir.join(format!(
                "{SNAPSHOT_FILE}.{}.partial",
                uuid::Uuid::new_v4().simple()
            ));
            let result = (|| {
                let file = std::fs::File::create(&partial)?;
                let guard = index
                    .read()
                    .map_err(|_| std::io::Error::other("the index is poisoned"))?;
                if let Some(index) = guard.as_ref() {
                    index.write_snapshot(&stamp, &file)?;
                }
                drop(guard);
                std::fs::rename(&partial, dir.join(SNAPSHOT_FILE))
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            result
        })
        .await?;
        match written {
            Ok(()) => tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "matching index snapshot written"
            ),
            Err(err) => tracing::warn!(error = %err, "could not write the matching index snapshot"),
        }
        Ok(seq)
    }

    async fn latest_change(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM person_changes")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("seq")?)
    }

    /// Every live person placed in an index builder. People are streamed into it one row at
    /// a time (a million of them never sit in memory as records); only their other known
    /// names, which few people have, are gathered first.
    async fn index_builder(&self) -> Result<IndexBuilder> {
        let mut other_names: HashMap<i64, Vec<String>> = HashMap::new();
        // A merged record's names stay findable under the live record at the end of its merge
        // chain (A merged into B, then B into C: A's names are C's too). Each person's own
        // other names come first, then the merged records' names, then their other names, so
        // the matcher's cap on other names drops the least telling.
        let mut names = sqlx::query(
            "WITH RECURSIVE merged(id, kept) AS ( \
                 SELECT p.id, p.merged_into_id FROM people p JOIN people k ON k.id = p.merged_into_id \
                 WHERE k.merged_into_id IS NULL \
                 UNION SELECT p.id, m.kept FROM people p JOIN merged m ON p.merged_into_id = m.id) \
             SELECT n.person_id AS kept, 0 AS name_order, n.id AS source, n.given_name, n.family_name \
             FROM person_other_names n JOIN people p ON p.id = n.person_id WHERE p.merged_into_id IS NULL \
             UNION ALL SELECT m.kept, 1, p.id, p.given_name, p.family_name FROM merged m JOIN people p ON p.id = m.id \
             UNION ALL SELECT m.kept, 2, n.id, n.given_name, n.family_name FROM merged m \
             JOIN person_other_names n ON n.person_id = m.id \
             ORDER BY name_order, source",
        )
        .fetch(self.pool());
        while let Some(row) = names.try_next().await? {
            other_names
                .entry(row.try_get("kept")?)
                .or_default()
                .push(full_name(&row)?);
        }
        drop(names);
        let mut builder = MatchIndex::builder();
        let mut people = sqlx::query(LIVE_PEOPLE).fetch(self.pool());
        while let Some(row) = people.try_next().await? {
            let mut record = record_from_row(&row)?;
            // Cloned, not taken: a person with two main addresses (never written so, but possible in
            // imported data) comes twice, and the last row wins.
            record.other_names = other_names.get(&record.id).cloned().unwrap_or_default();
            builder.add(record);
        }
        drop(people);
        drop(other_names);
        Ok(builder)
    }

    /// One person as the matcher sees them, or `None` if merged away or missing.
    async fn index_record(&self, id: i64) -> Result<Option<PersonRecord>> {
        let Some(row) = sqlx::query(&format!("{LIVE_PEOPLE} AND p.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let mut record = record_from_row(&row)?;
        // As in `index_builder`: the record's own other names, then those of every record
        // merged into it, directly or along a chain.
        let names = sqlx::query(
            "WITH RECURSIVE merged(id) AS ( \
                 SELECT id FROM people WHERE merged_into_id = $1 \
                 UNION SELECT p.id FROM people p JOIN merged m ON p.merged_into_id = m.id) \
             SELECT 0 AS name_order, n.id AS source, n.given_name, n.family_name FROM person_other_names n \
             WHERE n.person_id = $1 \
             UNION ALL SELECT 1, p.id, p.given_name, p.family_name FROM merged m JOIN people p ON p.id = m.id \
             UNION ALL SELECT 2, n.id, n.given_name, n.family_name FROM merged m \
             JOIN person_other_names n ON n.person_id = m.id \
             ORDER BY name_order, source",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        for n in &names {
            record.other_names.push(full_name(n)?);
        }
        Ok(Some(record))
    }

    /// Ranked candidates for what a practitioner knows, with plain explanations. The search is
    /// audited with the candidates shown.
    pub async fn search_people(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        query: &MatchQuery,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        self.catch_up_register().await?;
        let query = query.clone();
        let candidates = self
            .register()
            .read(move |index| index.search(&query, limit))
            .await?;
        // One query for every candidate's display row.
        let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
        let mut rows_by_id: HashMap<i64, crate::Row> = HashMap::new();
        for row in self
            .fetch_for_ids(
                "SELECT p.id, p.external_id, p.given_name, p.family_name, p.date_of_birth, p.date_of_birth_is_expected, \
                 p.gender, a.town, a.postcode FROM people p \
                 LEFT JOIN person_addresses a ON a.person_id = p.id AND a.is_main = 1 \
                 WHERE p.merged_into_id IS NULL AND p.id IN",
                &ids,
            )
            .await?
        {
            rows_by_id.insert(row.try_get("id")?, row);
        }
        // And one for every candidate's CAFs: that one exists and whom to contact, no more.
        let cafs = self.caf_existence(&ids).await?;
        let mut hits = Vec::with_capacity(candidates.len());
        for c in candidates {
            // A record merged after the catch-up is skipped rather than shown stale.
            let Some(row) = rows_by_id.get(&c.id) else {
                continue;
            };
            let dob: Option<String> = row.try_get("date_of_birth")?;
            hits.push(SearchHit {
                id: c.id,
                external_id: row.try_get("external_id")?,
                given_name: row.try_get("given_name")?,
                family_name: row.try_get("family_name")?,
                date_of_birth: dob.and_then(|d| d.parse().ok()),
                date_of_birth_is_expected: row.try_get::<i64, _>("date_of_birth_is_expected")? != 0,
                gender: row.try_get("gender")?,
                // Address lines are stored as typed, so an address without a town has "".
                town: row
                    .try_get::<Option<String>, _>("town")?
                    .filter(|t| !t.is_empty()),
                postcode: row.try_get("postcode")?,
                score: c.score,
                same_identifier: c.same_identifier,
                explanation: c.explanation(),
                caf: CafSummary::of(cafs.get(&c.id)),
            });
        }
        let shown: Vec<String> = hits.iter().map(|h| h.id.to_string()).collect();
        self.audit(
            by,
            AuditEntry::new("person.search").detail(format!(
                "{} candidates shown: {}",
                hits.len(),
                shown.join(", ")
            )),
        )
        .await?;
        Ok(hits)
    }

    /// The person on the register who is likely the one `record` describes (a child arriving
    /// in a CAF sent from elsewhere), found by the same matching as the duplicate check: the
    /// strongest candidate, when it is likely the same person.
    pub(crate) async fn likely_same_person(&self, record: PersonRecord) -> Result<Option<i64>> {
        self.catch_up_register().await?;
        let candidates = self
            .register()
            .read(move |index| index.likely_duplicates_of(&record, 4))
            .await?;
        Ok(candidates
            .into_iter()
            .find(Candidate::is_likely_same_person)
            .map(|c| c.id))
    }

    /// For each of `ids` (after an import, say), the other people on the register who are
    /// likely the same person, found with the matching index as a search would find them.
    /// A pair of `ids` is reported once, against the lower id. `progress` is told how many
    /// people have been checked so far. One audit row covers the whole check.
    pub async fn likely_duplicates(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        ids: &[i64],
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<LikelyDuplicate>> {
        self.catch_up_register().await?;
        let checked: std::collections::HashSet<i64> = ids.iter().copied().collect();
        let mut found = Vec::new();
        let mut done = 0;
        for chunk in ids.chunks(DUPLICATE_CHUNK) {
            let records = self
                .fetch_for_ids(&format!("{LIVE_PEOPLE} AND p.id IN"), chunk)
                .await?
                .iter()
                .map(record_from_row)
                .collect::<Result<Vec<_>>>()?;
            let (records, answers) = self
                .register()
                .read(move |index| {
                    let answers = search_in_parallel(index, &records);
                    (records, answers)
                })
                .await?;
            for (record, candidates) in records.iter().zip(answers) {
                for c in candidates {
                    let pair_seen_from_other_side = checked.contains(&c.id) && c.id > record.id;
                    if c.id != record.id && !pair_seen_from_other_side && c.is_likely_same_person()
                    {
                        found.push(LikelyDuplicate {
                            id: record.id,
                            other_id: c.id,
                            other_external_id: None,
                            explanation: c.explanation(),
                        });
                    }
                }
            }
            done += chunk.len();
            progress(done);
        }
        for chunk in found.chunks_mut(DUPLICATE_CHUNK) {
            let others: Vec<i64> = chunk.iter().map(|d| d.other_id).collect();
            let mut external: HashMap<i64, Option<String>> = HashMap::new();
            for row in self
                .fetch_for_ids("SELECT id, external_id FROM people WHERE id IN", &others)
                .await?
            {
                external.insert(row.try_get("id")?, row.try_get("external_id")?);
            }
            for d in chunk.iter_mut() {
                d.other_external_id = external.remove(&d.other_id).flatten();
            }
        }
        self.audit(
            by,
            AuditEntry::new("person.duplicate_check").detail(format!(
                "{} people checked against the register; {} likely duplicates",
                ids.len(),
                found.len()
            )),
        )
        .await?;
        Ok(found)
    }

    /// The rows of `sql_ending_in_in` (a query ending "… IN") for `ids`: the list's
    /// placeholders are generated, the ids bound, never interpolated. No ids, no query.
    pub(crate) async fn fetch_for_ids(
        &self,
        sql_ending_in_in: &str,
        ids: &[i64],
    ) -> Result<Vec<crate::Row>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{sql_ending_in_in} ({})", placeholders.join(", "));
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }
}

/// Each record searched for, on every core: the index is only read.
fn search_in_parallel(index: &MatchIndex, records: &[PersonRecord]) -> Vec<Vec<Candidate>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = records.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = records
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|r| index.likely_duplicates_of(r, 4))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

fn full_name(row: &crate::Row) -> Result<String> {
    let given: String = row.try_get("given_name")?;
    let family: String = row.try_get("family_name")?;
    Ok(format!("{given} {family}").trim().to_string())
}

fn record_from_row(row: &crate::Row) -> Result<PersonRecord> {
    let dob: Option<String> = row.try_get("date_of_birth")?;
    Ok(PersonRecord {
        id: row.try_get("id")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        other_names: vec![],
        date_of_birth: dob.and_then(|d| d.parse().ok()),
        postcode: row.try_get("postcode")?,
        // Address lines are stored as typed, "" when not known.
        address_line1: row
            .try_get::<Option<String>, _>("line1")?
            .filter(|l| !l.trim().is_empty()),
        town: row
            .try_get::<Option<String>, _>("town")?
            .filter(|t| !t.trim().is_empty()),
        nhs_number: row.try_get("nhs_number")?,
        upn: row.try_get("upn")?,
    })
}

/// Loading a million records leaves hundreds of megabytes of freed heap that glibc keeps for
/// reuse; hand it back so a serving process stays near the size of its index.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the operating system; it has no
    // preconditions and does not touch live allocations.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecaf_domain::access::operator_grant;
    use ecaf_domain::clock::SystemClock;
    use std::time::{Duration, Instant};

    /// A search that has to wait for the index (held here by another thread, as a long
    /// upsert would) waits on a blocking thread: the runtime's only worker stays free.
    #[tokio::test(flavor = "current_thread")]
    async fn a_search_waiting_for_the_index_leaves_the_runtime_free() -> Result<()> {
        let dir =
            std::env::temp_dir().join(format!("ecaf-register-{}", uuid::Uuid::new_v4().simple()));
        let store = Store::open_data_dir(&dir, Arc::new(SystemClock)).await?;
        store.catch_up_register().await?;
        let index = Arc::clone(&store.register().index);
        let (held, holding) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            let _guard = index.write();
            let _ = held.send(());
            std::thread::sleep(Duration::from_millis(600));
        });
        let _ = holding.recv();
        let search = tokio::spawn({
            let store = store.clone();
            async move {
                let query = MatchQuery {
                    given_name: Some("Amelia".into()),
                    family_name: Some("Hughes".into()),
                    ..MatchQuery::default()
                };
                store
                    .search_people(
                        &operator_grant::<UseRegister>(),
                        &Attribution::default(),
                        &query,
                        5,
                    )
                    .await
            }
        });
        let started = Instant::now();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let waited = started.elapsed();
        assert!(
            waited < Duration::from_millis(300),
            "the runtime was blocked for {waited:?} while the index was held"
        );
        let hits = search.await.map_err(std::io::Error::other)??;
        assert!(hits.is_empty());
        let _ = holder.join();
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
