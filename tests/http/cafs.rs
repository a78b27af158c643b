//! The CAF store through its public surface, on both databases: starting a CAF with the
//! family's agreement, sections saved on their own (a concurrent edit never lost), need to
//! know decided per record and audited on every read, consent to share and its withdrawal
//! changing access at once, sign-off freezing version 1, and the child's chronology.
use chrono::NaiveDate;
use ecaf_domain::access::{authorise, operator_grant, Actor, Role, StartCaf, UseRegister};
use ecaf_domain::caf::consent::{Agreement, Giver, HarmDecision, SharingConsent, Withdrawal};
use ecaf_domain::caf::form::{SectionStatus, SECTIONS};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_domain::person::PersonInput;
use ecaf_store::caf::{CafRead, NewCaf};
use ecaf_store::{Attribution, StoreError};
use ecaf_tests::{on_both_databases, TestApp, PASSWORD};
use serde_json::json;

/// The people of one test: Sam assesses; Pat works at another agency; Nia is nobody to the
/// family; Lou manages Sam.
struct Cast {
    sam: Actor,
    pat: Actor,
    nia: Actor,
    lou: Actor,
    eve: Actor,
    admin: Actor,
    other_agency: i64,
    child: i64,
    sibling: i64,
}

async fn cast(app: &TestApp) -> Cast {
    let by = Attribution::default();
    let mut tx = app.store.begin_write().await.unwrap();
    let other_agency = app
        .store
        .create_agency_tx(
            &mut tx,
            &by,
            &AgencyDetails {
                name: "Brookford Health Visiting".into(),
                sector: Sector::Statutory,
                agency_type: AgencyType::HealthVisiting,
                address: "Clinic Road".into(),
                telephone: None,
            },
            false,
        )
        .await
        .unwrap();
    let user = |email: &str, name: &str, agency: i64, roles: Vec<Role>| UserDetails {
        name: name.into(),
        email: email.into(),
        agency_id: agency,
        team_id: None,
        job_title: "Worker".into(),
        telephone: Some("01632 960 111".into()),
        mobile: None,
        roles,
        line_manager_id: None,
        deputy_id: None,
    };
    let lou = app
        .store
        .create_user_tx(
            &mut tx,
            &by,
            &user(
                "lou@test.example",
                "Lou Manager",
                app.agency_id,
                vec![Role::LineManager],
            ),
            PASSWORD,
            false,
        )
        .await
        .unwrap();
    let pat = app
        .store
        .create_user_tx(
            &mut tx,
            &by,
            &user(
                "pat@test.example",
                "Pat Health",
                other_agency,
                vec![Role::Practitioner],
            ),
            PASSWORD,
            false,
        )
        .await
        .unwrap();
    let nia = app
        .store
        .create_user_tx(
            &mut tx,
            &by,
            &user(
                "nia@test.example",
                "Nia Elsewhere",
                other_agency,
                vec![Role::Practitioner],
            ),
            PASSWORD,
            false,
        )
        .await
        .unwrap();
    sqlx::query("UPDATE users SET line_manager_id = $1 WHERE id = $2")
        .bind(lou)
        .bind(app.practitioner_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let actor = |id: i64| {
        let store = app.store.clone();
        async move { store.user(id).await.unwrap().actor() }
    };
    let person = |given: &str| PersonInput {
        given_name: given.into(),
        family_name: "Hughes".into(),
        date_of_birth: "2019-03-07".into(),
        ..Default::default()
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let grant = operator_grant::<UseRegister>();
    let child = app
        .store
        .create_person(
            &grant,
            &by,
            &person("Amelia").validate(today).unwrap(),
            None,
            "test",
        )
        .await
        .unwrap();
    let sibling = app
        .store
        .create_person(
            &grant,
            &by,
            &person("Oliver").validate(today).unwrap(),
            None,
            "test",
        )
        .await
        .unwrap();
    Cast {
        sam: actor(app.practitioner_id).await,
        pat: actor(pat).await,
        nia: actor(nia).await,
        lou: actor(lou).await,
        eve: actor(app.early_help_id).await,
        admin: actor(app.admin_id).await,
        other_agency,
        child,
        sibling,
    }
}

fn on(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
}

fn agreement() -> Agreement {
    Agreement {
        given_by: Giver::ParentOrCarer {
            name: "Laura Hughes".into(),
        },
        on: on(20),
        may_contact_agencies: true,
    }
}

async fn start(app: &TestApp, cast: &Cast, children: Vec<i64>) -> i64 {
    let grant = authorise::<StartCaf>(&cast.sam).unwrap();
    app.store
        .start_caf(
            &grant,
            &cast.sam,
            &Attribution::default(),
            &NewCaf {
                children,
                agreement: agreement(),
            },
        )
        .await
        .unwrap()
}

fn by(actor: &Actor) -> Attribution {
    Attribution {
        user_id: Some(actor.user_id),
        actor_email: Some(actor.email.clone()),
        ..Default::default()
    }
}

async fn sees_content(app: &TestApp, actor: &Actor, caf: i64) -> bool {
    match app.store.read_caf(actor, &by(actor), caf).await {
        Ok(CafRead::Content(_)) => true,
        Ok(CafRead::ExistenceOnly(existence)) => {
            assert_eq!(existence.caf_id, caf);
            assert!(existence
                .contact
                .as_deref()
                .unwrap_or_default()
                .contains("Sam Practitioner"));
            false
        }
        Err(StoreError::NotFound) => false,
        Err(other) => panic!("{other}"),
    }
}

on_both_databases!(
    need_to_know_follows_consent_and_every_read_is_audited,
    |app| {
        let cast = cast(&app).await;
        let caf = start(&app, &cast, vec![cast.child]).await;
        // Before consent to share: the assessor and their line manager only.
        assert!(sees_content(&app, &cast.sam, caf).await);
        assert!(sees_content(&app, &cast.lou, caf).await);
        for outsider in [&cast.pat, &cast.nia, &cast.eve] {
            assert!(
                !sees_content(&app, outsider, caf).await,
                "{}",
                outsider.name
            );
        }
        // An administrator may not even learn that it exists.
        assert!(matches!(
            app.store.read_caf(&cast.admin, &by(&cast.admin), caf).await,
            Err(StoreError::NotFound)
        ));
        // A guessed id that does not exist is the same "not found".
        assert!(matches!(
            app.store
                .read_caf(&cast.nia, &by(&cast.nia), caf + 1000)
                .await,
            Err(StoreError::NotFound)
        ));
        let consent = SharingConsent {
            given_by: vec![Giver::ParentOrCarer {
                name: "Laura Hughes".into(),
            }],
            on: on(24),
            signed_copy_kept: "Scanned to the school file".into(),
            agencies: [app.agency_id, cast.other_agency].into(),
        };
        app.store
            .record_sharing_consent(&cast.sam, &by(&cast.sam), caf, &consent)
            .await
            .unwrap();
        assert!(sees_content(&app, &cast.pat, caf).await, "named agency");
        assert!(
            sees_content(&app, &cast.nia, caf).await,
            "same named agency"
        );
        assert!(sees_content(&app, &cast.eve, caf).await, "early help team");
        // Reading is not changing.
        let refused = app
            .store
            .save_caf_section(
                &cast.pat,
                &by(&cast.pat),
                caf,
                "purpose",
                None,
                None,
                SectionStatus::InProgress,
                &json!({"purpose": "x"}),
            )
            .await;
        assert!(matches!(refused, Err(StoreError::Denied(_))), "{refused:?}");
        // Withdrawal takes effect at once.
        let withdrawal = Withdrawal {
            on: on(25),
            reason_code: "needs_met".into(),
            explanation: String::new(),
            harm_decision: HarmDecision {
                risk_of_significant_harm: false,
                reasoning: "No concerns; needs met at school".into(),
            },
        };
        app.store
            .withdraw_caf_consent(&cast.sam, &by(&cast.sam), caf, &withdrawal)
            .await
            .unwrap();
        assert!(!sees_content(&app, &cast.pat, caf).await);
        assert!(!sees_content(&app, &cast.eve, caf).await);
        assert!(sees_content(&app, &cast.sam, caf).await);
        let saved = app
            .store
            .save_caf_section(
                &cast.sam,
                &by(&cast.sam),
                caf,
                "purpose",
                None,
                None,
                SectionStatus::InProgress,
                &json!({}),
            )
            .await;
        assert!(
            matches!(saved, Err(StoreError::Refused(ref why)) if why.contains("withdrawn")),
            "{saved:?}"
        );
        // Every read, allowed or refused, left an audit row.
        let views = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.view'")
            .await;
        let refusals = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'caf.refused'")
            .await;
        assert_eq!(views, 6, "sam, lou, pat, nia, eve, sam");
        assert_eq!(
            refusals, 8,
            "pat, nia, eve, admin, the guess, pat's write, pat, eve"
        );
    }
);

on_both_databases!(
    a_concurrent_edit_of_one_section_is_refused_naming_who_saved_first,
    |app| {
        let cast = cast(&app).await;
        let caf = start(&app, &cast, vec![cast.child]).await;
        let save = |revision: Option<i64>, text: &'static str| {
            let store = app.store.clone();
            let sam = cast.sam.clone();
            async move {
                store
                    .save_caf_section(
                        &sam,
                        &by(&sam),
                        caf,
                        "family_background",
                        None,
                        revision,
                        SectionStatus::InProgress,
                        &json!({"narrative": text}),
                    )
                    .await
            }
        };
        assert_eq!(save(None, "first").await.unwrap(), 1);
        assert_eq!(save(Some(1), "second").await.unwrap(), 2);
        match save(Some(1), "stale").await {
            Err(StoreError::Conflict { by, .. }) => assert_eq!(by, "Sam Practitioner"),
            other => panic!("{other:?}"),
        }
        match app
            .store
            .read_caf(&cast.sam, &by(&cast.sam), caf)
            .await
            .unwrap()
        {
            CafRead::Content(content) => {
                let section = content
                    .sections
                    .iter()
                    .find(|s| s.section == "family_background")
                    .unwrap();
                assert_eq!(
                    section.content["narrative"], "second",
                    "the stale edit changed nothing"
                );
                assert_eq!(section.revision, 2);
            }
            other => panic!("{other:?}"),
        }
        // Twelve at once from the same revision: exactly one wins.
        let tasks: Vec<_> = (0..12)
            .map(|_| tokio::spawn(save(Some(2), "race")))
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(3) => won += 1,
                Err(StoreError::Conflict { .. }) => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(won, 1);
    }
);

on_both_databases!(
    a_family_caf_signs_off_version_one_and_the_chronology_shows_it,
    |app| {
        let cast = cast(&app).await;
        let caf = start(&app, &cast, vec![cast.child, cast.sibling]).await;
        // A second open CAF for the same child is refused, naming the first.
        let grant = authorise::<StartCaf>(&cast.sam).unwrap();
        let again = app
            .store
            .start_caf(
                &grant,
                &cast.sam,
                &by(&cast.sam),
                &NewCaf {
                    children: vec![cast.child],
                    agreement: agreement(),
                },
            )
            .await;
        assert!(
            matches!(again, Err(StoreError::Refused(ref why)) if why.contains("already has an open CAF (CAF-2026-")),
            "{again:?}"
        );
        // Nothing missing may be signed off.
        let revision = |app: &TestApp| {
            let store = app.store.clone();
            let sam = cast.sam.clone();
            async move {
                match store.read_caf(&sam, &by(&sam), caf).await.unwrap() {
                    CafRead::Content(c) => c.revision,
                    other => panic!("{other:?}"),
                }
            }
        };
        let refused = app
            .store
            .sign_off_caf(&cast.sam, &by(&cast.sam), caf, revision(&app).await)
            .await;
        assert!(
            matches!(refused, Err(StoreError::Refused(ref why)) if why.contains("Identifying details")),
            "{refused:?}"
        );
        // A per-child section needs its child; a family section must not have one.
        let wrong = app
            .store
            .save_caf_section(
                &cast.sam,
                &by(&cast.sam),
                caf,
                "development",
                None,
                None,
                SectionStatus::Complete,
                &json!({}),
            )
            .await;
        assert!(matches!(wrong, Err(StoreError::Refused(ref why)) if why.contains("which child")));
        for section in SECTIONS.iter().filter(|s| s.required) {
            let children: Vec<Option<i64>> = if section.per_child {
                vec![Some(cast.child), Some(cast.sibling)]
            } else {
                vec![None]
            };
            for child in children {
                app.store
                    .save_caf_section(
                        &cast.sam,
                        &by(&cast.sam),
                        caf,
                        section.key,
                        child,
                        None,
                        SectionStatus::Complete,
                        &json!({"text": section.title}),
                    )
                    .await
                    .unwrap();
            }
        }
        assert_eq!(
            app.store
                .sign_off_caf(&cast.sam, &by(&cast.sam), caf, revision(&app).await)
                .await
                .unwrap(),
            1
        );
        let versions = app
            .store
            .caf_versions(&cast.sam, &by(&cast.sam), caf)
            .await
            .unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(
            versions[0].snapshot["state"], "draft",
            "as it was when frozen"
        );
        assert_eq!(
            versions[0].snapshot["children"].as_array().unwrap().len(),
            2
        );
        // Frozen: the sections no longer change outside a review.
        let after = app
            .store
            .save_caf_section(
                &cast.sam,
                &by(&cast.sam),
                caf,
                "purpose",
                None,
                Some(1),
                SectionStatus::Complete,
                &json!({}),
            )
            .await;
        assert!(matches!(after, Err(StoreError::Refused(ref why)) if why.contains("signed off")));
        match app
            .store
            .read_caf(&cast.sam, &by(&cast.sam), caf)
            .await
            .unwrap()
        {
            CafRead::Content(c) => assert_eq!(c.state, CafState::AssessmentSignedOff),
            other => panic!("{other:?}"),
        }
        // The chronology, for both children, lists the significant events in order.
        for child in [cast.child, cast.sibling] {
            let chronology = app
                .store
                .chronology(&cast.sam, &by(&cast.sam), child)
                .await
                .unwrap();
            let kinds: Vec<&str> = chronology.iter().map(|e| e.kind.as_str()).collect();
            assert_eq!(kinds, ["caf.started", "caf.signed_off"]);
            assert_eq!(chronology[0].occurred_on, Some(on(20)));
        }
        // Someone with no need to know gets no chronology.
        assert!(app
            .store
            .chronology(&cast.nia, &by(&cast.nia), cast.child)
            .await
            .unwrap()
            .is_empty());
        // And the event log cannot be rewritten.
        assert!(sqlx::query("UPDATE caf_events SET summary = 'x'")
            .execute(app.store.pool())
            .await
            .is_err());
        assert!(sqlx::query("DELETE FROM caf_versions")
            .execute(app.store.pool())
            .await
            .is_err());
    }
);

on_both_databases!(
    search_may_show_that_a_caf_exists_and_whom_to_contact,
    |app| {
        let cast = cast(&app).await;
        let caf = start(&app, &cast, vec![cast.child]).await;
        let found = app
            .store
            .caf_existence(&[cast.child, cast.sibling])
            .await
            .unwrap();
        let existence = &found[&cast.child][0];
        assert_eq!(existence.caf_id, caf);
        assert!(existence.open);
        assert_eq!(existence.opened_on, on(25));
        assert_eq!(existence.owning_agency, "Test Primary School");
        assert_eq!(
            existence.contact.as_deref(),
            Some("Sam Practitioner, sam@test.example")
        );
        assert!(!found.contains_key(&cast.sibling));
    }
);

on_both_databases!(
    a_search_hit_says_a_caf_exists_and_whom_to_contact_never_its_content,
    |app| {
        let cast = cast(&app).await;
        let caf = start(&app, &cast, vec![cast.child]).await;
        app.store
            .save_caf_section(
                &cast.sam,
                &by(&cast.sam),
                caf,
                "family_background",
                None,
                None,
                SectionStatus::InProgress,
                &json!({"text": "A secret of the family"}),
            )
            .await
            .unwrap();
        let mut nia = app.signed_in("nia@test.example").await;
        let token = nia.create_token("search").await;
        let reply = nia
        .api_get("/api/v1/people/search?given_name=Amelia&family_name=Hughes&date_of_birth=2019-03-07", &token)
        .await;
        assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.text);
        let hits = reply.json();
        let amelia = hits
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == cast.child)
            .expect("Amelia found");
        let status = amelia["caf_status"].as_str().unwrap();
        assert!(
            status.starts_with("Open CAF (CAF-2026-") && status.contains("Test Primary School"),
            "{status}"
        );
        assert_eq!(amelia["caf_contact"], "Sam Practitioner, sam@test.example");
        let oliver = hits
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == cast.sibling);
        if let Some(oliver) = oliver {
            assert_eq!(oliver["caf_status"], "No CAF recorded");
        }
        assert!(!reply.text.contains("secret"), "no content in a search");
    }
);

