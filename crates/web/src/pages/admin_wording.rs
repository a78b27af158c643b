//! Administrators edit the service's wording: its terms, the 19 element names, the consent
//! statement, the withdrawal reasons, the bases for sharing without consent, the reasons for
//! closing and the plain-language glossary. Each save is a new version; CAFs already started
//! keep theirs.
use super::render;
use crate::error::PageError;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::access::ConfigureWording;
use ecaf_domain::caf::form::DOMAINS;
use ecaf_domain::caf::plain_language::Term;
use ecaf_domain::caf::wording::{code_for, Choice, Wording};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

type Admin = Authorised<ConfigureWording>;

/// Blank rows offered below each list, for new entries.
const BLANK_ROWS: usize = 3;

/// The lists with codes, as the form names them.
const LISTS: [&str; 3] = ["withdrawal_reasons", "sharing_bases", "closure_reasons"];

#[derive(Serialize)]
struct Problem {
    field: String,
    message: String,
}

#[derive(Serialize)]
struct Row {
    code: String,
    label: String,
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<i64>,
}

/// The form's fields as typed: the page keeps them when something is wrong.
struct Typed {
    version: String,
    wording: Wording,
    glossary_text: String,
    reason: String,
}

fn glossary_text(glossary: &[Term]) -> String {
    glossary
        .iter()
        .map(|t| format!("{} = {}", t.term, t.instead))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A glossary line is `term = what to say instead`; a line without `=` is kept whole as the
/// term, so the check names it rather than dropping it.
fn parse_glossary(text: &str) -> Vec<Term> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (term, instead) = line.split_once('=').unwrap_or((line, ""));
            Term {
                term: term.trim().into(),
                instead: instead.trim().into(),
            }
        })
        .collect()
}

impl Typed {
    fn from_form(fields: &HashMap<String, String>) -> Self {
        let get = |name: &str| fields.get(name).cloned().unwrap_or_default();
        let element_count: usize = DOMAINS.iter().map(|(_, e)| e.len()).sum();
        let list = |name: &str| {
            let mut taken: Vec<String> = vec![];
            let mut rows = vec![];
            for i in 0..=MAX_ROWS {
                let label = get(&format!("{name}-{i}-label"));
                let code = get(&format!("{name}-{i}-code"));
                if label.trim().is_empty() {
                    continue;
                }
                let code = if code.is_empty() {
                    let refs: Vec<&str> = taken.iter().map(String::as_str).collect();
                    code_for(&label, &refs)
                } else {
                    code
                };
                taken.push(code.clone());
                rows.push(Choice {
                    code,
                    label: label.trim().into(),
                });
            }
            rows
        };
        let glossary = get("glossary");
        Typed {
            version: get("version"),
            wording: Wording {
                assessment: get("assessment").trim().into(),
                lead: get("lead").trim().into(),
                team: get("team").trim().into(),
                elements: (0..element_count)
                    .map(|i| get(&format!("element-{i}")).trim().to_string())
                    .collect(),
                consent_statement: get("consent_statement").trim().into(),
                withdrawal_reasons: list(LISTS[0]),
                sharing_bases: list(LISTS[1]),
                closure_reasons: list(LISTS[2]),
                glossary: parse_glossary(&glossary),
            },
            glossary_text: glossary,
            reason: get("reason"),
        }
    }
}

/// Rows the form may post for a list: the longest list allowed and its blank rows.
const MAX_ROWS: usize = ecaf_domain::caf::wording::MAX_LIST_ENTRIES + BLANK_ROWS;

/// The id of the control a problem is about, for the error summary's link.
fn anchor(field: &str) -> String {
    match field.split_once('.') {
        Some(("elements", i)) => format!("element-{i}"),
        Some(("glossary", _)) => "glossary".into(),
        Some((list, i)) => format!("{list}-{i}-label"),
        None if field == "elements" => "element-0".into(),
        None if LISTS.contains(&field) => format!("{field}-0-label"),
        None => field.into(),
    }
}

