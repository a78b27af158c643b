//! The local alert rules: an administrator switches each on or off and sets its threshold.
//! A threshold that is not a whole number in range is named on its field and nothing changes.
use super::render;
use crate::error::PageError;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::ConfigureAlerts;
use ecaf_domain::organisation::FieldError;
use ecaf_store::caf::{AlertRule, ALERT_RULES};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

type Admin = Authorised<ConfigureAlerts>;

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

/// A rule as the form shows it: what was typed, if anything.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    rule: AlertRule,
    typed: String,
}

async fn page(
    state: &AppState,
    admin: &Admin,
    rules: Vec<Shown>,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<axum::response::Html<String>, PageError> {
    render(
        state,
        &admin.signed_in.visitor,
        "/admin/alert-rules",
        "admin/alert_rules.html",
        "Alert rules",
        minijinja::context! { rules => rules, errors => errors, saved => saved },
    )
}

pub async fn form(
    State(state): State<AppState>,
    admin: Admin,
    Query(saved): Query<Saved>,
) -> Result<Response, PageError> {
    let rules = state
        .store
        .alert_rules()
        .await?
        .into_iter()
        .map(|rule| Shown {
            typed: rule.threshold.to_string(),
            rule,
        })
        .collect();
    Ok(page(&state, &admin, rules, vec![], saved.saved.is_some())
        .await?
        .into_response())
}

pub async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields: HashMap<String, String> = fields.into_iter().collect();
    let mut errors = vec![];
    let mut changes = vec![];
    for (code, _, unit, low, high) in ALERT_RULES {
        let enabled = fields.get(&format!("{code}-enabled")).map(String::as_str) == Some("yes");
        let typed = fields
            .get(&format!("{code}-threshold"))
            .map(|t| t.trim().to_string())
            .unwrap_or_default();
        match typed.parse::<i64>() {
            Ok(n) if (*low..=*high).contains(&n) => changes.push((code.to_string(), enabled, n)),
            _ => errors.push(FieldError::new(
                if *code == "draft_unfinished" {
                    "draft_unfinished-threshold"
                } else {
                    "no_review_held-threshold"
                },
                format!("Enter a whole number of {unit} from {low} to {high}"),
            )),
        }
    }
    if errors.is_empty() {
        let by = admin.signed_in.visitor.attribution();
        match state
            .store
            .set_alert_rules(&admin.grant, &by, &changes)
            .await
        {
            Ok(()) => return Ok(Redirect::to("/admin/alert-rules?saved=1").into_response()),
            Err(StoreError::Refused(why)) => return Err(PageError::BadRequest(why)),
            Err(other) => return Err(other.into()),
        }
    }
    let rules = state
        .store
        .alert_rules()
        .await?
        .into_iter()
        .map(|rule| Shown {
            typed: fields
                .get(&format!("{}-threshold", rule.code))
                .cloned()
                .unwrap_or_default(),
            rule: AlertRule {
                enabled: fields
                    .get(&format!("{}-enabled", rule.code))
                    .map(String::as_str)
                    == Some("yes"),
                ..rule
            },
        })
        .collect();
    let html = page(&state, &admin, rules, errors, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}
