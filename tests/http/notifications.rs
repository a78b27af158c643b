//! Email notifications: the outbox queues each once per key and user, follows each user's
//! choices, gathers the daily digest, sends exactly once across instances and across a crash
//! between delivering and marking sent, and backs off failed deliveries until it gives up.
use axum::http::{Method, StatusCode};
use ecaf_domain::notification::{NotificationKind, MAX_ATTEMPTS};
use ecaf_store::outbox::{Enqueued, Notification};
use ecaf_store::Store;
use ecaf_tests::{on_both_databases, TestApp, ADMIN, EARLY_HELP, PRACTITIONER};
use ecaf_web::mail::{Delivery, FolderTransport, Mail, Mailer, Transport, TransportError};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

const FROM: &str = "Early help <ecaf@council.example>";
const PUBLIC: &str = "https://ecaf.council.example";

/// Delivers into a folder and remembers every Message-ID it was handed, repeats included.
struct Counting {
    folder: FolderTransport,
    delivered: Mutex<Vec<String>>,
}

impl Counting {
    fn new(dir: &std::path::Path) -> Arc<Self> {
        Arc::new(Self {
            folder: FolderTransport::new(dir).expect("mail folder"),
            delivered: Mutex::default(),
        })
    }

    fn delivered(&self) -> Vec<String> {
        self.delivered.lock().unwrap().clone()
    }
}

impl Transport for Counting {
    fn deliver<'a>(&'a self, mail: &'a Mail) -> Delivery<'a> {
        Box::pin(async move {
            self.folder.deliver(mail).await?;
            self.delivered.lock().unwrap().push(mail.message_id.clone());
            Ok(())
        })
    }

    fn describe(&self) -> String {
        "a test folder".into()
    }
}

/// Delivers into a folder, then the process "dies": it never reports back.
struct CrashesAfterDelivering {
    folder: FolderTransport,
    delivered: Arc<Notify>,
}

impl Transport for CrashesAfterDelivering {
    fn deliver<'a>(&'a self, mail: &'a Mail) -> Delivery<'a> {
        Box::pin(async move {
            self.folder.deliver(mail).await?;
            self.delivered.notify_one();
            std::future::pending::<()>().await;
            Ok(())
        })
    }

    fn describe(&self) -> String {
        "a folder on a dying instance".into()
    }
}

/// The mail server is down.
#[derive(Default)]
struct Refusing {
    tries: Mutex<usize>,
}

impl Transport for Refusing {
    fn deliver<'a>(&'a self, _mail: &'a Mail) -> Delivery<'a> {
        Box::pin(async move {
            *self.tries.lock().unwrap() += 1;
            Err(TransportError::transient("connection refused"))
        })
    }

    fn describe(&self) -> String {
        "a mail server that is down".into()
    }
}

fn mailer(transport: Arc<dyn Transport>, instance: &str) -> Mailer {
    Mailer::new(Some(transport), FROM, PUBLIC, instance).expect("mailer")
}

async fn another_store(app: &TestApp) -> Store {
    Store::connect(&app.url, Arc::new(app.clock.clone()))
        .await
        .expect("second instance's store")
}

fn eml_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("mail folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn overdue(n: usize) -> Notification {
    Notification::new(
        NotificationKind::ReviewOverdue,
        format!("review_overdue:caf:{n}:2027-01-06"),
        format!("/cafs/{n}"),
    )
}

