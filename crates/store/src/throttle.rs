//! Throttling of failed sign-ins per account and per source address, kept in the database so
//! that every instance sees the same counts.
use crate::{Result, Store};
use chrono::Duration;
use sqlx::Row;

/// Limits on failed sign-ins within a window.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub per_account: i64,
    pub per_address: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            per_account: 5,
            per_address: 20,
        }
    }
}

/// Which limit was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    Account,
    Address,
}

impl Store {
    /// Whether a sign-in for this email from this address should be refused before checking
    /// the password.
    pub async fn sign_in_throttled(
        &self,
        email: &str,
        source_address: &str,
        policy: ThrottlePolicy,
    ) -> Result<Option<Throttled>> {
        let since = self.now_ms() - policy.window.num_milliseconds();
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE email = $1 AND at >= $3) AS by_account, \
             (SELECT COUNT(*) FROM sign_in_failures WHERE source_address = $2 AND at >= $3) AS by_address",
        )
        .bind(email)
        .bind(source_address)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        let by_account: i64 = row.try_get("by_account")?;
        let by_address: i64 = row.try_get("by_address")?;
        Ok(if by_account >= policy.per_account {
            Some(Throttled::Account)
        } else if by_address >= policy.per_address {
            Some(Throttled::Address)
        } else {
            None
        })
    }

    /// Count a failed sign-in.
    pub async fn record_sign_in_failure(&self, email: &str, source_address: &str) -> Result<()> {
        sqlx::query("INSERT INTO sign_in_failures (email, source_address, at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(source_address)
            .bind(self.now_ms())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A successful sign-in clears the account's failures.
    pub async fn clear_sign_in_failures(&self, email: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE email = $1")
            .bind(email)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
