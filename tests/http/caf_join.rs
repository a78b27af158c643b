//! Asking to join a CAF's team, on both databases: a practitioner who finds only that a CAF
//! exists asks with a reason (seeing nothing more), the lead professional (here the assessor)
//! is mailed and answers on the page or over the API, accepting adds the member and, where
//! the family agreed, their agency to the consent, so the CAF opens to them at once;
//! declining tells them why; one answer wins; bad answers change nothing.
use super::caf_pages::{child_and_outsider, start, OUTSIDER};
use super::caf_team::consent_to_share;
use axum::http::{Method, StatusCode};
use ecaf_tests::{
    on_both_databases, problem_fields, with_token, TestApp, EARLY_HELP, PRACTITIONER,
};
use serde_json::json;

async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .fetch_all(app.store.pool())
        .await
        .unwrap()
}

async fn nia_agency(app: &TestApp) -> i64 {
    app.count(&format!(
        "SELECT agency_id FROM users WHERE email = '{OUTSIDER}'"
    ))
    .await
}

/// The agencies named in the latest consent to share.
async fn consented_agencies(app: &TestApp, caf: i64) -> Vec<i64> {
    sqlx::query_scalar(&format!(
        "SELECT agency_id FROM caf_consent_agencies WHERE consent_id = \
         (SELECT MAX(id) FROM caf_consents WHERE caf_id = {caf} AND stage = 'sharing') ORDER BY agency_id"
    ))
    .fetch_all(app.store.pool())
    .await
    .unwrap()
}

