//! Demo CAFs, made through the same store functions a practitioner's pages use, so the demo
//! shows the journey at work: a family CAF signed off with consent to share, one being
//! written (with information shared without consent), one just agreed, one whose consent
//! was withdrawn, and one closed with its outcomes achieved; the family CAF has its team,
//! a team meeting, a lead professional and its action plan agreed; and one stepped up to
//! children's social care, open until it confirms the takeover; and one reviewed twice
//! (`demo_reviewed`); and one stepped down from children's social care. A practitioner of
//! the youth service waits for an answer to their request to join the Hughes family's team.
use crate::{Attribution, Result, Store, StoreError};
use chrono::{Duration, NaiveDate};
use ecaf_domain::access::{authorise, Actor, StartCaf};
use ecaf_domain::caf::closure::Closure;
use ecaf_domain::caf::consent::{
    Agreement, Giver, HarmDecision, SharingConsent, SharingDecision, Withdrawal,
};
use ecaf_domain::caf::form::{SectionStatus, SECTIONS};
use ecaf_domain::caf::meeting::{Attendee, Meeting, WrittenReport};
use ecaf_domain::caf::plan::{default_review_date, NewAction, Owner};
use ecaf_domain::caf::step_up::Referral;
use ecaf_domain::caf::team::{LeadChoice, LeadDecision, NewMember};
use serde_json::json;
use sqlx::Row;

use super::NewCaf;

