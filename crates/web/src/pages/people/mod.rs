//! The register pages: "Check if a CAF exists", adding a person (after checking candidates),
//! the person's record with family and relationships, edits, history, and merges.
mod adding;
mod changes;
mod form;
mod merges;
mod record;
mod search;

use crate::visitor::Authorised;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use ecaf_domain::access::UseRegister;

type Register = Authorised<UseRegister>;

/// Candidates shown when searching or before adding a person.
const CANDIDATE_LIMIT: usize = 10;
/// Below this Fellegi–Sunter score a candidate is too weak to make someone stop and check.
const CONFIRM_THRESHOLD: f64 = 8.0;

pub fn routes() -> Router<AppState> {
    Router::new()
        // The navigation's "Check if a CAF exists" marks the whole /people section.
        .route(
            "/people",
            get(|| async { axum::response::Redirect::to("/people/search") }),
        )
        .route(
            "/people/search",
            get(search::search_form).post(search::search),
        )
        .route("/people/search/{key}", get(search::results))
        .route("/people/search/{key}/change", get(search::change))
        .route("/people/new", get(adding::new_form).post(adding::create))
        .route(
            "/people/new/{key}/check",
            get(adding::check).post(adding::answer),
        )
        .route("/people/{id}", get(record::show))
        .route(
            "/people/{id}/edit",
            get(record::edit_form).post(record::update),
        )
        .route("/people/{id}/history", get(record::history))
        .route("/people/{id}/relationships", post(record::add_relationship))
        .route("/people/{id}/merge", get(merges::choose))
        .route("/people/{id}/merge/search", post(merges::search))
        .route("/people/{id}/merge/search/{key}", get(merges::results))
        .route(
            "/people/{id}/merge/{other}",
            get(merges::check).post(merges::merge),
        )
        .route("/people/merges/{id}/undo", post(merges::undo_merge))
}

fn today(state: &AppState) -> chrono::NaiveDate {
    state
        .store
        .clock()
        .now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}
