//! The JSON API under `/api/v1`, authenticated by personal API tokens, described by an
//! OpenAPI 3.1 document generated from the handlers.
mod auth;
mod cafs;
mod closure;
mod home;
mod join;
mod notifications;
mod people;
mod plan;
mod reviews;
mod sharing;
mod sign_offs;
mod step_up;
mod team;
mod transfer;
mod users;

use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use auth::ApiUser;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecaf API",
        description = "Electronic Common Assessment Framework (early help) API. Authenticate with a personal API token: `Authorization: Bearer ecaf_…`. Errors are RFC 9457 problem details.",
        license(name = "MIT")
    ),
    paths(users::me, users::list, users::show, people::search, people::create, people::show, people::update, people::merge, people::undo_merge,
        cafs::start, cafs::show, cafs::save_section, cafs::record_consent, cafs::withdraw_consent, cafs::sign_off, cafs::versions, cafs::compare, cafs::change_owner, cafs::chronology,
        sharing::record, sharing::list, team::show, team::decide_lead, team::add_member, team::leave, team::record_meeting, closure::close, closure::reopen, step_up::step_up, step_up::takeover,
        plan::list, plan::add, plan::update, plan::agree, reviews::list, reviews::record, reviews::distance,
        transfer::export, transfer::import, transfer::step_down,
        notifications::show, notifications::save,
        home::home, home::alerts,
        sign_offs::queue, sign_offs::show, sign_offs::current, sign_offs::send, sign_offs::approve, sign_offs::return_with_comments,
        join::ask, join::list, join::mine, join::answer),
    components(schemas(crate::error::Problem, crate::error::FieldProblem, users::UserView, people::Candidate, people::NewPerson, people::PersonView, people::PersonUpdate, people::PossibleMatches, people::MergeBody, people::MergeView,
        cafs::StartCafRequest, cafs::CafView, cafs::SectionSave, cafs::Saved, cafs::SignOff, cafs::SignedOff, cafs::Withdrawn, cafs::Version, cafs::Comparison, cafs::OwnerChangeRequest, crate::pages::caf::summary::SectionChange, crate::pages::caf::summary::Change, cafs::ChronologyEvent,
        sharing::SharingDecisionRequest, sharing::SharingDecisionRecorded, sharing::SharedAgency, sharing::SharingDecisionView, team::TeamView, team::LeadRequest, team::MemberAdded, team::LeaveRequest, team::MeetingRecorded, closure::CloseRequest, closure::ReopenRequest, step_up::StepUpRequest, step_up::TakeoverRequest,
        plan::ActionView, plan::PlanView, plan::ActionSaved, plan::ActionRequest, plan::ActionStatusRequest, plan::AgreePlanRequest, plan::PlanAgreed,
        reviews::ReviewView, reviews::ReviewsView, reviews::IndicatorNow, reviews::ReviewRequest, reviews::ReviewRecordedView,
        transfer::Received,
        notifications::NotificationChoices,
        home::HomeView, home::HomeCafView, home::StepView, home::MyActionView, home::AlertView,
        sign_offs::SignOffView, sign_offs::SignOffSend, sign_offs::SignOffReturn,
        join::JoinRequestBody, join::JoinRequestView, join::JoinRequestsView, join::MyJoinRequestsView, join::Answered)),
    modifiers(&BearerAuth, &CommonProblems),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// The problems any operation can answer, whatever its handler says: the framework and the
