//! Bulk import of people (`ecaf import people`, and the matching benchmark's load).
//!
//! A batch is written in one transaction, exactly as [`Store::create_person`] would write each
//! person — the people row, other names, main address, a history row (event `imported`) and a
//! change-feed row — but with multi-row `INSERT … VALUES` statements instead of one round trip
//! per row, and with one audit row for the whole batch (action `person.import`). The caller
//! validates everything first and chooses the batch size (a few thousand people keeps each
//! transaction, and so the register write lock, short).
use crate::audit::{record, AuditEntry};
use crate::{flag, Attribution, Backend, Result, Store, StoreError, Tx};
use ecaf_domain::access::{Grant, UseRegister};
use ecaf_domain::person::{NhsNumber, PersonDetails};
use futures_util::TryStreamExt;
use sqlx::Row;
use std::collections::HashSet;

/// Rows per `INSERT` statement: keeps every statement under SQLite's limit of 32,766 bound
/// parameters (the widest table here binds 19 per row) while still saving most round trips.
pub(crate) const ROWS_PER_STATEMENT: usize = 1_000;

/// One validated person to import.
#[derive(Debug, Clone)]
pub struct ImportPerson {
    /// Where the person came from in the source (for the history summary), e.g. a row number.
    pub source_row: u64,
    pub external_id: Option<String>,
    pub details: PersonDetails,
}

/// What one imported batch wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportedBatch {
    pub people: usize,
    pub other_names: usize,
    pub addresses: usize,
}

