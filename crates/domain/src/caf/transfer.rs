//! A whole CAF as a document for hand-over between systems (`docs/TRANSFER.md`), and the
//! step-down from children's social care that arrives in the same shape.
//!
//! A document names its format (`"format": "ecaf.caf/1"`) so a receiver can refuse one it
//! does not know before reading anything else. What is received is read here into checked
//! values, every problem named by the path of its field (`children[0].date_of_birth`), so a
//! refusal can say everything wrong at once and nothing is written. Consent never travels:
//! the family agrees to a CAF in the receiving service again (`agreement`), and consents to
//! sharing there on its own consent pages.
use super::consent::Agreement;
use super::form::{section, SectionStatus};
use crate::access::{Actor, Role};
use crate::organisation::AgencyType;
use crate::person::{PersonDetails, PersonInput};
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// The format this service writes and reads.
pub const FORMAT: &str = "ecaf.caf/1";

/// The purpose of a CAF received as a document from another system.
pub const PURPOSE_RECEIVED: &str = "received";
/// The purpose of a CAF made by a step-down from children's social care.
pub const PURPOSE_STEP_DOWN: &str = "step_down";

/// The words for a CAF's stored purpose.
pub fn purpose_label(code: &str) -> &'static str {
    match code {
        PURPOSE_STEP_DOWN => "Step down from children's social care",
        PURPOSE_RECEIVED => "Received from another area or system",
        _ => "Early help assessment",
    }
}

/// What the family must do when a CAF arrives, since consent does not travel with it.
pub const CONSENT_AGAIN: &str = "Consent does not travel between services: the family agreed to this CAF here, and must consent to storing and sharing it here before anyone else can read it (the CAF's consent page).";

/// The parts of a sent document kept as the sending system's record, read-only, as sent.
pub const KEPT_AS_SENT: &[&str] = &[
    "reference",
    "kind",
    "state",
    "purpose",
    "owning_agency",
    "opened_on",
    "closed_on",
    "exported_at",
    "exported_by",
    "consent",
    "lead_professional",
    "team",
    "meetings",
    "actions",
    "versions",
    "events",
];

/// What is wrong with one field of a received document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatProblem {
    /// Its path: `children[0].date_of_birth`, `social_worker.name`.
    pub field: String,
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> FormatProblem {
    FormatProblem {
        field: field.into(),
        message: message.into(),
    }
}

/// A section as received: `child` is the index of the child in the document's `children`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSection {
    pub key: String,
    pub child: Option<usize>,
    pub status: SectionStatus,
    pub content: Value,
}

/// A whole CAF received from another system, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedCaf {
    /// The sending system's reference, kept as it is.
    pub reference: String,
    /// The agency that owned it there.
    pub sender: String,
    pub children: Vec<PersonDetails>,
    pub sections: Vec<ReceivedSection>,
    /// The family's agreement to a CAF here.
    pub agreement: Agreement,
    /// The sending system's history ([`KEPT_AS_SENT`]), as sent.
    pub as_sent: Value,
}

/// The social worker who steps the family down, recorded in the team around the family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingWorker {
    pub name: String,
    pub team: String,
    pub contact: String,
    pub involved_from: NaiveDate,
    /// The step-down date: the day they leave the team.
    pub involved_to: NaiveDate,
    /// What social care did with the family.
    pub summary: String,
}

/// The lead professional proposed by social care: a user of this service, with the
/// family's and child's views, as any appointment records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedLead {
    pub user_id: i64,
    pub family_view: String,
    pub child_view: String,
}

/// A step-down from children's social care, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDown {
    pub children: Vec<PersonDetails>,
    /// What social care assessed, for the matching sections.
    pub sections: Vec<ReceivedSection>,
    pub social_worker: OutgoingWorker,
    pub lead_professional: ProposedLead,
    pub reason: String,
    pub agreement: Agreement,
}

/// Longest free text accepted in a step-down's own fields.
pub const MAX_TEXT: usize = 10_000;

