//! Asking to join the team around the family. A practitioner who found through the search
//! only that a CAF exists asks its lead professional (or, until one is appointed, its
//! assessor) to be added, saying why; nothing of the CAF is shown to them before the answer.
//! Accepting adds them to the team; their agency must also be one the family agreed may
//! receive the CAF, so accepting records the family's agreement to add it where it is not
//! named yet. Declining says why, in words the practitioner reads. Pure rules; the store
//! checks them against the CAF in the transaction that answers.
use super::consent::ConsentStatus;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The longest reason for asking, or for declining.
pub const MAX_REASON: usize = 2_000;
/// The longest role in the team.
pub const MAX_ROLE: usize = 200;
/// The longest note of how the family agreed.
pub const MAX_HOW: usize = 500;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinStatus {
    Pending,
    Accepted,
    Declined,
}

impl JoinStatus {
    pub fn code(self) -> &'static str {
        match self {
            JoinStatus::Pending => "pending",
            JoinStatus::Accepted => "accepted",
            JoinStatus::Declined => "declined",
        }
    }

    pub fn parse(code: &str) -> Option<JoinStatus> {
        [
            JoinStatus::Pending,
            JoinStatus::Accepted,
            JoinStatus::Declined,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            JoinStatus::Pending => "Waiting for an answer",
            JoinStatus::Accepted => "Accepted",
            JoinStatus::Declined => "Declined",
        }
    }
}

/// A problem with what was entered, on the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> JoinProblem {
    JoinProblem {
        field,
        message: message.into(),
    }
}

fn length(field: &'static str, what: &str, value: &str, max: usize) -> Option<JoinProblem> {
    (value.chars().count() > max)
        .then(|| problem(field, format!("{what} must be {max} characters or fewer")))
}

/// The problems with a reason for asking.
pub fn request_problems(reason: &str) -> Vec<JoinProblem> {
    if reason.trim().is_empty() {
        return vec![problem(
            "reason",
            "Enter why you need to join the team around the family",
        )];
    }
    length("reason", "Why you need to join", reason, MAX_REASON)
        .into_iter()
        .collect()
}

/// Whether the family agreed that the practitioner's agency may receive the CAF, when the
/// consent standing does not name it yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "agreed", rename_all = "snake_case")]
pub enum FamilyAgreement {
    /// The family agreed on `on`; `how` says how it was asked ("by telephone with mum").
    Yes {
        on: NaiveDate,
        how: String,
    },
    No,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum JoinAnswer {
    /// Add them to the team in `role` (their job title when empty), with the family's
    /// agreement where their agency is not on the consent yet.
    Accept {
        #[serde(default)]
        role: String,
        #[serde(default)]
        family: Option<FamilyAgreement>,
    },
    /// Say no, and why: the practitioner reads it.
    Decline { reason: String },
}

/// What the store found about the CAF's consent that the answer depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStanding {
    /// No consent to share has been recorded yet: the new member reads the CAF once it is,
    /// and their agency is named then.
    NotYetRecorded,
    /// Consent stands and names the practitioner's agency.
    NamesAgency,
    /// Consent stands but does not name the practitioner's agency.
    OmitsAgency,
    /// The family withdrew consent: nobody new joins.
    Withdrawn,
}

impl ConsentStanding {
    /// Where the CAF's consent stands for a practitioner of `agency`.
    pub fn of(status: &ConsentStatus, agency: i64) -> ConsentStanding {
        match status {
            ConsentStatus::NotAgreed | ConsentStatus::Agreed => ConsentStanding::NotYetRecorded,
            ConsentStatus::Sharing(agencies) if agencies.contains(&agency) => {
                ConsentStanding::NamesAgency
            }
            ConsentStatus::Sharing(_) => ConsentStanding::OmitsAgency,
            ConsentStatus::Withdrawn(_) => ConsentStanding::Withdrawn,
        }
    }
}

