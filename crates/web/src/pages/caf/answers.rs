//! The answers typed into a section form: read from the saved section (or the signed-in
//! practitioner, for their own section), read back from a post, and checked into the JSON
//! the store keeps.
use super::fields::{self, Kind, BLANK_INDICATORS, PRIORITIES};
use super::services::{self, ServiceRow};
use super::{dates, Problem};
use crate::visitor::SignedIn;
use ecaf_domain::caf::form::{Section, SectionStatus};
use ecaf_domain::caf::wording::Wording;
use ecaf_store::caf::{indicator_problems, CafContent};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// One element of a domain as shown on the form.
#[derive(Serialize)]
pub(super) struct ElementRow {
    number: usize,
    name: String,
    strengths: String,
    needs: String,
    actions: String,
    not_discussed: bool,
}

#[derive(Serialize)]
pub(super) struct IndicatorRow {
    number: usize,
    need: String,
    score: String,
}

/// Everything typed into the form, as posted or as loaded from the saved section.
pub(super) struct Typed {
    pub values: HashMap<String, String>,
    pub elements: Vec<ElementRow>,
    pub indicators: Vec<IndicatorRow>,
    pub services: Vec<ServiceRow>,
    pub completed: String,
    pub revision: String,
}

pub(super) fn from_saved(
    caf: &CafContent,
    section: &Section,
    child: Option<i64>,
    signed_in: &SignedIn,
    wording: &Wording,
) -> Typed {
    let saved = caf
        .sections
        .iter()
        .find(|s| s.section == section.key && s.child_id == child);
    let content = saved.map(|s| s.content.clone()).unwrap_or(Value::Null);
    let text = |name: &str| {
        content
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut values = HashMap::new();
    for q in fields::questions(section.key) {
        match q.kind {
            Kind::Date => dates::fill(&mut values, q.name, &text(q.name)),
            _ => {
                values.insert(q.name.to_string(), text(q.name));
            }
        }
    }
    if saved.is_none() && section.key == "practitioner" {
        // The practitioner completing the form is usually the one signed in.
        let user = &signed_in.user;
        for (name, value) in [
            ("name", user.name.clone()),
            ("job_title", user.job_title.clone()),
            ("agency", user.agency_name.clone()),
            ("email", user.email.clone()),
            ("telephone", user.telephone.clone().unwrap_or_default()),
            ("mobile", user.mobile.clone().unwrap_or_default()),
        ] {
            values.insert(name.to_string(), value);
        }
    }
    let saved_elements = content.get("elements").and_then(Value::as_array);
    let elements = fields::elements(section.key, wording)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let row = saved_elements.and_then(|all| {
                all.iter()
                    .find(|e| e.get("element").and_then(Value::as_str) == Some(name))
            });
            let part = |p: &str| {
                row.and_then(|r| r.get(p))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            ElementRow {
                number: i + 1,
                name: name.into(),
                strengths: part("strengths"),
                needs: part("needs"),
                actions: part("actions"),
                not_discussed: row
                    .and_then(|r| r.get("not_discussed"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            }
        })
        .collect();
    let mut indicators: Vec<IndicatorRow> = content
        .get("indicators")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .map(|i| {
                    (
                        i.get("need")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        i.get("score").map(|s| s.to_string()).unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, (need, score))| IndicatorRow {
            number: i + 1,
            need,
            score,
        })
        .collect();
    if section.key == PRIORITIES {
        pad(&mut indicators);
    }
    let mut services = services::from_content(&content);
    if section.key == services::SECTION {
        services::pad(&mut services);
    }
    Typed {
        values,
        elements,
        indicators,
        services,
        completed: match saved.map(|s| s.status) {
            Some(SectionStatus::Complete) => "yes".into(),
            Some(_) => "no".into(),
            None => String::new(),
        },
        revision: saved.map(|s| s.revision.to_string()).unwrap_or_default(),
    }
}

/// Blank rows after those entered, so another need can be added without JavaScript.
pub(super) fn pad(indicators: &mut Vec<IndicatorRow>) {
    for _ in 0..BLANK_INDICATORS {
        indicators.push(IndicatorRow {
            number: indicators.len() + 1,
            need: String::new(),
            score: String::new(),
        });
    }
}

pub(super) fn from_posted(
    section: &Section,
    pairs: Vec<(String, String)>,
    wording: &Wording,
) -> Typed {
    // Indicator rows are numbered (`pci_need-2`, `pci_score-2`) so each error can point at
    // its own box.
    let mut values = HashMap::new();
    let mut rows: std::collections::BTreeMap<usize, (String, String)> = Default::default();
    for (name, value) in pairs {
        let numbered = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
        };
        if let Some(n) = numbered("pci_need-") {
            rows.entry(n).or_default().0 = value;
        } else if let Some(n) = numbered("pci_score-") {
            rows.entry(n).or_default().1 = value;
        } else {
            values.insert(name, value);
        }
    }
    let get = |name: String| values.get(&name).cloned().unwrap_or_default();
    let elements = fields::elements(section.key, wording)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, name)| ElementRow {
            number: i + 1,
            name: name.into(),
            strengths: get(format!("e{}_strengths", i + 1)),
            needs: get(format!("e{}_needs", i + 1)),
            actions: get(format!("e{}_actions", i + 1)),
            not_discussed: values.contains_key(&format!("e{}_not_discussed", i + 1)),
        })
        .collect();
    // Validation looks only at the rows entered; blank ones are added again when shown.
    let indicators: Vec<IndicatorRow> = rows
        .into_values()
        .filter(|(need, score)| !need.trim().is_empty() || !score.trim().is_empty())
        .enumerate()
        .map(|(i, (need, score))| IndicatorRow {
            number: i + 1,
            need,
            score,
        })
        .collect();
    let completed = values.get("completed").cloned().unwrap_or_default();
    let revision = values.get("revision").cloned().unwrap_or_default();
    let services = services::from_posted(&values);
    Typed {
        values,
        elements,
        indicators,
        services,
        completed,
        revision,
    }
}

