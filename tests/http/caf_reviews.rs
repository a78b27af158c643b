//! Reviews and distance travelled, on both databases: one CAF from sign-off through two
//! reviews (its indicator improving) to closure, on the pages and over the API, with a version
//! frozen per review, every review in the chronology, and the chart's table equal to the
//! stored scores; every problem of a review named on its own field with nothing changed;
//! consent re-sought at a review changing who may read the CAF at once; and someone with no
//! part in the CAF refused.
use super::caf_pages::{child_and_outsider, OUTSIDER};
use super::caf_plan::{consent, signed_off};
use axum::http::{Method, StatusCode};
use ecaf_tests::{on_both_databases, Client, Reply, TestApp, PRACTITIONER};
use serde_json::{json, Value};

async fn api_client(app: &TestApp, email: &str) -> (Client, String) {
    let mut client = app.signed_in(email).await;
    let token = client.create_token("tests").await;
    (client, token)
}

/// The fields a 422 problem names.
fn fields(reply: &Reply) -> Vec<String> {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.header("content-type"), "application/problem+json");
    reply.json()["errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

async fn caf_revision(api: &mut Client, token: &str, caf: i64) -> i64 {
    let reviews = api
        .api_get(&format!("/api/v1/cafs/{caf}/reviews"), token)
        .await;
    assert_eq!(reviews.status, StatusCode::OK, "{}", reviews.text);
    reviews.json()["revision"].as_i64().unwrap()
}

/// A signed-off CAF with the family's consent naming `agencies`, one action for the child,
/// and its plan agreed on 25 November 2026 with the review on 6 January 2027.
async fn agreed(app: &TestApp, sam: &mut Client, child: i64, agencies: &[i64]) -> i64 {
    let caf = signed_off(sam, child).await;
    let consented = consent(sam, caf, agencies).await;
    assert_eq!(
        consented.status,
        StatusCode::SEE_OTHER,
        "{}",
        consented.text
    );
    let (mut api, token) = api_client(app, PRACTITIONER).await;
    let added = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/actions"),
            &token,
            &json!({
                "what": "Meet Amelia each morning at the gate and walk her in",
                "owner": {"kind": "child", "person_id": child},
                "due_on": "2026-12-20",
                "outcome": "Amelia is at school on time every day",
            }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let revision = caf_revision(&mut api, &token, caf).await;
    let agreed = api
        .api_json(
            Method::POST,
            &format!("/api/v1/cafs/{caf}/plan/agree"),
            &token,
            &json!({"review_on": "2027-01-06", "revision": revision}),
        )
        .await;
    assert_eq!(agreed.status, StatusCode::OK, "{}", agreed.text);
    caf
}

/// A whole review over the API, to be changed one field at a time.
fn a_review(held_on: &str, scores: Value, agencies: &[i64], revision: i64) -> Value {
    json!({
        "held_on": held_on,
        "setting": "review_meeting",
        "chair": "Sam Taylor",
        "present": [{"name": "Laura Hughes", "agency": "Mother"}, {"name": "Sam Taylor", "agency": "Riverside Primary School"}],
        "undertaken": "some",
        "improvements": "Amelia is late less often",
        "scores": scores,
        "consent": {"resought": "yes", "agencies": agencies},
        "family_view": "Laura says mornings are calmer",
        "child_view": "Amelia likes being met at the gate",
        "feedback_offered": true,
        "decision": "continue",
        "next_review_on": "2027-02-17",
        "revision": revision,
    })
}

/// The cells of the table row of `need` on a page, in order.
fn row_cells(html: &str, need: &str) -> Vec<String> {
    let row = html
        .split("<tr class=\"govuk-table__row\">")
        .find(|r| r.contains(&format!(">{need}</th>")))
        .unwrap_or_else(|| panic!("no row for {need}"));
    row.split("<td ")
        .skip(1)
        .map(|cell| {
            cell.split_once('>')
                .and_then(|(_, rest)| rest.split_once("</td>"))
                .map(|(text, _)| text.trim().to_string())
                .unwrap_or_default()
        })
        .collect()
}

on_both_databases!(
    a_caf_goes_from_sign_off_through_two_reviews_to_closure_with_distance_travelled,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let owner = app.agency_id;
        let caf = agreed(&app, &mut sam, child, &[owner]).await;
        let task_list = sam.get(&format!("/cafs/{caf}")).await;
        assert!(task_list.text.contains("Next review by 6 January 2027"));
        assert!(task_list.text.contains("No review has been held yet."));
        assert!(task_list
            .text
            .contains(&format!("href=\"/cafs/{caf}/reviews/new\"")));
        // At sign-off the chart has one point: the baseline.
        assert_eq!(row_cells(&task_list.text, "School attendance"), ["4"]);

        // Review 1, on its page, six weeks on: nothing typed is refused field by field.
        app.clock.advance(chrono::Duration::weeks(6));
        let mut sam = app.signed_in(PRACTITIONER).await;
        let new = format!("/cafs/{caf}/reviews/new");
        let form = sam.get(&new).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text.contains("Record review 1"));
        assert!(form.text.contains("<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">School attendance</legend>"));
        assert!(form.text.contains("Last score: 4"));
        assert!(form
            .text
            .contains("name=\"held_on-day\" type=\"text\" inputmode=\"numeric\" value=\"6\""));
        let empty = sam
            .post(
                &new,
                &[
                    ("held_on-day", "6"),
                    ("held_on-month", "1"),
                    ("held_on-year", "2027"),
                    ("pci_need-1", "School attendance"),
                ],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Select how the review was held",
            "Enter who chaired the review",
            "Enter at least one person who took part in the review",
            "Select whether the actions have been undertaken",
            "Enter how things have improved, or not",
            "The score for “School attendance” must be a whole number from 1 (least concern) to 5 (most concern)",
            "Select whether the family&#x27;s consent to share was asked for again",
            "Enter the family&#x27;s view of the review",
            "Select whether the family was offered the feedback questionnaire",
            "Select what the review decided",
        ] {
            assert!(empty.text.contains(message), "{message}: {}", empty.text);
        }
        assert!(empty.text.contains("href=\"#pci_score-1\""));
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_reviews").await, 0);
        let action = app
            .count(&format!(
                "SELECT MIN(id) FROM caf_actions WHERE caf_id = {caf}"
            ))
            .await
            .to_string();
        let revision = form
            .text
            .split("name=\"revision\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        let owner_text = owner.to_string();
        let progress = format!("progress-{action}");
        let recorded = sam
            .post(
                &new,
                &[
                    ("revision", revision.as_str()),
                    ("held_on-day", "6"),
                    ("held_on-month", "1"),
                    ("held_on-year", "2027"),
                    ("setting", "review_meeting"),
                    ("chair", "Sam Taylor"),
                    ("attendee_name-1", "Laura Hughes"),
                    ("attendee_agency-1", "Mother"),
                    ("undertaken", "some"),
                    (progress.as_str(), "Met at the gate on most days"),
                    ("improvements", "Amelia is late less often"),
                    ("pci_need-1", "School attendance"),
                    ("pci_score-1", "3"),
                    ("consent_resought", "yes"),
                    ("agencies", owner_text.as_str()),
                    ("family_view", "Mornings are calmer"),
                    ("child_view", "Amelia likes being met"),
                    ("feedback_offered", "yes"),
                    ("decision", "continue"),
                    ("next_review_on-day", "17"),
                    ("next_review_on-month", "2"),
                    ("next_review_on-year", "2027"),
                ],
            )
            .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
        assert_eq!(
            recorded.header("location"),
            format!("/cafs/{caf}/reviews/1?done=recorded")
        );
        let shown = sam.get(recorded.header("location")).await;
        assert!(shown.text.contains("Review 1 has been recorded"));
        assert!(shown
            .text
            .contains("Version 2 of the CAF has been frozen with it."));
        assert!(shown.text.contains("Met at the gate on most days"));
        assert!(shown.text.contains(&format!(
            "href=\"/cafs/{caf}/versions/compare?from=1&amp;to=2\""
        )));
        assert_eq!(row_cells(&shown.text, "School attendance"), ["4", "3"]);
        let compare = sam
            .get(&format!("/cafs/{caf}/versions/compare?from=1&to=2"))
            .await;
        assert_eq!(compare.status, StatusCode::OK);
        assert!(
            compare.text.contains("Parent&#x2f;Child Indicator 1"),
            "{}",
            compare.text
        );
        assert!(
            compare.text.contains("School attendance: 3"),
            "{}",
            compare.text
        );

        // Review 2, over the API, six weeks later: a new need, and the decision to close.
        app.clock.advance(chrono::Duration::weeks(6));
        let (mut api, token) = api_client(&app, PRACTITIONER).await;
        let listed = api
            .api_get(&format!("/api/v1/cafs/{caf}/reviews"), &token)
            .await
            .json();
        assert_eq!(listed["reviews"][0]["version"], 2);
        assert_eq!(listed["next_review_on"], "2027-02-17");
        assert_eq!(
            listed["indicators"],
            json!([{"need": "School attendance", "score": 3}])
        );
        let mut second = a_review(
            "2027-02-17",
            json!([{"need": "School attendance", "score": 2}, {"need": "Friendships", "score": 3}]),
            &[owner],
            listed["revision"].as_i64().unwrap(),
        );
        second["decision"] = json!("close");
        second["next_review_on"] = Value::Null;
        let done = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/reviews"),
                &token,
                &second,
            )
            .await;
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
        assert_eq!(
            done.json(),
            json!({"number": 2, "version": 3, "decision": "close"})
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM caf_versions WHERE caf_id = {caf}"
            ))
            .await,
            3
        );

        // Distance travelled: the API's series, the page's table and the stored scores agree.
        let series = api
            .api_get(&format!("/api/v1/cafs/{caf}/distance-travelled"), &token)
            .await
            .json();
        assert_eq!(
            series["points"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["label"].as_str().unwrap(), p["version"].as_i64().unwrap()))
                .collect::<Vec<_>>(),
            [("Start", 1), ("Review 1", 2), ("Review 2", 3)]
        );
        assert_eq!(
            series["indicators"],
            json!([
                {"need": "School attendance", "scores": [4, 3, 2]},
                {"need": "Friendships", "scores": [null, null, 3]},
            ])
        );
        let stored: Vec<String> =
            sqlx::query_scalar::<_, String>("SELECT review FROM caf_reviews ORDER BY number")
                .fetch_all(app.store.pool())
                .await
                .unwrap();
        let stored_scores: Vec<Value> = stored
            .iter()
            .map(|r| serde_json::from_str::<Value>(r).unwrap()["scores"].clone())
            .collect();
        assert_eq!(
            stored_scores[0],
            json!([{"need": "School attendance", "score": 3}])
        );
        assert_eq!(
            stored_scores[1][1],
            json!({"need": "Friendships", "score": 3})
        );
        let mut sam = app.signed_in(PRACTITIONER).await;
        let page = sam.get(&format!("/cafs/{caf}")).await;
        assert_eq!(row_cells(&page.text, "School attendance"), ["4", "3", "2"]);
        assert_eq!(
            row_cells(&page.text, "Friendships"),
            ["Not scored", "Not scored", "3"]
        );
        assert!(page
            .text
            .contains("<svg class=\"ecaf-chart__svg\" role=\"img\""));
        assert!(page
            .text
            .contains("School attendance: 4 at first, 2 now: 2 points less concern."));
        // The review decided to close: the CAF waits under review for the closure.
        assert!(page.text.contains("Review 2 decided to close the CAF"));
        assert!(!page
            .text
            .contains(&format!("href=\"/cafs/{caf}/reviews/new\"")));
        let family = sam.get(&format!("/cafs/{caf}/family-copy")).await;
        assert!(family.text.contains("How things have changed"));
        assert_eq!(
            row_cells(&family.text, "School attendance"),
            ["4", "3", "2"]
        );
        let at_first = sam.get(&format!("/cafs/{caf}/family-copy?version=2")).await;
        assert_eq!(row_cells(&at_first.text, "School attendance"), ["4", "3"]);

        let before_closing = caf_revision(&mut api, &token, caf).await;
        let closed = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/close"),
                &token,
                &json!({
                    "reason": "outcomes_achieved",
                    "summary": "Amelia is at school on time; friendships carry on with the school's nurture group.",
                    "closed_on": "2027-02-17",
                    "revision": before_closing,
                }),
            )
            .await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        for line in [
            "Review 1 held (at a review meeting of the team); actions undertaken: some of them; 1 indicator scored; decision: carry on, next review by 17 February 2027; version 2",
            "Review 2 held (at a review meeting of the team); actions undertaken: some of them; 2 indicators scored; decision: close the CAF; version 3",
            "consented to storing and sharing with 1 agency at review 1",
        ] {
            assert!(chronology.text.contains(line), "{line}: {}", chronology.text);
        }
        // A closed CAF is reviewed no more.
        let blocked = sam.get(&new).await;
        assert!(blocked
            .text
            .contains("The CAF is closed: it can no longer be reviewed."));
        let mut third = a_review(
            "2027-02-17",
            json!([{"need": "School attendance", "score": 2}, {"need": "Friendships", "score": 3}]),
            &[owner],
            caf_revision(&mut api, &token, caf).await,
        );
        third["next_review_on"] = json!("2027-03-10");
        let refused = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/reviews"),
                &token,
                &third,
            )
            .await;
        assert_ne!(refused.status, StatusCode::CREATED, "{}", refused.text);
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_reviews").await, 2);
    }
);

