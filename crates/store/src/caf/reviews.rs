//! Reviews of the plan. Recording one re-scores the Parent/Child Indicators in the CAF,
//! renews (or changes) the family's consent to share, freezes the next version, and either
//! carries the plan on to its next review or leaves the CAF "under review" for the step up or
//! closure the review decided — all in one transaction.
use super::access::{open_to_write, refused, stale_caf};
use super::consent::{insert_sharing_consent, latest_givers};
use super::events::{self, Event};
use super::sections::{content, touch, CafContent};
use super::versions::{freeze, Frozen};
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::consent::SharingConsent;
use ecaf_domain::caf::distance::Measure;
use ecaf_domain::caf::form::SectionStatus;
use ecaf_domain::caf::lifecycle::Step;
use ecaf_domain::caf::plan::MAX_REVIEW_WEEKS;
use ecaf_domain::caf::review::{ConsentCheck, Decision, Review};
use ecaf_domain::text::sentence_start;
use serde::Serialize;
use sqlx::Row;

/// The section that holds the Parent/Child Indicators.
const PRIORITIES: &str = "priorities";

/// A review as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub number: i64,
    pub held_on: NaiveDate,
    /// The CAF version it froze.
    pub version: i64,
    pub review: Review,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
}

/// What recording a review did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReviewRecorded {
    pub number: i64,
    pub version: i64,
    pub decision: Decision,
}

pub(super) async fn reviews_of(tx: &mut Tx, caf_id: i64) -> Result<Vec<ReviewRow>> {
    sqlx::query(
        "SELECT r.number, r.held_on, r.version, r.review, r.recorded_at, u.name AS by_name \
         FROM caf_reviews r LEFT JOIN users u ON u.id = r.recorded_by \
         WHERE r.caf_id = $1 ORDER BY r.number",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        let held_on: String = r.try_get("held_on")?;
        let review: String = r.try_get("review")?;
        Ok(ReviewRow {
            number: r.try_get("number")?,
            held_on: held_on.parse().unwrap_or_default(),
            version: r.try_get("version")?,
            review: serde_json::from_str(&review)
                .map_err(|e| StoreError::Refused(format!("a stored review is unreadable: {e}")))?,
            recorded_at: from_ms(r.try_get("recorded_at")?),
            recorded_by: r.try_get("by_name")?,
        })
    })
    .collect()
}

