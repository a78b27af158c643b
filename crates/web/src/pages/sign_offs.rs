//! The line manager's sign-off queue: what the people they manage or deputise for sent for
//! sign-off, each opened to read and approved (the step then takes effect) or returned with
//! comments. Only the sender's line manager or deputy may decide; the store refuses anyone
//! else and audits the attempt.
use super::render;
use crate::error::PageError;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::caf::sign_off::SignOffAsked;
use ecaf_domain::organisation::FieldError;
use ecaf_store::caf::SignOffRequest;
use ecaf_store::StoreError;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    comments: String,
}

/// Whole days since it was sent, for "waiting 3 days".
fn days_waiting(state: &AppState, request: &SignOffRequest) -> i64 {
    (state.store.clock().now() - request.sent_at)
        .num_days()
        .max(0)
}

fn row(state: &AppState, request: &SignOffRequest) -> minijinja::Value {
    minijinja::context! {
        request => request,
        names => request.children.as_ref().map(|c| c.join(" and ")),
        waiting => days_waiting(state, request),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let queue = state
        .store
        .sign_off_queue(&signed_in.user.actor(), &signed_in.visitor.attribution())
        .await?;
    let flash = match done.done.as_deref() {
        Some("approved") => Some("Signed off: it has taken effect"),
        Some("returned") => Some("Returned with your comments: the practitioner has been told"),
        _ => None,
    };
    Ok(render(
        &state,
        &signed_in.visitor,
        "/sign-offs",
        "sign_offs/queue.html",
        "Waiting for your sign-off",
        minijinja::context! {
            rows => queue.iter().map(|r| row(&state, r)).collect::<Vec<_>>(),
            flash => flash,
        },
    )?
    .into_response())
}

/// The closure's reason in the words of the service, for the manager to read.
fn closure_reason(state: &AppState, request: &SignOffRequest) -> Option<String> {
    let SignOffAsked::Closure { closure } = &request.asked else {
        return None;
    };
    let wording = state.wording.get().1;
    Some(
        wording
            .closure_reasons
            .iter()
            .find(|r| r.code == closure.reason_code)
            .map_or_else(|| closure.reason_code.clone(), |r| r.label.clone()),
    )
}

async fn decision_page(
    state: &AppState,
    signed_in: &SignedIn,
    request: &SignOffRequest,
    comments: &str,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let html = render(
        state,
        &signed_in.visitor,
        "/sign-offs",
        "sign_offs/decide.html",
        &format!("Sign off {} of {}", request.what, request.caf_reference),
        minijinja::context! {
            reason => closure_reason(state, request),
            comments => comments,
            errors => errors,
            ..row(state, request)
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let request = state
        .store
        .sign_off_request(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?;
    decision_page(&state, &signed_in, &request, "", vec![], StatusCode::OK).await
}

/// A decision the store refused as already taken, or otherwise: the page again with why.
async fn refused_decision(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    comments: &str,
    error: StoreError,
) -> Result<Response, PageError> {
    let (field, message, status) = match error {
        StoreError::Conflict { by, at } => (
            "decision",
            format!(
                "This was already decided by {by} on {}, so your decision was not saved",
                crate::render::moment(at)
            ),
            StatusCode::CONFLICT,
        ),
        StoreError::Refused(why) => ("comments", why, StatusCode::UNPROCESSABLE_ENTITY),
        other => return Err(other.into()),
    };
    let request = state
        .store
        .sign_off_request(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?;
    decision_page(
        state,
        signed_in,
        &request,
        comments,
        vec![FieldError::new(field, message)],
        status,
    )
    .await
}

pub async fn approve(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let approved = state
        .store
        .approve_sign_off(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await;
    match approved {
        Ok(Ok(())) => Ok(Redirect::to("/sign-offs?done=approved").into_response()),
        Ok(Err(problems)) => {
            let request = state
                .store
                .sign_off_request(
                    &signed_in.user.actor(),
                    &signed_in.visitor.attribution(),
                    id,
                )
                .await?;
            let errors = problems
                .into_iter()
                .map(|p| {
                    FieldError::new(
                        "decision",
                        ecaf_domain::text::sentence_start(&p.to_string()),
                    )
                })
                .collect();
            decision_page(
                &state,
                &signed_in,
                &request,
                "",
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Refused(why)) => {
            let request = state
                .store
                .sign_off_request(
                    &signed_in.user.actor(),
                    &signed_in.visitor.attribution(),
                    id,
                )
                .await?;
            decision_page(
                &state,
                &signed_in,
                &request,
                "",
                vec![FieldError::new("decision", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => refused_decision(&state, &signed_in, id, "", error).await,
    }
}

pub async fn return_with_comments(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ReturnForm>,
) -> Result<Response, PageError> {
    match state
        .store
        .return_sign_off(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            &form.comments,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/sign-offs?done=returned").into_response()),
        Err(error) => refused_decision(&state, &signed_in, id, &form.comments, error).await,
    }
}