on_both_databases!(
    a_practitioner_who_finds_a_caf_asks_to_join_and_is_let_in,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        consent_to_share(&app, &mut sam, caf).await;
        let mut nia = app.signed_in(OUTSIDER).await;

        // Nia finds only that the CAF exists, and is offered to ask.
        let existence = nia.get(&format!("/cafs/{caf}")).await;
        assert!(existence.text.contains("exists for this child"));
        assert!(existence
            .text
            .contains(&format!("href=\"/cafs/{caf}/join\"")));
        let form = nia.get(&format!("/cafs/{caf}/join")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text.contains("Why do you need to join the team?"));

        // No reason: refused on the field, nothing written.
        let empty = nia
            .post(&format!("/cafs/{caf}/join"), &[("reason", "  ")])
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            empty.text.contains("href=\"#reason\"")
                && empty
                    .text
                    .contains("Enter why you need to join the team around the family")
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_join_requests").await, 0);

        let reason =
            "I am the youth worker for Amelia on Tuesday evenings and can help with the plan";
        let sent = nia
            .post(&format!("/cafs/{caf}/join"), &[("reason", reason)])
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        assert_eq!(sent.header("location"), format!("/cafs/{caf}/join/sent"));
        let confirmed = nia.get(&format!("/cafs/{caf}/join/sent")).await;
        assert!(confirmed.text.contains("Request sent"));
        let request = app.count("SELECT MAX(id) FROM caf_join_requests").await;

        // Still nothing of the CAF for Nia, and she cannot ask twice.
        let waiting = nia.get(&format!("/cafs/{caf}")).await;
        assert!(
            waiting.text.contains("exists for this child")
                && waiting.text.contains("You asked to join the team")
                && !waiting.text.contains("Laura Hughes"),
            "{}",
            waiting.text
        );
        nia.get(&format!("/cafs/{caf}/join")).await;
        let twice = nia
            .post(&format!("/cafs/{caf}/join"), &[("reason", reason)])
            .await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(twice.text.contains("wait for the answer"), "{}", twice.text);
        assert!(app
            .audit_actions()
            .await
            .contains(&"caf.join.requested".to_string()));

        // Sam is mailed at once, with no case details, a link to the request.
        let mails = strings(
            &app,
            "SELECT u.email || ' ' || o.kind || ' ' || o.urgency || ' ' || o.link_path || ' ' || o.subject || ' ' || o.body \
             FROM outbox o JOIN users u ON u.id = o.user_id WHERE o.kind LIKE 'join%'",
        )
        .await;
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert!(
            mails[0].starts_with(&format!(
                "{PRACTITIONER} join_request urgent /cafs/{caf}/join-requests/{request}"
            )),
            "{mails:?}"
        );
        assert!(!mails[0].contains("Amelia") && !mails[0].contains("youth worker"));

        // Sam sees the request on his home page, on the CAF and on the team page.
        let home = sam.get("/").await;
        assert!(
            home.text.contains("Requests to join your teams (1)")
                && home
                    .text
                    .contains("Nia Elsewhere (Brookford Youth Service)"),
            "{}",
            home.text
        );
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(
            tasks
                .text
                .contains("1 request to join the team around the family waiting for your answer"),
            "{}",
            tasks.text
        );
        let team = sam.get(&format!("/cafs/{caf}/team")).await;
        assert!(team
            .text
            .contains(&format!("/cafs/{caf}/join-requests/{request}")));

        // Nia may not answer her own request: she still sees only that the CAF exists.
        let answer_path = format!("/cafs/{caf}/join-requests/{request}");
        let hers = nia.post(&answer_path, &[("decision", "accept")]).await;
        assert!(hers.text.contains("exists for this child"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_join_requests WHERE status = 'pending'")
                .await,
            1
        );

        // Sam's bad answers, each on its field, change nothing.
        let page = sam.get(&answer_path).await;
        assert!(
            page.text.contains(reason)
                && page.text.contains(
                    "Has the family agreed that Brookford Youth Service may receive the CAF?"
                ),
            "{}",
            page.text
        );
        let future = [
            ("decision", "accept"),
            ("family_agreed", "yes"),
            ("agreed_on-day", "1"),
            ("agreed_on-month", "1"),
            ("agreed_on-year", "2099"),
            ("agreed_how", "By phone"),
        ];
        for (fields, field, message) in [
            (
                vec![],
                "decision",
                "Select whether you accept or decline the request",
            ),
            (
                vec![("decision", "accept")],
                "family_agreed",
                "Select whether the family agreed that Brookford Youth Service may receive the CAF",
            ),
            (
                vec![("decision", "accept"), ("family_agreed", "no")],
                "family_agreed",
                "ask the family, or decline the request",
            ),
            (
                future.to_vec(),
                "agreed_on-day",
                "must be today or in the past",
            ),
            (
                vec![("decision", "decline"), ("decline_reason", "")],
                "decline_reason",
                "Enter why you are declining the request",
            ),
        ] {
            let reply = sam.post(&answer_path, &fields).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
            assert!(
                reply.text.contains(&format!("href=\"#{field}\"")) && reply.text.contains(message),
                "{fields:?}: {}",
                reply.text
            );
        }
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM caf_team_members WHERE caf_id = {caf}"
            ))
            .await,
            0
        );
        assert_eq!(consented_agencies(&app, caf).await, [app.agency_id]);

        // Accepted, with the family's agreement: Nia joins, her agency is added to the
        // consent, and she reads the CAF at once.
        let accepted = sam
            .post(
                &answer_path,
                &[
                    ("decision", "accept"),
                    ("family_agreed", "yes"),
                    ("agreed_on-day", "25"),
                    ("agreed_on-month", "11"),
                    ("agreed_on-year", "2026"),
                    ("agreed_how", "by telephone with Laura Hughes"),
                    ("role", ""),
                ],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.text);
        assert_eq!(accepted.header("location"), format!("/cafs/{caf}/team"));
        let mut both = vec![app.agency_id, nia_agency(&app).await];
        both.sort();
        assert_eq!(consented_agencies(&app, caf).await, both);
        assert_eq!(
            strings(
                &app,
                &format!(
                    "SELECT role FROM caf_team_members WHERE caf_id = {caf} AND left_on IS NULL"
                )
            )
            .await,
            ["Youth worker"],
            "their job title when no role is given"
        );
        let opened = nia.get(&format!("/cafs/{caf}")).await;
        assert!(
            !opened.text.contains("exists for this child") && opened.text.contains("Amelia Hughes"),
            "{}",
            opened.text
        );
        let kinds = strings(
            &app,
            &format!("SELECT kind FROM caf_events WHERE caf_id = {caf} ORDER BY id"),
        )
        .await;
        let tail: Vec<&str> = kinds
            .iter()
            .rev()
            .take(4)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "join.requested",
                "team.joined",
                "consent.sharing",
                "join.accepted"
            ]
        );
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        assert!(
            chronology.text.contains(
                "Nia Elsewhere (Brookford Youth Service) joined the team around the family"
            ),
            "{}",
            chronology.text
        );
        let told = strings(
            &app,
            "SELECT u.email || ' ' || o.link_path FROM outbox o JOIN users u ON u.id = o.user_id WHERE o.kind = 'join_answered'",
        )
        .await;
        assert_eq!(told, [format!("{OUTSIDER} /cafs/{caf}")]);

        // A second answer is refused, naming the first.
        let again = sam
            .post(
                &answer_path,
                &[("decision", "decline"), ("decline_reason", "Too late")],
            )
            .await;
        assert!(
            again.text.contains("Accepted") && !again.text.contains("Send your answer"),
            "an answered request is shown, not answered again"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_join_requests WHERE status = 'accepted'")
                .await,
            1
        );
    }
);

