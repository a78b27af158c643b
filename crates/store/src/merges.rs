//! Merging a duplicate record into the record kept, and undoing it. Nothing is deleted: the
//! duplicate is marked as merged, its names are found (and shown) under the record kept, at the
//! end of any chain of merges, and undoing puts every name back where it belongs. Each write
//! happens in one transaction with both records' history entries, their change-feed rows and
//! the audit row.
use crate::audit::{record, AuditEntry};
use crate::people::{
    changed, current_revision, details_in_tx, history, submitting_user, Submission, SubmissionKey,
};
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::{Grant, MergePeople, UseRegister};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::person::OtherNameKind;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// A merge of one record into another.
#[derive(Debug, Clone, Serialize)]
pub struct Merge {
    pub id: i64,
    pub kept_id: i64,
    /// The kept record's name, "Amelia Hughes".
    pub kept_name: String,
    pub merged_id: i64,
    pub merged_name: String,
    pub reason: String,
    pub at: DateTime<Utc>,
    /// When the merge was undone, if it was.
    pub undone_at: Option<DateTime<Utc>>,
}

/// A name a record answers to because another record was merged into it.
#[derive(Debug, Clone, Serialize)]
pub struct NameFromMerge {
    /// The merged record the name came from (directly or along a chain of merges).
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    /// For one of that record's other names, what kind ("previous name"); `None` for the
    /// name the record was under.
    pub kind: Option<String>,
}

/// The revisions of the two records that the practitioner compared before merging.
#[derive(Debug, Clone, Copy)]
pub struct SeenRevisions {
    pub kept: i64,
    pub merged: i64,
}

/// A merge as asked for.
#[derive(Debug, Clone, Copy)]
pub struct MergeRequest<'a> {
    pub kept_id: i64,
    pub merged_id: i64,
    pub reason: &'a str,
    /// What was compared: a record changed since then is a conflict, not merged unseen.
    pub seen: Option<SeenRevisions>,
    /// An API client's `Idempotency-Key`: a retry finds the merge the first request made.
    pub key: Option<&'a SubmissionKey>,
}

impl Store {
    /// Why `merged_id` may not be merged into `kept_id`, in words for the practitioner, or
    /// `None` when it may (as things stand: the merge itself checks again).
    pub async fn merge_refusal(
        &self,
        _grant: &Grant<UseRegister>,
        kept_id: i64,
        merged_id: i64,
    ) -> Result<Option<String>> {
        let mut conn = self.pool().acquire().await?;
        refusal(&mut conn, kept_id, merged_id).await
    }

