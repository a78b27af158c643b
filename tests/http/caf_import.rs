//! CAFs imported from a previous system's index, on both databases: the search hit, the
//! person's record and the API's search results show them with their owner and contact;
//! their page and the API give everyone existence only, audited; nothing can be saved to
//! them; and a child's open imported CAF stops a second one being started.
use super::people::search;
use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use ecaf_domain::access::{operator_grant, StartCaf, UseRegister};
use ecaf_domain::person::PersonInput;
use ecaf_store::caf::{CloseImported, ImportCaf};
use ecaf_store::{Attribution, StoreError};
use ecaf_tests::{on_both_databases, TestApp, EARLY_HELP, PRACTITIONER};
use serde_json::json;

const CONTACT: &str = "Jo Bloggs, jo.bloggs@school.example, 01632 960 001";

/// A page's text with the slashes of the references (which minijinja escapes) put back.
fn unescaped(html: &str) -> String {
    html.replace("&#x2f;", "/")
}

/// Amelia Hughes on the register, with an open CAF imported from the previous system (owned
/// by the test agency) and an older closed one. Returns (child, open CAF, closed CAF).
async fn imported(app: &TestApp) -> (i64, i64, i64) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let by = Attribution::default();
    let child = app
        .store
        .create_person(
            &operator_grant::<UseRegister>(),
            &by,
            &PersonInput {
                given_name: "Amelia".into(),
                family_name: "Hughes".into(),
                date_of_birth: "2019-03-07".into(),
                ..Default::default()
            }
            .validate(today)
            .unwrap(),
            Some("MIS-1001"),
            "test",
        )
        .await
        .unwrap();
    let caf = |reference: &str, opened: &str, closed: Option<&str>, row: u64| ImportCaf {
        source_row: row,
        reference: reference.into(),
        child_id: child,
        opened_on: opened.parse().unwrap(),
        closed_on: closed.map(|c| c.parse().unwrap()),
        owning_agency_id: app.agency_id,
        contact: Some(CONTACT.into()),
    };
    let done = app
        .store
        .import_cafs_batch(
            &operator_grant::<StartCaf>(),
            &by,
            "cafs.csv",
            &[
                caf("EH/2021/17", "2021-05-04", Some("2022-01-31"), 2),
                caf("EH/2024/3", "2024-02-01", None, 3),
            ],
            &[],
        )
        .await
        .unwrap();
    assert_eq!((done.open, done.closed), (1, 1));
    let id = |reference: &'static str| {
        let store = app.store.clone();
        async move {
            let row = sqlx::query("SELECT id FROM cafs WHERE reference = $1")
                .bind(reference)
                .fetch_one(store.pool())
                .await
                .unwrap();
            sqlx::Row::get::<i64, _>(&row, "id")
        }
    };
    (child, id("EH/2024/3").await, id("EH/2021/17").await)
}