/// Who may step a family down into early help: the early help team, and practitioners of
/// children's social care, whose decision it is (both may start CAFs).
pub fn may_step_down(actor: &Actor, agency_type: AgencyType) -> bool {
    actor.has(Role::EarlyHelpTeam)
        || (agency_type == AgencyType::ChildrensSocialCare && actor.has(Role::Practitioner))
}

/// The document's format, when it is this one; otherwise the one problem that stops reading.
fn check_format(doc: &Value) -> Result<&Map<String, Value>, Vec<FormatProblem>> {
    let Some(object) = doc.as_object() else {
        return Err(vec![problem("", "Send a JSON object")]);
    };
    match object.get("format").and_then(Value::as_str) {
        Some(FORMAT) => Ok(object),
        Some(other) => Err(vec![problem(
            "format",
            format!("The format “{other}” is not one this service reads: send a document in \"{FORMAT}\""),
        )]),
        None => Err(vec![problem(
            "format",
            format!("Say the document's format: \"format\": \"{FORMAT}\""),
        )]),
    }
}

/// A required, non-blank string at `field` of `object`.
fn text(
    object: &Map<String, Value>,
    name: &str,
    field: &str,
    what: &str,
    problems: &mut Vec<FormatProblem>,
) -> Option<String> {
    match object.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().count() > MAX_TEXT {
                problems.push(problem(
                    field,
                    format!("{what} must be {MAX_TEXT} characters or fewer"),
                ));
                return None;
            }
            Some(s.trim().to_string())
        }
        Some(Value::String(_)) | None | Some(Value::Null) => {
            problems.push(problem(field, format!("Enter {}", what.to_lowercase())));
            None
        }
        Some(_) => {
            problems.push(problem(field, format!("{what} must be text")));
            None
        }
    }
}

/// A required `YYYY-MM-DD` date, today or earlier.
fn past_date(
    object: &Map<String, Value>,
    name: &str,
    field: &str,
    what: &str,
    today: NaiveDate,
    problems: &mut Vec<FormatProblem>,
) -> Option<NaiveDate> {
    let raw = text(object, name, field, what, problems)?;
    match raw.parse::<NaiveDate>() {
        Ok(date) if date > today => {
            problems.push(problem(
                field,
                format!("{what} must be today or in the past"),
            ));
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            problems.push(problem(
                field,
                format!("{what} must be a real date, as YYYY-MM-DD"),
            ));
            None
        }
    }
}

fn object_at<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    what: &str,
    problems: &mut Vec<FormatProblem>,
) -> Option<&'a Map<String, Value>> {
    match object.get(name) {
        Some(Value::Object(inner)) => Some(inner),
        Some(Value::Null) | None => {
            problems.push(problem(name, format!("Give {what}")));
            None
        }
        Some(_) => {
            problems.push(problem(name, format!("Give {what} as an object")));
            None
        }
    }
}

/// Each child, with what the register needs to find or add them: both names and the date
/// of birth at least, and every other detail as the register checks it.
fn children(
    object: &Map<String, Value>,
    today: NaiveDate,
    problems: &mut Vec<FormatProblem>,
) -> Vec<PersonDetails> {
    let Some(list) = object.get("children").and_then(Value::as_array) else {
        problems.push(problem("children", "Give the children the CAF is about"));
        return vec![];
    };
    if list.is_empty() {
        problems.push(problem("children", "Give the children the CAF is about"));
    }
    let mut found = vec![];
    for (i, child) in list.iter().enumerate() {
        let at = |name: &str| format!("children[{i}].{name}");
        let Some(fields) = child.as_object() else {
            problems.push(problem(
                format!("children[{i}]"),
                "Give the child as an object",
            ));
            continue;
        };
        let before = problems.len();
        text(
            fields,
            "given_name",
            &at("given_name"),
            "The child's first name",
            problems,
        );
        text(
            fields,
            "family_name",
            &at("family_name"),
            "The child's last name",
            problems,
        );
        text(
            fields,
            "date_of_birth",
            &at("date_of_birth"),
            "The child's date of birth",
            problems,
        );
        if problems.len() > before {
            continue;
        }
        let input: PersonInput = match serde_json::from_value(child.clone()) {
            Ok(input) => input,
            Err(e) => {
                problems.push(problem(
                    format!("children[{i}]"),
                    format!("The child's details cannot be read: {e}"),
                ));
                continue;
            }
        };
        match input.validate(today) {
            Ok(details) => found.push(details),
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| problem(at(e.field), e.message)))
            }
        }
    }
    found
}

