//! The outbox: email waiting to be sent, one row per mail to one user, and what each user
//! chose to receive.
//!
//! A row is queued in the same transaction as whatever made it necessary, so a mail exists if
//! and only if its cause was committed. Senders claim rows with a lease (`sending` until
//! `claimed_until`), deliver them and mark them `sent`; what that guarantees in each crash
//! window is written out in `docs/RELIABILITY.md` ("Email").
//!
//! No case details go into a row: subject and body come from the fixed texts of
//! [`NotificationKind`], and the link is checked to hold identifiers only.
use crate::audit::{self, AuditEntry};
use crate::{flag, from_ms, Attribution, Backend, Result, Store, StoreError, Tx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ecaf_domain::notification::{
    digest_summary, is_safe_link_path, retry_delay, NotificationKind, MAX_ATTEMPTS,
};
use serde::Serialize;
use sqlx::Row;

/// Something to tell one user. Build it with [`Notification::new`]; it carries no text of its
/// own, only which kind it is (whose fixed words are mailed), a key and a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub kind: NotificationKind,
    /// Unique per user: the same key queued twice for one user is queued once. Make it name
    /// the occasion, e.g. `review_overdue:caf:12:2027-01-06`.
    pub key: String,
    /// Mailed at once (if the user wants urgent mail), or kept for the daily digest.
    pub urgent: bool,
    /// The page to look at, identifiers only (`/cafs/12/plan`); the mail links to it under
    /// the service's public URL.
    pub link_path: String,
}

impl Notification {
    pub fn new(
        kind: NotificationKind,
        key: impl Into<String>,
        link_path: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            key: key.into(),
            urgent: kind.urgent_by_default(),
            link_path: link_path.into(),
        }
    }

    pub fn urgent(mut self, urgent: bool) -> Self {
        self.urgent = urgent;
        self
    }
}

/// What became of an enqueued notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// To be mailed at once (row id).
    Queued(i64),
    /// Kept for the user's daily digest (row id).
    Held(i64),
    /// A notification with this key was already queued for this user: nothing new.
    AlreadyQueued,
    /// The user does not receive this (switched off, or their account is deactivated).
    NotWanted,
}

/// What a user receives by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NotificationPreferences {
    /// Urgent items (an overdue review, a follow-up due within 48 hours…) mailed at once.
    /// Switched off, they go into the daily digest instead.
    pub urgent_emails: bool,
    /// One mail a day gathering everything else.
    pub daily_digest: bool,
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        Self {
            urgent_emails: true,
            daily_digest: true,
        }
    }
}

/// A row claimed for sending by one sender, with its recipient.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub id: i64,
    pub to_email: String,
    pub to_name: String,
    pub kind: String,
    pub subject: String,
    /// The fixed sentence of what to look at.
    pub body: String,
    pub link_path: String,
    /// Including this one.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

/// A claim: the rows it holds and the lease token that marks them.
#[derive(Debug)]
pub struct Claim {
    pub token: String,
    pub mails: Vec<ClaimedMail>,
}

/// What became of a mail whose delivery failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Queued again for this time.
    RetryAt(DateTime<Utc>),
    /// Given up: a permanent refusal, or the last attempt.
    GivenUp,
}

/// Counts of the outbox by state and the mails given up, for administrators.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutboxSummary {
    pub held: i64,
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub recent_failures: Vec<FailedMail>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedMail {
    pub id: i64,
    pub to_email: String,
    pub kind: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
}

/// The longest dedupe key accepted.
const KEY_MAX_CHARS: usize = 200;

