//! The service's wording as configuration, on both databases: an administrator edits it on
//! a page (audited, each save a version, a stale save refused with the typing kept), page
//! text follows the new terms at once, and a CAF keeps the wording it was started with.
use super::caf_pages::child_and_outsider;
use axum::http::StatusCode;
use ecaf_domain::access::{operator_grant, UseRegister};
use ecaf_domain::caf::wording::Wording;
use ecaf_domain::person::PersonInput;
use ecaf_store::Attribution;
use ecaf_tests::{on_both_databases, Client, TestApp, ADMIN, PRACTITIONER};

/// The wording form's fields for `wording`, as the page posts them.
pub(crate) fn form(wording: &Wording, version: &str, reason: &str) -> Vec<(String, String)> {
    let mut fields = vec![
        ("version".to_string(), version.to_string()),
        ("assessment".into(), wording.assessment.clone()),
        ("lead".into(), wording.lead.clone()),
        ("team".into(), wording.team.clone()),
        (
            "consent_statement".into(),
            wording.consent_statement.clone(),
        ),
        (
            "glossary".into(),
            wording
                .glossary
                .iter()
                .map(|t| format!("{} = {}", t.term, t.instead))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("reason".into(), reason.into()),
    ];
    for (i, element) in wording.elements.iter().enumerate() {
        fields.push((format!("element-{i}"), element.clone()));
    }
    for (list, choices) in [
        ("withdrawal_reasons", &wording.withdrawal_reasons),
        ("sharing_bases", &wording.sharing_bases),
        ("closure_reasons", &wording.closure_reasons),
    ] {
        for (i, c) in choices.iter().enumerate() {
            fields.push((format!("{list}-{i}-code"), c.code.clone()));
            fields.push((format!("{list}-{i}-label"), c.label.clone()));
        }
    }
    fields
}

pub(crate) async fn post(client: &mut Client, fields: &[(String, String)]) -> ecaf_tests::Reply {
    client.get("/admin/wording").await;
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post("/admin/wording", &pairs).await
}

async fn start(sam: &mut Client, child: i64) -> i64 {
    let path = format!("/people/{child}/cafs/new");
    sam.get(&path).await;
    let started = sam
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
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
    started.header("location")[6..].parse().unwrap()
}

async fn second_child(app: &TestApp) -> i64 {
    let input = PersonInput {
        given_name: "Oliver".into(),
        family_name: "Marsh".into(),
        date_of_birth: "2016-08-21".into(),
        ..Default::default()
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    app.store
        .create_person(
            &operator_grant::<UseRegister>(),
            &Attribution::default(),
            &input.validate(today).unwrap(),
            None,
            "test",
        )
        .await
        .unwrap()
}

on_both_databases!(
    an_administrator_edits_the_wording_and_each_caf_keeps_its_own,
    |app| {
        let first_child = child_and_outsider(&app).await;
        let later_child = second_child(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let before = start(&mut sam, first_child).await;

        assert_eq!(
            sam.get("/admin/wording").await.status,
            StatusCode::FORBIDDEN,
            "practitioners may not change the wording"
        );
        let mut admin = app.signed_in(ADMIN).await;
        let page = admin.get("/admin/wording").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("now version 1") && page.text.contains("General health"));

        let mut broken = Wording {
            assessment: " ".into(),
            ..Wording::default()
        };
        broken.elements[4] = String::new();
        broken.glossary[0].instead = String::new();
        let refused = post(&mut admin, &form(&broken, "1", "")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        for (anchor, message) in [
            ("#assessment", "Enter what the assessment is called"),
            ("#element-4", "Enter the name of element 5"),
            ("#glossary", "Glossary line 1: give the term"),
            ("#reason", "Say why the wording is changing"),
        ] {
            assert!(
                refused.text.contains(&format!("href=\"{anchor}\""))
                    && refused.text.contains(message),
                "{anchor}: {message}"
            );
        }
        assert!(
            refused.text.contains("<title>Error: Wording"),
            "Error: once, from the layout"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM wordings").await,
            0,
            "nothing saved"
        );

        let mut reformed = Wording {
            assessment: "early help assessment".into(),
            lead: "lead practitioner".into(),
            ..Wording::default()
        };
        reformed.elements[0] = "Health and wellbeing".into();
        let mut fields = form(&reformed, "1", "Families First reforms");
        let n = reformed.withdrawal_reasons.len();
        fields.push((format!("withdrawal_reasons-{n}-code"), String::new()));
        fields.push((
            format!("withdrawal_reasons-{n}-label"),
            "Left the area".into(),
        ));
        let saved = post(&mut admin, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        assert_eq!(saved.header("location"), "/admin/wording?saved=2");
        let shown = admin.get("/admin/wording?saved=2").await;
        assert!(
            shown.text.contains("Wording version 2 saved")
                && shown.text.contains("Families First reforms")
                && shown.text.contains("Left the area")
        );
        assert!(app
            .audit_actions()
            .await
            .contains(&"wording.change".to_string()));

        // The service's own words change at once…
        let search = sam.get("/people/search").await;
        assert!(
            search
                .text
                .contains("Check if an early help assessment exists"),
            "the navigation uses the new term"
        );
        assert!(search
            .text
            .contains("<title>Check if an early help assessment exists"));
        sam.get("/people/search").await;
        let searched = sam
            .post(
                "/people/search",
                &[
                    ("given_name", "Amelia"),
                    ("family_name", "Hughes"),
                    ("dob_day", "7"),
                    ("dob_month", "3"),
                    ("dob_year", "2019"),
                ],
            )
            .await;
        let results = sam.get(searched.header("location")).await;
        assert!(
            results
                .text
                .contains("Open early help assessment (CAF-2026-"),
            "a search hit says it in the service's words: {}",
            results.text
        );
        let home = sam.get("/").await;
        assert!(home.text.contains("Your early help assessments"));
        let record = sam.get(&format!("/people/{first_child}")).await;
        assert!(record.text.contains("Early help assessment records"));
        let start_page = sam.get(&format!("/people/{later_child}/cafs/new")).await;
        assert!(start_page.text.contains("Start an early help assessment"));
        let after = start(&mut sam, later_child).await;
        // …but a CAF keeps the element names and lists it was started with.
        let old = sam
            .get(&format!(
                "/cafs/{before}/sections/development?child={first_child}"
            ))
            .await;
        assert!(old.text.contains("General health") && !old.text.contains("Health and wellbeing"));
        let new = sam
            .get(&format!(
                "/cafs/{after}/sections/development?child={later_child}"
            ))
            .await;
        assert!(new.text.contains("Health and wellbeing"), "{}", new.text);
        assert!(!sam
            .get(&format!("/cafs/{before}/consent/withdraw"))
            .await
            .text
            .contains("Left the area"));
        assert!(sam
            .get(&format!("/cafs/{after}/consent/withdraw"))
            .await
            .text
            .contains("Left the area"));
        assert_eq!(
            app.count(&format!(
                "SELECT wording_version FROM cafs WHERE id = {after}"
            ))
            .await,
            2
        );

        // A second administrator who started from version 1 is told, and keeps their typing.
        let typed = Wording {
            team: "team around the child".into(),
            ..Wording::default()
        };
        let stale = post(&mut admin, &form(&typed, "1", "Our own term")).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(
            stale.text.contains("saved version 2 of the wording on")
                && stale.text.contains("team around the child")
                && stale.text.contains("value=\"2\""),
            "{}",
            stale.text
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM wordings").await, 1);
    }
);
