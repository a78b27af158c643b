//! Consent in two stages, its withdrawal, and sharing without consent.
//!
//! 1. **Agreement to the CAF**, before anything of the assessment is saved: who agreed (the
//!    young person, or a parent or carer for them), when, and whether other agencies may be
//!    contacted while information is gathered.
//! 2. **Consent to store and share**, once the assessment and plan are agreed: who gave it,
//!    when, where the signed copy is kept, and the agencies that may receive the
//!    information — at least every agency with an action on the plan.
//!
//! Withdrawal takes effect on access at once and needs a recorded decision on significant
//! harm. A share without consent, or a decision not to share, rests on a configured basis
//! (the exceptions, the 2026 duty to share) and records who decided, why and when.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Who gave agreement or consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Giver {
    /// The young person in their own right.
    YoungPerson { name: String },
    /// A parent or carer (1 or 2 on the form).
    ParentOrCarer { name: String },
}

impl Giver {
    pub fn name(&self) -> &str {
        match self {
            Giver::YoungPerson { name } | Giver::ParentOrCarer { name } => name,
        }
    }
}

/// Stage 1: agreement to a CAF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub given_by: Giver,
    pub on: NaiveDate,
    /// Other agencies may be contacted while information is gathered.
    pub may_contact_agencies: bool,
}

/// Stage 2: consent to store and share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingConsent {
    /// Parent/carer 1 and 2 and the young person, as they signed.
    pub given_by: Vec<Giver>,
    pub on: NaiveDate,
    /// Where the signed copy is kept (for example "scanned to the school's file").
    pub signed_copy_kept: String,
    /// The agencies that may receive the information.
    pub agencies: BTreeSet<i64>,
}

/// Why consent was withdrawn (a configured list; these are the seeds' defaults).
pub const DEFAULT_WITHDRAWAL_REASONS: &[(&str, &str)] = &[
    ("disagrees_with_need", "Disagrees with the level of need"),
    ("needs_met", "Needs are now met"),
    ("can_meet_needs_alone", "Can meet the needs without support"),
    (
        "moved_away",
        "Moved away (an unplanned move counts as withdrawal)",
    ),
    ("other", "Other (explain)"),
];

/// The practitioner's decision on significant harm when consent is withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HarmDecision {
    /// The child is suffering, or at risk of, significant harm: safeguarding procedures apply.
    pub risk_of_significant_harm: bool,
    /// What was decided and why.
    pub reasoning: String,
}

/// A withdrawal of consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub on: NaiveDate,
    pub reason_code: String,
    pub explanation: String,
    pub harm_decision: HarmDecision,
}

/// Lawful bases for sharing without consent (a configured list; the defaults are the
/// seeds' exceptions and the Children's Wellbeing and Schools Act 2026 duty to share).
pub const DEFAULT_SHARING_BASES: &[(&str, &str)] = &[
    ("significant_harm", "The child is suffering, or is at risk of, significant harm"),
    (
        "prevent_harm",
        "To prevent significant harm to a child or serious harm to an adult",
    ),
    ("serious_crime", "To prevent, detect or prosecute serious crime"),
    (
        "duty_to_share",
        "Duty to share information relevant to a child's safeguarding or welfare (Children Act 2004, s.16LA)",
    ),
];

/// A decision to share without consent, or not to share: both are recorded as carefully.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingDecision {
    pub shared: bool,
    pub basis_code: String,
    pub reasoning: String,
    /// The agencies shared with (empty when not shared).
    pub with_agencies: BTreeSet<i64>,
    pub decided_on: NaiveDate,
}

/// What is wrong with a decision to share without consent, each on its own field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharingError {
    #[error("select the basis for the decision")]
    UnknownBasis,
    #[error("enter the reasoning for the decision")]
    NoReasoning,
    #[error("select the agencies the information was shared with")]
    NoAgencies,
    #[error("a decision not to share names no agencies shared with")]
    AgenciesNotShared,
    #[error("the date of the decision must be today or in the past")]
    FutureDate,
    /// Found by the store: the agency does not exist or is no longer active.
    #[error("there is no active agency {0}")]
    UnknownAgency(i64),
}