    /// Merge `merged_id` into `kept_id`; with a key, a repeat of an earlier request with the
    /// same key is answered with that request's merge (and a key used for another merge is
    /// reported, not merged). A missing `kept_id` is [`StoreError::NotFound`]; refusals (the
    /// same record, a duplicate that is missing, a record already merged, an open CAF on both
    /// records) are [`StoreError::Refused`] with the reason; a record changed since the
    /// revision seen is [`StoreError::Conflict`].
    pub async fn merge_people(
        &self,
        _grant: &Grant<MergePeople>,
        by: &Attribution,
        request: &MergeRequest<'_>,
    ) -> Result<Submission> {
        let MergeRequest {
            kept_id,
            merged_id,
            reason,
            ..
        } = *request;
        let user_id = request.key.map(|_| submitting_user(by)).transpose()?;
        let mut tx = self.begin_register_write().await?;
        if let (Some(key), Some(user_id)) = (request.key, user_id) {
            let earlier = sqlx::query(
                "SELECT id, kept_id, merged_id, reason FROM person_merges \
                 WHERE user_id = $1 AND submission_key = $2",
            )
            .bind(user_id)
            .bind(key.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = earlier {
                let id: i64 = row.try_get("id")?;
                let same = row.try_get::<i64, _>("kept_id")? == kept_id
                    && row.try_get::<i64, _>("merged_id")? == merged_id
                    && row.try_get::<String, _>("reason")? == reason;
                return Ok(if same {
                    Submission::Repeated(id)
                } else {
                    Submission::KeyReused(id)
                });
            }
        }
        // The record merged into is the one asked about (the API's path): missing, it is not
        // found rather than refused.
        sqlx::query("SELECT id FROM people WHERE id = $1")
            .bind(kept_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if let Some(why) = refusal(&mut tx, kept_id, merged_id).await? {
            return Err(StoreError::Refused(why));
        }
        if let Some(seen) = request.seen {
            for (id, revision) in [(kept_id, seen.kept), (merged_id, seen.merged)] {
                if current_revision(&mut tx, id).await? != revision {
                    return Err(conflict(&mut tx, id).await?);
                }
            }
        }
        let now = self.now_ms();
        sqlx::query("UPDATE people SET merged_into_id = $1, revision = revision + 1, updated_at = $2, updated_by = $3 WHERE id = $4")
            .bind(kept_id)
            .bind(now)
            .bind(by.user_id)
            .bind(merged_id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query("INSERT INTO person_merges (kept_id, merged_id, reason, at, user_id, submission_key) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(kept_id)
            .bind(merged_id)
            .bind(reason)
            .bind(now)
            .bind(by.user_id)
            .bind(request.key.map(|k| k.as_str().to_string()))
            .fetch_one(&mut *tx)
            .await?;
        let merge_id: i64 = row.try_get("id")?;
        for (id, summary) in [
            (merged_id, format!("Merged into record {kept_id}: {reason}")),
            (
                kept_id,
                format!("Record {merged_id} merged into this one: {reason}"),
            ),
        ] {
            let details = details_in_tx(&mut tx, id).await?;
            let revision = current_revision(&mut tx, id).await?;
            history(&mut tx, now, by, id, revision, "merged", &summary, &details).await?;
            changed(&mut tx, now, id).await?;
        }
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("person.merge")
                .record("person", kept_id)
                .detail(format!("merged {merged_id}: {reason}")),
        )
        .await?;
        tx.commit().await?;
        Ok(Submission::Created(merge_id))
    }

    /// Undo a merge: the merged record stands on its own again. A merge undone already is
    /// refused.
    pub async fn undo_merge(
        &self,
        _grant: &Grant<MergePeople>,
        by: &Attribution,
        merge_id: i64,
    ) -> Result<()> {
        let mut tx = self.begin_register_write().await?;
        let row =
            sqlx::query("SELECT kept_id, merged_id, undone_at FROM person_merges WHERE id = $1")
                .bind(merge_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        if row.try_get::<Option<i64>, _>("undone_at")?.is_some() {
            return Err(StoreError::Refused(
                "This merge has already been undone".into(),
            ));
        }
        let kept_id: i64 = row.try_get("kept_id")?;
        let merged_id: i64 = row.try_get("merged_id")?;
        let now = self.now_ms();
        sqlx::query("UPDATE person_merges SET undone_at = $1, undone_by = $2 WHERE id = $3")
            .bind(now)
            .bind(by.user_id)
            .bind(merge_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE people SET merged_into_id = NULL, revision = revision + 1, updated_at = $1, updated_by = $2 WHERE id = $3")
            .bind(now)
            .bind(by.user_id)
            .bind(merged_id)
            .execute(&mut *tx)
            .await?;
        for (id, summary) in [
            (merged_id, format!("Merge into record {kept_id} undone")),
            (kept_id, format!("Merge of record {merged_id} undone")),
        ] {
            let details = details_in_tx(&mut tx, id).await?;
            let revision = current_revision(&mut tx, id).await?;
            history(
                &mut tx,
                now,
                by,
                id,
                revision,
                "merge_undone",
                &summary,
                &details,
            )
            .await?;
            changed(&mut tx, now, id).await?;
        }
        // When the kept record has since been merged itself (A into B, then B into C: undoing
        // A into B), the merged record's names were indexed under the live record at the end
        // of the chain, which must be indexed again without them.
        if let Some(end) = live_end_of_chain(&mut tx, kept_id).await? {
            if end != kept_id {
                changed(&mut tx, now, end).await?;
            }
        }
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("person.unmerge")
                .record("person", kept_id)
                .detail(format!("unmerged {merged_id}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One merge, undone or not, with both records' names.
    pub async fn merge(&self, _grant: &Grant<UseRegister>, merge_id: i64) -> Result<Merge> {
        let row = sqlx::query(
            "SELECT m.id, m.kept_id, m.merged_id, m.reason, m.at, m.undone_at, \
             k.given_name AS kept_given, k.family_name AS kept_family, \
             d.given_name AS merged_given, d.family_name AS merged_family \
             FROM person_merges m JOIN people k ON k.id = m.kept_id JOIN people d ON d.id = m.merged_id \
             WHERE m.id = $1",
        )
        .bind(merge_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let name = |given: &str, family: &str| -> Result<String> {
            Ok(format!(
                "{} {}",
                row.try_get::<String, _>(given)?,
                row.try_get::<String, _>(family)?
            ))
        };
        Ok(Merge {
            id: row.try_get("id")?,
            kept_id: row.try_get("kept_id")?,
            kept_name: name("kept_given", "kept_family")?,
            merged_id: row.try_get("merged_id")?,
            merged_name: name("merged_given", "merged_family")?,
            reason: row.try_get("reason")?,
            at: from_ms(row.try_get("at")?),
            undone_at: row.try_get::<Option<i64>, _>("undone_at")?.map(from_ms),
        })
    }

    /// The names `id` answers to through records merged into it, directly or along a chain:
    /// each merged record's name, then its other names. The matching index finds the record
    /// by the same names (see `register.rs`).
    pub(crate) async fn names_from_merges(&self, id: i64) -> Result<Vec<NameFromMerge>> {
        let rows = sqlx::query(
            "WITH RECURSIVE merged(id) AS ( \
                 SELECT id FROM people WHERE merged_into_id = $1 \
                 UNION SELECT p.id FROM people p JOIN merged m ON p.merged_into_id = m.id) \
             SELECT p.id AS person_id, 0 AS name_order, p.id AS source, p.given_name, p.family_name, \
             CAST(NULL AS TEXT) AS kind FROM merged m JOIN people p ON p.id = m.id \
             UNION ALL SELECT n.person_id, 1, n.id, n.given_name, n.family_name, n.kind FROM merged m \
             JOIN person_other_names n ON n.person_id = m.id \
             ORDER BY person_id, name_order, source",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: Option<String> = r.try_get("kind")?;
                Ok(NameFromMerge {
                    person_id: r.try_get("person_id")?,
                    given_name: r.try_get("given_name")?,
                    family_name: r.try_get("family_name")?,
                    kind: kind
                        .as_deref()
                        .and_then(|k| OtherNameKind::parse(k).ok())
                        .map(|k| k.label().to_lowercase()),
                })
            })
            .collect()
    }
}

/// Why the two records may not be merged, read on `conn` (the merge's own transaction, when
/// merging).
async fn refusal(conn: &mut AnyConnection, kept_id: i64, merged_id: i64) -> Result<Option<String>> {
    if kept_id == merged_id {
        return Ok(Some(
            "A record cannot be merged into itself: choose the duplicate record".into(),
        ));
    }
    let mut named = Vec::with_capacity(2);
    for id in [kept_id, merged_id] {
        let Some(row) =
            sqlx::query("SELECT given_name, family_name, merged_into_id FROM people WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        else {
            return Ok(Some(format!("There is no record {id} on the register")));
        };
        let name = format!(
            "{} {}",
            row.try_get::<String, _>("given_name")?,
            row.try_get::<String, _>("family_name")?
        );
        if let Some(into) = row.try_get::<Option<i64>, _>("merged_into_id")? {
            return Ok(Some(format!(
                "Record {id} ({name}) has already been merged into record {into}: use that record instead"
            )));
        }
        let open = sqlx::query(
            "SELECT c.reference FROM cafs c JOIN caf_children k ON k.caf_id = c.id \
             WHERE k.person_id = $1 AND c.state <> $2 ORDER BY c.id",
        )
        .bind(id)
        .bind(CafState::Closed.code())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<String, _>("reference"))
        .transpose()?;
        named.push((id, name, open));
    }
    if let [(kept, kept_name, Some(kept_caf)), (merged, merged_name, Some(merged_caf))] =
        named.as_slice()
    {
        return Ok(Some(format!(
            "Record {kept} ({kept_name}) and record {merged} ({merged_name}) both have an open CAF \
             ({kept_caf} and {merged_caf}): a child has one CAF at a time, so one of them must be \
             closed before the records are merged"
        )));
    }
    Ok(None)
}

/// The conflict of a record changed since it was seen, naming who changed it as colleagues
/// know each other (name and agency, not an email) and when.
async fn conflict(tx: &mut Tx, id: i64) -> Result<StoreError> {
    let row = sqlx::query(
        "SELECT p.updated_at, u.name AS user_name, a.name AS agency_name \
         FROM people p LEFT JOIN users u ON u.id = p.updated_by LEFT JOIN agencies a ON a.id = u.agency_id \
         WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let by = match (
        row.try_get::<Option<String>, _>("user_name")?,
        row.try_get::<Option<String>, _>("agency_name")?,
    ) {
        (Some(name), Some(agency)) => format!("{name} ({agency})"),
        (Some(name), None) => name,
        _ => "another user".into(),
    };
    Ok(StoreError::Conflict {
        by,
        at: from_ms(row.try_get("updated_at")?),
    })
}

/// The live record that `id` was merged into, following merges of merges; `id` itself when
/// it is live.
async fn live_end_of_chain(tx: &mut Tx, id: i64) -> Result<Option<i64>> {
    let row = sqlx::query(
        "WITH RECURSIVE chain(id, next) AS ( \
             SELECT id, merged_into_id FROM people WHERE id = $1 \
             UNION SELECT p.id, p.merged_into_id FROM people p JOIN chain c ON p.id = c.next) \
         SELECT id FROM chain WHERE next IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}
