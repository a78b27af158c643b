//! The service's own words: what it calls the assessment and the lead professional, the 19
//! element names, the consent statement, the withdrawal reasons, the lawful bases for
//! sharing without consent, and the plain-language glossary. An administrator edits them;
//! each edit is a new numbered version, and a CAF keeps the version it was started with, so
//! what a family signed is what the CAF shows ever after.
use super::closure::DEFAULT_CLOSURE_REASONS;
use super::consent::{DEFAULT_SHARING_BASES, DEFAULT_WITHDRAWAL_REASONS};
use super::form::DOMAINS;
use super::plain_language::{default_glossary, Term};
use serde::{Deserialize, Serialize};

/// One entry of a configured list: a stable code (stored in records) and its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// The seeds' consent statement (Bolton's form).
pub const DEFAULT_CONSENT_STATEMENT: &str =
    "I understand the information that is recorded on this form. \
I understand that it will be stored and used for the purpose of providing services. I have had the \
reasons for information sharing explained to me and I understand those reasons. I agree that the \
agencies named below may receive this information.";

/// The most any one wording may hold, so a page or a CAF never carries an essay as a term.
pub const MAX_TERM_CHARS: usize = 60;
pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_STATEMENT_CHARS: usize = 4_000;
pub const MAX_LIST_ENTRIES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wording {
    /// What the assessment is called in running text: "CAF", or "early help assessment".
    pub assessment: String,
    /// "lead professional", or "lead practitioner" under the Families First reforms.
    pub lead: String,
    /// "team around the family".
    pub team: String,
    /// The 19 elements in the form's order: 12 for the child's development, 3 for parents and
    /// carers, 4 for family and environment.
    pub elements: Vec<String>,
    /// What the family signs when they consent to store and share.
    pub consent_statement: String,
    pub withdrawal_reasons: Vec<Choice>,
    pub sharing_bases: Vec<Choice>,
    /// Read as the seeds' reasons from a wording stored before closure reasons were words.
    #[serde(default = "default_closure_reasons")]
    pub closure_reasons: Vec<Choice>,
    pub glossary: Vec<Term>,
}

fn choices(list: &[(&str, &str)]) -> Vec<Choice> {
    list.iter()
        .map(|(code, label)| Choice {
            code: (*code).into(),
            label: (*label).into(),
        })
        .collect()
}

fn default_closure_reasons() -> Vec<Choice> {
    choices(DEFAULT_CLOSURE_REASONS)
}

impl Default for Wording {
    fn default() -> Self {
        Wording {
            assessment: "CAF".into(),
            lead: "lead professional".into(),
            team: "team around the family".into(),
            elements: DOMAINS
                .iter()
                .flat_map(|(_, elements)| elements.iter().map(|e| (*e).to_string()))
                .collect(),
            consent_statement: DEFAULT_CONSENT_STATEMENT.into(),
            withdrawal_reasons: choices(DEFAULT_WITHDRAWAL_REASONS),
            sharing_bases: choices(DEFAULT_SHARING_BASES),
            closure_reasons: default_closure_reasons(),
            glossary: default_glossary(),
        }
    }
}

/// What is wrong with a wording, on the field it is about (`elements.3`, `glossary.2`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordingProblem {
    pub field: String,
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> WordingProblem {
    WordingProblem {
        field: field.into(),
        message: message.into(),
    }
}

impl Wording {
    /// The elements of one of the three domains (by its name in `DOMAINS`), in order.
    pub fn elements_of(&self, domain: &str) -> Vec<&str> {
        let mut start = 0;
        for (name, elements) in DOMAINS {
            if *name == domain {
                return self
                    .elements
                    .iter()
                    .skip(start)
                    .take(elements.len())
                    .map(String::as_str)
                    .collect();
            }
            start += elements.len();
        }
        vec![]
    }

    /// The withdrawal reasons as the consent rules take them.
    pub fn withdrawal_pairs(&self) -> Vec<(&str, &str)> {
        pairs(&self.withdrawal_reasons)
    }