/// The sections, each a known section for the whole family or for one of the children,
/// at most once each.
fn sections(
    object: &Map<String, Value>,
    children: usize,
    problems: &mut Vec<FormatProblem>,
) -> Vec<ReceivedSection> {
    let list = match object.get("sections") {
        None | Some(Value::Null) => return vec![],
        Some(Value::Array(list)) => list,
        Some(_) => {
            problems.push(problem("sections", "Give the sections as a list"));
            return vec![];
        }
    };
    let mut found: Vec<ReceivedSection> = vec![];
    for (i, entry) in list.iter().enumerate() {
        let at = |name: &str| format!("sections[{i}].{name}");
        let Some(fields) = entry.as_object() else {
            problems.push(problem(
                format!("sections[{i}]"),
                "Give the section as an object",
            ));
            continue;
        };
        let Some(key) = text(fields, "key", &at("key"), "The section's key", problems) else {
            continue;
        };
        let Some(known) = section(&key) else {
            problems.push(problem(at("key"), format!("There is no section “{key}”")));
            continue;
        };
        let child = match (known.per_child, fields.get("child")) {
            (true, Some(Value::Number(n))) => {
                match n.as_u64().map(|n| n as usize) {
                    Some(n) if n < children.max(1) => Some(n),
                    _ => {
                        problems.push(problem(
                        at("child"),
                        format!("“{}” must name one of the children by their place in children, from 0", known.title),
                    ));
                        continue;
                    }
                }
            }
            (true, None | Some(Value::Null)) if children <= 1 => Some(0),
            (true, _) => {
                problems.push(problem(
                    at("child"),
                    format!(
                        "Say which child “{}” is about, by their place in children, from 0",
                        known.title
                    ),
                ));
                continue;
            }
            (false, None | Some(Value::Null)) => None,
            (false, Some(_)) => {
                problems.push(problem(
                    at("child"),
                    format!(
                        "“{}” is written once for the whole family: give no child",
                        known.title
                    ),
                ));
                continue;
            }
        };
        let status = match fields.get("status").and_then(Value::as_str) {
            None => SectionStatus::InProgress,
            Some(code) => match SectionStatus::parse(code) {
                Some(s @ (SectionStatus::InProgress | SectionStatus::Complete)) => s,
                _ => {
                    problems.push(problem(
                        at("status"),
                        "The status must be in_progress or complete",
                    ));
                    continue;
                }
            },
        };
        let content = match fields.get("content") {
            Some(content @ Value::Object(_)) => content.clone(),
            _ => {
                problems.push(problem(
                    at("content"),
                    "Give the section's answers as an object",
                ));
                continue;
            }
        };
        if found.iter().any(|s| s.key == key && s.child == child) {
            problems.push(problem(
                at("key"),
                format!("“{}” is given twice", known.title),
            ));
            continue;
        }
        found.push(ReceivedSection {
            key,
            child,
            status,
            content,
        });
    }
    found
}

/// The family's agreement to a CAF here: consent given to the sending service does not
/// carry over.
fn agreement(
    object: &Map<String, Value>,
    today: NaiveDate,
    problems: &mut Vec<FormatProblem>,
) -> Option<Agreement> {
    let Some(raw) = object.get("agreement").filter(|v| !v.is_null()) else {
        problems.push(problem(
            "agreement",
            "Record the family's agreement to a CAF here: consent given to the sending service does not travel with the document",
        ));
        return None;
    };
    match serde_json::from_value::<Agreement>(raw.clone()) {
        Ok(agreement) if agreement.given_by.name().trim().is_empty() => {
            problems.push(problem(
                "agreement.given_by.name",
                "Enter the name of the person who agreed to the CAF",
            ));
            None
        }
        Ok(agreement) if agreement.on > today => {
            problems.push(problem(
                "agreement.on",
                "The date of agreement must be today or in the past",
            ));
            None
        }
        Ok(agreement) => Some(agreement),
        Err(e) => {
            problems.push(problem(
                "agreement",
                format!("The agreement needs given_by (kind parent_or_carer or young_person, and name), on (YYYY-MM-DD) and may_contact_agencies: {e}"),
            ));
            None
        }
    }
}

