//! The register of children and families. Every write happens in one transaction with its
//! history row (the full record after the change), its change-feed row (for the matching
//! index) and its audit row. Updates are optimistic: a stale revision is a conflict naming who
//! changed the record and when.
use crate::audit::{record, AuditEntry};
use crate::{flag, from_ms, Attribution, Backend, Result, Store, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::access::{Grant, UseRegister};
use ecaf_domain::credentials::{random_secret, secret_digest};
use ecaf_domain::person::{
    Address, Answer, Gender, NhsNumber, OtherName, OtherNameKind, PersonDetails, Postcode,
    Relationship, Upn,
};
use serde::Serialize;
use sqlx::Row;

/// Person writers on PostgreSQL take this advisory lock so that change-feed sequence numbers
/// become visible in commit order (a reader never skips a change committed late).
const REGISTER_WRITE_LOCK: i64 = 7_270_001;

/// A relationship seen from one person.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedPerson {
    pub relationship_id: i64,
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// In plain words, what the related person is to this one ("mother", "child", "sibling").
    pub role: String,
    pub parental_responsibility: Answer,
    pub lives_with: Answer,
}

/// Someone else whose main address is this person's: the household as the register knows
/// it, whether or not a relationship has been recorded.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdMember {
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// What they are to this person, when a relationship is recorded ("mother", "sibling").
    pub role: Option<String>,
}

/// Most people listed as sharing an address: beyond this it is a hostel or a block with one
/// address line, not a household.
const HOUSEHOLD_LIMIT: i64 = 30;

/// A merged-away record, shown on the record it was merged into.
#[derive(Debug, Clone, Serialize)]
pub struct MergedRecord {
    pub merge_id: i64,
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A person on the register, with everything that identifies them.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: i64,
    pub external_id: Option<String>,
    #[serde(flatten)]
    pub details: PersonDetails,
    pub merged_into_id: Option<i64>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
    pub relationships: Vec<RelatedPerson>,
    /// Everyone else on the register with the same main address.
    pub household: Vec<HouseholdMember>,
    pub merged_records: Vec<MergedRecord>,
    /// The names of the records merged into this one (along chains of merges too), which
    /// find it in a search.
    pub names_from_merges: Vec<crate::merges::NameFromMerge>,
}

impl Person {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.details.given_name, self.details.family_name)
    }
}

/// One entry of a person's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub revision: i64,
    pub at: DateTime<Utc>,
    /// Who made the change as colleagues know them, "name (agency)"; `None` for the system
    /// (an import without a user).
    pub by: Option<String>,
    pub event: String,
    pub summary: String,
    /// The whole record after the change, to compare with the entry before it.
    pub details: Option<PersonDetails>,
}

/// Makes adding a person idempotent: the one-time key an add form carries, or an API client's
/// `Idempotency-Key`. Submissions with the same key (and the same details) from the same user
/// add one person, however many arrive and however close together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionKey(String);

impl SubmissionKey {
    /// Longest key accepted.
    pub const MAX_LEN: usize = 200;

