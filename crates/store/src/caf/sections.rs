//! Reading a CAF and saving its sections, each on its own with its own revision, so two
//! people editing one section never lose an update.
use super::access::{open_to_read, open_to_write, refused, stale, CafRow};
use super::episodes::CafExistence;
use super::events::{self, event_from_row, CafEventRow, Event, EVENT_COLUMNS};
use super::plan::{actions_of, ActionRow};
use super::sharing::{decisions_of, SharingDecisionRow};
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::consent::{may_save_content, ConsentStatus};
use ecaf_domain::caf::distance::{series, Series};
use ecaf_domain::caf::form::{section, SectionStatus};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::sign_off::SignOffStep;
use ecaf_domain::caf::wording::Wording;
use ecaf_domain::text::sentence_start;
use serde::Serialize;
use sqlx::Row;

/// The most a section may hold, as JSON text: long narratives fit many times over.
pub const MAX_SECTION_CHARS: usize = 200_000;

/// A Parent/Child Indicator that cannot be saved: `index` in the section's `indicators`,
/// `part` is `need` or `score`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorProblem {
    pub index: usize,
    pub part: &'static str,
    pub message: String,
}

/// Parent/Child Indicators are the distance-travelled baseline: each need discussed, scored
/// by the family from 1 (least concern) to 5 (most). Checked here so no caller can store a
/// score the reviews could not compare; pages and the API use it to name the field.
pub fn indicator_problems(content: &serde_json::Value) -> Vec<IndicatorProblem> {
    let Some(indicators) = content.get("indicators") else {
        return vec![];
    };
    let Some(rows) = indicators.as_array() else {
        return vec![IndicatorProblem {
            index: 0,
            part: "need",
            message: "Parent/Child Indicators must be a list of needs, each with its score".into(),
        }];
    };
    rows.iter()
        .enumerate()
        .filter_map(|(index, row)| {
            let need = row.get("need").and_then(|n| n.as_str()).unwrap_or_default().trim();
            let score = row.get("score").and_then(|s| s.as_i64());
            if need.is_empty() {
                Some(IndicatorProblem {
                    index,
                    part: "need",
                    message: format!("Enter the need that Parent/Child Indicator {} scores", index + 1),
                })
            } else if !score.is_some_and(|s| (1..=5).contains(&s)) {
                Some(IndicatorProblem {
                    index,
                    part: "score",
                    message: format!(
                        "The score for “{need}” must be a whole number from 1 (least concern) to 5 (most concern)"
                    ),
                })
            } else {
                None
            }
        })
        .collect()
}

/// One saved section.
#[derive(Debug, Clone, Serialize)]
pub struct SectionRow {
    pub section: String,
    pub child_id: Option<i64>,
    pub status: SectionStatus,
    pub content: serde_json::Value,
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

/// A CAF as someone with need to know sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CafContent {
    pub id: i64,
    pub reference: String,
    pub kind: String,
    pub state: CafState,
    pub owning_agency_id: i64,
    pub assessor_id: Option<i64>,
    pub lead_professional_id: Option<i64>,
    pub revision: i64,
    /// The version of the service's wording it was started with, and keeps.
    pub wording_version: i64,
    /// Where the choice of lead professional stands (`appointed`, `none_needed_yet`,
    /// `at_the_meeting`, `not_decided`), and who it is.
    pub lead_status: String,
    pub lead_professional: Option<String>,
    /// The team around the family, present members first.
    pub team: Vec<super::team::TeamMemberRow>,
    /// Its meetings, the latest first.
    pub meetings: Vec<super::meetings::MeetingRow>,
    /// The referral, once stepped up.
    pub step_up: Option<super::step_up::StepUpView>,
    /// (person id, name) of each child it is about.
    pub children: Vec<(i64, String)>,
    pub consent: ConsentStatus,
    pub sections: Vec<SectionRow>,
    pub events: Vec<CafEventRow>,
    /// Decisions to share without consent, or not to share, oldest first.
    pub sharing_decisions: Vec<SharingDecisionRow>,
    /// When it opened, how it closed, the CAFs before and after it.
    pub episode: super::Episode,
    /// The action plan, oldest action first.
    pub actions: Vec<ActionRow>,
    /// Set when the plan is agreed.
    pub next_review_on: Option<NaiveDate>,
    /// Its reviews, oldest first.
    pub reviews: Vec<super::reviews::ReviewRow>,
    /// Requests to join its team, the latest first.
    pub join_requests: Vec<super::join::JoinRequestRow>,
    /// The Parent/Child Indicators' scores from sign-off through every review (not part of
    /// a version's snapshot: it is read from the versions).
    #[serde(skip)]
    pub distance: Series,
    /// What it is for: `caf`, `received` (sent by another system) or `step_down`.
    pub purpose: String,
    /// What it was made from, when it came from another system or a step-down, as sent.
    pub received: Option<super::transfer::ReceivedRecord>,
}

