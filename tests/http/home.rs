//! Home pages and alerts, on both databases: moving the clock makes a review due and then
//! overdue on the practitioner's, their line manager's and the early help team's home pages
//! (and in their alerts over the API) and on nobody else's; each role's page signed in and
//! out, with and without filters, each bad parameter named; sorting, filtering and pages;
//! and the local alert rules an administrator switches on.
use super::caf_pages::{child_and_outsider, complete_sections, start, OUTSIDER};
use super::caf_plan::{consent, signed_off};
use axum::http::{Method, StatusCode};
use chrono::{Duration, NaiveDate};
use ecaf_domain::access::{operator_grant, Role, UseRegister};
use ecaf_domain::caf::consent::{Agreement, Giver, SharingConsent};
use ecaf_domain::organisation::UserDetails;
use ecaf_domain::person::PersonInput;
use ecaf_store::caf::BulkCaf;
use ecaf_store::Attribution;
use ecaf_tests::{
    on_both_databases, with_token, Client, TestApp, ADMIN, EARLY_HELP, PASSWORD, PRACTITIONER,
};
use serde_json::{json, Value};

const MANAGER: &str = "lena@test.example";
const OTHER_MANAGER: &str = "omar@test.example";
const SERVICE_MANAGER: &str = "sol@test.example";