async fn page(
    state: &AppState,
    admin: &Admin,
    typed: &Typed,
    problems: Vec<Problem>,
    conflict: Option<String>,
    saved: Option<i64>,
) -> Result<axum::response::Html<String>, PageError> {
    let mut start = 0;
    let domains: Vec<_> = DOMAINS
        .iter()
        .map(|(name, elements)| {
            let fields: Vec<_> = (start..start + elements.len())
                .map(|i| {
                    minijinja::context! {
                        name => format!("element-{i}"),
                        label => format!("Element {}", i + 1),
                        value => typed.wording.elements.get(i).cloned().unwrap_or_default(),
                    }
                })
                .collect();
            start += elements.len();
            minijinja::context! { name => name, fields => fields }
        })
        .collect();
    let rows = |list: &[Choice]| {
        let mut rows: Vec<Row> = list
            .iter()
            .map(|c| Row {
                code: c.code.clone(),
                label: c.label.clone(),
            })
            .collect();
        rows.extend((0..BLANK_ROWS).map(|_| Row {
            code: String::new(),
            label: String::new(),
        }));
        rows
    };
    let versions = state.store.wording_versions().await?;
    render(
        state,
        &admin.signed_in.visitor,
        "/admin/wording",
        "admin/wording.html",
        "Wording",
        minijinja::context! {
            version => typed.version,
            wording => typed.wording,
            domains => domains,
            withdrawal_reasons => rows(&typed.wording.withdrawal_reasons),
            sharing_bases => rows(&typed.wording.sharing_bases),
            closure_reasons => rows(&typed.wording.closure_reasons),
            glossary => typed.glossary_text,
            reason => typed.reason,
            errors => problems,
            conflict => conflict,
            saved => saved,
            versions => versions,
        },
    )
}

pub async fn form(
    State(state): State<AppState>,
    admin: Admin,
    Query(saved): Query<Saved>,
) -> Result<Response, PageError> {
    let (version, wording) = state.store.current_wording().await?;
    let typed = Typed {
        version: version.to_string(),
        glossary_text: glossary_text(&wording.glossary),
        wording: (*wording).clone(),
        reason: String::new(),
    };
    Ok(page(&state, &admin, &typed, vec![], None, saved.saved)
        .await?
        .into_response())
}

pub async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields: HashMap<String, String> = fields.into_iter().collect();
    let mut typed = Typed::from_form(&fields);
    let mut problems: Vec<Problem> = typed
        .wording
        .problems()
        .into_iter()
        .map(|p| Problem {
            field: anchor(&p.field),
            message: p.message,
        })
        .collect();
    if typed.reason.trim().is_empty() {
        problems.push(Problem {
            field: "reason".into(),
            message: "Say why the wording is changing".into(),
        });
    }
    let Ok(expected) = typed.version.parse::<i64>() else {
        return Err(PageError::BadRequest(
            "The form is missing its version: reload the page and try again".into(),
        ));
    };
    if !problems.is_empty() {
        let html = page(&state, &admin, &typed, problems, None, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let by = admin.signed_in.visitor.attribution();
    match state
        .store
        .change_wording(&admin.grant, &by, expected, &typed.wording, &typed.reason)
        .await
    {
        Ok(version) => {
            let (_, wording) = state.store.current_wording().await?;
            state.wording.set(version, wording);
            Ok(Redirect::to(&format!("/admin/wording?saved={version}")).into_response())
        }
        Err(StoreError::Conflict { by, at }) => {
            let latest = state.store.current_wording_version().await?;
            let when = crate::render::moment(at);
            typed.version = latest.to_string();
            let message = format!(
                "{by} saved version {latest} of the wording on {when} while you were editing. Your changes are kept below: check them against the version now in use, then save again."
            );
            let html = page(&state, &admin, &typed, vec![], Some(message), None).await?;
            Ok((StatusCode::CONFLICT, html).into_response())
        }
        Err(StoreError::Refused(message)) => {
            let html = page(
                &state,
                &admin,
                &typed,
                vec![Problem {
                    field: "reason".into(),
                    message,
                }],
                None,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
