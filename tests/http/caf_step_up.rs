//! Stepping up, on both databases: only from an agreed plan; the telephone referral with whom,
//! why and on what basis it was shared; the CAF open until the receiving service confirms the
//! takeover, which closes it with the step-up reason; pages and API, each problem named.
use super::caf_pages::child_and_outsider;
use super::caf_plan::signed_off;
use axum::http::{Method, StatusCode};
use ecaf_tests::{on_both_databases, PRACTITIONER};
use serde_json::json;

on_both_databases!(
    a_stepped_up_caf_stays_open_until_the_takeover_closes_it,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = signed_off(&mut sam, child).await;
        let token = sam.create_token("api").await;
        let mut api = app.client();
        let revision = || async {
            app.count(&format!("SELECT revision FROM cafs WHERE id = {caf}"))
                .await
        };

        // Not from a signed-off assessment: only a plan or a review steps up.
        let referral = json!({ "service": "childrens_social_care", "referred_on": "2026-11-24", "to_whom": "Duty social worker, Brookford front door", "why": "Bruising seen at school and Amelia is frightened to go home", "with_consent": true });
        let early = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/step-up"),
                &token,
                &json!({ "referral": referral, "revision": revision().await }),
            )
            .await;
        assert_eq!(
            early.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            early.text
        );
        assert!(
            early.text.contains("stepped up from its plan or a review"),
            "{}",
            early.text
        );

        let action = json!({ "what": "Meet Laura weekly to set up a morning routine", "owner": { "kind": "child", "person_id": child }, "due_on": "2026-12-10", "outcome": "Amelia is at school on time every day" });
        let added = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/actions"),
                &token,
                &action,
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
        let agreed = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/plan/agree"),
                &token,
                &json!({ "review_on": "2027-01-06", "revision": revision().await }),
            )
            .await;
        assert!(agreed.status.is_success(), "{}", agreed.text);

        // The page: every problem named; without consent, an exception must be recorded.
        let path = format!("/cafs/{caf}/step-up");
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks.text.contains(&format!("href=\"{path}\"")));
        let form = sam.get(&path).await;
        assert!(form.text.contains("telephone the referral now"));
        let rev = revision().await.to_string();
        let empty = sam.post(&path, &[("revision", rev.as_str())]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Enter the date of the telephone referral",
            "Select whether the family agreed to the referral",
            "Select the service the CAF is stepped up to",
            "Enter whom you spoke to",
            "Enter why the needs are beyond early help",
        ] {
            assert!(empty.text.contains(message), "{message}");
        }
        let mut fields = vec![
            ("revision", rev.as_str()),
            ("service", "childrens_social_care"),
            ("referred_on-day", "24"),
            ("referred_on-month", "11"),
            ("referred_on-year", "2026"),
            ("to_whom", "Duty social worker, Brookford front door"),
            (
                "why",
                "Bruising seen at school and Amelia is frightened to go home",
            ),
            ("with_consent", "no"),
        ];
        let no_exception = sam.post(&path, &fields).await;
        assert_eq!(no_exception.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_exception
            .text
            .contains("record the decision to share without consent first"));
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cafs WHERE id = {caf} AND state = 'plan_in_place'"
            ))
            .await,
            1,
            "nothing changed"
        );
        fields.retain(|(k, _)| *k != "with_consent");
        fields.push(("with_consent", "yes"));
        let stepped = sam.post(&path, &fields).await;
        assert_eq!(stepped.status, StatusCode::SEE_OTHER, "{}", stepped.text);
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(
            tasks
                .text
                .contains("Stepped up to Children&#x27;s social care on 24 November 2026")
                && tasks
                    .text
                    .contains("written follow-up is due by 26 November 2026"),
            "{}",
            tasks.text
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cafs WHERE id = {caf} AND state = 'stepped_up'"
            ))
            .await,
            1,
            "open until the takeover"
        );

        // The takeover: not before the referral, and someone must have confirmed it.
        let bad = api
            .api_json(Method::POST, &format!("/api/v1/cafs/{caf}/takeover"), &token, &json!({ "takeover": { "confirmed_on": "2026-11-20", "confirmed_by": "" }, "revision": revision().await }))
            .await;
        let named: Vec<String> = bad.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(named, ["confirmed_on", "confirmed_by"]);
        let takeover = format!("/cafs/{caf}/takeover");
        sam.get(&takeover).await;
        let rev = revision().await.to_string();
        let done = sam
            .post(
                &takeover,
                &[
                    ("revision", rev.as_str()),
                    ("confirmed_on-day", "25"),
                    ("confirmed_on-month", "11"),
                    ("confirmed_on-year", "2026"),
                    (
                        "confirmed_by",
                        "Jane Smith, team manager, children's social care",
                    ),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM cafs WHERE id = {caf} AND state = 'closed' AND closure_reason = 'stepped_up' AND closed_on = '2026-11-25'")).await,
            1
        );
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        for event in [
            "Stepped up to Children&#x27;s social care: telephone referral to Duty social worker",
            "confirmed it has taken over (confirmed by Jane Smith",
            "closed (Needs now met by a specialist or statutory service (step up))",
        ] {
            assert!(
                chronology.text.contains(event),
                "{event}: {}",
                chronology.text
            );
        }
        let again = api
            .api_json(
                Method::POST,
                &format!("/api/v1/cafs/{caf}/step-up"),
                &token,
                &json!({ "referral": referral, "revision": revision().await }),
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::FORBIDDEN,
            "a closed CAF is read-only: {}",
            again.text
        );
    }
);
