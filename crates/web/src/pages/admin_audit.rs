//! The audit viewer: filter by user, record and date range, and export as CSV.
use super::{render, Choice};
use crate::error::PageError;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Europe::London;
use ecaf_domain::access::{ManageUsers, ViewAudit};
use ecaf_domain::organisation::FieldError;
use ecaf_store::audit::{AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};

const PAGE_SIZE: i64 = 200;

#[derive(Deserialize, Serialize, Default)]
pub struct FilterForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    record_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Start of a London calendar day, in storage milliseconds.
fn london_midnight_ms(date: NaiveDate) -> Option<i64> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    London
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_millis())
}

impl FilterForm {
    fn parse(&self) -> Result<AuditFilter, Vec<FieldError>> {
        let mut errors = vec![];
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let user_id = match text(&self.user_id) {
            None => None,
            Some(raw) => raw.parse().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new("user_id", "Select a user from the list"));
                None
            }),
        };
        let mut date = |field: &'static str, raw: &str, next_day: bool| match text(raw) {
            None => None,
            Some(raw) => match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(d) => {
                    let d = if next_day {
                        d.succ_opt().unwrap_or(d)
                    } else {
                        d
                    };
                    london_midnight_ms(d)
                }
                Err(_) => {
                    errors.push(FieldError::new(field, "Enter a real date, like 2026-11-25"));
                    None
                }
            },
        };
        let from_ms = date("from", &self.from, false);
        let to_ms = date("to", &self.to, true);
        if let (Some(f), Some(t)) = (from_ms, to_ms) {
            if f >= t {
                errors.push(FieldError::new(
                    "to",
                    "The to date must be the same as or after the from date",
                ));
            }
        }
        if errors.is_empty() {
            Ok(AuditFilter {
                user_id,
                action: text(&self.action),
                record_type: text(&self.record_type),
                record_id: text(&self.record_id),
                from_ms,
                to_ms,
            })
        } else {
            Err(errors)
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Authorised<ViewAudit>,
    Query(form): Query<FilterForm>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let visitor = &viewer.signed_in.visitor;
    let manage = ecaf_domain::access::authorise::<ManageUsers>(&viewer.signed_in.user.actor())?;
    let users: Vec<Choice> = state
        .store
        .users(&manage)
        .await?
        .into_iter()
        .map(|u| Choice::new(u.id, format!("{} ({})", u.name, u.email)))
        .collect();
    let (filter, errors) = match form.parse() {
        Ok(f) => (f, vec![]),
        Err(e) => (AuditFilter::default(), e),
    };
    let events = if errors.is_empty() {
        state
            .store
            .audit_events(&viewer.grant, &filter, Some(PAGE_SIZE + 1), 0)
            .await?
    } else {
        vec![]
    };
    let more = events.len() as i64 > PAGE_SIZE;
    let events: Vec<_> = events.into_iter().take(PAGE_SIZE as usize).collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let ctx = minijinja::context! {
        events => events,
        more => more,
        page_size => PAGE_SIZE,
        users => users,
        filter => form,
        errors => errors,
        query => raw.map(|q| format!("?{q}")).unwrap_or_default(),
    };
    let page = render(
        &state,
        visitor,
        "/admin/audit",
        "admin/audit.html",
        "Audit log",
        ctx,
    )?;
    Ok((status, page).into_response())
}

pub async fn csv(
    State(state): State<AppState>,
    viewer: Authorised<ViewAudit>,
    Query(form): Query<FilterForm>,
) -> Result<Response, PageError> {
    let filter = form.parse().map_err(|errors| {
        PageError::BadRequest(
            errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let events = state
        .store
        .audit_events(&viewer.grant, &filter, None, 0)
        .await?;
    // Exporting the audit log is itself audited.
    state
        .store
        .audit(
            &viewer.signed_in.visitor.attribution(),
            AuditEntry::new("audit.export").detail(format!("{} rows", events.len())),
        )
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header_row = [
        "id",
        "at_utc",
        "user_id",
        "actor_email",
        "action",
        "record_type",
        "record_id",
        "source_address",
        "request_id",
        "detail",
    ];
    writer
        .write_record(header_row)
        .map_err(|e| PageError::Internal(e.into()))?;
    for e in &events {
        writer
            .write_record(
                [
                    e.id.to_string(),
                    e.at.to_rfc3339(),
                    e.user_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.actor_email.clone().unwrap_or_default(),
                    e.action.clone(),
                    e.record_type.clone().unwrap_or_default(),
                    e.record_id.clone().unwrap_or_default(),
                    e.source_address.clone().unwrap_or_default(),
                    e.request_id.clone().unwrap_or_default(),
                    e.detail.clone().unwrap_or_default(),
                ]
                .map(|cell| spreadsheet_safe(&cell)),
            )
            .map_err(|e| PageError::Internal(e.into()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| PageError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ecaf-audit.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Cells starting with =, +, - or @ are formulas to spreadsheet programs; prefix them with an
/// apostrophe so an exported value can never run as one (CSV injection).
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_are_neutralised_in_exports() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("sign_in.failure"), "sign_in.failure");
    }
}
