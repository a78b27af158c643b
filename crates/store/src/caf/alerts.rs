//! Alerts on every open CAF, computed (never stored) from the facts `domain::caf::alerts`
//! needs, with the local rules an administrator has switched on: over the whole area from the
//! process's copy of it (`area`), for a practitioner's or manager's home page from one
//! set-based read of theirs with the access decision per CAF.
use crate::audit::{self, AuditEntry};
use crate::outbox::{Enqueued, Notification};
use crate::{Attribution, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use ecaf_domain::access::{Actor, ConfigureAlerts, Grant, Role};
use ecaf_domain::caf::alerts::{Alert, CafFacts, LocalRules, SharingConsent};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::step_up::Referral;
use ecaf_domain::caf::wording::Wording;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

/// The columns every alert and home-page read takes from an open CAF `c`; `$1` is today.
pub(super) const FACTS: &str = "c.id, c.reference, c.state, c.opened_on, c.next_review_on, c.lead_status, \
     c.assessor_id, c.lead_professional_id, c.step_up, \
     (SELECT COUNT(*) FROM caf_actions x WHERE x.caf_id = c.id AND x.due_on < $1 AND x.status NOT IN ('done', 'not_done')) AS overdue_actions, \
     (SELECT COUNT(*) FROM caf_consents k WHERE k.caf_id = c.id AND k.stage = 'sharing') AS sharing, \
     (SELECT COUNT(*) FROM caf_consents k WHERE k.caf_id = c.id AND k.withdrawn_on IS NOT NULL) AS withdrawn, \
     (SELECT COUNT(*) FROM caf_consents k WHERE k.caf_id = c.id AND k.stage = 'sharing' AND k.withdrawn_on IS NOT NULL \
        AND k.id = (SELECT MAX(id) FROM caf_consents WHERE caf_id = c.id AND stage = 'sharing')) AS latest_withdrawn, \
     (SELECT v.at FROM caf_versions v WHERE v.caf_id = c.id AND v.number = 1) AS signed_off_at, \
     (SELECT COUNT(*) FROM caf_reviews r WHERE r.caf_id = c.id) AS reviews_held";

/// One open CAF's facts as read, with who holds it.
#[derive(Clone)]
pub(super) struct Read {
    pub id: i64,
    pub reference: String,
    pub assessor_id: Option<i64>,
    pub lead_professional_id: Option<i64>,
    pub facts: CafFacts,
    /// Some sharing consent was ever given / withdrawn, as the access decision reads them.
    pub ever_shared: bool,
    pub ever_withdrawn: bool,
}

fn date(row: &AnyRow, column: &str) -> Result<Option<NaiveDate>> {
    Ok(row
        .try_get::<Option<String>, _>(column)?
        .and_then(|d| d.parse().ok()))
}

pub(super) fn read(row: &AnyRow) -> Result<Read> {
    let state: String = row.try_get("state")?;
    let state = CafState::parse(&state)
        .ok_or_else(|| StoreError::Refused(format!("unknown CAF state {state}")))?;
    let count = |c: &str| -> Result<i64> { Ok(row.try_get::<i64, _>(c)?) };
    let lead_professional_id: Option<i64> = row.try_get("lead_professional_id")?;
    let sharing_consent = if count("latest_withdrawn")? > 0 {
        SharingConsent::Withdrawn
    } else if count("sharing")? > 0 {
        SharingConsent::Given
    } else {
        SharingConsent::NotRecorded
    };
    let referred_on = row
        .try_get::<Option<String>, _>("step_up")?
        .and_then(|t| serde_json::from_str::<Referral>(&t).ok())
        .map(|r| r.referred_on);
    Ok(Read {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        assessor_id: row.try_get("assessor_id")?,
        lead_professional_id,
        ever_shared: count("sharing")? > 0,
        ever_withdrawn: count("withdrawn")? > 0,
        facts: CafFacts {
            state,
            opened_on: date(row, "opened_on")?.unwrap_or_default(),
            signed_off_on: row
                .try_get::<Option<i64>, _>("signed_off_at")?
                .map(|ms| crate::from_ms(ms).date_naive()),
            next_review_on: date(row, "next_review_on")?,
            has_lead_professional: lead_professional_id.is_some(),
            lead_status: row.try_get("lead_status")?,
            overdue_actions: count("overdue_actions")?,
            sharing_consent,
            referred_on,
            reviews_held: count("reviews_held")?,
        },
    })
}

/// A local rule an administrator may switch on.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRule {
    pub code: String,
    pub enabled: bool,
    pub threshold: i64,
    /// What it checks, in words, and the unit of its threshold.
    pub label: &'static str,
    pub unit: &'static str,
}

