//! Recording a meeting of the team around the family: its kind, the day, who came (rows that
//! start from the team's members), written reports sent instead, and notes.
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::caf::meeting::{Attendee, Meeting, WrittenReport, KINDS};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use std::collections::{BTreeMap, HashMap};

type Values = HashMap<String, String>;

/// Blank rows after those filled, so more can be added without JavaScript.
const BLANK_ATTENDEES: usize = 3;
const BLANK_REPORTS: usize = 1;

/// Numbered rows posted as `{prefix}{part}-{n}`, blank ones dropped, in their order.
pub(super) fn rows(values: &Values, prefix: &str, parts: &[&str]) -> Vec<Vec<String>> {
    let mut found: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (name, value) in values {
        let Some((part, n)) = name.strip_prefix(prefix).and_then(|r| r.rsplit_once('-')) else {
            continue;
        };
        let (Some(i), Ok(n)) = (parts.iter().position(|p| *p == part), n.parse::<usize>()) else {
            continue;
        };
        found
            .entry(n)
            .or_insert_with(|| vec![String::new(); parts.len()])[i] = value.clone();
    }
    found
        .into_values()
        .filter(|row| row.iter().any(|v| !v.trim().is_empty()))
        .collect()
}

/// The form's values to show: what was typed, renumbered, with blank rows after.
pub(super) fn shown(values: &Values, attendees: &[Attendee], reports: &[WrittenReport]) -> Values {
    let mut shown: Values = values
        .iter()
        .filter(|(k, _)| !k.starts_with("attendee_") && !k.starts_with("report_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (i, a) in attendees.iter().enumerate() {
        shown.insert(format!("attendee_name-{}", i + 1), a.name.clone());
        shown.insert(format!("attendee_agency-{}", i + 1), a.agency.clone());
    }
    for (i, r) in reports.iter().enumerate() {
        shown.insert(format!("report_from-{}", i + 1), r.from.clone());
        shown.insert(format!("report_agency-{}", i + 1), r.agency.clone());
        shown.insert(format!("report_text-{}", i + 1), r.text.clone());
    }
    shown
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &Values,
    (attendee_rows, report_rows): (usize, usize),
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/meeting.html",
        &format!("Record a meeting: {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            kinds => KINDS.iter().map(|(c, l)| Choice::new(c, *l)).collect::<Vec<_>>(),
            attendees => (1..=attendee_rows + BLANK_ATTENDEES).collect::<Vec<_>>(),
            reports => (1..=report_rows + BLANK_REPORTS).collect::<Vec<_>>(),
            values => values,
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
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    // The team's present members are usually there: their rows start filled in.
    let team: Vec<Attendee> = caf
        .team
        .iter()
        .filter(|m| m.left_on.is_none())
        .map(|m| Attendee {
            name: m.name.clone(),
            agency: m.agency_name.clone(),
        })
        .collect();
    let values = shown(&Values::new(), &team, &[]);
    page(
        &state,
        &signed_in,
        &caf,
        &values,
        (team.len(), 0),
        vec![],
        StatusCode::OK,
    )
    .await
}

pub async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let attendees: Vec<Attendee> = rows(&values, "attendee_", &["name", "agency"])
        .into_iter()
        .map(|r| Attendee {
            name: r[0].trim().into(),
            agency: r[1].trim().into(),
        })
        .collect();
    let reports: Vec<WrittenReport> = rows(&values, "report_", &["from", "agency", "text"])
        .into_iter()
        .map(|r| WrittenReport {
            from: r[0].trim().into(),
            agency: r[1].trim().into(),
            text: r[2].trim().into(),
        })
        .collect();
    let mut errors = vec![];
    let held_on = dates::read(
        &values,
        "held_on",
        "the date of the meeting",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let meeting = Meeting {
        kind: values.get("kind").cloned().unwrap_or_default(),
        held_on: held_on.unwrap_or_else(|| today(&state)),
        attendees,
        reports,
        notes: values
            .get("notes")
            .map(|n| n.trim().to_string())
            .unwrap_or_default(),
    };
    errors.extend(
        meeting
            .problems(today(&state))
            .into_iter()
            .filter(|p| p.field != "held_on-day")
            .map(|p| Problem::new(p.field, p.message)),
    );
    let kept = shown(&values, &meeting.attendees, &meeting.reports);
    let (a, r) = (meeting.attendees.len(), meeting.reports.len());
    if !errors.is_empty() || held_on.is_none() {
        return page(
            &state,
            &signed_in,
            &caf,
            &kept,
            (a, r),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .store
        .record_meeting(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            &meeting,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{id}/team")).into_response()),
        Err(StoreError::Refused(why)) => {
            page(
                &state,
                &signed_in,
                &caf,
                &kept,
                (a, r),
                vec![Problem::new("kind", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
