//! Manager sign-off, on both databases: switched on by an administrator, the assessment, the
//! plan and the closure each go to the practitioner's line manager and deputy instead of
//! taking effect; returned with comments (required, named on their field), sent again and
//! approved, taking effect only then; the queue shows each request to the line manager and
//! the deputy and to no other manager; a stranger's decision is refused and audited; a
//! practitioner without a manager is told so and nothing is sent; switched off, today's
//! behaviour; the mails go to the right people without the child's name; and of two
//! approvals at once exactly one wins. The same over the API.
use super::caf_pages::{answers, child_and_outsider, complete_sections, section_path, start};
use super::caf_plan::consent;
use axum::http::{Method, StatusCode};
use ecaf_domain::access::Role;
use ecaf_domain::organisation::UserDetails;
use ecaf_store::Attribution;
use ecaf_tests::{
    on_both_databases, problem_fields, with_token, Client, Reply, TestApp, ADMIN, PASSWORD,
    PRACTITIONER,
};
use serde_json::json;

pub(crate) const MANAGER: &str = "lena@test.example";
const DEPUTY: &str = "dee@test.example";
const OTHER_MANAGER: &str = "omar@test.example";

async fn user(app: &TestApp, name: &str, email: &str) -> i64 {
    let by = Attribution::default();
    let mut tx = app.store.begin_write().await.unwrap();
    let details = UserDetails {
        name: name.into(),
        email: email.into(),
        agency_id: app.agency_id,
        team_id: None,
        job_title: "Manager".into(),
        telephone: None,
        mobile: None,
        roles: vec![Role::LineManager],
        line_manager_id: None,
        deputy_id: None,
    };
    let id = app
        .store
        .create_user_tx(&mut tx, &by, &details, PASSWORD, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Lena as `practitioner`'s line manager; with `deputy`, Dee as their deputy; and Omar, who
/// manages nobody.
pub(crate) async fn managers_of(app: &TestApp, practitioner: i64, deputy: bool) {
    let lena = user(app, "Lena Manager", MANAGER).await;
    let dee = user(app, "Dee Deputy", DEPUTY).await;
    user(app, "Omar Other", OTHER_MANAGER).await;
    sqlx::query("UPDATE users SET line_manager_id = $1, deputy_id = $2 WHERE id = $3")
        .bind(lena)
        .bind(deputy.then_some(dee))
        .bind(practitioner)
        .execute(app.store.pool())
        .await
        .unwrap();
}

/// Switch manager sign-off of `steps` on (and the others off) on the administrator's page.
pub(crate) async fn switch(app: &TestApp, steps: &[&str]) {
    let mut admin = app.signed_in(ADMIN).await;
    let page = admin.get("/admin/sign-off").await;
    assert_eq!(page.status, StatusCode::OK);
    let fields: Vec<(&str, &str)> = steps.iter().map(|s| ("step", *s)).collect();
    let saved = admin.post("/admin/sign-off", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let shown = admin.get("/admin/sign-off?saved=1").await;
    assert!(shown.text.contains("Manager sign-off saved"));
    for step in ["assessment", "plan", "closure"] {
        let ticked = shown.text.contains(&format!("value=\"{step}\" checked"));
        assert_eq!(ticked, steps.contains(&step), "{step}");
    }
}

/// Sam's CAF for the child with every required section complete, not signed off.
async fn complete(sam: &mut Client, child: i64) -> i64 {
    let caf = start(sam, child).await;
    complete_sections(sam, caf, child).await;
    caf
}

fn hidden(page: &Reply, name: &str) -> String {
    page.text
        .split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no hidden {name}: {}", page.text))
        .to_string()
}

async fn send_assessment(sam: &mut Client, caf: i64) -> Reply {
    let check = sam.get(&format!("/cafs/{caf}/sign-off")).await;
    assert!(
        check
            .text
            .contains("Send to your line manager for sign-off"),
        "{}",
        check.text
    );
    let revision = hidden(&check, "revision");
    sam.post(
        &format!("/cafs/{caf}/sign-off"),
        &[("revision", revision.as_str())],
    )
    .await
}

async fn state_of(app: &TestApp, caf: i64) -> String {
    let row = sqlx::query("SELECT state FROM cafs WHERE id = $1")
        .bind(caf)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    sqlx::Row::get(&row, 0)
}

async fn waiting_request(app: &TestApp, caf: i64) -> i64 {
    app.count(&format!(
        "SELECT COALESCE(MAX(id), 0) FROM caf_sign_off_requests WHERE caf_id = {caf} AND status = 'waiting'"
    ))
    .await
}

async fn mails(app: &TestApp, email: &str, kind: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id WHERE u.email = '{email}' AND o.kind = '{kind}'"
    ))
    .await
}

async fn events(app: &TestApp, caf: i64) -> Vec<String> {
    sqlx::query("SELECT kind FROM caf_events WHERE caf_id = $1 ORDER BY id")
        .bind(caf)
        .fetch_all(app.store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::get::<String, _>(r, 0))
        .collect()
}

/// The API's view of the CAF's revision, as its practitioner reads it.
async fn revision(client: &mut Client, token: &str, caf: i64) -> i64 {
    client
        .api_get(&format!("/api/v1/cafs/{caf}"), token)
        .await
        .json()["caf"]["revision"]
        .as_i64()
        .unwrap()
}

on_both_databases!(
    each_step_takes_effect_only_when_the_line_manager_or_deputy_approves_it,
    |app| {
        let child = child_and_outsider(&app).await;
        managers_of(&app, app.practitioner_id, true).await;
        switch(&app, &["assessment", "plan", "closure"]).await;
        assert!(app
            .audit_actions()
            .await
            .contains(&"sign_off_switch.update".to_string()));
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = complete(&mut sam, child).await;

        // The assessment: sent, not signed off, and held still while it waits.
        let sent = send_assessment(&mut sam, caf).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        assert_eq!(state_of(&app, caf).await, "draft");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM caf_versions WHERE caf_id = {caf}"
            ))
            .await,
            0
        );
        let check = sam.get(&format!("/cafs/{caf}/sign-off")).await;
        assert!(
            check.text.contains(
                "The assessment is awaiting sign-off by Lena Manager or Dee Deputy since"
            ),
            "{}",
            check.text
        );
        assert!(!check
            .text
            .contains("Send to your line manager for sign-off"));
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks.text.contains("awaiting sign-off by Lena Manager"));
        let path = section_path(caf, "family_background", false, child);
        sam.get(&path).await;
        let edit = sam.post(&path, &answers("family_background")).await;
        assert_eq!(edit.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(edit
            .text
            .contains("is waiting for your line manager&#x27;s sign-off"));
        let again = send_assessment_raw(&mut sam, caf).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.text.contains("already waiting for sign-off"));

        // The queue: Lena's and Dee's, not Omar's.
        let request = waiting_request(&app, caf).await;
        for (who, sees) in [(MANAGER, true), (DEPUTY, true), (OTHER_MANAGER, false)] {
            let mut manager = app.signed_in(who).await;
            let home = manager.get("/").await;
            assert_eq!(
                home.text.contains("Waiting for your sign-off (1)"),
                sees,
                "{who}"
            );
            let queue = manager.get("/sign-offs").await;
            assert_eq!(queue.status, StatusCode::OK);
            assert_eq!(queue.text.contains("Amelia Hughes"), sees, "{who}");
            assert_eq!(
                queue
                    .text
                    .contains(&format!("href=\"/sign-offs/{request}\"")),
                sees
            );
        }
        assert_eq!(mails(&app, MANAGER, "sign_off_requested").await, 1);
        assert_eq!(mails(&app, DEPUTY, "sign_off_requested").await, 1);
        assert_eq!(mails(&app, OTHER_MANAGER, "sign_off_requested").await, 0);

        // A stranger may neither read nor decide it, and is audited.
        let mut omar = app.signed_in(OTHER_MANAGER).await;
        let before = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'sign_off.refused'")
            .await;
        assert_eq!(
            omar.get(&format!("/sign-offs/{request}")).await.status,
            StatusCode::FORBIDDEN
        );
        omar.get("/sign-offs").await;
        let approve = omar
            .post(&format!("/sign-offs/{request}/approve"), &[])
            .await;
        assert_eq!(approve.status, StatusCode::FORBIDDEN);
        let refuse = omar
            .post(
                &format!("/sign-offs/{request}/return"),
                &[("comments", "No")],
            )
            .await;
        assert_eq!(refuse.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'sign_off.refused'")
                .await,
            before + 3
        );
        assert_eq!(waiting_request(&app, caf).await, request);

        // Lena returns it: comments are required, then the practitioner is told at once.
        let mut lena = app.signed_in(MANAGER).await;
        let decision = lena.get(&format!("/sign-offs/{request}")).await;
        assert_eq!(decision.status, StatusCode::OK);
        for words in [
            "Sign off the assessment",
            "Amelia Hughes",
            "Sam Practitioner",
            &format!("href=\"/cafs/{caf}/sign-off\""),
            "Approve and sign off",
            "Return with comments",
        ] {
            assert!(decision.text.contains(words), "{words}");
        }
        let empty = lena
            .post(
                &format!("/sign-offs/{request}/return"),
                &[("comments", "  ")],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("href=\"#comments\""));
        assert!(empty
            .text
            .contains("Enter what needs to change before it can be signed off"));
        assert_eq!(waiting_request(&app, caf).await, request);
        let returned = lena
            .post(
                &format!("/sign-offs/{request}/return"),
                &[("comments", "Say what the school has already tried.")],
            )
            .await;
        assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.text);
        assert_eq!(waiting_request(&app, caf).await, 0);
        assert_eq!(state_of(&app, caf).await, "draft");
        assert_eq!(mails(&app, PRACTITIONER, "returned_for_changes").await, 1);
        let urgent = app
            .count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'returned_for_changes' AND urgency = 'urgent' AND link_path = '/cafs/{caf}'"
            ))
            .await;
        assert_eq!(urgent, 1);
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks.text.contains("Returned for changes"));
        assert!(tasks
            .text
            .contains("Say what the school has already tried."));
        assert!(tasks
            .text
            .contains("Lena Manager returned the assessment on"));

        // Changed and sent again, Dee approves: version 1 is frozen now.
        let form = sam.get(&path).await;
        let section_revision = hidden(&form, "revision");
        let mut fields = answers("family_background");
        fields.push(("revision", section_revision.as_str()));
        let edit = sam.post(&path, &fields).await;
        assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.text);
        let sent = send_assessment(&mut sam, caf).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(!tasks
            .text
            .contains("Say what the school has already tried."));
        let request = waiting_request(&app, caf).await;
        let mut dee = app.signed_in(DEPUTY).await;
        dee.get(&format!("/sign-offs/{request}")).await;
        let approved = dee
            .post(&format!("/sign-offs/{request}/approve"), &[])
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
        assert_eq!(approved.header("location"), "/sign-offs?done=approved");
        assert_eq!(state_of(&app, caf).await, "assessment_signed_off");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM caf_versions WHERE caf_id = {caf} AND number = 1"
            ))
            .await,
            1
        );
        let history = events(&app, caf).await;
        let tail: Vec<&str> = history
            .iter()
            .map(String::as_str)
            .filter(|k| k.starts_with("sign_off.") || *k == "caf.signed_off")
            .collect();
        assert_eq!(
            tail,
            [
                "sign_off.requested",
                "sign_off.returned",
                "sign_off.requested",
                "sign_off.approved",
                "caf.signed_off"
            ]
        );
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        assert!(chronology
            .text
            .contains("Sign-off of the assessment returned for changes: Say what the school has already tried."));
        assert!(chronology
            .text
            .contains("Sign-off of the assessment approved"));

        // The plan, over the API: an action, sent, held still, approved.
        assert_eq!(
            consent(&mut sam, caf, &[app.agency_id]).await.status,
            StatusCode::SEE_OTHER
        );
        let (mut api, token) = with_token(&app, PRACTITIONER).await;
        let action = json!({
            "what": "Meet Amelia each morning at the gate",
            "owner": {"kind": "child", "person_id": child},
            "due_on": "2026-12-20",
            "outcome": "Amelia is at school on time every day",
        });
        let added = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/actions"),
                &token,
                &action,
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
        let rev = revision(&mut api, &token, caf).await;
        let direct = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/plan/agree"),
                &token,
                &json!({"review_on": "2027-01-06", "revision": rev}),
            )
            .await;
        assert_eq!(
            direct.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            direct.text
        );
        assert!(direct.text.contains("needs your line manager's sign-off"));
        let rev = revision(&mut api, &token, caf).await;
        let no_date = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/sign-off-requests"),
                &token,
                &json!({"step": "plan", "revision": rev}),
            )
            .await;
        assert_eq!(problem_fields(&no_date), ["review_on"]);
        let rev = revision(&mut api, &token, caf).await;
        let plan = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/sign-off-requests"),
                &token,
                &json!({"step": "plan", "review_on": "2027-01-06", "revision": rev}),
            )
            .await;
        assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.text);
        let view = plan.json();
        assert_eq!(view["status"], "waiting");
        assert_eq!(view["managers"], json!(["Lena Manager", "Dee Deputy"]));
        let plan_request = view["id"].as_i64().unwrap();
        let held = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/actions"),
                &token,
                &action,
            )
            .await;
        assert_eq!(
            held.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            held.text
        );
        let page = sam.get(&format!("/cafs/{caf}/plan")).await;
        assert!(page
            .text
            .contains("The plan is awaiting sign-off by Lena Manager"));
        assert!(!page.text.contains("Agree the plan with the family</a>"));
        let (mut lena_api, lena_token) = with_token(&app, MANAGER).await;
        let queue = lena_api.api_get("/api/v1/sign-offs", &lena_token).await;
        assert_eq!(queue.status, StatusCode::OK);
        assert_eq!(queue.json()[0]["id"].as_i64(), Some(plan_request));
        assert_eq!(queue.json()[0]["children"], json!(["Amelia Hughes"]));
        let approved = lena_api
            .api_json(
                Method::POST,
                &format!("/api/v1/sign-offs/{plan_request}/approve"),
                &lena_token,
                &json!({}),
            )
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
        assert_eq!(approved.json()["status"], "approved");
        assert_eq!(approved.json()["decided_by"], "Lena Manager");
        assert_eq!(state_of(&app, caf).await, "plan_in_place");
        let review: String = sqlx::Row::get(
            &sqlx::query("SELECT next_review_on FROM cafs WHERE id = $1")
                .bind(caf)
                .fetch_one(app.store.pool())
                .await
                .unwrap(),
            0,
        );
        assert_eq!(review, "2027-01-06");
        let again = lena_api
            .api_json(
                Method::POST,
                &format!("/api/v1/sign-offs/{plan_request}/approve"),
                &lena_token,
                &json!({}),
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);

        // The closure: sent on the page, returned over the API, sent again, approved.
        sam.get(&format!("/cafs/{caf}/close")).await;
        let close = sam.get(&format!("/cafs/{caf}/close")).await;
        assert!(close
            .text
            .contains("Send to your line manager for sign-off"));
        let closing = [
            ("reason", "outcomes_achieved"),
            ("explanation", ""),
            (
                "summary",
                "Amelia is at school every day. The school nurse carries on.",
            ),
            ("closed_on-day", "25"),
            ("closed_on-month", "11"),
            ("closed_on-year", "2026"),
            ("revision", &hidden(&close, "revision")),
        ];
        let sent = sam.post(&format!("/cafs/{caf}/close"), &closing).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        assert_eq!(
            sent.header("location"),
            format!("/cafs/{caf}?done=closure-sent")
        );
        assert_eq!(state_of(&app, caf).await, "plan_in_place");
        let closure_request = waiting_request(&app, caf).await;
        let no_comments = lena_api
            .api_json(
                Method::POST,
                &format!("/api/v1/sign-offs/{closure_request}/return"),
                &lena_token,
                &json!({"comments": ""}),
            )
            .await;
        assert_eq!(problem_fields(&no_comments), ["comments"]);
        let returned = lena_api
            .api_json(
                Method::POST,
                &format!("/api/v1/sign-offs/{closure_request}/return"),
                &lena_token,
                &json!({"comments": "Hold it open until the review on 6 January."}),
            )
            .await;
        assert_eq!(returned.status, StatusCode::OK, "{}", returned.text);
        assert_eq!(returned.json()["status"], "returned");
        assert_eq!(mails(&app, PRACTITIONER, "returned_for_changes").await, 2);
        let current = api
            .api_get(&format!("/api/v1/cafs/{caf}/sign-off-requests"), &token)
            .await;
        assert_eq!(
            current.json()["comments"],
            "Hold it open until the review on 6 January."
        );
        let rev = revision(&mut api, &token, caf).await;
        let resent = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/sign-off-requests"),
                &token,
                &json!({"step": "closure", "reason": "outcomes_achieved",
                        "summary": "Amelia is at school every day. The school nurse carries on after the review.",
                        "closed_on": "2026-11-25", "revision": rev}),
            )
            .await;
        assert_eq!(resent.status, StatusCode::CREATED, "{}", resent.text);
        let closure_request = resent.json()["id"].as_i64().unwrap();
        lena.get(&format!("/sign-offs/{closure_request}")).await;
        let approved = lena
            .post(&format!("/sign-offs/{closure_request}/approve"), &[])
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
        assert_eq!(state_of(&app, caf).await, "closed");
        let summary: String = sqlx::Row::get(
            &sqlx::query("SELECT closure_summary FROM cafs WHERE id = $1")
                .bind(caf)
                .fetch_one(app.store.pool())
                .await
                .unwrap(),
            0,
        );
        assert!(summary.ends_with("after the review."));

        // No mail names the child or carries a comment.
        let leaked = app
            .count(
                "SELECT COUNT(*) FROM outbox WHERE subject LIKE '%Amelia%' OR body LIKE '%Amelia%' \
                 OR subject LIKE '%Hughes%' OR body LIKE '%Hughes%' OR body LIKE '%school%'",
            )
            .await;
        assert_eq!(leaked, 0);
        assert_eq!(mails(&app, MANAGER, "sign_off_requested").await, 5);
    }
);

