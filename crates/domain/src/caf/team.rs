//! The lead professional and the team around the family. The initial team meeting appoints
//! the lead professional, or records that none is needed yet, or that the choice waits for the
//! meeting; the family and the child both have a say, so their views are recorded with it.
//! Team members come from any agency, with or without an account here, and join and leave on
//! dated days; access follows membership at once (see `access`).
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What was decided about the lead professional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeadChoice {
    /// This user coordinates the plan and is the family's single point of contact.
    Appointed { user_id: i64 },
    /// The family's needs are met without one for now.
    NoneNeededYet,
    /// The team meeting will choose.
    AtTheMeeting,
}

impl LeadChoice {
    /// The stored code of where the choice stands.
    pub fn code(self) -> &'static str {
        match self {
            LeadChoice::Appointed { .. } => "appointed",
            LeadChoice::NoneNeededYet => "none_needed_yet",
            LeadChoice::AtTheMeeting => "at_the_meeting",
        }
    }
}

/// Where the choice stands on a CAF (the appointed user, if any, is on the CAF itself).
pub fn lead_status_label(code: &str) -> &'static str {
    match code {
        "appointed" => "Appointed",
        "none_needed_yet" => "None needed yet",
        "at_the_meeting" => "To be chosen at the team meeting",
        _ => "Not yet decided",
    }
}

/// A decision about the lead professional, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDecision {
    pub choice: LeadChoice,
    pub on: NaiveDate,
    /// Why; required when someone is already lead professional (a change).
    #[serde(default)]
    pub reason: String,
    /// The family's view of the choice.
    pub family_view: String,
    /// The child's or young person's view (or why it could not be given).
    pub child_view: String,
}

/// Someone joining the team: a user of the service, or someone without an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    #[serde(default)]
    pub user_id: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub agency_name: String,
    #[serde(default)]
    pub role: String,
    /// How to reach them (required for someone without an account).
    #[serde(default)]
    pub contact: String,
    pub joined_on: NaiveDate,
}

/// A problem with what was entered, on the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> TeamProblem {
    TeamProblem {
        field,
        message: message.into(),
    }
}

/// The most any one entry may hold.
pub const MAX_TEXT: usize = 2_000;
pub const MAX_NAME: usize = 200;

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

impl LeadDecision {
    /// Every problem; `has_lead` says whether someone is lead professional now, so that a
    /// change needs its reason.
    pub fn problems(&self, has_lead: bool, today: NaiveDate) -> Vec<TeamProblem> {
        let mut problems = vec![];
        if self.on > today {
            problems.push(problem(
                "on",
                "The date of the decision must be today or in the past",
            ));
        }
        if has_lead && self.reason.trim().is_empty() {
            problems.push(problem(
                "reason",
                "Say why the lead professional is changing",
            ));
        }
        for (field, text, what) in [
            (
                "family_view",
                &self.family_view,
                "the family's view of the choice",
            ),
            (
                "child_view",
                &self.child_view,
                "the child's view of the choice, or why they could not give one",
            ),
        ] {
            if text.trim().is_empty() {
                problems.push(problem(field, format!("Enter {what}")));
            }
        }
        for (field, text) in [
            ("reason", &self.reason),
            ("family_view", &self.family_view),
            ("child_view", &self.child_view),
        ] {
            if too_long(text, MAX_TEXT) {
                problems.push(problem(
                    field,
                    format!("Use {MAX_TEXT} characters or fewer"),
                ));
            }
        }
        problems
    }
}

impl NewMember {
    /// Every problem. Someone with an account is known by it; anyone else needs a name, an
    /// agency, a role and a contact, or the team could not reach them.
    pub fn problems(&self, today: NaiveDate) -> Vec<TeamProblem> {
        let mut problems = vec![];
        if self.joined_on > today {
            problems.push(problem(
                "joined_on",
                "The date they joined must be today or in the past",
            ));
        }
        let typed = [&self.name, &self.agency_name, &self.role, &self.contact]
            .iter()
            .any(|t| !t.trim().is_empty());
        match (self.user_id, typed) {
            (Some(_), true) => problems.push(problem(
                "user_id",
                "Choose someone with an account, or enter the details of someone without one, not both",
            )),
            (Some(_), false) => {}
            (None, false) => problems.push(problem(
                "user_id",
                "Choose who is joining the team, or enter the details of someone without an account",
            )),
            (None, true) => {
                for (field, text, what) in [
                    ("name", &self.name, "their name"),
                    ("agency_name", &self.agency_name, "their agency or organisation"),
                    ("role", &self.role, "their role"),
                    ("contact", &self.contact, "how to contact them"),
                ] {
                    if text.trim().is_empty() {
                        problems.push(problem(field, format!("Enter {what}")));
                    } else if too_long(text, MAX_NAME) {
                        problems.push(problem(field, format!("Use {MAX_NAME} characters or fewer")));
                    }
                }
            }
        }
        problems
    }
}

/// The day someone leaves: on or after they joined, and not in the future.
pub fn leaving_problem(
    joined_on: NaiveDate,
    left_on: NaiveDate,
    today: NaiveDate,
) -> Option<TeamProblem> {
    if left_on > today {
        Some(problem(
            "left_on",
            "The date they left must be today or in the past",
        ))
    } else if left_on < joined_on {
        Some(problem(
            "left_on",
            format!(
                "The date they left must be on or after they joined ({})",
                joined_on.format("%-d %B %Y")
            ),
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_lead_decision_needs_both_views_and_a_reason_to_change() {
        let decision = LeadDecision {
            choice: LeadChoice::Appointed { user_id: 3 },
            on: day(20),
            reason: String::new(),
            family_view: "Sarah is happy with Sam".into(),
            child_view: " ".into(),
        };
        let fields = |d: &LeadDecision, has_lead| {
            d.problems(has_lead, day(25))
                .into_iter()
                .map(|p| p.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(&decision, false), ["child_view"]);
        assert_eq!(fields(&decision, true), ["reason", "child_view"]);
        let later = LeadDecision {
            on: day(26),
            child_view: "Amelia likes Sam".into(),
            ..decision
        };
        assert_eq!(fields(&later, false), ["on"]);
    }

    #[test]
    fn a_member_is_an_account_or_full_details_never_both() {
        let joined_on = day(20);
        let fields = |m: &NewMember| {
            m.problems(day(25))
                .into_iter()
                .map(|p| p.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(&NewMember {
                user_id: Some(4),
                joined_on,
                ..Default::default()
            }),
            Vec::<&str>::new()
        );
        assert_eq!(
            fields(&NewMember {
                joined_on,
                ..Default::default()
            }),
            ["user_id"]
        );
        let partial = NewMember {
            name: "Pat Jones".into(),
            role: "Family support worker".into(),
            joined_on,
            ..Default::default()
        };
        assert_eq!(fields(&partial), ["agency_name", "contact"]);
        let both = NewMember {
            user_id: Some(4),
            ..partial
        };
        assert_eq!(fields(&both), ["user_id"]);
    }

    #[test]
    fn leaving_is_after_joining_and_not_in_the_future() {
        assert!(leaving_problem(day(10), day(10), day(25)).is_none());
        assert!(leaving_problem(day(10), day(9), day(25))
            .unwrap()
            .message
            .contains("10 November 2026"));
        assert_eq!(
            leaving_problem(day(10), day(26), day(25)).unwrap().field,
            "left_on"
        );
    }
}
