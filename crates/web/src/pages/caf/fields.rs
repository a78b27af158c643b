//! What each section of the form asks, as data: the section page, the check-answers page and
//! the frozen versions are all drawn from these lists, so a question is written once. The
//! assessment domains come from `domain::caf::form::DOMAINS`. Wording is the Bolton form's.
use ecaf_domain::caf::wording::Wording;
use serde_json::{json, Value};

/// How a question is answered.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Text,
    Textarea,
    /// A GOV.UK date input, stored as `YYYY-MM-DD`.
    Date,
    Radios(&'static [(&'static str, &'static str)]),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Question {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: Kind,
}

impl Question {
    /// What the section template needs: the kind as a word, and radio options in the shape
    /// of `components/forms.html`'s `radios`.
    pub fn for_template(&self) -> Value {
        let (kind, options): (&str, &[(&str, &str)]) = match self.kind {
            Kind::Text => ("text", &[]),
            Kind::Textarea => ("textarea", &[]),
            Kind::Date => ("date", &[]),
            Kind::Radios(options) => ("radios", options),
        };
        let options: Vec<Value> = options
            .iter()
            .map(|(value, text)| json!({ "value": value, "text": text }))
            .collect();
        json!({ "name": self.name, "label": self.label, "hint": self.hint, "kind": kind, "options": options })
    }
}

const fn q(name: &'static str, label: &'static str, hint: &'static str, kind: Kind) -> Question {
    Question {
        name,
        label,
        hint,
        kind,
    }
}

use Kind::{Date, Radios, Text, Textarea};

const YES_NO: &[(&str, &str)] = &[("yes", "Yes"), ("no", "No")];

/// The questions of a section (empty for the domain sections, drawn from `DOMAINS`).
pub(super) fn questions(key: &str) -> &'static [Question] {
    match key {
        "identifying_details" => {
            const {
                &[
            q("parents_and_carers", "Parents and carers", "Names, addresses, telephone numbers and whether they have parental responsibility", Textarea),
            q("siblings", "Brothers and sisters", "Names, dates of birth and whether they live with the child", Textarea),
            q("significant_adults", "Other significant adults", "", Textarea),
            q("communication", "Language and communication needs", "Including whether an interpreter or signer is needed", Textarea),
        ]
            }
        }
        "purpose" => {
            const {
                &[
            q("purpose", "What is this form for?", "", Radios(&[
                ("caf", "The CAF process"),
                ("referral_follow_up", "Written follow-up of a phone referral to children's social care (due within 48 hours)"),
            ])),
            q("existing_caf", "Existing CAF and its lead professional", "For a referral follow-up, note any CAF already in place", Textarea),
        ]
            }
        }
        "practitioner" => {
            const {
                &[
                    q("name", "Name", "", Text),
                    q("job_title", "Job title", "", Text),
                    q("agency", "Agency", "", Text),
                    q("address", "Address", "", Textarea),
                    q("telephone", "Telephone", "", Text),
                    q("email", "Email", "", Text),
                    q("mobile", "Mobile", "", Text),
                ]
            }
        }
        "assessment_details" => {
            const {
                &[
                    q(
                        "assessment_date",
                        "Date of the assessment",
                        "For example, 27 3 2026",
                        Date,
                    ),
                    q("reason", "Reason for the CAF", "", Textarea),
                    q(
                        "special_requirements",
                        "Special requirements",
                        "For example, access needs",
                        Textarea,
                    ),
                    q("interpreter", "Interpreter or signer used", "", Textarea),
                    q(
                        "people_present",
                        "People present",
                        "Each with their agency or relationship to the child",
                        Textarea,
                    ),
                    q(
                        "contributors",
                        "Everyone who contributed",
                        "A CAF is never written from records alone",
                        Textarea,
                    ),
                    q(
                        "child_took_part",
                        "Did the child or young person take part?",
                        "",
                        Radios(YES_NO),
                    ),
                    q("child_not_part_reason", "If not, why not?", "", Textarea),
                    q(
                        "other_tools",
                        "Other assessment tools used",
                        "For example, the Graded Care Profile",
                        Textarea,
                    ),
                ]
            }
        }
        "family_background" => {
            const {
                &[q(
                    "family_background",
                    "Family and background",
                    "Family history and what has brought the family here",
                    Textarea,
                )]
            }
        }
        "signs_of_wellbeing" => {
            const {
                &[
                    q("worries", "Worries", "", Textarea),
                    q(
                        "strengths_and_resources",
                        "Strengths and resources",
                        "",
                        Textarea,
                    ),
                    q("child_goals", "The child's goals", "", Textarea),
                    q(
                        "parent_goals",
                        "The parents' or carers' goals",
                        "",
                        Textarea,
                    ),
                    q("professional_goals", "Professionals' goals", "", Textarea),
                ]
            }
        }
        "priorities" => {
            const {
                &[
                    q("strengths", "Strengths", "", Textarea),
                    q("additional_needs", "Areas of additional need", "", Textarea),
                    q(
                        "things_to_change",
                        "Things we would like to change",
                        "",
                        Textarea,
                    ),
                    q(
                        "how_we_will_know",
                        "How we will know things have improved",
                        "",
                        Textarea,
                    ),
                ]
            }
        }
        "views" => {
            const {
                &[
                    q(
                        "child_views",
                        "The child's or young person's views",
                        "In their own words where possible",
                        Textarea,
                    ),
                    q(
                        "parent_views",
                        "The parents' or carers' views",
                        "",
                        Textarea,
                    ),
                ]
            }
        }
        "additional_notes" => const { &[q("notes", "Additional notes", "", Textarea)] },
        "signatures" => {
            const {
                &[
                    q("parent1_name", "Parent or carer 1: name", "", Text),
                    q("parent1_date", "Parent or carer 1: date signed", "", Date),
                    q("parent2_name", "Parent or carer 2: name", "", Text),
                    q("parent2_date", "Parent or carer 2: date signed", "", Date),
                    q("child_name", "Child or young person: name", "", Text),
                    q("child_date", "Child or young person: date signed", "", Date),
                    q("practitioner_name", "Practitioner: name", "", Text),
                    q("practitioner_date", "Practitioner: date signed", "", Date),
                ]
            }
        }
        _ => &[],
    }
}

/// The elements assessed in a domain section, in the wording the CAF keeps, or `None` for
/// other sections.
pub(super) fn elements<'w>(key: &str, wording: &'w Wording) -> Option<Vec<&'w str>> {
    is_domain(key)
        .then(|| ecaf_domain::caf::form::section(key).map(|s| wording.elements_of(s.title)))
        .flatten()
}

/// Whether a section assesses the elements of a domain.
pub(super) fn is_domain(key: &str) -> bool {
    matches!(
        key,
        "development" | "parents_and_carers" | "family_and_environment"
    )
}

/// The section that records Parent/Child Indicators.
pub(super) const PRIORITIES: &str = "priorities";

/// Blank Parent/Child Indicator rows offered below those already entered.
pub(super) const BLANK_INDICATORS: usize = 3;

/// The text shown for a stored answer (a radio's label rather than its code).
pub(super) fn answer_text(question: &Question, stored: &str) -> String {
    match question.kind {
        Radios(options) => options
            .iter()
            .find(|(code, _)| *code == stored)
            .map(|(_, label)| label.to_string())
            .unwrap_or_else(|| stored.to_string()),
        _ => stored.to_string(),
    }
}
