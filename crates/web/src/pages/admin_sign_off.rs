//! Manager sign-off: an administrator switches on, for each of the assessment, the plan and
//! closure, whether the practitioner's line manager (or deputy) must sign it off.
use super::render;
use crate::error::PageError;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::ConfigureSignOff;
use ecaf_domain::caf::sign_off::SignOffStep;
use ecaf_store::caf::SignOffSwitches;
use serde::Deserialize;

type Admin = Authorised<ConfigureSignOff>;

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    admin: Admin,
    Query(saved): Query<Saved>,
) -> Result<Response, PageError> {
    let switches = state.store.sign_off_switches().await?;
    let steps: Vec<_> = SignOffStep::ALL
        .iter()
        .map(|s| {
            minijinja::context! {
                code => s.code(),
                action => s.action(),
                on => switches.required(*s),
            }
        })
        .collect();
    Ok(render(
        &state,
        &admin.signed_in.visitor,
        "/admin/sign-off",
        "admin/sign_off.html",
        "Manager sign-off",
        minijinja::context! { steps => steps, saved => saved.saved.is_some() },
    )?
    .into_response())
}

/// Each step's checkbox is ticked (`step=assessment`, …) or absent; any other value is not a
/// step and is ignored.
pub async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let on = |step: SignOffStep| {
        fields
            .iter()
            .any(|(name, value)| name == "step" && value == step.code())
    };
    let switches = SignOffSwitches {
        assessment: on(SignOffStep::Assessment),
        plan: on(SignOffStep::Plan),
        closure: on(SignOffStep::Closure),
    };
    state
        .store
        .set_sign_off_switches(
            &admin.grant,
            &admin.signed_in.visitor.attribution(),
            switches,
        )
        .await?;
    Ok(Redirect::to("/admin/sign-off?saved=1").into_response())
}
