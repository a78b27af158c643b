//! The person form, shared by adding and changing a person.
use super::changes::Change;
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::response::Html;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{
    AddressInput, Gender, OtherNameInput, OtherNameKind, PersonDetails, PersonInput, ETHNICITIES,
};
use ecaf_store::people::{Person, SubmissionKey};
use serde::{Deserialize, Serialize};
/// The person form as posted: flat fields, echoed back on errors.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    pub(super) given_name: String,
    #[serde(default)]
    pub(super) family_name: String,
    #[serde(default)]
    pub(super) gender: String,
    #[serde(default)]
    pub(super) dob_day: String,
    #[serde(default)]
    pub(super) dob_month: String,
    #[serde(default)]
    pub(super) dob_year: String,
    #[serde(default)]
    pub(super) date_of_birth_is_expected: Option<String>,
    #[serde(default)]
    pub(super) nhs_number: String,
    #[serde(default)]
    pub(super) upn: String,
    #[serde(default)]
    pub(super) postcode: String,
    #[serde(default)]
    pub(super) address_line1: String,
    #[serde(default)]
    pub(super) address_line2: String,
    #[serde(default)]
    pub(super) town: String,
    #[serde(default)]
    pub(super) other_description: String,
    #[serde(default)]
    pub(super) other_line1: String,
    #[serde(default)]
    pub(super) other_town: String,
    #[serde(default)]
    pub(super) other_postcode: String,
    #[serde(default)]
    pub(super) telephone: String,
    #[serde(default)]
    pub(super) ethnicity: String,
    #[serde(default)]
    pub(super) first_language: String,
    #[serde(default)]
    pub(super) communication_needs: String,
    #[serde(default)]
    pub(super) interpreter_needed: String,
    #[serde(default)]
    pub(super) disability: String,
    #[serde(default)]
    pub(super) other_kind: Vec<String>,
    #[serde(default)]
    pub(super) other_given_name: Vec<String>,
    #[serde(default)]
    pub(super) other_family_name: Vec<String>,
    #[serde(default)]
    pub(super) revision: String,
    /// Why identifying details are being changed (the edit form only).
    #[serde(default)]
    pub(super) change_reason: String,
    /// The add form's one-time key (see [`SubmissionKey`]).
    #[serde(default)]
    pub(super) submission_key: String,
}

#[derive(Serialize)]
struct NameRow {
    kind: String,
    given_name: String,
    family_name: String,
}

impl PersonForm {
    pub(super) fn input(&self) -> PersonInput {
        let other_names = self
            .other_kind
            .iter()
            .zip(&self.other_given_name)
            .zip(&self.other_family_name)
            .map(|((kind, given), family)| OtherNameInput {
                kind: kind.clone(),
                given_name: given.clone(),
                family_name: family.clone(),
            })
            .collect();
        PersonInput {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            gender: self.gender.clone(),
            dob_day: self.dob_day.clone(),
            dob_month: self.dob_month.clone(),
            dob_year: self.dob_year.clone(),
            date_of_birth_is_expected: self.date_of_birth_is_expected.is_some(),
            nhs_number: self.nhs_number.clone(),
            upn: self.upn.clone(),
            telephone: self.telephone.clone(),
            ethnicity: self.ethnicity.clone(),
            first_language: self.first_language.clone(),
            communication_needs: self.communication_needs.clone(),
            interpreter_needed: self.interpreter_needed.clone(),
            disability: self.disability.clone(),
            main_address: AddressInput {
                line1: self.address_line1.clone(),
                line2: self.address_line2.clone(),
                town: self.town.clone(),
                postcode: self.postcode.clone(),
                description: String::new(),
            },
            other_addresses: vec![AddressInput {
                line1: self.other_line1.clone(),
                line2: String::new(),
                town: self.other_town.clone(),
                postcode: self.other_postcode.clone(),
                description: self.other_description.clone(),
            }],
            other_names,
            ..Default::default()
        }
    }

    pub(super) fn from_person(p: &Person) -> Self {
        Self::from_details(&p.details, p.revision)
    }

