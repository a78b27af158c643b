//! Stepping a CAF up (the telephone referral, its written follow-up due within 48 hours) and
//! recording that the receiving service has taken over, which closes it.
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::caf::step_up::{Referral, StepUpProblem, Takeover, SERVICES};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use std::collections::HashMap;

type Values = HashMap<String, String>;

fn problems(found: Vec<StepUpProblem>) -> Vec<Problem> {
    found
        .into_iter()
        .map(|p| match p.field {
            "referred_on" | "confirmed_on" => Problem::new(format!("{}-day", p.field), p.message),
            field => Problem::new(field, p.message),
        })
        .collect()
}

fn conflict(by: String, at: chrono::DateTime<chrono::Utc>, field: &str) -> Problem {
    Problem::new(field, super::changed_meanwhile("The CAF", &by, at))
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    (template, heading): (&str, &str),
    values: &Values,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        template,
        &format!("{heading}: {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            services => SERVICES.iter().map(|(c, l)| Choice::new(c, *l)).collect::<Vec<_>>(),
            consent => [
                Choice::new("yes", "Yes, the family agreed to the referral"),
                Choice::new("no", "No: a decision to share without consent is recorded"),
            ],
            step_up => caf.step_up,
            values => values,
            revision => values.get("revision").cloned().unwrap_or_else(|| caf.revision.to_string()),
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
                ("caf/step_up.html", "Step up"),
                &Values::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(existence) => Ok(existence),
    }
}

pub async fn step_up(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let text = |name: &str| values.get(name).cloned().unwrap_or_default();
    let mut errors = vec![];
    let referred_on = dates::read(
        &values,
        "referred_on",
        "the date of the telephone referral",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let with_consent = match text("with_consent").as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(Problem::new(
                "with_consent",
                "Select whether the family agreed to the referral",
            ));
            None
        }
    };
    let referral = Referral {
        service: text("service"),
        referred_on: referred_on.unwrap_or_else(|| today(&state)),
        to_whom: text("to_whom"),
        why: text("why"),
        with_consent: with_consent.unwrap_or(true),
    };
    errors.extend(problems(
        referral
            .problems(today(&state))
            .into_iter()
            .filter(|p| p.field != "referred_on")
            .collect(),
    ));
    let heading = "Step up";
    if !errors.is_empty() || referred_on.is_none() || with_consent.is_none() {
        return page(
            &state,
            &signed_in,
            &caf,
            ("caf/step_up.html", heading),
            &values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let revision = text("revision").parse().unwrap_or(caf.revision);
    match state
        .store
        .step_up_caf(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            revision,
            &referral,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cafs/{id}")).into_response()),
        Err(StoreError::Refused(why)) => {
            let field = if why.contains("consent") {
                "with_consent"
            } else {
                "service"
            };
            page(
                &state,
                &signed_in,
                &caf,
                ("caf/step_up.html", heading),
                &values,
                vec![Problem::new(field, why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { by, at }) => {
            let mut kept = values.clone();
            kept.insert("revision".into(), caf.revision.to_string());
            page(
                &state,
                &signed_in,
                &caf,
                ("caf/step_up.html", heading),
                &kept,
                vec![conflict(by, at, "service")],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn takeover_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) if caf.step_up.is_some() => {
            page(
                &state,
                &signed_in,
                &caf,
                ("caf/takeover.html", "Record the takeover"),
                &Values::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{id}")).into_response()),
        Err(existence) => Ok(existence),
    }
}

pub async fn takeover(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let Some(step_up) = &caf.step_up else {
        return Ok(Redirect::to(&format!("/cafs/{id}")).into_response());
    };
    let text = |name: &str| values.get(name).cloned().unwrap_or_default();
    let mut errors = vec![];
    let confirmed_on = dates::read(
        &values,
        "confirmed_on",
        "the date of the confirmation",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let takeover = Takeover {
        confirmed_on: confirmed_on.unwrap_or_else(|| today(&state)),
        confirmed_by: text("confirmed_by"),
        notes: text("notes"),
    };
    let found = takeover.problems(step_up.referral.referred_on, today(&state));
    errors.extend(problems(
        found
            .into_iter()
            .filter(|p| confirmed_on.is_some() || p.field != "confirmed_on")
            .collect(),
    ));
    let heading = "Record the takeover";
    if !errors.is_empty() || confirmed_on.is_none() {
        return page(
            &state,
            &signed_in,
            &caf,
            ("caf/takeover.html", heading),
            &values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let revision = text("revision").parse().unwrap_or(caf.revision);
    match state
        .store
        .confirm_takeover(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            revision,
            &takeover,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cafs/{id}")).into_response()),
        Err(StoreError::Refused(why)) => {
            page(
                &state,
                &signed_in,
                &caf,
                ("caf/takeover.html", heading),
                &values,
                vec![Problem::new("confirmed_by", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { by, at }) => {
            let mut kept = values.clone();
            kept.insert("revision".into(), caf.revision.to_string());
            page(
                &state,
                &signed_in,
                &caf,
                ("caf/takeover.html", heading),
                &kept,
                vec![conflict(by, at, "confirmed_by")],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
