//! Adding a person is idempotent: the same add form, or the same API request with the same
//! `Idempotency-Key`, sent many times at once adds one person, and every answer points at them.
use crate::people::{post_new, submission_key};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use ecaf_tests::{on_both_databases, TestApp, EARLY_HELP, PASSWORD, PRACTITIONER};
use http_body_util::BodyExt;
use serde_json::json;
use std::net::SocketAddr;
use tower::ServiceExt;

/// How many identical submissions are sent at once.
const AT_ONCE: usize = 12;

/// A child already on the register, and the same child's details typed slightly differently:
/// adding the second shows the first as a candidate, to be confirmed as someone else.
const AMELIA: &[(&str, &str)] = &[
    ("given_name", "Amelia"),
    ("family_name", "Hughes"),
    ("dob_day", "7"),
    ("dob_month", "3"),
    ("dob_year", "2019"),
    ("postcode", "BF1 2AB"),
];
const AMELIE: &[(&str, &str)] = &[
    ("given_name", "Amelie"),
    ("family_name", "Hughes"),
    ("dob_day", "7"),
    ("dob_month", "3"),
    ("dob_year", "2019"),
    ("postcode", "BF1 2AB"),
];

/// Sends the same request `AT_ONCE` times concurrently; returns each status, its `Location`
/// header and its body.
async fn all_at_once(
    app: &TestApp,
    request: impl Fn() -> Request<Body>,
) -> Vec<(StatusCode, String, String)> {
    let mut sent = Vec::new();
    for _ in 0..AT_ONCE {
        let mut request = request();
        let address: SocketAddr = "192.0.2.10:5000".parse().expect("address");
        request.extensions_mut().insert(ConnectInfo(address));
        let router = app.router.clone();
        sent.push(tokio::spawn(async move {
            let response = router.oneshot(request).await.expect("infallible");
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (
                status,
                location,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        }));
    }
    let mut answers = Vec::new();
    for s in sent {
        answers.push(s.await.expect("request task"));
    }
    answers
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no {name} on the page: {html}"))
        .to_string()
}

on_both_databases!(
    the_same_add_form_sent_many_times_at_once_adds_one_person,
    |app| {
        let mut sam = app.client();
        let signed_in = sam.sign_in(PRACTITIONER, PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        let cookie = signed_in
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next())
            .filter(|pair| !pair.ends_with('='))
            .collect::<Vec<_>>()
            .join("; ");
        let first = post_new(&mut sam, AMELIA).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
        // Amelie's details show Amelia as a candidate; the practitioner confirms she is someone
        // else, and the confirmed form is sent many times at once (a double click, a retrying
        // proxy, an impatient user).
        let key = submission_key(&sam.get("/people/new").await.text);
        let mut add_fields: Vec<(&str, &str)> = AMELIE.to_vec();
        add_fields.push(("submission_key", key.as_str()));
        let sent = sam.post("/people/new", &add_fields).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        let question_path = sent.header("location").to_string();
        let question = sam.get(&question_path).await;
        assert!(question.text.contains("Is this the person you are adding?"));
        let shown = hidden(&question.text, "candidates_shown");
        let csrf = hidden(&question.text, "csrf_token");
        let fields: Vec<(&str, &str)> = vec![
            ("answer", "none"),
            ("candidates_shown", shown.as_str()),
            ("csrf_token", csrf.as_str()),
        ];
        let form = serde_urlencoded::to_string(&fields).expect("form");
        let answers = all_at_once(&app, || {
            Request::builder()
                .method(Method::POST)
                .uri(&question_path)
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.clone()))
                .expect("request")
        })
        .await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM people WHERE given_name = 'Amelie'")
                .await,
            1,
            "one person added"
        );
        let amelie = app
            .count("SELECT id FROM people WHERE given_name = 'Amelie'")
            .await;
        for (status, location, body) in &answers {
            assert_eq!(*status, StatusCode::SEE_OTHER, "{body}");
            assert_eq!(location, &format!("/people/{amelie}?done=created"));
        }
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM person_history WHERE person_id = {amelie}"
            ))
            .await,
            1
        );
        // The same form sent again later, changed (back, edit, submit): nobody is added, and the
        // practitioner is told, with the form to submit again if this is someone else.
        let mut changed: Vec<(&str, &str)> = add_fields.clone();
        changed[0] = ("given_name", "Emily");
        let mut reused = sam.post("/people/new", &changed).await;
        if reused.status == StatusCode::SEE_OTHER {
            // Emily may be Amelia or Amelie: "none of these", and then the key's earlier use.
            let question = reused.header("location").to_string();
            let shown = hidden(&sam.get(&question).await.text, "candidates_shown");
            reused = sam
                .post(
                    &question,
                    &[("answer", "none"), ("candidates_shown", &shown)],
                )
                .await;
        }
        assert_eq!(reused.status, StatusCode::CONFLICT, "{}", reused.text);
        assert!(
            reused.text.contains(&format!(
                "This form was already used to add a person (record {amelie})"
            )),
            "{}",
            reused.text
        );
        assert_ne!(
            submission_key(&reused.text),
            key,
            "a new key for the form shown again"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 2);
        // A form without its key is refused rather than added without the guarantee.
        let keyless: Vec<(&str, &str)> = add_fields
            .iter()
            .copied()
            .filter(|(name, _)| *name != "submission_key")
            .collect();
        assert_eq!(
            sam.post("/people/new", &keyless).await.status,
            StatusCode::BAD_REQUEST
        );
    }
);

