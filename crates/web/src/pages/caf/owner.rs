//! Hand a CAF to another agency: which agency, from when, and why.
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_store::caf::{CafContent, OwnerChange};
use ecaf_store::StoreError;
use std::collections::HashMap;

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let agencies = state.store.agencies().await?;
    let owner = agencies
        .iter()
        .find(|a| a.id == caf.owning_agency_id)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let choices: Vec<Choice> = agencies
        .into_iter()
        .filter(|a| a.active && a.id != caf.owning_agency_id)
        .map(|a| Choice::new(a.id, a.name))
        .collect();
    let revision = values
        .get("revision")
        .cloned()
        .unwrap_or_else(|| caf.revision.to_string());
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/owner.html",
        &format!("Change the agency that owns {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            owner => owner,
            agencies => choices,
            values => values,
            revision => revision,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => {
            page(
                &state,
                &signed_in,
                &caf,
                &HashMap::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(existence) => Ok(existence),
    }
}

pub async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let mut errors = vec![];
    let agency = values.get("agency_id").and_then(|v| v.parse::<i64>().ok());
    if agency.is_none() {
        errors.push(Problem::new(
            "agency_id",
            "Select the agency that will own the CAF",
        ));
    }
    let on = dates::read(
        &values,
        "changed_on",
        "the date of the change",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let reason = values.get("reason").cloned().unwrap_or_default();
    if reason.trim().is_empty() {
        errors.push(Problem::new(
            "reason",
            "Say why the CAF is moving to another agency",
        ));
    }
    let (Some(agency_id), Some(on), true) = (agency, on, errors.is_empty()) else {
        return page(
            &state,
            &signed_in,
            &caf,
            &values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let change = OwnerChange {
        agency_id,
        on,
        reason,
        expected_revision: values
            .get("revision")
            .and_then(|r| r.parse().ok())
            .unwrap_or(caf.revision),
    };
    match state
        .store
        .change_caf_owner(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            &change,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cafs/{id}")).into_response()),
        Err(StoreError::Refused(why)) => {
            let field = if why.contains("date") {
                "changed_on-day"
            } else if why.contains("reason") || why.contains("Say why") {
                "reason"
            } else {
                "agency_id"
            };
            page(
                &state,
                &signed_in,
                &caf,
                &values,
                vec![Problem::new(field, why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { by, at }) => {
            let mut kept = values.clone();
            kept.insert("revision".into(), caf.revision.to_string());
            let problem = Problem::new("agency_id", super::changed_meanwhile("The CAF", &by, at));
            page(
                &state,
                &signed_in,
                &caf,
                &kept,
                vec![problem],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
