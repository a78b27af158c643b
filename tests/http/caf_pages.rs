//! The CAF through its pages, on both databases: agreement, every required section, consent,
//! sign-off, version 1 and the chronology; a refused sign-off and a PCI outside 1–5 named in
//! the error summary; a stale section save keeping the practitioner's typing; and someone
//! with no need to know seeing only that the CAF exists (or nothing at all).
use axum::http::StatusCode;
use ecaf_domain::access::{operator_grant, Role, UseRegister};
use ecaf_domain::caf::form::{SectionStatus, SECTIONS};
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_domain::person::PersonInput;
use ecaf_store::Attribution;
use ecaf_tests::{on_both_databases, Client, TestApp, ADMIN, PASSWORD, PRACTITIONER};

pub(crate) const OUTSIDER: &str = "nia@test.example";

/// A child on the register, and a practitioner at another agency who is nobody to them.
pub(crate) async fn child_and_outsider(app: &TestApp) -> i64 {
    let by = Attribution::default();
    let mut tx = app.store.begin_write().await.unwrap();
    let other = app
        .store
        .create_agency_tx(
            &mut tx,
            &by,
            &AgencyDetails {
                name: "Brookford Youth Service".into(),
                sector: Sector::Statutory,
                agency_type: AgencyType::HealthVisiting,
                address: "Mill Lane".into(),
                telephone: None,
            },
            false,
        )
        .await
        .unwrap();
    let nia = UserDetails {
        name: "Nia Elsewhere".into(),
        email: OUTSIDER.into(),
        agency_id: other,
        team_id: None,
        job_title: "Youth worker".into(),
        telephone: None,
        mobile: None,
        roles: vec![Role::Practitioner],
        line_manager_id: None,
        deputy_id: None,
    };
    app.store
        .create_user_tx(&mut tx, &by, &nia, PASSWORD, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let amelia = PersonInput {
        given_name: "Amelia".into(),
        family_name: "Hughes".into(),
        date_of_birth: "2019-03-07".into(),
        ..Default::default()
    };
    app.store
        .create_person(
            &operator_grant::<UseRegister>(),
            &by,
            &amelia.validate(today).unwrap(),
            None,
            "test",
        )
        .await
        .unwrap()
}

/// Start a CAF through the page and return its id.
pub(crate) async fn start(sam: &mut Client, child: i64) -> i64 {
    let path = format!("/people/{child}/cafs/new");
    assert_eq!(sam.get(&path).await.status, StatusCode::OK);
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
    started
        .header("location")
        .trim_start_matches("/cafs/")
        .parse()
        .expect("redirected to the task list")
}

/// Complete every required section of `caf` through its page (per child where it is per
/// child), each save redirecting as a save does.
pub(crate) async fn complete_sections(client: &mut Client, caf: i64, child: i64) {
    for section in SECTIONS.iter().filter(|s| s.required) {
        let path = section_path(caf, section.key, section.per_child, child);
        client.get(&path).await;
        let saved = client.post(&path, &answers(section.key)).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            saved.text
        );
    }
}

pub(crate) fn section_path(caf: i64, key: &str, per_child: bool, child: i64) -> String {
    if per_child {
        format!("/cafs/{caf}/sections/{key}?child={child}")
    } else {
        format!("/cafs/{caf}/sections/{key}")
    }
}

/// Answers that complete a section: one line for each of its text boxes is enough.
pub(crate) fn answers(key: &str) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![("completed", "yes")];
    fields.extend(match key {
        "purpose" => vec![("purpose", "caf")],
        "family_background" => vec![(
            "family_background",
            "Laura and the children moved to Brookford in the spring.",
        )],
        "development" => vec![
            ("e1_strengths", "Healthy and active"),
            ("e2_not_discussed", "yes"),
        ],
        "priorities" => vec![
            ("strengths", "A loving home"),
            ("pci_need-1", "School attendance"),
            ("pci_score-1", "4"),
        ],
        "views" => vec![("child_views", "Amelia likes her teacher")],
        _ => vec![],
    });
    fields
}

