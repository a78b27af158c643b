//! What a user receives by email: urgent mails at once, the daily digest, or neither.
use super::{render, Choice};
use crate::error::PageError;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::organisation::FieldError;
use ecaf_store::outbox::NotificationPreferences;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Flash {
    saved: Option<String>,
}

const URGENT: &str = "urgent";
const DIGEST: &str = "digest";

fn page(
    state: &AppState,
    signed_in: &SignedIn,
    chosen: Vec<String>,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<Html<String>, PageError> {
    let options = vec![
        Choice::new(URGENT, "Urgent emails at once"),
        Choice::new(DIGEST, "A daily digest of everything else"),
    ];
    let ctx = minijinja::context! {
        options => options,
        chosen => chosen,
        errors => errors,
        saved => saved,
        sending => state.config.mail_transport.is_some(),
    };
    render(
        state,
        &signed_in.visitor,
        "/account",
        "pages/notifications.html",
        "Emails you get",
        ctx,
    )
}

fn chosen(wants: NotificationPreferences) -> Vec<String> {
    let mut chosen = vec![];
    if wants.urgent_emails {
        chosen.push(URGENT.to_string());
    }
    if wants.daily_digest {
        chosen.push(DIGEST.to_string());
    }
    chosen
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, PageError> {
    let wants = state
        .store
        .notification_preferences(signed_in.user.id)
        .await?;
    page(
        &state,
        &signed_in,
        chosen(wants),
        vec![],
        flash.saved.is_some(),
    )
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    receive: Vec<String>,
}

pub async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<ChoiceForm>,
) -> Result<Response, PageError> {
    if let Some(bad) = form.receive.iter().find(|v| *v != URGENT && *v != DIGEST) {
        tracing::info!(value = %bad, "unknown notification choice");
        let errors = vec![FieldError::new(
            "receive",
            "Select the emails you want from the list",
        )];
        let keep = form
            .receive
            .iter()
            .filter(|v| *v == URGENT || *v == DIGEST)
            .cloned()
            .collect();
        let shown = page(&state, &signed_in, keep, errors, false)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response());
    }
    let wants = NotificationPreferences {
        urgent_emails: form.receive.iter().any(|v| v == URGENT),
        daily_digest: form.receive.iter().any(|v| v == DIGEST),
    };
    state
        .store
        .set_notification_preferences(&signed_in.visitor.attribution(), signed_in.user.id, wants)
        .await?;
    Ok(Redirect::to("/account/notifications?saved=1").into_response())
}
