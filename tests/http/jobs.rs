//! The scheduler: each job runs once per period across instances and restarts, every run is
//! recorded, and the administrators' page lists the runs and the failures.
use axum::http::StatusCode;
use chrono::Duration;
use ecaf_store::Store;
use ecaf_tests::{on_both_databases, TestApp, ADMIN};
use ecaf_web::jobs::{JobReport, Schedule, Scheduler};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A scheduler on its own store (another `ecaf serve` on the same database) with one job
/// every minute that counts its runs.
async fn instance(app: &TestApp, name: &str, runs: Arc<AtomicUsize>) -> Scheduler {
    let store = Store::connect(&app.url, Arc::new(app.clock.clone()))
        .await
        .expect("an instance's store");
    let mut scheduler = Scheduler::new(store, name);
    scheduler.register(
        "count",
        Schedule::Every(Duration::minutes(1)),
        move |_store, _now| {
            let runs = runs.clone();
            async move {
                let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(JobReport::new(1, format!("run {n}")))
            }
        },
    );
    scheduler
}

on_both_databases!(
    a_job_runs_once_per_period_across_instances_and_restarts,
    |app| {
        let runs = Arc::new(AtomicUsize::new(0));
        let a = instance(&app, "a", runs.clone()).await;
        let b = instance(&app, "b", runs.clone()).await;
        let (ran_a, ran_b) = tokio::join!(a.tick(), b.tick());
        let ran = ran_a.unwrap().len() + ran_b.unwrap().len();
        assert_eq!(
            (ran, runs.load(Ordering::SeqCst)),
            (1, 1),
            "one run in the period"
        );
        // Again in the same period: nothing.
        let (ran_a, ran_b) = tokio::join!(a.tick(), b.tick());
        assert_eq!(ran_a.unwrap().len() + ran_b.unwrap().len(), 0);
        // The next period: one more.
        app.clock.advance(Duration::minutes(1));
        let (ran_a, ran_b) = tokio::join!(a.tick(), b.tick());
        assert_eq!(ran_a.unwrap().len() + ran_b.unwrap().len(), 1);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        // An instance restarted within the period sees it is done.
        drop(a);
        let restarted = instance(&app, "a-restarted", runs.clone()).await;
        assert!(restarted.tick().await.unwrap().is_empty());
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM job_runs WHERE outcome = 'succeeded'")
                .await,
            2
        );
        let mut admin = app.signed_in(ADMIN).await;
        let page = admin.get("/admin/jobs").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("run 2"), "{}", page.text);
        assert_eq!(page.text.matches("Succeeded").count(), 2);
        // Old records are forgotten; the current period stays done.
        app.store
            .purge_old_job_records(app.store.clock().now())
            .await
            .unwrap();
        assert_eq!(app.count("SELECT COUNT(*) FROM job_runs").await, 1);
        assert!(restarted.tick().await.unwrap().is_empty());
    }
);

on_both_databases!(
    a_failed_run_is_recorded_and_tried_again_later_in_its_period,
    |app| {
        let tries = Arc::new(AtomicUsize::new(0));
        let mut scheduler = Scheduler::new(app.store.clone(), "only");
        let counted = tries.clone();
        scheduler.register(
            "flaky",
            Schedule::DailyAt { hour: 7 },
            move |_store, _now| {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        anyhow::bail!("the mail server said no")
                    }
                    Ok(JobReport::new(0, "fine"))
                }
            },
        );
        let ran = scheduler.tick().await.unwrap();
        assert_eq!(ran.len(), 1);
        assert!(ran[0].outcome.is_err());
        // Not at once, but after a few minutes, and then the day is done.
        assert!(scheduler.tick().await.unwrap().is_empty());
        app.clock.advance(Duration::minutes(6));
        assert!(scheduler.tick().await.unwrap()[0].outcome.is_ok());
        app.clock.advance(Duration::hours(2));
        assert!(scheduler.tick().await.unwrap().is_empty());
        assert_eq!(tries.load(Ordering::SeqCst), 2);
        let mut admin = app.signed_in(ADMIN).await;
        let failed = admin.get("/admin/jobs?show=failed").await;
        assert_eq!(failed.status, StatusCode::OK);
        assert!(failed.text.contains("the mail server said no"));
        assert!(!failed.text.contains("fine"));
        let all = admin.get("/admin/jobs").await;
        assert!(all.text.contains("Failed") && all.text.contains("Succeeded"));
    }
);

on_both_databases!(
    the_mail_jobs_send_urgent_mail_and_the_digest_once_a_day,
    |app| {
        use ecaf_domain::notification::NotificationKind;
        use ecaf_store::outbox::Notification;
        let dir = tempfile::tempdir().unwrap();
        let folder = Arc::new(ecaf_web::mail::FolderTransport::new(dir.path()).unwrap());
        let mailer = ecaf_web::mail::Mailer::new(
            Some(folder),
            "ecaf@council.example",
            "https://ecaf.council.example/",
            "only",
        )
        .unwrap();
        let mut scheduler = Scheduler::new(app.store.clone(), "only");
        ecaf_web::jobs::register_mail_jobs(&mut scheduler, mailer, 7);
        let store = &app.store;
        store
            .enqueue_notification(
                app.practitioner_id,
                &Notification::new(NotificationKind::FollowUpDue, "follow_up:caf:1", "/cafs/1"),
            )
            .await
            .unwrap();
        store
            .enqueue_notification(
                app.practitioner_id,
                &Notification::new(NotificationKind::ActionOverdue, "action:9", "/cafs/1/plan"),
            )
            .await
            .unwrap();
        // 9:00 on the first tick: the urgent mail goes, and today's digest is made (7:00 has
        // passed); the digest goes on the next minute's run.
        let ran: Vec<&str> = scheduler
            .tick()
            .await
            .unwrap()
            .iter()
            .map(|r| r.job)
            .collect();
        assert_eq!(ran, ["send-notifications", "daily-digest"]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        app.clock.advance(Duration::minutes(1));
        let ran = scheduler.tick().await.unwrap();
        assert_eq!(ran.len(), 1);
        assert_eq!(ran[0].outcome.as_ref().unwrap().message, "1 sent");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
);
