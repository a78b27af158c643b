//! Merging a duplicate record into another, and undoing it.
use crate::error::PageError;
use crate::pages::render;
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::{authorise, MergePeople, UseRegister};
use ecaf_domain::organisation::FieldError;
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize, Default)]
pub struct MergeForm {
    #[serde(default)]
    merged_id: String,
    #[serde(default)]
    reason: String,
}

async fn merge_page(
    state: &AppState,
    merger: &Authorised<MergePeople>,
    id: i64,
    form: &MergeForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, PageError> {
    let register_grant = authorise::<UseRegister>(&merger.signed_in.user.actor())?;
    let person = state
        .store
        .person(&register_grant, &merger.signed_in.visitor.attribution(), id)
        .await?;
    let ctx = minijinja::context! {
        person => minijinja::context! { id => id, given_name => person.details.given_name, family_name => person.details.family_name },
        form => form,
        errors => errors,
    };
    render(
        state,
        &merger.signed_in.visitor,
        "/people",
        "people/merge.html",
        "Merge a duplicate record",
        ctx,
    )
}

pub async fn merge_form(
    State(state): State<AppState>,
    merger: Authorised<MergePeople>,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    merge_page(&state, &merger, id, &MergeForm::default(), vec![]).await
}

pub async fn merge(
    State(state): State<AppState>,
    merger: Authorised<MergePeople>,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, PageError> {
    let mut errors = vec![];
    let merged: Option<i64> = form.merged_id.trim().parse().ok();
    if merged.is_none() {
        errors.push(FieldError::new(
            "merged_id",
            "Enter the record number of the duplicate, like 1234",
        ));
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
    if let (Some(merged), true) = (merged, errors.is_empty()) {
        match state
            .store
            .merge_people(
                &merger.grant,
                &merger.signed_in.visitor.attribution(),
                id,
                merged,
                reason,
            )
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/people/{id}?done=merged")).into_response()),
            Err(StoreError::Refused(why)) => errors.push(FieldError::new("merged_id", why)),
            Err(err) => return Err(err.into()),
        }
    }
    let page = merge_page(&state, &merger, id, &form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn undo_merge(
    State(state): State<AppState>,
    merger: Authorised<MergePeople>,
    Path(merge_id): Path<i64>,
) -> Result<Response, PageError> {
    let kept = state.store.merge_kept_id(merge_id).await?;
    state
        .store
        .undo_merge(
            &merger.grant,
            &merger.signed_in.visitor.attribution(),
            merge_id,
        )
        .await?;
    Ok(Redirect::to(&format!("/people/{kept}?done=unmerged")).into_response())
}