/// The rules' codes, what they check, and their threshold's unit and bounds.
pub const ALERT_RULES: &[(&str, &str, &str, i64, i64)] = &[
    (
        "draft_unfinished",
        "An assessment not signed off this long after the CAF was opened",
        "days",
        1,
        365,
    ),
    (
        "no_review_held",
        "No review held this long after the assessment was signed off",
        "months",
        1,
        12,
    ),
];

/// An alert on an open CAF, with whom it is for: its assessor and lead professional, their
/// line managers and deputies, and (for some kinds) the early help team.
#[derive(Debug, Clone, Serialize)]
pub struct OpenAlert {
    pub caf_id: i64,
    pub reference: String,
    #[serde(flatten)]
    pub alert: Alert,
    /// What to do, in the service's words.
    pub what_to_do: String,
    /// Where to do it.
    pub href: String,
    /// The assessor and lead professional.
    pub holders: Vec<i64>,
    /// The holders' line managers and deputies.
    pub managers: Vec<i64>,
    pub for_early_help_team: bool,
}

impl OpenAlert {
    /// Whether `actor` is told of it.
    pub fn is_for(&self, actor: &Actor) -> bool {
        self.holders.contains(&actor.user_id)
            || self.managers.contains(&actor.user_id)
            || (self.for_early_help_team && actor.has(Role::EarlyHelpTeam))
    }
}

impl Store {
    /// Queue a notification of every open CAF's alerts for its assessor and lead professional
    /// (and their managers, for the alerts that are for oversight). The key names the alert,
    /// the CAF and the day it is about, so however often this runs, and on however many
    /// instances, each person is told of each occasion once. Returns how many were queued.
    pub async fn queue_alert_notifications(
        &self,
        now: DateTime<Utc>,
        wording: &Wording,
    ) -> Result<usize> {
        let found = self.open_alerts(now, wording).await?;
        let mut queued = 0;
        // A few hundred to a transaction: one commit (one fsync) per batch, not per mail.
        for batch in found.chunks(500) {
            let mut tx = self.begin_write().await?;
            for open in batch {
                let key = format!(
                    "{}:caf:{}:{}",
                    open.alert.kind.code(),
                    open.caf_id,
                    open.alert.on.map(|d| d.to_string()).unwrap_or_default()
                );
                let mut people: BTreeSet<i64> = open.holders.iter().copied().collect();
                if open.alert.kind.mails_managers() {
                    people.extend(open.managers.iter().copied());
                }
                let notification =
                    Notification::new(open.alert.kind.notification(), key, open.href.clone());
                for user in people {
                    if matches!(
                        self.enqueue_notification_tx(&mut tx, user, &notification)
                            .await?,
                        Enqueued::Queued(_) | Enqueued::Held(_)
                    ) {
                        queued += 1;
                    }
                }
            }
            tx.commit().await?;
        }
        Ok(queued)
    }

    /// The local rules, as switched on or off.
    pub async fn alert_rules(&self) -> Result<Vec<AlertRule>> {
        let rows = sqlx::query("SELECT code, enabled, threshold FROM alert_rules")
            .fetch_all(self.pool())
            .await?;
        let mut stored: HashMap<String, (bool, i64)> = HashMap::new();
        for r in rows {
            stored.insert(
                r.try_get("code")?,
                (
                    r.try_get::<i64, _>("enabled")? != 0,
                    r.try_get("threshold")?,
                ),
            );
        }
        Ok(ALERT_RULES
            .iter()
            .map(|(code, label, unit, _, _)| {
                let (enabled, threshold) = stored.get(*code).copied().unwrap_or((false, 1));
                AlertRule {
                    code: (*code).into(),
                    enabled,
                    threshold,
                    label,
                    unit,
                }
            })
            .collect())
    }

