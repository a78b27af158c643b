//! The home page's lists over the API, with the same views, filters, sorting and pages as
//! the page (`?view=…&state=…&sort=…`), and the caller's alerts.
use super::ApiUser;
use crate::error::{ApiError, FieldProblem};
use crate::pages::home::{row, ListParams, View, PER_PAGE};
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// What to do, and where.
#[derive(Serialize, ToSchema)]
pub struct StepView {
    pub text: String,
    /// A page of the service.
    pub href: String,
}

/// One open CAF on a home list.
#[derive(Serialize, ToSchema)]
pub struct HomeCafView {
    pub id: i64,
    pub reference: String,
    /// The state's code.
    pub state: String,
    pub opened_on: NaiveDate,
    pub next_review_on: Option<NaiveDate>,
    pub owning_agency: String,
    pub assessor: Option<String>,
    pub lead_professional: Option<String>,
    /// Whether the caller may read it; otherwise only that it exists is listed.
    pub shared: bool,
    /// The children's names, when shared.
    pub children: Option<String>,
    /// Its most urgent alert, or what its state asks for.
    pub next_step: StepView,
    /// The codes of its alerts, most urgent first (`review_overdue`, `actions_overdue`, …).
    pub alerts: Vec<String>,
}

/// An open action the caller owns on someone else's CAF.
#[derive(Serialize, ToSchema)]
pub struct MyActionView {
    pub caf_id: i64,
    pub reference: String,
    pub action_id: i64,
    /// Only when the caller may read the CAF.
    pub what: Option<String>,
    pub due_on: NaiveDate,
    pub status: String,
    pub overdue: bool,
}

/// A home list: one page of it, and counts over the whole list.
#[derive(Serialize, ToSchema)]
pub struct HomeView {
    /// `mine`, `team`, `area` or `service`.
    pub view: String,
    pub cafs: Vec<HomeCafView>,
    /// How many CAFs match the filters, over all pages.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub per_page: usize,
    /// Open CAFs by state code, before filters.
    #[schema(value_type = Object)]
    pub by_state: serde_json::Value,
    /// CAFs with each alert, by alert code, before filters.
    #[schema(value_type = Object)]
    pub by_alert: serde_json::Value,
    pub without_lead_professional: usize,
    /// For `team`: each person managed, with their counts.
    #[schema(value_type = Vec<Object>)]
    pub people: serde_json::Value,
    /// For `mine`: the caller's actions on other people's CAFs.
    pub actions: Vec<MyActionView>,
    /// For `service`: opened and closed by month, and open CAFs by agency and team.
    #[schema(value_type = Option<Object>)]
    pub figures: Option<serde_json::Value>,
}

/// One alert for the caller.
#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub caf_id: i64,
    pub reference: String,
    /// `review_due`, `review_overdue`, `actions_overdue`, `no_lead_professional`,
    /// `consent_missing`, `consent_withdrawn`, `follow_up_due`, `drifting`, or a local rule's
    /// `draft_unfinished` or `no_review_held`.
    pub kind: String,
    /// The date it is about, where there is one.
    pub on: Option<NaiveDate>,
    pub what_to_do: String,
    pub href: String,
}

fn invalid(errors: Vec<ecaf_domain::organisation::FieldError>) -> ApiError {
    ApiError::Invalid(
        errors
            .into_iter()
            .map(|e| FieldProblem {
                field: e.field.into(),
                message: e.message,
            })
            .collect(),
    )
}

