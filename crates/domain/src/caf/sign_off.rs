//! Manager sign-off, where the authority switches it on: the assessment, the plan or the
//! closure goes to the practitioner's line manager (or deputy), who approves it — and only
//! then does it take effect — or returns it with comments.
//!
//! While a request waits, what it is about is held still: the assessment's sections for the
//! assessment, the plan's actions for the plan; a closure carries its own reason and summary.
//! So the manager approves exactly what they read, and an approval never applies to
//! something changed after it was sent.
use super::closure::Closure;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The longest comments a manager may return a request with.
pub const MAX_COMMENTS_CHARS: usize = 2_000;

/// What may need a manager's sign-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffStep {
    Assessment,
    Plan,
    Closure,
}

impl SignOffStep {
    pub const ALL: [SignOffStep; 3] = [Self::Assessment, Self::Plan, Self::Closure];

    /// The code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Assessment => "assessment",
            Self::Plan => "plan",
            Self::Closure => "closure",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// What is signed off, as a practitioner reads it ("the assessment").
    pub fn label(self) -> &'static str {
        match self {
            Self::Assessment => "the assessment",
            Self::Plan => "the plan",
            Self::Closure => "the closure",
        }
    }

    /// The step itself, as a practitioner would take it without sign-off.
    pub fn action(self) -> &'static str {
        match self {
            Self::Assessment => "sign off the assessment",
            Self::Plan => "agree the plan",
            Self::Closure => "record the closure",
        }
    }
}

/// A step as sent: what it needs to take effect when it is approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum SignOffAsked {
    /// Sign off the assessment (freezing version 1).
    Assessment,
    /// Agree the plan, with its first review on this day.
    Plan { review_on: NaiveDate },
    /// Close the CAF.
    Closure { closure: Closure },
}

impl SignOffAsked {
    pub fn step(&self) -> SignOffStep {
        match self {
            Self::Assessment => SignOffStep::Assessment,
            Self::Plan { .. } => SignOffStep::Plan,
            Self::Closure { .. } => SignOffStep::Closure,
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Waiting,
    Approved,
    Returned,
    /// The CAF closed while it waited, so there is nothing left to sign off.
    Withdrawn,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 4] = [
        Self::Waiting,
        Self::Approved,
        Self::Returned,
        Self::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Approved => "approved",
            Self::Returned => "returned",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Why a manager's comments are refused: a return must say what to change.
pub fn comments_problem(comments: &str) -> Option<String> {
    let comments = comments.trim();
    if comments.is_empty() {
        Some("Enter what needs to change before it can be signed off".into())
    } else if comments.chars().count() > MAX_COMMENTS_CHARS {
        Some(format!(
            "Comments must be {MAX_COMMENTS_CHARS} characters or fewer"
        ))
    } else {
        None
    }
}

/// Who may decide a request: the sender's line manager or deputy, never the sender.
pub fn may_decide(
    actor_id: i64,
    sender_id: i64,
    line_manager_id: Option<i64>,
    deputy_id: Option<i64>,
) -> bool {
    actor_id != sender_id && (line_manager_id == Some(actor_id) || deputy_id == Some(actor_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in SignOffStep::ALL {
            assert_eq!(SignOffStep::parse(s.code()), Some(s));
        }
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.code()), Some(s));
        }
        assert_eq!(SignOffStep::parse("review"), None);
    }

    #[test]
    fn only_the_senders_line_manager_or_deputy_decides() {
        // (actor, sender, line manager, deputy, may decide)
        let table = [
            (2, 1, Some(2), None, true),
            (3, 1, Some(2), Some(3), true),
            (4, 1, Some(2), Some(3), false),
            (1, 1, Some(1), None, false),
            (2, 1, None, None, false),
        ];
        for (actor, sender, manager, deputy, expected) in table {
            assert_eq!(
                may_decide(actor, sender, manager, deputy),
                expected,
                "{actor} {sender} {manager:?} {deputy:?}"
            );
        }
    }

    #[test]
    fn a_return_needs_comments_within_the_limit() {
        assert!(comments_problem("  ").is_some());
        assert!(comments_problem(&"a".repeat(MAX_COMMENTS_CHARS + 1)).is_some());
        assert_eq!(comments_problem("Add the school's view"), None);
    }

    #[test]
    fn what_is_asked_names_its_step_and_round_trips() {
        let plan = SignOffAsked::Plan {
            review_on: NaiveDate::from_ymd_opt(2027, 1, 6).unwrap(),
        };
        assert_eq!(plan.step(), SignOffStep::Plan);
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<SignOffAsked>(&json).unwrap(), plan);
        assert_eq!(SignOffAsked::Assessment.step(), SignOffStep::Assessment);
    }
}