    /// The form as it would be shown for these details, at this revision.
    pub(super) fn from_details(d: &PersonDetails, revision: i64) -> Self {
        let main = d.main_address.as_ref();
        let other = d.other_addresses.first();
        Self {
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            gender: d.gender.map(|g| g.code().to_string()).unwrap_or_default(),
            dob_day: d
                .date_of_birth
                .map(|x| x.format("%-d").to_string())
                .unwrap_or_default(),
            dob_month: d
                .date_of_birth
                .map(|x| x.format("%-m").to_string())
                .unwrap_or_default(),
            dob_year: d
                .date_of_birth
                .map(|x| x.format("%Y").to_string())
                .unwrap_or_default(),
            date_of_birth_is_expected: d.date_of_birth_is_expected.then(|| "true".into()),
            nhs_number: d
                .nhs_number
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            upn: d
                .upn
                .as_ref()
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
            postcode: main
                .and_then(|a| a.postcode.as_ref())
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            address_line1: main.map(|a| a.line1.clone()).unwrap_or_default(),
            address_line2: main.map(|a| a.line2.clone()).unwrap_or_default(),
            town: main.map(|a| a.town.clone()).unwrap_or_default(),
            other_description: other.map(|a| a.description.clone()).unwrap_or_default(),
            other_line1: other.map(|a| a.line1.clone()).unwrap_or_default(),
            other_town: other.map(|a| a.town.clone()).unwrap_or_default(),
            other_postcode: other
                .and_then(|a| a.postcode.as_ref())
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            telephone: d.telephone.clone().unwrap_or_default(),
            ethnicity: d.ethnicity.clone().unwrap_or_default(),
            first_language: d.first_language.clone(),
            communication_needs: d.communication_needs.clone(),
            interpreter_needed: d.interpreter_needed.code().into(),
            disability: d.disability.clone(),
            other_kind: d
                .other_names
                .iter()
                .map(|n| n.kind.code().to_string())
                .collect(),
            other_given_name: d.other_names.iter().map(|n| n.given_name.clone()).collect(),
            other_family_name: d
                .other_names
                .iter()
                .map(|n| n.family_name.clone())
                .collect(),
            revision: revision.to_string(),
            change_reason: String::new(),
            submission_key: String::new(),
        }
    }

    /// The other-name rows to show: those entered plus one blank row.
    fn name_rows(&self) -> Vec<NameRow> {
        let mut rows: Vec<NameRow> = self
            .other_kind
            .iter()
            .zip(&self.other_given_name)
            .zip(&self.other_family_name)
            .filter(|((_, g), f)| !g.trim().is_empty() || !f.trim().is_empty())
            .map(|((k, g), f)| NameRow {
                kind: k.clone(),
                given_name: g.clone(),
                family_name: f.clone(),
            })
            .collect();
        rows.push(NameRow {
            kind: OtherNameKind::Alias.code().into(),
            given_name: String::new(),
            family_name: String::new(),
        });
        rows
    }
}

pub(super) struct FormPage {
    pub(super) heading: String,
    /// Whose record is being changed, "Amelia Hughes, record 7", above the heading.
    pub(super) caption: Option<String>,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) submit_text: &'static str,
    /// A fresh key for each add form shown: submitting that form again, or many times at
    /// once, adds one person.
    pub(super) submission_key: Option<SubmissionKey>,
}

pub(super) fn choices() -> (Vec<Choice>, Vec<Choice>, Vec<Choice>) {
    (
        Gender::ALL
            .iter()
            .map(|g| Choice::new(g.code(), g.label()))
            .collect(),
        ETHNICITIES
            .iter()
            .map(|(c, l)| Choice::new(c, *l))
            .collect(),
        OtherNameKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label()))
            .collect(),
    )
}

pub(super) fn form_page(
    state: &AppState,
    signed_in: &SignedIn,
    page: FormPage,
    form: &PersonForm,
    errors: Vec<FieldError>,
    conflict: Option<String>,
) -> Result<Html<String>, PageError> {
    form_page_with(state, signed_in, page, form, errors, conflict, &[])
}

/// The form with what changed while it was being edited (see `conflict`).
pub(super) fn form_page_with(
    state: &AppState,
    signed_in: &SignedIn,
    page: FormPage,
    form: &PersonForm,
    errors: Vec<FieldError>,
    conflict: Option<String>,
    changes: &[Change],
) -> Result<Html<String>, PageError> {
    let (genders, ethnicities, name_kinds) = choices();
    let mut form_value = serde_json::to_value(form).map_err(|e| PageError::Internal(e.into()))?;
    form_value["other_names"] =
        serde_json::to_value(form.name_rows()).map_err(|e| PageError::Internal(e.into()))?;
    let ctx = minijinja::context! {
        heading => page.heading,
        caption => page.caption,
        action => page.action,
        back => page.back,
        submit_text => page.submit_text,
        submission_key => page.submission_key.as_ref().map(SubmissionKey::as_str),
        form => minijinja::Value::from_serialize(&form_value),
        errors => errors,
        genders => genders,
        ethnicities => ethnicities,
        name_kinds => name_kinds,
        answers => ecaf_domain::person::Answer::ALL.iter().map(|a| Choice::new(a.code(), a.label())).collect::<Vec<_>>(),
        conflict => conflict,
        changes => changes,
    };
    render(
        state,
        &signed_in.visitor,
        "/people",
        "people/form.html",
        &match &page.caption {
            Some(caption) => format!("{} – {caption}", page.heading),
            None => page.heading.clone(),
        },
        ctx,
    )
}
