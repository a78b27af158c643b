//! Consent to store and share (who gave it, when, where the signed copy is kept, which
//! agencies may receive the information) and its withdrawal, with the decision on
//! significant harm. A "yes" to harm points at once to the local safeguarding referral.
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::caf::consent::{
    ConsentError, ConsentStatus, Giver, HarmDecision, SharingConsent, Withdrawal,
};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

/// What the posted form holds: single fields, and the agencies ticked.
fn split(pairs: Vec<(String, String)>) -> (HashMap<String, String>, Vec<String>) {
    let agencies = pairs
        .iter()
        .filter(|(k, _)| k == "agencies")
        .map(|(_, v)| v.clone())
        .collect();
    let values = pairs.into_iter().filter(|(k, _)| k != "agencies").collect();
    (values, agencies)
}

async fn consent_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    chosen: &[String],
    errors: Vec<Problem>,
) -> Result<Response, PageError> {
    let agencies: Vec<Choice> = state
        .store
        .agencies()
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| {
            let owner = a.id == caf.owning_agency_id;
            let on_plan = caf
                .actions
                .iter()
                .any(|action| action.agency_id == Some(a.id));
            Choice::new(
                a.id,
                if owner {
                    format!("{} (owns this CAF)", a.name)
                } else if on_plan {
                    format!("{} (has an action on the plan)", a.name)
                } else {
                    a.name
                },
            )
        })
        .collect();
    let chosen: Vec<String> = if chosen.is_empty() && errors.is_empty() {
        must_name(caf).iter().map(i64::to_string).collect()
    } else {
        chosen.to_vec()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/consent.html",
        "Record consent to store and share information",
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            agencies => agencies,
            statement => state.store.wording(caf.wording_version).await?.consent_statement.clone(),
            chosen => chosen,
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

/// The agencies a consent must name: the owner and every agency with an action on the plan.
fn must_name(caf: &CafContent) -> BTreeSet<i64> {
    let mut agencies: BTreeSet<i64> = caf.actions.iter().filter_map(|a| a.agency_id).collect();
    agencies.insert(caf.owning_agency_id);
    agencies
}

/// An agency to tick on arrival: adding its action to the plan sent the practitioner here.
#[derive(Deserialize, Default)]
pub struct Adding {
    agency: Option<i64>,
}

pub async fn form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(adding): Query<Adding>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) => {
            let mut chosen = must_name(&caf);
            chosen.extend(adding.agency);
            let chosen: Vec<String> = chosen.iter().map(i64::to_string).collect();
            consent_page(&state, &signed_in, &caf, &HashMap::new(), &chosen, vec![]).await
        }
        Err(existence) => Ok(existence),
    }
}