on_both_databases!(a_whole_assessment_is_done_through_the_pages, |app| {
    let child = child_and_outsider(&app).await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    sam.get(&format!("/people/{child}/cafs/new")).await;
    let refused = sam
        .post(
            &format!("/people/{child}/cafs/new"),
            &[
                ("giver", "parent_or_carer"),
                ("agreed_on-day", "31"),
                ("agreed_on-month", "2"),
                ("agreed_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("<title>Error: "), "{}", refused.text);
    for message in [
        "Enter the name of the person who agreed",
        "must be a real date",
        "Select whether other agencies may be contacted",
    ] {
        assert!(refused.text.contains(message), "{message}");
    }

    let caf = start(&mut sam, child).await;
    let tasks = sam.get(&format!("/cafs/{caf}")).await;
    assert_eq!(tasks.status, StatusCode::OK);
    assert!(tasks.text.contains("govuk-task-list") && tasks.text.contains("Not yet started"));

    // Signing off an empty assessment names each required section still to do.
    sam.get(&format!("/cafs/{caf}/sign-off")).await;
    let empty = sam.post(&format!("/cafs/{caf}/sign-off"), &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.text.contains("There is a problem")
            && empty.text.contains("Complete “Purpose of the form”"),
        "{}",
        empty.text
    );
    // minijinja escapes "/" in values; browsers read the entity back.
    assert!(
        empty.text.contains(&format!(
            "href=\"&#x2f;cafs&#x2f;{caf}&#x2f;sections&#x2f;purpose\""
        )),
        "linked to the section"
    );

    // The family scores each need from 1 to 5; 0 and 6 are refused on the page.
    let priorities = format!("/cafs/{caf}/sections/priorities");
    sam.get(&priorities).await;
    for score in ["0", "6", "three"] {
        let bad = sam
            .post(
                &priorities,
                &[
                    ("completed", "yes"),
                    ("pci_need-1", "School attendance"),
                    ("pci_score-1", score),
                ],
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "score {score}"
        );
        assert!(bad.text.contains("The score for “School attendance” must be a whole number from 1 (least concern) to 5 (most concern)"));
        assert!(
            bad.text.contains("href=\"#pci_score-1\"")
                && bad.text.contains(&format!("value=\"{score}\"")),
            "the typing is kept"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM caf_sections").await,
        0,
        "nothing saved"
    );

    for section in SECTIONS.iter().filter(|s| s.required) {
        let path = section_path(caf, section.key, section.per_child, child);
        let form = sam.get(&path).await;
        assert_eq!(form.status, StatusCode::OK, "{path}");
        assert!(form.text.contains("Have you completed this section?"));
        if section.key == "practitioner" {
            assert!(
                form.text.contains("value=\"Sam Practitioner\""),
                "the practitioner section starts from the account"
            );
        }
        let saved = sam.post(&path, &answers(section.key)).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            saved.text
        );
    }
    let development = sam
        .get(&section_path(caf, "development", true, child))
        .await;
    assert_eq!(
        development.text.matches("Not discussed").count(),
        12,
        "each of the 12 elements of the child's development"
    );

    sam.get(&format!("/cafs/{caf}/consent")).await;
    let consent = sam
        .post(
            &format!("/cafs/{caf}/consent"),
            &[
                ("parent1_name", "Laura Hughes"),
                ("given_on-day", "24"),
                ("given_on-month", "11"),
                ("given_on-year", "2026"),
                ("signed_copy_kept", "School safeguarding file"),
                ("agencies", &app.agency_id.to_string()),
            ],
        )
        .await;
    assert_eq!(consent.status, StatusCode::SEE_OTHER, "{}", consent.text);

    let check = sam.get(&format!("/cafs/{caf}/sign-off")).await;
    assert!(
        check.text.contains("govuk-summary-card")
            && check.text.contains("School attendance: 4 out of 5")
    );
    let revision = check
        .text
        .split("name=\"revision\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the CAF's revision")
        .to_string();
    let signed = sam
        .post(
            &format!("/cafs/{caf}/sign-off"),
            &[("revision", revision.as_str())],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    assert_eq!(signed.header("location"), format!("/cafs/{caf}/versions/1"));
    let version = sam.get(&format!("/cafs/{caf}/versions/1")).await;
    assert_eq!(version.status, StatusCode::OK);
    assert!(
        version.text.contains("Version 1")
            && version
                .text
                .contains("Laura and the children moved to Brookford")
    );
    let versions = sam.get(&format!("/cafs/{caf}/versions")).await;
    assert!(versions.text.contains("Assessment signed off"));
    assert!(versions.text.contains("Compare two versions"));
    let same = sam
        .get(&format!("/cafs/{caf}/versions/compare?from=1&to=now"))
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    assert!(
        same.text
            .contains("Version 1 compared with the CAF as it is now")
            && same.text.contains("Nothing has changed"),
        "{}",
        same.text
    );
    for (query, message) in [
        ("from=2&to=now", "Choose the version to compare from"),
        ("from=1&to=x", "Choose the version to compare with"),
        ("to=now", "Choose the version to compare from"),
    ] {
        let bad = sam
            .get(&format!("/cafs/{caf}/versions/compare?{query}"))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            bad.text.contains(message)
                && bad.text.contains("There is a problem")
                && bad.text.contains("<title>Error: Versions of")
                && !bad.text.contains("Error: Error:"),
            "{query}: {}",
            bad.text
        );
    }
    let chronology = sam.get(&format!("/people/{child}/chronology")).await;
    assert_eq!(chronology.status, StatusCode::OK);
    for event in [
        "Laura Hughes agreed to it",
        "consented to storing and sharing",
        "Assessment signed off",
    ] {
        assert!(chronology.text.contains(event), "{event}");
    }
    let after = sam.get(&format!("/cafs/{caf}")).await;
    assert!(
        after.text.contains("Assessment signed off")
            && !after.text.contains("sections&#x2f;purpose"),
        "no longer editable"
    );
});

on_both_databases!(
    a_stale_section_save_keeps_the_typing_and_names_who_changed_it,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let path = format!("/cafs/{caf}/sections/family_background");
        let form = sam.get(&path).await;
        assert!(form.text.contains("name=\"revision\" value=\"\""));
        // Meanwhile the same section is saved from another tab.
        let mut other_tab = app.signed_in(PRACTITIONER).await;
        other_tab.get(&path).await;
        let first = other_tab
            .post(
                &path,
                &[("completed", "no"), ("family_background", "Their version")],
            )
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        let stale = sam
            .post(
                &path,
                &[
                    ("revision", ""),
                    ("completed", "yes"),
                    ("family_background", "My long account of the family"),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(
            stale.text.contains("<title>Error: ")
                && stale.text.contains(
                    "This section was changed by Sam Practitioner on 25 November 2026 at 9:00am"
                ),
            "{}",
            stale.text
        );
        assert!(
            stale.text.contains("My long account of the family"),
            "the typing is kept"
        );
        assert!(
            stale.text.contains("name=\"revision\" value=\"1\""),
            "saving again is a deliberate choice"
        );
        let row = app
            .store
            .read_caf(
                &app.store.user(app.practitioner_id).await.unwrap().actor(),
                &Attribution::default(),
                caf,
            )
            .await
            .unwrap();
        let ecaf_store::caf::CafRead::Content(content) = row else {
            panic!("the assessor reads content")
        };
        assert_eq!(
            content.sections[0].content["family_background"],
            "Their version"
        );
        assert_eq!(content.sections[0].status, SectionStatus::InProgress);
    }
);

on_both_databases!(
    someone_with_no_need_to_know_sees_only_that_a_caf_exists,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let path = format!("/cafs/{caf}/sections/family_background");
        sam.get(&path).await;
        sam.post(
            &path,
            &[
                ("completed", "yes"),
                ("family_background", "Private family history"),
            ],
        )
        .await;

        let mut nia = app.signed_in(OUTSIDER).await;
        for page in [
            format!("/cafs/{caf}"),
            path.clone(),
            format!("/cafs/{caf}/sign-off"),
            format!("/cafs/{caf}/consent"),
            format!("/cafs/{caf}/versions"),
            format!("/cafs/{caf}/versions/compare?from=1&to=now"),
        ] {
            let seen = nia.get(&page).await;
            assert_eq!(seen.status, StatusCode::OK, "{page}");
            assert!(
                seen.text.contains("A CAF exists for this child")
                    && seen.text.contains("Sam Practitioner"),
                "{page}: whom to contact"
            );
            assert!(
                !seen.text.contains("Private family history")
                    && !seen.text.contains("Laura Hughes"),
                "{page}: never content"
            );
        }
        let write = nia
            .post(
                &path,
                &[("completed", "yes"), ("family_background", "Overwritten")],
            )
            .await;
        assert_eq!(
            write.status,
            StatusCode::OK,
            "shown the existence page, nothing saved"
        );
        assert!(write.text.contains("A CAF exists for this child"));
        let chronology = nia.get(&format!("/people/{child}/chronology")).await;
        assert!(chronology.text.contains("No events you may see"));
        assert_eq!(
            nia.get(&format!("/cafs/{}", caf + 1000)).await.status,
            StatusCode::NOT_FOUND,
            "a guessed id"
        );
        let mut admin = app.signed_in(ADMIN).await;
        assert_eq!(
            admin.get(&format!("/cafs/{caf}")).await.status,
            StatusCode::NOT_FOUND,
            "no need to know of the register at all"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM caf_sections WHERE content LIKE '%Overwritten%'")
                .await,
            0
        );
    }
);

on_both_databases!(
    withdrawing_consent_records_the_harm_decision_and_points_to_safeguarding,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let path = format!("/cafs/{caf}/consent/withdraw");
        assert_eq!(sam.get(&path).await.status, StatusCode::OK);
        let incomplete = sam.post(&path, &[("reason", "other")]).await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Enter the date consent was withdrawn",
            "Select whether the child is suffering, or at risk of, significant harm",
            "Explain why consent was withdrawn",
        ] {
            assert!(incomplete.text.contains(message), "{message}");
        }
        let withdrawn = sam
            .post(
                &path,
                &[
                    ("withdrawn_on-day", "25"),
                    ("withdrawn_on-month", "11"),
                    ("withdrawn_on-year", "2026"),
                    ("reason", "disagrees_with_need"),
                    ("harm", "yes"),
                    ("harm_reasoning", "Bruising seen at school"),
                ],
            )
            .await;
        assert_eq!(
            withdrawn.status,
            StatusCode::SEE_OTHER,
            "{}",
            withdrawn.text
        );
        let confirmation = withdrawn.header("location").to_string();
        assert_eq!(
            confirmation,
            format!("/cafs/{caf}/consent/withdrawn?referral=now")
        );
        for _refresh in 0..2 {
            let shown = sam.get(&confirmation).await;
            assert_eq!(shown.status, StatusCode::OK);
            assert!(
                shown.text.contains("Make a safeguarding referral now")
                    && shown.text.contains("govuk-inset-text")
                    && shown.text.contains("withdrew consent on 25 November 2026"),
                "{}",
                shown.text
            );
        }
        let form_again = sam.get(&path).await;
        assert_eq!(
            form_again.status,
            StatusCode::SEE_OTHER,
            "not offered twice"
        );
        assert_eq!(
            form_again.header("location"),
            format!("/cafs/{caf}/consent/withdrawn")
        );
        assert!(app
            .count("SELECT COUNT(*) FROM caf_events WHERE kind = 'consent.withdrawn' AND summary LIKE '%disagrees with the level of need%'")
            .await
            == 1);
        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(tasks.text.contains("Consent withdrawn on 25 November 2026"));
        let refused = sam
            .post(
                &format!("/cafs/{caf}/sections/purpose"),
                &[("completed", "yes"), ("purpose", "caf")],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing more is added after withdrawal"
        );
        assert!(
            refused
                .text
                .contains("Consent was withdrawn on 25 November 2026"),
            "{}",
            refused.text
        );
    }
);

on_both_databases!(
    who_else_is_working_with_the_child_is_one_row_per_service,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = start(&mut sam, child).await;
        let path = format!("/cafs/{caf}/sections/others_working?child={child}");
        let form = sam.get(&path).await;
        assert!(
            form.text.contains("service_name-1") && form.text.contains("service_name-2"),
            "blank rows to fill"
        );
        let missing_name = sam
            .post(
                &path,
                &[
                    ("service_kind-1", "school"),
                    ("service_name-1", "Riverside Primary"),
                    ("service_kind-2", "gp"),
                    ("service_contact-2", "01632 960 123"),
                    ("completed", "yes"),
                ],
            )
            .await;
        assert_eq!(missing_name.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            missing_name.text.contains("href=\"#service_name-2\"")
                && missing_name.text.contains("Enter the name of service 2")
                && missing_name.text.contains("01632 960 123"),
            "the typing is kept and the error points at its box"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM caf_sections").await, 0);
        let mut fields = vec![("completed", "no")];
        let names = [
            "Riverside Primary",
            "Dr Patel, Mill Lane Surgery",
            "Young carers group",
        ];
        let kinds = ["school", "gp", "other"];
        let keys: Vec<(String, String)> = (1..=3)
            .map(|n| (format!("service_kind-{n}"), format!("service_name-{n}")))
            .collect();
        for (i, (kind, name)) in keys.iter().enumerate() {
            fields.push((kind.as_str(), kinds[i]));
            fields.push((name.as_str(), names[i]));
        }
        fields.push(("service_support-3", "Fortnightly group"));
        let saved = sam.post(&path, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        let again = sam.get(&path).await;
        assert!(
            again.text.contains("Young carers group") && again.text.contains("service_name-5"),
            "three saved rows and two blank ones"
        );
        let answers = sam.get(&format!("/cafs/{caf}/sign-off")).await;
        assert!(
            answers.text.contains("Service 3")
                && answers.text.contains("Other service: Young carers group")
                && answers
                    .text
                    .contains("Support they give: Fortnightly group"),
            "{}",
            answers.text
        );
    }
);

on_both_databases!(the_owning_agency_changes_with_a_date_and_a_reason, |app| {
    let child = child_and_outsider(&app).await;
    let youth_service: i64 = app
        .count("SELECT id FROM agencies WHERE name = 'Brookford Youth Service'")
        .await;
    let mut sam = app.signed_in(PRACTITIONER).await;
    let caf = start(&mut sam, child).await;
    let path = format!("/cafs/{caf}/owner");
    let tasks = sam.get(&format!("/cafs/{caf}")).await;
    assert!(tasks.text.contains(&format!("href=\"{path}\"")));
    let form = sam.get(&path).await;
    assert!(form.text.contains("Brookford Youth Service"));
    let revision = app
        .count(&format!("SELECT revision FROM cafs WHERE id = {caf}"))
        .await
        .to_string();
    let empty = sam.post(&path, &[("revision", revision.as_str())]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Select the agency that will own the CAF",
        "Enter the date of the change",
        "Say why the CAF is moving to another agency",
    ] {
        assert!(empty.text.contains(message), "{message}");
    }
    let youth = youth_service.to_string();
    let change = |day: &'static str, revision: &str| {
        vec![
            ("revision", revision.to_string()),
            ("agency_id", youth.clone()),
            ("changed_on-day", day.to_string()),
            ("changed_on-month", "11".to_string()),
            ("changed_on-year", "2026".to_string()),
            (
                "reason",
                "Moved to the youth service's caseload".to_string(),
            ),
        ]
    };
    let stale = change("24", "999");
    let stale_pairs: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let conflict = sam.post(&path, &stale_pairs).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert!(
        conflict.text.contains("Moved to the youth service"),
        "typing kept"
    );
    let good = change("24", &revision);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let changed = sam.post(&path, &good).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text);
    assert_eq!(
        app.count(&format!(
            "SELECT owning_agency_id FROM cafs WHERE id = {caf}"
        ))
        .await,
        youth_service
    );
    let tasks = sam.get(&format!("/cafs/{caf}")).await;
    assert!(tasks.text.contains("Owned by Brookford Youth Service"));
    let chronology = sam.get(&format!("/people/{child}/chronology")).await;
    assert!(
        chronology
            .text
            .contains("Owner changed from Test Primary School to Brookford Youth Service"),
        "{}",
        chronology.text
    );
    let mut nia = app.signed_in(OUTSIDER).await;
    nia.get(&path).await;
    let refused = nia.post(&path, &good).await;
    assert!(
        refused.text.contains("exists for this child"),
        "an outsider is shown existence only"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM caf_events WHERE caf_id = {caf} AND kind = 'caf.owner_changed'"
        ))
        .await,
        1
    );
});