/// The problems with an answer, given the consent standing and today.
pub fn answer_problems(
    answer: &JoinAnswer,
    consent: ConsentStanding,
    agency: &str,
    today: NaiveDate,
) -> Vec<JoinProblem> {
    match answer {
        JoinAnswer::Decline { reason } => {
            if reason.trim().is_empty() {
                vec![problem(
                    "decline_reason",
                    "Enter why you are declining the request: the practitioner will read it",
                )]
            } else {
                length(
                    "decline_reason",
                    "Why you are declining",
                    reason,
                    MAX_REASON,
                )
                .into_iter()
                .collect()
            }
        }
        JoinAnswer::Accept { role, family } => {
            let mut found: Vec<JoinProblem> = length("role", "Their role", role, MAX_ROLE)
                .into_iter()
                .collect();
            match consent {
                ConsentStanding::Withdrawn => found.push(problem(
                    "decision",
                    "The family withdrew their consent: nobody new can join the team. Decline the request",
                )),
                ConsentStanding::NotYetRecorded | ConsentStanding::NamesAgency => {}
                ConsentStanding::OmitsAgency => match family {
                    None => found.push(problem(
                        "family_agreed",
                        format!("Select whether the family agreed that {agency} may receive the CAF"),
                    )),
                    Some(FamilyAgreement::No) => found.push(problem(
                        "family_agreed",
                        format!(
                            "The family must agree that {agency} may receive the CAF before they join: ask the family, or decline the request"
                        ),
                    )),
                    Some(FamilyAgreement::Yes { on, how }) => {
                        if *on > today {
                            found.push(problem(
                                "agreed_on",
                                "The date the family agreed must be today or in the past",
                            ));
                        }
                        if how.trim().is_empty() {
                            found.push(problem(
                                "agreed_how",
                                "Enter how the family agreed (for example, by telephone with their mum)",
                            ));
                        }
                        found.extend(length("agreed_how", "How the family agreed", how, MAX_HOW));
                    }
                },
            }
            found
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    fn fields(found: Vec<JoinProblem>) -> Vec<&'static str> {
        found.into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_request_needs_a_reason_of_bounded_length() {
        assert_eq!(fields(request_problems("  ")), ["reason"]);
        assert_eq!(
            fields(request_problems(&"x".repeat(MAX_REASON + 1))),
            ["reason"]
        );
        assert!(request_problems(&"x".repeat(MAX_REASON)).is_empty());
        assert!(request_problems("I am the school nurse for Amelia").is_empty());
    }

    #[test]
    fn declining_needs_a_reason() {
        let today = day("2026-12-01");
        let decline = |reason: &str| JoinAnswer::Decline {
            reason: reason.into(),
        };
        for consent in [
            ConsentStanding::NotYetRecorded,
            ConsentStanding::NamesAgency,
            ConsentStanding::OmitsAgency,
            ConsentStanding::Withdrawn,
        ] {
            assert_eq!(
                fields(answer_problems(&decline(""), consent, "X", today)),
                ["decline_reason"]
            );
            assert!(answer_problems(&decline("Not needed"), consent, "X", today).is_empty());
        }
    }

    #[test]
    fn accepting_needs_the_familys_agreement_only_where_the_consent_omits_the_agency() {
        let today = day("2026-12-01");
        let accept = |family: Option<FamilyAgreement>| JoinAnswer::Accept {
            role: String::new(),
            family,
        };
        let yes = |on: &str, how: &str| {
            Some(FamilyAgreement::Yes {
                on: day(on),
                how: how.into(),
            })
        };
        let cases: Vec<(ConsentStanding, Option<FamilyAgreement>, Vec<&str>)> = vec![
            (ConsentStanding::NotYetRecorded, None, vec![]),
            (ConsentStanding::NamesAgency, None, vec![]),
            (ConsentStanding::OmitsAgency, None, vec!["family_agreed"]),
            (
                ConsentStanding::OmitsAgency,
                Some(FamilyAgreement::No),
                vec!["family_agreed"],
            ),
            (
                ConsentStanding::OmitsAgency,
                yes("2026-12-01", "By phone with mum"),
                vec![],
            ),
            (
                ConsentStanding::OmitsAgency,
                yes("2026-12-02", "By phone"),
                vec!["agreed_on"],
            ),
            (
                ConsentStanding::OmitsAgency,
                yes("2026-11-30", " "),
                vec!["agreed_how"],
            ),
            (ConsentStanding::Withdrawn, None, vec!["decision"]),
        ];
        for (consent, family, expected) in cases {
            assert_eq!(
                fields(answer_problems(
                    &accept(family.clone()),
                    consent,
                    "Health",
                    today
                )),
                expected,
                "{consent:?} {family:?}"
            );
        }
        let long_role = JoinAnswer::Accept {
            role: "r".repeat(MAX_ROLE + 1),
            family: None,
        };
        assert_eq!(
            fields(answer_problems(
                &long_role,
                ConsentStanding::NamesAgency,
                "Health",
                today
            )),
            ["role"]
        );
    }

    #[test]
    fn the_standing_follows_the_consent_and_the_agency() {
        let sharing = ConsentStatus::Sharing([1, 2].into());
        assert_eq!(
            ConsentStanding::of(&sharing, 2),
            ConsentStanding::NamesAgency
        );
        assert_eq!(
            ConsentStanding::of(&sharing, 3),
            ConsentStanding::OmitsAgency
        );
        assert_eq!(
            ConsentStanding::of(&ConsentStatus::Agreed, 3),
            ConsentStanding::NotYetRecorded
        );
        assert_eq!(
            ConsentStanding::of(&ConsentStatus::Withdrawn(day("2026-11-01")), 1),
            ConsentStanding::Withdrawn
        );
    }

    #[test]
    fn statuses_round_trip_through_their_codes() {
        for status in [
            JoinStatus::Pending,
            JoinStatus::Accepted,
            JoinStatus::Declined,
        ] {
            assert_eq!(JoinStatus::parse(status.code()), Some(status));
        }
        assert_eq!(JoinStatus::parse("withdrawn"), None);
    }
}
