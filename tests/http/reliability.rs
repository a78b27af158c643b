//! What a probe of the service as an attacker (and as an unlucky user) broke, each fixed and
//! guarded here on both databases. `docs/RELIABILITY.md` lists them.
use axum::body::Body;
use axum::http::{Method, StatusCode};
use chrono::Duration;
use ecaf_tests::{on_both_databases, TestApp, ADMIN, PASSWORD, PRACTITIONER};
use std::future::Future;
use std::pin::pin;
use std::task::Poll;

/// Poll `work` `polls` times (letting other threads run in between), then drop it: a
/// cancellation at its `polls`-th await. Says whether it finished first.
async fn cancel_after<F: Future>(work: F, polls: usize) -> bool {
    let mut work = pin!(work);
    for _ in 0..polls {
        let ready = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx).is_ready())).await;
        if ready {
            return true;
        }
        tokio::task::yield_now().await;
    }
    false
}

/// Every connection in the pool takes a write promptly (8 is the SQLite pool's size).
async fn every_connection_can_write(app: &TestApp) {
    for i in 0..10 {
        let write = async {
            let mut tx = app.store.begin_write().await?;
            sqlx::query("INSERT INTO readiness_probes (checked_at) VALUES ($1)")
                .bind(i)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, ecaf_store::StoreError>(())
        };
        match tokio::time::timeout(std::time::Duration::from_secs(3), write).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => panic!("write {i} failed after cancelled begins: {err}"),
            Err(_) => panic!("write {i} waited on a write lock left behind by a cancelled begin"),
        }
    }
}