    pub(super) async fn local_rules(&self) -> Result<LocalRules> {
        let rules = self.alert_rules().await?;
        let on = |code: &str| {
            rules
                .iter()
                .find(|r| r.code == code && r.enabled)
                .map(|r| r.threshold)
        };
        Ok(LocalRules {
            draft_unfinished_after_days: on("draft_unfinished"),
            no_review_after_months: on("no_review_held").and_then(|m| u32::try_from(m).ok()),
        })
    }

    /// Switch the local rules on or off and set their thresholds, audited in the same
    /// transaction. `changes` is (code, enabled, threshold); a threshold out of bounds is
    /// refused and nothing changes.
    pub async fn set_alert_rules(
        &self,
        grant: &Grant<ConfigureAlerts>,
        by: &Attribution,
        changes: &[(String, bool, i64)],
    ) -> Result<()> {
        for (code, _, threshold) in changes {
            let Some((_, _, unit, low, high)) = ALERT_RULES.iter().find(|r| r.0 == code) else {
                return Err(StoreError::Refused(format!("There is no rule {code}")));
            };
            if !(*low..=*high).contains(threshold) {
                return Err(StoreError::Refused(format!(
                    "Enter a number of {unit} from {low} to {high}"
                )));
            }
        }
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        for (code, enabled, threshold) in changes {
            sqlx::query(
                "UPDATE alert_rules SET enabled = $1, threshold = $2, updated_at = $3, updated_by = $4 WHERE code = $5",
            )
            .bind(crate::flag(*enabled))
            .bind(threshold)
            .bind(now)
            .bind(grant.actor_id())
            .bind(code)
            .execute(&mut *tx)
            .await?;
            audit::record(
                &mut tx,
                now,
                by,
                AuditEntry::new("alert_rule.update")
                    .record("alert_rule", code)
                    .detail(format!(
                        "{code}: {}, threshold {threshold}",
                        if *enabled { "on" } else { "off" }
                    )),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every alert on every open CAF today (`now`, by the injected clock or a job's), with
    /// whom each is for. A pure read: nothing is written, so a job may call it as often as
    /// it likes; what it does with the alerts (mail, digests) is its own.
    pub async fn open_alerts(
        &self,
        now: DateTime<Utc>,
        wording: &Wording,
    ) -> Result<Vec<OpenAlert>> {
        let today = now.date_naive();
        let rules = self.local_rules().await?;
        let area = self.area(today, rules).await?;
        let managers_of = |user: &i64| {
            area.people
                .users
                .get(user)
                .map(|u| [u.line_manager_id, u.deputy_id])
                .into_iter()
                .flatten()
                .flatten()
        };
        let mut cafs: Vec<&super::area::AreaCaf> = area.cafs.values().collect();
        cafs.sort_by_key(|held| held.caf.id);
        let mut found = vec![];
        for held in cafs {
            let caf = &held.caf;
            let holders: Vec<i64> = [caf.assessor_id, caf.lead_professional_id]
                .into_iter()
                .flatten()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let their_managers: Vec<i64> = holders
                .iter()
                .flat_map(managers_of)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            for alert in &held.alerts {
                found.push(OpenAlert {
                    caf_id: caf.id,
                    reference: caf.reference.clone(),
                    what_to_do: alert.what_to_do(wording),
                    href: format!("/cafs/{}{}", caf.id, alert.kind.path()),
                    for_early_help_team: alert.kind.for_early_help_team(),
                    holders: holders.clone(),
                    managers: their_managers.clone(),
                    alert: alert.clone(),
                });
            }
        }
        Ok(found)
    }

    /// The alerts `actor` is told of today, the reading audited.
    pub async fn alerts_for(
        &self,
        actor: &Actor,
        by: &Attribution,
        now: DateTime<Utc>,
        wording: &Wording,
    ) -> Result<Vec<OpenAlert>> {
        let theirs: Vec<OpenAlert> = self
            .open_alerts(now, wording)
            .await?
            .into_iter()
            .filter(|a| a.is_for(actor))
            .collect();
        let mut tx = self.begin_write().await?;
        audit::record(
            &mut tx,
            self.now_ms(),
            by,
            AuditEntry::new("caf.alerts_view")
                .record("user", actor.user_id)
                .detail(format!("{} alerts listed", theirs.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(theirs)
    }
}