async fn states(app: &TestApp) -> Vec<(String, i64)> {
    use sqlx::Row;
    sqlx::query("SELECT state, attempts FROM outbox ORDER BY id")
        .fetch_all(app.store.pool())
        .await
        .expect("outbox")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

on_both_databases!(a_notification_is_queued_once_per_key_and_user, |app| {
    let store = &app.store;
    let first = store
        .enqueue_notification(app.practitioner_id, &overdue(12))
        .await
        .unwrap();
    assert!(matches!(first, Enqueued::Queued(_)), "{first:?}");
    assert_eq!(
        store
            .enqueue_notification(app.practitioner_id, &overdue(12))
            .await
            .unwrap(),
        Enqueued::AlreadyQueued
    );
    // From another instance too.
    let other = another_store(&app).await;
    assert_eq!(
        other
            .enqueue_notification(app.practitioner_id, &overdue(12))
            .await
            .unwrap(),
        Enqueued::AlreadyQueued
    );
    // The same occasion for someone else is their own mail.
    let theirs = store
        .enqueue_notification(app.early_help_id, &overdue(12))
        .await
        .unwrap();
    assert!(matches!(theirs, Enqueued::Queued(_)));
    // Not urgent: kept for the digest.
    let soon = Notification::new(
        NotificationKind::ReviewDueSoon,
        "due_soon:caf:12",
        "/cafs/12",
    );
    assert!(matches!(
        store
            .enqueue_notification(app.practitioner_id, &soon)
            .await
            .unwrap(),
        Enqueued::Held(_)
    ));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 3);
    // A link with anything but identifiers in it is refused, and nothing is queued.
    let leaky = Notification::new(
        NotificationKind::ReviewOverdue,
        "leaky",
        "/people?name=Rosa Quinlan",
    );
    assert!(store
        .enqueue_notification(app.practitioner_id, &leaky)
        .await
        .is_err());
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 3);
    // What is stored is the fixed wording of the kind, nothing else.
    use sqlx::Row;
    let row = sqlx::query("SELECT subject, body FROM outbox ORDER BY id LIMIT 1")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), "A review is overdue");
    assert_eq!(
        row.get::<String, _>(1),
        "A review is overdue on one of your CAFs."
    );
});

on_both_databases!(a_user_who_switched_emails_off_gets_none, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let page = sam.get("/account/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text.matches(" checked").count(), 2, "both on at first");
    // Only the digest: urgent items go into it instead.
    let saved = sam
        .post("/account/notifications", &[("receive", "digest")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let page = sam.get(saved.header("location")).await;
    assert!(page.text.contains("Your email choices have been saved"));
    assert_eq!(page.text.matches(" checked").count(), 1);
    assert!(matches!(
        app.store
            .enqueue_notification(app.practitioner_id, &overdue(1))
            .await
            .unwrap(),
        Enqueued::Held(_)
    ));
    // Only urgent ones: the others are not kept for a digest.
    sam.post("/account/notifications", &[("receive", "urgent")])
        .await;
    let soon = Notification::new(NotificationKind::ReviewDueSoon, "soon:1", "/cafs/1");
    assert_eq!(
        app.store
            .enqueue_notification(app.practitioner_id, &soon)
            .await
            .unwrap(),
        Enqueued::NotWanted
    );
    // Nothing at all.
    let saved = sam.post("/account/notifications", &[]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store
            .enqueue_notification(app.practitioner_id, &overdue(2))
            .await
            .unwrap(),
        Enqueued::NotWanted
    );
    // What was held is dropped by the digest, and no mail goes.
    ecaf_web::mail::daily_digest(&app.store, app.store.clock().now(), 7)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let transport = Counting::new(dir.path());
    let report = mailer(transport.clone(), "a")
        .send_due(&app.store)
        .await
        .unwrap();
    assert_eq!(report.items, 0);
    assert!(transport.delivered().is_empty());
    let saves = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a == "notifications.preferences")
        .count();
    assert_eq!(saves, 3, "each save is audited");
});

on_both_databases!(a_choice_not_offered_is_refused_and_changes_nothing, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    sam.get("/account/notifications").await;
    let refused = sam
        .post(
            "/account/notifications",
            &[("receive", "digest"), ("receive", "hourly")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("There is a problem"));
    assert!(refused
        .text
        .contains("Select the emails you want from the list"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notification_preferences")
            .await,
        0
    );
});

on_both_databases!(the_api_reads_and_sets_a_users_choices, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let token = sam.create_token("mail settings").await;
    let read = sam.api_get("/api/v1/me/notifications", &token).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        read.json(),
        serde_json::json!({"urgent_emails": true, "daily_digest": true})
    );
    let body = serde_json::json!({"urgent_emails": false, "daily_digest": true});
    let saved = sam
        .api_json(Method::PUT, "/api/v1/me/notifications", &token, &body)
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.json(), body);
    let read = sam.api_get("/api/v1/me/notifications", &token).await;
    assert_eq!(read.json(), body);
    // A missing or unknown field is refused and changes nothing.
    for bad in [
        serde_json::json!({"urgent_emails": true}),
        serde_json::json!({"urgent_emails": true, "daily_digest": true, "hourly": true}),
    ] {
        let refused = sam
            .api_json(Method::PUT, "/api/v1/me/notifications", &token, &bad)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(refused.header("content-type"), "application/problem+json");
    }
    let read = sam.api_get("/api/v1/me/notifications", &token).await;
    assert_eq!(read.json(), body);
});