/// edge refuse malformed requests (400), a missing or bad token (401), bodies that are too
/// large (413), not JSON (415) or the wrong shape (422), and the service answers 500 or 503
/// (database unavailable). Documented once here so no operation's description can leave
/// them out.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let has_body = operation.request_body.is_some();
                let mut common = vec![
                    ("400", "The request could not be read: a malformed path, query or body, or a control character in a value"),
                    ("401", "No valid API token"),
                    ("500", "The service had a problem; nothing was changed"),
                    ("503", "The database is unavailable or the request took too long; try again later"),
                ];
                if has_body {
                    common.extend([
                        ("413", "The body is larger than the service accepts"),
                        (
                            "415",
                            "The body is not JSON (send Content-Type: application/json)",
                        ),
                        (
                            "422",
                            "The body is JSON of the wrong shape, or values are not valid",
                        ),
                    ]);
                }
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description).into());
                }
            }
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(users::me))
        .route(
            "/me/notifications",
            get(notifications::show).put(notifications::save),
        )
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::show))
        .route("/people/search", get(people::search))
        .route("/people", axum::routing::post(people::create))
        .route("/people/{id}", get(people::show).put(people::update))
        .route("/people/{id}/merge", axum::routing::post(people::merge))
        .route(
            "/people/merges/{merge_id}/undo",
            axum::routing::post(people::undo_merge),
        )
        .route("/cafs", axum::routing::post(cafs::start))
        .route("/cafs/import", axum::routing::post(transfer::import))
        .route("/cafs/step-down", axum::routing::post(transfer::step_down))
        .route("/cafs/{id}/export", get(transfer::export))
        .route("/cafs/{id}", get(cafs::show))
        .route(
            "/cafs/{id}/sections/{key}",
            axum::routing::put(cafs::save_section),
        )
        .route(
            "/cafs/{id}/consent",
            axum::routing::post(cafs::record_consent),
        )
        .route(
            "/cafs/{id}/consent/withdrawal",
            axum::routing::post(cafs::withdraw_consent),
        )
        .route("/cafs/{id}/sign-off", axum::routing::post(cafs::sign_off))
        .route(
            "/cafs/{id}/sharing-decisions",
            get(sharing::list).post(sharing::record),
        )
        .route("/cafs/{id}/versions", get(cafs::versions))
        .route("/cafs/{id}/versions/compare", get(cafs::compare))
        .route("/cafs/{id}/owner", axum::routing::post(cafs::change_owner))
        .route("/cafs/{id}/team", get(team::show).post(team::add_member))
        .route(
            "/cafs/{id}/meetings",
            axum::routing::post(team::record_meeting),
        )
        .route(
            "/cafs/{id}/lead-professional",
            axum::routing::post(team::decide_lead),
        )
        .route(
            "/cafs/{id}/team/{member_id}/leave",
            axum::routing::post(team::leave),
        )
        .route("/cafs/{id}/close", axum::routing::post(closure::close))
        .route("/cafs/{id}/step-up", axum::routing::post(step_up::step_up))
        .route(
            "/cafs/{id}/takeover",
            axum::routing::post(step_up::takeover),
        )
        .route("/cafs/{id}/reopen", axum::routing::post(closure::reopen))
        .route("/cafs/{id}/actions", get(plan::list).post(plan::add))
        .route(
            "/cafs/{id}/actions/{action_id}",
            axum::routing::put(plan::update),
        )
        .route("/cafs/{id}/plan/agree", axum::routing::post(plan::agree))
        .route(
            "/cafs/{id}/reviews",
            get(reviews::list).post(reviews::record),
        )
        .route("/cafs/{id}/distance-travelled", get(reviews::distance))
        .route("/people/{id}/chronology", get(cafs::chronology))
        .route("/sign-offs", get(sign_offs::queue))
        .route("/sign-offs/{id}", get(sign_offs::show))
        .route(
            "/sign-offs/{id}/approve",
            axum::routing::post(sign_offs::approve),
        )
        .route(
            "/sign-offs/{id}/return",
            axum::routing::post(sign_offs::return_with_comments),
        )
        .route(
            "/cafs/{id}/sign-off-requests",
            get(sign_offs::current).post(sign_offs::send),
        )
        .route("/cafs/{id}/join-requests", get(join::list).post(join::ask))
        .route(
            "/cafs/{id}/join-requests/{request_id}/answer",
            axum::routing::post(join::answer),
        )
        .route("/join-requests", get(join::mine))
        .route("/home", get(home::home))
        .route("/alerts", get(home::alerts))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The OpenAPI document, for snapshot tests and `ecaf openapi`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
