//! The CAF's pages' word on manager sign-off: whether a step is sent to the line manager
//! instead of taken, what is waiting for their sign-off, and a return's comments.
use crate::error::PageError;
use crate::AppState;
use ecaf_domain::caf::sign_off::{RequestStatus, SignOffStep};
use ecaf_store::caf::CafContent;

/// Whether the area wants `step` signed off by the practitioner's line manager.
pub(super) async fn required(state: &AppState, step: SignOffStep) -> Result<bool, PageError> {
    Ok(state.store.sign_off_switches().await?.required(step))
}

/// The request waiting on this CAF, or the one last returned, for `caf/manager_sign_off.html`;
/// and whether it is about `step` and waiting (so the step is not offered again). A step's
/// own page (`step` given) shows only what is about that step; the task list shows all.
pub(super) async fn status(
    state: &AppState,
    caf: &CafContent,
    step: Option<SignOffStep>,
) -> Result<(minijinja::Value, bool), PageError> {
    let request = state
        .store
        .sign_off_of(caf)
        .await?
        .filter(|r| step.is_none_or(|s| s == r.step));
    let Some(request) = request else {
        return Ok((minijinja::Value::from(()), false));
    };
    let waiting = request.status == RequestStatus::Waiting;
    let held = waiting && step == Some(request.step);
    Ok((
        minijinja::context! {
            request => request,
            waiting => waiting,
            managers => request.managers.join(" or "),
        },
        held,
    ))
}