/// What a read gives: the content, or only that the CAF exists.
#[derive(Debug, Clone, Serialize)]
pub enum CafRead {
    Content(Box<CafContent>),
    ExistenceOnly(CafExistence),
}

impl Store {
    /// Read a CAF: its content for someone with need to know, otherwise only that it exists
    /// and whom to contact; "not found" for anyone who may not use the register. The view
    /// (or the refusal) is audited in the same transaction.
    pub async fn read_caf(&self, actor: &Actor, by: &Attribution, caf_id: i64) -> Result<CafRead> {
        self.read_caf_as(actor, by, caf_id, "the CAF").await
    }

    /// Read a CAF to print the family's copy: the same decision as [`Store::read_caf`], audited
    /// as a family copy so the log shows what left the service on paper.
    pub async fn read_family_copy(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
    ) -> Result<CafRead> {
        self.read_caf_as(actor, by, caf_id, "the family copy").await
    }

    async fn read_caf_as(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        what: &str,
    ) -> Result<CafRead> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (caf, may_read) = match open_to_read(&mut tx, now, actor, by, caf_id, what).await? {
            Ok(opened) => opened,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let read = if may_read {
            let wording = self.wording_on(&mut tx, caf.wording_version).await?;
            CafRead::Content(Box::new(content(&mut tx, &caf, &wording).await?))
        } else {
            let children = children_of(&mut tx, caf.id).await?;
            tx.commit().await?;
            let first = children.first().map(|(id, _)| *id).unwrap_or_default();
            let existence = self
                .caf_existence(&[first])
                .await?
                .remove(&first)
                .and_then(|all| all.into_iter().find(|e| e.caf_id == caf.id))
                .ok_or(StoreError::NotFound)?;
            return Ok(CafRead::ExistenceOnly(existence));
        };
        tx.commit().await?;
        Ok(read)
    }

