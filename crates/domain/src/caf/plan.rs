//! The SMART action plan: each action says what will actually be done, who does it, by
//! when, the outcome it aims at, and where it stands. Pure rules; the store checks the
//! owner belongs to the CAF and the family's consent names the owner's agency.
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// A plan is reviewed no later than this many weeks after it is agreed (3 months).
pub const MAX_REVIEW_WEEKS: i64 = 13;
/// The review proposed when a plan is agreed: 6 weeks on, within the 6–8 weeks (or
/// half-termly) rhythm practice guidance sets.
pub const DEFAULT_REVIEW_WEEKS: i64 = 6;
/// More actions than this at once is asked about: can the family manage them all?
pub const MANY_ACTIONS: usize = 6;

/// Who will do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Owner {
    /// A member of the team around the family (`caf_team_members.id`).
    TeamMember { member_id: i64 },
    /// One of the children the CAF is about (their register record).
    Child { person_id: i64 },
    /// A parent or carer, by name.
    ParentOrCarer { name: String },
}

impl Owner {
    pub fn kind(&self) -> &'static str {
        match self {
            Owner::TeamMember { .. } => "team_member",
            Owner::Child { .. } => "child",
            Owner::ParentOrCarer { .. } => "parent_or_carer",
        }
    }
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    NotStarted,
    InProgress,
    Done,
    /// Not done, with the reason.
    NotDone,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::NotStarted,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::NotDone,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "not_started",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::NotDone => "not_done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "Not started",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Done => "Done",
            ActionStatus::NotDone => "Not done",
        }
    }

    pub fn parse(code: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Done or not done: nothing more is expected of it.
    pub fn is_finished(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::NotDone)
    }
}

/// An action as proposed, before the store checks the owner against the CAF.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAction {
    pub what: String,
    pub owner: Option<Owner>,
    pub due_on: Option<NaiveDate>,
    /// A waiting list the action depends on ("about 12 weeks for CAMHS").
    #[serde(default)]
    pub waiting_list: String,
    pub outcome: String,
}

/// One field that cannot be saved, named as the API and the pages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        field,
        message: message.into(),
    }
}

/// The longest an action's texts may be.
pub const MAX_TEXT_CHARS: usize = 2_000;

impl NewAction {
    /// Every problem, field by field; none means it may be added.
    pub fn problems(&self, today: NaiveDate) -> Vec<Problem> {
        let mut problems = vec![];
        let what = self.what.trim();
        if what.is_empty() {
            problems.push(problem("what", "Enter what will be done"));
        } else if only_a_referral(what) {
            problems.push(problem(
                "what",
                "Say what will actually be done, not only who is referred to: for example, “Meet Laura weekly to set up a bedtime routine”",
            ));
        }
        match &self.owner {
            None => problems.push(problem("owner", "Select who will do it")),
            Some(Owner::ParentOrCarer { name }) if name.trim().is_empty() => {
                problems.push(problem(
                    "owner_name",
                    "Enter the name of the parent or carer who will do it",
                ))
            }
            Some(_) => {}
        }
        match self.due_on {
            None => problems.push(problem("due_on", "Enter the date it will be done by")),
            Some(due) if due < today => problems.push(problem(
                "due_on",
                "The date it will be done by must be today or in the future",
            )),
            Some(_) => {}
        }
        if self.outcome.trim().is_empty() {
            problems.push(problem("outcome", "Enter the outcome it aims at"));
        }
        for (field, text) in [
            ("what", &self.what),
            ("waiting_list", &self.waiting_list),
            ("outcome", &self.outcome),
        ] {
            if text.chars().count() > MAX_TEXT_CHARS {
                problems.push(problem(
                    field,
                    format!("This must be {MAX_TEXT_CHARS} characters or fewer"),
                ));
            }
        }
        problems
    }
}

/// "Refer to CAMHS" names a service, not what will happen for the family. The rule is kept
/// simple on purpose: a text that starts with "refer" and is no longer than five words says
/// nothing more than the referral; any longer description (what the referral is for, what
/// the worker will do meanwhile) passes, since judging it further is the manager's job.
fn only_a_referral(what: &str) -> bool {
    let lower = what.to_lowercase();
    lower.starts_with("refer") && lower.split_whitespace().count() <= 5
}

/// A change of status, with the reason when it was not done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: ActionStatus,
    #[serde(default)]
    pub reason: String,
}

impl StatusChange {
    pub fn problems(&self) -> Vec<Problem> {
        if self.status == ActionStatus::NotDone && self.reason.trim().is_empty() {
            vec![problem("reason", "Say why it was not done")]
        } else if self.reason.chars().count() > MAX_TEXT_CHARS {
            vec![problem(
                "reason",
                format!("The reason must be {MAX_TEXT_CHARS} characters or fewer"),
            )]
        } else {
            vec![]
        }
    }
}

/// Past its date and still expected.
pub fn is_overdue(due_on: NaiveDate, status: ActionStatus, today: NaiveDate) -> bool {
    due_on < today && !status.is_finished()
}

