//! Command-line tests: the real `ecaf` binary (built by cargo for this test target, which
//! belongs to the `ecaf` package) importing and searching on a fresh SQLite data directory and
//! a fresh PostgreSQL database, with assertions on output, exit status and database state.
use ecaf_domain::access::{operator_grant, UseRegister};
use ecaf_domain::clock::SystemClock;
use ecaf_domain::person::PersonInput;
use ecaf_store::import::ImportPerson;
use ecaf_store::{Attribution, Store};
use ecaf_tests::{on_both_databases, Db, OnDatabase};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// A fresh database and how to point the binary at it.
struct Target {
    dir: tempfile::TempDir,
    url: Option<String>,
}

impl OnDatabase for Target {
    async fn on(db: Db) -> Target {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(ecaf_tests::fresh_postgres_url().await),
        };
        Target { dir, url }
    }
}

impl Target {
    fn ecaf(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run ecaf")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecaf"));
        command
            .args(args)
            .env_remove("ECAF_DATABASE_URL")
            .env("ECAF_DATA_DIR", self.dir.path().join("data"))
            .env("ECAF_LOG", "warn");
        if let Some(url) = &self.url {
            command.env("ECAF_DATABASE_URL", url);
        }
        command
    }

    async fn store(&self) -> Store {
        let clock = Arc::new(SystemClock);
        match &self.url {
            Some(url) => Store::connect(url, clock).await.expect("open postgres"),
            None => Store::open_data_dir(&self.dir.path().join("data"), clock)
                .await
                .expect("open sqlite"),
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        let store = self.store().await;
        let row = sqlx::query(sql)
            .fetch_one(store.pool())
            .await
            .expect("count");
        let n = sqlx::Row::get::<i64, _>(&row, 0);
        store.close().await;
        n
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

on_both_databases!(
    a_valid_file_is_imported_with_history_changes_and_one_audit_row,
    |t: Target| {
        let out = t.ecaf(&["import", "people", &fixture("people.csv")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("Imported 5 people (3 other names, 4 addresses)"),
            "{stdout}"
        );
        // Two Jayden Walkers born on the same day: flagged, imported all the same.
        assert!(
            stdout.contains("Likely duplicates: 1 (1 within the file"),
            "{stdout}"
        );
        assert!(
            stdout.contains("row 5 and row 4: same name and date of birth"),
            "{stdout}"
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM people").await, 5);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM person_history WHERE event = 'imported'")
                .await,
            5
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM person_changes").await, 5);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.import'")
                .await,
            1
        );
        assert_eq!(
        t.count("SELECT COUNT(*) FROM person_other_names WHERE kind = 'alias' AND given_name = 'Jay' AND family_name = 'Walker'")
            .await,
        1
    );
        assert_eq!(
        t.count("SELECT COUNT(*) FROM people WHERE external_id = 'MIS-1005' AND upn = 'P889012345679' AND gender = 'not_stated'")
            .await,
        1
    );
        assert_eq!(
            t.count(
                "SELECT COUNT(*) FROM person_addresses WHERE postcode = 'BF3 4DX' AND is_main = 1"
            )
            .await,
            1
        );
    }
);

on_both_databases!(
    invalid_rows_are_all_reported_and_nothing_is_imported,
    |t: Target| {
        let out = t.ecaf(&["import", "people", &fixture("people_invalid.csv")]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        for expected in [
            "row 3, column date_of_birth: Date of birth must be a real date",
            "row 4, column nhs_number: NHS number is not valid: check digit does not match",
            "row 5, column date_of_birth: Date of birth must be today or in the past",
            "row 6, column given_name: Enter the person's first name",
            "row 7, column external_id: External id T-1 is also on row 2",
            "row 8, column postcode: Enter a full UK postcode",
            "row 9, column gender: Gender must be one of",
            "row 11, column (row): has 2 fields but the header has 12",
            "8 of 10 rows are invalid; nothing was imported",
        ] {
            assert!(
                stderr.contains(expected),
                "missing {expected:?} in:\n{stderr}"
            );
        }
        assert_eq!(t.count("SELECT COUNT(*) FROM people").await, 0);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.import'")
                .await,
            0
        );
    }
);

on_both_databases!(
    skip_invalid_imports_the_rest_and_writes_the_rejected_rows_with_reasons,
    |t: Target| {
        let rejected = t.dir.path().join("rejected.csv");
        let rejected_arg = rejected.display().to_string();
        let out = t.ecaf(&[
            "import",
            "people",
            &fixture("people_invalid.csv"),
            "--skip-invalid",
            &rejected_arg,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("Imported 2 people"),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM people").await, 2);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&rejected)
            .expect("rejected file");
        let header = reader.headers().expect("header").clone();
        assert_eq!(header.get(12), Some("rejected_row"));
        assert_eq!(header.get(13), Some("rejected_reason"));
        let records: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("record")).collect();
        assert_eq!(records.len(), 8);
        let nhs = records
            .iter()
            .find(|r| r.get(0) == Some("T-3"))
            .expect("row of T-3");
        assert_eq!(nhs.get(12), Some("4"));
        assert!(nhs
            .get(13)
            .unwrap_or_default()
            .contains("nhs_number: NHS number is not valid"));
    }
);

on_both_databases!(
    a_header_with_unknown_or_missing_columns_is_refused,
    |t: Target| {
        let file = t.file(
            "bad_header.csv",
            "external_id,given_name,surname,date_of_birth\nX1,Amelia,Smith,2019-03-07\n",
        );
        let out = t.ecaf(&["import", "people", &file.display().to_string()]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("unknown column(s) in the header row: surname"),
            "{stderr}"
        );
        assert!(
            stderr.contains("required column(s) missing: family_name"),
            "{stderr}"
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM people").await, 0);
    }
);

on_both_databases!(
    an_external_id_already_on_the_register_is_refused,
    |t: Target| {
        let first = t.ecaf(&["import", "people", &fixture("people.csv")]);
        assert!(first.status.success(), "{}", text(&first.stderr));
        let file = t.file(
        "again.csv",
        "external_id,given_name,family_name,date_of_birth,nhs_number\nMIS-1001,Amelia,Smith,2019-03-07,\nNEW-1,Grace,Okafor,1988-11-02,401 023 4598\n",
    );
        let out = t.ecaf(&["import", "people", &file.display().to_string()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains(
            "row 2, column external_id: External id MIS-1001 is already on the register"
        ));
        assert_eq!(t.count("SELECT COUNT(*) FROM people").await, 5);
        // With --skip-invalid the new person goes in, and is flagged against the register.
        let rejected = t.dir.path().join("rejected.csv").display().to_string();
        let out = t.ecaf(&[
            "import",
            "people",
            &file.display().to_string(),
            "--skip-invalid",
            &rejected,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("row 3 and register person"), "{stdout}");
        assert!(
            stdout.contains("(external id MIS-1002): same name and date of birth"),
            "{stdout}"
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM people").await, 6);
    }
);

on_both_databases!(
    search_finds_a_misspelt_child_with_a_wrong_date_of_birth_digit,
    |t: Target| {
        let out = t.ecaf(&["import", "people", &fixture("people.csv")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = t.ecaf(&[
            "search",
            "--given",
            "Amilia",
            "--family",
            "Okafor Smith",
            "--dob",
            "2019-03-01",
            "--json",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let hits: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(hits[0]["external_id"], "MIS-1001", "{hits:#}");
        assert!(hits[0]["score"].as_f64().is_some());
        assert!(
            hits[0]["explanation"]
                .as_str()
                .unwrap_or_default()
                .contains("date of birth differs by one digit"),
            "{hits:#}"
        );
        let table = t.ecaf(&[
            "search",
            "--given",
            "Amilia",
            "--family",
            "Okafor Smith",
            "--dob",
            "2019-03-01",
        ]);
        let stdout = text(&table.stdout);
        assert!(
            stdout
                .lines()
                .nth(1)
                .is_some_and(|l| l.contains("MIS-1001")),
            "{stdout}"
        );
        assert!(
            t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
                .await
                >= 2
        );
    }
);

on_both_databases!(
    search_refuses_malformed_values_with_status_2,
    |t: Target| {
        for (args, message) in [
            (
                vec!["search", "--given", "Amelia", "--dob", "2019-02-30"],
                "date of birth must be a real date",
            ),
            (
                vec!["search", "--nhs-number", "401 023 4564"],
                "check digit does not match",
            ),
            (
                vec!["search", "--upn", "A12"],
                "unique pupil number in the correct format",
            ),
            (vec!["search"], "give at least one of"),
            (
                vec!["search", "--family", "Hughes"],
                "too little to rank anyone on",
            ),
        ] {
            let out = t.ecaf(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(
                text(&out.stderr).contains(message),
                "{args:?}: {}",
                text(&out.stderr)
            );
        }
    }
);

on_both_databases!(
    bulk_ids_do_not_collide_with_people_added_afterwards,
    |t: Target| {
        let store = t.store().await;
        let grant = operator_grant::<UseRegister>();
        let by = Attribution::default();
        let today = chrono::Utc::now().date_naive();
        let person = |given: &str, row: u64| ImportPerson {
            source_row: row,
            external_id: None,
            details: PersonInput {
                given_name: given.into(),
                family_name: "Shaw".into(),
                date_of_birth: "2015-06-01".into(),
                ..PersonInput::default()
            }
            .validate(today)
            .expect("valid"),
        };
        let (ids, done) = store
            .import_people_batch(&grant, &by, "test", &[person("Ava", 2), person("Ben", 3)])
            .await
            .expect("import");
        assert_eq!(done.people, 2);
        let later = store
            .create_person(&grant, &by, &person("Cal", 0).details, None, "")
            .await
            .expect("a person added after an import");
        assert!(!ids.contains(&later));
        let hits = store
            .search_people(
                &grant,
                &by,
                &ecaf_domain::matching::MatchQuery {
                    given_name: Some("Ava".into()),
                    family_name: Some("Shaw".into()),
                    ..Default::default()
                },
                5,
            )
            .await
            .expect("search");
        assert_eq!(hits.first().map(|h| h.id), ids.first().copied());
        store.close().await;
    }
);

on_both_databases!(
    near_misses_are_flagged_within_the_file_and_against_the_register,
    |t: Target| {
        let first = t.file(
            "first.csv",
            "external_id,given_name,family_name,date_of_birth,postcode\n\
             A1,William,Smith,2015-03-07,BB1 1AB\n\
             A2,Thomas,Smith,2015-03-07,BB1 1AB\n",
        );
        let out = t.ecaf(&["import", "people", &first.display().to_string()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        // William and Thomas are twins, not one child twice.
        assert!(
            text(&out.stdout).contains("Likely duplicates: 0 "),
            "{}",
            text(&out.stdout)
        );

        let second = t.file(
            "second.csv",
            "external_id,given_name,family_name,date_of_birth,postcode\n\
             B1,Bill,Smyth,2015-07-03,BB1 1AB\n\
             B2,Jon,Brown,2018-01-02,\n\
             B3,John,Browne,2018-01-02,\n\
             B4,Zara,Ahmed,2016-05-05,\n",
        );
        let report = t.dir.path().join("duplicates.csv");
        let out = t.ecaf(&[
            "import",
            "people",
            &second.display().to_string(),
            "--duplicates-report",
            &report.display().to_string(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(
                "Likely duplicates: 2 (1 within the file, 1 with people already on the register;"
            ) && stdout.contains("2 near misses"),
            "{stdout}"
        );
        let written = std::fs::read_to_string(&report).expect("report");
        assert!(
            written.contains("2,,1,A1,likely the same person: ")
                && written.contains("day and month of birth swapped"),
            "Bill Smyth is William Smith: {written}"
        );
        assert!(
            written.contains("4,3,,,likely the same person: ")
                && written.contains("John is a short form or variant of Jon"),
            "John Browne is Jon Brown: {written}"
        );
        assert!(!written.contains("Ahmed") && !written.lines().any(|l| l.starts_with("5,")));
        assert_eq!(
            t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.duplicate_check'")
                .await,
            2
        );

        let third = t.file(
            "third.csv",
            "external_id,given_name,family_name,date_of_birth\nC1,Willy,Smith,2015-03-07\n",
        );
        let out = t.ecaf(&[
            "import",
            "people",
            &third.display().to_string(),
            "--exact-duplicates-only",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("Likely duplicates: 0 "),
            "{}",
            text(&out.stdout)
        );
    }
);

#[test]
fn serve_refuses_invalid_configuration_before_opening_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    for (args, env, option) in [
        (
            &["--session-idle-minutes", "0"][..],
            None,
            "--session-idle-minutes",
        ),
        (
            &["--session-absolute-hours", "0"][..],
            None,
            "--session-absolute-hours",
        ),
        (
            &["--session-absolute-hours", "25"][..],
            None,
            "--session-absolute-hours",
        ),
        (&["--body-limit-kb", "8"][..], None, "--body-limit-kb"),
        (
            &["--trusted-proxy", "10.0.0.0/33"][..],
            None,
            "--trusted-proxy",
        ),
        (
            &[][..],
            Some(("ECAF_TRUSTED_PROXIES", "10.0.0.1,load-balancer")),
            "--trusted-proxy",
        ),
        (&["--body-limit-kb", "1048576"][..], None, "--body-limit-kb"),
        (
            &["--request-timeout-seconds", "0"][..],
            None,
            "--request-timeout-seconds",
        ),
        (
            &[][..],
            Some(("ECAF_REQUEST_TIMEOUT_SECONDS", "601")),
            "--request-timeout-seconds",
        ),
        (
            &["--header-read-timeout-seconds", "0"][..],
            None,
            "--header-read-timeout-seconds",
        ),
        (&["--max-connections", "0"][..], None, "--max-connections"),
        (
            &["--smtp-url", "smtp://mail.example:587"][..],
            None,
            "--mail-from",
        ),
        (
            &[
                "--smtp-url",
                "http://mail.example",
                "--mail-from",
                "a@b.example",
            ][..],
            None,
            "--smtp-url is not usable",
        ),
        (
            &["--smtp-url", "smtp://mail.example", "--mail-folder", "mail"][..],
            Some(("ECAF_MAIL_FROM", "a@b.example")),
            "--mail-folder",
        ),
        (&["--mail-from", "not an address"][..], None, "--mail-from"),
        (
            &[][..],
            Some(("ECAF_PUBLIC_URL", "ftp://ecaf.example")),
            "--public-url",
        ),
        (&["--digest-hour", "24"][..], None, "--digest-hour"),
        // The clock runs ahead only for the demo, and not by more than 400 days.
        (&["--days-ahead", "5"][..], None, "--demo"),
        (&["--demo", "--days-ahead", "401"][..], None, "--days-ahead"),
        (
            &[
                "--session-idle-minutes",
                "181",
                "--session-absolute-hours",
                "3",
            ][..],
            None,
            "--session-idle-minutes (181) must not be more than --session-absolute-hours (3)",
        ),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecaf"));
        command
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("ECAF_DATABASE_URL")
            .env("ECAF_DATA_DIR", &data)
            .env("ECAF_LOG", "warn");
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        let out = output_within(&mut command, Duration::from_secs(5));
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(option), "{args:?} {env:?}: {stderr}");
        assert!(!data.exists(), "{args:?} {env:?} opened the database");
    }
}

on_both_databases!(
    serve_with_demo_on_a_database_with_real_users_warns_and_serves_without_demo_data,
    |t: Target| {
        let out = t.ecaf(&[
            "user",
            "create",
            "--email",
            "jane.smith@example.gov.uk",
            "--name",
            "Jane Smith",
            "--agency",
            "Example Council Early Help Team",
            "--role",
            "admin",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));

        let mut child = t
            .command(&["serve", "--demo", "--listen", "127.0.0.1:0"])
            .env("ECAF_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ecaf serve");
        let (lines, received) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut log = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(8);
        let address = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = received.recv_timeout(left) else {
                let _ = child.kill();
                let stderr = child.wait_with_output().map(|o| text(&o.stderr));
                panic!(
                    "ecaf serve did not start listening:\n{}\n{stderr:?}",
                    log.join("\n")
                );
            };
            let address = line.split_once("listening on http://").map(|(_, rest)| {
                rest.chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect::<String>()
            });
            log.push(line);
            if let Some(address) = address {
                break address;
            }
        };
        let health = http_get(&address, "/healthz");
        let _ = child.kill();
        let _ = child.wait();
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        let log = log.join("\n");
        assert!(
            log.contains(
                "--demo ignored: this database holds real users; demo data is only loaded into \
                 a database without them"
            ),
            "{log}"
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM users WHERE is_demo = 1")
                .await,
            0
        );
    }
);

/// The raw response to one GET, over a connection of its own.
fn http_get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

/// Run to the end, but fail (and stop it) if it is still running after `limit`: a serve that
/// accepted a bad value would otherwise run for ever.
fn output_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ecaf");
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait for ecaf").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("collect output");
            panic!(
                "still running after {limit:?}:\n{}{}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collect output")
}

/// `ecaf search` with its index snapshot in `snapshots`, logging what it did with it.
fn search_with_snapshot(t: &Target, snapshots: &Path, args: &[&str]) -> (Vec<String>, String) {
    let mut all = vec!["search", "--json", "--index-snapshot-dir"];
    let dir = snapshots.display().to_string();
    all.push(&dir);
    all.extend_from_slice(args);
    let out = t
        .command(&all)
        .env("ECAF_LOG", "info")
        .output()
        .expect("run ecaf");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids = hits
        .as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| h["external_id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    (ids, text(&out.stderr))
}

on_both_databases!(
    search_starts_from_the_index_snapshot_caught_up_and_rebuilds_a_damaged_one,
    |t: Target| {
        let snapshots = t.dir.path().join("snapshots");
        let dir = snapshots.display().to_string();
        // The near-miss check builds the index, and so writes the first snapshot.
        let out = t.ecaf(&[
            "import",
            "people",
            "--index-snapshot-dir",
            &dir,
            &fixture("people.csv"),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let file = snapshots.join("matching-index.snapshot");
        assert!(file.exists(), "no snapshot written by the import");

        // A change made behind the change feed's back is invisible to an index read from the
        // snapshot (and would be seen by one built from the database): the snapshot is used.
        let store = t.store().await;
        sqlx::query("UPDATE people SET family_name = 'Zebedee' WHERE external_id = 'MIS-1001'")
            .execute(store.pool())
            .await
            .expect("update behind the feed");
        let zebedee = ["--family", "Zebedee", "--dob", "2019-03-07"];
        let (ids, log) = search_with_snapshot(&t, &snapshots, &zebedee);
        assert!(ids.is_empty(), "{ids:?}");
        assert!(
            log.contains("matching index read from its snapshot"),
            "{log}"
        );

        // A change through the feed after the snapshot was written is found: caught up.
        let today = chrono::Utc::now().date_naive();
        let details = PersonInput {
            given_name: "Zara".into(),
            family_name: "Quinlan".into(),
            date_of_birth: "2018-05-05".into(),
            ..PersonInput::default()
        }
        .validate(today)
        .expect("valid");
        let zara = store
            .create_person(
                &operator_grant::<UseRegister>(),
                &Attribution::default(),
                &details,
                None,
                "",
            )
            .await
            .expect("add Zara");
        store.close().await;
        let out = t
            .command(&[
                "search",
                "--json",
                "--index-snapshot-dir",
                &dir,
                "--given",
                "Zara",
                "--family",
                "Quinlan",
            ])
            .output()
            .expect("run ecaf");
        let hits: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(hits[0]["id"], zara, "{hits:#}");

        // A damaged snapshot is not used: the index is built from the database (which sees
        // the change made behind the feed's back) and a good snapshot written in its place.
        let mut bytes = std::fs::read(&file).expect("read snapshot");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&file, &bytes).expect("damage snapshot");
        let (ids, log) = search_with_snapshot(&t, &snapshots, &zebedee);
        assert_eq!(ids, ["MIS-1001"], "{log}");
        assert!(log.contains("snapshot not used"), "{log}");
        assert!(log.contains("the snapshot is damaged"), "{log}");
        assert!(
            log.contains("matching index built from the database"),
            "{log}"
        );
        let (_, log) = search_with_snapshot(&t, &snapshots, &zebedee);
        assert!(
            log.contains("matching index read from its snapshot"),
            "{log}"
        );
        let partial = std::fs::read_dir(&snapshots)
            .expect("list snapshots")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name() != "matching-index.snapshot")
            })
            .count();
        assert_eq!(partial, 0, "a partial snapshot was left behind");

        // A snapshot whose last change is not in the feed as it records it belongs to another
        // database (or to this one before a restore from backup): rebuilt, not trusted.
        let store = t.store().await;
        sqlx::query(
            "UPDATE person_changes SET at = at + 1 WHERE seq = (SELECT MAX(seq) FROM person_changes)",
        )
        .execute(store.pool())
        .await
        .expect("alter the last change");
        store.close().await;
        let (ids, log) = search_with_snapshot(&t, &snapshots, &zebedee);
        assert_eq!(ids, ["MIS-1001"], "{log}");
        assert!(log.contains("of another database"), "{log}");
        assert!(
            log.contains("matching index built from the database"),
            "{log}"
        );
    }
);

/// The register a CAF index is imported into: the people of `people.csv` (MIS-1001 to
/// MIS-1005) and the agency "Riverside Primary School".
fn register_for_cafs(t: &Target) {
    let user = t.ecaf(&[
        "user",
        "create",
        "--email",
        "admin@riverside.example",
        "--name",
        "Ada Admin",
        "--agency",
        "Riverside Primary School",
        "--role",
        "admin",
    ]);
    assert!(user.status.success(), "{}", text(&user.stderr));
    let people = t.ecaf(&["import", "people", &fixture("people.csv")]);
    assert!(people.status.success(), "{}", text(&people.stderr));
}

const CAF_HEADER: &str = "reference,child_external_id,status,opened_on,closed_on,owning_agency,lead_professional_name,lead_professional_email,lead_professional_phone\n";

/// A good index: an open and a closed CAF for one child, a closed one for another.
fn good_caf_index(t: &Target) -> String {
    t.file(
        "cafs.csv",
        &format!(
            "{CAF_HEADER}\
             EH/2024/3,MIS-1001,open,2024-02-01,,riverside primary school,Jo Bloggs,JO.Bloggs@school.example,01632 960 001\n\
             EH/2021/17,MIS-1001,Closed,2021-05-04,2022-01-31,Riverside Primary School,,,\n\
             EH/2023/8,MIS-1003,closed,2023-01-10,2023-09-30,Riverside Primary School,Sam Lee,,\n"
        ),
    )
    .display()
    .to_string()
}

on_both_databases!(
    a_caf_index_is_imported_with_its_children_events_and_one_audit_row,
    |t: Target| {
        register_for_cafs(&t);
        let out = t.ecaf(&["import", "cafs", &good_caf_index(&t)]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("Imported 3 CAFs (1 open, 2 closed)"),
            "{stdout}"
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cafs WHERE imported = 1 AND kind = 'child' AND assessor_id IS NULL AND lead_professional_id IS NULL")
                .await,
            3
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cafs c JOIN agencies a ON a.id = c.owning_agency_id WHERE c.reference = 'EH/2024/3' AND c.state = 'plan_in_place' AND c.opened_on = '2024-02-01' AND c.closed_on IS NULL AND a.name = 'Riverside Primary School' AND c.imported_contact = 'Jo Bloggs, jo.bloggs@school.example, 01632 960 001'")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cafs WHERE reference = 'EH/2021/17' AND state = 'closed' AND closed_on = '2022-01-31' AND imported_contact IS NULL")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM caf_children k JOIN cafs c ON c.id = k.caf_id JOIN people p ON p.id = k.person_id WHERE p.external_id = 'MIS-1001'")
                .await,
            2
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM caf_events WHERE kind = 'caf.imported' AND summary LIKE '%imported from cafs.csv, row %'")
                .await,
            3
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.import' AND detail LIKE '3 CAFs imported from cafs.csv (rows 2–4)%'")
                .await,
            1
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM caf_sections").await, 0);
        assert_eq!(t.count("SELECT COUNT(*) FROM caf_consents").await, 0);
    }
);

on_both_databases!(
    an_invalid_caf_index_is_all_reported_and_nothing_is_imported,
    |t: Target| {
        register_for_cafs(&t);
        let file = t.file(
            "bad_cafs.csv",
            &format!(
                "{CAF_HEADER}\
                 EH/1,MIS-9999,open,2024-02-01,,Riverside Primary School,,,\n\
                 EH/2,MIS-1001,open,2024-02-01,,Brookford Health Visiting,,,\n\
                 EH/3,MIS-1002,open,2099-01-01,,Riverside Primary School,,,\n\
                 EH/4,MIS-1002,closed,2024-02-01,2023-01-01,Riverside Primary School,,,\n\
                 EH/5,MIS-1002,closed,2024-02-30,,Riverside Primary School,,,\n\
                 EH/6,MIS-1003,closed,2024-02-01,,Riverside Primary School,,,\n\
                 EH/7,MIS-1003,closed,2022-01-01,2022-06-01,Riverside Primary School,,,\n\
                 EH/7,MIS-1004,closed,2022-01-01,2022-06-01,Riverside Primary School,,,\n\
                 EH/9,MIS-1005,open,2024-02-01,,Riverside Primary School,,not-an-email,12\n\
                 EH/10,MIS-1004,open,2024-03-01,,Riverside Primary School,,,\n\
                 EH/11,MIS-1004,open,2024-04-01,,Riverside Primary School,,,\n\
                 EH/12,MIS-1005,pending,2024-04-01,,Riverside Primary School,,,\n\
                 CAF-2026-000001,MIS-1005,closed,2020-01-01,2020-02-01,Riverside Primary School,,,\n\
                 EH/1,MIS-1005,closed,2020-01-01,2020-02-01,Nowhere,,,\n"
            ),
        );
        let out = t.ecaf(&["import", "cafs", &file.display().to_string()]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
        let stderr = text(&out.stderr);
        for expected in [
            "row 2, column child_external_id: No one on the register has external id MIS-9999",
            "row 3, column owning_agency: No agency called Brookford Health Visiting",
            "row 4, column opened_on: The date opened must be today or in the past",
            "row 5, column closed_on: The date closed must be the same as or after the date opened",
            "row 6, column opened_on: The date opened must be a real date in the form YYYY-MM-DD",
            "row 6, column closed_on: Enter the date the CAF was closed (its status is closed)",
            "row 7, column closed_on: Enter the date the CAF was closed",
            "row 9, column reference: Reference EH/7 is also on row 8",
            "row 10, column lead_professional_email: Enter an email address in the correct format",
            "row 10, column lead_professional_phone: Enter a telephone number",
            "row 11, column status: Jayden Walker also has an open CAF on row 12",
            "row 12, column status: Jayden Walker also has an open CAF on row 11",
            "row 13, column status: Status must be open or closed, not pending",
            "row 14, column reference: Reference CAF-2026-000001 has the form of this service's own CAF references",
            "row 15, column reference: Reference EH/1 is also on row 2",
            "row 15, column owning_agency: No agency called Nowhere",
            "13 of 14 rows are invalid; nothing was imported",
        ] {
            assert!(
                stderr.contains(expected),
                "missing {expected:?} in:\n{stderr}"
            );
        }
        assert!(!stderr.contains("row 8,"), "row 8 is valid:\n{stderr}");
        assert_eq!(t.count("SELECT COUNT(*) FROM cafs").await, 0);
        assert_eq!(
            t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.import'")
                .await,
            0
        );

        let header = t.file(
            "bad_header.csv",
            "reference,child,status,opened_on,opened_on,owning_agency\nEH/1,MIS-1001,open,2024-02-01,2024-02-01,Riverside Primary School\n",
        );
        let out = t.ecaf(&["import", "cafs", &header.display().to_string()]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        for expected in [
            "unknown column(s) in the header row: child",
            "column(s) given more than once: opened_on",
            "required column(s) missing: child_external_id",
        ] {
            assert!(stderr.contains(expected), "{expected:?} in:\n{stderr}");
        }
        assert_eq!(t.count("SELECT COUNT(*) FROM cafs").await, 0);
    }
);

on_both_databases!(
    skip_invalid_imports_the_other_cafs_and_writes_the_rejected_rows_with_reasons,
    |t: Target| {
        register_for_cafs(&t);
        let file = t.file(
            "some_bad.csv",
            &format!(
                "{CAF_HEADER}\
                 EH/1,MIS-1001,open,2024-02-01,,Riverside Primary School,Jo Bloggs,,\n\
                 EH/2,MIS-9999,closed,2021-02-01,2021-03-01,Riverside Primary School,,,\n\
                 EH/3,MIS-1002,closed,2021-02-01,2021-03-01,Riverside Primary School,,,\n"
            ),
        );
        let rejected = t.dir.path().join("rejected.csv");
        let out = t.ecaf(&[
            "import",
            "cafs",
            &file.display().to_string(),
            "--skip-invalid",
            &rejected.display().to_string(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("Imported 2 CAFs (1 open, 1 closed)"),
            "{stdout}"
        );
        assert!(stdout.contains("1 invalid rows skipped"), "{stdout}");
        assert_eq!(t.count("SELECT COUNT(*) FROM cafs").await, 2);
        let mut reader = csv::Reader::from_path(&rejected).expect("rejected file");
        let header = reader.headers().expect("header").clone();
        assert_eq!(header.get(9), Some("rejected_row"));
        assert_eq!(header.get(10), Some("rejected_reason"));
        let records: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("record")).collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].get(0), Some("EH/2"));
        assert_eq!(records[0].get(9), Some("3"));
        assert!(records[0]
            .get(10)
            .unwrap_or_default()
            .contains("child_external_id: No one on the register has external id MIS-9999"));
    }
);

on_both_databases!(
    re_importing_a_caf_index_adds_nothing_twice_and_brings_its_closures_across,
    |t: Target| {
        register_for_cafs(&t);
        let good = good_caf_index(&t);
        let first = t.ecaf(&["import", "cafs", &good]);
        assert!(first.status.success(), "{}", text(&first.stderr));
        let again = t.ecaf(&["import", "cafs", &good]);
        assert!(again.status.success(), "{}", text(&again.stderr));
        let stdout = text(&again.stdout);
        assert!(stdout.contains("Imported 0 CAFs"), "{stdout}");
        assert!(
            stdout.contains("3 rows already on the register (same reference), left as they were"),
            "{stdout}"
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM cafs").await, 3);
        assert_eq!(t.count("SELECT COUNT(*) FROM caf_events").await, 3);

        // A second open CAF for the child is refused while the imported one is open; the
        // next export of the index closes it and opens the next one.
        let clash = t.file(
            "clash.csv",
            &format!(
                "{CAF_HEADER}EH/2026/1,MIS-1001,open,2026-01-05,,Riverside Primary School,,,\n"
            ),
        );
        let out = t.ecaf(&["import", "cafs", &clash.display().to_string()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("row 2, column status: Amelia Okafor-Smith already has an open CAF (EH/2024/3, imported before)"),
            "{}",
            text(&out.stderr)
        );
        let later = t.file(
            "later.csv",
            &format!(
                "{CAF_HEADER}\
                 EH/2024/3,MIS-1001,closed,2024-02-01,2025-12-19,Riverside Primary School,Jo Bloggs,,\n\
                 EH/2026/1,MIS-1001,open,2026-01-05,,Riverside Primary School,,,\n\
                 EH/2021/17,MIS-1001,closed,2021-05-04,2022-01-31,Riverside Primary School,,,\n"
            ),
        );
        let out = t.ecaf(&["import", "cafs", &later.display().to_string()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("Imported 1 CAF (1 open, 0 closed)"),
            "{stdout}"
        );
        assert!(stdout.contains("1 row already on the register"), "{stdout}");
        assert!(
            stdout.contains("1 CAF imported open before closed, as the file now says"),
            "{stdout}"
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cafs WHERE reference = 'EH/2024/3' AND state = 'closed' AND closed_on = '2025-12-19'")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cafs WHERE reference = 'EH/2026/1' AND state = 'plan_in_place'")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM caf_events WHERE kind = 'caf.closed'")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.import'")
                .await,
            2
        );
    }
);

on_both_databases!(
    a_caf_for_a_merged_record_goes_to_the_record_kept,
    |t: Target| {
        register_for_cafs(&t);
        // The two Jayden Walkers of people.csv turn out to be one boy: MIS-1004 is merged
        // into MIS-1003, and the previous system knew him by either id.
        let store = t.store().await;
        let id_of = |external: &'static str| {
            let store = store.clone();
            async move {
                let row = sqlx::query("SELECT id FROM people WHERE external_id = $1")
                    .bind(external)
                    .fetch_one(store.pool())
                    .await
                    .expect("person");
                sqlx::Row::get::<i64, _>(&row, "id")
            }
        };
        let (kept, merged) = (id_of("MIS-1003").await, id_of("MIS-1004").await);
        store
            .merge_people(
                &operator_grant::<ecaf_domain::access::MergePeople>(),
                &Attribution::default(),
                &ecaf_store::merges::MergeRequest {
                    kept_id: kept,
                    merged_id: merged,
                    reason: "the same boy",
                    seen: None,
                    key: None,
                },
            )
            .await
            .expect("merge");
        store.close().await;
        let file = t.file(
            "merged.csv",
            &format!(
                "{CAF_HEADER}\
                 EH/1,MIS-1004,open,2024-02-01,,Riverside Primary School,,,\n\
                 EH/2,MIS-1003,open,2024-03-01,,Riverside Primary School,,,\n"
            ),
        );
        let out = t.ecaf(&["import", "cafs", &file.display().to_string()]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("row 2, column status: Jayden Walker also has an open CAF on row 3"),
            "{stderr}"
        );
        let file = t.file(
            "merged.csv",
            &format!("{CAF_HEADER}EH/1,MIS-1004,open,2024-02-01,,Riverside Primary School,,,\n"),
        );
        let out = t.ecaf(&["import", "cafs", &file.display().to_string()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            t.count(&format!(
                "SELECT COUNT(*) FROM caf_children k JOIN cafs c ON c.id = k.caf_id WHERE c.reference = 'EH/1' AND k.person_id = {kept}"
            ))
            .await,
            1
        );
    }
);

on_both_databases!(
    bench_caf_loads_cafs_that_the_pages_show_to_their_assessors,
    |t: Target| {
        // The benchmark stops on any page that does not answer 200 for the CAF's assessor, so
        // a run is also a check that the bulk-loaded CAFs are whole.
        let data = t.dir.path().join("bench");
        let server = std::env::var("ECAF_TEST_POSTGRES_URL").unwrap_or_default();
        let mut args = vec![
            "bench",
            "caf",
            "--people",
            "3000",
            "--cafs",
            "150",
            "--requests",
            "20",
            "--json",
        ];
        let data_arg = data.display().to_string();
        match &t.url {
            Some(_) => args.extend(["--database-url", server.as_str(), "--keep"]),
            None => args.extend(["--data-dir", data_arg.as_str()]),
        }
        let out = t.ecaf(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        assert_eq!(report["cafs"], 150);
        let for_caf = report["search_for_caf_children"].as_i64().expect("count");
        assert!(for_caf > 0);
        assert_eq!(report["search_showed_caf"].as_i64(), Some(for_caf));
        let latencies = report["latencies"].as_array().expect("latencies");
        assert_eq!(latencies.len(), 8);
        assert!(
            latencies.iter().all(|l| l["requests"] == 20),
            "{latencies:?}"
        );

        let clock = Arc::new(SystemClock);
        let store = match &t.url {
            Some(_) => {
                let stderr = text(&out.stderr);
                let name = stderr
                    .lines()
                    .find_map(|l| l.strip_prefix("kept database "))
                    .expect("the kept database named");
                let (base, _) = server.rsplit_once('/').expect("a server URL");
                Store::connect(&format!("{base}/{name}"), clock).await
            }
            None => Store::open_data_dir(&data, clock).await,
        }
        .expect("open the benchmark's database");
        let count = |sql: &'static str| {
            let pool = store.pool().clone();
            async move {
                let row = sqlx::query(sql).fetch_one(&pool).await.expect(sql);
                sqlx::Row::get::<i64, _>(&row, 0)
            }
        };
        let signed_off = report["signed_off"].as_i64().expect("signed off");
        let sections = report["sections"].as_i64().expect("sections");
        assert!(signed_off > 0 && report["family_cafs"].as_i64() > Some(0));
        assert_eq!(count("SELECT COUNT(*) FROM cafs").await, 150);
        assert_eq!(
            count("SELECT COUNT(*) FROM cafs WHERE reference LIKE 'pending-%'").await,
            0
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM caf_consents WHERE stage = 'agreement'").await,
            150
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM caf_events WHERE kind = 'caf.started'").await,
            150
        );
        assert_eq!(count("SELECT COUNT(*) FROM caf_sections").await, sections);
        assert_eq!(
            count("SELECT COUNT(*) FROM caf_events WHERE kind = 'section.saved'").await,
            sections
        );
        assert_eq!(count("SELECT COUNT(*) FROM caf_versions").await, signed_off);
        assert_eq!(
            count("SELECT COUNT(*) FROM cafs WHERE state = 'assessment_signed_off'").await,
            signed_off
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM caf_events WHERE kind = 'caf.signed_off'").await,
            signed_off
        );
        // No child is on two open CAFs, which `start_caf` would refuse.
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM (SELECT person_id FROM caf_children GROUP BY person_id \
                 HAVING COUNT(*) > 1) twice"
            )
            .await,
            0
        );
        // Every page view went through the access decision and its audit row.
        assert!(count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.view'").await >= 240);
        assert_eq!(
            count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.bulk_load'").await,
            1
        );
        store.close().await;
    }
);

on_both_databases!(
    bench_home_loads_an_area_and_times_every_home_page_and_the_alerts,
    |t: Target| {
        // The benchmark stops on any home page that does not answer 200, so a run is also a
        // check that the bulk-loaded caseload is whole enough to list and alert on.
        let data = t.dir.path().join("bench-home");
        let server = std::env::var("ECAF_TEST_POSTGRES_URL").unwrap_or_default();
        let data_arg = data.display().to_string();
        let mut args = vec![
            "bench",
            "home",
            "--children",
            "600",
            "--open-cafs",
            "120",
            "--practitioners",
            "8",
            "--requests",
            "3",
            "--alert-runs",
            "1",
            "--json",
        ];
        match &t.url {
            Some(_) => args.extend(["--database-url", server.as_str()]),
            None => args.extend(["--data-dir", data_arg.as_str()]),
        }
        let out = t.ecaf(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        assert_eq!(report["open_cafs"], 120);
        assert_eq!(report["closed_cafs"], 30);
        assert!(report["actions"].as_i64() > Some(0) && report["reviews"].as_i64() > Some(0));
        assert!(report["alerts"].as_i64() > Some(0), "{report}");
        let latencies = report["latencies"].as_array().expect("latencies");
        assert_eq!(latencies.len(), 5);
        assert!(
            latencies[..4].iter().all(|l| l["requests"] == 3),
            "{latencies:?}"
        );
    }
);

/// A whole CAF another system exported, with the family's agreement here added.
const CAF_DOCUMENT: &str = r#"{
  "format": "ecaf.caf/1",
  "reference": "LEEDS-EH-4471",
  "owning_agency": { "name": "Leeds Early Help Hub" },
  "children": [{ "given_name": "Ruby", "family_name": "Okoro", "date_of_birth": "2018-02-11" }],
  "sections": [{ "key": "family_background", "content": { "family_background": "Moved from Leeds in the summer." } }],
  "events": [{ "summary": "LEEDS-EH-4471 started" }],
  "agreement": { "given_by": { "kind": "parent_or_carer", "name": "Grace Okoro" }, "on": "2025-06-01", "may_contact_agencies": true }
}"#;

on_both_databases!(
    a_caf_document_is_received_by_the_named_user_or_refused_field_by_field,
    |t: Target| {
        let user = t.ecaf(&[
            "user",
            "create",
            "--email",
            "eve@brookford.example",
            "--name",
            "Eve Early-Help",
            "--agency",
            "Brookford Early Help Team",
            "--role",
            "early_help_team",
        ]);
        assert!(user.status.success(), "{}", text(&user.stderr));
        let bad = t.file(
            "bad.json",
            &CAF_DOCUMENT
                .replace("\"agreement\"", "\"agreed\"")
                .replace("2018-02-11", "11/02/2018"),
        );
        let out = t.ecaf(&[
            "import",
            "caf",
            &bad.display().to_string(),
            "--as",
            "eve@brookford.example",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("children[0].date_of_birth") && stderr.contains("agreement:"),
            "{stderr}"
        );
        let nobody = t.ecaf(&[
            "import",
            "caf",
            &bad.display().to_string(),
            "--as",
            "nobody@example.org",
        ]);
        assert_eq!(nobody.status.code(), Some(2));
        assert!(text(&nobody.stderr).contains("There is no active user nobody@example.org"));
        assert_eq!(t.count("SELECT COUNT(*) FROM cafs").await, 0);

        let good = t.file("caf.json", CAF_DOCUMENT);
        let out = t.ecaf(&[
            "import",
            "caf",
            &good.display().to_string(),
            "--as",
            "eve@brookford.example",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("Received LEEDS-EH-4471 from Leeds Early Help Hub as CAF-"),
            "{stdout}"
        );
        assert!(
            stdout.contains("Ruby Okoro") && stdout.contains("added to the register"),
            "{stdout}"
        );
        assert!(stdout.contains("Consent does not travel"), "{stdout}");
        assert_eq!(
            t.count("SELECT COUNT(*) FROM cafs c JOIN caf_received r ON r.caf_id = c.id WHERE c.state = 'draft' AND r.sender_reference = 'LEEDS-EH-4471'").await,
            1
        );
        assert_eq!(t.count("SELECT COUNT(*) FROM caf_sections").await, 1);
        let again = t.ecaf(&[
            "import",
            "caf",
            &good.display().to_string(),
            "--as",
            "eve@brookford.example",
        ]);
        assert_eq!(again.status.code(), Some(2));
        assert!(
            text(&again.stderr).contains("already has an open CAF"),
            "{}",
            text(&again.stderr)
        );
    }
);

/// Start `ecaf serve` on a free port and wait until it listens; returns the child and the
/// address.
fn start_serve(t: &Target, extra: &[&str]) -> (std::process::Child, String) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = t
        .command(&args)
        .env("ECAF_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ecaf serve");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = received.recv_timeout(left) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ecaf serve did not start listening");
        };
        if let Some((_, rest)) = line.split_once("listening on http://") {
            let address = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                .collect();
            return (child, address);
        }
    }
}

on_both_databases!(
    two_serve_instances_with_a_mail_folder_send_a_queued_mail_once,
    |t: Target| {
        let out = t.ecaf(&[
            "user",
            "create",
            "--email",
            "jane.smith@example.gov.uk",
            "--name",
            "Jane Smith",
            "--agency",
            "Example Council Early Help Team",
            "--role",
            "practitioner",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let store = t.store().await;
        let user = t
            .count("SELECT id FROM users WHERE email = 'jane.smith@example.gov.uk'")
            .await;
        let notification = ecaf_store::outbox::Notification::new(
            ecaf_domain::notification::NotificationKind::ReviewOverdue,
            "review_overdue:caf:1:2027-01-06",
            "/cafs/1",
        );
        store
            .enqueue_notification(user, &notification)
            .await
            .expect("queued");
        store.close().await;
        let folder = t.dir.path().join("mail");
        let folder_arg = folder.to_string_lossy().into_owned();
        let options = [
            "--mail-folder",
            folder_arg.as_str(),
            "--mail-from",
            "ecaf@council.example",
            "--public-url",
            "https://ecaf.council.example",
        ];
        let (mut first, _) = start_serve(&t, &options);
        let (mut second, _) = start_serve(&t, &options);
        // Each instance's scheduler ticks as it starts; wait for the mail to appear.
        let deadline = Instant::now() + Duration::from_secs(10);
        let files = loop {
            let files: Vec<_> = std::fs::read_dir(&folder)
                .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default();
            if !files.is_empty() || Instant::now() > deadline {
                break files;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        // Both instances have ticked by now (each ticks as it starts).
        std::thread::sleep(Duration::from_millis(500));
        let _ = first.kill();
        let _ = second.kill();
        let _ = first.wait();
        let _ = second.wait();
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(
            std::fs::read_dir(&folder).expect("folder").count(),
            1,
            "sent once"
        );
        let mail = std::fs::read_to_string(&files[0]).expect("the mail");
        assert!(
            mail.contains("A review is overdue on one of your CAFs."),
            "{mail}"
        );
        assert!(
            mail.contains("https://ecaf.council.example/cafs/1"),
            "{mail}"
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
                .await,
            1
        );
    }
);
