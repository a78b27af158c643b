//! One section of the form, saved on its own with the revision it was read at, so two people
//! editing it never lose an update: the second is shown "changed by X at T" with their own
//! typing kept.
use super::fields::{self, Kind, BLANK_INDICATORS, PRIORITIES};
use super::{dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::caf::form::{section as find_section, Section, SectionStatus};
use ecaf_store::caf::{indicator_problems, CafContent};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

#[derive(Deserialize)]
pub struct Which {
    child: Option<i64>,
}

/// One element of a domain as shown on the form.
#[derive(Serialize)]
struct ElementRow {
    number: usize,
    name: &'static str,
    strengths: String,
    needs: String,
    actions: String,
    not_discussed: bool,
}

#[derive(Serialize)]
struct IndicatorRow {
    number: usize,
    need: String,
    score: String,
}

/// Everything typed into the form, as posted or as loaded from the saved section.
struct Typed {
    values: HashMap<String, String>,
    elements: Vec<ElementRow>,
    indicators: Vec<IndicatorRow>,
    completed: String,
    revision: String,
}

/// The child a per-child section is about: (person id, name).
type Child = Option<(i64, String)>;

/// The section and, for a per-child section, which child it is about.
fn locate(
    caf: &CafContent,
    key: &str,
    child: Option<i64>,
) -> Result<(&'static Section, Child), PageError> {
    let section = find_section(key).ok_or(PageError::NotFound)?;
    if !section.per_child {
        return Ok((section, None));
    }
    let child = match child {
        Some(id) => caf.children.iter().find(|(c, _)| *c == id),
        None if caf.children.len() == 1 => caf.children.first(),
        None => None,
    };
    Ok((section, Some(child.cloned().ok_or(PageError::NotFound)?)))
}

fn from_saved(
    caf: &CafContent,
    section: &Section,
    child: Option<i64>,
    signed_in: &SignedIn,
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
    let elements = fields::elements(section.key)
        .unwrap_or_default()
        .iter()
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
                name,
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
    Typed {
        values,
        elements,
        indicators,
        completed: match saved.map(|s| s.status) {
            Some(SectionStatus::Complete) => "yes".into(),
            Some(_) => "no".into(),
            None => String::new(),
        },
        revision: saved.map(|s| s.revision.to_string()).unwrap_or_default(),
    }
}

/// Blank rows after those entered, so another need can be added without JavaScript.
fn pad(indicators: &mut Vec<IndicatorRow>) {
    for _ in 0..BLANK_INDICATORS {
        indicators.push(IndicatorRow {
            number: indicators.len() + 1,
            need: String::new(),
            score: String::new(),
        });
    }
}

fn from_posted(section: &Section, pairs: Vec<(String, String)>) -> Typed {
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
    let elements = fields::elements(section.key)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, name)| ElementRow {
            number: i + 1,
            name,
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
    Typed {
        values,
        elements,
        indicators,
        completed,
        revision,
    }
}

/// The content to store, or what is wrong with the form.
fn content(
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
    if fields::elements(section.key).is_some() {
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

fn action(caf_id: i64, section: &Section, child: &Child) -> String {
    match child {
        Some((id, _)) => format!("/cafs/{caf_id}/sections/{}?child={id}", section.key),
        None => format!("/cafs/{caf_id}/sections/{}", section.key),
    }
}

#[allow(clippy::too_many_arguments)]
fn page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    section: &Section,
    child: &Child,
    typed: Typed,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut typed = typed;
    if section.key == PRIORITIES && !errors.is_empty() {
        pad(&mut typed.indicators);
    }
    let title = match child {
        Some((_, name)) => format!("{} for {name}", section.title),
        None => section.title.to_string(),
    };
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/section.html",
        &title,
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            heading => title,
            section => section,
            questions => fields::questions(section.key).iter().map(fields::Question::for_template).collect::<Vec<_>>(),
            values => typed.values,
            elements => typed.elements,
            indicators => typed.indicators,
            has_indicators => section.key == PRIORITIES,
            completed => typed.completed,
            revision => typed.revision,
            action => action(caf.id, section, child),
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, key)): Path<(i64, String)>,
    Query(which): Query<Which>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let (section, child) = locate(&caf, &key, which.child)?;
    let typed = from_saved(&caf, section, child.as_ref().map(|c| c.0), &signed_in);
    page(
        &state,
        &signed_in,
        &caf,
        section,
        &child,
        typed,
        vec![],
        StatusCode::OK,
    )
}

pub async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, key)): Path<(i64, String)>,
    Query(which): Query<Which>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let (section, child) = locate(&caf, &key, which.child)?;
    let typed = from_posted(section, pairs);
    let (status, value) = match content(section, &typed, today(&state)) {
        Ok(ok) => ok,
        Err(problems) => {
            return page(
                &state,
                &signed_in,
                &caf,
                section,
                &child,
                typed,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let expected = typed.revision.trim().parse::<i64>().ok();
    let saved = state
        .store
        .save_caf_section(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            caf.id,
            section.key,
            child.as_ref().map(|c| c.0),
            expected,
            status,
            &value,
        )
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{}", caf.id)).into_response()),
        Err(StoreError::Conflict { by, at }) => {
            // Keep what they typed, but carry the newer revision: saving again now is a
            // deliberate choice to replace the other person's version, having been told.
            let mut typed = typed;
            typed.revision = caf
                .sections
                .iter()
                .find(|s| s.section == section.key && s.child_id == child.as_ref().map(|c| c.0))
                .map(|s| s.revision.to_string())
                .unwrap_or_default();
            let when = at
                .with_timezone(&chrono_tz::Europe::London)
                .format("%-d %B %Y at %-I:%M%P");
            let message = format!(
                "This section was changed by {by} at {when} while you were working on it, so your changes were not saved. Your answers are shown below: check them against theirs, then save again to replace their version"
            );
            page(
                &state,
                &signed_in,
                &caf,
                section,
                &child,
                typed,
                vec![Problem::new("completed", message)],
                StatusCode::CONFLICT,
            )
        }
        Err(StoreError::Refused(why)) => page(
            &state,
            &signed_in,
            &caf,
            section,
            &child,
            typed,
            vec![Problem::new("completed", why)],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(other) => Err(other.into()),
    }
}
