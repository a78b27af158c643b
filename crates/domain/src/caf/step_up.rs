//! Stepping up: when needs are beyond early help, the practitioner telephones a referral to
//! children's social care (or the youth justice service, CAMHS, tier 4 mental health) and
//! follows it in writing within 48 hours, shared with the family's consent or under a
//! recorded exception. The CAF stays open until the receiving service confirms it has taken
//! over; then it closes with that reason.
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The services a CAF steps up to.
pub const SERVICES: &[(&str, &str)] = &[
    ("childrens_social_care", "Children's social care"),
    ("youth_justice", "Youth justice service"),
    (
        "camhs",
        "Child and adolescent mental health service (CAMHS)",
    ),
    (
        "tier4_mental_health",
        "Tier 4 (inpatient) mental health service",
    ),
];

/// The closure reason a confirmed takeover closes with (one of the default closure reasons).
pub const TAKEOVER_CLOSURE_REASON: &str = "stepped_up";

/// The telephone referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub service: String,
    pub referred_on: NaiveDate,
    /// Whom the practitioner spoke to.
    pub to_whom: String,
    pub why: String,
    /// `true` if the family consented to the referral's information being shared; otherwise
    /// a decision to share without consent must already be recorded on the CAF.
    pub with_consent: bool,
}

/// The receiving service's confirmation that it has taken over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Takeover {
    pub confirmed_on: NaiveDate,
    /// Who confirmed it, at the receiving service.
    pub confirmed_by: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpProblem {
    pub field: &'static str,
    pub message: String,
}

pub const MAX_TEXT: usize = 4_000;

fn problem(field: &'static str, message: impl Into<String>) -> StepUpProblem {
    StepUpProblem {
        field,
        message: message.into(),
    }
}

pub fn service_label(code: &str) -> &'static str {
    SERVICES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("another service", |(_, label)| label)
}

impl Referral {
    /// When the written follow-up of the telephone referral is due: within 48 hours.
    pub fn follow_up_due(&self) -> NaiveDate {
        self.referred_on + Duration::days(2)
    }

    pub fn problems(&self, today: NaiveDate) -> Vec<StepUpProblem> {
        let mut problems = vec![];
        if !SERVICES.iter().any(|(c, _)| *c == self.service) {
            problems.push(problem(
                "service",
                "Select the service the CAF is stepped up to",
            ));
        }
        if self.referred_on > today {
            problems.push(problem(
                "referred_on",
                "The date of the referral must be today or in the past",
            ));
        }
        for (field, text, what) in [
            ("to_whom", &self.to_whom, "whom you spoke to"),
            ("why", &self.why, "why the needs are beyond early help"),
        ] {
            if text.trim().is_empty() {
                problems.push(problem(field, format!("Enter {what}")));
            } else if text.chars().count() > MAX_TEXT {
                problems.push(problem(
                    field,
                    format!("Use {MAX_TEXT} characters or fewer"),
                ));
            }
        }
        problems
    }
}

impl Takeover {
    /// `referred_on` is the referral's date: a takeover cannot come before it.
    pub fn problems(&self, referred_on: NaiveDate, today: NaiveDate) -> Vec<StepUpProblem> {
        let mut problems = vec![];
        if self.confirmed_on > today {
            problems.push(problem(
                "confirmed_on",
                "The date of the confirmation must be today or in the past",
            ));
        } else if self.confirmed_on < referred_on {
            problems.push(problem(
                "confirmed_on",
                format!(
                    "The takeover cannot be confirmed before the referral ({})",
                    referred_on.format("%-d %B %Y")
                ),
            ));
        }
        if self.confirmed_by.trim().is_empty() {
            problems.push(problem(
                "confirmed_by",
                "Enter who confirmed it at the receiving service",
            ));
        }
        if self.confirmed_by.chars().count() > 200 || self.notes.chars().count() > MAX_TEXT {
            problems.push(problem("notes", "The confirmation is too long"));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_referral_names_the_service_whom_and_why_and_is_followed_up_in_48_hours() {
        let referral = Referral {
            service: "childrens_social_care".into(),
            referred_on: day(20),
            to_whom: "Duty social worker, front door".into(),
            why: " ".into(),
            with_consent: true,
        };
        assert_eq!(referral.follow_up_due(), day(22));
        let fields: Vec<_> = referral
            .problems(day(25))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["why"]);
        let wrong = Referral {
            service: "police".into(),
            referred_on: day(26),
            why: "x".into(),
            ..referral
        };
        let fields: Vec<_> = wrong
            .problems(day(25))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["service", "referred_on"]);
    }

    #[test]
    fn a_takeover_comes_after_the_referral_and_names_who_confirmed_it() {
        let takeover = Takeover {
            confirmed_on: day(19),
            confirmed_by: String::new(),
            notes: String::new(),
        };
        let problems = takeover.problems(day(20), day(25));
        assert!(problems[0].message.contains("20 November 2026"));
        assert_eq!(problems[1].field, "confirmed_by");
    }
}