/// Sam's line manager Lena, a line manager of nobody (Omar) and a service manager (Sol).
async fn managers(app: &TestApp) {
    let by = Attribution::default();
    let mut tx = app.store.begin_write().await.unwrap();
    for (name, email, role) in [
        ("Lena Manager", MANAGER, Role::LineManager),
        ("Omar Other", OTHER_MANAGER, Role::LineManager),
        ("Sol Service", SERVICE_MANAGER, Role::ServiceManager),
    ] {
        let details = UserDetails {
            name: name.into(),
            email: email.into(),
            agency_id: app.agency_id,
            team_id: None,
            job_title: "Manager".into(),
            telephone: None,
            mobile: None,
            roles: vec![role],
            line_manager_id: None,
            deputy_id: None,
        };
        app.store
            .create_user_tx(&mut tx, &by, &details, PASSWORD, false)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let lena = app
        .count(&format!("SELECT id FROM users WHERE email = '{MANAGER}'"))
        .await;
    sqlx::query("UPDATE users SET line_manager_id = $1 WHERE id = $2")
        .bind(lena)
        .bind(app.practitioner_id)
        .execute(app.store.pool())
        .await
        .unwrap();
}

/// A page's text with the HTML escapes of link addresses undone.
fn unescaped(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
}

/// Sam's CAF for the child, signed off with consent naming his agency, an action due on 20
/// December 2026, and the plan agreed with its review on 6 January 2027.
async fn agreed(app: &TestApp, sam: &mut Client, child: i64) -> i64 {
    let caf = signed_off(sam, child).await;
    let consented = consent(sam, caf, &[app.agency_id]).await;
    assert_eq!(
        consented.status,
        StatusCode::SEE_OTHER,
        "{}",
        consented.text
    );
    let (mut client, token) = with_token(app, PRACTITIONER).await;
    let added = client
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/actions"),
            &token,
            &json!({
                "what": "Meet Amelia each morning at the gate",
                "owner": {"kind": "child", "person_id": child},
                "due_on": "2026-12-20",
                "outcome": "Amelia is at school on time every day",
            }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let plan = client
        .api_get(&format!("/api/v1/cafs/{caf}/actions"), &token)
        .await;
    let revision = plan.json()["revision"].as_i64().unwrap();
    let done = client
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/plan/agree"),
            &token,
            &json!({"review_on": "2027-01-06", "revision": revision}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    caf
}

fn move_clock_to(app: &TestApp, day: NaiveDate) {
    let now = app.clock_now_ms();
    let target = day
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    app.clock.advance(Duration::milliseconds(target - now));
}

async fn alert_kinds(app: &TestApp, email: &str, caf: i64) -> Vec<String> {
    let (mut client, token) = with_token(app, email).await;
    let reply = client.api_get("/api/v1/alerts", &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["caf_id"] == caf)
        .map(|a| a["kind"].as_str().unwrap().to_string())
        .collect()
}

on_both_databases!(
    due_and_overdue_reviews_appear_on_the_right_peoples_home_pages,
    |app| {
        let child = child_and_outsider(&app).await;
        managers(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = agreed(&app, &mut sam, child).await;
        let reference: String = sqlx::query_scalar("SELECT reference FROM cafs WHERE id = $1")
            .bind(caf)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        let due = "Arrange the review due on 6 January 2027";
        let overdue = "Hold the review: it was due on 6 January 2027";
        let pages = [
            (PRACTITIONER, "/", true),
            (MANAGER, "/", true),
            (EARLY_HELP, "/", true),
            (OTHER_MANAGER, "/", false),
            (OUTSIDER, "/", false),
        ];
        let home = sam.get("/").await;
        assert!(home.text.contains(&reference), "{}", home.text);
        assert!(!home.text.contains(due), "six weeks off is not yet due");

        move_clock_to(&app, NaiveDate::from_ymd_opt(2026, 12, 23).unwrap());
        for (who, path, sees) in pages {
            let mut client = app.signed_in(who).await;
            let page = client.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.text);
            assert_eq!(page.text.contains(due), sees, "{who} 14 days before");
            assert_eq!(page.text.contains(&reference), sees, "{who} lists it");
            assert!(!page.text.contains(overdue), "{who}");
        }
        assert_eq!(
            alert_kinds(&app, PRACTITIONER, caf).await,
            ["actions_overdue", "review_due", "no_lead_professional"]
        );

        move_clock_to(&app, NaiveDate::from_ymd_opt(2027, 1, 7).unwrap());
        for (who, path, sees) in pages {
            let mut client = app.signed_in(who).await;
            let page = client.get(path).await;
            assert_eq!(page.text.contains(overdue), sees, "{who} the day after");
            assert!(!page.text.contains(due), "{who}");
        }
        assert_eq!(
            alert_kinds(&app, PRACTITIONER, caf).await,
            ["review_overdue", "actions_overdue", "no_lead_professional"]
        );
        assert_eq!(
            alert_kinds(&app, MANAGER, caf).await,
            ["review_overdue", "actions_overdue", "no_lead_professional"]
        );
        assert_eq!(
            alert_kinds(&app, EARLY_HELP, caf).await,
            ["review_overdue", "no_lead_professional"],
            "the early help team hears of what it acts on"
        );
        assert!(alert_kinds(&app, OTHER_MANAGER, caf).await.is_empty());
        assert!(alert_kinds(&app, OUTSIDER, caf).await.is_empty());

        // The line manager's counts, and the list of one person's CAFs.
        let mut lena = app.signed_in(MANAGER).await;
        let team = lena.get("/").await;
        assert!(team.text.contains("Sam Practitioner"), "{}", team.text);
        let filtered = lena
            .get(&format!("/?view=team&holder={}", app.practitioner_id))
            .await;
        assert!(filtered.text.contains(&reference));
        let none = lena
            .get(&format!("/?view=team&holder={}", app.admin_id))
            .await;
        assert!(!none.text.contains(&reference));

        // The pure computation a job calls: every open CAF, with whom each alert is for.
        let (_, wording) = app.store.current_wording().await.unwrap();
        let all = app
            .store
            .open_alerts(ecaf_domain::clock::Clock::now(&app.clock), &wording)
            .await
            .unwrap();
        let review = all
            .iter()
            .find(|a| a.caf_id == caf && a.alert.kind.code() == "review_overdue")
            .expect("the overdue review");
        assert_eq!(review.holders, [app.practitioner_id]);
        assert_eq!(review.href, format!("/cafs/{caf}/reviews/new"));

        // Every showing is audited.
        let listed = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.list'")
            .await;
        assert!(listed >= 10, "{listed}");
        assert!(app
            .audit_actions()
            .await
            .contains(&"caf.alerts_view".to_string()));
    }
);

/// `n` children on the register with a draft CAF each by Sam, opened a day apart, with the
/// family's consent to share with `shared_with` if any.
async fn drafts(app: &TestApp, n: i64, shared_with: Option<i64>) {
    let by = Attribution::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut cafs = vec![];
    for i in 0..n {
        let person = PersonInput {
            given_name: format!("Child{i:02}"),
            family_name: "Draftson".into(),
            date_of_birth: "2018-05-01".into(),
            ..Default::default()
        };
        let id = app
            .store
            .create_person(
                &operator_grant::<UseRegister>(),
                &by,
                &person.validate(today).unwrap(),
                None,
                "test",
            )
            .await
            .unwrap();
        let opened_on = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + Duration::days(i);
        cafs.push(BulkCaf {
            children: vec![id],
            assessor_id: app.practitioner_id,
            owning_agency_id: app.agency_id,
            opened_on,
            agreement: Agreement {
                given_by: Giver::ParentOrCarer {
                    name: "A Parent".into(),
                },
                on: opened_on,
                may_contact_agencies: true,
            },
            sections: vec![],
            sharing: shared_with.map(|agency| SharingConsent {
                given_by: vec![Giver::ParentOrCarer {
                    name: "A Parent".into(),
                }],
                on: opened_on,
                signed_copy_kept: "On the school's file".into(),
                agencies: [agency].into(),
            }),
            signed_off: false,
        });
    }
    app.store.bulk_load_cafs(&by, &cafs).await.unwrap();
}

on_both_databases!(home_lists_sort_filter_and_page, |app| {
    drafts(&app, 30, None).await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let first = sam.get("/?view=mine&sort=opened").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let text = unescaped(&first.text);
    assert!(text.contains("Open CAFs: 30 (page 1 of 2)"), "{text}");
    assert!(text.contains("class=\"govuk-pagination\""));
    assert!(
        text.contains("href=\"/?view=mine&sort=opened&page=2\" rel=\"next\""),
        "{text}"
    );
    assert!(
        text.contains("aria-sort=\"ascending\"><a class=\"govuk-link\" href=\"/?view=mine&sort=opened&order=descending\""),
        "the sorted column says so and links to the other order"
    );
    assert!(text.contains("aria-sort=\"none\"><a class=\"govuk-link\" href=\"/?view=mine&sort=reference&order=ascending\""));
    // Drafts hold only what the practitioner may read: these are his.
    assert!(first.text.contains("1 October 2026") && !first.text.contains("30 October 2026"));
    let second = sam.get("/?view=mine&sort=opened&page=2").await;
    assert!(second.text.contains("30 October 2026") && !second.text.contains(">1 October 2026<"));
    let newest = sam.get("/?view=mine&sort=opened&order=descending").await;
    let at = |page: &str, text: &str| page.find(text).unwrap_or(usize::MAX);
    assert!(at(&newest.text, "30 October 2026") < at(&newest.text, "29 October 2026"));

    // Filters: by state, and by next step (no draft has a review).
    let drafts_only = sam.get("/?view=mine&state=draft").await;
    assert!(drafts_only.text.contains("Open CAFs: 30"));
    let none = sam.get("/?view=mine&alert=review_overdue").await;
    assert!(
        none.text.contains("No open CAFs match these filters"),
        "{}",
        none.text
    );

    // Each bad parameter is named, and the list shown without them.
    let bad = sam.get("/?view=area&sort=colour&page=0&state=closed").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Choose a home page for one of your roles",
        "Sort by one of the table's columns",
        "Enter a page number from 1",
        "Select a state from the list",
    ] {
        assert!(
            unescaped(&bad.text).contains(message),
            "{message}: {}",
            bad.text
        );
    }

    // The same list over the API.
    let (mut client, token) = with_token(&app, PRACTITIONER).await;
    let listed = client
        .api_get(
            "/api/v1/home?view=mine&sort=reference&order=descending&page=2",
            &token,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let body: Value = listed.json();
    assert_eq!(body["total"], 30);
    assert_eq!(body["pages"], 2);
    assert_eq!(body["cafs"].as_array().unwrap().len(), 5);
    assert_eq!(body["by_state"]["draft"], 30);
    assert!(body["cafs"][0]["children"]
        .as_str()
        .unwrap()
        .ends_with("Draftson"));
    let refused = client
        .api_get("/api/v1/home?view=service&page=x", &token)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = refused.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["view", "page"]);

    // The early help team sees these drafts exist, without the children's names (no consent).
    let mut eve = app.signed_in(EARLY_HELP).await;
    let area = eve.get("/?view=area&state=draft").await;
    assert!(area.text.contains("Open CAFs: 30"), "{}", area.text);
    assert!(!area.text.contains("Draftson") && area.text.contains("Not shared with you"));
});

on_both_databases!(each_roles_home_page_renders_signed_in_and_out, |app| {
    managers(&app).await;
    drafts(&app, 2, None).await;
    for (who, paths, heading) in [
        (
            PRACTITIONER,
            vec!["/", "/?view=mine&state=draft&sort=state"],
            "Your CAFs",
        ),
        (
            MANAGER,
            vec!["/", "/?view=team&alert=review_due"],
            "Your team",
        ),
        (
            EARLY_HELP,
            vec!["/", "/?view=area&no_lead=yes&sort=holder&order=descending"],
            "CAFs in the area",
        ),
        (
            SERVICE_MANAGER,
            vec!["/", "/?view=service"],
            "Service overview",
        ),
        (ADMIN, vec!["/"], "Administration"),
    ] {
        for path in paths {
            let mut client = app.client();
            let out = client.get(path).await;
            assert_eq!(out.status, StatusCode::SEE_OTHER, "{path} signed out");
            let mut client = app.signed_in(who).await;
            let page = client.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{who} {path}: {}", page.text);
            assert!(page.text.contains(heading), "{who} {path}: {}", page.text);
        }
    }
    let mut sol = app.signed_in(SERVICE_MANAGER).await;
    let figures = sol.get("/").await;
    assert!(figures
        .text
        .contains("Opened and closed in the last six months"));
    assert!(figures.text.contains("October 2026"), "{}", figures.text);
    assert!(!figures.text.contains("Draftson"), "no child is named");
    let (mut client, token) = with_token(&app, SERVICE_MANAGER).await;
    let api_figures = client.api_get("/api/v1/home", &token).await;
    assert_eq!(api_figures.json()["figures"]["by_agency"][0]["total"], 2);
    let (mut client, token) = with_token(&app, ADMIN).await;
    assert_eq!(
        client.api_get("/api/v1/home", &token).await.status,
        StatusCode::FORBIDDEN
    );
});

on_both_databases!(an_administrator_switches_on_a_local_alert_rule, |app| {
    drafts(&app, 1, None).await;
    let rule = "Finish the assessment started on 1 October 2026, or close the CAF";
    let mut sam = app.signed_in(PRACTITIONER).await;
    assert!(!sam.get("/").await.text.contains(rule), "off to begin with");
    assert_eq!(
        sam.get("/admin/alert-rules").await.status,
        StatusCode::FORBIDDEN
    );
    let mut admin = app.signed_in(ADMIN).await;
    assert_eq!(admin.get("/admin/alert-rules").await.status, StatusCode::OK);
    let bad = admin
        .post(
            "/admin/alert-rules",
            &[
                ("draft_unfinished-enabled", "yes"),
                ("draft_unfinished-threshold", "thirty"),
                ("no_review_held-threshold", "3"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad
        .text
        .contains("Enter a whole number of days from 1 to 365"));
    assert!(!sam.get("/").await.text.contains(rule), "nothing changed");
    let saved = admin
        .post(
            "/admin/alert-rules",
            &[
                ("draft_unfinished-enabled", "yes"),
                ("draft_unfinished-threshold", "30"),
                ("no_review_held-threshold", "3"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert!(sam.get("/").await.text.contains(rule));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'alert_rule.update'")
            .await,
        2
    );
});

on_both_databases!(
    an_overdue_review_is_mailed_once_to_each_person_even_with_two_instances,
    |app| {
        use ecaf_web::jobs::{register_alert_job, Scheduler};
        use ecaf_web::mail::{FolderTransport, Mailer};
        use std::sync::Arc;
        managers(&app).await;
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        agreed(&app, &mut sam, child).await;
        let instance = |name: &'static str| {
            let url = app.url.clone();
            let clock = app.clock.clone();
            async move {
                let store = ecaf_store::Store::connect(&url, Arc::new(clock))
                    .await
                    .expect("an instance's store");
                let mut scheduler = Scheduler::new(store, name);
                register_alert_job(&mut scheduler);
                scheduler
            }
        };
        let (a, b) = (instance("a").await, instance("b").await);
        let overdue =
            || app.count("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'review_overdue:%'");

        // The review is due on 6 January: nothing is overdue the day before.
        move_clock_to(&app, NaiveDate::from_ymd_opt(2027, 1, 5).unwrap());
        let (ran_a, ran_b) = tokio::join!(a.tick(), b.tick());
        assert_eq!(ran_a.unwrap().len() + ran_b.unwrap().len(), 1, "one run");
        assert_eq!(overdue().await, 0);

        // A day after it, both instances run the job again and again: Sam and his line
        // manager are each told once, the unrelated manager not at all.
        move_clock_to(&app, NaiveDate::from_ymd_opt(2027, 1, 7).unwrap());
        for _ in 0..3 {
            let (ran_a, ran_b) = tokio::join!(a.tick(), b.tick());
            assert!(ran_a.unwrap().len() + ran_b.unwrap().len() <= 1);
            app.clock.advance(Duration::minutes(15));
        }
        let recipients: Vec<String> = sqlx::query_scalar(
            "SELECT u.email FROM outbox o JOIN users u ON u.id = o.user_id \
             WHERE o.dedupe_key LIKE 'review_overdue:%' ORDER BY u.email",
        )
        .fetch_all(app.store.pool())
        .await
        .unwrap();
        assert_eq!(recipients, [MANAGER, PRACTITIONER]);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM job_runs WHERE job = 'alerts'")
                .await,
            4,
            "one run per period across both instances"
        );

        // Both instances send: one mail each, naming no child, linking to the CAF.
        let dir = tempfile::tempdir().unwrap();
        let folder = Arc::new(FolderTransport::new(dir.path()).unwrap());
        let from = "Early help <ecaf@council.example>";
        let mailers = [
            Mailer::new(
                Some(folder.clone()),
                from,
                "https://ecaf.council.example",
                "a",
            )
            .unwrap(),
            Mailer::new(Some(folder), from, "https://ecaf.council.example", "b").unwrap(),
        ];
        let (sent_a, sent_b) = tokio::join!(
            mailers[0].send_due(&app.store),
            mailers[1].send_due(&app.store)
        );
        sent_a.unwrap();
        sent_b.unwrap();
        let mails: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .filter(|m| m.contains("A review is overdue"))
            .collect();
        assert_eq!(mails.len(), 2, "one mail each");
        for mail in &mails {
            assert!(!mail.contains("Amelia"), "no case details: {mail}");
            assert!(
                mail.contains("https://ecaf.council.example/cafs/"),
                "{mail}"
            );
        }
    }
);

/// The early help team's list (`query` after `view=area`) over the API, through `client`.
async fn area_list(client: &mut Client, token: &str, query: &str) -> Value {
    let reply = client
        .api_get(&format!("/api/v1/home?view=area{query}"), token)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

/// The row of `caf` on a list, if it is listed.
fn listed(list: &Value, caf: i64) -> Option<Value> {
    list["cafs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == caf)
        .cloned()
}

fn alert_codes(row: &Value) -> Vec<&str> {
    row["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

async fn revision_of(app: &TestApp, caf: i64) -> i64 {
    app.count(&format!("SELECT revision FROM cafs WHERE id = {caf}"))
        .await
}

on_both_databases!(
    every_change_shows_on_the_early_help_teams_list_at_the_next_request_from_either_instance,
    |app| {
        let child = child_and_outsider(&app).await;
        // Eve reads through this instance, whose copy of the area her first look builds; Sam
        // writes through a second instance on the same database.
        let look = async |query: &str| {
            let (mut eve, token) = with_token(&app, EARLY_HELP).await;
            area_list(&mut eve, &token, query).await
        };
        assert_eq!(look("").await["total"], 0);
        let second = app.second_instance(&app.url).await;
        let sam_on_second = async || {
            let mut sam = app.client_of(second.clone());
            assert_eq!(
                sam.sign_in(PRACTITIONER, PASSWORD).await.status,
                StatusCode::SEE_OTHER
            );
            let token = sam.create_token("tests").await;
            (sam, token)
        };
        let (mut sam, mut token) = sam_on_second().await;

        // A new CAF.
        let caf = start(&mut sam, child).await;
        let list = look("").await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["by_state"]["draft"], 1);
        let row = listed(&list, caf).expect("the new CAF");
        assert_eq!(row["state"], "draft");
        assert_eq!(row["assessor"], "Sam Practitioner");
        assert_eq!(row["shared"], false, "no consent to share yet");

        // Each section edited, then the assessment signed off.
        complete_sections(&mut sam, caf, child).await;
        sam.get(&format!("/cafs/{caf}/sign-off")).await;
        let revision = revision_of(&app, caf).await.to_string();
        let signed = sam
            .post(&format!("/cafs/{caf}/sign-off"), &[("revision", &revision)])
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
        let row = listed(&look("").await, caf).unwrap();
        assert_eq!(row["state"], "assessment_signed_off");

        // Consent to share naming Eve's agency: she may now read it.
        let consented = consent(&mut sam, caf, &[app.agency_id]).await;
        assert_eq!(
            consented.status,
            StatusCode::SEE_OTHER,
            "{}",
            consented.text
        );
        let row = listed(&look("").await, caf).unwrap();
        assert_eq!(row["shared"], true);
        assert_eq!(row["children"], "Amelia Hughes");

        // An action, and the plan agreed with its review on 6 January.
        let added = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/actions"),
                &token,
                &json!({"what": "Meet Amelia each morning at the gate", "owner": {"kind": "child", "person_id": child}, "due_on": "2026-12-20", "outcome": "Amelia is at school on time every day"}),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
        let agreed = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/plan/agree"),
                &token,
                &json!({"review_on": "2027-01-06", "revision": revision_of(&app, caf).await}),
            )
            .await;
        assert_eq!(agreed.status, StatusCode::OK, "{}", agreed.text);
        let list = look("").await;
        let row = listed(&list, caf).unwrap();
        assert_eq!(row["state"], "plan_in_place");
        assert_eq!(row["next_review_on"], "2027-01-06");
        assert_eq!(alert_codes(&row), ["no_lead_professional"]);
        assert_eq!(list["without_lead_professional"], 1);

        // Sam appointed lead professional.
        let appointed = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/lead-professional"),
                &token,
                &json!({"choice": {"kind": "appointed", "user_id": app.practitioner_id}, "on": "2026-11-25", "family_view": "Laura is glad", "child_view": "Amelia likes Sam", "revision": revision_of(&app, caf).await}),
            )
            .await;
        assert_eq!(
            appointed.status,
            StatusCode::NO_CONTENT,
            "{}",
            appointed.text
        );
        let list = look("").await;
        let row = listed(&list, caf).unwrap();
        assert_eq!(row["lead_professional"], "Sam Practitioner");
        assert!(alert_codes(&row).is_empty(), "{row}");
        assert_eq!(list["without_lead_professional"], 0);

        // Sam's name and the child's changed, straight in the database as any tool might.
        sqlx::query("UPDATE users SET name = 'Samuel Practitioner' WHERE id = $1")
            .bind(app.practitioner_id)
            .execute(app.store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE people SET given_name = 'Amelie' WHERE id = $1")
            .bind(child)
            .execute(app.store.pool())
            .await
            .unwrap();
        let row = listed(&look("").await, caf).unwrap();
        assert_eq!(row["lead_professional"], "Samuel Practitioner");
        assert_eq!(row["assessor"], "Samuel Practitioner");
        assert_eq!(row["children"], "Amelie Hughes");

        // The clock: a review due within 14 days and an action overdue, then the review
        // overdue the day after it.
        move_clock_to(&app, NaiveDate::from_ymd_opt(2026, 12, 23).unwrap());
        let row = listed(&look("").await, caf).unwrap();
        assert_eq!(alert_codes(&row), ["actions_overdue", "review_due"]);
        move_clock_to(&app, NaiveDate::from_ymd_opt(2027, 1, 7).unwrap());
        let overdue = look("&alert=review_overdue").await;
        (sam, token) = sam_on_second().await;
        assert_eq!(overdue["total"], 1);
        assert_eq!(overdue["by_alert"]["review_overdue"], 1);

        // A review recorded, the next due on 17 February.
        let reviewed = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/reviews"),
                &token,
                &json!({
                    "held_on": "2027-01-07", "setting": "review_meeting", "chair": "Sam Taylor",
                    "present": [{"name": "Laura Hughes", "agency": "Mother"}],
                    "undertaken": "some", "improvements": "Amelia is late less often",
                    "scores": [{"need": "School attendance", "score": 3}],
                    "consent": {"resought": "yes", "agencies": [app.agency_id]},
                    "family_view": "Calmer mornings", "child_view": "Likes the gate",
                    "feedback_offered": true, "decision": "continue",
                    "next_review_on": "2027-02-17", "revision": revision_of(&app, caf).await,
                }),
            )
            .await;
        assert_eq!(reviewed.status, StatusCode::CREATED, "{}", reviewed.text);
        let row = listed(&look("").await, caf).unwrap();
        assert_eq!(row["next_review_on"], "2027-02-17");
        assert!(!alert_codes(&row).contains(&"review_overdue"), "{row}");
        assert_eq!(look("&alert=review_overdue").await["total"], 0);

        // Stepped up to children's social care: the written follow-up is due.
        let stepped = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/step-up"),
                &token,
                &json!({"referral": {"service": "childrens_social_care", "referred_on": "2027-01-07", "to_whom": "Duty social worker", "why": "Bruising seen at school", "with_consent": true}, "revision": revision_of(&app, caf).await}),
            )
            .await;
        assert!(stepped.status.is_success(), "{}", stepped.text);
        let list = look("").await;
        let row = listed(&list, caf).unwrap();
        assert_eq!(row["state"], "stepped_up");
        assert!(alert_codes(&row).contains(&"follow_up_due"), "{row}");
        assert_eq!(list["by_state"]["stepped_up"], 1);

        // Consent withdrawn: Eve may know only that the CAF exists.
        let withdrawn = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/consent/withdrawal"),
                &token,
                &json!({"on": "2027-01-07", "reason_code": "needs_met", "explanation": "", "harm_decision": {"risk_of_significant_harm": true, "reasoning": "Safeguarding procedures followed"}}),
            )
            .await;
        assert!(withdrawn.status.is_success(), "{}", withdrawn.text);
        let row = listed(&look("").await, caf).unwrap();
        assert_eq!(row["shared"], false, "{row}");
        assert!(row["children"].is_null(), "{row}");

        // Closed: it leaves the list.
        let closed = sam
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/close"),
                &token,
                &json!({"reason": "no_longer_relevant", "summary": "Children's social care have taken over.", "closed_on": "2027-01-07", "revision": revision_of(&app, caf).await}),
            )
            .await;
        assert!(closed.status.is_success(), "{}", closed.text);
        let list = look("").await;
        assert!(listed(&list, caf).is_none());
        assert_eq!(list["total"], 0);
    }
);

on_both_databases!(
    bulk_loaded_cafs_and_the_alert_rules_show_on_the_early_help_teams_page_at_once,
    |app| {
        let mut eve = app.signed_in(EARLY_HELP).await;
        assert_eq!(eve.get("/").await.status, StatusCode::OK);
        // Written in bulk by the store, not by a page, with consent to share with Eve's agency.
        drafts(&app, 3, Some(app.agency_id)).await;
        let page = eve.get("/?view=area").await;
        assert!(page.text.contains("Open CAFs: 3"), "{}", page.text);
        // An administrator on a second instance switches a local rule on.
        let mut admin = app.client_of(app.second_instance(&app.url).await);
        admin.sign_in(ADMIN, PASSWORD).await;
        admin.get("/admin/alert-rules").await;
        let saved = admin
            .post(
                "/admin/alert-rules",
                &[
                    ("draft_unfinished-enabled", "yes"),
                    ("draft_unfinished-threshold", "53"),
                    ("no_review_held-threshold", "3"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        // Opened 55, 54 and 53 days ago: two are more than 53 days old.
        let (mut client, token) = with_token(&app, EARLY_HELP).await;
        let list = area_list(&mut client, &token, "").await;
        assert_eq!(list["by_alert"]["draft_unfinished"], 2, "{list}");
        // A day later, the third too.
        app.clock.advance(Duration::days(1));
        let list = area_list(&mut client, &token, "").await;
        assert_eq!(list["by_alert"]["draft_unfinished"], 3, "{list}");
    }
);

/// PostgreSQL only: on SQLite a write transaction holds the database's one write lock, so no
/// change can commit after a later one.
#[tokio::test]
async fn a_change_committed_after_a_later_one_still_shows_on_the_early_help_teams_list() {
    let app = TestApp::new(ecaf_tests::Db::Postgres).await;
    drafts(&app, 2, Some(app.agency_id)).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM cafs ORDER BY id")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    let look = async || {
        let (mut eve, token) = with_token(&app, EARLY_HELP).await;
        area_list(&mut eve, &token, "").await
    };
    let review = |list: &Value, caf: i64| listed(list, caf).unwrap()["next_review_on"].clone();
    assert_eq!(look().await["total"], 2);
    // One writer's transaction changes the first CAF and stays open while another changes
    // the second and commits, and Eve looks: the first change's feed row is the earlier.
    let mut slow = app.store.begin_write().await.unwrap();
    sqlx::query("UPDATE cafs SET next_review_on = '2027-03-01' WHERE id = $1")
        .bind(ids[0])
        .execute(&mut *slow)
        .await
        .unwrap();
    sqlx::query("UPDATE cafs SET next_review_on = '2027-04-01' WHERE id = $1")
        .bind(ids[1])
        .execute(app.store.pool())
        .await
        .unwrap();
    let list = look().await;
    assert_eq!(review(&list, ids[1]), "2027-04-01");
    assert!(review(&list, ids[0]).is_null(), "not committed yet");
    slow.commit().await.unwrap();
    assert_eq!(review(&look().await, ids[0]), "2027-03-01");
}

on_both_databases!(
    more_cafs_changed_at_once_than_are_read_one_by_one_rebuild_the_early_help_teams_list,
    |app| {
        let (mut eve, token) = with_token(&app, EARLY_HELP).await;
        assert_eq!(area_list(&mut eve, &token, "").await["total"], 0);
        // More than the 500 CAFs read again one by one: the area's copy is built again.
        drafts(&app, 501, None).await;
        let list = area_list(&mut eve, &token, "").await;
        assert_eq!(list["total"], 501);
        assert_eq!(list["by_state"]["draft"], 501);
        drafts(&app, 1, None).await;
        assert_eq!(area_list(&mut eve, &token, "").await["total"], 502);
    }
);
