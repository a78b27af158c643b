//! The lifecycle of a CAF episode as an explicit state machine.
//!
//! ```text
//! Draft ──sign off──▶ AssessmentSignedOff ──agree plan──▶ PlanInPlace ◀──continue── UnderReview
//!   │                        │                              │    └──start review──▶ │
//!   │                        │                              └──────step up────────▶ SteppedUp ──takeover confirmed──▶ Closed
//!   └───────── close (any open state, with a reason and a summary) ───────────────────────────▶ Closed
//! ```
//!
//! A closed CAF is final: reopening makes a new CAF linked to it. A change of owner (a
//! transfer, a handover) is an event in any open state, not a state of its own.
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a CAF is in its journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CafState {
    /// The family agreed to a CAF; the assessment is being written.
    Draft,
    /// The assessment is agreed and frozen as version 1.
    AssessmentSignedOff,
    /// The action plan is agreed and the team around the family is working.
    PlanInPlace,
    /// A review is being held.
    UnderReview,
    /// Referred to a specialist or statutory service; open until it confirms it has taken over.
    SteppedUp,
    Closed,
}

impl CafState {
    pub const ALL: [CafState; 6] = [
        CafState::Draft,
        CafState::AssessmentSignedOff,
        CafState::PlanInPlace,
        CafState::UnderReview,
        CafState::SteppedUp,
        CafState::Closed,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            CafState::Draft => "draft",
            CafState::AssessmentSignedOff => "assessment_signed_off",
            CafState::PlanInPlace => "plan_in_place",
            CafState::UnderReview => "under_review",
            CafState::SteppedUp => "stepped_up",
            CafState::Closed => "closed",
        }
    }

    /// What a practitioner reads.
    pub fn label(self) -> &'static str {
        match self {
            CafState::Draft => "Assessment in progress",
            CafState::AssessmentSignedOff => "Assessment signed off",
            CafState::PlanInPlace => "Plan in place",
            CafState::UnderReview => "Under review",
            CafState::SteppedUp => "Stepped up, awaiting takeover",
            CafState::Closed => "Closed",
        }
    }

    pub fn parse(code: &str) -> Option<CafState> {
        CafState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn is_open(self) -> bool {
        self != CafState::Closed
    }

    /// The state after `step`, or why it is refused from here.
    pub fn apply(self, step: Step) -> Result<CafState, Refused> {
        use CafState::*;
        let refuse = |reason: &'static str| {
            Err(Refused {
                from: self,
                step,
                reason,
            })
        };
        match (self, step) {
            (Closed, _) => {
                refuse("the CAF is closed; reopening it starts a new CAF linked to this one")
            }
            (Draft, Step::SignOffAssessment) => Ok(AssessmentSignedOff),
            (_, Step::SignOffAssessment) => refuse("the assessment has already been signed off"),
            (AssessmentSignedOff, Step::AgreePlan) => Ok(PlanInPlace),
            (Draft, Step::AgreePlan) => {
                refuse("the assessment must be signed off before a plan is agreed")
            }
            (_, Step::AgreePlan) => refuse("a plan is already in place"),
            (PlanInPlace, Step::StartReview) => Ok(UnderReview),
            (UnderReview, Step::StartReview) => refuse("a review is already being held"),
            (_, Step::StartReview) => refuse("a review needs an agreed plan to review"),
            (UnderReview, Step::ContinuePlan) => Ok(PlanInPlace),
            (_, Step::ContinuePlan) => refuse("only a review decides to continue the plan"),
            (PlanInPlace | UnderReview, Step::StepUp) => Ok(SteppedUp),
            (SteppedUp, Step::StepUp) => refuse("the CAF has already been stepped up"),
            (_, Step::StepUp) => refuse("a CAF is stepped up from its plan or a review"),
            (SteppedUp, Step::ConfirmTakeover) => Ok(Closed),
            (_, Step::ConfirmTakeover) => refuse("only a stepped-up CAF can be taken over"),
            (_, Step::Close) => Ok(Closed),
        }
    }
}

impl fmt::Display for CafState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What can happen to a CAF's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    SignOffAssessment,
    AgreePlan,
    StartReview,
    /// A review decided to carry on with the plan.
    ContinuePlan,
    StepUp,
    /// The receiving service confirmed it has taken over (closes with that reason).
    ConfirmTakeover,
    /// Close with a reason and a summary (checked by the closure rules).
    Close,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::SignOffAssessment => "sign off the assessment",
            Step::AgreePlan => "agree the plan",
            Step::StartReview => "start a review",
            Step::ContinuePlan => "continue the plan",
            Step::StepUp => "step up",
            Step::ConfirmTakeover => "confirm the takeover",
            Step::Close => "close the CAF",
        }
    }
}

/// A refused step, naming why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} while the CAF is “{}”: {reason}", step.label(), from.label())]
pub struct Refused {
    pub from: CafState,
    pub step: Step,
    pub reason: &'static str,
}

#[cfg(test)]
mod tests {
    use super::CafState::*;
    use super::*;

    const STEPS: [Step; 7] = [
        Step::SignOffAssessment,
        Step::AgreePlan,
        Step::StartReview,
        Step::ContinuePlan,
        Step::StepUp,
        Step::ConfirmTakeover,
        Step::Close,
    ];

    /// Every (state, step) pair that is allowed, and where it leads; all others are refused.
    const ALLOWED: &[(CafState, Step, CafState)] = &[
        (Draft, Step::SignOffAssessment, AssessmentSignedOff),
        (Draft, Step::Close, Closed),
        (AssessmentSignedOff, Step::AgreePlan, PlanInPlace),
        (AssessmentSignedOff, Step::Close, Closed),
        (PlanInPlace, Step::StartReview, UnderReview),
        (PlanInPlace, Step::StepUp, SteppedUp),
        (PlanInPlace, Step::Close, Closed),
        (UnderReview, Step::ContinuePlan, PlanInPlace),
        (UnderReview, Step::StepUp, SteppedUp),
        (UnderReview, Step::Close, Closed),
        (SteppedUp, Step::ConfirmTakeover, Closed),
        (SteppedUp, Step::Close, Closed),
    ];

    #[test]
    fn every_allowed_and_refused_transition() {
        for from in CafState::ALL {
            for step in STEPS {
                let expected = ALLOWED
                    .iter()
                    .find(|(f, s, _)| *f == from && *s == step)
                    .map(|(_, _, to)| *to);
                match (from.apply(step), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} {step:?}"),
                    (Err(refused), None) => {
                        assert_eq!((refused.from, refused.step), (from, step));
                        assert!(!refused.reason.is_empty());
                    }
                    (got, want) => panic!("{from:?} {step:?}: got {got:?}, expected {want:?}"),
                }
            }
        }
    }

    #[test]
    fn a_refusal_names_its_reason_in_plain_words() {
        let refused = Draft.apply(Step::AgreePlan).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "cannot agree the plan while the CAF is “Assessment in progress”: the assessment must be signed off before a plan is agreed"
        );
        assert!(Closed
            .apply(Step::Close)
            .unwrap_err()
            .reason
            .contains("new CAF"));
    }

    #[test]
    fn codes_round_trip() {
        for s in CafState::ALL {
            assert_eq!(CafState::parse(s.code()), Some(s));
        }
        assert_eq!(CafState::parse("open"), None);
    }
}
