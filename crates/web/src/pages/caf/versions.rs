//! The frozen versions of a CAF, each shown as it was, and the child's chronology across all
//! their CAFs.
use super::summary::{self, Side};
use super::{children_names, open, Problem};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::{Authorised, SignedIn};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecaf_domain::access::UseRegister;
use ecaf_store::caf::{CafContent, VersionRow};
use serde::Deserialize;

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let versions = state
        .store
        .caf_versions(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?;
    list_page(&state, &signed_in, &caf, &versions, &[], StatusCode::OK)
}

/// The versions, with the form that compares two of them (and its errors).
fn list_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    versions: &[VersionRow],
    errors: &[Problem],
    status: StatusCode,
) -> Result<Response, PageError> {
    let rows: Vec<_> = versions
        .iter()
        .map(|v| minijinja::context! { number => v.number, at => v.at, by => v.by, reason => v.reason })
        .collect();
    let latest = versions.last().map(|v| v.number);
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/versions.html",
        &format!("Versions of {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            versions => rows,
            latest => latest,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, number)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let version = state
        .store
        .caf_versions(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?
        .into_iter()
        .find(|v| v.number == number)
        .ok_or(PageError::NotFound)?;
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/version.html",
        &format!("Version {number} of {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            version => minijinja::context! { number => version.number, at => version.at, by => version.by, reason => version.reason },
            cards => summary::cards(&version.snapshot, false),
        },
    )?;
    Ok(html.into_response())
}

pub async fn chronology(
    State(state): State<AppState>,
    register: Authorised<UseRegister>,
    Path(person_id): Path<i64>,
) -> Result<Response, PageError> {
    let signed_in = &register.signed_in;
    let by = signed_in.visitor.attribution();
    let person = state.store.person(&register.grant, &by, person_id).await?;
    let events = state
        .store
        .chronology(&signed_in.user.actor(), &by, person_id)
        .await?;
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/chronology.html",
        &format!("Chronology for {}", person.full_name()),
        minijinja::context! {
            person => minijinja::context! { id => person.id, name => person.full_name() },
            events => events,
        },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Two versions side by side, section by section: only what changed. `to=now` is the CAF as
/// it is now, so a practitioner sees what a review will freeze.
pub async fn compare(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<CompareQuery>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let versions = state
        .store
        .caf_versions(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?;
    let pick = |given: &Option<String>, field: &str, which: &str| {
        let side = given.as_deref().and_then(Side::parse);
        match side.and_then(|s| s.content(&versions, &caf).map(|c| (s, c))) {
            Some(found) => Ok(found),
            None => Err(Problem::new(
                field,
                format!("Choose the version to compare {which}"),
            )),
        }
    };
    let from = pick(&query.from, "from", "from");
    let to = pick(&query.to, "to", "with");
    let ((from, before), (to, after)) = match (from, to) {
        (Ok(from), Ok(to)) if !versions.is_empty() => (from, to),
        (from, to) => {
            let errors: Vec<Problem> = if versions.is_empty() {
                vec![Problem::new(
                    "from",
                    "There is nothing to compare yet: version 1 is made when the assessment is signed off",
                )]
            } else {
                [from.err(), to.err()].into_iter().flatten().collect()
            };
            return list_page(
                &state,
                &signed_in,
                &caf,
                &versions,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/compare.html",
        &format!(
            "{} compared with {}: {}",
            from.label(),
            to.label().to_lowercase(),
            caf.reference
        ),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            from => from.label(),
            to => to.label(),
            to_is_now => to == Side::Now,
            sections => summary::compare(&before, &after),
        },
    )?;
    Ok(html.into_response())
}