on_both_databases!(
    the_same_api_request_with_one_idempotency_key_adds_one_person,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let token = sam.create_token("Case system").await;
        let amelia = json!({"person": {"given_name": "Amelia", "family_name": "Hughes",
        "date_of_birth": "2019-03-07", "main_address": {"postcode": "BF1 2AB"}}});
        let first = sam
            .api_json(Method::POST, "/api/v1/people", &token, &amelia)
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let amelia_id = first.json()["id"].as_i64().expect("id");
        let amelie = json!({"person": {"given_name": "Amelie", "family_name": "Hughes",
        "date_of_birth": "2019-03-07", "main_address": {"postcode": "BF1 2AB"}},
        "confirmed_not_matching": [amelia_id]});
        let body = amelie.to_string();
        let send = |key: &str, body: String| {
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/people")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", key)
                .body(Body::from(body))
                .expect("request")
        };
        let answers = all_at_once(&app, || send("add-amelie-2026-11-25", body.clone())).await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM people WHERE given_name = 'Amelie'")
                .await,
            1,
            "one person added"
        );
        let amelie_id = app
            .count("SELECT id FROM people WHERE given_name = 'Amelie'")
            .await;
        for (status, _, body) in &answers {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            let person: serde_json::Value = serde_json::from_str(body).expect("JSON");
            assert_eq!(person["id"], amelie_id, "{body}");
        }
        // A retry later gets the same answer, marked as a replay.
        let retry = all_at_once(&app, || send("add-amelie-2026-11-25", body.clone())).await;
        assert!(retry
            .iter()
            .all(|(status, _, body)| *status == StatusCode::CREATED
                && serde_json::from_str::<serde_json::Value>(body).expect("JSON")["id"]
                    == amelie_id));
        let mut api = app.client();
        let replayed = api
            .send(
                Method::POST,
                "/api/v1/people",
                Body::from(body.clone()),
                Some("application/json"),
                &[
                    ("authorization", &format!("Bearer {token}")),
                    ("idempotency-key", "add-amelie-2026-11-25"),
                ],
            )
            .await;
        assert_eq!(replayed.header("idempotent-replayed"), "true");
        // The key with another body is refused; a malformed key too.
        let mut other = amelie.clone();
        other["person"]["given_name"] = json!("Emily");
        let reused = api
            .send(
                Method::POST,
                "/api/v1/people",
                Body::from(other.to_string()),
                Some("application/json"),
                &[
                    ("authorization", &format!("Bearer {token}")),
                    ("idempotency-key", "add-amelie-2026-11-25"),
                ],
            )
            .await;
        assert_eq!(
            reused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reused.text
        );
        assert_eq!(reused.json()["errors"][0]["field"], "Idempotency-Key");
        let long_key = "k".repeat(201);
        let malformed = api
            .send(
                Method::POST,
                "/api/v1/people",
                Body::from(other.to_string()),
                Some("application/json"),
                &[
                    ("authorization", &format!("Bearer {token}")),
                    ("idempotency-key", &long_key),
                ],
            )
            .await;
        assert_eq!(
            malformed.status,
            StatusCode::BAD_REQUEST,
            "{}",
            malformed.text
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 2);
    }
);

/// The value of the input with this id.
fn input_value<'a>(html: &'a str, id: &str) -> &'a str {
    html.split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no input #{id}"))
}