    /// The lawful bases for sharing without consent as the consent rules take them.
    pub fn sharing_pairs(&self) -> Vec<(&str, &str)> {
        pairs(&self.sharing_bases)
    }

    /// The reasons for closing as the closure rules take them.
    pub fn closure_pairs(&self) -> Vec<(&str, &str)> {
        pairs(&self.closure_reasons)
    }

    /// "a CAF", "an early help assessment".
    pub fn a_assessment(&self) -> String {
        let vowel = self
            .assessment
            .chars()
            .next()
            .is_some_and(|c| "aeiouAEIOU".contains(c));
        format!("{} {}", if vowel { "an" } else { "a" }, self.assessment)
    }

    /// Every problem, each on its field; an empty list means it may be saved. An entry
    /// removed from a list stays readable in the CAFs that keep the older version.
    pub fn problems(&self) -> Vec<WordingProblem> {
        let mut problems = vec![];
        for (field, value, what) in [
            (
                "assessment",
                &self.assessment,
                "what the assessment is called",
            ),
            ("lead", &self.lead, "what the lead professional is called"),
            (
                "team",
                &self.team,
                "what the team around the family is called",
            ),
        ] {
            let n = value.trim().chars().count();
            if n == 0 {
                problems.push(problem(field, format!("Enter {what}")));
            } else if n > MAX_TERM_CHARS {
                problems.push(problem(
                    field,
                    format!(
                        "{} must be {MAX_TERM_CHARS} characters or fewer",
                        crate::text::sentence_start(what)
                    ),
                ));
            }
        }
        let expected: usize = DOMAINS.iter().map(|(_, e)| e.len()).sum();
        if self.elements.len() != expected {
            problems.push(problem(
                "elements",
                format!("The assessment has {expected} elements: name each of them"),
            ));
        }
        for (i, element) in self.elements.iter().enumerate() {
            let n = element.trim().chars().count();
            if n == 0 || n > MAX_LABEL_CHARS {
                problems.push(problem(
                    format!("elements.{i}"),
                    format!(
                        "Enter the name of element {}, in {MAX_LABEL_CHARS} characters or fewer",
                        i + 1
                    ),
                ));
            } else if self.elements[..i]
                .iter()
                .any(|e| e.trim().eq_ignore_ascii_case(element.trim()))
            {
                problems.push(problem(
                    format!("elements.{i}"),
                    format!("Element {} has the same name as another element", i + 1),
                ));
            }
        }
        let n = self.consent_statement.trim().chars().count();
        if n == 0 || n > MAX_STATEMENT_CHARS {
            problems.push(problem(
                "consent_statement",
                format!(
                    "Enter the consent statement, in {MAX_STATEMENT_CHARS} characters or fewer"
                ),
            ));
        }
        for (field, list, what) in [
            (
                "withdrawal_reasons",
                &self.withdrawal_reasons,
                "withdrawal reason",
            ),
            (
                "sharing_bases",
                &self.sharing_bases,
                "reason for sharing without consent",
            ),
            (
                "closure_reasons",
                &self.closure_reasons,
                "reason for closing",
            ),
        ] {
            if list.is_empty() {
                problems.push(problem(field, format!("Enter at least one {what}")));
            }
            if list.len() > MAX_LIST_ENTRIES {
                problems.push(problem(
                    field,
                    format!("Enter {MAX_LIST_ENTRIES} or fewer of them"),
                ));
            }
            for (i, choice) in list.iter().enumerate() {
                let n = choice.label.trim().chars().count();
                if n == 0 || n > MAX_LABEL_CHARS {
                    problems.push(problem(
                        format!("{field}.{i}"),
                        format!(
                            "Enter the words for {what} {}, in {MAX_LABEL_CHARS} characters or fewer",
                            i + 1
                        ),
                    ));
                }
                if choice.code.is_empty() || list[..i].iter().any(|c| c.code == choice.code) {
                    problems.push(problem(
                        format!("{field}.{i}"),
                        format!("The {what} {} repeats another one", i + 1),
                    ));
                }
            }
        }
        if self.glossary.len() > MAX_LIST_ENTRIES * 5 {
            problems.push(problem(
                "glossary",
                format!(
                    "The glossary may hold {} terms or fewer",
                    MAX_LIST_ENTRIES * 5
                ),
            ));
        }
        for (i, term) in self.glossary.iter().enumerate() {
            let (t, instead) = (term.term.trim(), term.instead.trim());
            if t.is_empty() || instead.is_empty() {
                problems.push(problem(
                    format!("glossary.{i}"),
                    format!(
                        "Glossary line {}: give the term, then “=”, then what to say instead",
                        i + 1
                    ),
                ));
            } else if t.chars().count() > MAX_TERM_CHARS
                || instead.chars().count() > MAX_LABEL_CHARS
            {
                problems.push(problem(
                    format!("glossary.{i}"),
                    format!("Glossary line {} is too long", i + 1),
                ));
            }
        }
        problems
    }
}