on_both_databases!(
    requests_to_join_over_the_api_are_declined_asked_again_and_answered_once,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        consent_to_share(&app, &mut sam, caf).await;
        let (mut nia, nt) = with_token(&app, OUTSIDER).await;
        let (mut sam_api, st) = with_token(&app, PRACTITIONER).await;
        let (mut eve, et) = with_token(&app, EARLY_HELP).await;
        let ask = format!("/api/v1/cafs/{caf}/join-requests");

        for body in [
            json!({ "reason": "" }),
            json!({ "reason": "x".repeat(2_001) }),
        ] {
            let refused = nia.api_json(Method::POST, &ask, &nt, &body).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem_fields(&refused), ["reason"]);
        }
        let missing = nia
            .api_json(
                Method::POST,
                "/api/v1/cafs/999999/join-requests",
                &nt,
                &json!({ "reason": "Why" }),
            )
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        // The assessor does not ask to join their own CAF.
        let own = sam_api
            .api_json(Method::POST, &ask, &st, &json!({ "reason": "Me" }))
            .await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", own.text);

        // Two requests at once: one is made.
        let body = json!({ "reason": "School nurse for Amelia" });
        let mut nia_again = app.client();
        let (first, second) = tokio::join!(
            nia.api_json(Method::POST, &ask, &nt, &body),
            nia_again.api_json(Method::POST, &ask, &nt, &body)
        );
        let mut statuses = [first.status.as_u16(), second.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [201, 422], "{} / {}", first.text, second.text);
        let made = if first.status == StatusCode::CREATED {
            &first
        } else {
            &second
        };
        assert_eq!(made.json()["status"], "pending");
        assert!(
            made.json().get("caf").is_none(),
            "nothing of the CAF comes back"
        );
        let request = made.json()["id"].as_i64().unwrap();
        let answer = format!("/api/v1/cafs/{caf}/join-requests/{request}/answer");

        // Nia sees her own request; Sam sees it to answer.
        let hers = nia.api_get(&ask, &nt).await;
        assert_eq!(hers.json()["requests"].as_array().unwrap().len(), 1);
        let queue = sam_api.api_get("/api/v1/join-requests", &st).await;
        assert_eq!(queue.json()["to_answer"][0]["id"], request);
        assert_eq!(
            queue.json()["to_answer"][0]["reason"],
            "School nurse for Amelia"
        );
        let asked = nia.api_get("/api/v1/join-requests", &nt).await;
        assert_eq!(asked.json()["asked"][0]["id"], request);
        assert!(asked.json()["to_answer"].as_array().unwrap().is_empty());

        // The early help team reads the CAF but does not answer; Nia cannot either.
        let decline = json!({ "decision": "decline", "reason": "Not needed now" });
        let eve_says = eve.api_json(Method::POST, &answer, &et, &decline).await;
        assert_eq!(eve_says.status, StatusCode::FORBIDDEN, "{}", eve_says.text);
        let nia_says = nia.api_json(Method::POST, &answer, &nt, &decline).await;
        assert_eq!(nia_says.status, StatusCode::FORBIDDEN, "{}", nia_says.text);

        // Declining needs a reason; then Nia reads it, and may ask again.
        let bare = sam_api
            .api_json(
                Method::POST,
                &answer,
                &st,
                &json!({ "decision": "decline", "reason": " " }),
            )
            .await;
        assert_eq!(problem_fields(&bare), ["decline_reason"]);
        let bad_date = sam_api
            .api_json(
                Method::POST,
                &answer,
                &st,
                &json!({ "decision": "accept", "family": { "agreed": "yes", "on": "2099-01-01", "how": "" } }),
            )
            .await;
        assert_eq!(problem_fields(&bad_date), ["agreed_on", "agreed_how"]);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_join_requests WHERE status = 'pending'")
                .await,
            1,
            "nothing changed"
        );
        let declined = sam_api.api_json(Method::POST, &answer, &st, &decline).await;
        assert_eq!(declined.status, StatusCode::OK, "{}", declined.text);
        assert_eq!(declined.json()["status"], "declined");
        let mut nia_pages = app.signed_in(OUTSIDER).await;
        let page = nia_pages.get(&format!("/cafs/{caf}")).await;
        assert!(
            page.text.contains("was declined") && page.text.contains("Not needed now"),
            "{}",
            page.text
        );
        let again = nia.api_json(Method::POST, &ask, &nt, &body).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
        let request = again.json()["id"].as_i64().unwrap();
        let answer = format!("/api/v1/cafs/{caf}/join-requests/{request}/answer");

        // Two answers at once: one wins, the other is told who answered.
        let accept = json!({
            "decision": "accept",
            "role": "School nurse",
            "family": { "agreed": "yes", "on": "2026-11-25", "how": "in person with Laura" }
        });
        let mut sam_twice = app.client();
        let (a, b) = tokio::join!(
            sam_api.api_json(Method::POST, &answer, &st, &accept),
            sam_twice.api_json(Method::POST, &answer, &st, &decline)
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", a.text, b.text);
        let members = app
            .count(&format!(
                "SELECT COUNT(*) FROM caf_team_members WHERE caf_id = {caf}"
            ))
            .await;
        let status = strings(
            &app,
            &format!("SELECT status FROM caf_join_requests WHERE id = {request}"),
        )
        .await;
        if status == ["accepted"] {
            assert_eq!(members, 1);
            assert_eq!(consented_agencies(&app, caf).await.len(), 2);
        } else {
            assert_eq!(status, ["declined"]);
            assert_eq!(members, 0, "the losing accept left nothing behind");
            assert_eq!(consented_agencies(&app, caf).await, [app.agency_id]);
        }
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE dedupe_key = 'join_answered:{request}'"
            ))
            .await,
            1
        );
    }
);