/// Read a whole CAF sent by another system, with the family's agreement here added to it.
pub fn read_caf(doc: &Value, today: NaiveDate) -> Result<ReceivedCaf, Vec<FormatProblem>> {
    let object = check_format(doc)?;
    let mut problems = vec![];
    let reference = text(
        object,
        "reference",
        "reference",
        "The sending system's reference",
        &mut problems,
    );
    let sender = object_at(
        object,
        "owning_agency",
        "the agency that owns the CAF",
        &mut problems,
    )
    .and_then(|agency| {
        text(
            agency,
            "name",
            "owning_agency.name",
            "The owning agency's name",
            &mut problems,
        )
    });
    let children = children(object, today, &mut problems);
    let count = object
        .get("children")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let sections = sections(object, count, &mut problems);
    let agreement = agreement(object, today, &mut problems);
    let as_sent: Map<String, Value> = KEPT_AS_SENT
        .iter()
        .filter_map(|k| Some((k.to_string(), object.get(*k)?.clone())))
        .collect();
    match (reference, sender, agreement, problems.is_empty()) {
        (Some(reference), Some(sender), Some(agreement), true) => Ok(ReceivedCaf {
            reference,
            sender,
            children,
            sections,
            agreement,
            as_sent: Value::Object(as_sent),
        }),
        _ => Err(problems),
    }
}

