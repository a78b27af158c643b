//! Caseloads and handover: a line manager (or deputy) or the early help team sees whose CAFs
//! they may hand over, and hands one practitioner's CAFs, one or all at once, to another.
use super::{dates, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::caf::handover::Handover;
use ecaf_store::caf::HeldCaf;
use ecaf_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;

pub async fn caseloads(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let caseloads = state.store.caseloads(&signed_in.user.actor()).await?;
    let html = render(
        &state,
        &signed_in.visitor,
        "/caseloads",
        "caf/caseloads.html",
        "Caseloads",
        minijinja::context! { caseloads => caseloads },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    holder: i64,
    held: &[HeldCaf],
    values: &HashMap<String, String>,
    chosen: &[String],
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let people = state.store.practitioners().await?;
    let name = people
        .iter()
        .find(|p| p.id == holder)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| format!("User {holder}"));
    let others: Vec<Choice> = people
        .into_iter()
        .filter(|p| p.id != holder)
        .map(|p| {
            Choice::new(
                p.id,
                format!("{} ({}, {})", p.name, p.job_title, p.agency_name),
            )
        })
        .collect();
    let html = render(
        state,
        &signed_in.visitor,
        "/caseloads",
        "caf/handover.html",
        &format!("Hand over {name}'s CAFs",),
        minijinja::context! {
            holder => holder,
            name => name,
            held => held,
            others => others,
            values => values,
            chosen => chosen,
            done => values.get("done").cloned(),
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(holder): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let held = state
        .store
        .held_cafs(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            holder,
        )
        .await?;
    let mut values = HashMap::new();
    if let Some(n) = done.done {
        values.insert("done".to_string(), n.to_string());
    }
    let all: Vec<String> = held.iter().map(|c| c.id.to_string()).collect();
    page(
        &state,
        &signed_in,
        holder,
        &held,
        &values,
        &all,
        vec![],
        StatusCode::OK,
    )
    .await
}

pub async fn hand_over(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(holder): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = signed_in.user.actor();
    let by = signed_in.visitor.attribution();
    let held = state.store.held_cafs(&actor, &by, holder).await?;
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "caf_ids")
        .map(|(_, v)| v.clone())
        .collect();
    let values: HashMap<String, String> =
        pairs.into_iter().filter(|(k, _)| k != "caf_ids").collect();
    let mut errors = vec![];
    let on = dates::read(
        &values,
        "handed_over_on",
        "the date of the handover",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let to_user = values.get("to_user").and_then(|v| v.parse::<i64>().ok());
    if to_user.is_none() {
        errors.push(Problem::new("to_user", "Choose who takes the CAFs over"));
    }
    let handover = Handover {
        from_user: holder,
        to_user: to_user.unwrap_or_default(),
        caf_ids: chosen.iter().filter_map(|c| c.parse().ok()).collect(),
        on: on.unwrap_or_else(|| today(&state)),
        family_agreement: values.get("family_agreement").cloned().unwrap_or_default(),
    };
    errors.extend(
        handover
            .problems(today(&state))
            .into_iter()
            .filter(|p| !(p.field == "to_user" && to_user.is_none()) && p.field != "on")
            .map(|p| Problem::new(p.field, p.message)),
    );
    if !errors.is_empty() || on.is_none() {
        return page(
            &state,
            &signed_in,
            holder,
            &held,
            &values,
            &chosen,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state.store.hand_over_cafs(&actor, &by, &handover).await {
        Ok(n) => {
            Ok(Redirect::to(&format!("/caseloads/{holder}/hand-over?done={n}")).into_response())
        }
        Err(StoreError::Refused(why)) => {
            page(
                &state,
                &signed_in,
                holder,
                &held,
                &values,
                &chosen,
                vec![Problem::new("caf_ids", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
