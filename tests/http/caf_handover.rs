//! Handing over a practitioner's CAFs, on both databases: only their line manager or deputy,
//! or the early help team; every problem named and nothing moved; all chosen CAFs move
//! together, each with its event, and access follows at once.
use super::caf_pages::{child_and_outsider, start, OUTSIDER};
use axum::http::StatusCode;
use ecaf_tests::{on_both_databases, EARLY_HELP, PRACTITIONER};

on_both_databases!(
    the_early_help_team_or_a_line_manager_hands_over_a_practitioners_cafs,
    |app| {
        let child = child_and_outsider(&app).await;
        let sam_id = app
            .count(&format!(
                "SELECT id FROM users WHERE email = '{PRACTITIONER}'"
            ))
            .await;
        let nia_id = app
            .count(&format!("SELECT id FROM users WHERE email = '{OUTSIDER}'"))
            .await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let path = format!("/caseloads/{sam_id}/hand-over");

        let mut nia = app.signed_in(OUTSIDER).await;
        assert_eq!(
            nia.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "not her manager"
        );
        assert_eq!(
            sam.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "not his own"
        );

        let mut eve = app.signed_in(EARLY_HELP).await;
        let caseloads = eve.get("/caseloads").await;
        assert!(
            caseloads.text.contains("Sam Practitioner")
                && caseloads.text.contains(&format!("href=\"{path}\"")),
            "{}",
            caseloads.text
        );
        let form = eve.get(&path).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.text.contains("CAF-2026-") && form.text.contains("checked"),
            "every CAF chosen to start with"
        );
        let empty = eve.post(&path, &[]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Select the CAFs to hand over",
            "Choose who takes the CAFs over",
            "Enter the date of the handover",
            "Say how the family agreed to the new practitioner",
        ] {
            assert!(empty.text.contains(message), "{message}");
        }
        let caf_id = caf.to_string();
        let nia_value = nia_id.to_string();
        let fields = [
            ("caf_ids", caf_id.as_str()),
            ("caf_ids", caf_id.as_str()),
            ("to_user", nia_value.as_str()),
            ("handed_over_on-day", "25"),
            ("handed_over_on-month", "11"),
            ("handed_over_on-year", "2026"),
            ("family_agreement", "Laura agreed by phone"),
        ];
        let done = eve.post(&path, &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        assert_eq!(
            done.header("location"),
            format!("{path}?done=1"),
            "ticked twice, moved once"
        );
        assert_eq!(
            app.count(&format!("SELECT assessor_id FROM cafs WHERE id = {caf}"))
                .await,
            nia_id
        );
        assert!(app
            .audit_actions()
            .await
            .contains(&"caf.hand_over".to_string()));

        // Access follows at once: Nia reads it; Sam sees only that it exists.
        assert!(!nia
            .get(&format!("/cafs/{caf}"))
            .await
            .text
            .contains("exists for this child"));
        assert!(sam
            .get(&format!("/cafs/{caf}"))
            .await
            .text
            .contains("exists for this child"));
        let chronology = nia.get(&format!("/people/{child}/chronology")).await;
        assert!(
            chronology
                .text
                .contains("Handed over from Sam Practitioner to Nia Elsewhere"),
            "{}",
            chronology.text
        );

        // Nia's line manager may hand hers on; a CAF she no longer holds is refused whole.
        sqlx::query("UPDATE users SET line_manager_id = $1 WHERE id = $2")
            .bind(sam_id)
            .bind(nia_id)
            .execute(app.store.pool())
            .await
            .unwrap();
        let hers = format!("/caseloads/{nia_id}/hand-over");
        assert_eq!(sam.get(&hers).await.status, StatusCode::OK);
        let sam_value = sam_id.to_string();
        let stale = [
            ("caf_ids", caf_id.as_str()),
            ("caf_ids", "999999"),
            ("to_user", sam_value.as_str()),
            ("handed_over_on-day", "25"),
            ("handed_over_on-month", "11"),
            ("handed_over_on-year", "2026"),
            ("family_agreement", "Laura agreed"),
        ];
        let refused = sam.post(&hers, &stale).await;
        assert_ne!(refused.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count(&format!("SELECT assessor_id FROM cafs WHERE id = {caf}"))
                .await,
            nia_id,
            "nothing moved"
        );
    }
);
