//! The frozen versions of a CAF, each shown as it was, and the child's chronology across all
//! their CAFs.
use super::{children_names, open, summary};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::{Authorised, SignedIn};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ecaf_domain::access::UseRegister;

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
    let rows: Vec<_> = versions
        .iter()
        .map(|v| minijinja::context! { number => v.number, at => v.at, by => v.by, reason => v.reason })
        .collect();
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/versions.html",
        &format!("Versions of {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            versions => rows,
        },
    )?;
    Ok(html.into_response())
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
