//! The lead professional and the team around the family: who they are, appointing or
//! changing the lead professional with the family's and child's views, and members joining
//! and leaving on dated days.
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::caf::team::{
    lead_status_label, leaving_problem, LeadChoice, LeadDecision, NewMember, TeamProblem,
};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use std::collections::HashMap;

type Values = HashMap<String, String>;

fn problems(found: Vec<TeamProblem>) -> Vec<Problem> {
    found
        .into_iter()
        .map(|p| {
            // Date problems point at the date's first box.
            let field = match p.field {
                "on" => "decided_on-day".to_string(),
                "joined_on" => "joined_on-day".to_string(),
                "left_on" => "left_on-day".to_string(),
                other => other.to_string(),
            };
            Problem::new(field, p.message)
        })
        .collect()
}

fn caf_context(caf: &CafContent) -> minijinja::Value {
    minijinja::context! { id => caf.id, reference => caf.reference, revision => caf.revision }
}

/// The error page for a stale save: the typing kept, with who changed the CAF.
fn conflict(by: String, at: chrono::DateTime<chrono::Utc>) -> Problem {
    Problem::new("choice", super::changed_meanwhile("The CAF", &by, at))
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/team.html",
        &format!("Team around the family: {}", caf.reference),
        minijinja::context! {
            caf => caf_context(&caf),
            names => children_names(&caf),
            lead => caf.lead_professional,
            lead_status => lead_status_label(&caf.lead_status),
            present => caf.team.iter().filter(|m| m.left_on.is_none()).collect::<Vec<_>>(),
            past => caf.team.iter().filter(|m| m.left_on.is_some()).collect::<Vec<_>>(),
            open => caf.state.is_open(),
            meetings => caf.meetings,
            waiting => caf.join_requests.iter()
                .filter(|r| r.status == ecaf_domain::caf::join::JoinStatus::Pending)
                .map(super::join::request_context)
                .collect::<Vec<_>>(),
            may_answer => super::plan::writes(&signed_in, &caf) && caf.state.is_open(),
        },
    )?;
    Ok(html.into_response())
}

