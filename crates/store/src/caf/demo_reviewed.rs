//! The demo CAF that shows reviews at work: Ruby Marsh's, started four months ago and
//! reviewed twice, her Parent/Child Indicators falling (less concern) at each review. It is
//! made through the store's own functions on a clock set back in time and moved on between
//! steps, since the store only takes dates of things that have already happened.
use super::demo::demo_elements;
use super::NewCaf;
use crate::{Attribution, Result, Store, StoreError};
use chrono::Duration;
use ecaf_domain::access::{authorise, Actor, StartCaf, UseRegister};
use ecaf_domain::caf::consent::{Agreement, Giver, SharingConsent};
use ecaf_domain::caf::form::{SectionStatus, SECTIONS};
use ecaf_domain::caf::meeting::Attendee;
use ecaf_domain::caf::plan::{ActionStatus, NewAction, Owner, StatusChange};
use ecaf_domain::caf::review::{ActionProgress, ConsentCheck, Decision, Rescore, Review};
use ecaf_domain::caf::team::{LeadChoice, LeadDecision};
use ecaf_domain::clock::ManualClock;
use ecaf_domain::person::{AddressInput, PersonInput};
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;

/// How long ago the CAF was started.
const STARTED_DAYS_AGO: i64 = 120;

impl Store {
    pub(super) async fn load_reviewed_demo(
        &self,
        by: &Attribution,
        helen: &Actor,
        agencies: [i64; 2],
    ) -> Result<()> {
        let register =
            authorise::<UseRegister>(helen).map_err(|e| StoreError::Refused(e.to_string()))?;
        let details = PersonInput {
            given_name: "Ruby".into(),
            family_name: "Marsh".into(),
            gender: "female".into(),
            date_of_birth: "2021-04-12".into(),
            first_language: "English".into(),
            main_address: AddressInput {
                line1: "31 Orchard Close".into(),
                town: "Brookford".into(),
                postcode: "BF6 2RS".into(),
                ..Default::default()
            },
            ..Default::default()
        }
        .validate(self.clock().now().date_naive())
        .map_err(|problems| StoreError::Refused(format!("demo person: {problems:?}")))?;
        let ruby = self
            .create_person(
                &register,
                by,
                &details,
                Some("demo-reviewed-1"),
                "Demo data",
            )
            .await?;
        let clock = ManualClock::new(self.clock().now() - Duration::days(STARTED_DAYS_AGO));
        let past = Store {
            clock: Arc::new(clock.clone()),
            ..self.clone()
        };
        let today = |store: &Store| store.clock().now().date_naive();
        let revision = |id: i64| async move {
            Ok::<i64, StoreError>(
                sqlx::query("SELECT revision FROM cafs WHERE id = $1")
                    .bind(id)
                    .fetch_one(self.pool())
                    .await?
                    .try_get("revision")?,
            )
        };
        let mother = Giver::ParentOrCarer {
            name: "Kelly Marsh".into(),
        };
        let grant = authorise::<StartCaf>(helen).map_err(|e| StoreError::Refused(e.to_string()))?;
        let khan = past
            .start_caf(
                &grant,
                helen,
                by,
                &NewCaf {
                    children: vec![ruby],
                    agreement: Agreement {
                        given_by: mother.clone(),
                        on: today(&past),
                        may_contact_agencies: true,
                    },
                },
            )
            .await?;
        let signed_on = today(&past).to_string();
        for section in SECTIONS.iter().filter(|s| s.required) {
            let child = section.per_child.then_some(ruby);
            past.save_caf_section(
                helen,
                by,
                khan,
                section.key,
                child,
                None,
                SectionStatus::Complete,
                &content(section.key, &signed_on),
            )
            .await?;
        }
        past.record_sharing_consent(
            helen,
            by,
            khan,
            &SharingConsent {
                given_by: vec![mother],
                on: today(&past),
                signed_copy_kept: "Health visiting records".into(),
                agencies: agencies.into(),
            },
        )
        .await?;
        clock.advance(Duration::days(2));
        past.sign_off_caf(helen, by, khan, revision(khan).await?)
            .await?;
        clock.advance(Duration::days(5));
        past.decide_lead_professional(
            helen,
            by,
            khan,
            revision(khan).await?,
            &LeadDecision {
                choice: LeadChoice::Appointed {
                    user_id: helen.user_id,
                },
                on: today(&past),
                reason: String::new(),
                family_view: "Kelly asked for Helen, who has visited since Ruby was born".into(),
                child_view: "Ruby is too young to say; she is at ease with Helen".into(),
            },
        )
        .await?;
        let plan = [
            (
                "Take Ruby to the Chatterbox speech and language group at the family hub each Wednesday",
                "Kelly Marsh",
                70,
                "Ruby uses two-word phrases at nursery",
            ),
            (
                "Keep a bedtime routine with a picture chart, and a sleep diary for the health visitor",
                "Kelly Marsh",
                35,
                "Ruby sleeps through most nights",
            ),
        ];
        let mut actions = vec![];
        for (what, who, in_days, outcome) in plan {
            actions.push(
                past.add_caf_action(
                    helen,
                    by,
                    khan,
                    &NewAction {
                        what: what.into(),
                        owner: Some(Owner::ParentOrCarer { name: who.into() }),
                        due_on: Some(today(&past) + Duration::days(in_days)),
                        waiting_list: String::new(),
                        outcome: outcome.into(),
                    },
                )
                .await?,
            );
        }
        past.agree_caf_plan(
            helen,
            by,
            khan,
            revision(khan).await?,
            today(&past) + Duration::weeks(6),
        )
        .await?;

        // Review 1, six weeks on: the bedtime routine has worked; speech is coming on slowly.
        clock.advance(Duration::weeks(6));
        past.update_caf_action_status(
            helen,
            by,
            khan,
            actions[1],
            1,
            &StatusChange {
                status: ActionStatus::Done,
                reason: String::new(),
            },
        )
        .await?;
        let present = vec![
            Attendee {
                name: "Kelly Marsh".into(),
                agency: "Mother".into(),
            },
            Attendee {
                name: "Helen Price".into(),
                agency: "Brookford Health Visiting Service".into(),
            },
        ];
        let held = today(&past);
        past.record_caf_review(
            helen,
            by,
            khan,
            revision(khan).await?,
            &Review {
                held_on: held,
                setting: "review_meeting".into(),
                chair: "Helen Price".into(),
                present: present.clone(),
                undertaken: "yes".into(),
                progress: vec![
                    ActionProgress {
                        action_id: actions[0],
                        progress: "Ruby has been to five of the six groups.".into(),
                    },
                    ActionProgress {
                        action_id: actions[1],
                        progress: "The picture chart works; the diary shows her waking once a night at most.".into(),
                    },
                ],
                improvements: "Ruby sleeps much better and Kelly feels less tired. Her speech is coming on slowly.".into(),
                scores: scores(&[("Ruby's speech", 4), ("Sleep", 2)]),
                consent: ConsentCheck::Resought {
                    agencies: agencies.into(),
                },
                family_view: "Kelly is pleased with the sleep and wants to keep going with the group.".into(),
                child_view: "Ruby showed the group's song and her sticker chart.".into(),
                feedback_offered: Some(true),
                decision: Some(Decision::Continue),
                next_review_on: Some(held + Duration::weeks(6)),
            },
        )
        .await?;

        // Review 2, six weeks later: speech better; making friends at nursery added. The next
        // review is six weeks on, 11 days from today: the home page shows it due soon.
        clock.advance(Duration::weeks(6));
        let held = today(&past);
        past.record_caf_review(
            helen,
            by,
            khan,
            revision(khan).await?,
            &Review {
                held_on: held,
                setting: "other_meeting".into(),
                chair: "Helen Price".into(),
                present: [
                    present,
                    vec![Attendee {
                        name: "Nursery key worker".into(),
                        agency: "Little Acorns Nursery".into(),
                    }],
                ]
                .concat(),
                undertaken: "yes".into(),
                progress: vec![ActionProgress {
                    action_id: actions[0],
                    progress: "Ruby now joins in the songs and uses two-word phrases at home.".into(),
                }],
                improvements: "Nursery hears Ruby use short phrases every day. She still plays alone most of the time.".into(),
                scores: scores(&[
                    ("Ruby's speech", 3),
                    ("Sleep", 1),
                    ("Making friends at nursery", 4),
                ]),
                consent: ConsentCheck::Resought {
                    agencies: agencies.into(),
                },
                family_view: "Kelly can see the difference and would like help with friendships next.".into(),
                child_view: "Ruby said “I like songs”.".into(),
                feedback_offered: Some(false),
                decision: Some(Decision::Continue),
                next_review_on: Some(held + Duration::weeks(6)),
            },
        )
        .await?;
        Ok(())
    }
}