/// The caller's home list: their CAFs, their team's, the area's or the service's figures.
#[utoipa::path(get, path = "/api/v1/home", tag = "home", params(ListParams),
    responses(
        (status = 200, description = "One page of the list", body = HomeView),
        (status = 422, description = "A parameter that is not one we know, or a view for a role the caller does not have; each in `errors`", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn home(
    State(state): State<AppState>,
    api: ApiUser,
    Query(params): Query<ListParams>,
) -> Result<Json<HomeView>, ApiError> {
    let (view, query) = params.parse(&api.user.roles).map_err(invalid)?;
    let Some(view) = view else {
        return Err(ApiError::Forbidden(
            "your roles have no home list: administrators and quality-assurance reviewers see none"
                .into(),
        ));
    };
    let (_, wording) = state.wording.get();
    let actor = api.user.actor();
    let empty = || serde_json::json!({});
    if view == View::Service {
        let figures = state.store.service_figures().await?;
        return Ok(Json(HomeView {
            view: view.code().into(),
            cafs: vec![],
            total: 0,
            page: 1,
            pages: 1,
            per_page: PER_PAGE,
            by_state: empty(),
            by_alert: empty(),
            without_lead_professional: 0,
            people: serde_json::json!([]),
            actions: vec![],
            figures: Some(serde_json::to_value(figures).map_err(anyhow::Error::from)?),
        }));
    }
    let list = state
        .store
        .home_cafs(&actor, &api.attribution, &query)
        .await?;
    let actions = if view == View::Mine {
        state.store.my_actions(&actor, &api.attribution).await?
    } else {
        vec![]
    };
    let by_state: serde_json::Map<String, serde_json::Value> = list
        .by_state
        .iter()
        .map(|(code, _, n)| ((*code).to_string(), (*n).into()))
        .collect();
    let by_alert: serde_json::Map<String, serde_json::Value> = list
        .by_alert
        .iter()
        .map(|(k, n)| (k.code().to_string(), (*n).into()))
        .collect();
    Ok(Json(HomeView {
        view: view.code().into(),
        total: list.total,
        page: list.page,
        pages: list.pages,
        per_page: PER_PAGE,
        by_state: by_state.into(),
        by_alert: by_alert.into(),
        without_lead_professional: list.without_lead,
        people: serde_json::to_value(&list.holders).map_err(anyhow::Error::from)?,
        actions: actions
            .into_iter()
            .map(|a| MyActionView {
                caf_id: a.caf_id,
                reference: a.reference,
                action_id: a.action_id,
                what: a.what,
                due_on: a.due_on,
                status: a.status.into(),
                overdue: a.overdue,
            })
            .collect(),
        figures: None,
        cafs: list
            .rows
            .into_iter()
            .map(|caf| {
                let shown = row(caf, &wording);
                let caf = shown.caf;
                HomeCafView {
                    id: caf.id,
                    reference: caf.reference,
                    state: caf.state.into(),
                    opened_on: caf.opened_on,
                    next_review_on: caf.next_review_on,
                    owning_agency: caf.agency,
                    assessor: caf.assessor,
                    lead_professional: caf.lead_professional,
                    children: caf.shared.then_some(caf.children),
                    shared: caf.shared,
                    next_step: StepView {
                        text: shown.next_step.text,
                        href: shown.next_step.href,
                    },
                    alerts: caf
                        .alerts
                        .iter()
                        .map(|a| a.kind.code().to_string())
                        .collect(),
                }
            })
            .collect(),
    }))
}

/// The caller's alerts today: on the CAFs they hold, those of the people they manage, and
/// (for the early help team) the area's CAFs without a lead professional, drifting, overdue
/// or awaiting a referral's written follow-up.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "home",
    responses((status = 200, description = "Most urgent first, CAF by CAF", body = Vec<AlertView>)))]
pub async fn alerts(
    State(state): State<AppState>,
    api: ApiUser,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let (_, wording) = state.wording.get();
    let now = state.store.clock().now();
    let mut found = state
        .store
        .alerts_for(&api.user.actor(), &api.attribution, now, &wording)
        .await?;
    found.sort_by_key(|a| (a.alert.kind, a.caf_id));
    Ok(Json(
        found
            .into_iter()
            .map(|a| AlertView {
                caf_id: a.caf_id,
                reference: a.reference,
                kind: a.alert.kind.code().into(),
                on: a.alert.on,
                what_to_do: a.what_to_do,
                href: a.href,
            })
            .collect(),
    ))
}