on_both_databases!(
    the_daily_digest_gathers_a_users_notifications_into_one_mail,
    |app| {
        let store = &app.store;
        for (kind, key) in [
            (NotificationKind::ReviewDueSoon, "soon:1"),
            (NotificationKind::ReviewDueSoon, "soon:2"),
            (NotificationKind::ActionOverdue, "action:3"),
        ] {
            store
                .enqueue_notification(
                    app.practitioner_id,
                    &Notification::new(kind, key, "/cafs/1"),
                )
                .await
                .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let transport = Counting::new(dir.path());
        let sender = mailer(transport.clone(), "a");
        // Held until the digest: the sender sends nothing.
        assert_eq!(sender.send_due(store).await.unwrap().items, 0);
        let now = store.clock().now();
        let made = ecaf_web::mail::daily_digest(store, now, 7).await.unwrap();
        assert_eq!(made.items, 1);
        // Once a day: a second run that day makes nothing more.
        assert_eq!(
            ecaf_web::mail::daily_digest(store, now, 7)
                .await
                .unwrap()
                .items,
            0
        );
        assert_eq!(sender.send_due(store).await.unwrap().items, 1);
        let files = eml_files(dir.path());
        assert_eq!(files.len(), 1);
        let mail = std::fs::read_to_string(dir.path().join(&files[0])).unwrap();
        assert!(
            mail.contains("Subject: Things that need your attention"),
            "{mail}"
        );
        assert!(
            mail.contains("3 things need your attention: 2 reviews due soon, 1 action overdue."),
            "{mail}"
        );
        assert!(mail.contains("https://ecaf.council.example/\r\n"), "{mail}");
        assert!(
            mail.contains("To: \"Sam Practitioner\" <sam@test.example>"),
            "{mail}"
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM outbox WHERE state = 'digested' AND digest_id IS NOT NULL"
            )
            .await,
            3
        );
    }
);

