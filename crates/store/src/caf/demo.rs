//! Demo CAFs, made through the same store functions a practitioner's pages use, so the demo
//! shows the journey at work: a family CAF signed off with consent to share, one being
//! written (with information shared without consent), one just agreed, and one whose
//! consent was withdrawn.
use crate::{Attribution, Result, Store, StoreError};
use chrono::{Duration, NaiveDate};
use ecaf_domain::access::{authorise, Actor, StartCaf};
use ecaf_domain::caf::consent::{
    Agreement, Giver, HarmDecision, SharingConsent, SharingDecision, Withdrawal,
};
use ecaf_domain::caf::form::{SectionStatus, SECTIONS};
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
                let text = demo_text(section.key, child == Some(oliver));
                self.save_caf_section(
                    &sam,
                    &by,
                    hughes,
                    section.key,
                    child,
                    None,
                    SectionStatus::Complete,
                    &json!({ "text": text }),
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
        self.save_caf_section(&jo, &by, nowak, "purpose", None, None, SectionStatus::Complete, &json!({ "text": "CAF: worries about attendance and friendships since the move from Year 8." }))
            .await?;
        self.save_caf_section(&jo, &by, nowak, "family_background", None, None, SectionStatus::InProgress, &json!({ "text": "Kacper lives with his mother; his father works abroad. The family moved to Brookford two years ago." }))
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
        Ok(4)
    }
}

/// Plain demo wording for a section (made up, like everything in the demo).
fn demo_text(key: &str, for_oliver: bool) -> &'static str {
    match (key, for_oliver) {
        ("identifying_details", false) => "Amelia Hughes, 7, Year 2 at Riverside Primary.",
        ("identifying_details", true) => "Oliver Hughes, 10, Year 5 at Riverside Primary.",
        ("development", false) => "Strengths: loves reading. Needs: speech and language; some anxiety at home time.",
        ("development", true) => "Strengths: football, good friendships. Needs: anger at home since his dad's hours changed.",
        ("views", false) => "Amelia said she likes school but worries about mum being sad.",
        ("views", true) => "Oliver said he wants to stop shouting at his sister.",
        ("purpose", _) => "CAF: the school and health visitor are worried about the children's wellbeing at home.",
        ("practitioner", _) => "Sam Taylor, Teaching assistant, Riverside Primary School.",
        ("assessment_details", _) => "Met Sarah and Daniel at school with both children; the health visitor sent a report.",
        ("family_background", _) => "Sarah and Daniel separated last year; the children live with Sarah and see Daniel at weekends.",
        ("parents_and_carers", _) => "Warm and caring; Sarah would like help with routines and boundaries.",
        ("family_and_environment", _) => "Rent arrears since the separation; grandparents nearby and supportive.",
        ("priorities", _) => "Calmer evenings; help with the rent arrears; speech support for Amelia. PCI: routines 4, money 5, speech 3.",
        ("signatures", _) => "Sarah Hughes, Daniel Hughes and Sam Taylor signed the paper form.",
        _ => "Discussed with the family.",
    }
}