on_both_databases!(
    the_record_links_its_cafs_and_offers_to_start_one_only_when_none_is_open,
    |app| {
        let cast = cast(&app).await;
        let mut sam = app.signed_in(ecaf_tests::PRACTITIONER).await;
        let before = sam.get(&format!("/people/{}", cast.child)).await;
        assert!(before.text.contains("No CAF recorded"), "{}", before.text);
        assert!(before
            .text
            .contains(&format!("href=\"/people/{}/cafs/new\"", cast.child)));
        let caf = start(&app, &cast, vec![cast.child]).await;
        let after = sam.get(&format!("/people/{}", cast.child)).await;
        assert!(
            after.text.contains(&format!("href=\"/cafs/{caf}\"")),
            "{}",
            after.text
        );
        assert!(after.text.contains("CAF-2026-"));
        assert!(
            !after.text.contains("/cafs/new"),
            "no second CAF offered while one is open"
        );
    }
);

on_both_databases!(
    check_answers_points_out_jargon_the_family_may_not_understand,
    |app| {
        let cast = cast(&app).await;
        let caf = start(&app, &cast, vec![cast.child]).await;
        app.store
            .save_caf_section(
                &cast.sam,
                &by(&cast.sam),
                caf,
                "family_background",
                None,
                None,
                SectionStatus::InProgress,
                &json!({"narrative": "Referred to CAMHS. Mum has disengaged from the TAF."}),
            )
            .await
            .unwrap();
        let mut sam = app.signed_in(ecaf_tests::PRACTITIONER).await;
        let page = sam.get(&format!("/cafs/{caf}/sign-off")).await;
        assert_eq!(page.status, axum::http::StatusCode::OK, "{}", page.text);
        assert!(
            page.text.contains("Words the family may not understand"),
            "{}",
            page.text
        );
        for (term, plainer) in [
            ("CAMHS", "child and adolescent mental health service"),
            ("disengaged", "has stopped taking part"),
            ("TAF", "team around the family"),
        ] {
            assert!(
                page.text.contains(&format!("<strong>{term}</strong>")),
                "{term}"
            );
            assert!(page.text.contains(plainer), "{plainer}");
        }
        // Plain words only: no list.
        let plain = start(&app, &cast, vec![cast.sibling]).await;
        let page = sam.get(&format!("/cafs/{plain}/sign-off")).await;
        assert!(!page.text.contains("Words the family may not understand"));
    }
);