fn pairs(list: &[Choice]) -> Vec<(&str, &str)> {
    list.iter()
        .map(|c| (c.code.as_str(), c.label.as_str()))
        .collect()
}

/// A code for a new list entry made from its words (`Left the area` → `left_the_area`),
/// made distinct from `taken` codes with a number.
pub fn code_for(label: &str, taken: &[&str]) -> String {
    let mut code: String = label
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join("_");
    if code.is_empty() {
        code = "reason".into();
    }
    let base = code.clone();
    let mut n = 2;
    while taken.contains(&code.as_str()) {
        code = format!("{base}_{n}");
        n += 1;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_seeds_and_are_valid() {
        let wording = Wording::default();
        assert_eq!(wording.problems(), vec![]);
        assert_eq!(wording.elements.len(), 19);
        assert_eq!(wording.elements_of("Parents and carers").len(), 3);
        assert_eq!(
            wording.elements_of("Family and environment")[0],
            "Family history, functioning and well-being"
        );
        assert_eq!(wording.a_assessment(), "a CAF");
        let reforms = Wording {
            assessment: "early help assessment".into(),
            ..Wording::default()
        };
        assert_eq!(reforms.a_assessment(), "an early help assessment");
    }

    #[test]
    fn each_problem_is_on_its_field() {
        let mut wording = Wording {
            assessment: " ".into(),
            lead: "x".repeat(61),
            ..Wording::default()
        };
        wording.elements[4] = String::new();
        wording.elements[7] = wording.elements[0].to_uppercase();
        wording.withdrawal_reasons[1].code = wording.withdrawal_reasons[0].code.clone();
        wording.sharing_bases.clear();
        wording.closure_reasons[2].label = String::new();
        wording.glossary[2].instead = String::new();
        let fields: Vec<String> = wording.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "assessment",
                "lead",
                "elements.4",
                "elements.7",
                "withdrawal_reasons.1",
                "sharing_bases",
                "closure_reasons.2",
                "glossary.2"
            ]
        );
        let mut short = Wording::default();
        short.elements.pop();
        assert_eq!(short.problems()[0].field, "elements");
    }

    #[test]
    fn a_wording_stored_before_closure_reasons_reads_with_the_seeds() {
        let mut stored = serde_json::to_value(Wording::default()).unwrap();
        stored.as_object_mut().unwrap().remove("closure_reasons");
        let read: Wording = serde_json::from_value(stored).unwrap();
        assert_eq!(
            read.closure_reasons[0].label,
            "Actions complete and outcomes achieved"
        );
        assert_eq!(read, Wording::default());
    }

    #[test]
    fn new_codes_come_from_the_words_and_never_repeat() {
        assert_eq!(code_for("Left the area!", &[]), "left_the_area");
        assert_eq!(
            code_for("Left the area", &["left_the_area"]),
            "left_the_area_2"
        );
        assert_eq!(code_for("—", &[]), "reason");
    }
}