/// The indicators (need, score) written in a priorities section's content.
pub(super) fn indicators_in(content: &serde_json::Value) -> Vec<(String, i64)> {
    content
        .get("indicators")
        .and_then(|i| i.as_array())
        .map(|rows| {
            rows.iter()
                .filter_map(|row| {
                    let need = row.get("need")?.as_str()?.trim();
                    let score = row.get("score")?.as_i64()?;
                    (!need.is_empty()).then(|| (need.to_string(), score))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The scores at sign-off (version 1) and at each review (the version it froze), oldest
/// first.
pub(super) async fn measures_of(
    tx: &mut Tx,
    caf_id: i64,
    reviews: &[ReviewRow],
) -> Result<Vec<Measure>> {
    let mut measures = vec![];
    for row in sqlx::query(
        "SELECT number, at, indicators FROM caf_versions WHERE caf_id = $1 ORDER BY number",
    )
    .bind(caf_id)
    .fetch_all(&mut **tx)
    .await?
    {
        let number: i64 = row.try_get("number")?;
        let (label, on) = match reviews.iter().find(|r| r.version == number) {
            Some(review) => (format!("Review {}", review.number), review.held_on),
            None if number == 1 => (
                "Start".to_string(),
                from_ms(row.try_get("at")?).date_naive(),
            ),
            None => continue,
        };
        let scores = match row.try_get::<Option<String>, _>("indicators")? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => indicators_of_snapshot(tx, caf_id, number).await?,
        };
        measures.push(Measure {
            label,
            on,
            version: number,
            scores,
        });
    }
    Ok(measures)
}

/// The indicators in a version frozen before versions kept them beside the snapshot.
async fn indicators_of_snapshot(
    tx: &mut Tx,
    caf_id: i64,
    number: i64,
) -> Result<Vec<(String, i64)>> {
    let row = sqlx::query("SELECT snapshot FROM caf_versions WHERE caf_id = $1 AND number = $2")
        .bind(caf_id)
        .bind(number)
        .fetch_one(&mut **tx)
        .await?;
    let snapshot: serde_json::Value =
        serde_json::from_str(&row.try_get::<String, _>("snapshot")?).unwrap_or_default();
    Ok(snapshot
        .get("sections")
        .and_then(|s| s.as_array())
        .and_then(|sections| {
            sections.iter().find(|s| {
                s.get("section").and_then(|k| k.as_str()) == Some(PRIORITIES)
                    && s.get("child_id").is_none_or(|c| c.is_null())
            })
        })
        .and_then(|s| s.get("content"))
        .map(indicators_in)
        .unwrap_or_default())
}

impl CafContent {
    /// The day a review may not come before: the last review's, else the plan's agreement.
    pub fn reviewed_since(&self) -> Option<NaiveDate> {
        self.reviews.last().map(|r| r.held_on).or_else(|| {
            self.events
                .iter()
                .rev()
                .find(|e| e.kind == "plan.agreed")
                .map(|e| e.occurred_on.unwrap_or_else(|| e.at.date_naive()))
        })
    }

    /// The indicators as they stand, to be scored again at the next review.
    pub fn current_indicators(&self) -> Vec<(String, i64)> {
        self.sections
            .iter()
            .find(|s| s.section == PRIORITIES && s.child_id.is_none())
            .map(|s| indicators_in(&s.content))
            .unwrap_or_default()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Store {
    /// Record a review of the plan, held by the lead professional (or another writer of the
    /// CAF). Every current indicator must be scored again; the next version is frozen with
    /// the new scores. A decision to step up or close leaves the CAF under review until that
    /// is recorded.
    pub async fn record_caf_review(
        &self,
        actor: &Actor,
        by: &Attribution,
        caf_id: i64,
        expected_revision: i64,
        review: &Review,
    ) -> Result<ReviewRecorded> {
        let now = self.now_ms();
        let today = self.clock().now().date_naive();
        let mut tx = self.begin_write().await?;
        let caf = match open_to_write(&mut tx, now, actor, by, caf_id, "review").await? {
            Ok(caf) => caf,
            Err(refusal) => return refused(tx, refusal).await,
        };
        let under_review = caf
            .state
            .apply(Step::StartReview)
            .map_err(|refused| StoreError::Refused(sentence_start(&refused.to_string())))?;
        let decision = review
            .decision
            .ok_or_else(|| StoreError::Refused("Select what the review decided".into()))?;
        let next_state = match decision {
            Decision::Continue => under_review
                .apply(Step::ContinuePlan)
                .map_err(|refused| StoreError::Refused(sentence_start(&refused.to_string())))?,
            Decision::StepUp | Decision::Close => under_review,
        };
        if caf.revision != expected_revision {
            return Err(stale_caf(&mut tx, caf.id).await);
        }
        let wording = self.wording_on(&mut tx, caf.wording_version).await?;
        let before = content(&mut tx, &caf, &wording).await?;
        let since = before.reviewed_since().unwrap_or(NaiveDate::MIN);
        if let Some(problem) = review
            .problems(today, since, MAX_REVIEW_WEEKS)
            .into_iter()
            .next()
        {
            return Err(StoreError::Refused(problem.message));
        }
        if let Some(stranger) = review
            .progress
            .iter()
            .find(|p| !before.actions.iter().any(|a| a.id == p.action_id))
        {
            return Err(StoreError::Refused(format!(
                "Action {} is not on this CAF's plan",
                stranger.action_id
            )));
        }
        let rescored: Vec<String> = review
            .scores
            .iter()
            .map(|s| s.need.trim().to_lowercase())
            .collect();
        if let Some((need, _)) = before
            .current_indicators()
            .into_iter()
            .find(|(need, _)| !rescored.contains(&need.to_lowercase()))
        {
            return Err(StoreError::Refused(format!(
                "Score “{need}” again with the family: every Parent/Child Indicator is re-scored at a review"
            )));
        }
        let number = before.reviews.len() as i64 + 1;
        if let ConsentCheck::Resought { agencies } = &review.consent {
            let given_by = latest_givers(&mut tx, caf.id).await?;
            let consent = SharingConsent {
                given_by,
                on: review.held_on,
                signed_copy_kept: format!("Re-sought at review {number}"),
                agencies: agencies.clone(),
            };
            insert_sharing_consent(
                &mut tx,
                &caf,
                now,
                actor.user_id,
                &consent,
                &format!(" at review {number}"),
            )
            .await?;
        }
        rescore(&mut tx, caf.id, now, actor.user_id, review).await?;
        let updated = sqlx::query(
            "UPDATE cafs SET state = $1, next_review_on = $2, revision = revision + 1 \
             WHERE id = $3 AND revision = $4",
        )
        .bind(next_state.code())
        .bind(match decision {
            Decision::Continue => review.next_review_on.map(|d| d.to_string()),
            Decision::StepUp | Decision::Close => None,
        })
        .bind(caf.id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(stale_caf(&mut tx, caf.id).await);
        }
        let version: i64 = sqlx::query(
            "SELECT COALESCE(MAX(number), 0) + 1 AS next FROM caf_versions WHERE caf_id = $1",
        )
        .bind(caf.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("next")?;
        let review_json =
            serde_json::to_string(review).map_err(|e| StoreError::Refused(e.to_string()))?;
        sqlx::query(
            "INSERT INTO caf_reviews (caf_id, number, held_on, decision, review, version, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(caf.id)
        .bind(number)
        .bind(review.held_on.to_string())
        .bind(decision.code())
        .bind(review_json)
        .bind(version)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        let decided = match decision {
            Decision::Continue => format!(
                "carry on, next review by {}",
                review
                    .next_review_on
                    .map(|d| d.format("%-d %B %Y").to_string())
                    .unwrap_or_default()
            ),
            Decision::StepUp => "step up".into(),
            Decision::Close => "close the CAF".into(),
        };
        events::record(
            &mut tx,
            caf.id,
            now,
            Some(actor.user_id),
            Event {
                kind: "review.held",
                summary: format!(
                    "Review {number} held ({}); actions undertaken: {}; {} scored; decision: {decided}; version {version}",
                    review.setting_label().to_lowercase(),
                    review.undertaken_label().to_lowercase(),
                    plural(review.scores.len(), "indicator", "indicators"),
                ),
                occurred_on: Some(review.held_on),
                significant: true,
                detail: serde_json::json!({
                    "review": number,
                    "version": version,
                    "decision": decision.code(),
                    "next_review_on": review.next_review_on,
                }),
            },
        )
        .await?;
        touch(&mut tx, caf.id, now, actor.user_id).await?;
        // The version holds the CAF as the review left it: new scores, consent, decision.
        let after = {
            let mut caf = caf.clone();
            caf.state = next_state;
            caf.revision = expected_revision + 1;
            content(&mut tx, &caf, &wording).await?
        };
        let reason = format!(
            "Review {number} held on {}",
            review.held_on.format("%-d %B %Y")
        );
        freeze(
            &mut tx,
            &after,
            Frozen {
                number: version,
                at: now,
                user_id: actor.user_id,
                reason: &reason,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ReviewRecorded {
            number,
            version,
            decision,
        })
    }
}

/// Write the review's scores into the priorities section, so the CAF (and the version the
/// review freezes) carries them: existing indicators keep their order, new ones follow.
async fn rescore(tx: &mut Tx, caf_id: i64, now: i64, user_id: i64, review: &Review) -> Result<()> {
    let row = sqlx::query(
        "SELECT id, content FROM caf_sections WHERE caf_id = $1 AND section = $2 AND child_id IS NULL",
    )
    .bind(caf_id)
    .bind(PRIORITIES)
    .fetch_optional(&mut **tx)
    .await?;
    let indicators: Vec<serde_json::Value> = review
        .scores
        .iter()
        .map(|s| serde_json::json!({ "need": s.need.trim(), "score": s.score }))
        .collect();
    match row {
        Some(row) => {
            let mut content: serde_json::Value =
                serde_json::from_str(&row.try_get::<String, _>("content")?).unwrap_or_default();
            if !content.is_object() {
                content = serde_json::json!({});
            }
            content["indicators"] = serde_json::Value::Array(indicators);
            sqlx::query(
                "UPDATE caf_sections SET content = $1, revision = revision + 1, updated_at = $2, updated_by = $3 WHERE id = $4",
            )
            .bind(content.to_string())
            .bind(now)
            .bind(user_id)
            .bind(row.try_get::<i64, _>("id")?)
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO caf_sections (caf_id, section, child_id, status, content, revision, updated_at, updated_by) \
                 VALUES ($1, $2, NULL, $3, $4, 1, $5, $6)",
            )
            .bind(caf_id)
            .bind(PRIORITIES)
            .bind(SectionStatus::Complete.code())
            .bind(serde_json::json!({ "indicators": indicators }).to_string())
            .bind(now)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