impl Store {
    /// Load the demo CAFs unless some CAF already exists. Returns how many were made.
    pub(crate) async fn load_demo_cafs(&self) -> Result<usize> {
        let any = sqlx::query("SELECT COUNT(*) AS n FROM cafs")
            .fetch_one(self.pool())
            .await?;
        if any.try_get::<i64, _>("n")? > 0 {
            return Ok(0);
        }
        let by = Attribution {
            actor_email: Some("ecaf demo loader".into()),
            ..Default::default()
        };
        let today = self.clock().now().date_naive();
        let days_ago = |n: i64| today - Duration::days(n);
        let person = |external: &'static str| async move {
            let row = sqlx::query("SELECT id FROM people WHERE external_id = $1")
                .bind(external)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
            Ok::<i64, StoreError>(row.try_get("id")?)
        };
        let user = |local: &'static str| async move {
            let row = sqlx::query("SELECT id FROM users WHERE email = $1")
                .bind(format!("{local}@{}", crate::demo::DEMO_EMAIL_DOMAIN))
                .fetch_one(self.pool())
                .await?;
            Ok::<Actor, StoreError>(self.user(row.try_get("id")?).await?.actor())
        };
        let agency = |name: &'static str| async move {
            let row = sqlx::query("SELECT id FROM agencies WHERE name = $1")
                .bind(name)
                .fetch_one(self.pool())
                .await?;
            Ok::<i64, StoreError>(row.try_get("id")?)
        };
        let parent = |name: &str| Giver::ParentOrCarer { name: name.into() };
        let start = |actor: Actor, children: Vec<i64>, given_by: Giver, on: NaiveDate| {
            let by = by.clone();
            async move {
                let grant = authorise::<StartCaf>(&actor)
                    .map_err(|e| StoreError::Refused(e.to_string()))?;
                let agreement = Agreement {
                    given_by,
                    on,
                    may_contact_agencies: true,
                };
                let id = self
                    .start_caf(
                        &grant,
                        &actor,
                        &by,
                        &NewCaf {
                            children,
                            agreement,
                        },
                    )
                    .await?;
                Ok::<(i64, Actor), StoreError>((id, actor))
            }
        };

        // 1. The Hughes family: a family CAF for Amelia and Oliver, signed off.
        let amelia = person("demo-1").await?;
        let oliver = person("demo-2").await?;
        let (hughes, sam) = start(
            user("sam.taylor").await?,
            vec![amelia, oliver],
            parent("Sarah Hughes"),
            days_ago(30),
        )
        .await?;
        for section in SECTIONS.iter().filter(|s| s.required) {
            let children = if section.per_child {
                vec![Some(amelia), Some(oliver)]
            } else {
                vec![None]
            };
            for child in children {
                let content = demo_content(
                    section.key,
                    child == Some(oliver),
                    &days_ago(21).to_string(),
                );
                self.save_caf_section(
                    &sam,
                    &by,
                    hughes,
                    section.key,
                    child,
                    None,
                    SectionStatus::Complete,
                    &content,
                )
                .await?;
            }
        }
        let consent = SharingConsent {
            given_by: vec![parent("Sarah Hughes"), parent("Daniel Hughes")],
            on: days_ago(21),
            signed_copy_kept: "Signed form scanned to Riverside Primary's pupil file".into(),
            agencies: [
                agency("Riverside Primary School").await?,
                agency("Brookford Health Visiting Service").await?,
                agency("Family Action Together").await?,
            ]
            .into(),
        };
        self.record_sharing_consent(&sam, &by, hughes, &consent)
            .await?;
        self.sign_off_caf(&sam, &by, hughes, 1).await?;

        // 2. Kacper Nowak: an assessment being written.
        let (nowak, jo) = start(
            user("jo.bennett").await?,
            vec![person("demo-5").await?],
            parent("Agnieszka Nowak"),
            days_ago(6),
        )
        .await?;
        self.save_caf_section(
            &jo,
            &by,
            nowak,
            "purpose",
            None,
            None,
            SectionStatus::Complete,
            &json!({ "purpose": "caf", "existing_caf": "" }),
        )
        .await?;
        self.save_caf_section(&jo, &by, nowak, "family_background", None, None, SectionStatus::InProgress, &json!({ "family_background": "Kacper lives with his mother; his father works abroad. The family moved to Brookford two years ago, and Kacper's attendance has dropped since he moved up to Year 9." }))
            .await?;

        // 3. Zayn Khan: consent given, then withdrawn (needs met).
        let zayn = person("demo-8").await?;
        let (khan, helen) = start(
            user("helen.price").await?,
            vec![zayn],
            parent("Farida Khan"),
            days_ago(60),
        )
        .await?;
        let consent = SharingConsent {
            given_by: vec![parent("Farida Khan")],
            on: days_ago(50),
            signed_copy_kept: "Health visiting records".into(),
            agencies: [agency("Brookford Health Visiting Service").await?].into(),
        };
        self.record_sharing_consent(&helen, &by, khan, &consent)
            .await?;
        let withdrawal = Withdrawal {
            on: days_ago(10),
            reason_code: "needs_met".into(),
            explanation: "Zayn's speech has come on well since he started nursery.".into(),
            harm_decision: HarmDecision {
                risk_of_significant_harm: false,
                reasoning: "No safeguarding concerns; nursery will contact health visiting if anything changes.".into(),
            },
        };
        self.withdraw_caf_consent(&helen, &by, khan, &withdrawal)
            .await?;

        // 4. Jayden Williams: the young person agreed himself; nothing written yet.
        start(
            user("leon.walsh").await?,
            vec![person("demo-12").await?],
            Giver::YoungPerson {
                name: "Jayden Williams".into(),
            },
            days_ago(1),
        )
        .await?;

        // 5. Kacper again: shared without consent to prevent harm, his mother out of reach.
        let decision = SharingDecision {
            shared: true,
            basis_code: "prevent_harm".into(),
            reasoning: "Kacper said an older boy is pressing him to carry parcels after school. His mother could not be reached and waiting would leave him at risk, so I told the youth service's detached team, after talking to my line manager.".into(),
            with_agencies: [agency("Brookford Youth Service").await?].into(),
            decided_on: days_ago(2),
        };
        self.record_sharing_decision(&jo, &by, nowak, &decision)
            .await?
            .map_err(|problems| StoreError::Refused(format!("demo decision: {problems:?}")))?;

        // 6. Chloe Thompson: a short CAF around her pregnancy, closed with its outcomes achieved.
        let (thompson, helen) = start(
            user("helen.price").await?,
            vec![person("demo-10").await?],
            Giver::YoungPerson {
                name: "Chloe Thompson".into(),
            },
            days_ago(3),
        )
        .await?;
        let closure = Closure {
            reason_code: "outcomes_achieved".into(),
            explanation: String::new(),
            summary: "Chloe is registered with the midwife and the GP, has moved into a tenancy of her own at Chapel Walk, and has a place at the Brookford young parents' group. Carrying on after the CAF: antenatal care with the community midwife; the health visitor's antenatal contact at 28 weeks.".into(),
            on: today,
        };
        self.close_caf(&helen, &by, thompson, &closure, 1)
            .await?
            .map_err(|problems| StoreError::Refused(format!("demo closure: {problems:?}")))?;

        // 7. The Hughes family's team: members from three agencies and a coach without an
        // account, a team meeting, and Sam appointed lead professional at it.
        let meeting_day = days_ago(14);
        let mut members = vec![];
        for local in ["helen.price", "maria.kowalska"] {
            let id = self.user(user(local).await?.user_id).await?.id;
            members.push(NewMember {
                user_id: Some(id),
                joined_on: meeting_day,
                ..Default::default()
            });
        }
        members.push(NewMember {
            name: "Gary Holt".into(),
            agency_name: "Brookford Juniors FC".into(),
            role: "Oliver's football coach".into(),
            contact: "07700 900321".into(),
            joined_on: meeting_day,
            ..Default::default()
        });
        for member in &members {
            self.add_team_member(&sam, &by, hughes, member).await?;
        }
        let attendee = |name: &str, agency: &str| Attendee {
            name: name.into(),
            agency: agency.into(),
        };
        self.record_meeting(
            &sam,
            &by,
            hughes,
            &Meeting {
                kind: "team_meeting".into(),
                held_on: meeting_day,
                attendees: vec![
                    attendee("Sarah Hughes", "Mother"),
                    attendee("Daniel Hughes", "Father"),
                    attendee("Sam Taylor", "Riverside Primary School"),
                    attendee("Maria Kowalska", "Family Action Together"),
                    attendee("Gary Holt", "Brookford Juniors FC"),
                ],
                reports: vec![WrittenReport {
                    from: "Helen Price".into(),
                    agency: "Brookford Health Visiting Service".into(),
                    text: "Amelia has been referred to speech and language therapy; the waiting list is about ten weeks.".into(),
                }],
                notes: "Agreed the priorities with Sarah and Daniel. Sam to be lead professional; Maria to help with evening routines; the school to offer Amelia a daily check-in.".into(),
            },
        )
        .await?;
        let revision: i64 = sqlx::query("SELECT revision FROM cafs WHERE id = $1")
            .bind(hughes)
            .fetch_one(self.pool())
            .await?
            .try_get("revision")?;
        self.decide_lead_professional(
            &sam,
            &by,
            hughes,
            revision,
            &LeadDecision {
                choice: LeadChoice::Appointed { user_id: sam.user_id },
                on: meeting_day,
                reason: String::new(),
                family_view: "Sarah and Daniel both asked for Sam, whom the children know from school".into(),
                child_view: "Amelia and Oliver were happy it is someone from school".into(),
            },
        )
        .await?;

        // 8. The Hughes family's action plan, agreed with a review in 6 weeks. No action is
        // overdue: the store takes no date in the past, and the demo is made through it.
        let plan = [
            (
                "Set up a morning routine chart with Amelia and Oliver, and check it with the school each Friday",
                Owner::ParentOrCarer { name: "Sarah Hughes".into() },
                14,
                "",
                "Amelia and Oliver arrive at school on time every day",
            ),
            (
                "Go to the after-school homework club on Tuesdays and Thursdays",
                Owner::Child { person_id: oliver },
                28,
                "",
                "Oliver hands in his homework each week",
            ),
            (
                "Join the Incredible Years parenting group at the family hub",
                Owner::ParentOrCarer { name: "Daniel Hughes".into() },
                42,
                "About 4 weeks for the next group to start",
                "Daniel feels confident setting bedtimes and keeping to them",
            ),
        ];
        for (what, owner, in_days, waiting_list, outcome) in plan {
            let action = NewAction {
                what: what.into(),
                owner: Some(owner),
                due_on: Some(today + Duration::days(in_days)),
                waiting_list: waiting_list.into(),
                outcome: outcome.into(),
            };
            self.add_caf_action(&sam, &by, hughes, &action).await?;
        }
        let revision: i64 = sqlx::query("SELECT revision FROM cafs WHERE id = $1")
            .bind(hughes)
            .fetch_one(self.pool())
            .await?
            .try_get("revision")?;
        self.agree_caf_plan(&sam, &by, hughes, revision, default_review_date(today))
            .await?;

        // 9. Tyler Reid: signed off and a plan agreed, then stepped up to children's social
        // care when he disclosed being hit at home; open until social care takes over.
        let (reid, jo2) = start(
            user("jo.bennett").await?,
            vec![person("demo-13").await?],
            parent("Kerry Reid"),
            days_ago(40),
        )
        .await?;
        let tyler = person("demo-13").await?;
        for section in SECTIONS.iter().filter(|s| s.required) {
            let child = section.per_child.then_some(tyler);
            self.save_caf_section(
                &jo2,
                &by,
                reid,
                section.key,
                child,
                None,
                SectionStatus::Complete,
                &tyler_content(section.key, &days_ago(30).to_string()),
            )
            .await?;
        }
        let consent = SharingConsent {
            given_by: vec![parent("Kerry Reid")],
            on: days_ago(30),
            signed_copy_kept: "Northgate Academy safeguarding file".into(),
            agencies: [agency("Northgate Academy").await?].into(),
        };
        self.record_sharing_consent(&jo2, &by, reid, &consent)
            .await?;
        self.sign_off_caf(&jo2, &by, reid, 1).await?;
        self.add_caf_action(
            &jo2,
            &by,
            reid,
            &NewAction {
                what: "Weekly mentoring with his head of year, with a note home each Friday".into(),
                owner: Some(Owner::Child { person_id: tyler }),
                due_on: Some(today + Duration::days(21)),
                waiting_list: String::new(),
                outcome: "Tyler goes to every lesson and says school feels safe".into(),
            },
        )
        .await?;
        let revision = |id: i64| async move {
            Ok::<i64, StoreError>(
                sqlx::query("SELECT revision FROM cafs WHERE id = $1")
                    .bind(id)
                    .fetch_one(self.pool())
                    .await?
                    .try_get("revision")?,
            )
        };
        self.agree_caf_plan(
            &jo2,
            &by,
            reid,
            revision(reid).await?,
            default_review_date(today),
        )
        .await?;
        self.step_up_caf(
            &jo2,
            &by,
            reid,
            revision(reid).await?,
            &Referral {
                service: "childrens_social_care".into(),
                referred_on: today,
                to_whom: "Duty social worker, Brookford children's services front door".into(),
                why: "Tyler told his head of year that his stepfather hits him, and showed a bruise on his arm.".into(),
                with_consent: true,
            },
        )
        .await?;

        // 10. Ruby Marsh: started four months ago and reviewed twice, her indicators
        // falling at each review (distance travelled).
        self.load_reviewed_demo(
            &by,
            &user("helen.price").await?,
            [
                agency("Brookford Health Visiting Service").await?,
                agency("Brookford Early Help Team").await?,
            ],
        )
        .await?;

        // 11. Mason Carter: stepped down from children's social care by Chris Palmer, Rachel
        // Adeyemi of the early help team appointed lead professional; the family has consented
        // to sharing here, and the assessment is being written from what social care sent.
        let chris = user("chris.palmer").await?;
        let rachel = user("rachel.adeyemi").await?;
        let involved_to = days_ago(3).to_string();
        let document = json!({
            "format": "ecaf.caf/1",
            "children": [{ "given_name": "Mason", "family_name": "Carter", "date_of_birth": "2014-09-10", "gender": "male",
                           "main_address": { "line1": "22 Weavers Row", "town": "Brookford", "postcode": "BF3 9LT" } }],
            "sections": [
                { "key": "family_background", "status": "complete", "content": { "family_background": "Mason lives with his mother, Jade Carter, and her partner. Known to children's social care since June under a child in need plan after the family lost their tenancy." } },
                { "key": "priorities", "status": "in_progress", "content": { "strengths": "Jade has kept Mason in the same school through the move.", "indicators": [{ "need": "Settling into the new home", "score": 3 }, { "need": "Going to school every day", "score": 4 }] } },
            ],
            "social_worker": { "name": "Chris Palmer", "team": "Brookford Children's Social Care, Team 2", "contact": "chris.palmer@demo.ecaf.org.uk, 01632 960 111",
                               "involved_from": days_ago(170).to_string(), "involved_to": involved_to,
                               "summary": "Child in need plan: emergency housing found, then a secure tenancy; school attendance up from 78% to 90%." },
            "lead_professional": { "user_id": rachel.user_id, "family_view": "Jade asked for someone who knows the family hub.", "child_view": "Mason said he is fine with Rachel." },
            "reason": "The family's needs can now be met by early help: housing is settled and no safeguarding concerns remain.",
            "agreement": { "given_by": { "kind": "parent_or_carer", "name": "Jade Carter" }, "on": involved_to, "may_contact_agencies": true },
        });
        let step_down = ecaf_domain::caf::transfer::read_step_down(&document, today)
            .map_err(|problems| StoreError::Refused(format!("demo step-down: {problems:?}")))?;
        let grant =
            authorise::<StartCaf>(&chris).map_err(|e| StoreError::Refused(e.to_string()))?;
        let carter = self.step_down_caf(&grant, &chris, &by, &step_down).await?;
        self.record_sharing_consent(
            &chris,
            &by,
            carter.caf_id,
            &SharingConsent {
                given_by: vec![parent("Jade Carter")],
                on: days_ago(3),
                signed_copy_kept: "Early help team file".into(),
                agencies: [
                    agency("Brookford Early Help Team").await?,
                    agency("Brookford Children's Social Care").await?,
                ]
                .into(),
            },
        )
        .await?;
        let revision: i64 = sqlx::query("SELECT revision FROM cafs WHERE id = $1")
            .bind(carter.caf_id)
            .fetch_one(self.pool())
            .await?
            .try_get("revision")?;
        self.change_caf_owner(
            &chris,
            &by,
            carter.caf_id,
            &super::OwnerChange {
                agency_id: agency("Brookford Early Help Team").await?,
                on: days_ago(3),
                reason: "Stepped down: the early help team leads from here".into(),
                expected_revision: revision,
            },
        )
        .await?;

        // 12. Leon Walsh of the youth service found through the search that the Hughes
        // family has a CAF, and asked Sam (its lead professional) to be added to the team.
        self.ask_to_join(
            &user("leon.walsh").await?,
            &by,
            hughes,
            "I run the Tuesday youth club Oliver has started coming to, and could help with his confidence and friendships.",
        )
        .await?;
        self.load_sign_off_demo(&by).await?;
        Ok(8)
    }
}