fn scores(list: &[(&str, i64)]) -> Vec<Rescore> {
    list.iter()
        .map(|(need, score)| Rescore {
            need: (*need).into(),
            score: Some(*score),
        })
        .collect()
}

/// Ruby's assessment, in the form's own fields.
fn content(key: &str, signed_on: &str) -> serde_json::Value {
    match key {
        "identifying_details" => {
            json!({ "parents_and_carers": "Kelly Marsh (mother, parental responsibility), 31 Orchard Close, Brookford BF6 2RS.", "siblings": "None.", "significant_adults": "", "communication": "English." })
        }
        "purpose" => json!({ "purpose": "caf", "existing_caf": "" }),
        "practitioner" => {
            json!({ "name": "Helen Price", "job_title": "Health visitor", "agency": "Brookford Health Visiting Service", "address": "Millbrook Clinic, Brookford", "telephone": "01632 960 300", "email": "helen.price@demo.ecaf.org.uk", "mobile": "" })
        }
        "assessment_details" => {
            json!({ "assessment_date": signed_on, "reason": "At her review at age 4 Ruby used few words, and she wakes several times a night.", "special_requirements": "", "interpreter": "Not needed.", "people_present": "Kelly Marsh (mother); Ruby; Helen Price (health visitor).", "contributors": "Little Acorns Nursery.", "child_took_part": "yes", "child_not_part_reason": "", "other_tools": "Ages and Stages Questionnaire." })
        }
        "family_background" => {
            json!({ "family_background": "Ruby lives with her mother, Kelly, who works nights at the hospital three times a week." })
        }
        "development" => {
            json!({ "elements": demo_elements("Development of the child", &[("Speech, language and communication", "Understands well and loves songs.", "Uses single words only.", "Speech and language group.")]) })
        }
        "parents_and_carers" => {
            json!({ "elements": demo_elements("Parents and carers", &[("Emotional warmth and stability", "Kelly is loving and patient.", "Kelly is exhausted by the broken nights and her night shifts.", "")]) })
        }
        "family_and_environment" => {
            json!({ "elements": demo_elements("Family and environment", &[("Social and community elements and resources, including education", "Knows her neighbours well; a place at Little Acorns Nursery.", "", "")]) })
        }
        "priorities" => {
            json!({ "strengths": "A loving home; Ruby understands a lot.", "additional_needs": "Speech; sleep.", "things_to_change": "Ruby talks in short phrases and sleeps through.", "how_we_will_know": "Nursery hears her use two-word phrases; the sleep diary.", "indicators": [{ "need": "Ruby's speech", "score": 5 }, { "need": "Sleep", "score": 4 }] })
        }
        "views" => {
            json!({ "child_views": "Ruby pointed to the pictures of songs and of her bed.", "parent_views": "Kelly wants Ruby ready for school." })
        }
        "signatures" => {
            json!({ "parent1_name": "Kelly Marsh", "parent1_date": signed_on, "parent2_name": "", "parent2_date": "", "child_name": "", "child_date": "", "practitioner_name": "Helen Price", "practitioner_date": signed_on })
        }
        _ => json!({}),
    }
}