on_both_databases!(two_instances_send_fifty_mails_exactly_once, |app| {
    let users = [app.practitioner_id, app.early_help_id, app.admin_id];
    for n in 0..50 {
        app.store
            .enqueue_notification(users[n % 3], &overdue(n))
            .await
            .unwrap();
    }
    let other = another_store(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let transport = Counting::new(dir.path());
    let (a, b) = (
        mailer(transport.clone(), "a"),
        mailer(transport.clone(), "b"),
    );
    // Small batches, so the two claim in turn over the same rows.
    let (sent_a, sent_b) = tokio::join!(a.send_due_with(&app.store, 3), b.send_due_with(&other, 3));
    let (sent_a, sent_b) = (sent_a.unwrap().items, sent_b.unwrap().items);
    assert_eq!(sent_a + sent_b, 50, "a sent {sent_a}, b sent {sent_b}");
    let delivered = transport.delivered();
    assert_eq!(delivered.len(), 50, "each mail handed over once");
    assert_eq!(delivered.iter().collect::<BTreeSet<_>>().len(), 50);
    assert_eq!(eml_files(dir.path()).len(), 50);
    assert_eq!(states(&app).await, vec![("sent".to_string(), 1); 50]);
    // Nothing is left for anyone.
    assert_eq!(a.send_due(&other).await.unwrap().items, 0);
    assert_eq!(transport.delivered().len(), 50);
});

on_both_databases!(
    a_crash_between_delivering_and_marking_sent_delivers_the_same_message_again_after_the_lease,
    |app| {
        let queued = app
            .store
            .enqueue_notification(app.practitioner_id, &overdue(7))
            .await
            .unwrap();
        let Enqueued::Queued(id) = queued else {
            panic!("{queued:?}")
        };
        let dir = tempfile::tempdir().unwrap();
        let delivered = Arc::new(Notify::new());
        let dying = mailer(
            Arc::new(CrashesAfterDelivering {
                folder: FolderTransport::new(dir.path()).unwrap(),
                delivered: delivered.clone(),
            }),
            "dying",
        );
        let store = app.store.clone();
        let running = tokio::spawn(async move { dying.send_due(&store).await });
        delivered.notified().await;
        // The instance dies after the mail server took the mail, before marking it sent.
        running.abort();
        assert!(running.await.unwrap_err().is_cancelled());
        let message_id = format!("outbox-{id}@council.example");
        assert_eq!(eml_files(dir.path()), vec![format!("{message_id}.eml")]);
        assert_eq!(states(&app).await, vec![("sending".to_string(), 1)]);

        // A restarted instance leaves it alone while the dead one's lease lasts…
        let restarted = another_store(&app).await;
        let transport = Counting::new(dir.path());
        let sender = mailer(transport.clone(), "restarted");
        assert_eq!(sender.send_due(&restarted).await.unwrap().items, 0);
        app.clock
            .advance(ecaf_web::mail::SEND_LEASE - chrono::Duration::seconds(1));
        assert_eq!(sender.send_due(&restarted).await.unwrap().items, 0);
        assert!(transport.delivered().is_empty());
        // …then delivers it again, as the same message: the folder holds it once, and a mail
        // system sees the Message-ID it already has.
        app.clock.advance(chrono::Duration::seconds(2));
        assert_eq!(sender.send_due(&restarted).await.unwrap().items, 1);
        assert_eq!(transport.delivered(), vec![message_id.clone()]);
        let files = eml_files(dir.path());
        assert_eq!(files, vec![format!("{message_id}.eml")]);
        let mail = std::fs::read_to_string(dir.path().join(&files[0])).unwrap();
        assert!(
            mail.contains(&format!("Message-ID: <{message_id}>")),
            "{mail}"
        );
        assert_eq!(states(&app).await, vec![("sent".to_string(), 2)]);
        // And never again.
        app.clock.advance(chrono::Duration::days(1));
        assert_eq!(sender.send_due(&restarted).await.unwrap().items, 0);
    }
);

on_both_databases!(
    failed_deliveries_back_off_and_stop_after_the_last_attempt,
    |app| {
        app.store
            .enqueue_notification(app.practitioner_id, &overdue(3))
            .await
            .unwrap();
        let down = Arc::new(Refusing::default());
        let sender = mailer(down.clone(), "a");
        let tries = || *down.tries.lock().unwrap();
        sender.send_due(&app.store).await.unwrap();
        assert_eq!(tries(), 1);
        // Each wait doubles: 1, 2, 4, 8, 16 minutes; a moment before it, nothing is tried.
        for (attempt, wait) in [(2, 1), (3, 2), (4, 4), (5, 8), (6, 16)] {
            app.clock
                .advance(chrono::Duration::minutes(wait) - chrono::Duration::seconds(1));
            sender.send_due(&app.store).await.unwrap();
            assert_eq!(tries(), attempt - 1, "before the wait of {wait} minutes");
            app.clock.advance(chrono::Duration::seconds(1));
            sender.send_due(&app.store).await.unwrap();
            assert_eq!(tries(), attempt, "after the wait of {wait} minutes");
        }
        assert_eq!(
            states(&app).await,
            vec![("failed".to_string(), i64::from(MAX_ATTEMPTS))]
        );
        app.clock.advance(chrono::Duration::days(2));
        sender.send_due(&app.store).await.unwrap();
        assert_eq!(tries(), 6, "given up for good");
        // The administrators see it.
        let mut admin = app.signed_in(ADMIN).await;
        let page = admin.get("/admin/jobs").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("Emails given up"), "{}", page.text);
        assert!(page.text.contains("connection refused"));
        assert!(page.text.contains(PRACTITIONER));
    }
);