/// Tyler Reid's answers (demo), in the form's own fields.
fn tyler_content(key: &str, signed_on: &str) -> serde_json::Value {
    match key {
        "identifying_details" => {
            json!({ "parents_and_carers": "Kerry Reid (mother, parental responsibility) and her partner Shane Cole, 7 Canal Street, Brookford BF2 4QP.", "siblings": "None.", "significant_adults": "His aunt, Lisa Reid.", "communication": "English." })
        }
        "purpose" => json!({ "purpose": "caf", "existing_caf": "" }),
        "practitioner" => {
            json!({ "name": "Jo Bennett", "job_title": "Head of Year 9", "agency": "Northgate Academy", "address": "Northgate Academy, Brookford", "telephone": "01632 960 200", "email": "jo.bennett@demo.ecaf.org.uk", "mobile": "" })
        }
        "assessment_details" => {
            json!({ "assessment_date": signed_on, "reason": "Tyler's attendance has fallen to 82% and he has been in fights at school.", "special_requirements": "", "interpreter": "Not needed.", "people_present": "Kerry Reid (mother); Tyler; Jo Bennett (Northgate Academy).", "contributors": "Tyler's form tutor.", "child_took_part": "yes", "child_not_part_reason": "", "other_tools": "None." })
        }
        "family_background" => {
            json!({ "family_background": "Tyler lives with his mother and her partner, who moved in last year." })
        }
        "development" => {
            json!({ "elements": demo_elements("Development of the child", &[("Emotional and social development", "Good with younger pupils.", "Angry outbursts; says he does not want to go home.", "Time-out card agreed.")]) })
        }
        "parents_and_carers" => {
            json!({ "elements": demo_elements("Parents and carers", &[("Emotional warmth and stability", "Kerry is devoted to Tyler.", "Arguments at home since her partner moved in.", "")]) })
        }
        "family_and_environment" => {
            json!({ "elements": demo_elements("Family and environment", &[("Wider family", "His aunt sees him most weekends.", "", "")]) })
        }
        "priorities" => {
            json!({ "strengths": "Tyler is bright and well liked by staff.", "additional_needs": "Attendance; anger at school.", "things_to_change": "Tyler goes to every lesson.", "how_we_will_know": "Attendance above 95% by half term.", "indicators": [{ "need": "Going to every lesson", "score": 4 }] })
        }
        "views" => {
            json!({ "child_views": "Tyler said school is fine but home is hard.", "parent_views": "Kerry wants Tyler back on track at school." })
        }
        "signatures" => {
            json!({ "parent1_name": "Kerry Reid", "parent1_date": signed_on, "parent2_name": "", "parent2_date": "", "child_name": "Tyler Reid", "child_date": signed_on, "practitioner_name": "Jo Bennett", "practitioner_date": signed_on })
        }
        _ => json!({}),
    }
}

