//! Check answers, then sign off the assessment, which freezes version 1. A refused sign-off
//! lists each section still to complete, linked to it.
use super::task_list::tasks;
use super::{children_names, manager_sign_off, open, summary, Problem};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::plain_language;
use ecaf_domain::caf::sign_off::{SignOffAsked, SignOffStep};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SignOffForm {
    #[serde(default)]
    revision: String,
}

/// The required tasks not yet complete, as errors linking to each.
fn missing(caf: &CafContent) -> Vec<Problem> {
    tasks(caf)
        .into_iter()
        .filter(|t| t.required && t.status_code != "complete")
        .map(|t| Problem::new(t.href, format!("Complete “{}”", t.title)))
        .collect()
}

/// Every string the family will read in the CAF's sections.
fn family_text(value: &serde_json::Value, into: &mut String) {
    match value {
        serde_json::Value::String(text) => {
            into.push_str(text);
            into.push('\n');
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| family_text(v, into)),
        serde_json::Value::Object(fields) => fields.values().for_each(|v| family_text(v, into)),
        _ => {}
    }
}

/// Jargon and unexplained acronyms in what the family will read, each in its context; the
/// practitioner may still sign off.
fn plain_language_hits(
    caf: &CafContent,
    glossary: &[plain_language::Term],
) -> Vec<plain_language::Hit> {
    let mut text = String::new();
    for section in &caf.sections {
        family_text(&section.content, &mut text);
    }
    plain_language::check(&text, glossary)
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let wording = state.store.wording(caf.wording_version).await?;
    let content = serde_json::to_value(caf).map_err(|e| PageError::Internal(e.into()))?;
    let (manager_sign_off, held) =
        manager_sign_off::status(state, caf, Some(SignOffStep::Assessment)).await?;
    let editable = caf.state == CafState::Draft && !held;
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/sign_off.html",
        &format!("Check the assessment for {}", children_names(caf)),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference, revision => caf.revision, state => caf.state.label() },
            names => children_names(caf),
            cards => summary::cards(&content, editable),
            editable => editable,
            still_missing => missing(caf).len(),
            plain_language => plain_language_hits(caf, &wording.glossary),
            errors => errors,
            manager_sign_off => manager_sign_off,
            held => held,
            needs_manager => manager_sign_off::required(state, SignOffStep::Assessment).await?,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn check(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => page(&state, &signed_in, &caf, vec![], StatusCode::OK).await,
        Err(existence) => Ok(existence),
    }
}

pub async fn sign_off(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<SignOffForm>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let expected = form.revision.trim().parse::<i64>().unwrap_or(caf.revision);
    let (actor, by) = (signed_in.user.actor(), signed_in.visitor.attribution());
    let done = if manager_sign_off::required(&state, SignOffStep::Assessment).await? {
        state
            .store
            .request_sign_off(&actor, &by, caf.id, expected, &SignOffAsked::Assessment)
            .await
            .map(|_| format!("/cafs/{}/sign-off", caf.id))
    } else {
        state
            .store
            .sign_off_caf(&actor, &by, caf.id, expected)
            .await
            .map(|version| format!("/cafs/{}/versions/{version}", caf.id))
    };
    match done {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(StoreError::Refused(why)) => {
            let mut errors = missing(&caf);
            if errors.is_empty() {
                errors.push(Problem::new("sign-off", why));
            }
            page(
                &state,
                &signed_in,
                &caf,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { by, at }) => {
            let when = super::moment(at);
            let errors = vec![Problem::new(
                "sign-off",
                format!("The assessment was changed by {by} on {when}. Check the answers again before signing off"),
            )];
            page(&state, &signed_in, &caf, errors, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}