pub async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let (values, chosen) = split(pairs);
    let text = |name: &str| {
        values
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = vec![];
    let mut given_by = vec![];
    for (field, young) in [
        ("parent1_name", false),
        ("parent2_name", false),
        ("young_person_name", true),
    ] {
        let name = text(field);
        if !name.is_empty() {
            given_by.push(if young {
                Giver::YoungPerson { name }
            } else {
                Giver::ParentOrCarer { name }
            });
        }
    }
    if given_by.is_empty() {
        errors.push(Problem::new(
            "parent1_name",
            "Enter the name of at least one person who gave consent",
        ));
    }
    let on = dates::read(
        &values,
        "given_on",
        "the date consent was given",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    if text("signed_copy_kept").is_empty() {
        errors.push(Problem::new(
            "signed_copy_kept",
            "Enter where the signed copy is kept",
        ));
    }
    let agencies: BTreeSet<i64> = chosen.iter().filter_map(|a| a.parse().ok()).collect();
    if agencies.is_empty() {
        errors.push(Problem::new(
            "agencies",
            "Select the agencies that may receive the information",
        ));
    }
    let (Some(on), true) = (on, errors.is_empty()) else {
        return consent_page(&state, &signed_in, &caf, &values, &chosen, errors).await;
    };
    let consent = SharingConsent {
        given_by,
        on,
        signed_copy_kept: text("signed_copy_kept"),
        agencies,
    };
    match state
        .store
        .record_sharing_consent(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            caf.id,
            &consent,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cafs/{}", caf.id)).into_response()),
        Err(StoreError::Refused(why)) => {
            let field = if why.contains("agenc") {
                "agencies"
            } else {
                "parent1_name"
            };
            consent_page(
                &state,
                &signed_in,
                &caf,
                &values,
                &chosen,
                vec![Problem::new(field, why)],
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn withdraw_page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &HashMap<String, String>,
    errors: Vec<Problem>,
) -> Result<Response, PageError> {
    let wording = state.store.wording(caf.wording_version).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/withdraw.html",
        "Record that consent was withdrawn",
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            reasons => wording.withdrawal_reasons.iter().map(|c| Choice::new(&c.code, c.label.clone())).collect::<Vec<_>>(),
            yes_no => [Choice::new("yes", "Yes"), Choice::new("no", "No")],
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match open(&state, &signed_in, id).await? {
        Ok(caf) if matches!(caf.consent, ConsentStatus::Withdrawn(_)) => {
            Ok(Redirect::to(&format!("/cafs/{id}/consent/withdrawn")).into_response())
        }
        Ok(caf) => withdraw_page(&state, &signed_in, &caf, &HashMap::new(), vec![]).await,
        Err(existence) => Ok(existence),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let values: HashMap<String, String> = pairs.into_iter().collect();
    let text = |name: &str| {
        values
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = vec![];
    let on = dates::read(
        &values,
        "withdrawn_on",
        "the date consent was withdrawn",
        true,
        today(&state),
    )
    .map_err(|p| errors.push(p))
    .ok()
    .flatten();
    let harm = match text("harm").as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(Problem::new(
                "harm",
                "Select whether the child is suffering, or at risk of, significant harm",
            ));
            None
        }
    };
    let withdrawal = Withdrawal {
        on: on.unwrap_or_default(),
        reason_code: text("reason"),
        explanation: text("explanation"),
        harm_decision: HarmDecision {
            risk_of_significant_harm: harm.unwrap_or(false),
            reasoning: text("harm_reasoning"),
        },
    };
    let wording = state.store.wording(caf.wording_version).await?;
    if let Err(problem) = withdrawal.check(&wording.withdrawal_pairs()) {
        let field = match problem {
            ConsentError::UnknownReason => "reason",
            ConsentError::NoExplanation => "explanation",
            _ => "harm_reasoning",
        };
        let message = match problem {
            ConsentError::UnknownReason => "Select why consent was withdrawn".to_string(),
            ConsentError::NoExplanation => "Explain why consent was withdrawn".to_string(),
            _ => "Enter the reasoning for the decision on significant harm".to_string(),
        };
        errors.push(Problem::new(field, message));
    }
    if !errors.is_empty() || on.is_none() || harm.is_none() {
        return withdraw_page(&state, &signed_in, &caf, &values, errors).await;
    }
    state
        .store
        .withdraw_caf_consent(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            caf.id,
            &withdrawal,
        )
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => PageError::BadRequest(why),
            other => other.into(),
        })?;
    // Post-redirect-get, so Refresh and Back show the confirmation rather than withdrawing
    // again; the referral advice is carried in the address.
    let referral = if withdrawal.harm_decision.risk_of_significant_harm {
        "?referral=now"
    } else {
        ""
    };
    Ok(Redirect::to(&format!("/cafs/{}/consent/withdrawn{referral}", caf.id)).into_response())
}

#[derive(Deserialize)]
pub struct WithdrawnQuery {
    referral: Option<String>,
}

/// The confirmation that consent was withdrawn (and, where the practitioner recorded a risk
/// of significant harm, the referral to make now).
pub async fn withdrawn(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<WithdrawnQuery>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let ConsentStatus::Withdrawn(on) = caf.consent else {
        return Ok(Redirect::to(&format!("/cafs/{id}")).into_response());
    };
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/withdrawn.html",
        "Consent withdrawn",
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            withdrawn_on => on,
            risk_of_harm => query.referral.as_deref() == Some("now"),
        },
    )?;
    Ok(html.into_response())
}
