//! The answers of every section as GOV.UK summary cards, for the check-answers page and for
//! a frozen version. Both read the same JSON (a version's snapshot is the CAF's content as
//! it was), so a version is shown exactly as the current CAF would have been.
use super::fields::{self, Kind, PRIORITIES};
use ecaf_domain::caf::form::SECTIONS;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub(super) struct Row {
    key: String,
    value: String,
}

#[derive(Serialize)]
pub(super) struct Card {
    title: String,
    /// Where to change it, while the assessment can still be changed.
    href: Option<String>,
    status: String,
    rows: Vec<Row>,
    #[serde(skip)]
    section: &'static str,
    #[serde(skip)]
    child_id: Option<i64>,
}

impl Card {
    /// Whether this is the card of `section` (for `child_id` where it is per child).
    pub fn is(&self, section: &str, child_id: Option<i64>) -> bool {
        self.section == section && self.child_id == child_id
    }
}

/// `content` is a serialised `CafContent` (or a version's snapshot of one).
pub(super) fn cards(content: &Value, change_links: bool) -> Vec<Card> {
    let id = content
        .get("id")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let children: Vec<(i64, String)> = content
        .get("children")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(|c| Some((c.get(0)?.as_i64()?, c.get(1)?.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let empty = vec![];
    let sections = content
        .get("sections")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut cards = vec![];
    for section in SECTIONS {
        let targets: Vec<Option<&(i64, String)>> = if section.per_child {
            children.iter().map(Some).collect()
        } else {
            vec![None]
        };
        for child in targets {
            let child_id = child.map(|c| c.0);
            let saved = sections.iter().find(|s| {
                s.get("section").and_then(Value::as_str) == Some(section.key)
                    && s.get("child_id").and_then(Value::as_i64) == child_id
            });
            let answers = saved
                .and_then(|s| s.get("content"))
                .cloned()
                .unwrap_or(Value::Null);
            let title = match child {
                Some((_, name)) if children.len() > 1 => format!("{}: {name}", section.title),
                _ => section.title.to_string(),
            };
            let href = change_links.then(|| match child_id {
                Some(c) => format!("/cafs/{id}/sections/{}?child={c}", section.key),
                None => format!("/cafs/{id}/sections/{}", section.key),
            });
            let status = match saved.and_then(|s| s.get("status")).and_then(Value::as_str) {
                Some("complete") => "Completed",
                Some(_) => "In progress",
                None => "Not yet started",
            };
            cards.push(Card {
                title,
                href,
                status: status.into(),
                rows: rows(section.key, &answers),
                section: section.key,
                child_id,
            });
        }
    }
    cards
}

fn rows(key: &str, answers: &Value) -> Vec<Row> {
    let text = |name: &str| {
        answers
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut rows: Vec<Row> = fields::questions(key)
        .iter()
        .map(|q| {
            let stored = text(q.name);
            let value = match q.kind {
                Kind::Date => stored
                    .parse::<chrono::NaiveDate>()
                    .map(|d| d.format("%-d %B %Y").to_string())
                    .unwrap_or(stored),
                _ => fields::answer_text(q, &stored),
            };
            Row {
                key: q.label.into(),
                value,
            }
        })
        .collect();
    for element in answers
        .get("elements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let part = |p: &str| element.get(p).and_then(Value::as_str).unwrap_or_default();
        let value = if element.get("not_discussed").and_then(Value::as_bool) == Some(true) {
            "Not discussed".to_string()
        } else {
            [
                ("Strengths", part("strengths")),
                ("Needs or concerns", part("needs")),
                ("Actions already taken", part("actions")),
            ]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(label, v)| format!("{label}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
        };
        rows.push(Row {
            key: part("element").into(),
            value,
        });
    }
    if key == PRIORITIES {
        for (i, indicator) in answers
            .get("indicators")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let need = indicator
                .get("need")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let score = indicator
                .get("score")
                .and_then(Value::as_i64)
                .unwrap_or_default();
            rows.push(Row {
                key: format!("Parent/Child Indicator {}", i + 1),
                value: format!("{need}: {score} out of 5"),
            });
        }
    }
    rows
}