    /// A key as received: 1 to [`SubmissionKey::MAX_LEN`] visible ASCII characters.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok =
            (1..=Self::MAX_LEN).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(raw.to_string()))
    }

    /// A new random key, for an add form about to be shown.
    pub fn generate() -> Self {
        Self(random_secret())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What became of a keyed "add a person" (the person's id) or merge (the merge's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    /// This submission added the person, or made the merge.
    Created(i64),
    /// An earlier submission with the same key and details did.
    Repeated(i64),
    /// The key was used before, with other details, for this person or merge.
    KeyReused(i64),
}

/// What is kept of the details a key was used with, to tell a repeat from a reuse.
fn details_digest(details: &PersonDetails) -> Result<String> {
    let json = serde_json::to_string(details).map_err(|e| StoreError::Refused(e.to_string()))?;
    Ok(secret_digest(&json))
}

impl Store {
    /// Begin a transaction that changes the register.
    pub async fn begin_register_write(&self) -> Result<Tx> {
        let mut tx = self.begin_write().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(REGISTER_WRITE_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Add a person. `note` records how the practitioner got here (e.g. which candidates they
    /// confirmed were not this person).
    pub async fn create_person(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        details: &PersonDetails,
        external_id: Option<&str>,
        note: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_register_write().await?;
        let id = self
            .create_person_tx(&mut tx, by, details, external_id, note)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Add a person once per key: a submission whose key (from the same user) already added
    /// someone adds nobody and says whom. The key is checked and stored in the transaction that
    /// adds the person, and register writers queue for that transaction (the PostgreSQL
    /// advisory lock, SQLite's single writer), so simultaneous submissions cannot both add;
    /// the key's primary key would refuse a second row anyway.
    pub async fn create_person_once(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        details: &PersonDetails,
        note: &str,
        key: &SubmissionKey,
    ) -> Result<Submission> {
        let user_id = submitting_user(by)?;
        let digest = details_digest(details)?;
        let mut tx = self.begin_register_write().await?;
        if let Some(earlier) = submission_in(&mut tx, user_id, key, &digest).await? {
            return Ok(earlier);
        }
        let id = self
            .create_person_tx(&mut tx, by, details, None, note)
            .await?;
        sqlx::query(
            "INSERT INTO person_submissions (user_id, submission_key, details_digest, person_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(key.as_str())
        .bind(&digest)
        .bind(id)
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Submission::Created(id))
    }

    /// What an earlier submission with this key made of these details, if there was one: for
    /// a submission stopped by the duplicate check because the person it would add is now on
    /// the register, added by an earlier submission of the same form.
    pub async fn earlier_submission(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        details: &PersonDetails,
        key: &SubmissionKey,
    ) -> Result<Option<Submission>> {
        let user_id = submitting_user(by)?;
        let digest = details_digest(details)?;
        let mut conn = self.pool().acquire().await?;
        submission_in(&mut conn, user_id, key, &digest).await
    }

    /// The insert itself, for callers that batch many people in one transaction (import).
    pub async fn create_person_tx(
        &self,
        tx: &mut Tx,
        by: &Attribution,
        details: &PersonDetails,
        external_id: Option<&str>,
        note: &str,
    ) -> Result<i64> {
        let now = self.now_ms();
        let row = bind_details(
            sqlx::query(
                "INSERT INTO people (given_name, family_name, gender, date_of_birth, \
                 date_of_birth_is_expected, nhs_number, upn, telephone, ethnicity, first_language, \
                 communication_needs, interpreter_needed, disability, external_id, revision, created_at, \
                 created_by, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16, $15, $16) \
                 RETURNING id",
            ),
            details,
        )
        .bind(external_id)
        .bind(now)
        .bind(by.user_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| crate::unique_violation(e, "external_id"))?;
        let id: i64 = row.try_get("id")?;
        write_names_and_addresses(tx, id, details).await?;
        let summary = if note.is_empty() {
            "Record created".to_string()
        } else {
            format!("Record created. {note}")
        };
        history(tx, now, by, id, 1, "created", &summary, details).await?;
        changed(tx, now, id).await?;
        record(
            tx,
            now,
            by,
            AuditEntry::new("person.create")
                .record("person", id)
                .detail(note.to_string()),
        )
        .await?;
        Ok(id)
    }

    /// A person with names, addresses, relationships and merged records; viewing is audited.
    pub async fn person(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        id: i64,
    ) -> Result<Person> {
        let person = self.load_person(id).await?;
        self.audit(by, AuditEntry::new("person.view").record("person", id))
            .await?;
        Ok(person)
    }

    async fn load_person(&self, id: i64) -> Result<Person> {
        let row = sqlx::query(
            "SELECT p.*, u.email AS updated_by_email FROM people p LEFT JOIN users u ON u.id = p.updated_by WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut details = details_from_row(&row)?;
        let mut conn = self.pool().acquire().await?;
        add_names_and_addresses(&mut conn, id, &mut details).await?;
        drop(conn);
        let relationships = self.relationships_of(id).await?;
        let mut household = self.household_of(id, details.main_address.as_ref()).await?;
        for member in &mut household {
            member.role = relationships
                .iter()
                .find(|r| r.person_id == member.person_id)
                .map(|r| r.role.clone());
        }
        Ok(Person {
            id,
            external_id: row.try_get("external_id")?,
            details,
            merged_into_id: row.try_get("merged_into_id")?,
            revision: row.try_get("revision")?,
            created_at: from_ms(row.try_get("created_at")?),
            updated_at: from_ms(row.try_get("updated_at")?),
            updated_by: row.try_get("updated_by_email")?,
            relationships,
            household,
            merged_records: self.merged_into(id).await?,
            names_from_merges: self.names_from_merges(id).await?,
        })
    }

    /// The other live people whose main address has the same first line (ignoring case and
    /// surrounding spaces) and postcode. Nobody, without a first line and a postcode: a
    /// postcode alone covers a whole street.
    async fn household_of(
        &self,
        id: i64,
        address: Option<&Address>,
    ) -> Result<Vec<HouseholdMember>> {
        let Some((line1, postcode)) = address
            .and_then(|a| Some((a.line1.trim().to_lowercase(), a.postcode.as_ref()?)))
            .filter(|(line1, _)| !line1.is_empty())
        else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT p.id, p.given_name, p.family_name, p.date_of_birth FROM person_addresses a \
             JOIN people p ON p.id = a.person_id \
             WHERE a.is_main = 1 AND a.postcode = $1 AND LOWER(TRIM(a.line1)) = $2 \
             AND p.id <> $3 AND p.merged_into_id IS NULL \
             ORDER BY p.date_of_birth, p.id LIMIT $4",
        )
        .bind(postcode.as_str())
        .bind(&line1)
        .bind(id)
        .bind(HOUSEHOLD_LIMIT)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let dob: Option<String> = r.try_get("date_of_birth")?;
                Ok(HouseholdMember {
                    person_id: r.try_get("id")?,
                    given_name: r.try_get("given_name")?,
                    family_name: r.try_get("family_name")?,
                    date_of_birth: dob.and_then(|d| d.parse().ok()),
                    role: None,
                })
            })
            .collect()
    }

    async fn relationships_of(&self, id: i64) -> Result<Vec<RelatedPerson>> {
        // Both directions: rows saying who others are to this person, and rows saying who this
        // person is to others (read inverted: "Jo is the mother of Amelia" shows Amelia as Jo's child).
        let rows = sqlx::query(
            "SELECT r.id, r.relationship, r.parental_responsibility, r.lives_with, 1 AS outward, \
             p.id AS other_id, p.given_name, p.family_name, p.date_of_birth \
             FROM relationships r JOIN people p ON p.id = r.related_person_id \
             WHERE r.person_id = $1 AND r.ended_at IS NULL \
             UNION ALL \
             SELECT r.id, r.relationship, r.parental_responsibility, r.lives_with, 0 AS outward, \
             p.id AS other_id, p.given_name, p.family_name, p.date_of_birth \
             FROM relationships r JOIN people p ON p.id = r.person_id \
             WHERE r.related_person_id = $1 AND r.ended_at IS NULL \
             UNION ALL \
             SELECT MIN(b.id) AS id, 'sibling' AS relationship, 0 AS parental_responsibility, 0 AS lives_with, 2 AS outward, \
             p.id AS other_id, p.given_name, p.family_name, p.date_of_birth \
             FROM relationships a JOIN relationships b ON b.related_person_id = a.related_person_id \
             JOIN people p ON p.id = b.person_id \
             WHERE a.person_id = $1 AND b.person_id <> $1 AND a.ended_at IS NULL AND b.ended_at IS NULL \
             AND a.relationship IN ('mother', 'father', 'step_parent', 'carer') \
             AND b.relationship IN ('mother', 'father', 'step_parent', 'carer') \
             AND p.merged_into_id IS NULL \
             GROUP BY p.id, p.given_name, p.family_name, p.date_of_birth",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<RelatedPerson> = Vec::new();
        for r in &rows {
            let code: String = r.try_get("relationship")?;
            let relationship =
                Relationship::parse(&code).map_err(|e| StoreError::Refused(e.to_string()))?;
            let other_id: i64 = r.try_get("other_id")?;
            let role = match r.try_get::<i64, _>("outward")? {
                1 => relationship.label().to_lowercase(),
                0 => inverse_label(relationship).to_string(),
                // Children of the same parent or carer, when no sibling link was recorded.
                _ if out.iter().any(|o| o.person_id == other_id) => continue,
                _ => "sibling (same parent or carer)".to_string(),
            };
            let dob: Option<String> = r.try_get("date_of_birth")?;
            out.push(RelatedPerson {
                relationship_id: r.try_get("id")?,
                person_id: other_id,
                given_name: r.try_get("given_name")?,
                family_name: r.try_get("family_name")?,
                date_of_birth: dob.and_then(|d| d.parse().ok()),
                role,
                parental_responsibility: Answer::from_stored(
                    r.try_get::<i64, _>("parental_responsibility")?,
                ),
                lives_with: Answer::from_stored(r.try_get::<i64, _>("lives_with")?),
            });
        }
        Ok(out)
    }

    async fn merged_into(&self, id: i64) -> Result<Vec<MergedRecord>> {
        let rows = sqlx::query(
            "SELECT m.id, m.merged_id, m.reason, m.at, p.given_name, p.family_name FROM person_merges m \
             JOIN people p ON p.id = m.merged_id WHERE m.kept_id = $1 AND m.undone_at IS NULL ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MergedRecord {
                    merge_id: r.try_get("id")?,
                    person_id: r.try_get("merged_id")?,
                    given_name: r.try_get("given_name")?,
                    family_name: r.try_get("family_name")?,
                    reason: r.try_get("reason")?,
                    at: from_ms(r.try_get("at")?),
                })
            })
            .collect()
    }

    /// Change a person's identifying details, refusing a stale revision. `reason`, why
    /// identifying details changed (see `domain::person::change_reason`), is kept in the
    /// history entry and the audit row.
    pub async fn update_person(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        id: i64,
        expected_revision: i64,
        details: &PersonDetails,
        reason: Option<&str>,
    ) -> Result<i64> {
        let mut tx = self.begin_register_write().await?;
        let now = self.now_ms();
        let done = bind_details(
            sqlx::query(
                "UPDATE people SET given_name = $1, family_name = $2, gender = $3, date_of_birth = $4, \
                 date_of_birth_is_expected = $5, nhs_number = $6, upn = $7, telephone = $8, ethnicity = $9, \
                 first_language = $10, communication_needs = $11, interpreter_needed = $12, disability = $13, \
                 revision = revision + 1, updated_at = $14, updated_by = $15 \
                 WHERE id = $16 AND revision = $17 AND merged_into_id IS NULL",
            ),
            details,
        )
        .bind(now)
        .bind(by.user_id)
        .bind(id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let row = sqlx::query(
                "SELECT p.revision, p.updated_at, p.merged_into_id, u.name AS user_name, a.name AS agency_name \
                 FROM people p LEFT JOIN users u ON u.id = p.updated_by LEFT JOIN agencies a ON a.id = u.agency_id \
                 WHERE p.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match row {
                None => StoreError::NotFound,
                Some(r) if r.try_get::<Option<i64>, _>("merged_into_id")?.is_some() => {
                    StoreError::Refused(
                        "This record has been merged into another: change that one instead".into(),
                    )
                }
                // Named as practitioners know each other: name and agency, not an email.
                Some(r) => StoreError::Conflict {
                    by: match (
                        r.try_get::<Option<String>, _>("user_name")?,
                        r.try_get::<Option<String>, _>("agency_name")?,
                    ) {
                        (Some(name), Some(agency)) => format!("{name} ({agency})"),
                        (Some(name), None) => name,
                        _ => "another user".into(),
                    },
                    at: from_ms(r.try_get("updated_at")?),
                },
            });
        }
        sqlx::query("DELETE FROM person_other_names WHERE person_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM person_addresses WHERE person_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_names_and_addresses(&mut tx, id, details).await?;
        let revision = expected_revision + 1;
        let summary = match reason {
            Some(reason) => format!("Details changed. Reason given: {reason}"),
            None => "Details changed".to_string(),
        };
        history(&mut tx, now, by, id, revision, "updated", &summary, details).await?;
        changed(&mut tx, now, id).await?;
        let entry = AuditEntry::new("person.update").record("person", id);
        let entry = match reason {
            Some(reason) => entry.detail(format!("reason: {reason}")),
            None => entry,
        };
        record(&mut tx, now, by, entry).await?;
        tx.commit().await?;
        Ok(revision)
    }

    /// Record that `related_id` is the `relationship` of `person_id`.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_relationship(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        person_id: i64,
        related_id: i64,
        relationship: Relationship,
        parental_responsibility: Answer,
        lives_with: Answer,
    ) -> Result<i64> {
        if person_id == related_id {
            return Err(StoreError::Refused(
                "A person cannot be related to themselves".into(),
            ));
        }
        let mut tx = self.begin_register_write().await?;
        if first_not_live(&mut tx, [person_id, related_id])
            .await?
            .is_some()
        {
            return Err(StoreError::NotFound);
        }
        let now = self.now_ms();
        let row = sqlx::query(
            "INSERT INTO relationships (person_id, related_person_id, relationship, parental_responsibility, lives_with, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(person_id)
        .bind(related_id)
        .bind(relationship.code())
        .bind(parental_responsibility.stored())
        .bind(lives_with.stored())
        .bind(now)
        .bind(by.user_id)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("relationship.create")
                .record("person", person_id)
                .detail(format!(
                    "person {related_id} is the {} of person {person_id}",
                    relationship.code()
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The person's details as they were at `revision` (what an edit based on that revision
    /// started from), from the history.
    pub async fn person_at_revision(
        &self,
        _grant: &Grant<UseRegister>,
        id: i64,
        revision: i64,
    ) -> Result<Option<PersonDetails>> {
        let row = sqlx::query(
            "SELECT snapshot FROM person_history WHERE person_id = $1 AND revision = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .bind(revision)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let snapshot: String = r.try_get("snapshot")?;
            serde_json::from_str(&snapshot).map_err(|e| StoreError::Refused(e.to_string()))
        })
        .transpose()
    }

    /// The history of a person, newest first.
    pub async fn person_history(
        &self,
        _grant: &Grant<UseRegister>,
        id: i64,
    ) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT h.revision, h.at, h.actor_email, h.event, h.summary, h.snapshot, \
             u.name AS user_name, a.name AS agency_name \
             FROM person_history h LEFT JOIN users u ON u.id = h.user_id \
             LEFT JOIN agencies a ON a.id = u.agency_id \
             WHERE h.person_id = $1 ORDER BY h.id DESC",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let by = match (
                    r.try_get::<Option<String>, _>("user_name")?,
                    r.try_get::<Option<String>, _>("agency_name")?,
                ) {
                    (Some(name), Some(agency)) => Some(format!("{name} ({agency})")),
                    (Some(name), None) => Some(name),
                    // A user since removed keeps the address the row was written with.
                    _ => r.try_get("actor_email")?,
                };
                let snapshot: String = r.try_get("snapshot")?;
                Ok(HistoryEntry {
                    revision: r.try_get("revision")?,
                    at: from_ms(r.try_get("at")?),
                    by,
                    event: r.try_get("event")?,
                    summary: r.try_get("summary")?,
                    details: serde_json::from_str(&snapshot).ok(),
                })
            })
            .collect()
    }
}

