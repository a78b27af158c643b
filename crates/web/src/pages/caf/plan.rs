//! The action plan: the actions with overdue ones tagged, a new action (what, who, by when,
//! the outcome), an action's status updated by its owner, and agreeing the plan with its
//! next review date.
use super::{children_names, dates, manager_sign_off, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::plan::{
    default_review_date, is_overdue, too_many, ActionStatus, NewAction, Owner, StatusChange,
    MAX_REVIEW_WEEKS,
};
use ecaf_domain::caf::sign_off::{SignOffAsked, SignOffStep};
use ecaf_store::caf::{ActionRow, CafContent, CONSENT_FIRST};
use ecaf_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;

/// What was just done, for the success banner.
#[derive(Deserialize, Default)]
pub struct Flash {
    done: Option<String>,
}

fn caf_context(caf: &CafContent) -> minijinja::Value {
    minijinja::context! {
        id => caf.id,
        reference => caf.reference,
        state => caf.state.label(),
    }
}

/// The writers of the CAF: the assessor and the lead professional.
pub(super) fn writes(signed_in: &SignedIn, caf: &CafContent) -> bool {
    let me = Some(signed_in.user.id);
    caf.assessor_id == me || caf.lead_professional_id == me
}

fn may_update(signed_in: &SignedIn, caf: &CafContent, action: &ActionRow) -> bool {
    caf.state.is_open()
        && (writes(signed_in, caf) || action.owner_user_id == Some(signed_in.user.id))
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let today = today(&state);
    let actions: Vec<_> = caf
        .actions
        .iter()
        .map(|a| {
            minijinja::context! {
                id => a.id,
                what => a.what,
                who => a.owner_label,
                due_on => a.due_on.format("%-d %B %Y").to_string(),
                waiting_list => a.waiting_list,
                outcome => a.outcome,
                status => a.status.label(),
                status_code => a.status.code(),
                reason => a.not_done_reason,
                overdue => is_overdue(a.due_on, a.status, today),
                may_update => may_update(&signed_in, &caf, a),
            }
        })
        .collect();
    let planning = matches!(
        caf.state,
        CafState::AssessmentSignedOff
            | CafState::PlanInPlace
            | CafState::UnderReview
            | CafState::SteppedUp
    );
    let (manager_sign_off, held) =
        manager_sign_off::status(&state, &caf, Some(SignOffStep::Plan)).await?;
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/plan.html",
        &format!("Action plan for {}", children_names(&caf)),
        minijinja::context! {
            caf => caf_context(&caf),
            names => children_names(&caf),
            actions => actions,
            too_many => too_many(caf.actions.len()),
            signed_off => caf.state != CafState::Draft,
            may_add => planning && !held && writes(&signed_in, &caf),
            may_agree => caf.state == CafState::AssessmentSignedOff && !held && writes(&signed_in, &caf) && !caf.actions.is_empty(),
            manager_sign_off => manager_sign_off,
            agreed => caf.state != CafState::AssessmentSignedOff && caf.next_review_on.is_some(),
            may_review => caf.state == CafState::PlanInPlace && writes(&signed_in, &caf),
            next_review_on => caf.next_review_on.map(|d| d.format("%-d %B %Y").to_string()),
            flash => match flash.done.as_deref() {
                Some("added") => Some("The action has been added to the plan"),
                Some("updated") => Some("The action has been updated"),
                Some("agreed") => Some("The plan has been agreed and the review scheduled"),
                Some("sent") => Some("The plan has been sent to your line manager for sign-off"),
                _ => None,
            },
        },
    )?;
    Ok(html.into_response())
}

