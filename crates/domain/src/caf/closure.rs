//! Closing a CAF: one reason from the list in the CAF's wording, a closing summary (which
//! says what carries on after the CAF), and the date. A CAF left open for more than a year
//! is drifting: the early help team looks at it, since the plan should have been reviewed to
//! a close or a step up long before.
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The seeds' reasons for closing (Bolton's closure checklist, with "no longer relevant").
pub const DEFAULT_CLOSURE_REASONS: &[(&str, &str)] = &[
    (
        "outcomes_achieved",
        "Actions complete and outcomes achieved",
    ),
    ("no_longer_relevant", "No longer relevant"),
    ("moved_out_of_area", "Moved out of the area"),
    (
        "adult_services",
        "Reached adulthood or moved into adult services",
    ),
    (
        "stepped_up",
        "Needs now met by a specialist or statutory service (step up)",
    ),
    ("consent_withdrawn", "Consent withdrawn"),
    ("no_services", "No services available to meet the needs"),
    ("other", "Other (explain)"),
];

/// The reason whose words say nothing on their own, so it needs an explanation.
pub const OTHER: &str = "other";
pub const MAX_SUMMARY_CHARS: usize = 10_000;
pub const MAX_EXPLANATION_CHARS: usize = 2_000;
/// Open longer than this, a CAF is drifting.
pub const DRIFT_MONTHS: u32 = 12;

/// A closure as the lead professional records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub reason_code: String,
    /// Needed for "other"; optional otherwise.
    #[serde(default)]
    pub explanation: String,
    /// The closing summary, listing the actions that carry on.
    pub summary: String,
    pub on: NaiveDate,
}

/// Why a closure is refused, each on its own field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClosureError {
    #[error("select the reason for closing")]
    NoReason,
    #[error("select a reason for closing from the list")]
    UnknownReason,
    #[error("explain the reason for closing")]
    NoExplanation,
    #[error("the explanation must be {MAX_EXPLANATION_CHARS} characters or fewer")]
    ExplanationTooLong,
    #[error("enter the closing summary")]
    NoSummary,
    #[error("the closing summary must be {MAX_SUMMARY_CHARS} characters or fewer")]
    SummaryTooLong,
    #[error("the date of closure must be today or in the past")]
    InFuture,
    #[error("the date of closure must be on or after the day the CAF was opened")]
    BeforeOpened,
}

impl ClosureError {
    /// The field the problem is about (the form's control, the API's member).
    pub fn field(self) -> &'static str {
        match self {
            ClosureError::NoReason | ClosureError::UnknownReason => "reason",
            ClosureError::NoExplanation | ClosureError::ExplanationTooLong => "explanation",
            ClosureError::NoSummary | ClosureError::SummaryTooLong => "summary",
            ClosureError::InFuture | ClosureError::BeforeOpened => "closed_on",
        }
    }
}

impl Closure {
    /// Every problem with closing this way a CAF opened on `opened_on`, whose wording offers
    /// `reasons` (code, words); empty when it may close.
    pub fn problems(
        &self,
        reasons: &[(&str, &str)],
        opened_on: NaiveDate,
        today: NaiveDate,
    ) -> Vec<ClosureError> {
        let mut problems = vec![];
        let code = self.reason_code.trim();
        if code.is_empty() {
            problems.push(ClosureError::NoReason);
        } else if !reasons.iter().any(|(c, _)| *c == code) {
            problems.push(ClosureError::UnknownReason);
        }
        let explanation = self.explanation.trim().chars().count();
        if code == OTHER && explanation == 0 {
            problems.push(ClosureError::NoExplanation);
        } else if explanation > MAX_EXPLANATION_CHARS {
            problems.push(ClosureError::ExplanationTooLong);
        }
        let summary = self.summary.trim().chars().count();
        if summary == 0 {
            problems.push(ClosureError::NoSummary);
        } else if summary > MAX_SUMMARY_CHARS {
            problems.push(ClosureError::SummaryTooLong);
        }
        if self.on > today {
            problems.push(ClosureError::InFuture);
        } else if self.on < opened_on {
            problems.push(ClosureError::BeforeOpened);
        }
        problems
    }
}