/// Read a step-down from children's social care: the children, what social care assessed,
/// the outgoing social worker, the proposed lead professional, the reason and the family's
/// agreement.
pub fn read_step_down(doc: &Value, today: NaiveDate) -> Result<StepDown, Vec<FormatProblem>> {
    let object = check_format(doc)?;
    let mut problems = vec![];
    let children = children(object, today, &mut problems);
    let count = object
        .get("children")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let sections = sections(object, count, &mut problems);
    let worker = object_at(
        object,
        "social_worker",
        "the outgoing social worker",
        &mut problems,
    )
    .and_then(|w| {
        let name = text(
            w,
            "name",
            "social_worker.name",
            "The social worker's name",
            &mut problems,
        );
        let team = text(
            w,
            "team",
            "social_worker.team",
            "The social worker's team",
            &mut problems,
        );
        let contact = text(
            w,
            "contact",
            "social_worker.contact",
            "How to contact the social worker",
            &mut problems,
        );
        let from = past_date(
            w,
            "involved_from",
            "social_worker.involved_from",
            "The date social care became involved",
            today,
            &mut problems,
        );
        let to = past_date(
            w,
            "involved_to",
            "social_worker.involved_to",
            "The step-down date",
            today,
            &mut problems,
        );
        let summary = text(
            w,
            "summary",
            "social_worker.summary",
            "A summary of social care's involvement",
            &mut problems,
        );
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                problems.push(problem(
                    "social_worker.involved_to",
                    "The step-down date must be on or after the date social care became involved",
                ));
                return None;
            }
        }
        Some(OutgoingWorker {
            name: name?,
            team: team?,
            contact: contact?,
            involved_from: from?,
            involved_to: to?,
            summary: summary?,
        })
    });
    let lead = object_at(
        object,
        "lead_professional",
        "the proposed lead professional",
        &mut problems,
    )
    .and_then(|l| {
        let user_id = match l.get("user_id").and_then(Value::as_i64) {
            Some(id) => Some(id),
            None => {
                problems.push(problem(
                    "lead_professional.user_id",
                    "Give the user id, in this service, of the proposed lead professional",
                ));
                None
            }
        };
        let family_view = text(
            l,
            "family_view",
            "lead_professional.family_view",
            "The family's view of the choice",
            &mut problems,
        );
        let child_view = text(
            l,
            "child_view",
            "lead_professional.child_view",
            "The child's view of the choice, or why they could not give one",
            &mut problems,
        );
        Some(ProposedLead {
            user_id: user_id?,
            family_view: family_view?,
            child_view: child_view?,
        })
    });
    let reason = text(
        object,
        "reason",
        "reason",
        "The reason for the step down",
        &mut problems,
    );
    let agreement = agreement(object, today, &mut problems);
    match (worker, lead, reason, agreement, problems.is_empty()) {
        (Some(social_worker), Some(lead_professional), Some(reason), Some(agreement), true) => {
            Ok(StepDown {
                children,
                sections,
                social_worker,
                lead_professional,
                reason,
                agreement,
            })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn document() -> Value {
        json!({
            "format": FORMAT,
            "reference": "CAF-2026-000007",
            "kind": "child",
            "owning_agency": {"name": "Riverside Primary School", "agency_type": "school"},
            "children": [{
                "given_name": "Amelia", "family_name": "Hughes", "date_of_birth": "2019-03-07",
                "nhs_number": "943 476 5919",
                "main_address": {"line1": "4 Mill Lane", "town": "Brookford", "postcode": "BR1 4AB"}
            }],
            "sections": [
                {"key": "family_background", "status": "complete", "content": {"family_background": "Lives with mum."}},
                {"key": "development", "child": 0, "content": {"health": "Well."}}
            ],
            "versions": [{"number": 1, "reason": "Signed off", "snapshot": {}}],
            "events": [{"summary": "CAF-2026-000007 started"}],
            "agreement": {"given_by": {"kind": "parent_or_carer", "name": "Laura Hughes"}, "on": "2026-11-24", "may_contact_agencies": true}
        })
    }

    fn fields(problems: Vec<FormatProblem>) -> Vec<String> {
        problems.into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_whole_caf_reads_with_its_children_sections_and_history_as_sent() {
        let read = read_caf(&document(), today()).unwrap();
        assert_eq!(read.reference, "CAF-2026-000007");
        assert_eq!(read.sender, "Riverside Primary School");
        assert_eq!(read.children.len(), 1);
        assert_eq!(
            read.children[0].nhs_number.as_ref().unwrap().to_string(),
            "943 476 5919"
        );
        assert_eq!(read.sections.len(), 2);
        assert_eq!(read.sections[0].child, None);
        assert_eq!(read.sections[0].status, SectionStatus::Complete);
        assert_eq!(
            read.sections[1].child,
            Some(0),
            "a per-child section of one child"
        );
        assert_eq!(read.sections[1].status, SectionStatus::InProgress);
        assert_eq!(read.as_sent["versions"][0]["number"], 1);
        assert_eq!(
            read.as_sent["events"][0]["summary"],
            "CAF-2026-000007 started"
        );
        assert!(
            read.as_sent.get("agreement").is_none(),
            "consent does not travel"
        );
    }

    #[test]
    fn an_unknown_or_missing_format_is_the_one_problem() {
        for (format, words) in [
            (json!("ecaf.caf/2"), "“ecaf.caf/2” is not one"),
            (Value::Null, "Say the document's format"),
        ] {
            let mut doc = document();
            doc["format"] = format;
            let problems = read_caf(&doc, today()).unwrap_err();
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].field, "format");
            assert!(
                problems[0].message.contains(words),
                "{}",
                problems[0].message
            );
        }
        assert_eq!(fields(read_caf(&json!([1]), today()).unwrap_err()), [""]);
    }

    #[test]
    fn every_missing_or_wrong_field_is_named_by_its_path() {
        let mut doc = document();
        doc["children"][0]
            .as_object_mut()
            .unwrap()
            .remove("date_of_birth");
        doc["children"].as_array_mut().unwrap().push(json!({
            "given_name": "Noah", "family_name": "Hughes", "date_of_birth": "2020-01-01", "nhs_number": "123"
        }));
        doc["sections"] = json!([
            {"key": "nonsense", "content": {}},
            {"key": "development", "content": {}},
            {"key": "family_background", "child": 1, "content": {}},
            {"key": "views", "child": 0, "status": "signed", "content": {}},
            {"key": "purpose", "content": "caf"}
        ]);
        doc.as_object_mut().unwrap().remove("reference");
        doc.as_object_mut().unwrap().remove("agreement");
        let problems = fields(read_caf(&doc, today()).unwrap_err());
        assert_eq!(
            problems,
            [
                "reference",
                "children[0].date_of_birth",
                "children[1].nhs_number",
                "sections[0].key",
                "sections[1].child",
                "sections[2].child",
                "sections[3].status",
                "sections[4].content",
                "agreement",
            ]
        );
    }

    #[test]
    fn a_future_agreement_or_a_section_twice_is_refused() {
        let mut doc = document();
        doc["agreement"]["on"] = json!("2026-12-01");
        doc["sections"] = json!([
            {"key": "views", "content": {}},
            {"key": "views", "child": 0, "content": {}}
        ]);
        assert_eq!(
            fields(read_caf(&doc, today()).unwrap_err()),
            ["sections[1].key", "agreement.on"]
        );
    }

    fn step_down() -> Value {
        let mut doc = document();
        let object = doc.as_object_mut().unwrap();
        object.insert(
            "social_worker".into(),
            json!({"name": "Chris Palmer", "team": "Brookford Children's Social Care, Team 2", "contact": "chris.palmer@example.org",
                   "involved_from": "2026-06-01", "involved_to": "2026-11-24", "summary": "Child in need plan; needs now met at early help level."}),
        );
        object.insert(
            "lead_professional".into(),
            json!({"user_id": 12, "family_view": "Happy with Sam", "child_view": "Likes Sam"}),
        );
        object.insert("reason".into(), json!("Needs now met by early help"));
        doc
    }

    #[test]
    fn a_step_down_reads_its_worker_lead_and_reason() {
        let read = read_step_down(&step_down(), today()).unwrap();
        assert_eq!(read.social_worker.name, "Chris Palmer");
        assert_eq!(
            read.social_worker.involved_to,
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
        assert_eq!(read.lead_professional.user_id, 12);
        assert_eq!(read.reason, "Needs now met by early help");
        assert_eq!(read.sections.len(), 2);
    }

    #[test]
    fn a_step_down_names_each_missing_field() {
        let mut doc = step_down();
        doc["social_worker"] =
            json!({"name": " ", "involved_from": "2026-11-24", "involved_to": "2026-06-01"});
        doc["lead_professional"] = json!({"family_view": "Fine"});
        doc.as_object_mut().unwrap().remove("reason");
        assert_eq!(
            fields(read_step_down(&doc, today()).unwrap_err()),
            [
                "social_worker.name",
                "social_worker.team",
                "social_worker.contact",
                "social_worker.summary",
                "social_worker.involved_to",
                "lead_professional.user_id",
                "lead_professional.child_view",
                "reason",
            ]
        );
        let mut doc = step_down();
        doc.as_object_mut().unwrap().remove("social_worker");
        doc.as_object_mut().unwrap().remove("lead_professional");
        assert_eq!(
            fields(read_step_down(&doc, today()).unwrap_err()),
            ["social_worker", "lead_professional"]
        );
    }

    #[test]
    fn the_early_help_team_and_social_care_may_step_down() {
        let actor = |roles: &[Role]| Actor {
            user_id: 1,
            name: "A".into(),
            email: "a@example.org".into(),
            agency_id: 1,
            roles: roles.to_vec(),
        };
        assert!(may_step_down(
            &actor(&[Role::EarlyHelpTeam]),
            AgencyType::School
        ));
        assert!(may_step_down(
            &actor(&[Role::Practitioner]),
            AgencyType::ChildrensSocialCare
        ));
        assert!(!may_step_down(
            &actor(&[Role::Practitioner]),
            AgencyType::School
        ));
        assert!(!may_step_down(
            &actor(&[Role::Administrator]),
            AgencyType::ChildrensSocialCare
        ));
        assert!(!may_step_down(
            &actor(&[Role::LineManager]),
            AgencyType::ChildrensSocialCare
        ));
    }
}
