//! Signing in and out. Failures are throttled per account and per address, and every attempt
//! is audited; the message never reveals whether an account exists.
use super::render;
use crate::error::PageError;
use crate::visitor::{cookie, SignedIn, Visitor, SESSION_COOKIE};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use ecaf_domain::credentials::{decoy_hash, verify_password};
use ecaf_domain::organisation::FieldError;
use ecaf_store::audit::AuditEntry;
use ecaf_store::throttle::Throttled;
use ecaf_store::Attribution;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

/// Only same-site paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if visitor.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let ctx = minijinja::context! {
        errors => Vec::<FieldError>::new(),
        email => "",
        next => q.next,
        signed_out => q.signed_out.is_some(),
    };
    Ok(render(
        &state,
        &visitor,
        "/sign-in",
        "pages/sign_in.html",
        "Sign in",
        ctx,
    )?
    .into_response())
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let email = form.email.trim().to_lowercase();
    let mut errors = Vec::new();
    if email.is_empty() {
        errors.push(FieldError::new("email", "Enter your email address"));
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    let refuse = |errors: Vec<FieldError>, status: StatusCode| -> Result<Response, PageError> {
        let ctx = minijinja::context! { errors => errors, email => form.email.trim(), next => q.next.clone() };
        let page = render(
            &state,
            &visitor,
            "/sign-in",
            "pages/sign_in.html",
            "Sign in",
            ctx,
        )?;
        Ok((status, page).into_response())
    };
    if !errors.is_empty() {
        return refuse(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let by = Attribution {
        actor_email: Some(email.clone()),
        ..visitor.attribution()
    };
    if let Some(limit) = state
        .store
        .sign_in_throttled(&email, &visitor.address, state.config.throttle)
        .await?
    {
        let which = match limit {
            Throttled::Account => "account",
            Throttled::Address => "address",
        };
        state
            .store
            .audit(
                &by,
                AuditEntry::new("sign_in.throttled")
                    .detail(format!("limit reached for this {which}")),
            )
            .await?;
        let minutes = state.config.throttle.window.num_minutes();
        return refuse(
            vec![FieldError::new(
                "email",
                format!("There have been too many failed attempts to sign in. Wait {minutes} minutes and try again, or contact your administrator."),
            )],
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let credentials = state.store.credentials(&email).await?;
    // Always run one argon2 verification so response time does not reveal which accounts exist.
    let (hash, account) = match &credentials {
        Some(c) => (c.password_hash.clone(), Some(c.user.clone())),
        None => (decoy_hash().to_string(), None),
    };
    let password = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    let user = match account {
        Some(user) if matches && user.active => user,
        other => {
            state
                .store
                .record_sign_in_failure(&email, &visitor.address)
                .await?;
            let reason = match other {
                None => "no such account",
                Some(u) if !u.active => "account deactivated",
                Some(_) => "wrong password",
            };
            let by = Attribution {
                user_id: credentials.as_ref().map(|c| c.user.id),
                ..by
            };
            state
                .store
                .audit(&by, AuditEntry::new("sign_in.failure").detail(reason))
                .await?;
            return refuse(
                vec![FieldError::new(
                    "email",
                    "Enter a correct email address and password",
                )],
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    state.store.clear_sign_in_failures(&email).await?;
    let session = state
        .store
        .create_session(user.id, Some(&visitor.address))
        .await?;
    let by = Attribution {
        user_id: Some(user.id),
        ..by
    };
    state
        .store
        .audit(
            &by,
            AuditEntry::new("sign_in.success").record("user", user.id),
        )
        .await?;
    let jar = jar.add(cookie(
        SESSION_COOKIE,
        session.secret,
        state.config.secure_cookies,
    ));
    Ok((jar, Redirect::to(&safe_next(q.next.as_deref()))).into_response())
}

fn removal() -> Cookie<'static> {
    let mut c = Cookie::from(SESSION_COOKIE);
    c.set_path("/");
    c
}

pub async fn sign_out(
    State(state): State<AppState>,
    signed_in: SignedIn,
    jar: CookieJar,
) -> Result<Response, PageError> {
    if let Some(session) = &signed_in.visitor.session {
        state.store.end_session(&session.digest).await?;
    }
    state
        .store
        .audit(
            &signed_in.visitor.attribution(),
            AuditEntry::new("sign_out").record("user", signed_in.user.id),
        )
        .await?;
    Ok((jar.remove(removal()), Redirect::to("/sign-in?signed_out=1")).into_response())
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    signed_in: SignedIn,
    jar: CookieJar,
) -> Result<Response, PageError> {
    let ended = state.store.end_all_sessions(signed_in.user.id).await?;
    state
        .store
        .audit(
            &signed_in.visitor.attribution(),
            AuditEntry::new("sign_out.everywhere")
                .record("user", signed_in.user.id)
                .detail(format!("{ended} sessions ended")),
        )
        .await?;
    Ok((jar.remove(removal()), Redirect::to("/sign-in?signed_out=1")).into_response())
}