on_both_databases!(
    each_problem_of_a_review_is_named_and_nothing_changes,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let owner = app.agency_id;
        let caf = agreed(&app, &mut sam, child, &[owner]).await;
        app.clock.advance(chrono::Duration::weeks(6));
        let (mut api, token) = api_client(&app, PRACTITIONER).await;
        let path = format!("/api/v1/cafs/{caf}/reviews");
        let rev = caf_revision(&mut api, &token, caf).await;
        let good = || {
            a_review(
                "2027-01-06",
                json!([{"need": "School attendance", "score": 3}]),
                &[owner],
                rev,
            )
        };
        let other = app
            .count(&format!(
                "SELECT agency_id FROM users WHERE email = '{OUTSIDER}'"
            ))
            .await;
        let too_many: Vec<Value> = (0..41)
            .map(|n| json!({"need": format!("Need {n}"), "score": 2}))
            .collect();
        let cases: Vec<(&str, Value, &str)> = vec![
            ("scores", Value::Array(too_many), "scores[0].need"),
            ("held_on", json!("2027-01-07"), "held_on"),
            ("held_on", json!("2026-11-24"), "held_on"),
            ("next_review_on", json!("2027-01-06"), "next_review_on"),
            ("next_review_on", json!("2027-04-08"), "next_review_on"),
            ("next_review_on", Value::Null, "next_review_on"),
            ("present", json!([]), "present[0].name"),
            (
                "present",
                json!([{"name": "Laura Hughes", "agency": ""}]),
                "present[0].agency",
            ),
            ("undertaken", json!("mostly"), "undertaken"),
            ("setting", json!("by post"), "setting"),
            ("improvements", json!("  "), "improvements"),
            (
                "scores",
                json!([{"need": "School attendance", "score": 6}]),
                "scores[0].score",
            ),
            (
                "scores",
                json!([{"need": "Friendships", "score": 2}]),
                "scores",
            ),
            ("decision", json!("pause"), "decision"),
            ("feedback_offered", Value::Null, "feedback_offered"),
            (
                "consent",
                json!({"resought": "no", "why": ""}),
                "consent.why",
            ),
            (
                "consent",
                json!({"resought": "yes", "agencies": [other]}),
                "consent",
            ),
            (
                "progress",
                json!([{"action_id": 999999, "progress": "?"}]),
                "progress",
            ),
        ];
        for (field, value, named) in cases {
            let mut review = good();
            review[field] = value.clone();
            let refused = api.api_json(Method::POST, &path, &token, &review).await;
            assert_eq!(
                fields(&refused),
                [named],
                "{field} = {value}: {}",
                refused.text
            );
        }
        // Beyond the maximum: 13 weeks after this review, not after the plan.
        let mut far = good();
        far["next_review_on"] = json!("2027-04-08");
        let message = api.api_json(Method::POST, &path, &token, &far).await.json();
        assert!(message["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no later than 7 April 2027 (13 weeks after this review)"));
        let mut stale = good();
        stale["revision"] = json!(rev - 1);
        let conflict = api.api_json(Method::POST, &path, &token, &stale).await;
        assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text);
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_reviews").await, 0);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM caf_versions WHERE caf_id = {caf}"
            ))
            .await,
            1
        );
        let state: String = sqlx::query_scalar("SELECT state FROM cafs WHERE id = $1")
            .bind(caf)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        assert_eq!(state, "plan_in_place");

        // A CAF whose plan is not yet agreed is not reviewed.
        let mut sam = app.signed_in(PRACTITIONER).await;
        let unplanned = signed_off(&mut sam, child_and_second(&app).await).await;
        let form = sam.get(&format!("/cafs/{unplanned}/reviews/new")).await;
        assert!(form
            .text
            .contains("A review needs an agreed plan to review"));
        let rev = caf_revision(&mut api, &token, unplanned).await;
        let mut early = good();
        early["revision"] = json!(rev);
        let refused = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{unplanned}/reviews"),
                &token,
                &early,
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text
        );
        assert!(refused.text.contains("agreed plan"), "{}", refused.text);

        // Someone with no part in the CAF sees neither the reviews nor the scores, and may not
        // record one; each refusal is audited.
        let (mut nia, nia_token) = api_client(&app, OUTSIDER).await;
        for read in [
            path.clone(),
            format!("/api/v1/cafs/{caf}/distance-travelled"),
        ] {
            let refused = nia.api_get(&read, &nia_token).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{read}: {}",
                refused.text
            );
        }
        let refused = nia.api_json(Method::POST, &path, &nia_token, &good()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert!(app.audit_actions().await.iter().any(|a| a == "caf.refused"));
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_reviews").await, 0);
    }
);

