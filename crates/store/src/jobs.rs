//! Leases and records of periodic jobs, so each runs once per period across all instances.
//!
//! A period is named by its start (computed by the scheduler from the injected clock). An
//! instance runs a job's period only if it takes that period's `job_leases` row: it inserts
//! it, or takes it over when the holder's lease has passed without the period finishing (the
//! holder died, or its run failed and is due to be tried again). One statement does it on
//! both databases (`INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING`), so two instances
//! asking at once cannot both win. A finished period is never run again, whoever restarts.
use crate::{from_ms, Result, Store};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Succeeded,
    Failed,
}

/// One recorded run of a job.
#[derive(Debug, Clone, Serialize)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub period_start: DateTime<Utc>,
    pub instance: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// running, succeeded or failed.
    pub outcome: String,
    pub message: String,
    /// How many things the run dealt with (mails sent, digests made…).
    pub items: i64,
}

impl Store {
    /// Take the lease on `job`'s period starting at `period_start` for `holder` until `until`.
    /// True if this holder may run it now.
    pub async fn take_job_period(
        &self,
        job: &str,
        period_start: DateTime<Utc>,
        holder: &str,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "INSERT INTO job_leases (job, period_start, holder, lease_until) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (job, period_start) DO UPDATE SET \
             holder = excluded.holder, lease_until = excluded.lease_until \
             WHERE job_leases.finished_at IS NULL AND job_leases.lease_until < $5 \
             RETURNING holder",
        )
        .bind(job)
        .bind(period_start.timestamp_millis())
        .bind(holder)
        .bind(until.timestamp_millis())
        .bind(self.now_ms())
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        tx.commit().await?;
        Ok(taken)
    }

    /// Record that `instance` started a run of `job`'s period; returns the run's id.
    pub async fn start_job_run(
        &self,
        job: &str,
        period_start: DateTime<Utc>,
        instance: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO job_runs (job, period_start, instance, started_at, outcome) \
             VALUES ($1, $2, $3, $4, 'running') RETURNING id",
        )
        .bind(job)
        .bind(period_start.timestamp_millis())
        .bind(instance)
        .bind(self.now_ms())
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        tx.commit().await?;
        Ok(id)
    }

    /// Record how a run ended. A success finishes the period; a failure leaves it to be
    /// taken again once `retry_after` has passed (by this instance or another).
    pub async fn finish_job_run(
        &self,
        run_id: i64,
        holder: &str,
        outcome: RunOutcome,
        message: &str,
        items: i64,
        retry_after: Duration,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let run = sqlx::query(
            "UPDATE job_runs SET finished_at = $1, outcome = $2, message = $3, items = $4 \
             WHERE id = $5 RETURNING job, period_start",
        )
        .bind(now)
        .bind(match outcome {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
        })
        .bind(crate::audit::capped(message, crate::audit::KEPT_CHARS))
        .bind(items)
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        let (job, period): (String, i64) = (run.get(0), run.get(1));
        let (finished, until) = match outcome {
            RunOutcome::Succeeded => (Some(now), now),
            RunOutcome::Failed => (None, now + retry_after.num_milliseconds()),
        };
        sqlx::query(
            "UPDATE job_leases SET finished_at = $1, lease_until = $2 \
             WHERE job = $3 AND period_start = $4 AND holder = $5",
        )
        .bind(finished)
        .bind(until)
        .bind(job)
        .bind(period)
        .bind(holder)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forget runs and leases of periods that began before `before`. A lease of a past
    /// period is never needed again: the scheduler only asks for the current one.
    pub async fn purge_old_job_records(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let cut = before.timestamp_millis();
        let runs = sqlx::query("DELETE FROM job_runs WHERE period_start < $1")
            .bind(cut)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM job_leases WHERE period_start < $1")
            .bind(cut)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(runs)
    }

    /// The most recent runs, newest first, optionally only the failed ones.
    pub async fn job_runs(&self, failed_only: bool, limit: i64) -> Result<Vec<JobRun>> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(
            "SELECT id, job, period_start, instance, started_at, finished_at, outcome, message, \
             items FROM job_runs WHERE ($1 = 0 OR outcome = 'failed') ORDER BY id DESC LIMIT $2",
        )
        .bind(crate::flag(failed_only))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .iter()
            .map(|r| JobRun {
                id: r.get(0),
                job: r.get(1),
                period_start: from_ms(r.get(2)),
                instance: r.get(3),
                started_at: from_ms(r.get(4)),
                finished_at: r.get::<Option<i64>, _>(5).map(from_ms),
                outcome: r.get(6),
                message: r.get(7),
                items: r.get(8),
            })
            .collect())
    }
}
