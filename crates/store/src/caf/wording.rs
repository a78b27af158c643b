//! The service's wording in numbered versions. Version 1 is the seeds' defaults; each edit
//! by an administrator adds the next. Versions never change, so once read they are kept in
//! memory for good; only "which is current" is asked of the database.
use crate::audit::{self, AuditEntry};
use crate::{from_ms, Attribution, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use ecaf_domain::access::{ConfigureWording, Grant};
use ecaf_domain::caf::wording::Wording;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The versions read so far (immutable, so never stale).
#[derive(Default)]
pub(crate) struct WordingCache(Mutex<HashMap<i64, Arc<Wording>>>);

impl WordingCache {
    fn get(&self, version: i64) -> Option<Arc<Wording>> {
        self.0.lock().ok()?.get(&version).cloned()
    }

    fn keep(&self, version: i64, wording: Arc<Wording>) {
        if let Ok(mut kept) = self.0.lock() {
            kept.insert(version, wording);
        }
    }
}

/// One version, for the history on the wording page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WordingVersion {
    pub version: i64,
    pub at: Option<DateTime<Utc>>,
    pub by: Option<String>,
    pub reason: String,
}

/// Why a wording change was made, kept with it.
pub const MAX_REASON_CHARS: usize = 500;

impl Store {
    /// The current version number (1 until an administrator first edits the wording).
    pub async fn current_wording_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT MAX(version) AS v FROM wordings")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<Option<i64>, _>("v")?.unwrap_or(1))
    }

    /// The current wording and its version.
    pub async fn current_wording(&self) -> Result<(i64, Arc<Wording>)> {
        let version = self.current_wording_version().await?;
        Ok((version, self.wording(version).await?))
    }

    /// A version of the wording, as a CAF started with it reads.
    pub async fn wording(&self, version: i64) -> Result<Arc<Wording>> {
        let mut conn = self.pool().acquire().await?;
        self.wording_on(&mut conn, version).await
    }

    /// The same, read on the caller's connection (inside its transaction).
    pub(crate) async fn wording_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        version: i64,
    ) -> Result<Arc<Wording>> {
        if version <= 1 {
            return Ok(Arc::new(Wording::default()));
        }
        if let Some(kept) = self.wordings.get(version) {
            return Ok(kept);
        }
        let row = sqlx::query("SELECT wording FROM wordings WHERE version = $1")
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let text: String = row.try_get("wording")?;
        let wording: Wording = serde_json::from_str(&text).map_err(|e| {
            StoreError::Refused(format!("stored wording {version} is unreadable: {e}"))
        })?;
        let wording = Arc::new(wording);
        self.wordings.keep(version, wording.clone());
        Ok(wording)
    }

    /// Every version, newest first.
    pub async fn wording_versions(&self) -> Result<Vec<WordingVersion>> {
        let rows = sqlx::query(
            "SELECT w.version, w.created_at, u.name AS by_name, w.reason FROM wordings w \
             LEFT JOIN users u ON u.id = w.created_by ORDER BY w.version DESC",
        )
        .fetch_all(self.pool())
        .await?;
        let mut versions = rows
            .iter()
            .map(|r| {
                Ok(WordingVersion {
                    version: r.try_get("version")?,
                    at: Some(from_ms(r.try_get("created_at")?)),
                    by: r.try_get("by_name")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        versions.push(WordingVersion {
            version: 1,
            at: None,
            by: None,
            reason: "The defaults from the national CAF guidance".into(),
        });
        Ok(versions)
    }

    /// Save a new version of the wording, made from `expected_version` (the one the
    /// administrator started from): if someone saved another since, nothing changes and the
    /// conflict names them. CAFs already started keep their version.
    pub async fn change_wording(
        &self,
        grant: &Grant<ConfigureWording>,
        by: &Attribution,
        expected_version: i64,
        wording: &Wording,
        reason: &str,
    ) -> Result<i64> {
        if let Some(problem) = wording.problems().into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(StoreError::Refused(format!(
                "Say why the wording is changing, in {MAX_REASON_CHARS} characters or fewer"
            )));
        }
        let text =
            serde_json::to_string(wording).map_err(|e| StoreError::Refused(e.to_string()))?;
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let latest = sqlx::query(
            "SELECT w.version, w.created_at AS updated_at, u.name AS by_name FROM wordings w \
             LEFT JOIN users u ON u.id = w.created_by ORDER BY w.version DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let current = match &latest {
            Some(row) => row.try_get::<i64, _>("version")?,
            None => 1,
        };
        if current != expected_version {
            let row = latest.expect("a version above 1 is stored");
            return Err(StoreError::Conflict {
                by: row
                    .try_get::<Option<String>, _>("by_name")?
                    .unwrap_or_else(|| "someone else".into()),
                at: from_ms(row.try_get("updated_at")?),
            });
        }
        let version = current + 1;
        let inserted = sqlx::query(
            "INSERT INTO wordings (version, wording, reason, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(version)
        .bind(&text)
        .bind(reason)
        .bind(now)
        .bind(grant.actor_id())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // On PostgreSQL a concurrent save of the same version commits first.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict {
                    by: "another administrator".into(),
                    at: from_ms(now),
                })
            }
            Err(e) => return Err(e.into()),
        }
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("wording.change")
                .record("wording", version)
                .detail(format!("version {version}: {reason}")),
        )
        .await?;
        tx.commit().await?;
        self.wordings.keep(version, Arc::new(wording.clone()));
        Ok(version)
    }
}
