//! Sign-in sessions, stored in the database so that several `ecaf serve` instances share them.
//! The cookie carries a random secret; only its SHA-256 is stored.
use crate::audit::{self, AuditEntry};
use crate::{Attribution, Result, Store};
use chrono::Duration;
use ecaf_domain::credentials::{random_secret, secret_digest};
use sqlx::Row;

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
        }
    }
}

/// A new session: the secret goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub digest: String,
    pub csrf_token: String,
}

/// A live session found from a cookie.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub digest: String,
    pub user_id: i64,
    pub csrf_token: String,
}

/// Why a cookie did not give a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionLookup {
    Unknown,
    Expired,
}

impl Store {
    /// Start a session for a user who has just proved who they are.
    pub async fn create_session(
        &self,
        user_id: i64,
        source_address: Option<&str>,
    ) -> Result<NewSession> {
        let secret = random_secret();
        let digest = secret_digest(&secret);
        let csrf_token = random_secret();
        let now = self.now_ms();
        sqlx::query(
            "INSERT INTO sessions (id_digest, user_id, csrf_token, created_at, last_seen_at, source_address) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(&digest)
        .bind(user_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(source_address)
        .execute(self.pool())
        .await?;
        Ok(NewSession {
            secret,
            digest,
            csrf_token,
        })
    }

    /// Find the session for a cookie secret, ending it if it has been idle or alive too long,
    /// and otherwise recording this use. Only active users' sessions count.
    pub async fn session(
        &self,
        secret: &str,
        policy: SessionPolicy,
    ) -> Result<std::result::Result<ActiveSession, SessionLookup>> {
        let digest = secret_digest(secret);
        let row = sqlx::query(
            "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.id_digest = $1 AND u.active = 1",
        )
        .bind(&digest)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(Err(SessionLookup::Unknown));
        };
        let now = self.now_ms();
        let created: i64 = row.try_get("created_at")?;
        let last_seen: i64 = row.try_get("last_seen_at")?;
        if now - last_seen > policy.idle_timeout.num_milliseconds()
            || now - created > policy.absolute_timeout.num_milliseconds()
        {
            self.end_session(&digest).await?;
            return Ok(Err(SessionLookup::Expired));
        }
        // Recorded on every use (at most once a second), so the idle timeout counts from the
        // last use itself: touching only once a minute would end a session up to a minute
        // early or late.
        if now - last_seen >= 1_000 {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_digest = $2")
                .bind(now)
                .bind(&digest)
                .execute(self.pool())
                .await?;
        }
        Ok(Ok(ActiveSession {
            digest,
            user_id: row.try_get("user_id")?,
            csrf_token: row.try_get("csrf_token")?,
        }))
    }

    pub async fn end_session(&self, digest: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_digest = $1")
            .bind(digest)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// "Sign out everywhere": end every session of the user, and revoke their API tokens
    /// too if they asked, with the audit row in the same transaction. Returns how many
    /// sessions ended and how many tokens were revoked.
    pub async fn sign_out_everywhere(
        &self,
        by: &Attribution,
        user_id: i64,
        revoke_api_tokens: bool,
    ) -> Result<(u64, u64)> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let revoked = if revoke_api_tokens {
            crate::tokens::revoke_all(&mut tx, now, user_id).await?
        } else {
            0
        };
        audit::record(
            &mut tx,
            now,
            by,
            AuditEntry::new("sign_out.everywhere")
                .record("user", user_id)
                .detail(format!(
                    "{ended} sessions ended; {revoked} API tokens revoked"
                )),
        )
        .await?;
        tx.commit().await?;
        Ok((ended, revoked))
    }

    /// Remove sessions past the absolute timeout (housekeeping; lookups refuse them anyway).
    pub async fn purge_expired_sessions(&self, policy: SessionPolicy) -> Result<u64> {
        let now = self.now_ms();
        let done = sqlx::query("DELETE FROM sessions WHERE created_at < $1 OR last_seen_at < $2")
            .bind(now - policy.absolute_timeout.num_milliseconds())
            .bind(now - policy.idle_timeout.num_milliseconds())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// How many sessions a user has (for the account page).
    pub async fn session_count(&self, user_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}
