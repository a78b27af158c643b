//! The scheduler inside `ecaf serve`: periodic jobs, each run once per period across all
//! instances (a lease row per job and period in the database, see `ecaf_store::jobs`), with
//! every run recorded for the administrators' page `/admin/jobs`.
//!
//! Periods are computed from the store's injected clock, so a restarted instance sees that a
//! period is done, and tests move a `ManualClock` and call [`Scheduler::tick`].
//!
//! Registering a job:
//! ```ignore
//! scheduler.register("alerts", Schedule::Every(chrono::Duration::minutes(15)), |store, now| async move {
//!     alerts::run(&store, now).await // -> anyhow::Result<JobReport>
//! });
//! ```
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Europe::London;
use ecaf_store::jobs::RunOutcome;
use ecaf_store::Store;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a run did, for the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    /// How many things it dealt with (mails sent, digests made, alerts raised…).
    pub items: i64,
    pub message: String,
}

impl JobReport {
    pub fn new(items: i64, message: impl Into<String>) -> Self {
        Self {
            items,
            message: message.into(),
        }
    }
}

/// When a job is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Once in each period of this length (from the Unix epoch, in UTC).
    Every(Duration),
    /// Once a day from this hour, London time (0–23).
    DailyAt { hour: u32 },
}

impl Schedule {
    /// The start of the period `now` is in. A period that has begun is due until it has run,
    /// so a daily job missed while every instance was stopped runs when one starts.
    pub fn period_start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Schedule::Every(length) => {
                let length = length.num_milliseconds().max(1);
                let ms = now.timestamp_millis().div_euclid(length) * length;
                ecaf_store::from_ms(ms)
            }
            Schedule::DailyAt { hour } => {
                let hour = hour.min(23);
                let local = now.with_timezone(&London);
                let day = if local.hour() < hour {
                    local.date_naive().pred_opt().unwrap_or(local.date_naive())
                } else {
                    local.date_naive()
                };
                let at = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
                // In the spring-forward gap the hour does not exist: the next one does.
                London
                    .from_local_datetime(&day.and_time(at))
                    .earliest()
                    .or_else(|| {
                        London
                            .from_local_datetime(&(day.and_time(at) + Duration::hours(1)))
                            .earliest()
                    })
                    .map_or(now, |t| t.with_timezone(&Utc))
            }
        }
    }
}

type JobFuture = Pin<Box<dyn Future<Output = anyhow::Result<JobReport>> + Send>>;
type JobFn = Arc<dyn Fn(Store, DateTime<Utc>) -> JobFuture + Send + Sync>;

struct Job {
    name: &'static str,
    schedule: Schedule,
    run: JobFn,
}

/// How long a run holds its period. If the instance stops mid-run, another takes the
/// period over after this.
const RUN_LEASE: Duration = Duration::minutes(10);
/// After a failed run, the period is tried again (by any instance) after this.
const RETRY_FAILED: Duration = Duration::minutes(5);

/// What one tick did with one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub job: &'static str,
    pub period_start: DateTime<Utc>,
    pub outcome: Result<JobReport, String>,
}

/// The registered jobs of one instance.
pub struct Scheduler {
    store: Store,
    instance: String,
    jobs: Vec<Job>,
}

impl Scheduler {
    /// `instance` names this process in leases and records; make it unique per process
    /// (a restart is a new instance).
    pub fn new(store: Store, instance: impl Into<String>) -> Self {
        Self {
            store,
            instance: instance.into(),
            jobs: Vec::new(),
        }
    }