/// A live person's identifying values, as read for duplicate checks before an import.
#[derive(Debug, Clone)]
pub struct RegisterIdentity {
    pub id: i64,
    pub external_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD` as stored.
    pub date_of_birth: Option<String>,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
}

/// A bound value of a multi-row insert.
pub(crate) enum Value<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(Option<&'a str>),
    Owned(Option<String>),
}

/// Run `INSERT INTO {head} VALUES (…), (…)` for `rows`, each row a list of values. In
/// `template`, `{}` stands for the row's next value, `$k` for `shared[k - 1]` (the same in
/// every row), anything else is copied as SQL.
pub(crate) async fn insert_rows<'a>(
    tx: &mut Tx,
    backend: Backend,
    head: &str,
    template: &[&str],
    shared: &[Value<'a>],
    rows: &[Vec<Value<'a>>],
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::with_capacity(64 + chunk.len() * template.len() * 7);
        let mut binds: Vec<&Value> = Vec::with_capacity(chunk.len() * template.len());
        sql.push_str("INSERT INTO ");
        sql.push_str(head);
        sql.push_str(" VALUES ");
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            let mut own = row.iter();
            for (j, part) in template.iter().enumerate() {
                if j > 0 {
                    sql.push_str(", ");
                }
                let value = if *part == "{}" {
                    own.next()
                } else if let Some(k) = part.strip_prefix('$') {
                    k.parse::<usize>()
                        .ok()
                        .and_then(|k| shared.get(k.wrapping_sub(1)))
                } else {
                    sql.push_str(part);
                    continue;
                };
                let value = value.ok_or_else(|| {
                    StoreError::Refused(format!(
                        "import template for {head} does not fit its values"
                    ))
                })?;
                binds.push(value);
                // Every value gets its own placeholder, in order, even a shared one: SQLite
                // finds a named or numbered parameter by scanning a list, which makes binding
                // thousands of `$n` or `?n` quadratic (0.6 s for 1,000 people); plain `?` is not.
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        sql.push('$');
                        sql.push_str(&binds.len().to_string());
                    }
                }
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for value in binds {
            query = match value {
                Value::Int(v) => query.bind(*v),
                Value::OptInt(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.map(str::to_string)),
                Value::Owned(v) => query.bind(v.clone()),
            };
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Import one batch of validated people in one transaction, with one audit row.
    /// `source` names the file (for history summaries and the audit row). Returns the new
    /// person ids in the order given.
    ///
    /// A duplicate external id refuses the whole batch (`StoreError::Duplicate`); callers check
    /// beforehand with [`Store::external_ids_in_register`] so this only happens in a race.
    pub async fn import_people_batch(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        source: &str,
        people: &[ImportPerson],
    ) -> Result<(Vec<i64>, ImportedBatch)> {
        if people.is_empty() {
            return Ok((Vec::new(), ImportedBatch::default()));
        }
        let mut tx = self.begin_register_write().await?;
        let ids = self.reserve_ids(&mut tx, "people", people.len()).await?;
        let now = self.now_ms();

        let nhs: Vec<Option<String>> = people
            .iter()
            .map(|p| p.details.nhs_number.as_ref().map(NhsNumber::digits))
            .collect();
        let people_rows: Vec<Vec<Value>> = people
            .iter()
            .zip(&ids)
            .zip(&nhs)
            .map(|((p, id), nhs)| {
                let d = &p.details;
                vec![
                    Value::Int(*id),
                    Value::Text(p.external_id.as_deref()),
                    Value::Text(Some(&d.given_name)),
                    Value::Text(Some(&d.family_name)),
                    Value::Text(d.gender.map(|g| g.code())),
                    Value::Owned(d.date_of_birth.map(|b| b.to_string())),
                    Value::Int(flag(d.date_of_birth_is_expected)),
                    Value::Text(nhs.as_deref()),
                    Value::Text(d.upn.as_ref().map(|u| u.as_str())),
                    Value::Text(d.telephone.as_deref()),
                    Value::Text(d.ethnicity.as_deref()),
                    Value::Text(Some(&d.first_language)),
                    Value::Text(Some(&d.communication_needs)),
                    Value::Int(flag(d.interpreter_needed)),
                    Value::Text(Some(&d.disability)),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.backend(),
            "people (id, external_id, given_name, family_name, gender, date_of_birth, \
             date_of_birth_is_expected, nhs_number, upn, telephone, ethnicity, first_language, \
             communication_needs, interpreter_needed, disability, revision, created_at, created_by, \
             updated_at, updated_by)",
            &[
                "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}",
                "{}", "1", "$1", "$2", "$1", "$2",
            ],
            &[Value::Int(now), Value::OptInt(by.user_id)],
            &people_rows,
        )
        .await
        .map_err(|e| match e {
            StoreError::Database(err) => crate::unique_violation(err, "external_id"),
            other => other,
        })?;
        let mut name_rows = Vec::new();
        let mut address_rows = Vec::new();
        for (p, id) in people.iter().zip(&ids) {
            for n in &p.details.other_names {
                name_rows.push(vec![
                    Value::Int(*id),
                    Value::Text(Some(n.kind.code())),
                    Value::Text(Some(&n.given_name)),
                    Value::Text(Some(&n.family_name)),
                ]);
            }
            let addresses = p
                .details
                .main_address
                .iter()
                .map(|a| (true, a))
                .chain(p.details.other_addresses.iter().map(|a| (false, a)));
            for (is_main, a) in addresses {
                address_rows.push(vec![
                    Value::Int(*id),
                    Value::Int(flag(is_main)),
                    Value::Text(Some(&a.line1)),
                    Value::Text(Some(&a.line2)),
                    Value::Text(Some(&a.town)),
                    Value::Text(a.postcode.as_ref().map(|p| p.as_str())),
                    Value::Text(Some(&a.description)),
                ]);
            }
        }
        insert_rows(
            &mut tx,
            self.backend(),
            "person_other_names (person_id, kind, given_name, family_name)",
            &["{}", "{}", "{}", "{}"],
            &[],
            &name_rows,
        )
        .await?;
        insert_rows(
            &mut tx,
            self.backend(),
            "person_addresses (person_id, is_main, line1, line2, town, postcode, description)",
            &["{}", "{}", "{}", "{}", "{}", "{}", "{}"],
            &[],
            &address_rows,
        )
        .await?;

        let mut history_rows = Vec::with_capacity(people.len());
        for (p, id) in people.iter().zip(&ids) {
            let snapshot = serde_json::to_string(&p.details)
                .map_err(|e| StoreError::Refused(e.to_string()))?;
            history_rows.push(vec![
                Value::Int(*id),
                Value::Owned(Some(format!(
                    "Imported from {source}, row {}",
                    p.source_row
                ))),
                Value::Owned(Some(snapshot)),
            ]);
        }
        insert_rows(
            &mut tx,
            self.backend(),
            "person_history (person_id, revision, at, user_id, actor_email, event, summary, snapshot)",
            &["{}", "1", "$1", "$2", "$3", "'imported'", "{}", "{}"],
            &[
                Value::Int(now),
                Value::OptInt(by.user_id),
                Value::Text(by.actor_email.as_deref()),
            ],
            &history_rows,
        )
        .await?;
        let change_rows: Vec<Vec<Value>> = ids.iter().map(|id| vec![Value::Int(*id)]).collect();
        insert_rows(
            &mut tx,
            self.backend(),
            "person_changes (person_id, at)",
            &["{}", "$1"],
            &[Value::Int(now)],
            &change_rows,
        )
        .await?;

        let done = ImportedBatch {
            people: people.len(),
            other_names: name_rows.len(),
            addresses: address_rows.len(),
        };
        let first = people.first().map_or(0, |p| p.source_row);
        let last = people.last().map_or(0, |p| p.source_row);
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("person.import").detail(format!(
                "{} people imported from {source} (rows {first}–{last}); {} other names, {} addresses; person ids {}–{}",
                done.people,
                done.other_names,
                done.addresses,
                ids.first().copied().unwrap_or_default(),
                ids.last().copied().unwrap_or_default(),
            )),
        )
        .await?;
        tx.commit().await?;
        Ok((ids, done))
    }

    /// Ids for `count` new rows of `table` (`people` or `cafs`, whose ids are identities).
    /// The caller holds the register write lock (taken by [`Store::begin_register_write`]);
    /// on SQLite that is the database write lock, so the next ids after the largest are free;
    /// on PostgreSQL they come from the identity sequence, so later single inserts never
    /// collide with them.
    pub(crate) async fn reserve_ids(
        &self,
        tx: &mut Tx,
        table: &'static str,
        count: usize,
    ) -> Result<Vec<i64>> {
        let count =
            i64::try_from(count).map_err(|_| StoreError::Refused("batch too large".into()))?;
        // `table` is one of the store's own names, never input: it cannot be bound.
        match self.backend() {
            Backend::Sqlite => {
                let row = sqlx::query(&format!("SELECT COALESCE(MAX(id), 0) AS id FROM {table}"))
                    .fetch_one(&mut **tx)
                    .await?;
                let max: i64 = row.try_get("id")?;
                Ok((max + 1..=max + count).collect())
            }
            Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2) ORDER BY 1",
                )
                .bind(table)
                .bind(count)
                .fetch_all(&mut **tx)
                .await?;
                rows.iter()
                    .map(|r| Ok(r.try_get::<i64, _>("id")?))
                    .collect()
            }
        }
    }

    /// After a bulk import: refreshes the planner's statistics (PostgreSQL `ANALYZE`; SQLite
    /// `PRAGMA optimize`) and, on SQLite, writes the load out of the write-ahead log. Without it the first
    /// searches after loading 100,000 people on PostgreSQL were planned as if the tables were
    /// empty (4 ms instead of 2), until autovacuum came round.
    pub async fn settle_after_import(&self) -> Result<()> {
        let statements: &[&str] = match self.backend() {
            // CHECKPOINT would need a superuser; the service's role owns the tables, so it
            // may ANALYZE them.
            Backend::Postgres => {
                &["ANALYZE people, person_addresses, person_other_names, person_changes"]
            }
            Backend::Sqlite => &["PRAGMA optimize", "PRAGMA wal_checkpoint(TRUNCATE)"],
        };
        for sql in statements {
            sqlx::query(sql).execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Which of `external_ids` are already on the register (merged records included: an
    /// external id stays taken).
    pub async fn external_ids_in_register(
        &self,
        external_ids: &[String],
    ) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT external_id FROM people WHERE external_id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.clone());
            }
            for row in query.fetch_all(self.pool()).await? {
                if let Some(id) = row.try_get::<Option<String>, _>("external_id")? {
                    found.insert(id);
                }
            }
        }
        Ok(found)
    }

    /// Call `each` with every live person's identifying values, streamed (a million people
    /// are never all held at once), for duplicate checks before an import.
    pub async fn for_each_register_identity(
        &self,
        _grant: &Grant<UseRegister>,
        mut each: impl FnMut(RegisterIdentity),
    ) -> Result<()> {
        let mut rows = sqlx::query(
            "SELECT id, external_id, given_name, family_name, date_of_birth, nhs_number, upn FROM people \
             WHERE merged_into_id IS NULL",
        )
        .fetch(self.pool());
        while let Some(row) = rows.try_next().await? {
            each(RegisterIdentity {
                id: row.try_get("id")?,
                external_id: row.try_get("external_id")?,
                given_name: row.try_get("given_name")?,
                family_name: row.try_get("family_name")?,
                date_of_birth: row.try_get("date_of_birth")?,
                nhs_number: row.try_get("nhs_number")?,
                upn: row.try_get("upn")?,
            });
        }
        Ok(())
    }
}
