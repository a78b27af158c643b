//! Adding a person is idempotent: the same add form, or the same API request with the same
//! `Idempotency-Key`, sent many times at once adds one person, and every answer points at them.
use crate::people::{post_new, submission_key};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use ecaf_tests::{on_both_databases, TestApp, PASSWORD, PRACTITIONER};
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
        let candidates = post_new(&mut sam, AMELIE).await;
        assert!(candidates
            .text
            .contains("This person may already be on the register"));
        let shown = hidden(&candidates.text, "candidates_shown");
        let key = submission_key(&candidates.text);
        let csrf = hidden(&candidates.text, "csrf_token");
        let mut fields: Vec<(&str, &str)> = AMELIE.to_vec();
        fields.extend([
            ("confirmed_none", "yes"),
            ("candidates_shown", shown.as_str()),
            ("submission_key", key.as_str()),
            ("csrf_token", csrf.as_str()),
        ]);
        let form = serde_urlencoded::to_string(&fields).expect("form");
        let answers = all_at_once(&app, || {
            Request::builder()
                .method(Method::POST)
                .uri("/people/new")
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
        let mut changed: Vec<(&str, &str)> = fields.clone();
        changed[0] = ("given_name", "Emily");
        let reused = sam.post_raw("/people/new", &changed).await;
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
        let keyless: Vec<(&str, &str)> = fields
            .iter()
            .copied()
            .filter(|(name, _)| *name != "submission_key")
            .collect();
        assert_eq!(
            sam.post_raw("/people/new", &keyless).await.status,
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
