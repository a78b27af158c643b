//! The CAF pages: starting one with the family's agreement, the task list, each section on
//! its own, consent to share and its withdrawal, decisions to share without consent, check
//! answers and sign-off, versions, the family's printable copy, closing and starting a new CAF
//! after a closed one, and the child's chronology.
//! The store decides per record who may see what; these pages only show its answer
//! (content, or only that a CAF exists and whom to contact).
mod answers;
mod closure;
mod consent;
mod dates;
mod distance;
mod family_copy;
mod fields;
mod handover;
mod join;
mod manager_sign_off;
mod meetings;
mod owner;
mod plan;
mod reviews;
mod section;
mod services;
mod sharing;
mod sign_off;
mod start;
mod step_up;
pub(crate) mod summary;
mod task_list;
mod team;
mod transfer;
mod versions;

use super::render;
use crate::error::PageError;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ecaf_store::caf::{CafContent, CafExistence, CafRead};
use serde::Serialize;

pub(crate) use closure::drifting;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/people/{id}/cafs/new",
            get(start::form).post(start::submit),
        )
        .route("/people/{id}/chronology", get(versions::chronology))
        .route("/cafs/{id}", get(task_list::show))
        .route("/cafs/{id}/join", get(join::ask_form).post(join::ask))
        .route("/cafs/{id}/join/sent", get(join::sent))
        .route(
            "/cafs/{id}/join-requests/{request_id}",
            get(join::answer_form).post(join::answer),
        )
        .route(
            "/cafs/{id}/sections/{key}",
            get(section::form).post(section::save),
        )
        .route(
            "/cafs/{id}/consent",
            get(consent::form).post(consent::record),
        )
        .route(
            "/cafs/{id}/consent/withdraw",
            get(consent::withdraw_form).post(consent::withdraw),
        )
        .route("/cafs/{id}/consent/withdrawn", get(consent::withdrawn))
        .route("/cafs/{id}/owner", get(owner::form).post(owner::change))
        .route("/cafs/{id}/team", get(team::show))
        .route("/caseloads", get(handover::caseloads))
        .route(
            "/caseloads/{user}/hand-over",
            get(handover::form).post(handover::hand_over),
        )
        .route(
            "/cafs/{id}/step-up",
            get(step_up::form).post(step_up::step_up),
        )
        .route(
            "/cafs/{id}/takeover",
            get(step_up::takeover_form).post(step_up::takeover),
        )
        .route(
            "/cafs/{id}/meetings/new",
            get(meetings::form).post(meetings::record),
        )
        .route(
            "/cafs/{id}/team/lead",
            get(team::lead_form).post(team::lead_save),
        )
        .route(
            "/cafs/{id}/team/new",
            get(team::member_form).post(team::member_add),
        )
        .route(
            "/cafs/{id}/team/{member}/leave",
            get(team::leave_form).post(team::leave),
        )
        .route(
            "/cafs/{id}/sharing/new",
            get(sharing::form).post(sharing::record),
        )
        .route("/cafs/{id}/family-copy", get(family_copy::show))
        .route("/cafs/{id}/close", get(closure::form).post(closure::close))
        .route("/cafs/{id}/closed", get(closure::closed))
        .route("/cafs/{id}/export.json", get(transfer::download))
        .route("/cafs/{id}/received", get(transfer::received))
        .route(
            "/cafs/{id}/moved-away",
            get(transfer::form).post(transfer::close),
        )
        .route(
            "/cafs/{id}/reopen",
            get(closure::reopen_form).post(closure::reopen),
        )
        .route("/cafs/{id}/plan", get(plan::show))
        .route(
            "/cafs/{id}/reviews/new",
            get(reviews::form).post(reviews::record),
        )
        .route("/cafs/{id}/reviews/{number}", get(reviews::show))
        .route(
            "/cafs/{id}/plan/actions/new",
            get(plan::new_action).post(plan::add_action),
        )
        .route(
            "/cafs/{id}/plan/actions/{action_id}",
            get(plan::action_form).post(plan::update_action),
        )
        .route(
            "/cafs/{id}/plan/agree",
            get(plan::agree_form).post(plan::agree),
        )
        .route(
            "/cafs/{id}/sign-off",
            get(sign_off::check).post(sign_off::sign_off),
        )
        .route("/cafs/{id}/versions", get(versions::list))
        .route("/cafs/{id}/versions/compare", get(versions::compare))
        .route("/cafs/{id}/versions/{number}", get(versions::show))
}

pub(super) use crate::render::moment;

/// Why a change was not saved: someone else changed `what` first. The page keeps the typing.
pub(super) fn changed_meanwhile(what: &str, by: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{what} was changed by {by} on {} while you were working, so your change was not saved: check it and save again",
        moment(at)
    )
}

/// One problem on a form: `field` is the id of the control the error summary links to.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Problem {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Read a CAF for a page: its content, or (for someone without need to know) the page that
/// says only that it exists and whom to contact.
pub(super) async fn open(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<Result<Box<CafContent>, Response>, PageError> {
    let read = state
        .store
        .read_caf(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?;
    match read {
        CafRead::Content(content) => Ok(Ok(content)),
        CafRead::ExistenceOnly(existence) => Ok(Err(existence_page(state, signed_in, &existence)
            .await?
            .into_response())),
    }
}

async fn existence_page(
    state: &AppState,
    signed_in: &SignedIn,
    existence: &CafExistence,
) -> Result<axum::response::Html<String>, PageError> {
    // The asker's own latest request, so the page says where it stands.
    let asked = state
        .store
        .my_join_requests(&signed_in.user.actor(), Some(existence.caf_id))
        .await?;
    render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/existence.html",
        &format!("{} exists", existence.reference),
        minijinja::context! {
            existence => existence,
            state_label => existence.state.label(),
            asked => asked.first().map(join::request_context),
            may_ask => existence.open && !existence.imported,
        },
    )
}

/// The CAF's children by name, for headings ("Amelia Hughes and Noah Hughes").
pub(super) fn children_names(caf: &CafContent) -> String {
    let names: Vec<&str> = caf.children.iter().map(|(_, n)| n.as_str()).collect();
    names.join(" and ")
}

fn today(state: &AppState) -> chrono::NaiveDate {
    state
        .store
        .clock()
        .now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}