on_both_databases!(
    without_a_transport_mails_stay_queued_and_the_admin_page_says_so,
    |app| {
        app.store
            .enqueue_notification(app.early_help_id, &overdue(4))
            .await
            .unwrap();
        let idle = Mailer::new(None, FROM, PUBLIC, "a").unwrap();
        let report = idle.send_due(&app.store).await.unwrap();
        assert_eq!(report.items, 0);
        assert!(report.message.contains("no mail transport configured: 1"));
        assert_eq!(states(&app).await, vec![("queued".to_string(), 0)]);
        let mut admin = app.signed_in(ADMIN).await;
        let page = admin.get("/admin/jobs").await;
        assert!(
            page.text.contains("Email is not being sent"),
            "{}",
            page.text
        );
        // Someone who is not an administrator may not look.
        let mut eve = app.signed_in(EARLY_HELP).await;
        assert_eq!(eve.get("/admin/jobs").await.status, StatusCode::FORBIDDEN);
    }
);

/// A mail server in the test, speaking just enough SMTP: it keeps each message it accepts and
/// refuses for good (550) any recipient containing `refused`.
async fn mail_server(refused: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let answer: &[u8] =
                        if command.starts_with("EHLO") || command.starts_with("HELO") {
                            b"250 test\r\n"
                        } else if command.starts_with("RCPT") && line.contains(refused) {
                            b"550 5.1.1 no such mailbox\r\n"
                        } else if command.starts_with("DATA") {
                            write.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut message = Vec::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                message.push(line);
                            }
                            kept.lock().unwrap().push(message.join("\n"));
                            b"250 2.0.0 queued\r\n"
                        } else if command.starts_with("QUIT") {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

on_both_databases!(
    smtp_delivers_each_mail_with_its_rows_message_id_and_a_refused_mailbox_is_given_up_at_once,
    |app| {
        let (port, received) = mail_server(EARLY_HELP).await;
        let smtp =
            ecaf_web::mail::SmtpTransport::from_url(&format!("smtp://127.0.0.1:{port}?tls=none"))
                .expect("an SMTP URL");
        assert_eq!(
            smtp.describe(),
            format!("SMTP to 127.0.0.1:{port} (no encryption)")
        );
        let Enqueued::Queued(id) = app
            .store
            .enqueue_notification(app.practitioner_id, &overdue(5))
            .await
            .unwrap()
        else {
            panic!("not queued")
        };
        app.store
            .enqueue_notification(app.early_help_id, &overdue(5))
            .await
            .unwrap();
        let report = mailer(Arc::new(smtp), "a")
            .send_due(&app.store)
            .await
            .unwrap();
        assert_eq!(report.message, "1 sent, 1 given up");
        let received = received.lock().unwrap().clone();
        assert_eq!(received.len(), 1);
        assert!(
            received[0].contains(&format!("Message-ID: <outbox-{id}@council.example>")),
            "{}",
            received[0]
        );
        assert!(received[0].contains("A review is overdue on one of your CAFs."));
        assert!(received[0].contains("https://ecaf.council.example/cafs/5"));
        use sqlx::Row;
        let refused =
            sqlx::query("SELECT state, attempts, last_error FROM outbox WHERE user_id = $1")
                .bind(app.early_help_id)
                .fetch_one(app.store.pool())
                .await
                .unwrap();
        assert_eq!(refused.get::<String, _>(0), "failed");
        assert_eq!(
            refused.get::<i64, _>(1),
            1,
            "a permanent refusal is not tried again"
        );
        assert!(refused.get::<String, _>(2).contains("no such mailbox"));
    }
);

#[tokio::test]
async fn an_smtp_url_without_tls_settings_requires_starttls() {
    use ecaf_web::mail::SmtpTransport;
    let described = |url: &str| SmtpTransport::from_url(url).map(|t| t.describe());
    assert_eq!(
        described("smtp://user:secret@mail.example:587").unwrap(),
        "SMTP to mail.example:587 (STARTTLS)"
    );
    assert_eq!(
        described("smtps://user:secret@mail.example").unwrap(),
        "SMTP to mail.example (TLS)"
    );
    assert_eq!(
        described("smtp://mail.example?tls=opportunistic").unwrap(),
        "SMTP to mail.example (STARTTLS when offered)"
    );
    assert!(described("smtp://mail.example?tls=sometimes").is_err());
    assert!(described("http://mail.example").is_err());
}