async fn lead_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &Values,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let people: Vec<Choice> = state
        .store
        .practitioners()
        .await?
        .into_iter()
        .map(|p| {
            Choice::new(
                p.id,
                format!("{} ({}, {})", p.name, p.job_title, p.agency_name),
            )
        })
        .collect();
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/lead.html",
        &format!("Lead professional: {}", caf.reference),
        minijinja::context! {
            caf => caf_context(caf),
            names => children_names(caf),
            lead => caf.lead_professional,
            people => people,
            choices => [
                Choice::new("appointed", "Appoint a lead professional"),
                Choice::new("none_needed_yet", "No lead professional is needed yet"),
                Choice::new("at_the_meeting", "The team meeting will choose"),
            ],
            values => values,
            revision => values.get("revision").cloned().unwrap_or_else(|| caf.revision.to_string()),
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn lead_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => {
            lead_page(
                &state,
                &signed_in,
                &caf,
                &Values::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(existence) => Ok(existence),
    }
}

pub async fn lead_save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let text = |name: &str| values.get(name).cloned().unwrap_or_default();
    let mut errors = vec![];
    let choice = match text("choice").as_str() {
        "appointed" => match text("user_id").parse::<i64>() {
            Ok(user_id) => Some(LeadChoice::Appointed { user_id }),
            Err(_) => {
                errors.push(Problem::new(
                    "user_id",
                    "Choose who will be the lead professional",
                ));
                None
            }
        },
        "none_needed_yet" => Some(LeadChoice::NoneNeededYet),
        "at_the_meeting" => Some(LeadChoice::AtTheMeeting),
        _ => {
            errors.push(Problem::new(
                "choice",
                "Select what was decided about the lead professional",
            ));
            None
        }
    };
    let on = dates::read(
        &values,
        "decided_on",
        "the date of the decision",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let decision = LeadDecision {
        choice: choice.unwrap_or(LeadChoice::AtTheMeeting),
        on: on.unwrap_or_else(|| today(&state)),
        reason: text("reason"),
        family_view: text("family_view"),
        child_view: text("child_view"),
    };
    errors.extend(problems(
        decision
            .problems(caf.lead_professional.is_some(), today(&state))
            .into_iter()
            .filter(|p| p.field != "on")
            .collect(),
    ));
    if !errors.is_empty() || choice.is_none() || on.is_none() {
        return lead_page(
            &state,
            &signed_in,
            &caf,
            &values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let revision = text("revision").parse().unwrap_or(caf.revision);
    match state
        .store
        .decide_lead_professional(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            revision,
            &decision,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cafs/{id}/team")).into_response()),
        Err(StoreError::Refused(why)) => {
            lead_page(
                &state,
                &signed_in,
                &caf,
                &values,
                vec![Problem::new("user_id", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { by, at }) => {
            let mut kept = values.clone();
            kept.insert("revision".into(), caf.revision.to_string());
            lead_page(
                &state,
                &signed_in,
                &caf,
                &kept,
                vec![conflict(by, at)],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn member_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &Values,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let present: Vec<i64> = caf
        .team
        .iter()
        .filter(|m| m.left_on.is_none())
        .filter_map(|m| m.user_id)
        .collect();
    let people: Vec<Choice> = state
        .store
        .practitioners()
        .await?
        .into_iter()
        .filter(|p| !present.contains(&p.id))
        .map(|p| {
            Choice::new(
                p.id,
                format!("{} ({}, {})", p.name, p.job_title, p.agency_name),
            )
        })
        .collect();
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/member.html",
        &format!("Add someone to the team: {}", caf.reference),
        minijinja::context! {
            caf => caf_context(caf),
            names => children_names(caf),
            people => people,
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn member_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => {
            member_page(
                &state,
                &signed_in,
                &caf,
                &Values::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(existence) => Ok(existence),
    }
}

pub async fn member_add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let text = |name: &str| values.get(name).cloned().unwrap_or_default();
    let mut errors = vec![];
    let joined_on = dates::read(
        &values,
        "joined_on",
        "the date they joined",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let member = NewMember {
        user_id: text("user_id").parse().ok(),
        name: text("name"),
        agency_name: text("agency_name"),
        role: text("role"),
        contact: text("contact"),
        joined_on: joined_on.unwrap_or_else(|| today(&state)),
    };
    errors.extend(problems(
        member
            .problems(today(&state))
            .into_iter()
            .filter(|p| p.field != "joined_on")
            .collect(),
    ));
    if !errors.is_empty() || joined_on.is_none() {
        return member_page(
            &state,
            &signed_in,
            &caf,
            &values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .store
        .add_team_member(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            &member,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{id}/team")).into_response()),
        Err(StoreError::Refused(why)) => {
            member_page(
                &state,
                &signed_in,
                &caf,
                &values,
                vec![Problem::new("user_id", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn leave_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    member_id: i64,
    values: &Values,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let member = caf
        .team
        .iter()
        .find(|m| m.id == member_id)
        .ok_or(PageError::NotFound)?;
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/leave.html",
        &format!("{} leaves the team: {}", member.name, caf.reference),
        minijinja::context! {
            caf => caf_context(caf),
            names => children_names(caf),
            member => member,
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn leave_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => {
            leave_page(
                &state,
                &signed_in,
                &caf,
                member,
                &Values::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(existence) => Ok(existence),
    }
}

pub async fn leave(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, member_id)): Path<(i64, i64)>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let member = caf
        .team
        .iter()
        .find(|m| m.id == member_id)
        .ok_or(PageError::NotFound)?;
    let mut errors = vec![];
    let left_on = dates::read(
        &values,
        "left_on",
        "the date they left",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    if let Some(problem) = left_on.and_then(|d| leaving_problem(member.joined_on, d, today(&state)))
    {
        errors.extend(problems(vec![problem]));
    }
    let (Some(left_on), true) = (left_on, errors.is_empty()) else {
        return leave_page(
            &state,
            &signed_in,
            &caf,
            member_id,
            &values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .store
        .team_member_leaves(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            member_id,
            left_on,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cafs/{id}/team")).into_response()),
        Err(StoreError::Refused(why)) => {
            leave_page(
                &state,
                &signed_in,
                &caf,
                member_id,
                &values,
                vec![Problem::new("left_on-day", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
