//! Changes to who a person is. Their name, date of birth, NHS number and main address are what
//! other agencies find them by and what a CAF is matched to: a change to any of them needs a
//! reason, kept in the record's history, so that whoever relies on the record can see why it
//! no longer says what they knew.
use super::PersonDetails;
use crate::organisation::FieldError;

/// Longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// The identifying details that differ from `before` to `after`, in words, in a fixed order.
pub fn identity_changes(before: &PersonDetails, after: &PersonDetails) -> Vec<&'static str> {
    let address = |d: &PersonDetails| {
        d.main_address.as_ref().map(|a| {
            (
                a.line1.clone(),
                a.line2.clone(),
                a.town.clone(),
                a.postcode.clone(),
            )
        })
    };
    [
        (
            "name",
            before.given_name != after.given_name || before.family_name != after.family_name,
        ),
        (
            "date of birth",
            before.date_of_birth != after.date_of_birth
                || before.date_of_birth_is_expected != after.date_of_birth_is_expected,
        ),
        ("NHS number", before.nhs_number != after.nhs_number),
        ("main address", address(before) != address(after)),
    ]
    .into_iter()
    .filter_map(|(what, changed)| changed.then_some(what))
    .collect()
}

/// The reason given for a change (trimmed; `None` when blank), or what is wrong with it: it
/// is needed when identifying details change, and may not be longer than the history keeps.
pub fn change_reason(changed: &[&str], reason: &str) -> Result<Option<String>, FieldError> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(FieldError::new(
            "change_reason",
            format!("Reason must be {MAX_REASON_CHARS} characters or fewer"),
        ));
    }
    if let (true, Some((last, rest))) = (reason.is_empty(), changed.split_last()) {
        let what = if rest.is_empty() {
            last.to_string()
        } else {
            format!("{} and {last}", rest.join(", "))
        };
        return Err(FieldError::new(
            "change_reason",
            format!("Enter why you are changing the {what}"),
        ));
    }
    Ok(Some(reason.to_string()).filter(|r| !r.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::{Address, NhsNumber, Postcode};
    use chrono::NaiveDate;

    fn amelia() -> PersonDetails {
        PersonDetails {
            given_name: "Amelia".into(),
            family_name: "Hughes".into(),
            gender: None,
            date_of_birth: NaiveDate::from_ymd_opt(2019, 3, 7),
            date_of_birth_is_expected: false,
            nhs_number: NhsNumber::parse("943 476 5919").ok(),
            upn: None,
            telephone: None,
            ethnicity: None,
            first_language: String::new(),
            communication_needs: String::new(),
            interpreter_needed: crate::person::Answer::NotKnown,
            disability: String::new(),
            main_address: Some(Address {
                line1: "4 Mill Lane".into(),
                line2: String::new(),
                town: "Brookford".into(),
                postcode: Postcode::parse("BF1 2AB").ok(),
                description: String::new(),
            }),
            other_addresses: vec![],
            other_names: vec![],
        }
    }

    #[test]
    fn identifying_details_are_told_apart_from_the_rest() {
        let before = amelia();
        // A change to make, and the identifying details it should be said to change.
        type Case = (fn(&mut PersonDetails), &'static [&'static str]);
        let changes: [Case; 6] = [
            (|d| d.telephone = Some("01632 960 123".into()), &[]),
            (|d| d.first_language = "Polish".into(), &[]),
            (|d| d.family_name = "Hughes-Nowak".into(), &["name"]),
            (
                |d| d.date_of_birth = NaiveDate::from_ymd_opt(2019, 7, 3),
                &["date of birth"],
            ),
            (
                |d| {
                    d.nhs_number = None;
                    d.main_address = None;
                },
                &["NHS number", "main address"],
            ),
            (
                |d| {
                    if let Some(a) = d.main_address.as_mut() {
                        a.postcode = Postcode::parse("BF2 6EF").ok();
                    }
                },
                &["main address"],
            ),
        ];
        for (change, expected) in changes {
            let mut after = amelia();
            change(&mut after);
            assert_eq!(identity_changes(&before, &after), expected);
        }
    }

    #[test]
    fn a_reason_is_needed_only_for_identifying_details() {
        assert_eq!(change_reason(&[], "  "), Ok(None));
        assert_eq!(
            change_reason(&["NHS number"], " Confirmed with the GP "),
            Ok(Some("Confirmed with the GP".into()))
        );
        let message = |changed: &[&str]| change_reason(changed, "").map_err(|e| e.message);
        assert_eq!(
            message(&["NHS number"]),
            Err("Enter why you are changing the NHS number".into())
        );
        assert_eq!(
            message(&["name", "date of birth", "main address"]),
            Err("Enter why you are changing the name, date of birth and main address".into())
        );
        let long = "a".repeat(MAX_REASON_CHARS + 1);
        assert!(change_reason(&[], &long).is_err());
    }
}
