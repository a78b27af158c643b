//! Handing CAFs over when an assessor or lead professional leaves or is away: their line
//! manager (or designated deputy) or the early help team reassigns their CAFs, one or all at
//! once, to another practitioner, with the family's agreement noted.
use crate::access::{Actor, Role};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Whether `actor` may hand over the CAFs `holder` holds: the holder's line manager or deputy
/// (`manages_holder`), or the early help team; never the holder themself.
pub fn may_hand_over(actor: &Actor, holder_id: i64, manages_holder: bool) -> bool {
    actor.user_id != holder_id && (manages_holder || actor.has(Role::EarlyHelpTeam))
}

/// A handover as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub from_user: i64,
    pub to_user: i64,
    pub caf_ids: Vec<i64>,
    pub on: NaiveDate,
    /// How the family's agreement was sought ("Sarah agreed by phone on 1 December").
    pub family_agreement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverProblem {
    pub field: &'static str,
    pub message: String,
}

impl Handover {
    pub fn problems(&self, today: NaiveDate) -> Vec<HandoverProblem> {
        let mut problems = vec![];
        let mut add = |field, message: &str| {
            problems.push(HandoverProblem {
                field,
                message: message.into(),
            })
        };
        if self.caf_ids.is_empty() {
            add("caf_ids", "Select the CAFs to hand over");
        }
        if self.to_user == self.from_user {
            add("to_user", "Choose someone else to take the CAFs over");
        }
        if self.on > today {
            add(
                "on",
                "The date of the handover must be today or in the past",
            );
        }
        if self.family_agreement.trim().is_empty() {
            add(
                "family_agreement",
                "Say how the family agreed to the new practitioner",
            );
        } else if self.family_agreement.chars().count() > 2_000 {
            add("family_agreement", "Use 2,000 characters or fewer");
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64, roles: &[Role]) -> Actor {
        Actor {
            user_id: id,
            name: "Someone".into(),
            email: "someone@example.org".into(),
            agency_id: 1,
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn managers_and_the_early_help_team_hand_over_never_the_holder() {
        assert!(may_hand_over(&actor(2, &[Role::LineManager]), 5, true));
        assert!(
            !may_hand_over(&actor(2, &[Role::LineManager]), 5, false),
            "not their manager"
        );
        assert!(may_hand_over(&actor(3, &[Role::EarlyHelpTeam]), 5, false));
        assert!(
            !may_hand_over(&actor(5, &[Role::EarlyHelpTeam]), 5, false),
            "not to themself"
        );
        assert!(!may_hand_over(&actor(4, &[Role::Practitioner]), 5, false));
    }

    #[test]
    fn a_handover_names_its_cafs_someone_else_and_the_familys_agreement() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let handover = Handover {
            from_user: 5,
            to_user: 5,
            caf_ids: vec![],
            on: today,
            family_agreement: " ".into(),
        };
        let fields: Vec<_> = handover
            .problems(today)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["caf_ids", "to_user", "family_agreement"]);
    }
}