/// Search through the page and return the results page's address.
async fn searched(client: &mut ecaf_tests::Client, fields: &[(&str, &str)]) -> String {
    client.get("/people/search").await;
    let sent = client.post("/people/search", fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    sent.header("location").to_string()
}

on_both_databases!(
    add_them_to_the_register_opens_the_form_filled_in_with_the_search,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let results = searched(
            &mut sam,
            &[
                ("given_name", "Noah"),
                ("family_name", "Patel"),
                ("dob_day", "12"),
                ("dob_month", "4"),
                ("dob_year", "2020"),
                ("postcode", "bf2 6ef"),
                ("nhs_number", "943 476 5919"),
            ],
        )
        .await;
        let page = sam.get(&results).await;
        let key = results.trim_start_matches("/people/search/");
        let add = format!("/people/new?search={key}");
        assert!(
            page.text.contains(&format!("href=\"{add}\"")),
            "{}",
            page.text
        );
        let form = sam.get(&add).await;
        assert_eq!(form.status, StatusCode::OK);
        for (id, value) in [
            ("given_name", "Noah"),
            ("family_name", "Patel"),
            ("date_of_birth-day", "12"),
            ("date_of_birth-month", "4"),
            ("date_of_birth-year", "2020"),
            ("postcode", "bf2 6ef"),
            ("nhs_number", "943 476 5919"),
        ] {
            assert_eq!(input_value(&form.text, id), value, "{id}");
        }
        // Anyone else following the same link gets an empty form.
        let mut eve = app.signed_in(EARLY_HELP).await;
        let theirs = eve.get(&add).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(!theirs.text.contains("Noah"), "{}", theirs.text);
    }
);

on_both_databases!(
    the_duplicate_check_is_a_question_page_that_keeps_what_was_typed,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let first = post_new(&mut sam, AMELIA).await;
        let amelia = first
            .header("location")
            .trim_end_matches("?done=created")
            .to_string();
        let key = submission_key(&sam.get("/people/new").await.text);
        let mut typed: Vec<(&str, &str)> = AMELIE.to_vec();
        typed.push(("submission_key", key.as_str()));
        let sent = sam.post("/people/new", &typed).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        let question = sent.header("location").to_string();
        assert!(question.starts_with("/people/new/") && question.ends_with("/check"));
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 1);
        // A GET page: shown again after looking at a candidate's record (Back), unchanged.
        let id = amelia.trim_start_matches("/people/");
        for _ in 0..2 {
            let page = sam.get(&question).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            assert!(page
                .text
                .contains("<title>Is this the person you are adding?"));
            assert!(page
                .text
                .contains(&format!("name=\"answer\" type=\"radio\" value=\"{id}\"")));
            assert!(page
                .text
                .contains("name=\"answer\" type=\"radio\" value=\"none\""));
            assert!(page.text.contains("None of these – add a new record"));
            assert!(
                page.text
                    .contains("You are adding Amelie Hughes, born 7 March 2019"),
                "{}",
                page.text
            );
            assert!(page.text.contains(&format!("href=\"{amelia}\"")));
            sam.get(&amelia).await;
        }
        let shown = hidden(&sam.get(&question).await.text, "candidates_shown");
        assert_eq!(shown, id);
        // No answer: asked again, with an error summary.
        let unanswered = sam.post(&question, &[("candidates_shown", &shown)]).await;
        assert_eq!(unanswered.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unanswered
            .text
            .contains("<title>Error: Is this the person you are adding?"));
        assert!(unanswered.text.contains("href=\"#answer\""));
        assert!(unanswered
            .text
            .contains("Select the record that is this person"));
        // "Change the details you entered": the add form, filled in, still the same form.
        let draft = question
            .trim_start_matches("/people/new/")
            .trim_end_matches("/check");
        let change = sam.get(&format!("/people/new?draft={draft}")).await;
        assert!(change.text.contains("value=\"Amelie\""), "{}", change.text);
        assert_eq!(submission_key(&change.text), key);
        // "Yes, it is this record": to that record, and nobody is added.
        let same = sam.get(&question).await;
        assert!(same.status.is_success());
        let chosen = sam
            .post(&question, &[("answer", id), ("candidates_shown", &shown)])
            .await;
        assert_eq!(chosen.status, StatusCode::SEE_OTHER);
        assert_eq!(chosen.header("location"), amelia);
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 1);
        // "None of these": added, with the decision in the history.
        sam.get(&question).await;
        let added = sam
            .post(
                &question,
                &[("answer", "none"), ("candidates_shown", &shown)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 2);
        let note = format!("SELECT COUNT(*) FROM person_history WHERE summary LIKE '%(records {id}) were confirmed not to be this person%'");
        assert_eq!(app.count(&note).await, 1);
    }
);