/// The elements of `domain`, the few discussed with what was said, the rest "not discussed".
pub(super) fn demo_elements(domain: &str, said: &[(&str, &str, &str, &str)]) -> serde_json::Value {
    let elements = ecaf_domain::caf::form::DOMAINS
        .iter()
        .find(|(name, _)| *name == domain)
        .map(|(_, e)| *e)
        .unwrap_or_default();
    serde_json::Value::Array(
        elements
            .iter()
            .map(|element| match said.iter().find(|(e, ..)| e == element) {
                Some((_, strengths, needs, actions)) => json!({ "element": element, "strengths": strengths, "needs": needs, "actions": actions, "not_discussed": false }),
                None => json!({ "element": element, "strengths": "", "needs": "", "actions": "", "not_discussed": true }),
            })
            .collect(),
    )
}

/// Demo answers for a section, in the form's own fields (made up, like everything in the
/// demo), so check answers, the versions and the family copy read as a real CAF would.
fn demo_content(key: &str, for_oliver: bool, signed_on: &str) -> serde_json::Value {
    match (key, for_oliver) {
        ("identifying_details", false) => json!({
            "parents_and_carers": "Sarah Hughes (mother, parental responsibility), 14 Mill Lane, Brookford BF1 2AB, 07700 900123.\nDaniel Hughes (father, parental responsibility), lives nearby, 07700 900456.",
            "siblings": "Oliver Hughes, born 2016, lives with Amelia.",
            "significant_adults": "Maternal grandparents, Pat and Ken Ellis, who collect the children twice a week.",
            "communication": "English. No interpreter needed.",
        }),
        ("identifying_details", true) => json!({
            "parents_and_carers": "Sarah Hughes (mother) and Daniel Hughes (father), both with parental responsibility.",
            "siblings": "Amelia Hughes, born 2019, lives with Oliver.",
            "significant_adults": "Maternal grandparents nearby.",
            "communication": "English.",
        }),
        ("purpose", _) => json!({ "purpose": "caf", "existing_caf": "" }),
        ("practitioner", _) => json!({
            "name": "Sam Taylor", "job_title": "Teaching assistant", "agency": "Riverside Primary School",
            "address": "Riverside Primary School, Brook Road, Brookford BF1 3CD", "telephone": "01632 960 100",
            "email": "sam.taylor@demo.ecaf.org.uk", "mobile": "",
        }),
        ("assessment_details", _) => json!({
            "assessment_date": signed_on,
            "reason": "Amelia has become withdrawn in class and Oliver has had angry outbursts since their parents separated; Sarah asked the school for help.",
            "special_requirements": "Meetings after 3:30pm, when Sarah finishes work.",
            "interpreter": "Not needed.",
            "people_present": "Sarah Hughes (mother); Daniel Hughes (father); Sam Taylor (Riverside Primary School).",
            "contributors": "Helen Price, health visitor, sent a written report on Amelia's speech.",
            "child_took_part": "yes",
            "child_not_part_reason": "",
            "other_tools": "None.",
        }),
        ("family_background", _) => {
            json!({ "family_background": "Sarah and Daniel separated last year. The children live with Sarah and stay with Daniel at weekends. Money has been tight since the separation and there are rent arrears." })
        }
        ("development", false) => json!({ "elements": demo_elements("Development of the child", &[
            ("General health", "Healthy; up to date with checks.", "", ""),
            ("Speech, language and communication", "Loves reading with her grandad.", "Some sounds still unclear; the health visitor suggests speech and language therapy.", "Referred to the speech and language service by the health visitor."),
            ("Emotional and social development", "Kind to other children.", "Quiet and tearful at home time; worries about her mum being sad.", "Daily check-in with her class teacher."),
        ]) }),
        ("development", true) => json!({ "elements": demo_elements("Development of the child", &[
            ("General health", "Healthy and active.", "", ""),
            ("Behavioural development", "Plays well in the football team.", "Shouting and slamming doors at home since the separation.", "Sarah is trying a reward chart."),
            ("Family and social relationships", "Good friendships at school.", "Arguments with his sister in the evenings.", ""),
        ]) }),
        ("parents_and_carers", _) => json!({ "elements": demo_elements("Parents and carers", &[
            ("Basic care, ensuring safety and protection", "The children are well cared for.", "", ""),
            ("Emotional warmth and stability", "Both parents are warm and loving.", "Sarah feels low and finds evenings hard on her own.", "Sarah has seen her GP."),
            ("Guidance, boundaries and stimulation", "Clear rules at Daniel's.", "Different rules in the two homes confuse Oliver.", ""),
        ]) }),
        ("family_and_environment", _) => {
            json!({ "elements": demo_elements("Family and environment", &[
            ("Wider family", "Grandparents nearby and supportive.", "", ""),
            ("Housing, employment and financial considerations", "Settled tenancy.", "Rent arrears of about two months since the separation.", "Sarah has spoken to the housing officer."),
        ]) })
        }
        ("priorities", _) => json!({
            "strengths": "A loving family, supportive grandparents, and children who do well at school.",
            "additional_needs": "Calmer evenings; help with the rent arrears; speech support for Amelia.",
            "things_to_change": "Fewer arguments at home time; a plan for the arrears; Amelia's speech assessed.",
            "how_we_will_know": "Sarah says evenings are calmer; the arrears are being paid off; Amelia has seen the speech therapist.",
            "indicators": [
                { "need": "Calm evening routines", "score": 4 },
                { "need": "Money and the rent arrears", "score": 5 },
                { "need": "Amelia's speech", "score": 3 },
            ],
        }),
        ("views", false) => {
            json!({ "child_views": "Amelia said she likes school but worries about her mum being sad.", "parent_views": "Sarah wants the children to feel settled and would like help with routines." })
        }
        ("views", true) => {
            json!({ "child_views": "Oliver said he wants to stop shouting at his sister and to see his dad more.", "parent_views": "Daniel wants the same rules in both homes." })
        }
        ("signatures", _) => json!({
            "parent1_name": "Sarah Hughes", "parent1_date": signed_on,
            "parent2_name": "Daniel Hughes", "parent2_date": signed_on,
            "child_name": "", "child_date": "",
            "practitioner_name": "Sam Taylor", "practitioner_date": signed_on,
        }),
        _ => json!({}),
    }
}
