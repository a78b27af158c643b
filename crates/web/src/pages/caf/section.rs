//! One section of the form, saved on its own with the revision it was read at, so two people
//! editing it never lose an update: the second is shown "changed by X at T" with their own
//! typing kept.
use super::answers::{content, from_posted, from_saved, pad, Typed};
use super::fields::{self, PRIORITIES};
use super::services;
use super::summary::{self, Card};
use super::{open, today, Problem};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::caf::form::{section as find_section, Section};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Which {
    child: Option<i64>,
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
    theirs: Option<Card>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut typed = typed;
    if section.key == PRIORITIES && !errors.is_empty() {
        pad(&mut typed.indicators);
    }
    if section.key == services::SECTION && !errors.is_empty() {
        services::pad(&mut typed.services);
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
            services => typed.services,
            has_services => section.key == services::SECTION,
            service_kinds => services::KINDS.iter().map(|(value, text)| minijinja::context! { value => value, text => text }).collect::<Vec<_>>(),
            completed => typed.completed,
            revision => typed.revision,
            action => action(caf.id, section, child),
            errors => errors,
            theirs => theirs,
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
    let wording = state.store.wording(caf.wording_version).await?;
    let typed = from_saved(
        &caf,
        section,
        child.as_ref().map(|c| c.0),
        &signed_in,
        &wording,
    );
    page(
        &state,
        &signed_in,
        &caf,
        section,
        &child,
        typed,
        vec![],
        None,
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
    let wording = state.store.wording(caf.wording_version).await?;
    let typed = from_posted(section, pairs, &wording);
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
                None,
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
            // Their saved answers, to compare with the typing shown in the form.
            let current = serde_json::to_value(&*caf).map_err(|e| PageError::Internal(e.into()))?;
            let theirs = summary::cards(&current, false)
                .into_iter()
                .find(|card| card.is(section.key, child.as_ref().map(|c| c.0)));
            let when = super::moment(at);
            let message = format!(
                "This section was changed by {by} on {when} while you were working on it, so your changes were not saved. Your answers are shown below: check them against theirs, then save again to replace their version"
            );
            page(
                &state,
                &signed_in,
                &caf,
                section,
                &child,
                typed,
                vec![Problem::new("completed", message)],
                theirs,
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
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(other) => Err(other.into()),
    }
}
