//! A review of the plan: when and how it was held, who was there, whether the actions were
//! undertaken and how each went, how things have changed, the Parent/Child Indicators scored
//! again, consent re-sought, the family's and the child's views, the feedback offer, and the
//! decision (carry on to the next review, step up, or close). Pure rules; the store checks
//! the actions and indicators against the CAF and freezes the next version.
use super::meeting::{Attendee, MAX_NAME, MAX_ROWS, MAX_TEXT};
use super::plan::review_date_problems;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How the review was held (the lead professional chairs it either way).
pub const SETTINGS: &[(&str, &str)] = &[
    ("review_meeting", "At a review meeting of the team"),
    (
        "other_meeting",
        "At another meeting (for example an IEP review)",
    ),
    ("informal", "Informally, without a meeting"),
];

/// "Have the actions been undertaken?"
pub const UNDERTAKEN: &[(&str, &str)] = &[("yes", "Yes"), ("some", "Some of them"), ("no", "No")];

/// What the review decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Carry on with the plan until the next review.
    Continue,
    /// Needs have risen: step up to a specialist or statutory service.
    StepUp,
    /// Close the CAF.
    Close,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Continue, Decision::StepUp, Decision::Close];

    pub fn code(self) -> &'static str {
        match self {
            Decision::Continue => "continue",
            Decision::StepUp => "step_up",
            Decision::Close => "close",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Continue => "Carry on with the plan and review it again",
            Decision::StepUp => "Step up to a specialist or statutory service",
            Decision::Close => "Close the CAF",
        }
    }

    pub fn parse(code: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.code() == code)
    }
}

/// How one action on the plan went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionProgress {
    pub action_id: i64,
    pub progress: String,
}

/// A Parent/Child Indicator scored again (or scored for the first time at this review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rescore {
    pub need: String,
    pub score: Option<i64>,
}

/// Whether consent to share was asked for again, and the agencies the family now agrees to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "resought", rename_all = "snake_case")]
pub enum ConsentCheck {
    /// Asked again: the family agrees to share with these agencies from the review on.
    #[serde(rename = "yes")]
    Resought { agencies: BTreeSet<i64> },
    /// Not asked this time, and why.
    #[serde(rename = "no")]
    NotResought { why: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub held_on: NaiveDate,
    pub setting: String,
    /// Who chaired it: the lead professional, usually.
    pub chair: String,
    pub present: Vec<Attendee>,
    pub undertaken: String,
    #[serde(default)]
    pub progress: Vec<ActionProgress>,
    /// How things have improved, or not.
    pub improvements: String,
    pub scores: Vec<Rescore>,
    pub consent: ConsentCheck,
    pub family_view: String,
    pub child_view: String,
    pub feedback_offered: Option<bool>,
    pub decision: Option<Decision>,
    /// When the plan is next reviewed, if the review carries it on.
    #[serde(default)]
    pub next_review_on: Option<NaiveDate>,
}

/// A problem on a field, named as the page's control (`pci_score-2`, `progress-14`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewProblem {
    pub field: String,
    pub message: String,
}

/// The least and most concern a family can score.
pub const SCORES: std::ops::RangeInclusive<i64> = 1..=5;

fn label<'a>(list: &'a [(&str, &str)], code: &str) -> Option<&'a str> {
    list.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

