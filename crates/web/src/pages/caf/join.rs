//! Asking to join the team around the family (for someone who found only that a CAF exists)
//! and answering the request (for the lead professional or the assessor).
use super::{children_names, dates, moment, open, plan, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::caf::join::{
    answer_problems, request_problems, ConsentStanding, FamilyAgreement, JoinAnswer, JoinStatus,
};
use ecaf_store::caf::{CafContent, CafRead, JoinRequestRow};
use ecaf_store::StoreError;
use std::collections::HashMap;

type Values = HashMap<String, String>;

/// The request as the pages show it.
pub(super) fn request_context(r: &JoinRequestRow) -> minijinja::Value {
    minijinja::context! {
        id => r.id,
        requester => r.requester,
        job_title => r.job_title,
        agency => r.agency,
        contact => r.contact,
        reason => r.reason,
        asked => moment(r.asked_at),
        status => r.status.code(),
        status_label => r.status.label(),
        answered => r.answered_at.map(moment),
        answered_by => r.answered_by,
        answer => r.answer,
    }
}

/// The CAF's reference and whom the request goes to, whatever the asker may see of it.
async fn what_is_asked(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<(String, Option<String>), PageError> {
    Ok(
        match state
            .store
            .read_caf(
                &signed_in.user.actor(),
                &signed_in.visitor.attribution(),
                id,
            )
            .await?
        {
            CafRead::ExistenceOnly(existence) => (existence.reference, existence.contact),
            CafRead::Content(caf) => (caf.reference, caf.lead_professional),
        },
    )
}

async fn ask_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    values: &Values,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (reference, contact) = what_is_asked(state, signed_in, id).await?;
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/join.html",
        &format!("Ask to join the team: {reference}"),
        minijinja::context! {
            caf => minijinja::context! { id => id, reference => reference },
            contact => contact,
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn ask_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ask_page(
        &state,
        &signed_in,
        id,
        &Values::new(),
        vec![],
        StatusCode::OK,
    )
    .await
}

pub async fn ask(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let reason = values.get("reason").cloned().unwrap_or_default();
    let problems: Vec<Problem> = request_problems(&reason)
        .into_iter()
        .map(|p| Problem::new(p.field, p.message))
        .collect();
    if !problems.is_empty() {
        return ask_page(
            &state,
            &signed_in,
            id,
            &values,
            problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .store
        .ask_to_join(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            &reason,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{id}/join/sent")).into_response()),
        Err(StoreError::Refused(why)) => {
            ask_page(
                &state,
                &signed_in,
                id,
                &values,
                vec![Problem::new("reason", why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// "Request sent", after the redirect, from the asker's own latest request.
pub async fn sent(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let mine = state
        .store
        .my_join_requests(&signed_in.user.actor(), Some(id))
        .await?;
    let Some(request) = mine.first().filter(|r| r.status == JoinStatus::Pending) else {
        return Ok(Redirect::to(&format!("/cafs/{id}")).into_response());
    };
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/join_sent.html",
        &format!("Request sent: {}", request.reference),
        minijinja::context! {
            caf => minijinja::context! { id => id, reference => request.reference },
            request => request_context(request),
        },
    )?;
    Ok(html.into_response())
}

/// Where the consent stands for the requester's agency on this CAF.
fn standing(caf: &CafContent, request: &JoinRequestRow) -> ConsentStanding {
    ConsentStanding::of(&caf.consent, request.agency_id)
}

#[allow(clippy::too_many_arguments)]
async fn answer_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    request: &JoinRequestRow,
    values: &Values,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/join_answer.html",
        &format!("Request to join the team: {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            request => request_context(request),
            may_answer => plan::writes(signed_in, caf) && caf.state.is_open(),
            consent => match standing(caf, request) {
                ConsentStanding::NotYetRecorded => "not_yet",
                ConsentStanding::NamesAgency => "names",
                ConsentStanding::OmitsAgency => "omits",
                ConsentStanding::Withdrawn => "withdrawn",
            },
            decisions => [
                Choice::new("accept", format!("Accept: add {} to the team", request.requester)),
                Choice::new("decline", "Decline the request"),
            ],
            agreed => [
                Choice::new("yes", "Yes"),
                Choice::new("no", "No, or not asked yet"),
            ],
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

/// The CAF (for someone who reads it) and the request on it, or the page to show instead.
async fn request_on(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    request_id: i64,
) -> Result<Result<(Box<CafContent>, JoinRequestRow), Response>, PageError> {
    let caf = match open(state, signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(Err(existence)),
    };
    let request = caf
        .join_requests
        .iter()
        .find(|r| r.id == request_id)
        .cloned()
        .ok_or(PageError::NotFound)?;
    Ok(Ok((caf, request)))
}

pub async fn answer_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, request_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    match request_on(&state, &signed_in, id, request_id).await? {
        Ok((caf, request)) => {
            answer_page(
                &state,
                &signed_in,
                &caf,
                &request,
                &Values::new(),
                vec![],
                StatusCode::OK,
            )
            .await
        }
        Err(page) => Ok(page),
    }
}

/// The answer as typed, or the problems with it, each on its field.
fn read_answer(
    values: &Values,
    consent: ConsentStanding,
    agency: &str,
    today: chrono::NaiveDate,
) -> Result<JoinAnswer, Vec<Problem>> {
    let text = |name: &str| values.get(name).cloned().unwrap_or_default();
    let mut errors = vec![];
    let answer = match text("decision").as_str() {
        "accept" => {
            let family = match text("family_agreed").as_str() {
                "yes" => match dates::read(
                    values,
                    "agreed_on",
                    "the date the family agreed",
                    true,
                    today,
                ) {
                    Ok(Some(on)) => Some(FamilyAgreement::Yes {
                        on,
                        how: text("agreed_how"),
                    }),
                    Ok(None) => None,
                    Err(problem) => {
                        errors.push(problem);
                        // The other fields are still checked, to list every problem at once.
                        Some(FamilyAgreement::Yes {
                            on: today,
                            how: text("agreed_how"),
                        })
                    }
                },
                "no" => Some(FamilyAgreement::No),
                _ => None,
            };
            JoinAnswer::Accept {
                role: text("role"),
                family,
            }
        }
        "decline" => JoinAnswer::Decline {
            reason: text("decline_reason"),
        },
        _ => {
            return Err(vec![Problem::new(
                "decision",
                "Select whether you accept or decline the request",
            )])
        }
    };
    errors.extend(
        answer_problems(&answer, consent, agency, today)
            .into_iter()
            .map(|p| match p.field {
                "agreed_on" => Problem::new("agreed_on-day", p.message),
                field => Problem::new(field, p.message),
            }),
    );
    if errors.is_empty() {
        Ok(answer)
    } else {
        Err(errors)
    }
}

pub async fn answer(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, request_id)): Path<(i64, i64)>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let (caf, request) = match request_on(&state, &signed_in, id, request_id).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let again = |errors: Vec<Problem>, status: StatusCode| {
        let (state, signed_in, caf, request, values) =
            (&state, &signed_in, &caf, &request, &values);
        async move { answer_page(state, signed_in, caf, request, values, errors, status).await }
    };
    let answer = match read_answer(
        &values,
        standing(&caf, &request),
        &request.agency,
        today(&state),
    ) {
        Ok(answer) => answer,
        Err(errors) => return again(errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match state
        .store
        .answer_join_request(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            request_id,
            &answer,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cafs/{id}/team")).into_response()),
        Err(StoreError::Refused(why)) => {
            again(vec![Problem::new("decision", why)], StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(StoreError::Conflict { by, at }) => {
            again(
                vec![Problem::new(
                    "decision",
                    format!(
                        "{by} answered this request on {} while you were working: your answer was not saved",
                        moment(at)
                    ),
                )],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
