//! The administrators' view of the scheduler and the outbox: the last runs of each job, the
//! failures, and what is waiting to be mailed. It names recipients and kinds of mail only.
use super::render;
use crate::error::PageError;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::Html;
use ecaf_domain::access::OperateService;
use serde::Deserialize;

const RUNS_SHOWN: i64 = 50;

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    show: String,
}

pub async fn show(
    State(state): State<AppState>,
    authorised: Authorised<OperateService>,
    Query(filter): Query<Filter>,
) -> Result<Html<String>, PageError> {
    let failed_only = filter.show == "failed";
    let runs = state.store.job_runs(failed_only, RUNS_SHOWN).await?;
    let outbox = state.store.outbox_summary().await?;
    let ctx = minijinja::context! {
        runs => runs,
        failed_only => failed_only,
        outbox => outbox,
        transport => state.config.mail_transport,
    };
    render(
        &state,
        &authorised.signed_in.visitor,
        "/admin/jobs",
        "admin/jobs.html",
        "Jobs and email",
        ctx,
    )
}
