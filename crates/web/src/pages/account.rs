//! A user's own account: details, password, sessions and personal API tokens.
use super::{render, Choice};
use crate::error::PageError;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Duration;
use ecaf_domain::credentials::{check_new_password, verify_password};
use ecaf_domain::organisation::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
pub struct Flash {
    done: Option<String>,
}

fn flash_text(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "password" => Some("Your password has been changed. You have been signed out on your other devices. Your API tokens still work: revoke any you no longer use."),
        "password-and-tokens" => Some("Your password has been changed. You have been signed out on your other devices, and your API tokens have been revoked."),
        _ => None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, PageError> {
    let user = &signed_in.user;
    let ctx = minijinja::context! {
        user => user,
        role_labels => user.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
        session_count => state.store.session_count(user.id).await?,
        token_count => state.store.usable_api_token_count(user.id).await?,
        flash => flash_text(flash.done.as_deref()),
    };
    render(
        &state,
        &signed_in.visitor,
        "/account",
        "pages/account.html",
        "Your account",
        ctx,
    )
}

pub async fn password_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    let ctx = minijinja::context! {
        errors => Vec::<FieldError>::new(),
        token_count => state.store.usable_api_token_count(signed_in.user.id).await?,
    };
    render(
        &state,
        &signed_in.visitor,
        "/account",
        "pages/password.html",
        "Change your password",
        ctx,
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
    /// "yes" to revoke the user's API tokens as well.
    #[serde(default)]
    revoke_api_tokens: Option<String>,
}

pub async fn change_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let user = &signed_in.user;
    let mut errors = Vec::new();
    let stored = state
        .store
        .credentials(&user.email)
        .await?
        .ok_or(PageError::NotFound)?;
    // The current password is a password guess like any other, so it is throttled like
    // sign-in (an unlocked computer must not become a way to test passwords).
    let (attempt, throttled) = state
        .store
        .record_password_attempt(
            &user.email,
            &signed_in.visitor.address,
            state.config.throttle,
        )
        .await?;
    let current = form.current_password.clone();
    let current_ok = throttled.is_none()
        && form.current_password.len() <= super::sign_in::PASSWORD_MAX_BYTES
        && tokio::task::spawn_blocking(move || verify_password(&current, &stored.password_hash))
            .await
            .map_err(|e| PageError::Internal(e.into()))?;
    if current_ok {
        state.store.password_attempt_succeeded(&attempt).await?;
    }
    if let Some(limit) = throttled {
        errors.push(FieldError::new(
            "current_password",
            super::sign_in::throttled_message(limit),
        ));
    } else if form.current_password.is_empty() {
        errors.push(FieldError::new(
            "current_password",
            "Enter your current password",
        ));
    } else if !current_ok {
        errors.push(FieldError::new(
            "current_password",
            "Your current password is not correct",
        ));
    }
    if let Err(rule) = check_new_password(&form.new_password, &user.email) {
        errors.push(FieldError::new("new_password", rule.to_string()));
    } else if form.new_password == form.current_password {
        errors.push(FieldError::new(
            "new_password",
            "New password must be different from your current password",
        ));
    }
    if form.confirm_password != form.new_password {
        errors.push(FieldError::new(
            "confirm_password",
            "The passwords do not match",
        ));
    }
    if !errors.is_empty() {
        let ctx = minijinja::context! {
            errors => errors,
            token_count => state.store.usable_api_token_count(user.id).await?,
        };
        let page = render(
            &state,
            &signed_in.visitor,
            "/account",
            "pages/password.html",
            "Change your password",
            ctx,
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let keep = signed_in
        .visitor
        .session
        .as_ref()
        .map(|s| s.digest.as_str());
    let revoked = state
        .store
        .change_password(
            &signed_in.visitor.attribution(),
            user.id,
            &form.new_password,
            keep,
            form.revoke_api_tokens.as_deref() == Some("yes"),
        )
        .await?;
    let done = if revoked > 0 {
        "password-and-tokens"
    } else {
        "password"
    };
    Ok(Redirect::to(&format!("/account?done={done}")).into_response())
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    created_at: String,
    expires_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
    usable: bool,
}

const LIFETIMES: [(i64, &str); 4] = [
    (30, "30 days"),
    (90, "90 days"),
    (180, "6 months"),
    (365, "1 year"),
];

async fn tokens_page(
    state: &AppState,
    signed_in: &SignedIn,
    errors: Vec<FieldError>,
    name: &str,
    lifetime_days: i64,
    new_token: Option<String>,
) -> Result<Html<String>, PageError> {
    let now = state.store.clock().now();
    let tokens: Vec<TokenRow> = state
        .store
        .api_tokens(signed_in.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            usable: t.is_usable(now),
            id: t.id,
            name: t.name,
            created_at: t.created_at.to_rfc3339(),
            expires_at: t.expires_at.to_rfc3339(),
            revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
            last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
        })
        .collect();
    let ctx = minijinja::context! {
        tokens => tokens,
        errors => errors,
        name => name,
        lifetime_days => lifetime_days,
        lifetime_options => LIFETIMES.iter().map(|(d, t)| Choice::new(d, *t)).collect::<Vec<_>>(),
        new_token => new_token,
    };
    render(
        state,
        &signed_in.visitor,
        "/account",
        "pages/api_tokens.html",
        "Your API tokens",
        ctx,
    )
}

pub async fn tokens(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    let days = state.config.token_lifetime_days;
    tokens_page(&state, &signed_in, vec![], "", days, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    lifetime_days: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError::new("name", "Enter what the token is for"));
    } else if name.chars().count() > 100 {
        errors.push(FieldError::new(
            "name",
            "Token name must be 100 characters or fewer",
        ));
    }
    let days = form
        .lifetime_days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| LIFETIMES.iter().any(|(l, _)| l == d));
    if days.is_none() {
        errors.push(FieldError::new(
            "lifetime_days",
            "Select when the token expires",
        ));
    }
    let days = days.unwrap_or(state.config.token_lifetime_days);
    if !errors.is_empty() {
        let page = tokens_page(&state, &signed_in, errors, name, days, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (_, secret) = state
        .store
        .create_api_token(
            &signed_in.visitor.attribution(),
            signed_in.user.id,
            name,
            Duration::days(days),
        )
        .await?;
    Ok(
        tokens_page(&state, &signed_in, vec![], "", days, Some(secret))
            .await?
            .into_response(),
    )
}

pub async fn revoke_token(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    state
        .store
        .revoke_api_token(&signed_in.visitor.attribution(), signed_in.user.id, id)
        .await?;
    Ok(Redirect::to("/account/api-tokens"))
}
