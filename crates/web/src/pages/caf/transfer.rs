//! A CAF leaving or arriving: the whole CAF as a JSON document to download
//! (`docs/TRANSFER.md`), what a received CAF was sent with (kept as sent, read-only), and
//! "The child has moved away": download the document, then close the CAF as moved out of
//! the area, naming the new area.
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::caf::closure::Closure;
use ecaf_domain::caf::sign_off::{SignOffAsked, SignOffStep};
use ecaf_domain::caf::transfer::{purpose_label, CONSENT_AGAIN};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use std::collections::HashMap;

/// The closure reason a move away closes with (one of the seeds' reasons).
const MOVED_OUT_OF_AREA: &str = "moved_out_of_area";
/// Longest name of the new area.
const MAX_AREA_CHARS: usize = 200;

/// The whole CAF as a JSON document, downloaded as `{reference}.json`.
pub async fn download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    // Someone without need to know sees what the CAF's page shows them: that it exists.
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let document = state
        .store
        .export_caf(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?;
    let body =
        serde_json::to_string_pretty(&document).map_err(|e| PageError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.json\"", caf.reference),
            ),
        ],
        body,
    )
        .into_response())
}

/// What a received CAF came with, as it was sent.
pub async fn received(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let Some(received) = &caf.received else {
        return Err(PageError::NotFound);
    };
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/received.html",
        &format!("What {} was received with", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            purpose => purpose_label(&caf.purpose),
            received => received,
            received_at => super::moment(received.received_at),
        },
    )?;
    Ok(html.into_response())
}

async fn moved_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/moved_away.html",
        "The child has moved away",
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            values => values,
            revision => values.get("revision").cloned().unwrap_or_else(|| caf.revision.to_string()),
            errors => errors,
            needs_manager => super::manager_sign_off::required(state, SignOffStep::Closure).await?,
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
            moved_page(
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
    let text = |name: &str| {
        values
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut problems = vec![];
    let area = text("new_area");
    if area.is_empty() {
        problems.push(Problem::new(
            "new_area",
            "Enter the local authority the family has moved to, or “Not known”",
        ));
    } else if area.chars().count() > MAX_AREA_CHARS {
        problems.push(Problem::new(
            "new_area",
            format!("The new area must be {MAX_AREA_CHARS} characters or fewer"),
        ));
    }
    let on = dates::read(
        &values,
        "closed_on",
        "the date of closure",
        true,
        today(&state),
    )
    .map_err(|p| problems.push(p))
    .ok()
    .flatten();
    let closure = Closure {
        reason_code: MOVED_OUT_OF_AREA.into(),
        explanation: format!("moved to {area}"),
        summary: text("summary"),
        on: on.unwrap_or(caf.episode.opened_on),
    };
    let wording = state.store.wording(caf.wording_version).await?;
    problems.extend(
        closure
            .problems(
                &wording.closure_pairs(),
                caf.episode.opened_on,
                today(&state),
            )
            .into_iter()
            .filter(|p| on.is_some() || p.field() != "closed_on")
            .map(page_problem),
    );
    let order = ["new_area", "summary", "closed_on-day"];
    problems.sort_by_key(|p| order.iter().position(|f| *f == p.field));
    if !problems.is_empty() {
        return moved_page(
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
    // Where the area wants closures signed off, this one goes to the line manager too.
    let (actor, by) = (signed_in.user.actor(), signed_in.visitor.attribution());
    let sent = super::manager_sign_off::required(&state, SignOffStep::Closure).await?;
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
        Ok(Ok(())) if sent => {
            return Ok(Redirect::to(&format!("/cafs/{id}?done=closure-sent")).into_response())
        }
        Ok(Ok(())) => return Ok(Redirect::to(&format!("/cafs/{id}/closed")).into_response()),
        Ok(Err(problems)) => problems.into_iter().map(page_problem).collect(),
        Err(StoreError::Conflict { by, at }) => {
            vec![Problem::new(
                "summary",
                super::changed_meanwhile("The CAF", &by, at),
            )]
        }
        Err(StoreError::Refused(why)) => vec![Problem::new("summary", why)],
        Err(other) => return Err(other.into()),
    };
    let mut kept = values.clone();
    kept.insert("revision".into(), caf.revision.to_string());
    moved_page(
        &state,
        &signed_in,
        &caf,
        &kept,
        problems,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// A closure problem on the control of this page it is about: the reason is fixed, so a
/// problem with it (a service that removed "moved out of area") is said on the summary.
fn page_problem(error: ecaf_domain::caf::closure::ClosureError) -> Problem {
    let field = match error.field() {
        "closed_on" => "closed_on-day",
        "reason" | "explanation" => "new_area",
        _ => "summary",
    };
    Problem::new(field, ecaf_domain::text::sentence_start(&error.to_string()))
}

/// Said on the task list of a received CAF until the family consents here.
pub(super) fn consent_again(caf: &CafContent) -> Option<&'static str> {
    use ecaf_domain::caf::consent::ConsentStatus;
    (caf.received.is_some() && !matches!(caf.consent, ConsentStatus::Sharing(_)))
        .then_some(CONSENT_AGAIN)
}
