//! "This is the same person as…": choosing the duplicate from the household and family tables
//! or from a search of the register (never a record number from memory), checking both
//! records side by side, merging, and undoing it from the banner on the record kept.
use super::search::{described, held_search, match_query, SearchForm};
use super::{today, CANDIDATE_LIMIT};
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::{authorise, Grant, MergePeople, UseRegister};
use ecaf_domain::organisation::FieldError;
use ecaf_store::merges::{MergeRequest, SeenRevisions};
use ecaf_store::people::{HeldForm, Person, Submission};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};

type Merger = Authorised<MergePeople>;

/// The register grant that reading the two records needs (merging implies using the register).
fn register_grant(merger: &Merger) -> Result<Grant<UseRegister>, PageError> {
    Ok(authorise::<UseRegister>(&merger.signed_in.user.actor())?)
}

async fn person(state: &AppState, merger: &Merger, id: i64) -> Result<Person, PageError> {
    Ok(state
        .store
        .person(
            &register_grant(merger)?,
            &merger.signed_in.visitor.attribution(),
            id,
        )
        .await?)
}

/// Who the record is, for captions and headings: "Amelia Hughes, record 7".
fn whose(p: &Person) -> minijinja::Value {
    minijinja::context! { id => p.id, name => p.full_name(), given_name => p.details.given_name }
}

/// The household and family, each once, as people to choose from.
fn people_around(p: &Person) -> Vec<minijinja::Value> {
    let mut seen = vec![p.id];
    let mut out = vec![];
    let around = p
        .household
        .iter()
        .map(|h| {
            (
                h.person_id,
                format!("{} {}", h.given_name, h.family_name),
                h.date_of_birth,
                h.role
                    .clone()
                    .unwrap_or_else(|| "lives at the same address".into()),
            )
        })
        .chain(p.relationships.iter().map(|r| {
            (
                r.person_id,
                format!("{} {}", r.given_name, r.family_name),
                r.date_of_birth,
                r.role.clone(),
            )
        }));
    for (id, name, date_of_birth, role) in around {
        if !seen.contains(&id) {
            seen.push(id);
            out.push(minijinja::context! { id, name, date_of_birth, role });
        }
    }
    out
}