/// More actions than a family can usually take on at once.
pub fn too_many(actions: usize) -> bool {
    actions > MANY_ACTIONS
}

/// The review proposed for a plan agreed on `agreed_on`.
pub fn default_review_date(agreed_on: NaiveDate) -> NaiveDate {
    agreed_on + Duration::weeks(DEFAULT_REVIEW_WEEKS)
}

/// Why `review_on` cannot be the review of a plan agreed on `agreed_on`, if it cannot: it
/// must come after the plan, and no later than `max_weeks` after it.
pub fn review_date_problems(
    agreed_on: NaiveDate,
    review_on: NaiveDate,
    max_weeks: i64,
) -> Option<String> {
    let latest = agreed_on + Duration::weeks(max_weeks);
    if review_on <= agreed_on {
        Some("The review date must be after the date the plan is agreed".into())
    } else if review_on > latest {
        Some(format!(
            "The review date must be no later than {} ({max_weeks} weeks after the plan is agreed)",
            latest.format("%-d %B %Y")
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn good() -> NewAction {
        NewAction {
            what: "Meet Laura weekly to set up a bedtime routine".into(),
            owner: Some(Owner::ParentOrCarer {
                name: "Laura Hughes".into(),
            }),
            due_on: Some(day(15, 12)),
            waiting_list: String::new(),
            outcome: "Amelia is in bed by 8pm on school nights".into(),
        }
    }

    fn fields(action: &NewAction) -> Vec<&'static str> {
        action
            .problems(day(1, 12))
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn a_complete_action_has_no_problems() {
        assert!(fields(&good()).is_empty());
    }

    #[test]
    fn each_missing_part_is_named() {
        let empty = NewAction::default();
        assert_eq!(fields(&empty), ["what", "owner", "due_on", "outcome"]);
        let unnamed = NewAction {
            owner: Some(Owner::ParentOrCarer { name: " ".into() }),
            ..good()
        };
        assert_eq!(fields(&unnamed), ["owner_name"]);
        let past = NewAction {
            due_on: Some(day(30, 11)),
            ..good()
        };
        assert_eq!(fields(&past), ["due_on"]);
        let today = NewAction {
            due_on: Some(day(1, 12)),
            ..good()
        };
        assert!(fields(&today).is_empty());
    }

    #[test]
    fn a_referral_alone_is_not_an_action() {
        for only in [
            "Refer to CAMHS",
            "refer to the school nurse",
            "Referral to Relate",
        ] {
            let action = NewAction {
                what: only.into(),
                ..good()
            };
            let problems = action.problems(day(1, 12));
            assert_eq!(problems.len(), 1, "{only}");
            assert!(problems[0].message.contains("actually be done"));
        }
        let described = NewAction {
            what: "Refer to CAMHS for an assessment of Amelia's anxiety, and meet her weekly until seen".into(),
            ..good()
        };
        assert!(fields(&described).is_empty());
    }

    #[test]
    fn not_done_needs_a_reason() {
        let bare = StatusChange {
            status: ActionStatus::NotDone,
            reason: String::new(),
        };
        assert_eq!(bare.problems()[0].field, "reason");
        let done = StatusChange {
            status: ActionStatus::Done,
            reason: String::new(),
        };
        assert!(done.problems().is_empty());
    }

    #[test]
    fn overdue_is_past_its_date_and_unfinished() {
        let today = day(10, 12);
        assert!(is_overdue(day(9, 12), ActionStatus::InProgress, today));
        assert!(is_overdue(day(9, 12), ActionStatus::NotStarted, today));
        assert!(!is_overdue(day(10, 12), ActionStatus::NotStarted, today));
        assert!(!is_overdue(day(9, 12), ActionStatus::Done, today));
        assert!(!is_overdue(day(9, 12), ActionStatus::NotDone, today));
    }

    #[test]
    fn more_than_six_actions_is_too_many() {
        assert!(!too_many(6));
        assert!(too_many(7));
    }

    #[test]
    fn the_review_comes_after_the_plan_and_within_the_maximum() {
        let agreed = day(1, 12);
        assert_eq!(
            default_review_date(agreed),
            NaiveDate::from_ymd_opt(2027, 1, 12).unwrap()
        );
        assert!(
            review_date_problems(agreed, default_review_date(agreed), MAX_REVIEW_WEEKS).is_none()
        );
        assert!(review_date_problems(agreed, agreed, MAX_REVIEW_WEEKS)
            .unwrap()
            .contains("after"));
        let latest = agreed + Duration::weeks(MAX_REVIEW_WEEKS);
        assert!(review_date_problems(agreed, latest, MAX_REVIEW_WEEKS).is_none());
        assert_eq!(
            review_date_problems(agreed, latest + Duration::days(1), MAX_REVIEW_WEEKS).unwrap(),
            "The review date must be no later than 2 March 2027 (13 weeks after the plan is agreed)"
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in ActionStatus::ALL {
            assert_eq!(ActionStatus::parse(s.code()), Some(s));
        }
        assert_eq!(ActionStatus::parse("cancelled"), None);
    }
}
