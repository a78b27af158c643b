//! The CAF as a GOV.UK task list: each section (once per child where it is per child) with
//! its status, then consent (with any decisions to share without consent) and sign-off.
use super::{children_names, open};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use ecaf_domain::access::{authorise, StartCaf};
use ecaf_domain::caf::consent::ConsentStatus;
use ecaf_domain::caf::form::{SectionStatus, SECTIONS};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::review::Decision;
use ecaf_store::caf::CafContent;
use serde::{Deserialize, Serialize};

/// What was just done, for the success banner.
#[derive(Deserialize, Default)]
pub struct Flash {
    done: Option<String>,
}

fn flash_text(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "sharing-decision" => Some("The decision on sharing without consent has been recorded"),
        "closure-sent" => Some("The closure has been sent to your line manager for sign-off"),
        _ => None,
    }
}

#[derive(Serialize)]
pub(super) struct Task {
    pub title: String,
    pub href: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub required: bool,
}

/// Every task of the CAF: per-child sections once for each child.
pub(super) fn tasks(caf: &CafContent) -> Vec<Task> {
    let family = caf.children.len() > 1;
    let mut tasks = vec![];
    for section in SECTIONS {
        let children: Vec<Option<&(i64, String)>> = if section.per_child {
            caf.children.iter().map(Some).collect()
        } else {
            vec![None]
        };
        for child in children {
            let child_id = child.map(|c| c.0);
            let status = caf
                .sections
                .iter()
                .find(|s| s.section == section.key && s.child_id == child_id)
                .map(|s| s.status)
                .unwrap_or(SectionStatus::NotStarted);
            let title = match child {
                Some((_, name)) if family => format!("{}: {name}", section.title),
                _ => section.title.to_string(),
            };
            let href = match child_id {
                Some(id) => format!("/cafs/{}/sections/{}?child={id}", caf.id, section.key),
                None => format!("/cafs/{}/sections/{}", caf.id, section.key),
            };
            tasks.push(Task {
                title,
                href,
                status: status.label(),
                status_code: status.code(),
                required: section.required,
            });
        }
    }
    tasks
}

/// Where consent stands, in words.
pub(super) fn consent_text(consent: &ConsentStatus) -> String {
    match consent {
        ConsentStatus::NotAgreed => "No agreement recorded".into(),
        ConsentStatus::Agreed => {
            "Agreed to the CAF; consent to store and share not yet given".into()
        }
        ConsentStatus::Sharing(agencies) => format!(
            "Consent to store and share with {} {}",
            agencies.len(),
            if agencies.len() == 1 {
                "agency"
            } else {
                "agencies"
            }
        ),
        ConsentStatus::Withdrawn(on) => format!("Consent withdrawn on {}", on.format("%-d %B %Y")),
    }
}

/// Who leads, in a sentence, and how many are in the team.
fn lead_summary(caf: &CafContent, lead_term: &str) -> String {
    let lead = match &caf.lead_professional {
        Some(name) => format!("{name} is the {lead_term}."),
        None => format!(
            "{}: {}.",
            ecaf_domain::text::sentence_start(lead_term),
            ecaf_domain::caf::team::lead_status_label(&caf.lead_status).to_lowercase()
        ),
    };
    let members = caf.team.iter().filter(|m| m.left_on.is_none()).count();
    format!(
        "{lead} {members} {} in the team.",
        if members == 1 { "person" } else { "people" }
    )
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
    let tasks = tasks(&caf);
    let owner = state.store.agency(caf.owning_agency_id).await?.name;
    let done = tasks.iter().filter(|t| t.status_code == "complete").count();
    let (manager_sign_off, _) = super::manager_sign_off::status(&state, &caf, None).await?;
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/task_list.html",
        &format!("{} for {}", caf.reference, children_names(&caf)),
        minijinja::context! {
            caf => minijinja::context! {
                id => caf.id,
                reference => caf.reference,
                state => caf.state.label(),
                children => caf.children.iter().map(|(id, name)| minijinja::context! { id => id, name => name }).collect::<Vec<_>>(),
            },
            names => children_names(&caf),
            editable => caf.state == CafState::Draft,
            tasks => tasks,
            done => done,
            consent => consent_text(&caf.consent),
            // Consent to store and share is often signed after sign-off, once the family has
            // read the typed assessment and plan.
            may_record_consent => caf.state.is_open() && !matches!(caf.consent, ConsentStatus::Withdrawn(_)),
            may_withdraw => caf.state.is_open() && !matches!(caf.consent, ConsentStatus::Withdrawn(_) | ConsentStatus::NotAgreed),
            // A CAF closed while in draft was never signed off.
            signed_off => caf.events.iter().any(|e| e.kind == "caf.signed_off"),
            owner => owner,
            lead_summary => lead_summary(&caf, &state.wording.get().1.lead),
            may_change_owner => caf.state.is_open(),
            may_record_sharing => caf.state.is_open(),
            sharing_decisions => caf.sharing_decisions,
            flash => flash_text(flash.done.as_deref()),
            manager_sign_off => manager_sign_off,
            episode => &caf.episode,
            closed => !caf.state.is_open(),
            drifting => super::drifting(&state, caf.state.is_open(), caf.episode.opened_on),
            step_up => caf.step_up.as_ref().filter(|_| caf.state == CafState::SteppedUp),
            may_step_up => matches!(caf.state, CafState::PlanInPlace | CafState::UnderReview),
            reviews => caf.reviews.iter().map(|r| minijinja::context! {
                number => r.number,
                held_on => r.held_on.format("%-d %B %Y").to_string(),
                decision => r.review.decision.map(|d| d.label()),
                version => r.version,
            }).collect::<Vec<_>>(),
            next_review_on => caf.next_review_on.filter(|_| caf.state == CafState::PlanInPlace).map(|d| d.format("%-d %B %Y").to_string()),
            review_overdue => caf.state == CafState::PlanInPlace && caf.next_review_on.is_some_and(|d| d < super::today(&state)),
            may_review => caf.state == CafState::PlanInPlace,
            pending => caf.reviews.last().filter(|_| caf.state == CafState::UnderReview).map(|r| minijinja::context! {
                number => r.number,
                close => r.review.decision == Some(Decision::Close),
            }),
            distance => super::distance::chart(&caf.distance),
            received => caf.received.as_ref().map(|r| minijinja::context! { sender => r.sender, sender_reference => r.sender_reference, kind => r.kind }),
            consent_again => super::transfer::consent_again(&caf),
            join_waiting => if super::plan::writes(&signed_in, &caf) && caf.state.is_open() {
                caf.join_requests.iter().filter(|r| r.status == ecaf_domain::caf::join::JoinStatus::Pending).count()
            } else {
                0
            },
            may_reopen => caf.episode.followed_by.is_none()
                && authorise::<StartCaf>(&signed_in.user.actor()).is_ok(),
        },
    )?;
    Ok(html.into_response())
}
