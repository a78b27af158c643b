//! Personal API tokens: made by a user for themselves, shown once, stored as a digest,
//! revocable, and always expiring.
use crate::audit::{record, AuditEntry};
use crate::{from_ms, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Duration, Utc};
use ecaf_domain::credentials::{random_secret, secret_digest};
use serde::Serialize;
use sqlx::Row;

/// The prefix makes a leaked token recognisable (e.g. by secret scanners).
pub const TOKEN_PREFIX: &str = "ecaf_";

/// A token as listed to its owner (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

impl Store {
    /// Create a token for `user_id`; returns its id and the secret to show once.
    pub async fn create_api_token(
        &self,
        by: &Attribution,
        user_id: i64,
        name: &str,
        lifetime: Duration,
    ) -> Result<(i64, String)> {
        let secret = format!("{TOKEN_PREFIX}{}", random_secret());
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_digest, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(secret_digest(&secret))
        .bind(now)
        .bind(now + lifetime.num_milliseconds())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("api_token.create").record("api_token", id),
        )
        .await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// The user a bearer secret belongs to, if it is valid, unrevoked and unexpired. Its use
    /// is recorded (`last_used_at` and an `api_token.use` audit row, in one transaction) at
    /// most once a minute, like a session's: a request then makes at most one commit of its
    /// own (its audit row), not two. Every read or change of data is audited by itself.
    pub async fn authenticate_api_token(
        &self,
        secret: &str,
        by: &Attribution,
    ) -> Result<Option<(i64, i64)>> {
        let now = self.now_ms();
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_digest = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.active = 1",
        )
        .bind(secret_digest(secret))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token_id: i64 = row.try_get("id")?;
        let user_id: i64 = row.try_get("user_id")?;
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_some_and(|at| now - at < USE_RECORDED_EVERY_MS) {
            return Ok(Some((token_id, user_id)));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token_id)
            .execute(&mut *tx)
            .await?;
        let by = Attribution {
            user_id: Some(user_id),
            ..by.clone()
        };
        record(
            &mut tx,
            now,
            &by,
            AuditEntry::new("api_token.use").record("api_token", token_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((token_id, user_id)))
    }

    /// The user's own tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: from_ms(r.try_get("created_at")?),
                    expires_at: from_ms(r.try_get("expires_at")?),
                    revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(from_ms),
                    last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(from_ms),
                })
            })
            .collect()
    }

    /// Revoke one of the user's own tokens (scoped by owner: another user's id is "not found").
    pub async fn revoke_api_token(
        &self,
        by: &Attribution,
        user_id: i64,
        token_id: i64,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(token_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("api_token.revoke").record("api_token", token_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many of the user's tokens still work (to offer revoking them).
    pub async fn usable_api_token_count(&self, user_id: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(user_id)
        .bind(self.now_ms())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }
}

/// How often a token's use is written down.
const USE_RECORDED_EVERY_MS: i64 = 60_000;

/// Revoke every token of a user that still works, inside the caller's transaction (a
/// password change or "sign out everywhere" that asked for it). Returns how many.
pub(crate) async fn revoke_all(tx: &mut Tx, now: i64, user_id: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}
