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
    for (i, service) in answers
        .get("services")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        rows.push(Row {
            key: format!("Service {}", i + 1),
            value: super::services::described(service),
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

/// One answer that differs between two versions of a CAF.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Change {
    /// The question (or element, or Parent/Child Indicator) as the form asks it.
    pub question: String,
    /// Empty when it was not answered.
    pub before: String,
    pub after: String,
}

/// What changed in one section (for one child, in a family CAF).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SectionChange {
    pub title: String,
    pub section: String,
    pub child_id: Option<i64>,
    pub status_before: String,
    pub status_after: String,
    pub changes: Vec<Change>,
}

/// Section by section, what differs between two versions (each a serialised `CafContent`):
/// only sections with a changed answer or status, in the form's order, each with only the
/// questions that changed. Answers are compared as the family and practitioner read them, so
/// a change of stored shape that reads the same is not reported.
pub(crate) fn compare(before: &Value, after: &Value) -> Vec<SectionChange> {
    let old = cards(before, false);
    let mut changed = vec![];
    for card in cards(after, false) {
        let earlier = old.iter().find(|c| c.is(card.section, card.child_id));
        let earlier_rows = earlier.map(|c| c.rows.as_slice()).unwrap_or_default();
        let value_in = |rows: &[Row], key: &str| {
            rows.iter()
                .find(|r| r.key == key)
                .map(|r| r.value.clone())
                .unwrap_or_default()
        };
        let mut changes: Vec<Change> = card
            .rows
            .iter()
            .map(|r| Change {
                question: r.key.clone(),
                before: value_in(earlier_rows, &r.key),
                after: r.value.clone(),
            })
            .collect();
        // Answers the later version no longer has (a Parent/Child Indicator removed).
        changes.extend(
            earlier_rows
                .iter()
                .filter(|r| !card.rows.iter().any(|n| n.key == r.key))
                .map(|r| Change {
                    question: r.key.clone(),
                    before: r.value.clone(),
                    after: String::new(),
                }),
        );
        changes.retain(|c| c.before != c.after);
        let status_before = earlier.map_or("Not yet started", |c| c.status.as_str());
        if changes.is_empty() && status_before == card.status {
            continue;
        }
        changed.push(SectionChange {
            title: card.title,
            section: card.section.into(),
            child_id: card.child_id,
            status_before: status_before.into(),
            status_after: card.status,
            changes,
        });
    }
    changed
}

/// One side of a comparison: a frozen version, or the CAF as it is now (`now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Version(i64),
    Now,
}

impl Side {
    pub fn parse(text: &str) -> Option<Side> {
        match text.trim() {
            "now" => Some(Side::Now),
            number => number.parse().ok().filter(|n| *n > 0).map(Side::Version),
        }
    }

    pub fn code(self) -> String {
        match self {
            Side::Version(n) => n.to_string(),
            Side::Now => "now".into(),
        }
    }

    pub fn label(self) -> String {
        match self {
            Side::Version(n) => format!("Version {n}"),
            Side::Now => "Now".into(),
        }
    }

    /// This side's content: a version's snapshot, or `now` as it is.
    pub fn content(
        self,
        versions: &[ecaf_store::caf::VersionRow],
        now: &ecaf_store::caf::CafContent,
    ) -> Option<Value> {
        match self {
            Side::Version(n) => versions
                .iter()
                .find(|v| v.number == n)
                .map(|v| v.snapshot.clone()),
            Side::Now => serde_json::to_value(now).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn caf(sections: Value) -> Value {
        json!({ "id": 7, "children": [[1, "Amelia Hughes"], [2, "Noah Hughes"]], "sections": sections })
    }

    #[test]
    fn only_changed_answers_are_listed_section_by_section_and_child_by_child() {
        let before = caf(json!([
            { "section": "family_background", "child_id": null, "status": "complete",
              "content": { "family_background": "Lives with mum." } },
            { "section": "views", "child_id": 1, "status": "complete",
              "content": { "child_views": "Likes school", "parent_views": "Worried" } },
            { "section": "priorities", "child_id": null, "status": "complete",
              "content": { "strengths": "Close family", "indicators": [
                  { "need": "Sleep", "score": 4 }, { "need": "School", "score": 3 } ] } },
        ]));
        let after = caf(json!([
            { "section": "family_background", "child_id": null, "status": "complete",
              "content": { "family_background": "Lives with mum." } },
            { "section": "views", "child_id": 1, "status": "complete",
              "content": { "child_views": "Likes school now", "parent_views": "Worried" } },
            { "section": "views", "child_id": 2, "status": "in_progress",
              "content": { "child_views": "Misses dad" } },
            { "section": "priorities", "child_id": null, "status": "complete",
              "content": { "strengths": "Close family", "indicators": [ { "need": "Sleep", "score": 2 } ] } },
        ]));
        let changes = compare(&before, &after);
        let titles: Vec<&str> = changes.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Agreed priorities and Parent/Child Indicators",
                "Views of the child or young person and the parents: Amelia Hughes",
                "Views of the child or young person and the parents: Noah Hughes",
            ]
        );
        let pci = &changes[0].changes;
        assert_eq!(pci.len(), 2);
        assert_eq!(
            (pci[0].before.as_str(), pci[0].after.as_str()),
            ("Sleep: 4 out of 5", "Sleep: 2 out of 5")
        );
        assert_eq!(
            (pci[1].question.as_str(), pci[1].after.as_str()),
            ("Parent/Child Indicator 2", "")
        );
        assert_eq!(changes[1].changes.len(), 1, "parent views did not change");
        assert_eq!(
            changes[1].changes[0].question,
            "The child's or young person's views"
        );
        assert_eq!(
            (
                changes[2].status_before.as_str(),
                changes[2].status_after.as_str()
            ),
            ("Not yet started", "In progress")
        );
        assert!(compare(&after, &after).is_empty());
    }

    #[test]
    fn sides_are_a_positive_version_number_or_now() {
        assert_eq!(Side::parse("2"), Some(Side::Version(2)));
        assert_eq!(Side::parse(" now "), Some(Side::Now));
        for bad in ["0", "-1", "", "v1", "1.5", "99999999999999999999"] {
            assert_eq!(Side::parse(bad), None, "{bad}");
        }
    }
}
