//! Signing in and out. Failures are throttled per account and per address, and every attempt
//! is audited; the message never reveals whether an account exists.
use super::render;
use crate::error::PageError;
use crate::visitor::{cookie, session_cookie, SignedIn, Visitor};
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

/// The longest email address there can be (RFC 5321), so nothing longer is ever throttled,
/// stored or audited.
pub const EMAIL_MAX_CHARS: usize = 254;

/// Where to go after sign-in: only a path on this site, or the home page.
///
/// Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
/// `/\t/evil.example` is `//evil.example` to them: whitespace, control characters and
/// backslashes are refused outright, and what remains is resolved as a URL relative to this
/// site and kept only if it stays here.
pub(crate) fn same_site_path(raw: Option<&str>) -> Option<String> {
    let raw = raw?;
    if raw.len() > 2048
        || !raw.starts_with('/')
        || raw.starts_with("//")
        || raw
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return None;
    }
    let base = url::Url::parse("http://ecaf.invalid/").ok()?;
    let target = base.join(raw).ok()?;
    if target.origin() != base.origin() {
        return None;
    }
    Some(match target.query() {
        Some(query) => format!("{}?{query}", target.path()),
        None => target.path().to_string(),
    })
}

fn safe_next(next: Option<&str>) -> String {
    same_site_path(next).unwrap_or_else(|| "/".to_string())
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
        next => same_site_path(q.next.as_deref()),
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
    let next = same_site_path(q.next.as_deref());
    let mut errors = Vec::new();
    if email.is_empty() {
        errors.push(FieldError::new("email", "Enter your email address"));
    } else if email.chars().count() > EMAIL_MAX_CHARS {
        // Refused before the throttle or the audit log sees it: an anonymous visitor must not
        // be able to fill the disk with what they type.
        errors.push(FieldError::new(
            "email",
            format!("Email address must be {EMAIL_MAX_CHARS} characters or fewer"),
        ));
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    } else if form.password.len() > PASSWORD_MAX_BYTES {
        errors.push(FieldError::new(
            "password",
            "Enter a correct email address and password",
        ));
    }
    let shown_email: String = form.email.trim().chars().take(EMAIL_MAX_CHARS).collect();
    let refuse = |errors: Vec<FieldError>, status: StatusCode| -> Result<Response, PageError> {
        let ctx =
            minijinja::context! { errors => errors, email => shown_email, next => next.clone() };
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
    let (attempt, throttled) = state
        .store
        .record_password_attempt(&email, &visitor.address, state.config.throttle)
        .await?;
    if let Some(limit) = throttled {
        let which = match limit {
            Throttled::AccountAndAddress { .. } => "this account from this address",
            Throttled::Address { .. } => "this address",
        };
        state
            .store
            .audit(
                &by,
                AuditEntry::new("sign_in.throttled")
                    .detail(format!("too many failed attempts for {which}")),
            )
            .await?;
        return refuse(
            vec![FieldError::new("email", throttled_message(limit))],
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
    state.store.password_attempt_succeeded(&attempt).await?;
    // A browser that was signed in as someone (or as this user) before keeps no second
    // session alive behind the new one.
    if let Some(previous) = &visitor.session {
        state.store.end_session(&previous.digest).await?;
    }
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
        session_cookie(state.config.secure_cookies),
        session.secret,
        state.config.secure_cookies,
    ));
    Ok((jar, Redirect::to(&safe_next(next.as_deref()))).into_response())
}

/// Longer than any password a person types; argon2 is not made to hash megabytes.
pub const PASSWORD_MAX_BYTES: usize = 1024;

/// "Wait 2 minutes", rounded up, never "0 minutes".
pub(crate) fn throttled_message(limit: Throttled) -> String {
    let seconds = limit.retry_after().num_seconds().max(1);
    let wait = if seconds < 60 {
        format!("{seconds} second{}", if seconds == 1 { "" } else { "s" })
    } else {
        let minutes = (seconds + 59) / 60;
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    };
    format!("There have been too many failed attempts to sign in. Wait {wait} and try again, or contact your administrator.")
}

fn removal(secure: bool) -> Cookie<'static> {
    let mut c = Cookie::from(session_cookie(secure));
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
    Ok((
        jar.remove(removal(state.config.secure_cookies)),
        Redirect::to("/sign-in?signed_out=1"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct EverywhereForm {
    /// "yes" to revoke the user's API tokens as well.
    #[serde(default)]
    revoke_api_tokens: Option<String>,
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    signed_in: SignedIn,
    jar: CookieJar,
    Form(form): Form<EverywhereForm>,
) -> Result<Response, PageError> {
    let revoke = form.revoke_api_tokens.as_deref() == Some("yes");
    state
        .store
        .sign_out_everywhere(&signed_in.visitor.attribution(), signed_in.user.id, revoke)
        .await?;
    Ok((
        jar.remove(removal(state.config.secure_cookies)),
        Redirect::to("/sign-in?signed_out=1"),
    )
        .into_response())
}