    /// Save one section (for one child where it is per child). `expected_revision` is the
    /// section's revision the practitioner started from (`None` for a section not yet
    /// saved); if someone saved it since, nothing is changed and the conflict names them.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_caf_section(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        key: &str,
        child_id: Option<i64>,
        expected_revision: Option<i64>,
        status: SectionStatus,
        content: &serde_json::Value,
    ) -> Result<i64> {
        let section = section(key).ok_or(StoreError::NotFound)?;
        let text = content.to_string();
        if text.chars().count() > MAX_SECTION_CHARS {
            return Err(StoreError::Refused(format!(
                "“{}” is too long to save: it must be {MAX_SECTION_CHARS} characters or fewer",
                section.title
            )));
        }
        if let Some(problem) = indicator_problems(content).into_iter().next() {
            return Err(StoreError::Refused(problem.message));
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, &format!("section {key}"))
            .await?
        {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        if caf.state != CafState::Draft {
            return Err(StoreError::Refused(
                "The assessment has been signed off: changes are made at a review".into(),
            ));
        }
        super::manager_sign_off::held_still(&mut tx, caf.id, SignOffStep::Assessment).await?;
        may_save_content(&consent_status(&mut tx, caf.id).await?)
            .map_err(|e| StoreError::Refused(sentence_start(&e.to_string())))?;
        let children = children_of(&mut tx, caf.id).await?;
        match (section.per_child, child_id) {
            (true, Some(child)) if children.iter().any(|(id, _)| *id == child) => {}
            (true, _) => {
                return Err(StoreError::Refused(format!(
                    "Choose which child “{}” is about",
                    section.title
                )))
            }
            (false, Some(_)) => {
                return Err(StoreError::Refused(format!(
                    "“{}” is written once for the whole family",
                    section.title
                )))
            }
            (false, None) => {}
        }
        let current = sqlx::query(
            "SELECT s.id, s.revision, s.updated_at, u.name AS by_name FROM caf_sections s \
             LEFT JOIN users u ON u.id = s.updated_by \
             WHERE s.caf_id = $1 AND s.section = $2 AND COALESCE(s.child_id, 0) = $3",
        )
        .bind(caf.id)
        .bind(key)
        .bind(child_id.unwrap_or(0))
        .fetch_optional(&mut *tx)
        .await?;
        let revision = match (&current, expected_revision) {
            (None, None) => {
                sqlx::query(
                    "INSERT INTO caf_sections (caf_id, section, child_id, status, content, revision, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
                )
                .bind(caf.id)
                .bind(key)
                .bind(child_id)
                .bind(status.code())
                .bind(&text)
                .bind(now)
                .bind(actor.user_id)
                .execute(&mut *tx)
                .await?;
                1
            }
            (Some(row), Some(expected)) if row.try_get::<i64, _>("revision")? == expected => {
                let updated = sqlx::query(
                    "UPDATE caf_sections SET status = $1, content = $2, revision = revision + 1, \
                     updated_at = $3, updated_by = $4 WHERE id = $5 AND revision = $6",
                )
                .bind(status.code())
                .bind(&text)
                .bind(now)
                .bind(actor.user_id)
                .bind(row.try_get::<i64, _>("id")?)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
                // On PostgreSQL a concurrent save can commit between the read above and this
                // update; the revision condition then matches nothing.
                if updated.rows_affected() == 0 {
                    return Err(stale(&mut tx, "SELECT s.updated_at, u.name AS by_name FROM caf_sections s LEFT JOIN users u ON u.id = s.updated_by WHERE s.id = $1", row.try_get("id")?).await);
                }
                expected + 1
            }
            (Some(row), _) => {
                return Err(StoreError::Conflict {
                    by: row
                        .try_get::<Option<String>, _>("by_name")?
                        .unwrap_or_else(|| "someone else".into()),
                    at: from_ms(row.try_get("updated_at")?),
                })
            }
            (None, Some(_)) => return Err(StoreError::NotFound),
        };
        let child_name = child_id.and_then(|c| {
            children
                .iter()
                .find(|(id, _)| *id == c)
                .map(|(_, n)| format!(" for {n}"))
        });
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "section.saved",
                summary: format!(
                    "“{}”{} saved ({})",
                    section.title,
                    child_name.unwrap_or_default(),
                    status.label().to_lowercase()
                ),
                occurred_on: None,
                significant: false,
                detail: serde_json::json!({ "section": key, "child_id": child_id, "revision": revision }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        tx.commit().await?;
        Ok(revision)
    }
}

/// The whole current content of a CAF, read in the transaction that decided access, in the
/// words of the `wording` it was started with.
pub(super) async fn content(tx: &mut Tx, caf: &CafRow, wording: &Wording) -> Result<CafContent> {
    let sections = sqlx::query(
        "SELECT s.section, s.child_id, s.status, s.content, s.revision, s.updated_at, u.name AS by_name \
         FROM caf_sections s LEFT JOIN users u ON u.id = s.updated_by WHERE s.caf_id = $1 ORDER BY s.id",
    )
    .bind(caf.id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        let status: String = r.try_get("status")?;
        let content: String = r.try_get("content")?;
        Ok(SectionRow {
            section: r.try_get("section")?,
            child_id: r.try_get("child_id")?,
            status: SectionStatus::parse(&status).unwrap_or(SectionStatus::InProgress),
            content: serde_json::from_str(&content).unwrap_or(serde_json::Value::Null),
            revision: r.try_get("revision")?,
            updated_at: from_ms(r.try_get("updated_at")?),
            updated_by: r.try_get("by_name")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let events = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM caf_events e JOIN cafs c ON c.id = e.caf_id \
         LEFT JOIN users u ON u.id = e.user_id WHERE e.caf_id = $1 ORDER BY e.id"
    ))
    .bind(caf.id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(event_from_row)
    .collect::<Result<Vec<_>>>()?;
    // The CAF's own columns the access decision did not need, in one round trip.
    let lead = sqlx::query(
        "SELECT c.lead_status, u.name AS lead_name, c.step_up, c.next_review_on, c.purpose FROM cafs c \
         LEFT JOIN users u ON u.id = c.lead_professional_id WHERE c.id = $1",
    )
    .bind(caf.id)
    .fetch_one(&mut **tx)
    .await?;
    let reviews = super::reviews::reviews_of(tx, caf.id).await?;
    Ok(CafContent {
        id: caf.id,
        reference: caf.reference.clone(),
        kind: caf.kind.clone(),
        state: caf.state,
        owning_agency_id: caf.owning_agency_id,
        assessor_id: caf.assessor_id,
        lead_professional_id: caf.lead_professional_id,
        revision: caf.revision,
        wording_version: caf.wording_version,
        lead_status: lead.try_get("lead_status")?,
        lead_professional: lead.try_get("lead_name")?,
        team: super::team::team_of(tx, caf.id).await?,
        meetings: super::meetings::meetings_of(tx, caf.id).await?,
        step_up: super::step_up::step_up_view(lead.try_get("step_up")?),
        children: children_of(tx, caf.id).await?,
        consent: consent_status(tx, caf.id).await?,
        sections,
        events,
        sharing_decisions: decisions_of(tx, caf.id, wording).await?,
        episode: super::closure::episode_of(tx, caf.id, wording).await?,
        actions: actions_of(tx, caf.id).await?,
        next_review_on: lead
            .try_get::<Option<String>, _>("next_review_on")?
            .and_then(|d| d.parse().ok()),
        distance: if caf.state == CafState::Draft {
            Series::default()
        } else {
            series(&super::reviews::measures_of(tx, caf.id, &reviews).await?)
        },
        reviews,
        join_requests: super::join::join_requests_of(tx, caf.id).await?,
        purpose: lead.try_get("purpose")?,
        received: super::transfer::received_of(tx, caf.id).await?,
    })
}

pub(super) async fn children_of(tx: &mut Tx, caf_id: i64) -> Result<Vec<(i64, String)>> {
    sqlx::query(
        "SELECT p.id, p.given_name, p.family_name FROM caf_children k JOIN people p ON p.id = k.person_id \
         WHERE k.caf_id = $1 ORDER BY p.id",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            format!(
                "{} {}",
                r.try_get::<String, _>("given_name")?,
                r.try_get::<String, _>("family_name")?
            ),
        ))
    })
    .collect()
}