impl SharingError {
    /// The field of the decision the problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            SharingError::UnknownBasis => "basis_code",
            SharingError::NoReasoning => "reasoning",
            SharingError::NoAgencies
            | SharingError::AgenciesNotShared
            | SharingError::UnknownAgency(_) => "with_agencies",
            SharingError::FutureDate => "decided_on",
        }
    }
}

impl SharingDecision {
    /// Every problem with the decision, given the configured bases and today's date: a basis
    /// from the list, the reasoning, the agencies when (and only when) shared, and a date
    /// that has happened.
    pub fn problems(&self, bases: &[(&str, &str)], today: NaiveDate) -> Vec<SharingError> {
        let mut problems = vec![];
        if !bases.iter().any(|(code, _)| *code == self.basis_code) {
            problems.push(SharingError::UnknownBasis);
        }
        if self.reasoning.trim().is_empty() {
            problems.push(SharingError::NoReasoning);
        }
        match (self.shared, self.with_agencies.is_empty()) {
            (true, true) => problems.push(SharingError::NoAgencies),
            (false, false) => problems.push(SharingError::AgenciesNotShared),
            _ => {}
        }
        if self.decided_on > today {
            problems.push(SharingError::FutureDate);
        }
        problems
    }
}

/// Where a CAF's consent stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ConsentStatus {
    /// Nothing agreed: no content may be saved.
    NotAgreed,
    /// Agreed to the CAF; not yet to storing and sharing.
    Agreed,
    /// Consent to store and share with these agencies.
    Sharing(BTreeSet<i64>),
    /// Withdrawn on this date: access narrows at once.
    Withdrawn(NaiveDate),
}

/// What is wrong with consent for what someone tried to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("record the family's agreement to the CAF before saving anything of the assessment")]
    NoAgreement,
    #[error(
        "consent was withdrawn on {}: nothing more can be added until consent is given again",
        .0.format("%-d %B %Y")
    )]
    Withdrawn(NaiveDate),
    #[error("the consent to share does not name every agency with an action on the plan")]
    MissingAgencies(Vec<i64>),
    #[error("say who gave consent")]
    NoGiver,
    #[error("say where the signed copy is kept")]
    NoSignedCopy,
    #[error("record the decision on significant harm, with the reasoning")]
    NoHarmDecision,
    #[error("choose a reason from the list")]
    UnknownReason,
    #[error("explain the reason")]
    NoExplanation,
}

/// Content may be saved only after agreement and never after withdrawal.
pub fn may_save_content(status: &ConsentStatus) -> Result<(), ConsentError> {
    match status {
        ConsentStatus::NotAgreed => Err(ConsentError::NoAgreement),
        ConsentStatus::Withdrawn(on) => Err(ConsentError::Withdrawn(*on)),
        ConsentStatus::Agreed | ConsentStatus::Sharing(_) => Ok(()),
    }
}

impl SharingConsent {
    /// A consent that can be recorded for a plan whose actions are with `plan_agencies`.
    pub fn check(&self, plan_agencies: &BTreeSet<i64>) -> Result<(), ConsentError> {
        if self.given_by.is_empty() || self.given_by.iter().any(|g| g.name().trim().is_empty()) {
            return Err(ConsentError::NoGiver);
        }
        if self.signed_copy_kept.trim().is_empty() {
            return Err(ConsentError::NoSignedCopy);
        }
        let missing: Vec<i64> = plan_agencies.difference(&self.agencies).copied().collect();
        if !missing.is_empty() {
            return Err(ConsentError::MissingAgencies(missing));
        }
        Ok(())
    }
}