fn inverse_label(r: Relationship) -> &'static str {
    match r {
        Relationship::Mother
        | Relationship::Father
        | Relationship::StepParent
        | Relationship::Carer => "child",
        Relationship::Grandparent => "grandchild",
        Relationship::Sibling => "sibling",
        Relationship::Other => "other",
    }
}

pub(crate) fn details_from_row(row: &crate::Row) -> Result<PersonDetails> {
    let gender: Option<String> = row.try_get("gender")?;
    let dob: Option<String> = row.try_get("date_of_birth")?;
    let nhs: Option<String> = row.try_get("nhs_number")?;
    let upn: Option<String> = row.try_get("upn")?;
    Ok(PersonDetails {
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        gender: gender.and_then(|g| Gender::parse(&g).ok()),
        date_of_birth: dob.and_then(|d| d.parse().ok()),
        date_of_birth_is_expected: row.try_get::<i64, _>("date_of_birth_is_expected")? != 0,
        nhs_number: nhs.and_then(|n| NhsNumber::parse(&n).ok()),
        upn: upn.and_then(|u| Upn::parse(&u).ok()),
        telephone: row.try_get("telephone")?,
        ethnicity: row.try_get("ethnicity")?,
        first_language: row.try_get("first_language")?,
        communication_needs: row.try_get("communication_needs")?,
        interpreter_needed: Answer::from_stored(row.try_get("interpreter_needed")?),
        disability: row.try_get("disability")?,
        main_address: None,
        other_addresses: vec![],
        other_names: vec![],
    })
}