on_both_databases!(
    search_record_and_api_show_an_imported_caf_with_its_owner_and_contact,
    |app| {
        let (child, open, _) = imported(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let hits = search(
            &mut sam,
            &[
                ("given_name", "Amelia"),
                ("family_name", "Hughes"),
                ("dob_day", "7"),
                ("dob_month", "3"),
                ("dob_year", "2019"),
            ],
        )
        .await;
        assert_eq!(hits.status, StatusCode::OK, "{}", hits.text);
        for expected in [
            "Open CAF (EH/2024/3) since 1 February 2024, Test Primary School (recorded in the previous system)",
            CONTACT,
        ] {
            assert!(
                unescaped(&hits.text).contains(expected),
                "{expected} in {}",
                hits.text
            );
        }

        let record = sam.get(&format!("/people/{child}")).await;
        assert_eq!(record.status, StatusCode::OK);
        for expected in [
            "EH/2024/3",
            "EH/2021/17",
            "Test Primary School",
            CONTACT,
            &format!("href=\"/cafs/{open}\""),
        ] {
            assert!(
                unescaped(&record.text).contains(expected),
                "{expected} in {}",
                record.text
            );
        }
        assert!(
            !record.text.contains("/cafs/new"),
            "no second CAF offered while the imported one is open"
        );

        let token = sam.create_token("search").await;
        let reply = sam
            .api_get(
                "/api/v1/people/search?given_name=Amelia&family_name=Hughes&date_of_birth=2019-03-07",
                &token,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let hits = reply.json();
        let amelia = hits
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == child)
            .expect("Amelia found");
        assert_eq!(
            amelia["caf_status"],
            "Open CAF (EH/2024/3) since 1 February 2024, Test Primary School (recorded in the previous system)"
        );
        assert_eq!(amelia["caf_contact"], CONTACT);
    }
);

on_both_databases!(
    an_imported_caf_is_existence_only_for_everyone_and_audited,
    |app| {
        let (_, open, closed) = imported(&app).await;
        // Even with a consent to share naming the agency on it (which nothing in ecaf can
        // record on an imported CAF), there is no content here to need to know about: the
        // early help team and the named agency's practitioner would otherwise read it.
        for caf in [open, closed] {
            let consent = sqlx::query(
                "INSERT INTO caf_consents (caf_id, stage, given_by, given_on, recorded_at) \
                 VALUES ($1, 'sharing', '{}', '2024-02-01', 0) RETURNING id",
            )
            .bind(caf)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
            sqlx::query("INSERT INTO caf_consent_agencies (consent_id, agency_id) VALUES ($1, $2)")
                .bind(sqlx::Row::get::<i64, _>(&consent, "id"))
                .bind(app.agency_id)
                .execute(app.store.pool())
                .await
                .unwrap();
        }
        for email in [PRACTITIONER, EARLY_HELP] {
            let mut client = app.signed_in(email).await;
            let page = client.get(&format!("/cafs/{open}")).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            for expected in [
                "A CAF was recorded for this child in the previous system",
                "Open (recorded in the previous system)",
                "1 February 2024",
                "Test Primary School",
                CONTACT,
            ] {
                assert!(page.text.contains(expected), "{expected} in {}", page.text);
            }
            // Every page of a CAF answers with the same view, never an error.
            for page in [
                "sections/family_background",
                "consent",
                "consent/withdraw",
                "sign-off",
                "versions",
                "versions/1",
            ] {
                let reply = client.get(&format!("/cafs/{open}/{page}")).await;
                assert_eq!(reply.status, StatusCode::OK, "{page}: {}", reply.text);
                assert!(
                    reply
                        .text
                        .contains("A CAF was recorded for this child in the previous system"),
                    "{page}: {}",
                    reply.text
                );
            }
            let old = client.get(&format!("/cafs/{closed}")).await;
            assert!(
                old.text
                    .contains("Closed (recorded in the previous system)")
                    && old.text.contains("31 January 2022"),
                "{}",
                old.text
            );

            let token = client.create_token("read").await;
            let reply = client
                .api_get(&format!("/api/v1/cafs/{open}"), &token)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            let view = reply.json();
            assert_eq!(view["access"], "existence_only");
            assert!(view.get("caf").is_none(), "{view}");
            assert_eq!(view["existence"]["reference"], "EH/2024/3");
            assert_eq!(view["existence"]["imported"], true);
            assert_eq!(view["existence"]["owning_agency"], "Test Primary School");
            assert_eq!(view["existence"]["contact"], CONTACT);

            let save = client
                .api_json(
                    Method::PUT,
                    &format!("/api/v1/cafs/{open}/sections/family_background"),
                    &token,
                    &json!({ "status": "in_progress", "content": { "text": "x" } }),
                )
                .await;
            assert_eq!(save.status, StatusCode::FORBIDDEN, "{}", save.text);
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_sections").await,
            0,
            "nothing saved to an imported CAF"
        );
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'caf.refused' AND record_id = $1 \
             AND detail LIKE '%recorded in the previous system: existence only%'",
        )
        .bind(open.to_string())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        // Per user: the seven pages, the API read and the refused save.
        assert_eq!(sqlx::Row::get::<i64, _>(&row, "n"), 18);
    }
);

on_both_databases!(
    an_open_imported_caf_stops_a_new_one_until_its_closure_is_imported,
    |app| {
        let (child, open, _) = imported(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let token = sam.create_token("start").await;
        let body = json!({
            "children": [child],
            "agreement": { "given_by": { "kind": "parent_or_carer", "name": "Laura Hughes" }, "on": "2026-11-20", "may_contact_agencies": true }
        });
        let refused = sam
            .api_json(Method::POST, "/api/v1/cafs", &token, &body)
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text
        );
        assert!(
            refused.text.contains("EH/2024/3")
                && refused.text.contains("recorded in the previous system")
                && refused.text.contains("Jo Bloggs"),
            "{}",
            refused.text
        );
        // The same on the page, in its error summary.
        let path = format!("/people/{child}/cafs/new");
        sam.get(&path).await;
        let page = sam
            .post(
                &path,
                &[
                    ("giver", "parent_or_carer"),
                    ("giver_name", "Laura Hughes"),
                    ("agreed_on-day", "20"),
                    ("agreed_on-month", "11"),
                    ("agreed_on-year", "2026"),
                    ("may_contact", "yes"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.text
        );
        let text = unescaped(&page.text);
        assert!(
            text.contains("govuk-error-summary")
                && text.contains("Amelia Hughes already has an open CAF (EH/2024/3) recorded in the previous system, owned by Test Primary School"),
            "{}",
            page.text
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM cafs").await, 2);

        // A later index closes it; then a CAF may be started here.
        let closed = app
            .store
            .import_cafs_batch(
                &operator_grant::<StartCaf>(),
                &Attribution::default(),
                "cafs-later.csv",
                &[],
                &[CloseImported {
                    source_row: 3,
                    caf_id: open,
                    reference: "EH/2024/3".into(),
                    closed_on: "2026-11-01".parse().unwrap(),
                }],
            )
            .await
            .unwrap();
        assert_eq!(closed.closed_since, 1);
        let started = sam
            .api_json(Method::POST, "/api/v1/cafs", &token, &body)
            .await;
        assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);

        // The store re-checks in its transaction: an open CAF started meanwhile refuses the
        // whole batch.
        let again = app
            .store
            .import_cafs_batch(
                &operator_grant::<StartCaf>(),
                &Attribution::default(),
                "race.csv",
                &[ImportCaf {
                    source_row: 2,
                    reference: "EH/2026/9".into(),
                    child_id: child,
                    opened_on: "2026-10-01".parse().unwrap(),
                    closed_on: None,
                    owning_agency_id: app.agency_id,
                    contact: None,
                }],
                &[],
            )
            .await;
        assert!(
            matches!(&again, Err(StoreError::Refused(why)) if why.contains("CAF-2026-")),
            "{again:?}"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM cafs").await, 3);
    }
);
