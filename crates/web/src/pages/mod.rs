//! Server-rendered GOV.UK pages.
mod account;
mod admin_agencies;
mod admin_alert_rules;
mod admin_audit;
mod admin_jobs;
mod admin_sign_off;
mod admin_users;
mod admin_wording;
pub(crate) mod caf;
mod health;
pub(crate) mod home;
mod notifications;
mod people;
mod sign_in;
mod sign_offs;

use crate::error::PageError;
use crate::visitor::Visitor;
use crate::AppState;
use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;
use ecaf_domain::access::Role;
use ecaf_domain::caf::wording::Wording;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/accessibility", get(home::accessibility))
        .route("/privacy", get(home::privacy))
        .route("/sign-in", get(sign_in::show).post(sign_in::submit))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/sign-out-everywhere", post(sign_in::sign_out_everywhere))
        .route("/account", get(account::show))
        .route(
            "/account/password",
            get(account::password_form).post(account::change_password),
        )
        .route(
            "/account/api-tokens",
            get(account::tokens).post(account::create_token),
        )
        .route(
            "/account/api-tokens/{id}/revoke",
            post(account::revoke_token),
        )
        .route(
            "/admin/wording",
            get(admin_wording::form).post(admin_wording::save),
        )
        .route("/admin/users", get(admin_users::list))
        .route(
            "/admin/users/new",
            get(admin_users::new_form).post(admin_users::create),
        )
        .route("/admin/users/{id}", get(admin_users::show))
        .route(
            "/admin/users/{id}/edit",
            get(admin_users::edit_form).post(admin_users::update),
        )
        .route(
            "/admin/users/{id}/deactivate",
            post(admin_users::deactivate),
        )
        .route(
            "/admin/users/{id}/reactivate",
            post(admin_users::reactivate),
        )
        .route("/admin/agencies", get(admin_agencies::list))
        .route(
            "/admin/agencies/new",
            get(admin_agencies::new_form).post(admin_agencies::create),
        )
        .route(
            "/admin/agencies/{id}/edit",
            get(admin_agencies::edit_form).post(admin_agencies::update),
        )
        .route("/admin/agencies/{id}/teams", post(admin_agencies::add_team))
        .merge(people::routes())
        .route("/admin/audit", get(admin_audit::show))
        .route("/admin/audit.csv", get(admin_audit::csv))
        .route("/admin/jobs", get(admin_jobs::show))
        .route(
            "/account/notifications",
            get(notifications::show).post(notifications::save),
        )
        .route(
            "/admin/alert-rules",
            get(admin_alert_rules::form).post(admin_alert_rules::save),
        )
        .route(
            "/admin/sign-off",
            get(admin_sign_off::form).post(admin_sign_off::save),
        )
        .route("/sign-offs", get(sign_offs::queue))
        .route("/sign-offs/{id}", get(sign_offs::show))
        .route("/sign-offs/{id}/approve", post(sign_offs::approve))
        .route(
            "/sign-offs/{id}/return",
            post(sign_offs::return_with_comments),
        )
        .merge(caf::routes())
}

#[derive(Serialize)]
struct NavItem {
    text: String,
    href: &'static str,
    active: bool,
}

#[derive(Serialize)]
struct UserSummary<'a> {
    name: &'a str,
    agency_name: &'a str,
}

fn navigation(visitor: &Visitor, current: &str, terms: &Wording) -> Vec<NavItem> {
    let Some(user) = &visitor.user else {
        return vec![];
    };
    let mut items = vec![("Home".to_string(), "/")];
    if ecaf_domain::access::authorise::<ecaf_domain::access::UseRegister>(&user.actor()).is_ok() {
        items.push((
            format!("Check if {} exists", terms.a_assessment()),
            "/people",
        ));
    }
    if user.roles.contains(&Role::LineManager) || user.roles.contains(&Role::EarlyHelpTeam) {
        items.push(("Caseloads".into(), "/caseloads"));
    }
    if user.roles.contains(&Role::Administrator) {
        items.extend(
            [
                ("Users", "/admin/users"),
                ("Agencies", "/admin/agencies"),
                ("Wording", "/admin/wording"),
                ("Audit log", "/admin/audit"),
                ("Jobs", "/admin/jobs"),
                ("Alert rules", "/admin/alert-rules"),
                ("Sign-off", "/admin/sign-off"),
            ]
            .map(|(text, href)| (text.to_string(), href)),
        );
    }
    items.push(("Your account".into(), "/account"));
    items
        .into_iter()
        .map(|(text, href)| NavItem {
            text,
            href,
            active: if href == "/" {
                current == "/"
            } else {
                current.starts_with(href)
            },
        })
        .collect()
}

/// Render a page inside the layout, with the signed-in user, navigation, CSRF token and demo
/// banner filled in.
pub(crate) fn render(
    state: &AppState,
    visitor: &Visitor,
    current_path: &str,
    template: &str,
    title: &str,
    ctx: minijinja::Value,
) -> Result<Html<String>, PageError> {
    let wording = state.wording.get().1;
    let base = minijinja::context! {
        title => title,
        csrf_token => visitor.csrf_token,
        demo => state.config.demo,
        days_ahead => state.config.days_ahead,
        request_id => visitor.request_id,
        user => visitor.user.as_ref().map(|u| UserSummary { name: &u.name, agency_name: &u.agency_name }),
        nav => navigation(visitor, current_path, &wording),
        terms => crate::wording::Terms::from(&*wording),
        // For ages beside dates of birth (the `born` filter).
        today => state.store.clock().now().with_timezone(&chrono_tz::Europe::London).date_naive().to_string(),
    };
    let html = state
        .templates
        .render(template, minijinja::context! { ..ctx, ..base })?;
    Ok(Html(html))
}

/// Option lists for selects, radios and checkboxes.
#[derive(Serialize)]
pub(crate) struct Choice {
    pub value: String,
    pub text: String,
}

impl Choice {
    pub fn new(value: impl ToString, text: impl Into<String>) -> Self {
        Self {
            value: value.to_string(),
            text: text.into(),
        }
    }
}
