//! Throttling of password guesses, kept in the database so that every instance sees the same
//! counts.
//!
//! Each attempt is written (and committed) *before* its password is checked, and only then are
//! the attempts counted. So parallel guesses cannot slip past the limit while an earlier one is
//! still hashing: the k-th attempt to be written sees at least k − 1 others.
//!
//! The limits slow an attacker without locking the owner out:
//! - per account **and** address: a few free failures, then each further attempt must wait
//!   twice as long as the one before since the last failure (1 s, 2 s, 4 s … up to the
//!   window); an attempt refused for not waiting is not a failure and is not kept. Someone guessing from elsewhere does not lock the owner's own browser out;
//! - per address, over all accounts: the same back-off after a larger number of failures, so
//!   one address cannot sweep through many accounts. Behind a load balancer this needs the
//!   client's own address (`--trusted-proxy`), or everyone shares one.
//!
//! A successful sign-in removes that account's attempts from that address.
use crate::{Result, Store};
use chrono::Duration;
use sqlx::Row;

/// Limits on failed password attempts within a window.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// How far back attempts count.
    pub window: Duration,
    /// Failures for one account from one address before the back-off starts.
    pub free_per_account_and_address: i64,
    /// Failures from one address (all accounts) before the back-off starts.
    pub free_per_address: i64,
    /// The first wait of a back-off; each further attempt doubles it, up to `window`.
    pub first_delay: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            free_per_account_and_address: 5,
            free_per_address: 20,
            first_delay: Duration::seconds(1),
        }
    }
}

impl ThrottlePolicy {
    /// The wait required after `earlier` attempts when `free` are allowed without one.
    fn delay_after(&self, earlier: i64, free: i64) -> Option<Duration> {
        if earlier < free {
            return None;
        }
        let doublings = u32::try_from(earlier - free).unwrap_or(u32::MAX).min(30);
        let ms = self
            .first_delay
            .num_milliseconds()
            .saturating_mul(1_i64 << doublings);
        Some(Duration::milliseconds(
            ms.min(self.window.num_milliseconds()),
        ))
    }
}

/// Which limit stopped an attempt, and how long to wait before the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    AccountAndAddress { retry_after: Duration },
    Address { retry_after: Duration },
}

impl Throttled {
    pub fn retry_after(&self) -> Duration {
        match self {
            Throttled::AccountAndAddress { retry_after } | Throttled::Address { retry_after } => {
                *retry_after
            }
        }
    }
}

/// An attempt that has been recorded; it counts as a failure unless it succeeds.
#[derive(Debug, Clone)]
pub struct PasswordAttempt {
    email: String,
    source_address: String,
}

impl Store {
    /// Record a password attempt for `email` from `source_address`, then say whether it may
    /// go ahead. Call it before checking the password, and [`Store::password_attempt_succeeded`]
    /// if the password was right.
    pub async fn record_password_attempt(
        &self,
        email: &str,
        source_address: &str,
        policy: ThrottlePolicy,
    ) -> Result<(PasswordAttempt, Option<Throttled>)> {
        let now = self.now_ms();
        let row = sqlx::query(
            "INSERT INTO sign_in_attempts (email, source_address, at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(email)
        .bind(source_address)
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        let mine: i64 = row.try_get("id")?;
        let since = now - policy.window.num_milliseconds();
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM sign_in_attempts WHERE email = $1 AND source_address = $2 AND at >= $3 AND id <> $4) AS pair, \
             (SELECT MAX(at) FROM sign_in_attempts WHERE email = $1 AND source_address = $2 AND at >= $3 AND id <> $4) AS pair_last, \
             (SELECT COUNT(*) FROM sign_in_attempts WHERE source_address = $2 AND at >= $3 AND id <> $4) AS address, \
             (SELECT MAX(at) FROM sign_in_attempts WHERE source_address = $2 AND at >= $3 AND id <> $4) AS address_last",
        )
        .bind(email)
        .bind(source_address)
        .bind(since)
        .bind(mine)
        .fetch_one(self.pool())
        .await?;
        let waiting = |earlier: i64, last: Option<i64>, free: i64| -> Option<Duration> {
            let delay = policy.delay_after(earlier, free)?;
            let since_last = Duration::milliseconds(now - last.unwrap_or(i64::MIN / 2));
            (since_last < delay).then(|| delay - since_last)
        };
        let throttled = if let Some(retry_after) = waiting(
            row.try_get("pair")?,
            row.try_get("pair_last")?,
            policy.free_per_account_and_address,
        ) {
            Some(Throttled::AccountAndAddress { retry_after })
        } else {
            waiting(
                row.try_get("address")?,
                row.try_get("address_last")?,
                policy.free_per_address,
            )
            .map(|retry_after| Throttled::Address { retry_after })
        };
        if throttled.is_some() {
            // Refused without a password check: it is no failure and must not lengthen the
            // wait (an owner pressing Enter twice is not an attacker).
            sqlx::query("DELETE FROM sign_in_attempts WHERE id = $1")
                .bind(mine)
                .execute(self.pool())
                .await?;
        }
        Ok((
            PasswordAttempt {
                email: email.to_string(),
                source_address: source_address.to_string(),
            },
            throttled,
        ))
    }

    /// The password was right: forget this account's attempts from this address.
    pub async fn password_attempt_succeeded(&self, attempt: &PasswordAttempt) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1 AND source_address = $2")
            .bind(&attempt.email)
            .bind(&attempt.source_address)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Drop attempts too old to count (housekeeping; the counts ignore them anyway).
    pub async fn purge_old_password_attempts(&self, policy: ThrottlePolicy) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
            .bind(self.now_ms() - policy.window.num_milliseconds())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
