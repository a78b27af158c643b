//! Recording a decision to share information without consent, or not to share, under one of
//! the configured exceptions. The page points to the safeguarding referral before anything
//! else: recording the decision must never delay it.
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::caf::consent::{SharingDecision, SharingError};
use ecaf_store::caf::CafContent;
use std::collections::{BTreeSet, HashMap};

/// The form's control for each field of the decision, for the error summary's links.
fn control(field: &str) -> &str {
    match field {
        "basis_code" => "basis",
        "with_agencies" => "agencies",
        "decided_on" => "decided_on-day",
        other => other,
    }
}

/// What each problem says on the page.
fn message(problem: &SharingError) -> String {
    match problem {
        SharingError::UnknownBasis => "Select the basis for the decision".into(),
        SharingError::NoReasoning => "Enter why you decided this".into(),
        SharingError::NoAgencies => "Select the agencies you shared the information with".into(),
        SharingError::AgenciesNotShared => {
            "You decided not to share: untick the agencies, or choose that you shared".into()
        }
        SharingError::FutureDate => "The date of the decision must be today or in the past".into(),
        SharingError::UnknownAgency(_) => {
            "Select agencies from the list: one of those chosen is no longer active".into()
        }
    }
}

async fn decision_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    chosen: &[String],
    errors: Vec<Problem>,
) -> Result<Response, PageError> {
    let agencies: Vec<Choice> = state
        .store
        .agencies()
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| Choice::new(a.id, a.name))
        .collect();
    let bases: Vec<Choice> = state
        .store
        .wording(caf.wording_version)
        .await?
        .sharing_bases
        .iter()
        .map(|c| Choice::new(&c.code, c.label.clone()))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/sharing.html",
        "Record a decision to share information without consent",
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            shared_choices => [
                Choice::new("yes", "Yes, I shared information"),
                Choice::new("no", "No, I decided not to share"),
            ],
            bases => bases,
            agencies => agencies,
            chosen => chosen,
            values => values,
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
        Ok(caf) => decision_page(&state, &signed_in, &caf, &HashMap::new(), &[], vec![]).await,
        Err(existence) => Ok(existence),
    }
}

pub async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "agencies")
        .map(|(_, v)| v.clone())
        .collect();
    let values: HashMap<String, String> =
        pairs.into_iter().filter(|(k, _)| k != "agencies").collect();
    let text = |name: &str| {
        values
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = vec![];
    let shared = match text("shared").as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(Problem::new(
                "shared",
                "Select whether you shared information without consent",
            ));
            None
        }
    };
    let today = today(&state);
    let on = dates::read(
        &values,
        "decided_on",
        "the date of the decision",
        true,
        today,
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let with_agencies: BTreeSet<i64> = chosen.iter().filter_map(|a| a.parse().ok()).collect();
    let decision = SharingDecision {
        shared: shared.unwrap_or(false),
        basis_code: text("basis"),
        reasoning: text("reasoning"),
        with_agencies,
        decided_on: on.unwrap_or(today),
    };
    // The bases are those of the wording the CAF was started with.
    let wording = state.store.wording(caf.wording_version).await?;
    for problem in decision.problems(&wording.sharing_pairs(), today) {
        // Whether agencies belong depends on the answer to "Did you share?": none, no verdict.
        if shared.is_some() || problem.field() != "with_agencies" {
            errors.push(Problem::new(control(problem.field()), message(&problem)));
        }
    }
    if !errors.is_empty() || on.is_none() {
        return decision_page(&state, &signed_in, &caf, &values, &chosen, errors).await;
    }
    match state
        .store
        .record_sharing_decision(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            caf.id,
            &decision,
        )
        .await
    {
        Ok(Ok(_)) => {
            Ok(Redirect::to(&format!("/cafs/{}?done=sharing-decision", caf.id)).into_response())
        }
        // Only the store knows whether each agency is still active.
        Ok(Err(problems)) => {
            let errors = problems
                .iter()
                .map(|p| Problem::new(control(p.field()), message(p)))
                .collect();
            decision_page(&state, &signed_in, &caf, &values, &chosen, errors).await
        }
        Err(other) => Err(other.into()),
    }
}
