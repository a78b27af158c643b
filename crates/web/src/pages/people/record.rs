//! A person's record: the record itself, changes to it, its history and relationships.
use super::changes;
use super::form::{form_page, form_page_with, FormPage, PersonForm};
use super::{today, Register};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use ecaf_domain::access::{authorise, MergePeople};
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{change_reason, ethnicity_label, identity_changes, Answer, Relationship};
use ecaf_store::StoreError;
use serde::{Deserialize, Serialize};
#[derive(Deserialize, Default)]
pub struct Flash {
    done: Option<String>,
    /// A merge just made into this record: its banner names both records and offers undo.
    merged: Option<i64>,
    /// A merge into this record just undone.
    unmerged: Option<i64>,
}

/// The banner after a merge into this record or its undoing, if `flash` names one.
async fn merge_banner(
    state: &AppState,
    register: &Register,
    id: i64,
    flash: &Flash,
) -> Result<Option<minijinja::Value>, PageError> {
    let Some(merge_id) = flash.merged.or(flash.unmerged) else {
        return Ok(None);
    };
    let merge = match state.store.merge(&register.grant, merge_id).await {
        Ok(merge) if merge.kept_id == id => merge,
        Ok(_) | Err(StoreError::NotFound) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let merged = format!("record {} ({})", merge.merged_id, merge.merged_name);
    let kept = format!("record {} ({})", merge.kept_id, merge.kept_name);
    Ok(Some(if flash.merged.is_some() {
        minijinja::context! {
            heading => format!("Record {} ({}) merged into {kept}", merge.merged_id, merge.merged_name),
            body => format!("{}'s names are now listed under Other names, and a search for them finds this record.", merge.merged_name),
            // Offered only while the merge stands and to someone who may undo it.
            undo => (merge.undone_at.is_none() && authorise::<MergePeople>(&register.signed_in.user.actor()).is_ok()).then_some(merge.id),
            merged_id => merge.merged_id,
        }
    } else {
        minijinja::context! {
            heading => format!("The merge of {merged} into {kept} has been undone"),
            body => format!("Record {} is a record of its own again.", merge.merged_id),
        }
    }))
}

fn address_text(a: &ecaf_domain::person::Address) -> String {
    let mut parts: Vec<String> = [&a.line1, &a.line2, &a.town]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
        .collect();
    if let Some(p) = &a.postcode {
        parts.push(p.as_str().to_string());
    }
    let text = parts.join(", ");
    if a.description.is_empty() {
        text
    } else {
        format!("{text} ({})", a.description)
    }
}

async fn show_page(
    state: &AppState,
    register: &Register,
    id: i64,
    flash: Option<&str>,
    banner: Option<minijinja::Value>,
    relationship_form: &RelationshipForm,
    errors: Vec<FieldError>,
) -> Result<Html<String>, PageError> {
    let person = state
        .store
        .person(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            id,
        )
        .await?;
    let d = &person.details;
    // That a CAF exists and whom to contact is what anyone using the register may know; the
    // CAF's own page decides whether this practitioner may see more.
    let cafs = state
        .store
        .caf_existence(&[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let may_start =
        authorise::<ecaf_domain::access::StartCaf>(&register.signed_in.user.actor()).is_ok();
    let mut person_value =
        serde_json::to_value(&person).map_err(|e| PageError::Internal(e.into()))?;
    person_value["date_of_birth"] = serde_json::to_value(d.date_of_birth).unwrap_or_default();
    let ctx = minijinja::context! {
        person => minijinja::Value::from_serialize(&person_value),
        gender_label => d.gender.map(|g| g.label()),
        nhs_display => d.nhs_number.as_ref().map(|n| n.to_string()),
        ethnicity_label => d.ethnicity.as_deref().and_then(ethnicity_label),
        other_names => d.other_names.iter().map(|n| format!("{} {} ({})", n.given_name, n.family_name, n.kind.label().to_lowercase()))
            .chain(person.names_from_merges.iter().map(|n| match &n.kind {
                Some(kind) => format!("{} {} ({} of merged record {})", n.given_name, n.family_name, kind, n.person_id),
                None => format!("{} {} (merged record {})", n.given_name, n.family_name, n.person_id),
            }))
            .collect::<Vec<_>>(),
        interpreter_answer => d.interpreter_needed.label(),
        main_address => d.main_address.as_ref().map(address_text),
        other_addresses => d.other_addresses.iter().map(address_text).collect::<Vec<_>>(),
        answers => Answer::ALL.iter().map(|a| Choice::new(a.code(), a.label())).collect::<Vec<_>>(),
        relationship_form => relationship_form,
        relationship_kinds => Relationship::ALL.iter().map(|r| Choice::new(r.code(), r.label().to_lowercase())).collect::<Vec<_>>(),
        can_merge => authorise::<MergePeople>(&register.signed_in.user.actor()).is_ok(),
        cafs => cafs.iter().map(|c| minijinja::context! {
            id => c.caf_id, reference => c.reference, state => c.state.label(), open => c.open,
            opened_on => c.opened_on.to_string(), owning_agency => c.owning_agency, contact => c.contact,
            drifting => crate::pages::caf::drifting(state, c.open, c.opened_on),
        }).collect::<Vec<_>>(),
        may_start_caf => may_start && !cafs.iter().any(|c| c.open),
        flash => flash,
        banner => banner,
        errors => errors,
    };
    render(
        state,
        &register.signed_in.visitor,
        "/people",
        "people/show.html",
        &format!("{}, record {id}", person.full_name()),
        ctx,
    )
}

pub async fn show(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, PageError> {
    let message = match flash.done.as_deref() {
        Some("created") => Some("The person has been added to the register"),
        Some("saved") => Some("The changes have been saved"),
        Some("related") => Some("The relationship has been added"),
        _ => None,
    };
    let banner = merge_banner(&state, &register, id, &flash).await?;
    show_page(
        &state,
        &register,
        id,
        message,
        banner,
        &RelationshipForm::default(),
        vec![],
    )
    .await
}

/// The edit form, saying whose record it is: `name` as the record stood when the form was
/// shown.
fn edit_page(id: i64, name: &str) -> FormPage {
    FormPage {
        heading: format!("Change {name}'s details"),
        caption: Some(format!("{name}, record {id}")),
        action: format!("/people/{id}/edit"),
        back: format!("/people/{id}"),
        submit_text: "Save changes",
        submission_key: None,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let person = state
        .store
        .person(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            id,
        )
        .await?;
    if person.merged_into_id.is_some() {
        return Err(PageError::BadRequest(
            "This record has been merged into another: change that one instead.".into(),
        ));
    }
    form_page(
        &state,
        &register.signed_in,
        edit_page(id, &person.full_name()),
        &PersonForm::from_person(&person),
        vec![],
        None,
    )
}

pub async fn update(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let revision: i64 = form.revision.trim().parse().map_err(|_| {
        PageError::BadRequest(
            "The form was missing its version number. Go back, reload the page and try again."
                .into(),
        )
    })?;
    // The record as the form was based on it: whose it is, and what changed since.
    let before = state
        .store
        .person_at_revision(&register.grant, id, revision)
        .await?;
    let name = before
        .as_ref()
        .map(|b| format!("{} {}", b.given_name, b.family_name))
        .unwrap_or_else(|| "the person".into());
    let details = match form.input().validate(today(&state)) {
        Ok(d) => d,
        Err(errors) => {
            let page = form_page(
                &state,
                &register.signed_in,
                edit_page(id, &name),
                &form,
                errors,
                None,
            )?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    // Identifying details changed since the form was shown need a reason. (Compared with the
    // record the form was based on: what someone else changed meanwhile is theirs to explain.)
    let changed = before
        .as_ref()
        .map(|b| identity_changes(b, &details))
        .unwrap_or_default();
    let reason = match change_reason(&changed, &form.change_reason) {
        Ok(reason) => reason,
        Err(error) => {
            let page = form_page(
                &state,
                &register.signed_in,
                edit_page(id, &name),
                &form,
                vec![error],
                None,
            )?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let attribution = register.signed_in.visitor.attribution();
    match state
        .store
        .update_person(
            &register.grant,
            &attribution,
            id,
            revision,
            &details,
            reason.as_deref(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?done=saved")).into_response()),
        Err(StoreError::Conflict { by, at }) => {
            let current = state
                .store
                .person(&register.grant, &attribution, id)
                .await?;
            let base = before
                .as_ref()
                .map(|d| PersonForm::from_details(d, revision));
            // What was sent, as the record would hold it, so a postcode typed in lower case
            // does not count as a change.
            let yours = PersonForm {
                change_reason: form.change_reason.clone(),
                ..PersonForm::from_details(&details, revision)
            };
            let merged = changes::merge(
                base.as_ref(),
                &PersonForm::from_person(&current),
                &yours,
                current.revision,
                &by,
            );
            let local = crate::render::moment(at);
            let message = format!(
                "This record was changed by {by} on {local} while you were editing, so your changes have not been saved yet. What you typed is kept below, with their changes where you had not changed the same thing. Check the details and save again."
            );
            let page = form_page_with(
                &state,
                &register.signed_in,
                edit_page(id, &name),
                &merged.form,
                merged.errors,
                Some(message),
                &merged.changes,
            )?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn history(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let person = state
        .store
        .person(
            &register.grant,
            &register.signed_in.visitor.attribution(),
            id,
        )
        .await?;
    let history = state.store.person_history(&register.grant, id).await?;
    // Newest first: each entry is compared with the one after it (the state before it).
    let entries: Vec<_> = history
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let after = entry
                .details
                .as_ref()
                .map(|d| PersonForm::from_details(d, 0));
            let before = history
                .get(i + 1)
                .and_then(|older| older.details.as_ref())
                .map(|d| PersonForm::from_details(d, 0));
            let changed = match (&before, &after) {
                (Some(before), Some(after)) => changes::differences(before, after),
                _ => vec![],
            };
            minijinja::context! {
                at => entry.at,
                by => entry.by,
                summary => entry.summary,
                changes => changed,
            }
        })
        .collect();
    let ctx = minijinja::context! {
        person => minijinja::context! { id => id, given_name => person.details.given_name, family_name => person.details.family_name },
        history => entries,
    };
    render(
        &state,
        &register.signed_in.visitor,
        "/people",
        "people/history.html",
        &format!("History – {}, record {id}", person.full_name()),
        ctx,
    )
}

/// The relationship form as posted, echoed back on errors.
#[derive(Deserialize, Serialize, Default)]
pub struct RelationshipForm {
    #[serde(default)]
    related_person_id: String,
    #[serde(default)]
    relationship: String,
    /// Yes, no or not known (see [`Answer`]): an unticked box would read "no" for "not asked".
    #[serde(default)]
    parental_responsibility: String,
    #[serde(default)]
    lives_with: String,
}

pub async fn add_relationship(
    State(state): State<AppState>,
    register: Register,
    Path(id): Path<i64>,
    Form(form): Form<RelationshipForm>,
) -> Result<Response, PageError> {
    let mut errors = vec![];
    let related: Option<i64> = form.related_person_id.trim().parse().ok();
    if related.is_none() {
        errors.push(FieldError::new(
            "related_person_id",
            "Enter the record number of the family member, like 1234",
        ));
    }
    let relationship = Relationship::parse(&form.relationship).ok();
    if relationship.is_none() {
        errors.push(FieldError::new("relationship", "Select the relationship"));
    }
    let parental_responsibility = Answer::parse(&form.parental_responsibility);
    if parental_responsibility.is_none() {
        errors.push(FieldError::new(
            "parental_responsibility",
            "Select whether they have parental responsibility, or not known",
        ));
    }
    let lives_with = Answer::parse(&form.lives_with);
    if lives_with.is_none() {
        errors.push(FieldError::new(
            "lives_with",
            "Select whether they live with them, or not known",
        ));
    }
    if let (Some(related), Some(relationship), Some(parental_responsibility), Some(lives_with)) =
        (related, relationship, parental_responsibility, lives_with)
    {
        let attribution = register.signed_in.visitor.attribution();
        match state
            .store
            .add_relationship(
                &register.grant,
                &attribution,
                id,
                related,
                relationship,
                parental_responsibility,
                lives_with,
            )
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/people/{id}?done=related")).into_response()),
            Err(StoreError::NotFound) => errors.push(FieldError::new(
                "related_person_id",
                "There is no current record with that number",
            )),
            Err(StoreError::Refused(why)) => errors.push(FieldError::new("related_person_id", why)),
            Err(err) => return Err(err.into()),
        }
    }
    let page = show_page(&state, &register, id, None, None, &form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
