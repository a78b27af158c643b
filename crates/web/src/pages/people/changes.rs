//! Telling what changed in a person's details, part by part (name, date of birth, main
//! address, …): for the record's history, and for a stale edit.
//!
//! A stale edit: someone else saved the record while this practitioner was editing it. Their
//! typing is kept. Each part of the form is compared three ways, against the record as it was
//! when they started (the history's snapshot at the revision their form carried): a part only
//! the other person changed takes the other person's value, a part only they changed keeps
//! theirs, and a part both changed differently keeps theirs and is shown beside the other
//! person's, so nothing either of them typed is lost without being seen.
use super::form::PersonForm;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::person::{ethnicity_label, Gender, OtherNameKind};
use serde::Serialize;

/// One part of the person form, as it is compared and shown.
struct Part {
    label: &'static str,
    /// The field an error about this part links to.
    field: &'static str,
    show: fn(&PersonForm) -> String,
    take: fn(&mut PersonForm, &PersonForm),
}

fn joined(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

const PARTS: &[Part] = &[
    Part {
        label: "First name",
        field: "given_name",
        show: |f| f.given_name.clone(),
        take: |to, from| to.given_name = from.given_name.clone(),
    },
    Part {
        label: "Last name",
        field: "family_name",
        show: |f| f.family_name.clone(),
        take: |to, from| to.family_name = from.family_name.clone(),
    },
    Part {
        label: "Gender",
        field: "gender",
        show: |f| {
            Gender::parse(&f.gender)
                .map(|g| g.label().to_string())
                .unwrap_or_default()
        },
        take: |to, from| to.gender = from.gender.clone(),
    },
    Part {
        label: "Date of birth",
        field: "date_of_birth",
        show: |f| {
            let date = joined(&[&f.dob_day, &f.dob_month, &f.dob_year]).replace(", ", "/");
            if f.date_of_birth_is_expected.is_some() {
                format!("{date} (expected)")
            } else {
                date
            }
        },
        take: |to, from| {
            to.dob_day = from.dob_day.clone();
            to.dob_month = from.dob_month.clone();
            to.dob_year = from.dob_year.clone();
            to.date_of_birth_is_expected = from.date_of_birth_is_expected.clone();
        },
    },
    Part {
        label: "NHS number",
        field: "nhs_number",
        show: |f| f.nhs_number.clone(),
        take: |to, from| to.nhs_number = from.nhs_number.clone(),
    },
    Part {
        label: "Unique pupil number",
        field: "upn",
        show: |f| f.upn.clone(),
        take: |to, from| to.upn = from.upn.clone(),
    },
    Part {
        label: "Other names",
        field: "other_names",
        show: |f| {
            f.other_kind
                .iter()
                .zip(&f.other_given_name)
                .zip(&f.other_family_name)
                .map(|((kind, given), family)| {
                    let kind = OtherNameKind::parse(kind).map(|k| k.label().to_lowercase());
                    format!("{given} {family} ({})", kind.unwrap_or_default())
                })
                .collect::<Vec<_>>()
                .join("; ")
        },
        take: |to, from| {
            to.other_kind = from.other_kind.clone();
            to.other_given_name = from.other_given_name.clone();
            to.other_family_name = from.other_family_name.clone();
        },
    },
    Part {
        label: "Main address",
        field: "main_address",
        show: |f| joined(&[&f.address_line1, &f.address_line2, &f.town, &f.postcode]),
        take: |to, from| {
            to.address_line1 = from.address_line1.clone();
            to.address_line2 = from.address_line2.clone();
            to.town = from.town.clone();
            to.postcode = from.postcode.clone();
        },
    },
    Part {
        label: "Other address",
        field: "other_addresses",
        show: |f| {
            joined(&[
                &f.other_description,
                &f.other_line1,
                &f.other_town,
                &f.other_postcode,
            ])
        },
        take: |to, from| {
            to.other_description = from.other_description.clone();
            to.other_line1 = from.other_line1.clone();
            to.other_town = from.other_town.clone();
            to.other_postcode = from.other_postcode.clone();
        },
    },
    Part {
        label: "Contact telephone",
        field: "telephone",
        show: |f| f.telephone.clone(),
        take: |to, from| to.telephone = from.telephone.clone(),
    },
    Part {
        label: "Ethnicity",
        field: "ethnicity",
        show: |f| {
            ethnicity_label(&f.ethnicity)
                .map(str::to_string)
                .unwrap_or_else(|| f.ethnicity.clone())
        },
        take: |to, from| to.ethnicity = from.ethnicity.clone(),
    },
    Part {
        label: "First language",
        field: "first_language",
        show: |f| f.first_language.clone(),
        take: |to, from| to.first_language = from.first_language.clone(),
    },
    Part {
        label: "Communication needs",
        field: "communication_needs",
        show: |f| f.communication_needs.clone(),
        take: |to, from| to.communication_needs = from.communication_needs.clone(),
    },
    Part {
        label: "Interpreter or signer",
        field: "interpreter_needed",
        show: |f| {
            ecaf_domain::person::Answer::parse(&f.interpreter_needed)
                .unwrap_or_default()
                .label()
                .into()
        },
        take: |to, from| to.interpreter_needed = from.interpreter_needed.clone(),
    },
    Part {
        label: "Disability",
        field: "disability",
        show: |f| f.disability.clone(),
        take: |to, from| to.disability = from.disability.clone(),
    },
];

/// A part of the record that one change altered, before and after.
#[derive(Serialize)]
pub(super) struct Difference {
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

/// The parts that differ from `before` to `after`, in the order of the form.
pub(super) fn differences(before: &PersonForm, after: &PersonForm) -> Vec<Difference> {
    PARTS
        .iter()
        .map(|part| Difference {
            label: part.label,
            before: (part.show)(before),
            after: (part.show)(after),
        })
        .filter(|d| d.before != d.after)
        .collect()
}

/// A part of the record that changed while the practitioner was editing it.
#[derive(Serialize)]
pub(super) struct Change {
    pub label: &'static str,
    /// What the other person saved.
    pub theirs: String,
    /// What this practitioner sent, when they changed it too (otherwise theirs is taken).
    pub yours: Option<String>,
}

/// What to show after a stale edit: the form to send again (based on the latest revision),
/// what changed meanwhile, and an error for each changed part.
pub(super) struct Merged {
    pub form: PersonForm,
    pub changes: Vec<Change>,
    pub errors: Vec<FieldError>,
}

/// Merge `yours` (what was sent, as the record would store it) with `theirs` (the record now,
/// at `revision`), both started from `base` (the record when the edit began, if known).
pub(super) fn merge(
    base: Option<&PersonForm>,
    theirs: &PersonForm,
    yours: &PersonForm,
    revision: i64,
    by: &str,
) -> Merged {
    let mut form = yours.clone();
    form.revision = revision.to_string();
    let mut changes = vec![];
    let mut errors = vec![];
    for part in PARTS {
        let (t, y) = ((part.show)(theirs), (part.show)(yours));
        // Without the starting point, every part that differs counts as changed by both.
        let b = base.map(|b| (part.show)(b));
        let they_changed = b.as_ref().is_none_or(|b| *b != t);
        let you_changed = b.as_ref().is_none_or(|b| *b != y);
        if !they_changed || t == y {
            continue;
        }
        let shown = |v: &str| {
            if v.is_empty() {
                "nothing".to_string()
            } else {
                format!("“{v}”")
            }
        };
        if you_changed {
            errors.push(FieldError::new(
                part.field,
                format!(
                    "{by} changed {} to {} while you were editing; you changed it to {}. Check which is right, then save",
                    part.label.to_lowercase(),
                    shown(&t),
                    shown(&y)
                ),
            ));
            changes.push(Change {
                label: part.label,
                theirs: t,
                yours: Some(y),
            });
        } else {
            (part.take)(&mut form, theirs);
            errors.push(FieldError::new(
                part.field,
                format!(
                    "{by} changed {} to {} while you were editing: their change is shown. Check it, then save",
                    part.label.to_lowercase(),
                    shown(&t)
                ),
            ));
            changes.push(Change {
                label: part.label,
                theirs: t,
                yours: None,
            });
        }
    }
    if errors.is_empty() {
        // Saved again with the same details, or changed elsewhere (a merge): nothing to
        // compare, but the practitioner still has to look and send it again. The error links
        // to the warning that explains (`conflict` on the form page).
        errors.push(FieldError::new(
            "conflict",
            format!(
                "{by} changed this record while you were editing. Check the details, then save"
            ),
        ));
    }
    Merged {
        form,
        changes,
        errors,
    }
}
