//! The demo's manager sign-off: switched on for the assessment, the plan and closure once the
//! other demo CAFs are built (so they are built as without it); Helen Price has sent Ruby
//! Marsh's closure to her line manager, Grace Evans, who has not decided yet; and Priya Shah
//! returned Sam Taylor's closure of the Hughes family's CAF with comments.
use super::SignOffSwitches;
use crate::{Attribution, Result, Store, StoreError};
use ecaf_domain::access::{authorise, Actor, ConfigureSignOff};
use ecaf_domain::caf::closure::Closure;
use ecaf_domain::caf::sign_off::SignOffAsked;
use sqlx::Row;

impl Store {
    pub(super) async fn load_sign_off_demo(&self, by: &Attribution) -> Result<()> {
        let admin = self.demo_actor("admin").await?;
        let grant = authorise::<ConfigureSignOff>(&admin)
            .map_err(|e| StoreError::Refused(e.to_string()))?;
        self.set_sign_off_switches(
            &grant,
            by,
            SignOffSwitches {
                assessment: true,
                plan: true,
                closure: true,
            },
        )
        .await?;
        let today = self.clock().now().date_naive();
        let close = |summary: &str| Closure {
            reason_code: "outcomes_achieved".into(),
            explanation: String::new(),
            summary: summary.into(),
            on: today,
        };
        let helen = self.demo_actor("helen.price").await?;
        let (ruby, revision) = self.demo_caf_of("demo-reviewed-1").await?;
        self.request_sign_off(
            &helen,
            by,
            ruby,
            revision,
            &SignOffAsked::Closure {
                closure: close("Ruby's speech and sleep have improved at each review. Nursery carries on with her speech targets; the health visitor sees her at her next developmental check."),
            },
        )
        .await?
        .map_err(|problems| StoreError::Refused(format!("demo closure: {problems:?}")))?;
        let sam = self.demo_actor("sam.taylor").await?;
        let (hughes, revision) = self.demo_caf_of("demo-1").await?;
        let request = self
            .request_sign_off(
                &sam,
                by,
                hughes,
                revision,
                &SignOffAsked::Closure {
                    closure: close("Amelia and Oliver are settled at school and their mother has support from the family hub."),
                },
            )
            .await?
            .map_err(|problems| StoreError::Refused(format!("demo closure: {problems:?}")))?;
        let priya = self.demo_actor("priya.shah").await?;
        self.return_sign_off(
            &priya,
            by,
            request,
            "Oliver's school actions are still open and not due for another month. Keep the CAF open until the next review, and say in the summary who carries on with them.",
        )
        .await
    }

    async fn demo_actor(&self, local: &str) -> Result<Actor> {
        let row = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(format!("{local}@{}", crate::demo::DEMO_EMAIL_DOMAIN))
            .fetch_one(self.pool())
            .await?;
        Ok(self.user(row.try_get("id")?).await?.actor())
    }

    /// The open CAF of the demo child with this external id, and its revision.
    async fn demo_caf_of(&self, external_id: &str) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT c.id, c.revision FROM cafs c JOIN caf_children k ON k.caf_id = c.id \
             JOIN people p ON p.id = k.person_id WHERE p.external_id = $1 AND c.state <> 'closed' \
             ORDER BY c.id DESC LIMIT 1",
        )
        .bind(external_id)
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("id")?, row.try_get("revision")?))
    }
}