impl Store {
    /// Queue a notification for a user, in its own transaction. Idempotent on
    /// (user, key). See [`Store::enqueue_notification_tx`].
    pub async fn enqueue_notification(
        &self,
        user_id: i64,
        notification: &Notification,
    ) -> Result<Enqueued> {
        let mut tx = self.begin_write().await?;
        let done = self
            .enqueue_notification_tx(&mut tx, user_id, notification)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Queue a notification inside the caller's transaction, so it is sent if and only if
    /// the change that caused it commits. A second notification with the same key for the
    /// same user changes nothing (`ON CONFLICT DO NOTHING` on both databases). The user's
    /// choices apply: an urgent one goes into the digest if they switched urgent mail off,
    /// and nothing is queued if they receive neither (or their account is deactivated).
    pub async fn enqueue_notification_tx(
        &self,
        tx: &mut Tx,
        user_id: i64,
        notification: &Notification,
    ) -> Result<Enqueued> {
        let key = notification.key.trim();
        if key.is_empty() || key.chars().count() > KEY_MAX_CHARS {
            return Err(StoreError::Refused(format!(
                "a notification key must be 1 to {KEY_MAX_CHARS} characters"
            )));
        }
        if !is_safe_link_path(&notification.link_path) {
            return Err(StoreError::Refused(
                "a notification's link must be a path of identifiers, like /cafs/12".into(),
            ));
        }
        if notification.kind == NotificationKind::Digest {
            return Err(StoreError::Refused(
                "digests are made by the daily digest job".into(),
            ));
        }
        let active: Option<i64> = sqlx::query("SELECT active FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.get(0));
        match active {
            None => return Err(StoreError::NotFound),
            Some(0) => return Ok(Enqueued::NotWanted),
            Some(_) => {}
        }
        let wants = preferences_in(tx, user_id).await?;
        let state = if notification.urgent && wants.urgent_emails {
            "queued"
        } else if wants.daily_digest {
            "held"
        } else {
            return Ok(Enqueued::NotWanted);
        };
        let kind = notification.kind;
        let now = self.now_ms();
        let id: Option<i64> = sqlx::query(
            "INSERT INTO outbox (user_id, dedupe_key, kind, urgency, subject, body, link_path, \
             state, created_at, send_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id",
        )
        .bind(user_id)
        .bind(key)
        .bind(kind.code())
        .bind(if state == "queued" {
            "urgent"
        } else {
            "digest"
        })
        .bind(kind.subject())
        .bind(kind.what_to_look_at())
        .bind(&notification.link_path)
        .bind(state)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.get(0));
        Ok(match (id, state) {
            (None, _) => Enqueued::AlreadyQueued,
            (Some(id), "queued") => Enqueued::Queued(id),
            (Some(id), _) => Enqueued::Held(id),
        })
    }

    /// What a user receives (both on until they choose).
    pub async fn notification_preferences(&self, user_id: i64) -> Result<NotificationPreferences> {
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query(
            "SELECT urgent_emails, daily_digest FROM notification_preferences WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(row.map_or_else(NotificationPreferences::default, |r| {
            NotificationPreferences {
                urgent_emails: r.get::<i64, _>(0) != 0,
                daily_digest: r.get::<i64, _>(1) != 0,
            }
        }))
    }

    /// Save what a user receives, audited in the same transaction.
    pub async fn set_notification_preferences(
        &self,
        by: &Attribution,
        user_id: i64,
        wants: NotificationPreferences,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let now = self.now_ms();
        sqlx::query(
            "INSERT INTO notification_preferences (user_id, urgent_emails, daily_digest, \
             updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
             urgent_emails = excluded.urgent_emails, daily_digest = excluded.daily_digest, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(flag(wants.urgent_emails))
        .bind(flag(wants.daily_digest))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let on_off = |on: bool| if on { "on" } else { "off" };
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("notifications.preferences")
                .record("user", user_id)
                .detail(format!(
                    "urgent emails {}, daily digest {}",
                    on_off(wants.urgent_emails),
                    on_off(wants.daily_digest)
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claim up to `limit` mails that are due — queued and past their back-off, or left
    /// `sending` by a sender whose lease has passed — for `lease`, under a fresh token made
    /// from `instance`. Each claim counts as an attempt. On PostgreSQL, concurrent senders
    /// skip each other's locked rows (`FOR UPDATE SKIP LOCKED`), and the outer condition is
    /// checked again on the locked row; SQLite has one writer at a time (`BEGIN IMMEDIATE`).
    /// Rows left `sending` after their last attempt, and rows for a deactivated account,
    /// are given up here.
    pub async fn claim_mail(&self, instance: &str, lease: Duration, limit: i64) -> Result<Claim> {
        let token = format!("{instance}/{}", uuid::Uuid::new_v4().simple());
        let now = self.now_ms();
        let until = now + lease.num_milliseconds();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE outbox SET state = 'failed', claimed_until = NULL, \
             last_error = 'the recipient''s account is deactivated' \
             WHERE state IN ('queued', 'held') \
             AND user_id IN (SELECT id FROM users WHERE active = 0)",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE outbox SET state = 'failed', claimed_until = NULL, \
             last_error = 'no confirmation from the last attempt (the sender stopped)' \
             WHERE state = 'sending' AND claimed_until < $1 AND attempts >= $2",
        )
        .bind(now)
        .bind(i64::from(MAX_ATTEMPTS))
        .execute(&mut *tx)
        .await?;
        let due = "((state = 'queued' AND send_after <= $3) \
                   OR (state = 'sending' AND claimed_until < $3))";
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET state = 'sending', claimed_by = $1, claimed_until = $2, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT $4 {lock}) \
             AND {due} RETURNING id"
        );
        let claimed = sqlx::query(&sql)
            .bind(&token)
            .bind(until)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mails = if claimed.is_empty() {
            vec![]
        } else {
            sqlx::query(
                "SELECT o.id, u.email, u.name, o.kind, o.subject, o.body, o.link_path, \
                 o.attempts, o.created_at FROM outbox o JOIN users u ON u.id = o.user_id \
                 WHERE o.claimed_by = $1 AND o.state = 'sending' ORDER BY o.id",
            )
            .bind(&token)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| ClaimedMail {
                id: r.get(0),
                to_email: r.get(1),
                to_name: r.get(2),
                kind: r.get(3),
                subject: r.get(4),
                body: r.get(5),
                link_path: r.get(6),
                attempts: r.get(7),
                created_at: from_ms(r.get(8)),
            })
            .collect()
        };
        tx.commit().await?;
        Ok(Claim { token, mails })
    }

    /// Mark a claimed mail sent. False if the claim had been lost (its lease passed and
    /// another sender took it), in which case that sender marks it.
    pub async fn mark_mail_sent(&self, token: &str, id: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = $1, claimed_until = NULL, \
             last_error = NULL WHERE id = $2 AND claimed_by = $3 AND state = 'sending'",
        )
        .bind(self.now_ms())
        .bind(id)
        .bind(token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done == 1)
    }

    /// Record a failed delivery: queued again after a back-off growing with the attempts,
    /// or given up after a permanent refusal or the last attempt.
    pub async fn mark_mail_failed(
        &self,
        token: &str,
        id: i64,
        error: &str,
        permanent: bool,
    ) -> Result<Failure> {
        let mut tx = self.begin_write().await?;
        let attempts: Option<i64> = sqlx::query(
            "SELECT attempts FROM outbox WHERE id = $1 AND claimed_by = $2 AND state = 'sending'",
        )
        .bind(id)
        .bind(token)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get(0));
        let Some(attempts) = attempts else {
            return Err(StoreError::NotFound);
        };
        let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
        let error = audit::capped(error, audit::KEPT_CHARS);
        let fate = if permanent || attempts >= MAX_ATTEMPTS {
            sqlx::query(
                "UPDATE outbox SET state = 'failed', claimed_until = NULL, last_error = $1 \
                 WHERE id = $2",
            )
            .bind(&error)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            Failure::GivenUp
        } else {
            let at = self.clock().now() + retry_delay(attempts);
            sqlx::query(
                "UPDATE outbox SET state = 'queued', claimed_until = NULL, last_error = $1, \
                 send_after = $2 WHERE id = $3",
            )
            .bind(&error)
            .bind(at.timestamp_millis())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            Failure::RetryAt(at)
        };
        tx.commit().await?;
        Ok(fate)
    }

    /// Gather each user's held notifications into one digest mail for `day` (London), queued
    /// at once. Idempotent: a user's digest for a day is made once (its key is
    /// `digest:{day}`); what is held after it waits for the next day's. Returns how many
    /// digests were made.
    pub async fn gather_digests(&self, day: NaiveDate) -> Result<i64> {
        let users: Vec<i64> = {
            let mut conn = self.pool().acquire().await?;
            sqlx::query("SELECT DISTINCT user_id FROM outbox WHERE state = 'held' ORDER BY user_id")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect()
        };
        let mut made = 0;
        for user_id in users {
            let mut tx = self.begin_write().await?;
            let counts: Vec<(NotificationKind, usize)> = {
                let rows = sqlx::query(
                    "SELECT kind, COUNT(*) FROM outbox WHERE user_id = $1 AND state = 'held' \
                     GROUP BY kind",
                )
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
                let mut counts: Vec<(NotificationKind, usize)> = rows
                    .iter()
                    .filter_map(|r| {
                        let kind = NotificationKind::from_code(&r.get::<String, _>(0))?;
                        Some((kind, usize::try_from(r.get::<i64, _>(1)).unwrap_or(0)))
                    })
                    .collect();
                counts.sort();
                counts
            };
            let wants = preferences_in(&mut tx, user_id).await?;
            let digest_id: Option<i64> = if wants.daily_digest && !counts.is_empty() {
                let kind = NotificationKind::Digest;
                sqlx::query(
                    "INSERT INTO outbox (user_id, dedupe_key, kind, urgency, subject, body, \
                     link_path, state, created_at, send_after) \
                     VALUES ($1, $2, $3, 'digest', $4, $5, '/', 'queued', $6, $6) \
                     ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id",
                )
                .bind(user_id)
                .bind(format!("digest:{day}"))
                .bind(kind.code())
                .bind(kind.subject())
                .bind(digest_summary(&counts))
                .bind(self.now_ms())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.get(0))
            } else {
                None
            };
            // Without a digest wanted, what was held is dropped (marked digested into
            // nothing): the user chose not to hear of it by email.
            if digest_id.is_some() || !wants.daily_digest {
                sqlx::query(
                    "UPDATE outbox SET state = 'digested', digest_id = $1 \
                     WHERE user_id = $2 AND state = 'held'",
                )
                .bind(digest_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
            made += i64::from(digest_id.is_some());
            tx.commit().await?;
        }
        Ok(made)
    }

    /// The outbox by state, and the most recent mails given up.
    pub async fn outbox_summary(&self) -> Result<OutboxSummary> {
        let mut conn = self.pool().acquire().await?;
        let mut summary = OutboxSummary::default();
        for row in sqlx::query("SELECT state, COUNT(*) FROM outbox GROUP BY state")
            .fetch_all(&mut *conn)
            .await?
        {
            let n: i64 = row.get(1);
            match row.get::<String, _>(0).as_str() {
                "held" => summary.held = n,
                "queued" => summary.queued = n,
                "sending" => summary.sending = n,
                "sent" => summary.sent = n,
                "failed" => summary.failed = n,
                _ => {}
            }
        }
        summary.recent_failures = sqlx::query(
            "SELECT o.id, u.email, o.kind, o.attempts, COALESCE(o.last_error, ''), o.created_at \
             FROM outbox o JOIN users u ON u.id = o.user_id WHERE o.state = 'failed' \
             ORDER BY o.id DESC LIMIT 50",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| FailedMail {
            id: r.get(0),
            to_email: r.get(1),
            kind: r.get(2),
            attempts: r.get(3),
            last_error: r.get(4),
            created_at: from_ms(r.get(5)),
        })
        .collect();
        Ok(summary)
    }
}

async fn preferences_in(tx: &mut Tx, user_id: i64) -> Result<NotificationPreferences> {
    let row = sqlx::query(
        "SELECT urgent_emails, daily_digest FROM notification_preferences WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map_or_else(NotificationPreferences::default, |r| {
        NotificationPreferences {
            urgent_emails: r.get::<i64, _>(0) != 0,
            daily_digest: r.get::<i64, _>(1) != 0,
        }
    }))
}