async fn choose_page(
    state: &AppState,
    merger: &Merger,
    id: i64,
    form: &SearchForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, PageError> {
    let p = person(state, merger, id).await?;
    if let Some(into) = p.merged_into_id {
        return Err(PageError::BadRequest(format!(
            "This record has been merged into record {into}: merge duplicates into that record instead."
        )));
    }
    let ctx = minijinja::context! {
        person => whose(&p),
        around => people_around(&p),
        form => form,
        errors => errors,
    };
    render(
        state,
        &merger.signed_in.visitor,
        "/people",
        "people/merge.html",
        &format!("Who is the same person as {}? – record {id}", p.full_name()),
        ctx,
    )
}

pub async fn choose(
    State(state): State<AppState>,
    merger: Merger,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    choose_page(&state, &merger, id, &SearchForm::default(), vec![]).await
}

/// The search for the duplicate: held as "Check if a CAF exists" holds its terms, answered
/// with a redirect to its results (a GET page Back and Refresh return to).
pub async fn search(
    State(state): State<AppState>,
    merger: Merger,
    Path(id): Path<i64>,
    Form(form): Form<SearchForm>,
) -> Result<Response, PageError> {
    if let Err(errors) = match_query(&form, today(&state)) {
        let page = choose_page(&state, &merger, id, &form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let fields = serde_json::to_string(&form).map_err(|e| PageError::Internal(e.into()))?;
    let key = state
        .store
        .hold_form(
            &register_grant(&merger)?,
            &merger.signed_in.visitor.attribution(),
            HeldForm::Search,
            &fields,
        )
        .await?;
    Ok(Redirect::to(&format!("/people/{id}/merge/search/{key}")).into_response())
}

pub async fn results(
    State(state): State<AppState>,
    merger: Merger,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let grant = register_grant(&merger)?;
    let attribution = merger.signed_in.visitor.attribution();
    let Some(form) = held_search(&state, &grant, &attribution, &key).await? else {
        // Held searches last 30 minutes: start again from the choice.
        return Ok(Redirect::to(&format!("/people/{id}/merge")).into_response());
    };
    let query = match match_query(&form, today(&state)) {
        Ok(query) => query,
        Err(errors) => {
            let page = choose_page(&state, &merger, id, &form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let p = person(&state, &merger, id).await?;
    let hits: Vec<_> = state
        .store
        .search_people(&grant, &attribution, &query, CANDIDATE_LIMIT + 1)
        .await?
        .into_iter()
        .filter(|h| h.id != id)
        .take(CANDIDATE_LIMIT)
        .collect();
    let heading = match hits.len() {
        0 => "No possible duplicates".to_string(),
        1 => "1 possible duplicate".to_string(),
        n => format!("{n} possible duplicates"),
    };
    let ctx = minijinja::context! {
        person => whose(&p),
        hits => hits,
        heading => heading,
        searched_for => described(&query),
        key => key,
    };
    Ok(render(
        &state,
        &merger.signed_in.visitor,
        "/people",
        "people/merge_results.html",
        &format!("{heading} – record {id}"),
        ctx,
    )?
    .into_response())
}

/// The check page's answers, echoed back on errors.
#[derive(Deserialize, Serialize, Default)]
pub struct MergeForm {
    /// Which of the two records is kept: its record number.
    #[serde(default)]
    kept: String,
    #[serde(default)]
    reason: String,
    /// The revision of this record (the one the merge started from) as the page showed it.
    #[serde(default)]
    revision: String,
    /// The revision of the record chosen as its duplicate, as the page showed it.
    #[serde(default)]
    duplicate_revision: String,
}

/// One of the two records as the check page lays it out: the same rows for both, in order.
fn side(p: &Person, cafs: &[ecaf_store::caf::CafExistence]) -> minijinja::Value {
    let d = &p.details;
    let address = d.main_address.as_ref().map(|a| {
        [a.line1.as_str(), a.line2.as_str(), a.town.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .chain(a.postcode.as_ref().map(|p| p.as_str().to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let other_names: Vec<String> = d
        .other_names
        .iter()
        .map(|n| format!("{} {}", n.given_name, n.family_name))
        .chain(
            p.names_from_merges
                .iter()
                .map(|n| format!("{} {}", n.given_name, n.family_name)),
        )
        .collect();
    minijinja::context! {
        id => p.id,
        name => p.full_name(),
        revision => p.revision,
        date_of_birth => d.date_of_birth,
        date_of_birth_is_expected => d.date_of_birth_is_expected,
        gender => d.gender.map(|g| g.label()),
        nhs_number => d.nhs_number.as_ref().map(|n| n.to_string()),
        upn => d.upn.as_ref().map(|u| u.as_str().to_string()),
        address => address,
        other_names => other_names.join("; "),
        cafs => if cafs.is_empty() {
            "No CAF recorded".to_string()
        } else {
            cafs.iter().map(|c| format!("{} ({})", c.reference, c.state.label())).collect::<Vec<_>>().join("; ")
        },
        family => match p.relationships.len() {
            0 => "None recorded".to_string(),
            n => n.to_string(),
        },
    }
}

async fn check_page(
    state: &AppState,
    merger: &Merger,
    id: i64,
    other: i64,
    form: &MergeForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, PageError> {
    let (this, that) = (
        person(state, merger, id).await?,
        person(state, merger, other).await?,
    );
    let mut cafs = state.store.caf_existence(&[id, other]).await?;
    let refusal = state
        .store
        .merge_refusal(&register_grant(merger)?, id, other)
        .await?;
    let ctx = minijinja::context! {
        person => whose(&this),
        this => side(&this, &cafs.remove(&id).unwrap_or_default()),
        that => side(&that, &cafs.remove(&other).unwrap_or_default()),
        refusal => refusal,
        kept => if form.kept.is_empty() { id.to_string() } else { form.kept.clone() },
        form => form,
        errors => errors,
    };
    render(
        state,
        &merger.signed_in.visitor,
        "/people",
        "people/merge_check.html",
        &format!(
            "Check these are the same person – {}, record {id}",
            this.full_name()
        ),
        ctx,
    )
}

pub async fn check(
    State(state): State<AppState>,
    merger: Merger,
    Path((id, other)): Path<(i64, i64)>,
) -> Result<Html<String>, PageError> {
    check_page(&state, &merger, id, other, &MergeForm::default(), vec![]).await
}

pub async fn merge(
    State(state): State<AppState>,
    merger: Merger,
    Path((id, other)): Path<(i64, i64)>,
    Form(form): Form<MergeForm>,
) -> Result<Response, PageError> {
    let mut errors = vec![];
    let kept: Option<i64> = form
        .kept
        .trim()
        .parse()
        .ok()
        .filter(|k| *k == id || *k == other);
    if kept.is_none() {
        errors.push(FieldError::new("kept", "Select which record to keep"));
    }
    let reason = form.reason.trim();
    if reason.is_empty() {
        errors.push(FieldError::new(
            "reason",
            "Enter why the two records are the same person",
        ));
    } else if reason.chars().count() > 1000 {
        errors.push(FieldError::new(
            "reason",
            "Reason must be 1000 characters or fewer",
        ));
    }
    let seen = match (
        form.revision.trim().parse(),
        form.duplicate_revision.trim().parse(),
    ) {
        (Ok(this), Ok(that)) => (this, that),
        _ => {
            return Err(PageError::BadRequest(
                "The form was missing the records' version numbers. Go back, reload the page and try again."
                    .into(),
            ))
        }
    };
    if let (Some(kept), true) = (kept, errors.is_empty()) {
        let merged = if kept == id { other } else { id };
        let seen = if kept == id {
            SeenRevisions {
                kept: seen.0,
                merged: seen.1,
            }
        } else {
            SeenRevisions {
                kept: seen.1,
                merged: seen.0,
            }
        };
        let request = MergeRequest {
            kept_id: kept,
            merged_id: merged,
            reason,
            seen: Some(seen),
            key: None,
        };
        match state
            .store
            .merge_people(
                &merger.grant,
                &merger.signed_in.visitor.attribution(),
                &request,
            )
            .await
        {
            Ok(Submission::Created(merge_id) | Submission::Repeated(merge_id)) => {
                return Ok(
                    Redirect::to(&format!("/people/{kept}?merged={merge_id}")).into_response()
                )
            }
            // Only a keyed merge (the API's) can meet a reused key.
            Ok(Submission::KeyReused(_)) => {
                return Err(PageError::Internal(anyhow::anyhow!(
                    "a merge from the pages carried a submission key"
                )))
            }
            Err(StoreError::Refused(why)) => errors.push(FieldError::new("kept", why)),
            Err(StoreError::Conflict { by, at }) => {
                let local = crate::render::moment(at);
                errors.push(FieldError::new(
                    "kept",
                    format!(
                        "One of the records was changed by {by} on {local} after this page was shown, so nothing has been merged: check both records again below, then merge"
                    ),
                ));
                // The page shows both records as they are now; the form carries their new
                // revisions, so merging again merges what was checked this time.
                let page = check_page(&state, &merger, id, other, &form, errors).await?;
                return Ok((StatusCode::CONFLICT, page).into_response());
            }
            Err(err) => return Err(err.into()),
        }
    }
    let page = check_page(&state, &merger, id, other, &form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn undo_merge(
    State(state): State<AppState>,
    merger: Merger,
    Path(merge_id): Path<i64>,
) -> Result<Response, PageError> {
    let merge = state
        .store
        .merge(&register_grant(&merger)?, merge_id)
        .await?;
    state
        .store
        .undo_merge(
            &merger.grant,
            &merger.signed_in.visitor.attribution(),
            merge_id,
        )
        .await?;
    Ok(Redirect::to(&format!("/people/{}?unmerged={merge_id}", merge.kept_id)).into_response())
}