async fn send_assessment_raw(sam: &mut Client, caf: i64) -> Reply {
    let check = sam.get(&format!("/cafs/{caf}/sign-off")).await;
    let revision = check
        .text
        .split("name=\"revision\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("0")
        .to_string();
    sam.post(
        &format!("/cafs/{caf}/sign-off"),
        &[("revision", revision.as_str())],
    )
    .await
}

on_both_databases!(
    a_practitioner_without_a_line_manager_is_told_so_and_nothing_is_sent,
    |app| {
        let child = child_and_outsider(&app).await;
        switch(&app, &["assessment"]).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = complete(&mut sam, child).await;
        let sent = send_assessment(&mut sam, caf).await;
        assert_eq!(
            sent.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            sent.text
        );
        assert!(sent
            .text
            .contains("You have no line manager or deputy recorded, so there is nobody to send this to for sign-off. Ask an administrator to record your line manager"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_sign_off_requests")
                .await,
            0
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
        assert_eq!(state_of(&app, caf).await, "draft");
        let (mut api, token) = with_token(&app, PRACTITIONER).await;
        let rev = revision(&mut api, &token, caf).await;
        let over_api = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/sign-off-requests"),
                &token,
                &json!({"step": "assessment", "revision": rev}),
            )
            .await;
        assert_eq!(problem_fields(&over_api), ["step"]);
        assert!(over_api.text.contains("Ask an administrator"));
        let unknown = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/sign-off-requests"),
                &token,
                &json!({"step": "review", "revision": 1}),
            )
            .await;
        assert_eq!(problem_fields(&unknown), ["step"]);
    }
);

on_both_databases!(switched_off_each_step_is_taken_as_without_sign_off, |app| {
    let child = child_and_outsider(&app).await;
    managers_of(&app, app.practitioner_id, false).await;
    switch(&app, &["assessment"]).await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let caf = complete(&mut sam, child).await;
    let (mut api, token) = with_token(&app, PRACTITIONER).await;
    let rev = revision(&mut api, &token, caf).await;
    let direct = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/sign-off"),
            &token,
            &json!({"revision": rev}),
        )
        .await;
    assert_eq!(
        direct.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        direct.text
    );
    switch(&app, &[]).await;
    let check = sam.get(&format!("/cafs/{caf}/sign-off")).await;
    assert!(!check.text.contains("Send to your line manager"));
    let rev = revision(&mut api, &token, caf).await;
    let not_on = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/sign-off-requests"),
            &token,
            &json!({"step": "assessment", "revision": rev}),
        )
        .await;
    assert_eq!(problem_fields(&not_on), ["step"]);
    assert!(not_on.text.contains("is not switched on"));
    let signed = send_assessment_raw(&mut sam, caf).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    assert_eq!(signed.header("location"), format!("/cafs/{caf}/versions/1"));
    assert_eq!(state_of(&app, caf).await, "assessment_signed_off");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM caf_sign_off_requests")
            .await,
        0
    );
    let mut lena = app.signed_in(MANAGER).await;
    assert!(!lena
        .get("/")
        .await
        .text
        .contains("Waiting for your sign-off"));
    assert!(lena
        .get("/sign-offs")
        .await
        .text
        .contains("Nothing is waiting for your sign-off"));
});