/// A person's whole details (other names and addresses included) as the transaction sees them,
/// for the history snapshot of a merge or an undo: a snapshot without them would read as the
/// address removed.
pub(crate) async fn details_in_tx(tx: &mut Tx, id: i64) -> Result<PersonDetails> {
    let row = sqlx::query("SELECT * FROM people WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let mut details = details_from_row(&row)?;
    add_names_and_addresses(tx, id, &mut details).await?;
    Ok(details)
}

/// Fill in a person's other names and addresses (the main address first).
async fn add_names_and_addresses(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    details: &mut PersonDetails,
) -> Result<()> {
    let names = sqlx::query(
        "SELECT kind, given_name, family_name FROM person_other_names WHERE person_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let addresses = sqlx::query(
        "SELECT is_main, line1, line2, town, postcode, description FROM person_addresses WHERE person_id = $1 ORDER BY is_main DESC, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for n in &names {
        let kind: String = n.try_get("kind")?;
        details.other_names.push(OtherName {
            kind: OtherNameKind::parse(&kind).map_err(|e| StoreError::Refused(e.to_string()))?,
            given_name: n.try_get("given_name")?,
            family_name: n.try_get("family_name")?,
        });
    }
    for a in &addresses {
        let postcode: Option<String> = a.try_get("postcode")?;
        let address = Address {
            line1: a.try_get("line1")?,
            line2: a.try_get("line2")?,
            town: a.try_get("town")?,
            postcode: postcode.and_then(|p| Postcode::parse(&p).ok()),
            description: a.try_get("description")?,
        };
        if a.try_get::<i64, _>("is_main")? != 0 && details.main_address.is_none() {
            details.main_address = Some(address);
        } else {
            details.other_addresses.push(address);
        }
    }
    Ok(())
}

pub(crate) async fn current_revision(tx: &mut Tx, id: i64) -> Result<i64> {
    let row = sqlx::query("SELECT revision FROM people WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("revision")?)
}

async fn write_names_and_addresses(tx: &mut Tx, id: i64, details: &PersonDetails) -> Result<()> {
    for name in &details.other_names {
        sqlx::query("INSERT INTO person_other_names (person_id, kind, given_name, family_name) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(name.kind.code())
            .bind(&name.given_name)
            .bind(&name.family_name)
            .execute(&mut **tx)
            .await?;
    }
    let addresses = details
        .main_address
        .iter()
        .map(|a| (true, a))
        .chain(details.other_addresses.iter().map(|a| (false, a)));
    for (is_main, a) in addresses {
        sqlx::query(
            "INSERT INTO person_addresses (person_id, is_main, line1, line2, town, postcode, description) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(flag(is_main))
        .bind(&a.line1)
        .bind(&a.line2)
        .bind(&a.town)
        .bind(a.postcode.as_ref().map(|p| p.as_str().to_string()))
        .bind(&a.description)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn history(
    tx: &mut Tx,
    now: i64,
    by: &Attribution,
    person_id: i64,
    revision: i64,
    event: &str,
    summary: &str,
    details: &PersonDetails,
) -> Result<()> {
    let snapshot =
        serde_json::to_string(details).map_err(|e| StoreError::Refused(e.to_string()))?;
    sqlx::query(
        "INSERT INTO person_history (person_id, revision, at, user_id, actor_email, event, summary, snapshot) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(person_id)
    .bind(revision)
    .bind(now)
    .bind(by.user_id)
    .bind(by.actor_email.clone())
    .bind(event)
    .bind(summary)
    .bind(snapshot)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Append to the change feed read by every instance's matching index.
pub(crate) async fn changed(tx: &mut Tx, now: i64, person_id: i64) -> Result<()> {
    sqlx::query("INSERT INTO person_changes (person_id, at) VALUES ($1, $2)")
        .bind(person_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Keys belong to users, so only a signed-in user's submission can carry one.
pub(crate) fn submitting_user(by: &Attribution) -> Result<i64> {
    by.user_id.ok_or_else(|| {
        StoreError::Refused("Only a signed-in user can add a person with a submission key".into())
    })
}

/// The earlier submission with `key` by `user_id`, as a repeat or a reuse of the key.
async fn submission_in(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    key: &SubmissionKey,
    digest: &str,
) -> Result<Option<Submission>> {
    let row = sqlx::query(
        "SELECT person_id, details_digest FROM person_submissions WHERE user_id = $1 AND submission_key = $2",
    )
    .bind(user_id)
    .bind(key.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: i64 = row.try_get("person_id")?;
    let same = row.try_get::<String, _>("details_digest")? == digest;
    Ok(Some(if same {
        Submission::Repeated(id)
    } else {
        Submission::KeyReused(id)
    }))
}

/// The first of `ids` that is missing or merged away, read inside the writer's transaction.
async fn first_not_live(tx: &mut Tx, ids: [i64; 2]) -> Result<Option<i64>> {
    for id in ids {
        let live = sqlx::query("SELECT id FROM people WHERE id = $1 AND merged_into_id IS NULL")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        if live.is_none() {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a person's own details as `$1`–`$13`, in the column order both the insert and the
/// update use: given_name, family_name, gender, date_of_birth, date_of_birth_is_expected,
/// nhs_number, upn, telephone, ethnicity, first_language, communication_needs,
/// interpreter_needed, disability.
fn bind_details<'q>(query: AnyQuery<'q>, details: &'q PersonDetails) -> AnyQuery<'q> {
    query
        .bind(&details.given_name)
        .bind(&details.family_name)
        .bind(details.gender.map(|g| g.code()))
        .bind(details.date_of_birth.map(|d| d.to_string()))
        .bind(flag(details.date_of_birth_is_expected))
        .bind(details.nhs_number.as_ref().map(NhsNumber::digits))
        .bind(details.upn.as_ref().map(|u| u.as_str().to_string()))
        .bind(details.telephone.clone())
        .bind(details.ethnicity.clone())
        .bind(&details.first_language)
        .bind(&details.communication_needs)
        .bind(details.interpreter_needed.stored())
        .bind(&details.disability)
}

/// Which register form a held form is (see [`Store::hold_form`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldForm {
    /// The terms of "Check if a CAF exists", for the results page.
    Search,
    /// The add form, waiting for the answer to "Is this the child you are adding?".
    Add,
}

impl HeldForm {
    fn code(self) -> &'static str {
        match self {
            HeldForm::Search => "search",
            HeldForm::Add => "add",
        }
    }
}

/// How long a held form can be returned to: as long as a session stays open without use.
const HELD_FORM_MS: i64 = 30 * 60 * 1000;

impl Store {
    /// Delete held forms whose time is up (housekeeping: what a practitioner typed, names
    /// among it, is not kept past its half hour even when nobody searches again).
    pub async fn purge_expired_held_forms(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM held_forms WHERE expires_at <= $1")
            .bind(self.now_ms())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Hold what the user typed into a register form for 30 minutes and return the random key
    /// that finds it again (the only thing the URL carries). Forms whose time is up are
    /// deleted in the same transaction, so the table holds at most half an hour of forms.
    pub async fn hold_form(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        purpose: HeldForm,
        fields: &str,
    ) -> Result<String> {
        let user_id = by
            .user_id
            .ok_or_else(|| StoreError::Refused("Only a signed-in user can hold a form".into()))?;
        let now = self.now_ms();
        let key = random_secret();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM held_forms WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO held_forms (held_key, user_id, purpose, fields, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&key)
        .bind(user_id)
        .bind(purpose.code())
        .bind(fields)
        .bind(now)
        .bind(now + HELD_FORM_MS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(key)
    }

    /// The fields of a form this user held, unless its time is up (or it is someone else's,
    /// or no such key was ever given out: all three read as gone).
    pub async fn held_form(
        &self,
        _grant: &Grant<UseRegister>,
        by: &Attribution,
        purpose: HeldForm,
        key: &str,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT fields FROM held_forms \
             WHERE held_key = $1 AND user_id = $2 AND purpose = $3 AND expires_at > $4",
        )
        .bind(key)
        .bind(by.user_id)
        .bind(purpose.code())
        .bind(self.now_ms())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| r.try_get("fields").map_err(Into::into))
            .transpose()
    }
}