async fn action_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let team: Vec<_> = caf.team.iter().filter(|m| m.left_on.is_none()).collect();
    let mut owners: Vec<Choice> = team
        .iter()
        .map(|m| {
            let about: Vec<&str> = [m.role.as_str(), m.agency_name.as_str()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            Choice::new(
                format!("member-{}", m.id),
                if about.is_empty() {
                    m.name.clone()
                } else {
                    format!("{} ({})", m.name, about.join(", "))
                },
            )
        })
        .collect();
    owners.extend(
        caf.children
            .iter()
            .map(|(id, name)| Choice::new(format!("child-{id}"), format!("{name} (the child)"))),
    );
    owners.push(Choice::new("parent", "A parent or carer"));
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/plan_action.html",
        &format!("Add an action to the plan for {}", children_names(caf)),
        minijinja::context! {
            caf => caf_context(caf),
            names => children_names(caf),
            owners => owners,
            no_team => team.is_empty(),
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_action(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => {
            action_page(
                &state,
                &signed_in,
                &caf,
                &HashMap::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(existence) => Ok(existence),
    }
}

/// The owner chosen in the radios (`member-3`, `child-12`, `parent` with a name).
fn owner_of(values: &HashMap<String, String>) -> Option<Owner> {
    let chosen = values.get("owner")?;
    if chosen == "parent" {
        return Some(Owner::ParentOrCarer {
            name: values.get("owner_name").cloned().unwrap_or_default(),
        });
    }
    let (kind, id) = chosen.split_once('-')?;
    let id = id.parse().ok()?;
    match kind {
        "member" => Some(Owner::TeamMember { member_id: id }),
        "child" => Some(Owner::Child { person_id: id }),
        _ => None,
    }
}

pub async fn add_action(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let text = |name: &str| values.get(name).cloned().unwrap_or_default();
    let due = dates::read_any(&values, "due_on", "the date it will be done by", true);
    let action = NewAction {
        what: text("what"),
        owner: owner_of(&values),
        due_on: due.as_ref().ok().copied().flatten(),
        waiting_list: text("waiting_list"),
        outcome: text("outcome"),
    };
    let mut errors: Vec<Problem> = action
        .problems(today(&state))
        .into_iter()
        .filter(|p| !(p.field == "due_on" && due.is_err()))
        .map(|p| {
            let field = if p.field == "due_on" {
                "due_on-day"
            } else {
                p.field
            };
            Problem::new(field, p.message)
        })
        .collect();
    if let Err(problem) = due {
        let at = errors
            .iter()
            .position(|e| e.field == "outcome")
            .unwrap_or(errors.len());
        errors.insert(at, problem);
    }
    if !errors.is_empty() {
        return action_page(
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
        .add_caf_action(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            &action,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{id}/plan?done=added")).into_response()),
        Err(StoreError::Refused(why)) => {
            let field = if why.starts_with(CONSENT_FIRST) {
                // To the consent form with the owner's agency ticked.
                let agency = match &action.owner {
                    Some(Owner::TeamMember { member_id }) => caf
                        .team
                        .iter()
                        .find(|m| m.id == *member_id)
                        .and_then(|m| m.agency_id),
                    _ => None,
                };
                match agency {
                    Some(agency) => format!("/cafs/{id}/consent?agency={agency}"),
                    None => format!("/cafs/{id}/consent"),
                }
            } else if why.contains("Select") {
                "owner".into()
            } else {
                "what".into()
            };
            action_page(
                &state,
                &signed_in,
                &caf,
                &values,
                vec![Problem::new(field, why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn status_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    action: &ActionRow,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let statuses: Vec<Choice> = ActionStatus::ALL
        .into_iter()
        .map(|s| Choice::new(s.code(), s.label()))
        .collect();
    let mut values = values.clone();
    values
        .entry("status".into())
        .or_insert_with(|| action.status.code().into());
    values
        .entry("reason".into())
        .or_insert_with(|| action.not_done_reason.clone());
    values
        .entry("revision".into())
        .or_insert_with(|| action.revision.to_string());
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/plan_status.html",
        &format!("Update an action on the plan for {}", children_names(caf)),
        minijinja::context! {
            caf => caf_context(caf),
            names => children_names(caf),
            action => minijinja::context! {
                id => action.id,
                what => action.what,
                who => action.owner_label,
                due_on => action.due_on.format("%-d %B %Y").to_string(),
                outcome => action.outcome,
                waiting_list => action.waiting_list,
                overdue => is_overdue(action.due_on, action.status, today(state)),
            },
            statuses => statuses,
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn action_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, action_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let action = caf
        .actions
        .iter()
        .find(|a| a.id == action_id)
        .ok_or(PageError::NotFound)?;
    status_page(
        &state,
        &signed_in,
        &caf,
        action,
        &HashMap::new(),
        vec![],
        StatusCode::OK,
    )
    .await
}

pub async fn update_action(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, action_id)): Path<(i64, i64)>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let action = caf
        .actions
        .iter()
        .find(|a| a.id == action_id)
        .ok_or(PageError::NotFound)?;
    let Some(status) = values.get("status").and_then(|s| ActionStatus::parse(s)) else {
        return status_page(
            &state,
            &signed_in,
            &caf,
            action,
            &values,
            vec![Problem::new("status", "Select where the action stands")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let change = StatusChange {
        status,
        reason: values.get("reason").cloned().unwrap_or_default(),
    };
    if let Some(problem) = change.problems().into_iter().next() {
        return status_page(
            &state,
            &signed_in,
            &caf,
            action,
            &values,
            vec![Problem::new(problem.field, problem.message)],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let revision = values
        .get("revision")
        .and_then(|r| r.parse().ok())
        .unwrap_or(action.revision);
    match state
        .store
        .update_caf_action_status(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            action_id,
            revision,
            &change,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{id}/plan?done=updated")).into_response()),
        Err(StoreError::Conflict { by, at }) => {
            // Keep their choice, with the newer revision: saving again replaces the other
            // change knowingly.
            let mut kept = values.clone();
            kept.insert("revision".into(), action.revision.to_string());
            status_page(
                &state,
                &signed_in,
                &caf,
                action,
                &kept,
                vec![Problem::new(
                    "status",
                    super::changed_meanwhile("This action", &by, at),
                )],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(StoreError::Refused(why)) => {
            status_page(
                &state,
                &signed_in,
                &caf,
                action,
                &values,
                vec![Problem::new("status", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn agree_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut values = values.clone();
    if !values.contains_key("review_on-day") {
        dates::fill(
            &mut values,
            "review_on",
            &default_review_date(today(state)).to_string(),
        );
    }
    values
        .entry("revision".into())
        .or_insert_with(|| caf.revision.to_string());
    let today = today(state);
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/plan_agree.html",
        &format!("Agree the plan for {}", children_names(caf)),
        minijinja::context! {
            caf => caf_context(caf),
            names => children_names(caf),
            actions => caf.actions.len(),
            overdue => caf.actions.iter().filter(|a| is_overdue(a.due_on, a.status, today)).count(),
            too_many => too_many(caf.actions.len()),
            max_weeks => MAX_REVIEW_WEEKS,
            values => values,
            errors => errors,
            manager_sign_off => manager_sign_off::status(state, caf, Some(SignOffStep::Plan)).await?.0,
            needs_manager => manager_sign_off::required(state, SignOffStep::Plan).await?,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn agree_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => {
            agree_page(
                &state,
                &signed_in,
                &caf,
                &HashMap::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(existence) => Ok(existence),
    }
}

pub async fn agree(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let typed =
        dates::read_any(&values, "review_on", "the date of the review", true).and_then(|date| {
            date.ok_or_else(|| Problem::new("review_on-day", "Enter the date of the review"))
        });
    let review_on = match typed {
        Ok(date) => date,
        Err(problem) => {
            return agree_page(
                &state,
                &signed_in,
                &caf,
                &values,
                vec![problem],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let revision = values
        .get("revision")
        .and_then(|r| r.parse().ok())
        .unwrap_or(caf.revision);
    let (actor, by) = (signed_in.user.actor(), signed_in.visitor.attribution());
    let done = if manager_sign_off::required(&state, SignOffStep::Plan).await? {
        let asked = SignOffAsked::Plan { review_on };
        state
            .store
            .request_sign_off(&actor, &by, id, revision, &asked)
            .await
            .map(|_| "sent")
    } else {
        state
            .store
            .agree_caf_plan(&actor, &by, id, revision, review_on)
            .await
            .map(|()| "agreed")
    };
    match done {
        Ok(done) => Ok(Redirect::to(&format!("/cafs/{id}/plan?done={done}")).into_response()),
        Err(StoreError::Refused(why)) => {
            let field = if why.contains("review date") {
                "review_on-day".to_string()
            } else if why.contains("at least one action") {
                format!("/cafs/{id}/plan/actions/new")
            } else {
                format!("/cafs/{id}/plan")
            };
            agree_page(
                &state,
                &signed_in,
                &caf,
                &values,
                vec![Problem::new(field, why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { by, at }) => {
            let mut kept = values.clone();
            kept.insert("revision".into(), caf.revision.to_string());
            agree_page(
                &state,
                &signed_in,
                &caf,
                &kept,
                vec![Problem::new(
                    "review_on-day",
                    super::changed_meanwhile("The CAF", &by, at),
                )],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