    pub fn register<F, Fut>(&mut self, name: &'static str, schedule: Schedule, run: F)
    where
        F: Fn(Store, DateTime<Utc>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<JobReport>> + Send + 'static,
    {
        let run: JobFn = Arc::new(move |store, now| Box::pin(run(store, now)));
        self.jobs.push(Job {
            name,
            schedule,
            run,
        });
    }

    /// Run every job whose current period no instance has run (or is running). Returns what
    /// this instance ran.
    pub async fn tick(&self) -> anyhow::Result<Vec<Ran>> {
        let mut ran = Vec::new();
        for job in &self.jobs {
            let now = self.store.clock().now();
            let period = job.schedule.period_start(now);
            if !self
                .store
                .take_job_period(job.name, period, &self.instance, now + RUN_LEASE)
                .await?
            {
                continue;
            }
            let run_id = self
                .store
                .start_job_run(job.name, period, &self.instance)
                .await?;
            // In a task of its own, so a panic in a job is recorded as its failure instead
            // of stopping the scheduler.
            let outcome = match tokio::spawn((job.run)(self.store.clone(), now)).await {
                Ok(Ok(report)) => Ok(report),
                Ok(Err(err)) => Err(format!("{err:#}")),
                Err(join) => Err(format!("the job stopped: {join}")),
            };
            let (result, message, items) = match &outcome {
                Ok(report) => (RunOutcome::Succeeded, report.message.as_str(), report.items),
                Err(err) => {
                    tracing::warn!(job = job.name, error = %err, "job failed");
                    (RunOutcome::Failed, err.as_str(), 0)
                }
            };
            self.store
                .finish_job_run(run_id, &self.instance, result, message, items, RETRY_FAILED)
                .await?;
            ran.push(Ran {
                job: job.name,
                period_start: period,
                outcome,
            });
        }
        Ok(ran)
    }

    /// Tick every `every` (real time) until the task is aborted.
    pub fn spawn(self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(err) = self.tick().await {
                    tracing::warn!(error = %err, "scheduler tick failed");
                }
            }
        })
    }
}

/// The service's own jobs: `send-notifications` every minute and `daily-digest` at
/// `digest_hour` London time. Other jobs (the alerts) are registered beside them.
pub fn register_mail_jobs(
    scheduler: &mut Scheduler,
    mailer: crate::mail::Mailer,
    digest_hour: u32,
) {
    scheduler.register(
        "send-notifications",
        Schedule::Every(Duration::minutes(1)),
        move |store, _now| {
            let mailer = mailer.clone();
            async move { mailer.send_due(&store).await }
        },
    );
    scheduler.register(
        "daily-digest",
        Schedule::DailyAt { hour: digest_hour },
        move |store, now| async move { crate::mail::daily_digest(&store, now, digest_hour).await },
    );
}

/// Register the job that turns the open CAFs' alerts into notifications (every 15 minutes, so
/// a review that falls overdue is mailed within a quarter of an hour of the day changing).
pub fn register_alert_job(scheduler: &mut Scheduler) {
    scheduler.register(
        "alerts",
        Schedule::Every(Duration::minutes(15)),
        |store, now| async move {
            let (_, wording) = store.current_wording().await?;
            let queued = store.queue_alert_notifications(now, &wording).await?;
            Ok(JobReport::new(
                queued as i64,
                format!("{queued} notifications queued"),
            ))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn periods_of_a_fixed_length_start_on_their_boundary() {
        let minute = Schedule::Every(Duration::minutes(1));
        assert_eq!(
            minute.period_start(utc("2026-11-25T09:00:59.999Z")),
            utc("2026-11-25T09:00:00Z")
        );
        assert_eq!(
            minute.period_start(utc("2026-11-25T09:01:00Z")),
            utc("2026-11-25T09:01:00Z")
        );
    }

    #[test]
    fn daily_periods_start_at_the_hour_in_london() {
        let seven = Schedule::DailyAt { hour: 7 };
        // Winter: London is UTC.
        assert_eq!(
            seven.period_start(utc("2026-11-25T09:00:00Z")),
            utc("2026-11-25T07:00:00Z")
        );
        assert_eq!(
            seven.period_start(utc("2026-11-25T06:59:00Z")),
            utc("2026-11-24T07:00:00Z")
        );
        // Summer: 7 in London is 6 UTC.
        assert_eq!(
            seven.period_start(utc("2026-07-01T06:30:00Z")),
            utc("2026-07-01T06:00:00Z")
        );
        // 1 am does not exist on the morning the clocks go forward: 2 am does.
        let one = Schedule::DailyAt { hour: 1 };
        assert_eq!(
            one.period_start(utc("2026-03-29T05:00:00Z")),
            utc("2026-03-29T01:00:00Z")
        );
    }
}
