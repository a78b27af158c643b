//! The family's copy: the assessment as the family will read it, printable on plain paper
//! (the print stylesheet drops the service's chrome and puts each section on its own page).
//! It is the current assessment, or a frozen version (`?version=2`) as it was signed off or
//! reviewed. Only someone with need to know prints it, and the read is audited as a family
//! copy.
use super::{children_names, existence_page, summary, today};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use ecaf_store::caf::CafRead;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Which {
    version: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(which): Query<Which>,
) -> Result<Response, PageError> {
    let read = state
        .store
        .read_family_copy(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
        )
        .await?;
    let caf = match read {
        CafRead::Content(caf) => caf,
        CafRead::ExistenceOnly(existence) => {
            return Ok(existence_page(&state, &signed_in, &existence)
                .await?
                .into_response())
        }
    };
    let content = match which.version {
        None => serde_json::to_value(&*caf).map_err(|e| PageError::Internal(e.into()))?,
        Some(number) => {
            state
                .store
                .caf_versions(
                    &signed_in.user.actor(),
                    &signed_in.visitor.attribution(),
                    id,
                )
                .await?
                .into_iter()
                .find(|v| v.number == number)
                .ok_or(PageError::NotFound)?
                .snapshot
        }
    };
    // Whom the family contacts is what anyone may learn of the CAF: the lead professional,
    // or else the assessor, and the owning agency.
    let first = caf.children.first().map(|(id, _)| *id).unwrap_or_default();
    let contact = state
        .store
        .caf_existence(&[first])
        .await?
        .remove(&first)
        .and_then(|all| all.into_iter().find(|e| e.caf_id == caf.id));
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/family_copy.html",
        &format!("Your copy of the assessment for {}", children_names(&caf)),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            version => which.version,
            cards => summary::cards(&content, false),
            distance => super::distance::chart(&match which.version {
                Some(v) => caf.distance.until(v),
                None => caf.distance.clone(),
            }),
            contact => contact.as_ref().and_then(|c| c.contact.clone()),
            agency => contact.map(|c| c.owning_agency),
            printed_on => today(&state),
            // The current copy of a closed CAF is the family's final copy.
            closure => (which.version.is_none() && !caf.state.is_open()).then_some(&caf.episode),
            feedback => super::closure::FEEDBACK_OFFER,
        },
    )?;
    Ok(html.into_response())
}
