//! The national CAF form as sections of a task list, and the 19 elements of the assessment
//! in its three domains. The words here are the defaults from the seeds; an authority's own
//! wording is configuration, and a CAF keeps the wording it was completed with.
use serde::Serialize;

/// One section of the task list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Stable key, stored and used in URLs (`/cafs/{id}/sections/{key}`).
    pub key: &'static str,
    pub title: &'static str,
    /// In a family CAF, written once for each child (otherwise once for the family).
    pub per_child: bool,
    /// Must be complete before sign-off.
    pub required: bool,
}

pub const SECTIONS: &[Section] = &[
    Section {
        key: "identifying_details",
        title: "Identifying details",
        per_child: true,
        required: true,
    },
    Section {
        key: "purpose",
        title: "Purpose of the form",
        per_child: false,
        required: true,
    },
    Section {
        key: "practitioner",
        title: "Practitioner completing the form",
        per_child: false,
        required: true,
    },
    Section {
        key: "assessment_details",
        title: "Assessment details, people present and contributors",
        per_child: false,
        required: true,
    },
    Section {
        key: "family_background",
        title: "Family and background",
        per_child: false,
        required: true,
    },
    Section {
        key: "development",
        title: "Development of the child",
        per_child: true,
        required: true,
    },
    Section {
        key: "parents_and_carers",
        title: "Parents and carers",
        per_child: false,
        required: true,
    },
    Section {
        key: "family_and_environment",
        title: "Family and environment",
        per_child: false,
        required: true,
    },
    Section {
        key: "signs_of_wellbeing",
        title: "Signs of Well-being (optional)",
        per_child: false,
        required: false,
    },
    Section {
        key: "others_working",
        title: "Who else is working with the child",
        per_child: true,
        required: false,
    },
    Section {
        key: "priorities",
        title: "Agreed priorities and Parent/Child Indicators",
        per_child: false,
        required: true,
    },
    Section {
        key: "views",
        title: "Views of the child or young person and the parents",
        per_child: true,
        required: true,
    },
    Section {
        key: "additional_notes",
        title: "Additional notes",
        per_child: false,
        required: false,
    },
    Section {
        key: "signatures",
        title: "Signatures",
        per_child: false,
        required: true,
    },
];

/// The section with this key.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.key == key)
}

/// A section's progress on the task list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionStatus {
    NotStarted,
    InProgress,
    Complete,
}

impl SectionStatus {
    pub fn code(self) -> &'static str {
        match self {
            SectionStatus::NotStarted => "not_started",
            SectionStatus::InProgress => "in_progress",
            SectionStatus::Complete => "complete",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SectionStatus::NotStarted => "Not yet started",
            SectionStatus::InProgress => "In progress",
            SectionStatus::Complete => "Completed",
        }
    }

    pub fn parse(code: &str) -> Option<SectionStatus> {
        [
            SectionStatus::NotStarted,
            SectionStatus::InProgress,
            SectionStatus::Complete,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// The three domains and their 19 elements.
pub const DOMAINS: &[(&str, &[&str])] = &[
    (
        "Development of the child",
        &[
            "General health",
            "Physical development",
            "Speech, language and communication",
            "Emotional and social development",
            "Behavioural development",
            "Identity, including self-esteem, self-image and social presentation",
            "Family and social relationships",
            "Self-care skills and independence",
            "Learning: understanding, reasoning and problem solving",
            "Learning: participation in learning, education and employment",
            "Learning: progress and achievement in learning",
            "Learning: aspirations",
        ],
    ),
    (
        "Parents and carers",
        &[
            "Basic care, ensuring safety and protection",
            "Emotional warmth and stability",
            "Guidance, boundaries and stimulation",
        ],
    ),
    (
        "Family and environment",
        &[
            "Family history, functioning and well-being",
            "Wider family",
            "Housing, employment and financial considerations",
            "Social and community elements and resources, including education",
        ],
    ),
];

/// What a CAF is missing before sign-off: the titles of required sections not complete.
pub fn missing_for_sign_off(status_of: impl Fn(&Section) -> SectionStatus) -> Vec<&'static str> {
    SECTIONS
        .iter()
        .filter(|s| s.required && status_of(s) != SectionStatus::Complete)
        .map(|s| s.title)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nineteen_elements_in_three_domains() {
        assert_eq!(DOMAINS.len(), 3);
        assert_eq!(DOMAINS.iter().map(|(_, e)| e.len()).sum::<usize>(), 19);
    }

    #[test]
    fn section_keys_are_unique_and_found() {
        for s in SECTIONS {
            assert_eq!(section(s.key), Some(s));
            assert_eq!(SECTIONS.iter().filter(|o| o.key == s.key).count(), 1);
        }
        assert_eq!(section("nonsense"), None);
    }

    #[test]
    fn sign_off_needs_every_required_section_complete() {
        let all_done = missing_for_sign_off(|_| SectionStatus::Complete);
        assert!(all_done.is_empty());
        let optional_left = missing_for_sign_off(|s| {
            if s.required {
                SectionStatus::Complete
            } else {
                SectionStatus::NotStarted
            }
        });
        assert!(optional_left.is_empty(), "optional sections may stay empty");
        let one_left = missing_for_sign_off(|s| {
            if s.key == "views" {
                SectionStatus::InProgress
            } else {
                SectionStatus::Complete
            }
        });
        assert_eq!(
            one_left,
            ["Views of the child or young person and the parents"]
        );
    }
}