/// Whether a CAF opened on `opened_on` and still open on `today` has been open for more than
/// [`DRIFT_MONTHS`].
pub fn is_drifting(opened_on: NaiveDate, today: NaiveDate) -> bool {
    opened_on
        .checked_add_months(Months::new(DRIFT_MONTHS))
        .is_some_and(|due| today > due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn closure(code: &str, explanation: &str, summary: &str, on: NaiveDate) -> Closure {
        Closure {
            reason_code: code.into(),
            explanation: explanation.into(),
            summary: summary.into(),
            on,
        }
    }

    const OPENED: (i32, u32, u32) = (2026, 3, 2);

    fn check(c: &Closure) -> Vec<ClosureError> {
        let (y, m, d) = OPENED;
        c.problems(DEFAULT_CLOSURE_REASONS, day(y, m, d), day(2026, 11, 25))
    }

    #[test]
    fn a_listed_reason_a_summary_and_a_past_date_close() {
        let ok = closure(
            "outcomes_achieved",
            "",
            "School attendance is above 95%; the school nurse carries on seeing Amelia.",
            day(2026, 11, 25),
        );
        assert_eq!(check(&ok), vec![]);
        assert_eq!(
            check(&closure(
                "other",
                "Family asked to pause",
                "None carry on",
                day(2026, 3, 2)
            )),
            vec![],
            "the day it opened is allowed"
        );
    }

    #[test]
    fn each_problem_is_named_on_its_field() {
        use ClosureError::*;
        let everything_wrong = closure(" ", "", "  ", day(2026, 11, 26));
        let problems = check(&everything_wrong);
        assert_eq!(problems, vec![NoReason, NoSummary, InFuture]);
        assert_eq!(
            problems.iter().map(|p| p.field()).collect::<Vec<_>>(),
            ["reason", "summary", "closed_on"]
        );
        assert_eq!(
            check(&closure("bored", "", "x", day(2026, 3, 1))),
            vec![UnknownReason, BeforeOpened]
        );
        assert_eq!(
            check(&closure("other", " ", "x", day(2026, 5, 1))),
            vec![NoExplanation]
        );
        assert_eq!(
            check(&closure(
                "no_services",
                &"e".repeat(MAX_EXPLANATION_CHARS + 1),
                &"s".repeat(MAX_SUMMARY_CHARS + 1),
                day(2026, 5, 1)
            )),
            vec![ExplanationTooLong, SummaryTooLong]
        );
        assert_eq!(
            check(&closure(
                "no_services",
                "",
                &"s".repeat(MAX_SUMMARY_CHARS),
                day(2026, 5, 1)
            )),
            vec![],
            "exactly the most is allowed"
        );
        assert_eq!(
            NoExplanation.to_string(),
            "explain the reason for closing",
            "plain words, made a sentence by the page"
        );
    }

    #[test]
    fn only_the_reasons_of_the_cafs_wording_count() {
        let c = closure("outcomes_achieved", "", "x", day(2026, 5, 1));
        let own = [("done", "Done")];
        assert_eq!(
            c.problems(&own, day(2026, 3, 2), day(2026, 11, 25)),
            vec![ClosureError::UnknownReason]
        );
    }

    #[test]
    fn drifting_is_open_for_more_than_twelve_months() {
        let opened = day(2025, 11, 25);
        assert!(!is_drifting(opened, day(2026, 11, 25)), "exactly a year");
        assert!(is_drifting(opened, day(2026, 11, 26)));
        assert!(!is_drifting(day(2026, 3, 2), day(2026, 11, 25)));
        assert!(
            is_drifting(day(2024, 2, 29), day(2025, 3, 1)),
            "a leap day's year ends on 28 February"
        );
    }
}
