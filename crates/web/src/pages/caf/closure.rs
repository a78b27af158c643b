//! Closing a CAF (a reason from the CAF's wording, a closing summary, the date), the
//! confirmation with the family's final copy and the feedback offer, and starting a new CAF
//! after a closed one with the family's fresh agreement.
use super::start::{agreement, agreement_choices};
use super::{children_names, dates, manager_sign_off, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::{Authorised, SignedIn};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use ecaf_domain::access::StartCaf;
use ecaf_domain::caf::closure::{Closure, ClosureError};
use ecaf_domain::caf::sign_off::{SignOffAsked, SignOffStep};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use std::collections::HashMap;

/// What the family is offered when the CAF closes: the seeds ask for the parent and child
/// evaluation surveys at closure, to learn whether the CAF helped.
pub(super) const FEEDBACK_OFFER: &str = "Offer the family the chance to say what they thought: give the parent or carer, and the child or young person, the feedback questionnaire about how the CAF went and whether it helped.";

/// Each closure problem as the page shows it, on the control it is about.
fn page_problem(error: ClosureError) -> Problem {
    let field = match error.field() {
        "closed_on" => "closed_on-day",
        other => other,
    };
    Problem::new(field, ecaf_domain::text::sentence_start(&error.to_string()))
}

fn status_of(errors: &[Problem]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

async fn close_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let wording = state.store.wording(caf.wording_version).await?;
    let revision = values
        .get("revision")
        .cloned()
        .unwrap_or_else(|| caf.revision.to_string());
    let (manager_sign_off, held) =
        manager_sign_off::status(state, caf, Some(SignOffStep::Closure)).await?;
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/close.html",
        &format!("Close {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            reasons => wording.closure_reasons.iter().map(|c| Choice::new(&c.code, c.label.clone())).collect::<Vec<_>>(),
            values => values,
            revision => revision,
            errors => errors,
            manager_sign_off => manager_sign_off,
            held => held,
            needs_manager => manager_sign_off::required(state, SignOffStep::Closure).await?,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) if !caf.state.is_open() => {
            Ok(Redirect::to(&format!("/cafs/{id}/closed")).into_response())
        }
        Ok(caf) => {
            close_page(
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

pub async fn close(
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
    let mut errors = vec![];
    let on = dates::read(
        &values,
        "closed_on",
        "the date of closure",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let closure = Closure {
        reason_code: text("reason"),
        explanation: text("explanation"),
        summary: text("summary"),
        on: on.unwrap_or(caf.episode.opened_on),
    };
    // Every problem at once, in the order of the form; the store checks them again.
    let wording = state.store.wording(caf.wording_version).await?;
    let mut problems: Vec<Problem> = closure
        .problems(
            &wording.closure_pairs(),
            caf.episode.opened_on,
            today(&state),
        )
        .into_iter()
        .filter(|p| on.is_some() || p.field() != "closed_on")
        .map(page_problem)
        .collect();
    problems.extend(errors);
    let order = ["reason", "explanation", "summary", "closed_on-day"];
    problems.sort_by_key(|p| order.iter().position(|f| *f == p.field));
    if !problems.is_empty() {
        return close_page(
            &state,
            &signed_in,
            &caf,
            &values,
            problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let revision = values
        .get("revision")
        .and_then(|r| r.parse().ok())
        .unwrap_or(caf.revision);
    let (actor, by) = (signed_in.user.actor(), signed_in.visitor.attribution());
    let sent = manager_sign_off::required(&state, SignOffStep::Closure).await?;
    let closed = if sent {
        let asked = SignOffAsked::Closure { closure };
        state
            .store
            .request_sign_off(&actor, &by, id, revision, &asked)
            .await
            .map(|sent| sent.map(|_| ()))
    } else {
        state
            .store
            .close_caf(&actor, &by, id, &closure, revision)
            .await
    };
    let problems = match closed {
        // Post-redirect-get, so Refresh and Back show the confirmation (or what waits).
        Ok(Ok(())) if sent => {
            return Ok(Redirect::to(&format!("/cafs/{id}?done=closure-sent")).into_response());
        }
        Ok(Ok(())) => {
            return Ok(Redirect::to(&format!("/cafs/{id}/closed")).into_response());
        }
        Ok(Err(problems)) => problems.into_iter().map(page_problem).collect(),
        Err(StoreError::Conflict { by, at }) => {
            let mut kept = values.clone();
            kept.insert("revision".into(), caf.revision.to_string());
            let problem = Problem::new("reason", super::changed_meanwhile("The CAF", &by, at));
            return close_page(
                &state,
                &signed_in,
                &caf,
                &kept,
                vec![problem],
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(StoreError::Refused(why)) => vec![Problem::new("reason", why)],
        Err(other) => return Err(other.into()),
    };
    close_page(
        &state,
        &signed_in,
        &caf,
        &values,
        problems,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The confirmation: the family's final copy and the feedback offer.
pub async fn closed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    if caf.state.is_open() {
        return Ok(Redirect::to(&format!("/cafs/{id}")).into_response());
    }
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/closed.html",
        &format!("{} closed", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            episode => caf.episode,
            feedback => FEEDBACK_OFFER,
        },
    )?;
    Ok(html.into_response())
}

type Starter = Authorised<StartCaf>;

fn reopen_page(
    state: &AppState,
    starter: &Starter,
    caf: &CafContent,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
) -> Result<Response, PageError> {
    let (givers, yes_no) = agreement_choices();
    let status = status_of(&errors);
    let html = render(
        state,
        &starter.signed_in.visitor,
        "/people",
        "caf/reopen.html",
        &format!("Start a new CAF after {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            family => caf.children.len() > 1,
            closed_on => caf.episode.closed_on,
            values => values,
            givers => givers,
            yes_no => yes_no,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

/// A closed CAF that may be followed: its own page shows why not otherwise.
async fn closed_caf(
    state: &AppState,
    starter: &Starter,
    id: i64,
) -> Result<Result<Box<CafContent>, Response>, PageError> {
    Ok(match open(state, &starter.signed_in, id).await? {
        Ok(caf) if caf.state.is_open() || caf.episode.followed_by.is_some() => {
            Err(Redirect::to(&format!("/cafs/{id}")).into_response())
        }
        other => other,
    })
}

pub async fn reopen_form(
    State(state): State<AppState>,
    starter: Starter,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match closed_caf(&state, &starter, id).await? {
        Ok(caf) => reopen_page(&state, &starter, &caf, &HashMap::new(), vec![]),
        Err(elsewhere) => Ok(elsewhere),
    }
}

pub async fn reopen(
    State(state): State<AppState>,
    starter: Starter,
    Path(id): Path<i64>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let caf = match closed_caf(&state, &starter, id).await? {
        Ok(caf) => caf,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let (agreement, errors) = agreement(&values, today(&state));
    let (Some(agreement), true) = (agreement, errors.is_empty()) else {
        return reopen_page(&state, &starter, &caf, &values, errors);
    };
    match state
        .store
        .reopen_caf(
            &starter.grant,
            &starter.signed_in.user.actor(),
            &starter.signed_in.visitor.attribution(),
            id,
            &agreement,
        )
        .await
    {
        Ok(next) => Ok(Redirect::to(&format!("/cafs/{next}")).into_response()),
        Err(StoreError::Refused(why)) => reopen_page(
            &state,
            &starter,
            &caf,
            &values,
            vec![Problem::new("giver", why)],
        ),
        Err(other) => Err(other.into()),
    }
}

/// Whether a CAF opened on `opened_on` is open and drifting, as of today.
pub(crate) fn drifting(state: &AppState, open: bool, opened_on: NaiveDate) -> bool {
    open && ecaf_domain::caf::closure::is_drifting(opened_on, today(state))
}