/// The content to store, or what is wrong with the form.
pub(super) fn content(
    section: &Section,
    typed: &Typed,
    today: chrono::NaiveDate,
) -> Result<(SectionStatus, Value), Vec<Problem>> {
    let mut problems = vec![];
    let mut answers = Map::new();
    for q in fields::questions(section.key) {
        let value = match q.kind {
            Kind::Date => match dates::read(
                &typed.values,
                q.name,
                &format!("the {}", q.label.to_lowercase()),
                false,
                today,
            ) {
                Ok(date) => date.map(|d| d.to_string()).unwrap_or_default(),
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            },
            _ => typed
                .values
                .get(q.name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default(),
        };
        answers.insert(q.name.to_string(), Value::String(value));
    }
    if fields::is_domain(section.key) {
        let rows: Vec<Value> = typed
            .elements
            .iter()
            .map(|e| json!({ "element": e.name, "strengths": e.strengths.trim(), "needs": e.needs.trim(), "actions": e.actions.trim(), "not_discussed": e.not_discussed }))
            .collect();
        answers.insert("elements".into(), Value::Array(rows));
    }
    if section.key == PRIORITIES {
        // A score that is not a number is kept as text, so the store's rule names it.
        let rows: Vec<Value> = typed
            .indicators
            .iter()
            .map(|i| {
                let score = i.score.trim();
                let score = score
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| score.into());
                json!({ "need": i.need.trim(), "score": score })
            })
            .collect();
        let indicators = json!({ "indicators": rows });
        for p in indicator_problems(&indicators) {
            let row = &typed.indicators[p.index];
            let message = if p.part == "score" && row.score.trim().is_empty() {
                format!(
                    "Enter the family's score for “{}”, from 1 to 5",
                    row.need.trim()
                )
            } else {
                p.message
            };
            problems.push(Problem::new(
                format!("pci_{}-{}", p.part, row.number),
                message,
            ));
        }
        answers.insert("indicators".into(), indicators["indicators"].clone());
    }
    if section.key == services::SECTION {
        let (rows, row_problems) = services::content(&typed.services);
        problems.extend(row_problems);
        answers.insert("services".into(), rows);
    }
    let status = match typed.completed.as_str() {
        "yes" => SectionStatus::Complete,
        "no" => SectionStatus::InProgress,
        _ => {
            problems.push(Problem::new(
                "completed",
                "Select whether you have completed this section",
            ));
            SectionStatus::InProgress
        }
    };
    if problems.is_empty() {
        Ok((status, Value::Object(answers)))
    } else {
        Err(problems)
    }
}