/// A second child on the register (Amelia's brother), for a CAF of his own.
async fn child_and_second(app: &TestApp) -> i64 {
    use ecaf_domain::access::{operator_grant, UseRegister};
    use ecaf_domain::person::PersonInput;
    let oliver = PersonInput {
        given_name: "Oliver".into(),
        family_name: "Hughes".into(),
        date_of_birth: "2016-05-02".into(),
        ..Default::default()
    };
    app.store
        .create_person(
            &operator_grant::<UseRegister>(),
            &ecaf_store::Attribution::default(),
            &oliver
                .validate(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
                .unwrap(),
            None,
            "test",
        )
        .await
        .unwrap()
}

on_both_databases!(
    consent_re_sought_at_a_review_changes_who_reads_the_caf_at_once,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let owner = app.agency_id;
        let caf = agreed(&app, &mut sam, child, &[owner]).await;
        let other = app
            .count(&format!(
                "SELECT agency_id FROM users WHERE email = '{OUTSIDER}'"
            ))
            .await;
        app.clock.advance(chrono::Duration::weeks(6));
        let (mut api, token) = api_client(&app, PRACTITIONER).await;
        let (mut nia, nia_token) = api_client(&app, OUTSIDER).await;
        let show = format!("/api/v1/cafs/{caf}");
        let reads = |reply: Reply| {
            reply.json()["access"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            reads(nia.api_get(&show, &nia_token).await),
            "existence_only"
        );
        let path = format!("/api/v1/cafs/{caf}/reviews");
        let first = a_review(
            "2027-01-06",
            json!([{"need": "School attendance", "score": 3}]),
            &[owner, other],
            caf_revision(&mut api, &token, caf).await,
        );
        let done = api.api_json(Method::POST, &path, &token, &first).await;
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
        // The youth service now shares the CAF: its practitioner reads it and its new version.
        assert_eq!(reads(nia.api_get(&show, &nia_token).await), "content");
        let versions = nia
            .api_get(&format!("/api/v1/cafs/{caf}/versions"), &nia_token)
            .await;
        assert_eq!(versions.status, StatusCode::OK, "{}", versions.text);
        assert!(versions.text.contains("Review 1 held on 6 January 2027"));

        app.clock.advance(chrono::Duration::weeks(6));
        let (mut api, token) = api_client(&app, PRACTITIONER).await;
        let (mut nia, nia_token) = api_client(&app, OUTSIDER).await;
        let mut second = a_review(
            "2027-02-17",
            json!([{"need": "School attendance", "score": 2}]),
            &[owner],
            caf_revision(&mut api, &token, caf).await,
        );
        second["next_review_on"] = json!("2027-03-31");
        let done = api.api_json(Method::POST, &path, &token, &second).await;
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
        assert_eq!(
            reads(nia.api_get(&show, &nia_token).await),
            "existence_only"
        );
    }
);
