//! "Who else is working with the child": one row per service (school, GP, others), each
//! with its contact and the support it gives, as many as there are. Rows are numbered
//! (`service_name-2`) so each error points at its own box, and blank rows follow those
//! entered so another can be added without JavaScript.
use super::Problem;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The section that lists them.
pub(super) const SECTION: &str = "others_working";

/// Blank rows offered after those entered.
const BLANK_ROWS: usize = 2;

/// The most rows a section may hold: more would be a list of every service in the area.
const MAX_ROWS: usize = 40;

pub(super) const KINDS: &[(&str, &str)] = &[
    ("school", "School, nursery or college"),
    ("gp", "GP"),
    ("health", "Other health service"),
    ("other", "Other service"),
];

#[derive(Debug, Default, Serialize)]
pub(super) struct ServiceRow {
    pub number: usize,
    pub kind: String,
    pub name: String,
    pub contact: String,
    pub support: String,
}

impl ServiceRow {
    fn is_blank(&self) -> bool {
        [&self.kind, &self.name, &self.contact, &self.support]
            .iter()
            .all(|v| v.trim().is_empty())
    }
}

/// The rows saved in a section's content.
pub(super) fn from_content(content: &Value) -> Vec<ServiceRow> {
    content
        .get("services")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, row)| {
            let part = |p: &str| {
                row.get(p)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            ServiceRow {
                number: i + 1,
                kind: part("kind"),
                name: part("name"),
                contact: part("contact"),
                support: part("support"),
            }
        })
        .collect()
}

/// The rows as posted, blank ones dropped and the rest renumbered.
pub(super) fn from_posted(values: &HashMap<String, String>) -> Vec<ServiceRow> {
    let mut rows: BTreeMap<usize, ServiceRow> = BTreeMap::new();
    for (name, value) in values {
        let Some((field, n)) = name
            .strip_prefix("service_")
            .and_then(|rest| rest.rsplit_once('-'))
        else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        let row = rows.entry(n).or_default();
        match field {
            "kind" => row.kind = value.clone(),
            "name" => row.name = value.clone(),
            "contact" => row.contact = value.clone(),
            "support" => row.support = value.clone(),
            _ => {}
        }
    }
    rows.into_values()
        .filter(|r| !r.is_blank())
        .enumerate()
        .map(|(i, r)| ServiceRow { number: i + 1, ..r })
        .collect()
}

/// Blank rows after those entered.
pub(super) fn pad(rows: &mut Vec<ServiceRow>) {
    for _ in 0..BLANK_ROWS {
        rows.push(ServiceRow {
            number: rows.len() + 1,
            ..Default::default()
        });
    }
}

/// The rows as stored, or what is wrong with each.
pub(super) fn content(rows: &[ServiceRow]) -> (Value, Vec<Problem>) {
    let mut problems = vec![];
    if rows.len() > MAX_ROWS {
        problems.push(Problem::new(
            format!("service_name-{}", MAX_ROWS + 1),
            format!("List {MAX_ROWS} services or fewer"),
        ));
    }
    for row in rows {
        if !KINDS.iter().any(|(code, _)| *code == row.kind) {
            problems.push(Problem::new(
                format!("service_kind-{}", row.number),
                format!("Select what kind of service service {} is", row.number),
            ));
        }
        if row.name.trim().is_empty() {
            problems.push(Problem::new(
                format!("service_name-{}", row.number),
                format!("Enter the name of service {}", row.number),
            ));
        }
    }
    let stored: Vec<Value> = rows
        .iter()
        .map(|r| json!({ "kind": r.kind, "name": r.name.trim(), "contact": r.contact.trim(), "support": r.support.trim() }))
        .collect();
    (Value::Array(stored), problems)
}

/// One row as the check-answers page and versions read it.
pub(super) fn described(row: &Value) -> String {
    let part = |p: &str| row.get(p).and_then(Value::as_str).unwrap_or_default();
    let kind = KINDS
        .iter()
        .find(|(code, _)| *code == part("kind"))
        .map_or(part("kind"), |(_, label)| label);
    [
        format!("{kind}: {}", part("name")),
        match part("contact") {
            "" => String::new(),
            c => format!("Contact: {c}"),
        },
        match part("support") {
            "" => String::new(),
            s => format!("Support they give: {s}"),
        },
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect::<Vec<_>>()
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posted_rows_drop_blanks_renumber_and_name_each_problem() {
        let values: HashMap<String, String> = [
            ("service_kind-1", "school"),
            ("service_name-1", "Riverside Primary"),
            ("service_support-1", "Breakfast club"),
            ("service_kind-2", ""),
            ("service_name-2", ""),
            ("service_kind-3", "other"),
            ("service_contact-3", "01632 960 000"),
            ("completed", "yes"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let rows = from_posted(&values);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].number, 2, "the blank row is gone");
        let (stored, problems) = content(&rows);
        assert_eq!(stored[0]["name"], "Riverside Primary");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["service_name-2"]);
        assert_eq!(
            described(&stored[0]),
            "School, nursery or college: Riverside Primary\nSupport they give: Breakfast club"
        );
    }
}