on_both_databases!(
    a_write_cancelled_at_any_await_of_begin_leaves_no_lock_behind,
    |app| {
        // Cancel at each await in turn, until begin finishes within the allowed polls; then with
        // timers, which land between the polls at other moments.
        let mut polls = 0;
        while !cancel_after(app.store.begin_write(), polls).await {
            polls += 1;
            assert!(polls < 10_000, "begin_write never finished");
        }
        for micros in (0..3_000).step_by(25) {
            let _ = tokio::time::timeout(
                std::time::Duration::from_micros(micros),
                app.store.begin_write(),
            )
            .await;
        }
        // Dropped transactions roll back in the background: give them a moment.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if app.store.backend() == ecaf_store::Backend::Postgres {
            // Hold every connection the pool can give (16), so none is busy answering, and ask
            // from outside the pool whether any of them sits inside a transaction.
            let mut held = Vec::new();
            for _ in 0..16 {
                held.push(app.store.pool().acquire().await.expect("a connection"));
            }
            let outside = sqlx::AnyPool::connect(&app.url).await.expect("outside");
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND state LIKE 'idle in transaction%'",
            )
            .fetch_one(&outside)
            .await
            .expect("activity");
            assert_eq!(
                sqlx::Row::get::<i64, _>(&row, "n"),
                0,
                "a pooled connection was left inside a transaction"
            );
            drop(held);
            outside.close().await;
        }
        every_connection_can_write(&app).await;
        // And the service still signs people in.
        let mut client = app.client();
        assert_eq!(
            client.sign_in(PRACTITIONER, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_says_not_ready_while_writes_cannot_be_made() {
    let app = TestApp::new(ecaf_tests::Db::Sqlite).await;
    let mut client = app.client();
    assert_eq!(client.get("/readyz").await.status, StatusCode::OK);
    // Another process holds SQLite's write lock: reads still work, writes cannot.
    let other = ecaf_store::Store::connect(&app.url, std::sync::Arc::new(app.clock.clone()))
        .await
        .expect("second store");
    let held = other.begin_write().await.expect("write lock");
    let started = std::time::Instant::now();
    let reply = client.get("/readyz").await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(client.get("/readyz").await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM readiness_probes").await,
        0,
        "the probe's write is always rolled back"
    );
}

on_both_databases!(
    an_over_long_sign_in_email_is_refused_before_it_is_stored,
    |app| {
        let mut client = app.client();
        let huge = format!("{}@example.org", "a".repeat(200_000));
        for _ in 0..3 {
            let reply = client.sign_in(&huge, "whatever password").await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                reply
                    .text
                    .contains("Email address must be 254 characters or fewer"),
                "{}",
                &reply.text[..2000.min(reply.text.len())]
            );
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_attempts").await, 0);
        let longest = app
        .count(
            "SELECT COALESCE(MAX(LENGTH(COALESCE(actor_email, '')) + LENGTH(COALESCE(detail, ''))), 0) \
             FROM audit_events",
        )
        .await;
        assert!(longest < 1_000, "audit rows stay small: {longest}");
    }
);

on_both_databases!(every_audited_string_is_cut_to_size, |app| {
    // A refused page records the path it was asked for; the path is the visitor's to choose.
    let mut sam = app.signed_in(PRACTITIONER).await;
    let long_path = format!("/admin/users?{}", "q".repeat(50_000));
    let reply = sam.get(&long_path).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let longest_detail = app
        .count("SELECT COALESCE(MAX(LENGTH(detail)), 0) FROM audit_events")
        .await;
    assert!(longest_detail <= 4_100, "{longest_detail}");
    let entry = "x".repeat(10_000);
    app.store
        .audit(
            &ecaf_store::Attribution {
                actor_email: Some(entry.clone()),
                source_address: Some(entry.clone()),
                request_id: Some(entry.clone()),
                ..Default::default()
            },
            ecaf_store::audit::AuditEntry::new("test.long")
                .record("user", &entry)
                .detail(entry.repeat(10)),
        )
        .await
        .expect("audit");
    let widest = app
        .count(
            "SELECT MAX(LENGTH(actor_email) + LENGTH(source_address) + LENGTH(request_id) + LENGTH(record_id)) \
             FROM audit_events WHERE action = 'test.long'",
        )
        .await;
    assert!(widest <= 4 * 560, "{widest}");
    let detail = app
        .count("SELECT LENGTH(detail) FROM audit_events WHERE action = 'test.long'")
        .await;
    assert!(detail <= 4_100, "{detail}");
});

on_both_databases!(after_sign_in_only_same_site_paths_are_followed, |app| {
    for (next, expected) in [
        ("/%09/evil.example", "/"),
        ("/%0a", "/"),
        ("/%0d%0a/evil.example", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/people/search?given=Amy", "/people/search?given=Amy"),
        ("/account", "/account"),
    ] {
        let mut client = app.client();
        let page = client.get(&format!("/sign-in?next={next}")).await;
        assert_eq!(page.status, StatusCode::OK, "sign-in page with next={next}");
        let reply = client
            .post(
                &format!("/sign-in?next={next}"),
                &[("email", PRACTITIONER), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "next={next}: {}",
            reply.text
        );
        assert_eq!(reply.header("location"), expected, "next={next}");
    }
});

on_both_databases!(
    a_signed_out_deep_link_shows_the_sign_in_page_and_returns_there,
    |app| {
        let mut client = app.client();
        let reply = client.get("/account/api-tokens").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let sign_in = reply.header("location").to_string();
        assert_eq!(sign_in, "/sign-in?next=%2Faccount%2Fapi-tokens");
        let page = client.get(&sign_in).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(
            page.text.contains("action=\"/sign-in?next="),
            "the form keeps where to go"
        );
        let done = client
            .post(
                "/sign-in?next=%2Faccount%2Fapi-tokens",
                &[("email", PRACTITIONER), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(done.header("location"), "/account/api-tokens");
    }
);

/// Sign-in attempts from `n` browsers at once, all from one address.
async fn parallel_sign_ins(
    app: &TestApp,
    n: usize,
    email: &str,
    password: &str,
) -> Vec<StatusCode> {
    let mut clients = Vec::new();
    for _ in 0..n {
        let mut client = app.client();
        client.get("/sign-in").await;
        clients.push(client);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let (email, password) = (email.to_string(), password.to_string());
            tokio::spawn(async move {
                client
                    .post("/sign-in", &[("email", &email), ("password", &password)])
                    .await
                    .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses
}

on_both_databases!(parallel_guesses_cannot_race_past_the_throttle, |app| {
    let statuses = parallel_sign_ins(&app, 25, ADMIN, "not the password at all").await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + throttled, 25, "{statuses:?}");
    assert!(
        checked <= 5,
        "{checked} passwords were checked against a limit of 5"
    );
    let failures = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in.failure'")
        .await;
    assert_eq!(failures as usize, checked);
});

on_both_databases!(
    failures_back_off_per_account_and_address_and_spare_the_owner,
    |app| {
        let mut attacker = app.client();
        attacker.address = "198.51.100.7:4000".parse().unwrap();
        // A wrong guess after waiting `wait` seconds: its status and page.
        async fn guess(
            app: &TestApp,
            attacker: &mut ecaf_tests::Client,
            wait: i64,
        ) -> (StatusCode, String) {
            app.clock.advance(Duration::seconds(wait));
            let reply = attacker.sign_in(ADMIN, "wrong guess number").await;
            (reply.status, reply.text)
        }
        for _ in 0..5 {
            assert_eq!(
                guess(&app, &mut attacker, 0).await.0,
                StatusCode::UNAUTHORIZED
            );
        }
        // Now each further guess must wait twice as long as the last: 1 s, 2 s, 4 s… (a guess
        // refused for waiting does not make the wait longer).
        for (wait, expected, message) in [
            (0, StatusCode::TOO_MANY_REQUESTS, Some("Wait 1 second")),
            (1, StatusCode::UNAUTHORIZED, None),
            (1, StatusCode::TOO_MANY_REQUESTS, Some("Wait 1 second")),
            (1, StatusCode::UNAUTHORIZED, None),
            (3, StatusCode::TOO_MANY_REQUESTS, Some("Wait 1 second")),
        ] {
            let (status, text) = guess(&app, &mut attacker, wait).await;
            assert_eq!(status, expected, "after waiting {wait} s");
            if let Some(message) = message {
                assert!(text.contains(message), "{text}");
            }
        }
        // Even the right password is refused from there while it must wait.
        assert_eq!(
            attacker.sign_in(ADMIN, PASSWORD).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        // The owner, at their own desk, is not locked out by it.
        let mut owner = app.client();
        assert_eq!(
            owner.sign_in(ADMIN, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        // And a success from the attacker's address only after the wait clears that pair.
        app.clock.advance(Duration::minutes(15));
        assert_eq!(
            attacker.sign_in(ADMIN, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sign_in_attempts WHERE email = '{ADMIN}' AND source_address = '198.51.100.7'"
        ))
        .await,
        0
    );
    }
);

on_both_databases!(
    behind_a_trusted_proxy_the_forwarded_client_is_throttled,
    |app| {
        let config = ecaf_web::WebConfig {
            trusted_proxies: vec!["192.0.2.0/24".parse().unwrap()],
            ..Default::default()
        };
        let router =
            ecaf_web::app(ecaf_web::AppState::new(app.store.clone(), config).expect("state"));
        // Twenty typists behind the load balancer (192.0.2.10), each from their own address.
        for i in 0..20 {
            let mut client = app.client_of(router.clone());
            let forwarded = format!("203.0.113.{i}");
            client.get("/sign-in").await;
            let token = client.csrf_token().unwrap();
            let body = serde_urlencoded::to_string([
                ("email", PRACTITIONER),
                ("password", "a typo of mine"),
                ("csrf_token", &token),
            ])
            .unwrap();
            let reply = client
                .send(
                    Method::POST,
                    "/sign-in",
                    Body::from(body),
                    Some("application/x-www-form-urlencoded"),
                    &[("x-forwarded-for", &format!("10.9.9.9, {forwarded}"))],
                )
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "typist {i}");
        }
        let rows = app
        .count("SELECT COUNT(DISTINCT source_address) FROM audit_events WHERE action = 'sign_in.failure'")
        .await;
        assert_eq!(
            rows, 20,
            "each failure is recorded against the forwarded client"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE source_address = '10.9.9.9'")
                .await,
            0,
            "an address the client wrote further left is never believed"
        );
        // Everyone else behind the same balancer still signs in.
        let mut colleague = app.client_of(router.clone());
        assert_eq!(
            colleague.sign_in(ADMIN, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        // Without the option, the forwarded header is ignored.
        let mut direct = app.client();
        direct.get("/sign-in").await;
        let token = direct.csrf_token().unwrap();
        let body = serde_urlencoded::to_string([
            ("email", "nobody@test.example"),
            ("password", "x"),
            ("csrf_token", &token),
        ])
        .unwrap();
        direct
            .send(
                Method::POST,
                "/sign-in",
                Body::from(body),
                Some("application/x-www-form-urlencoded"),
                &[("x-forwarded-for", "203.0.113.99")],
            )
            .await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE source_address = '203.0.113.99'")
                .await,
            0
        );
    }
);

on_both_databases!(
    a_pre_sign_in_form_token_is_not_accepted_once_signed_in,
    |app| {
        let mut client = app.client();
        client.get("/sign-in").await;
        let before_sign_in = client.csrf_token().unwrap();
        assert_eq!(
            client
                .post("/sign-in", &[("email", ADMIN), ("password", PASSWORD)])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let users = app.count("SELECT COUNT(*) FROM users").await;
        let reply = client
            .post_raw(
                "/sign-out-everywhere",
                &[("csrf_token", before_sign_in.as_str())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM sessions").await,
            1,
            "still signed in"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);
    }
);

on_both_databases!(
    a_planted_form_cookie_cannot_be_paired_with_a_chosen_token,
    |app| {
        // Someone on a sibling subdomain sets the form cookie and submits a matching token: the
        // old double-submit check accepted that (login CSRF).
        let planted = "ab".repeat(32);
        let mut victim = app.client();
        victim.set_cookie("ecaf_form", &planted);
        let reply = victim
            .post_raw(
                "/sign-in",
                &[
                    ("email", ADMIN),
                    ("password", PASSWORD),
                    ("csrf_token", &planted),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_cookies_are_host_prefixed_and_hsts_is_sent() {
    let config = ecaf_web::WebConfig {
        secure_cookies: true,
        ..Default::default()
    };
    let app = TestApp::with_config(ecaf_tests::Db::Sqlite, config).await;
    let mut client = app.client();
    let page = client.get("/sign-in").await;
    assert!(
        page.header("strict-transport-security")
            .starts_with("max-age="),
        "{:?}",
        page.headers
    );
    assert!(page.header("set-cookie").starts_with("__Host-ecaf_form="));
    assert!(page.header("set-cookie").contains("Secure"));
    let token = client.csrf_token().unwrap();
    let reply = client
        .post_raw(
            "/sign-in",
            &[
                ("email", ADMIN),
                ("password", PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let cookie = reply.header("set-cookie");
    assert!(cookie.starts_with("__Host-ecaf_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(client.get("/account").await.status, StatusCode::OK);
}

on_both_databases!(
    control_characters_are_refused_at_the_edge_and_change_nothing,
    |app| {
        // Anonymous sign-in with NUL in the email (a 500 on PostgreSQL before).
        let mut client = app.client();
        let reply = client.sign_in("adm\0in@test.example", "x").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert!(
            reply
                .text
                .contains("“email” contains a hidden control character"),
            "{}",
            reply.text
        );
        assert!(reply.text.contains("govuk-template"));
        assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_attempts").await, 0);
        // A query string.
        let mut sam = app.signed_in(PRACTITIONER).await;
        let reply = sam.get("/people/search?given_name=Am%1By").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        // A page form, signed in.
        sam.get("/people/search").await;
        let reply = sam
            .post(
                "/people/search",
                &[("given_name", "Amy\u{7f}"), ("family_name", "Hughes")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.text.contains("“given name”"), "{}", reply.text);
        // The API, with the place in the document named.
        let token = sam.create_token("control characters").await;
        let people = app.count("SELECT COUNT(*) FROM people").await;
        let reply = sam
            .api_json(
                Method::POST,
                "/api/v1/people",
                &token,
                &serde_json::json!({"given_name": "Nul\u{0}Byte", "family_name": "Test"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(reply.header("content-type"), "application/problem+json");
        assert_eq!(reply.json()["errors"][0]["field"], "/given_name");
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, people);
        // Line breaks and tabs are ordinary text.
        let reply = sam
            .post(
                "/people/search",
                &[("given_name", "Amy\t"), ("family_name", "Hughes\r\n")],
            )
            .await;
        assert_ne!(reply.status, StatusCode::BAD_REQUEST);
    }
);

on_both_databases!(the_change_password_form_is_throttled_like_sign_in, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    sam.get("/account/password").await;
    let guess = |n: usize| format!("guess number {n} of many");
    for n in 0..5 {
        let g = guess(n);
        let reply = sam
            .post(
                "/account/password",
                &[
                    ("current_password", g.as_str()),
                    ("new_password", "a brand new passphrase"),
                    ("confirm_password", "a brand new passphrase"),
                ],
            )
            .await;
        assert!(reply.text.contains("Your current password is not correct"));
    }
    let reply = sam
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text.contains("too many failed attempts"),
        "{}",
        reply.text
    );
    app.clock.advance(Duration::minutes(16));
    let reply = sam
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
});

on_both_databases!(
    api_tokens_can_be_revoked_with_sign_out_everywhere_or_a_new_password,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let kept = sam.create_token("kept").await;
        // A password change says the tokens still work, and offers to revoke them.
        let form = sam.get("/account/password").await;
        assert!(
            form.text.contains("Also revoke my 1 API token"),
            "{}",
            form.text
        );
        let reply = sam
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "another fine passphrase"),
                    ("confirm_password", "another fine passphrase"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let account = sam.get(reply.header("location")).await;
        assert!(
            account.text.contains("Your API tokens still work"),
            "{}",
            account.text
        );
        assert_eq!(
            sam.api_get("/api/v1/me", &kept).await.status,
            StatusCode::OK
        );
        let reply = sam
            .post(
                "/account/password",
                &[
                    ("current_password", "another fine passphrase"),
                    ("new_password", "a third fine passphrase"),
                    ("confirm_password", "a third fine passphrase"),
                    ("revoke_api_tokens", "yes"),
                ],
            )
            .await;
        let account = sam.get(reply.header("location")).await;
        assert!(
            account.text.contains("your API tokens have been revoked"),
            "{}",
            account.text
        );
        assert_eq!(
            sam.api_get("/api/v1/me", &kept).await.status,
            StatusCode::UNAUTHORIZED
        );
        // Sign out everywhere, asked to revoke.
        let second = sam.create_token("second").await;
        let account = sam.get("/account").await;
        assert!(account.text.contains("Also revoke my 1 API token"));
        let reply = sam
            .post("/sign-out-everywhere", &[("revoke_api_tokens", "yes")])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(
            sam.api_get("/api/v1/me", &second).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'sign_out.everywhere' AND detail LIKE '%1 API tokens revoked'")
            .await,
        1
    );
    }
);

on_both_databases!(the_last_administrator_cannot_remove_their_own_role, |app| {
    let mut admin = app.signed_in(ADMIN).await;
    let path = format!("/admin/users/{}/edit", app.admin_id);
    admin.get(&path).await;
    let agency = app.agency_id.to_string();
    let reply = admin
        .post(
            &path,
            &[
                ("name", "Ada Admin"),
                ("email", ADMIN),
                ("agency_id", agency.as_str()),
                ("job_title", "Tester"),
                ("roles", "practitioner"),
                ("revision", "1"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text.contains("only active administrator"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("id=\"roles-error\""),
        "shown at the roles"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM user_roles WHERE role = 'administrator'")
            .await,
        1
    );
});

on_both_databases!(a_database_outage_is_answered_503_try_later, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let token = sam.create_token("outage").await;
    app.store.close().await;
    let started = std::time::Instant::now();
    let page = sam.get("/account").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.text.contains("Try again in a few minutes"),
        "{}",
        page.text
    );
    let api = sam.api_get("/api/v1/me", &token).await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.header("content-type"), "application/problem+json");
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    assert_eq!(
        sam.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
});

on_both_databases!(signing_in_again_ends_the_previous_session, |app| {
    let mut client = app.signed_in(PRACTITIONER).await;
    client.get("/account").await;
    let reply = client
        .post("/sign-in", &[("email", ADMIN), ("password", PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = {}",
            app.practitioner_id
        ))
        .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
});

on_both_databases!(the_idle_timeout_counts_from_the_last_use_exactly, |app| {
    let mut client = app.signed_in(PRACTITIONER).await;
    // Used 50 s after sign-in: the 30 minutes run from then, not from sign-in.
    app.clock.advance(Duration::seconds(50));
    assert_eq!(client.get("/account").await.status, StatusCode::OK);
    app.clock
        .advance(Duration::minutes(29) + Duration::seconds(58));
    assert_eq!(client.get("/account").await.status, StatusCode::OK);
    app.clock
        .advance(Duration::minutes(30) + Duration::seconds(1));
    assert_eq!(client.get("/account").await.status, StatusCode::SEE_OTHER);
});