/// Where the CAF's consent stands, from its consent rows.
pub(super) async fn consent_status(tx: &mut Tx, caf_id: i64) -> Result<ConsentStatus> {
    let rows = sqlx::query(
        "SELECT id, stage, withdrawn_on FROM caf_consents WHERE caf_id = $1 ORDER BY id",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut status = ConsentStatus::NotAgreed;
    for row in &rows {
        if let Some(on) = row.try_get::<Option<String>, _>("withdrawn_on")? {
            return Ok(ConsentStatus::Withdrawn(on.parse().unwrap_or_default()));
        }
        let stage: String = row.try_get("stage")?;
        status = match stage.as_str() {
            "sharing" => {
                let consent_id: i64 = row.try_get("id")?;
                let agencies =
                    sqlx::query("SELECT agency_id FROM caf_consent_agencies WHERE consent_id = $1")
                        .bind(consent_id)
                        .fetch_all(&mut **tx)
                        .await?
                        .iter()
                        .map(|r| r.try_get("agency_id"))
                        .collect::<std::result::Result<_, _>>()?;
                ConsentStatus::Sharing(agencies)
            }
            _ if matches!(status, ConsentStatus::Sharing(_)) => status,
            _ => ConsentStatus::Agreed,
        };
    }
    Ok(status)
}

/// Mark the CAF changed (its revision guards changes to the CAF as a whole).
pub(super) async fn touch(tx: &mut Tx, caf_id: i64, now: i64, user_id: i64) -> Result<()> {
    sqlx::query("UPDATE cafs SET updated_at = $1, updated_by = $2 WHERE id = $3")
        .bind(now)
        .bind(user_id)
        .bind(caf_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
