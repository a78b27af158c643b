//! Meetings of the team around the family: what kind, when, who came (with their agency),
//! who sent a written report instead, and the notes. The initial team meeting agrees the
//! plan and appoints the lead professional; reviews, family network meetings and other
//! agencies' meetings (an IEP review) are recorded the same way.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kinds of meeting, with their words.
pub const KINDS: &[(&str, &str)] = &[
    ("team_meeting", "Team around the family meeting"),
    ("review", "Review meeting"),
    (
        "family_network",
        "Family network meeting (the wider family and friends make the plan with the practitioners)",
    ),
    ("other_agency", "Another agency's meeting (for example an IEP review)"),
];

/// Someone who came, and for whom.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub name: String,
    /// Their agency, or their relationship to the child ("mother", "grandfather").
    pub agency: String,
}

/// A written report sent instead of coming.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenReport {
    pub from: String,
    pub agency: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub kind: String,
    pub held_on: NaiveDate,
    pub attendees: Vec<Attendee>,
    #[serde(default)]
    pub reports: Vec<WrittenReport>,
    #[serde(default)]
    pub notes: String,
}

/// A problem on a field: `attendee_name-2` and the like are the rows' own boxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingProblem {
    pub field: String,
    pub message: String,
}

pub const MAX_ROWS: usize = 40;
pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 20_000;

impl Meeting {
    pub fn kind_label(&self) -> &'static str {
        KINDS
            .iter()
            .find(|(code, _)| *code == self.kind)
            .map_or("Meeting", |(_, label)| label)
    }

    /// Every problem. A meeting needs someone there; each row needs its name and agency;
    /// a report needs who sent it and what it says.
    pub fn problems(&self, today: NaiveDate) -> Vec<MeetingProblem> {
        let mut problems = vec![];
        let mut add =
            |field: String, message: String| problems.push(MeetingProblem { field, message });
        if !KINDS.iter().any(|(code, _)| *code == self.kind) {
            add("kind".into(), "Select what kind of meeting it was".into());
        }
        if self.held_on > today {
            add(
                "held_on-day".into(),
                "The date of the meeting must be today or in the past".into(),
            );
        }
        if self.attendees.is_empty() {
            add(
                "attendee_name-1".into(),
                "Enter at least one person who was at the meeting".into(),
            );
        }
        if self.attendees.len() > MAX_ROWS || self.reports.len() > MAX_ROWS {
            add(
                "attendee_name-1".into(),
                format!("List {MAX_ROWS} people or fewer"),
            );
        }
        for (i, a) in self.attendees.iter().enumerate() {
            let n = i + 1;
            if a.name.trim().is_empty() || a.name.chars().count() > MAX_NAME {
                add(
                    format!("attendee_name-{n}"),
                    format!(
                        "Enter the name of person {n} who came, in {MAX_NAME} characters or fewer"
                    ),
                );
            }
            if a.agency.trim().is_empty() || a.agency.chars().count() > MAX_NAME {
                add(
                    format!("attendee_agency-{n}"),
                    format!("Enter the agency or relationship to the child of person {n}"),
                );
            }
        }
        for (i, r) in self.reports.iter().enumerate() {
            let n = i + 1;
            if r.from.trim().is_empty() || r.from.chars().count() > MAX_NAME {
                add(
                    format!("report_from-{n}"),
                    format!("Enter who sent written report {n}"),
                );
            }
            if r.text.trim().is_empty() || r.text.chars().count() > MAX_TEXT {
                add(
                    format!("report_text-{n}"),
                    format!(
                        "Enter what written report {n} says, in {MAX_TEXT} characters or fewer"
                    ),
                );
            }
        }
        if self.notes.chars().count() > MAX_TEXT {
            add(
                "notes".into(),
                format!("The notes must be {MAX_TEXT} characters or fewer"),
            );
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_needs_its_kind_someone_there_and_whole_rows() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let meeting = Meeting {
            kind: "team_meeting".into(),
            held_on: today,
            attendees: vec![
                Attendee {
                    name: "Laura Hughes".into(),
                    agency: "Mother".into(),
                },
                Attendee {
                    name: "Sam Taylor".into(),
                    agency: String::new(),
                },
            ],
            reports: vec![WrittenReport {
                from: "Helen Price".into(),
                agency: "Health visiting".into(),
                text: " ".into(),
            }],
            notes: String::new(),
        };
        let fields: Vec<String> = meeting
            .problems(today)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["attendee_agency-2", "report_text-1"]);
        let empty = Meeting {
            kind: "party".into(),
            attendees: vec![],
            reports: vec![],
            ..meeting
        };
        let fields: Vec<String> = empty.problems(today).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["kind", "attendee_name-1"]);
    }
}