impl Review {
    pub fn setting_label(&self) -> &'static str {
        label(SETTINGS, &self.setting).unwrap_or("")
    }

    pub fn undertaken_label(&self) -> &'static str {
        label(UNDERTAKEN, &self.undertaken).unwrap_or("")
    }

    /// Every problem. `since` is the day the plan was agreed or last reviewed: a review
    /// cannot come before it. The next review must be after today and no more than
    /// `max_weeks` after this one.
    pub fn problems(
        &self,
        today: NaiveDate,
        since: NaiveDate,
        max_weeks: i64,
    ) -> Vec<ReviewProblem> {
        let mut problems = vec![];
        let mut add =
            |field: String, message: String| problems.push(ReviewProblem { field, message });
        if self.held_on > today {
            add(
                "held_on-day".into(),
                "The date of the review must be today or in the past".into(),
            );
        } else if self.held_on < since {
            add(
                "held_on-day".into(),
                format!(
                    "The date of the review must be on or after {}, when the plan was agreed or last reviewed",
                    since.format("%-d %B %Y")
                ),
            );
        }
        if label(SETTINGS, &self.setting).is_none() {
            add("setting".into(), "Select how the review was held".into());
        }
        if self.chair.trim().is_empty() || self.chair.chars().count() > MAX_NAME {
            add(
                "chair".into(),
                format!("Enter who chaired the review, in {MAX_NAME} characters or fewer"),
            );
        }
        if self.present.is_empty() {
            add(
                "attendee_name-1".into(),
                "Enter at least one person who took part in the review".into(),
            );
        }
        if self.present.len() > MAX_ROWS {
            add(
                "attendee_name-1".into(),
                format!("List {MAX_ROWS} people or fewer"),
            );
        }
        for (i, a) in self.present.iter().enumerate() {
            let n = i + 1;
            if a.name.trim().is_empty() || a.name.chars().count() > MAX_NAME {
                add(
                    format!("attendee_name-{n}"),
                    format!("Enter the name of person {n}, in {MAX_NAME} characters or fewer"),
                );
            }
            if a.agency.trim().is_empty() || a.agency.chars().count() > MAX_NAME {
                add(
                    format!("attendee_agency-{n}"),
                    format!("Enter the agency or relationship to the child of person {n}"),
                );
            }
        }
        if label(UNDERTAKEN, &self.undertaken).is_none() {
            add(
                "undertaken".into(),
                "Select whether the actions have been undertaken".into(),
            );
        }
        for p in &self.progress {
            if p.progress.chars().count() > MAX_TEXT {
                add(
                    format!("progress-{}", p.action_id),
                    format!("The progress must be {MAX_TEXT} characters or fewer"),
                );
            }
        }
        for (field, text, missing) in [
            (
                "improvements",
                &self.improvements,
                "Enter how things have improved, or not",
            ),
            (
                "family_view",
                &self.family_view,
                "Enter the family's view of the review",
            ),
            (
                "child_view",
                &self.child_view,
                "Enter the child's view, or why they could not give one",
            ),
        ] {
            if text.trim().is_empty() {
                add(field.into(), missing.into());
            } else if text.chars().count() > MAX_TEXT {
                add(
                    field.into(),
                    format!("This must be {MAX_TEXT} characters or fewer"),
                );
            }
        }
        if self.scores.is_empty() {
            add(
                "pci_score-1".into(),
                "Score at least one Parent/Child Indicator with the family".into(),
            );
        }
        if self.scores.len() > MAX_ROWS {
            add(
                "pci_need-1".into(),
                format!("Score {MAX_ROWS} Parent/Child Indicators or fewer"),
            );
        }
        let mut needs = BTreeSet::new();
        for (i, s) in self.scores.iter().enumerate() {
            let n = i + 1;
            let need = s.need.trim();
            if need.is_empty() || need.chars().count() > MAX_NAME {
                add(
                    format!("pci_need-{n}"),
                    format!("Enter the need that Parent/Child Indicator {n} scores"),
                );
            } else if !needs.insert(need.to_lowercase()) {
                add(
                    format!("pci_need-{n}"),
                    format!("“{need}” is scored twice: score each need once"),
                );
            }
            if !s.score.is_some_and(|v| SCORES.contains(&v)) {
                add(
                    format!("pci_score-{n}"),
                    format!(
                        "The score for “{}” must be a whole number from 1 (least concern) to 5 (most concern)",
                        if need.is_empty() { "this need" } else { need }
                    ),
                );
            }
        }
        if let ConsentCheck::NotResought { why } = &self.consent {
            if why.trim().is_empty() {
                add(
                    "consent_why".into(),
                    "Say why consent to share was not asked for again".into(),
                );
            }
        }
        if self.feedback_offered.is_none() {
            add(
                "feedback_offered".into(),
                "Select whether the family was offered the feedback questionnaire".into(),
            );
        }
        match (self.decision, self.next_review_on) {
            (None, _) => add("decision".into(), "Select what the review decided".into()),
            (Some(Decision::Continue), None) => add(
                "next_review_on-day".into(),
                "Enter the date of the next review".into(),
            ),
            (Some(Decision::Continue), Some(next)) if next <= today => add(
                "next_review_on-day".into(),
                "The date of the next review must be in the future".into(),
            ),
            (Some(Decision::Continue), Some(next)) => {
                if let Some(why) = review_date_problems(self.held_on, next, max_weeks) {
                    add(
                        "next_review_on-day".into(),
                        why.replace("the plan is agreed", "this review"),
                    );
                }
            }
            _ => {}
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caf::plan::MAX_REVIEW_WEEKS;

    fn day(d: u32, m: u32, y: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn good() -> Review {
        Review {
            held_on: day(10, 1, 2027),
            setting: "review_meeting".into(),
            chair: "Sam Patel".into(),
            present: vec![Attendee {
                name: "Laura Hughes".into(),
                agency: "Mother".into(),
            }],
            undertaken: "some".into(),
            progress: vec![ActionProgress {
                action_id: 3,
                progress: "Bedtime routine in place four nights a week".into(),
            }],
            improvements: "Amelia is sleeping better".into(),
            scores: vec![Rescore {
                need: "Sleep".into(),
                score: Some(3),
            }],
            consent: ConsentCheck::Resought {
                agencies: [1, 2].into(),
            },
            family_view: "Things are calmer".into(),
            child_view: "I like my new bedtime".into(),
            feedback_offered: Some(true),
            decision: Some(Decision::Continue),
            next_review_on: Some(day(21, 2, 2027)),
        }
    }

    fn fields(review: &Review) -> Vec<String> {
        review
            .problems(day(10, 1, 2027), day(1, 12, 2026), MAX_REVIEW_WEEKS)
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn a_complete_review_has_no_problems() {
        assert!(fields(&good()).is_empty(), "{:?}", fields(&good()));
    }

    #[test]
    fn each_missing_part_is_named() {
        let empty = Review {
            setting: String::new(),
            chair: " ".into(),
            present: vec![],
            undertaken: "maybe".into(),
            improvements: String::new(),
            scores: vec![],
            consent: ConsentCheck::NotResought { why: " ".into() },
            family_view: String::new(),
            child_view: String::new(),
            feedback_offered: None,
            decision: None,
            ..good()
        };
        assert_eq!(
            fields(&empty),
            [
                "setting",
                "chair",
                "attendee_name-1",
                "undertaken",
                "improvements",
                "family_view",
                "child_view",
                "pci_score-1",
                "consent_why",
                "feedback_offered",
                "decision"
            ]
        );
    }

    #[test]
    fn the_review_is_dated_between_the_plan_and_today() {
        let future = Review {
            held_on: day(11, 1, 2027),
            ..good()
        };
        assert_eq!(fields(&future), ["held_on-day"]);
        let before_plan = Review {
            held_on: day(30, 11, 2026),
            ..good()
        };
        let problems = before_plan.problems(day(10, 1, 2027), day(1, 12, 2026), MAX_REVIEW_WEEKS);
        assert_eq!(
            problems[0].message,
            "The date of the review must be on or after 1 December 2026, when the plan was agreed or last reviewed"
        );
    }

    #[test]
    fn the_next_review_is_in_the_future_and_within_the_maximum() {
        let missing = Review {
            next_review_on: None,
            ..good()
        };
        assert_eq!(fields(&missing), ["next_review_on-day"]);
        let past = Review {
            next_review_on: Some(day(10, 1, 2027)),
            ..good()
        };
        assert_eq!(fields(&past), ["next_review_on-day"]);
        let too_far = Review {
            next_review_on: Some(day(12, 4, 2027)),
            ..good()
        };
        let problems = too_far.problems(day(10, 1, 2027), day(1, 12, 2026), MAX_REVIEW_WEEKS);
        assert_eq!(
            problems[0].message,
            "The review date must be no later than 11 April 2027 (13 weeks after this review)"
        );
        let closing = Review {
            decision: Some(Decision::Close),
            next_review_on: None,
            ..good()
        };
        assert!(fields(&closing).is_empty());
    }

    #[test]
    fn each_indicator_is_scored_once_from_one_to_five() {
        let review = Review {
            scores: vec![
                Rescore {
                    need: "Sleep".into(),
                    score: Some(6),
                },
                Rescore {
                    need: "sleep".into(),
                    score: Some(2),
                },
                Rescore {
                    need: String::new(),
                    score: None,
                },
            ],
            ..good()
        };
        assert_eq!(
            fields(&review),
            ["pci_score-1", "pci_need-2", "pci_need-3", "pci_score-3"]
        );
    }

    #[test]
    fn the_consent_check_reads_as_the_api_writes_it() {
        let yes: ConsentCheck =
            serde_json::from_str(r#"{"resought":"yes","agencies":[2,1]}"#).unwrap();
        assert_eq!(
            yes,
            ConsentCheck::Resought {
                agencies: [1, 2].into()
            }
        );
        let no: ConsentCheck =
            serde_json::from_str(r#"{"resought":"no","why":"Mother not at the review"}"#).unwrap();
        assert!(matches!(no, ConsentCheck::NotResought { .. }));
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.code()), Some(d));
        }
    }
}