impl Withdrawal {
    /// A withdrawal that can be recorded, given the configured reason codes.
    pub fn check(&self, reasons: &[(&str, &str)]) -> Result<(), ConsentError> {
        if !reasons.iter().any(|(code, _)| *code == self.reason_code) {
            return Err(ConsentError::UnknownReason);
        }
        if self.reason_code == "other" && self.explanation.trim().is_empty() {
            return Err(ConsentError::NoExplanation);
        }
        if self.harm_decision.reasoning.trim().is_empty() {
            return Err(ConsentError::NoHarmDecision);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    fn consent(agencies: &[i64]) -> SharingConsent {
        SharingConsent {
            given_by: vec![Giver::ParentOrCarer {
                name: "Laura Hughes".into(),
            }],
            on: date(),
            signed_copy_kept: "Scanned to the school file".into(),
            agencies: agencies.iter().copied().collect(),
        }
    }

    #[test]
    fn nothing_is_saved_before_agreement_or_after_withdrawal() {
        assert_eq!(
            may_save_content(&ConsentStatus::NotAgreed),
            Err(ConsentError::NoAgreement)
        );
        assert_eq!(
            may_save_content(&ConsentStatus::Withdrawn(date())),
            Err(ConsentError::Withdrawn(date()))
        );
        assert!(may_save_content(&ConsentStatus::Agreed).is_ok());
        assert!(may_save_content(&ConsentStatus::Sharing(BTreeSet::new())).is_ok());
    }

    #[test]
    fn consent_to_share_names_every_agency_on_the_plan() {
        let plan: BTreeSet<i64> = [1, 2, 3].into();
        assert_eq!(
            consent(&[1, 3]).check(&plan),
            Err(ConsentError::MissingAgencies(vec![2]))
        );
        assert!(
            consent(&[1, 2, 3, 4]).check(&plan).is_ok(),
            "more is allowed"
        );
        let mut nobody = consent(&[1, 2, 3]);
        nobody.given_by.clear();
        assert_eq!(nobody.check(&plan), Err(ConsentError::NoGiver));
        let mut no_copy = consent(&[1, 2, 3]);
        no_copy.signed_copy_kept = " ".into();
        assert_eq!(no_copy.check(&plan), Err(ConsentError::NoSignedCopy));
    }

    #[test]
    fn a_decision_to_share_needs_a_basis_reasoning_and_agencies_only_when_shared() {
        let decision = |shared: bool, basis: &str, reasoning: &str, agencies: &[i64], day: u32| {
            SharingDecision {
                shared,
                basis_code: basis.into(),
                reasoning: reasoning.into(),
                with_agencies: agencies.iter().copied().collect(),
                decided_on: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            }
            .problems(DEFAULT_SHARING_BASES, date())
        };
        use SharingError::*;
        assert_eq!(decision(true, "significant_harm", "Bruising", &[2], 20), []);
        assert_eq!(
            decision(false, "duty_to_share", "More harm than good", &[], 19),
            []
        );
        assert_eq!(
            decision(true, "hunch", " ", &[], 21),
            [UnknownBasis, NoReasoning, NoAgencies, FutureDate]
        );
        assert_eq!(
            decision(false, "serious_crime", "x", &[2], 20),
            [AgenciesNotShared]
        );
        assert_eq!(
            [
                UnknownBasis,
                NoReasoning,
                NoAgencies,
                AgenciesNotShared,
                FutureDate
            ]
            .map(|e| e.field()),
            [
                "basis_code",
                "reasoning",
                "with_agencies",
                "with_agencies",
                "decided_on"
            ]
        );
    }

    #[test]
    fn withdrawal_needs_a_listed_reason_and_a_harm_decision() {
        let withdrawal = |code: &str, explanation: &str, reasoning: &str| Withdrawal {
            on: date(),
            reason_code: code.into(),
            explanation: explanation.into(),
            harm_decision: HarmDecision {
                risk_of_significant_harm: false,
                reasoning: reasoning.into(),
            },
        };
        let reasons = DEFAULT_WITHDRAWAL_REASONS;
        assert!(withdrawal("needs_met", "", "No concerns of harm")
            .check(reasons)
            .is_ok());
        assert_eq!(
            withdrawal("bored", "", "x").check(reasons),
            Err(ConsentError::UnknownReason)
        );
        assert_eq!(
            withdrawal("other", " ", "x").check(reasons),
            Err(ConsentError::NoExplanation)
        );
        assert_eq!(
            withdrawal("needs_met", "", "").check(reasons),
            Err(ConsentError::NoHarmDecision)
        );
    }
}