on_both_databases!(of_two_approvals_at_once_exactly_one_wins, |app| {
    let child = child_and_outsider(&app).await;
    managers_of(&app, app.practitioner_id, true).await;
    switch(&app, &["assessment"]).await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let caf = complete(&mut sam, child).await;
    let sent = send_assessment(&mut sam, caf).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let request = waiting_request(&app, caf).await;
    let (mut lena, lena_token) = with_token(&app, MANAGER).await;
    let (mut dee, dee_token) = with_token(&app, DEPUTY).await;
    let path = format!("/api/v1/sign-offs/{request}/approve");
    let empty = json!({});
    let (first, second) = tokio::join!(
        lena.api_json(Method::POST, &path, &lena_token, &empty),
        dee.api_json(Method::POST, &path, &dee_token, &empty),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        first.text,
        second.text
    );
    let lost = if first.status == StatusCode::CONFLICT {
        &first
    } else {
        &second
    };
    assert!(lost.text.contains("already decided by"), "{}", lost.text);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM caf_versions WHERE caf_id = {caf}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM caf_events WHERE caf_id = {caf} AND kind = 'sign_off.approved'"
        ))
        .await,
        1
    );
    // On the page, the one who lost is told who decided first.
    sam.get("/").await;
    let mut dee_page = app.signed_in(DEPUTY).await;
    dee_page.get("/sign-offs").await;
    let late = dee_page
        .post(&format!("/sign-offs/{request}/approve"), &[])
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.text.contains("This was already decided by"));
});

/// For the page routes: Eve's plan sent to her line manager Lena, waiting. The request's id.
pub(crate) async fn plan_waiting(app: &TestApp, eve: &mut Client, caf: i64) -> i64 {
    managers_of(app, app.early_help_id, false).await;
    switch(app, &["plan"]).await;
    let agree = eve.get(&format!("/cafs/{caf}/plan/agree")).await;
    let revision = hidden(&agree, "revision");
    let sent = eve
        .post(
            &format!("/cafs/{caf}/plan/agree"),
            &[
                ("review_on-day", "6"),
                ("review_on-month", "1"),
                ("review_on-year", "2027"),
                ("revision", revision.as_str()),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    waiting_request(app, caf).await
}
