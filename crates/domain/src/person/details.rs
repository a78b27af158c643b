//! A person's identifying details as entered on a form or sent to the API, and their
//! validation. Every problem is reported at once, in GOV.UK error-message style.
use super::{Answer, Gender, NhsNumber, OtherNameKind, Postcode, Upn};
use crate::organisation::{parse_telephone, FieldError};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// DfE ethnicity codes (main categories and their extended codes used in the school census).
pub const ETHNICITIES: &[(&str, &str)] = &[
    ("WBRI", "White – British"),
    ("WIRI", "White – Irish"),
    ("WIRT", "Traveller of Irish heritage"),
    ("WROM", "Gypsy / Roma"),
    ("WOTH", "Any other White background"),
    ("MWBC", "White and Black Caribbean"),
    ("MWBA", "White and Black African"),
    ("MWAS", "White and Asian"),
    ("MOTH", "Any other mixed background"),
    ("AIND", "Indian"),
    ("APKN", "Pakistani"),
    ("ABAN", "Bangladeshi"),
    ("AOTH", "Any other Asian background"),
    ("BCRB", "Black Caribbean"),
    ("BAFR", "Black African"),
    ("BOTH", "Any other Black background"),
    ("CHNE", "Chinese"),
    ("OOTH", "Any other ethnic group"),
    ("REFU", "Refused"),
    ("NOBT", "Information not yet obtained"),
];

/// The label of a DfE ethnicity code.
pub fn ethnicity_label(code: &str) -> Option<&'static str> {
    ETHNICITIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// Reads `null` as the empty value, so that a person as the API shows them (where a missing
/// telephone, address or postcode is `null`) can be sent back as input.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A yes / no / not known answer as text, taking the booleans the API first accepted.
fn answer_text<'de, D>(deserializer: D) -> Result<String, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Flag(bool),
        Text(String),
    }
    Ok(match Option::<Given>::deserialize(deserializer)? {
        None => String::new(),
        Some(Given::Flag(true)) => "yes".into(),
        Some(Given::Flag(false)) => "no".into(),
        Some(Given::Text(text)) => text,
    })
}

/// An other known name as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct OtherNameInput {
    #[serde(default, deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub given_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub family_name: String,
}

/// A validated other known name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherName {
    pub kind: OtherNameKind,
    pub given_name: String,
    pub family_name: String,
}

/// An address as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AddressInput {
    #[serde(default, deserialize_with = "nullable")]
    pub line1: String,
    #[serde(default, deserialize_with = "nullable")]
    pub line2: String,
    #[serde(default, deserialize_with = "nullable")]
    pub town: String,
    #[serde(default, deserialize_with = "nullable")]
    pub postcode: String,
    /// For other addresses: whose home it is, e.g. "father's home at weekends".
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
}

/// A validated address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub town: String,
    pub postcode: Option<Postcode>,
    pub description: String,
}

/// A person's details as submitted, all strings, before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PersonInput {
    #[serde(default, deserialize_with = "nullable")]
    pub given_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub family_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub gender: String,
    /// `YYYY-MM-DD`, or use the three parts below (GOV.UK date input).
    #[serde(default, deserialize_with = "nullable")]
    pub date_of_birth: String,
    #[serde(default, deserialize_with = "nullable")]
    pub dob_day: String,
    #[serde(default, deserialize_with = "nullable")]
    pub dob_month: String,
    #[serde(default, deserialize_with = "nullable")]
    pub dob_year: String,
    /// The date is an expected date of birth (an unborn child).
    #[serde(default)]
    pub date_of_birth_is_expected: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub nhs_number: String,
    #[serde(default, deserialize_with = "nullable")]
    pub upn: String,
    #[serde(default, deserialize_with = "nullable")]
    pub telephone: String,
    #[serde(default, deserialize_with = "nullable")]
    pub ethnicity: String,
    #[serde(default, deserialize_with = "nullable")]
    pub first_language: String,
    #[serde(default, deserialize_with = "nullable")]
    pub communication_needs: String,
    /// `yes`, `no` or `not_known` (empty means not known). `true` and `false` are read as
    /// yes and no, as the API first took them.
    #[serde(default, deserialize_with = "answer_text")]
    pub interpreter_needed: String,
    #[serde(default, deserialize_with = "nullable")]
    pub disability: String,
    #[serde(default, deserialize_with = "nullable")]
    pub main_address: AddressInput,
    #[serde(default, deserialize_with = "nullable")]
    pub other_addresses: Vec<AddressInput>,
    #[serde(default, deserialize_with = "nullable")]
    pub other_names: Vec<OtherNameInput>,
}

/// Validated identifying details of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetails {
    pub given_name: String,
    pub family_name: String,
    pub gender: Option<Gender>,
    pub date_of_birth: Option<NaiveDate>,
    pub date_of_birth_is_expected: bool,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    pub telephone: Option<String>,
    pub ethnicity: Option<String>,
    pub first_language: String,
    pub communication_needs: String,
    pub interpreter_needed: Answer,
    pub disability: String,
    pub main_address: Option<Address>,
    pub other_addresses: Vec<Address>,
    pub other_names: Vec<OtherName>,
}

/// Characters that do not show but change how a name reads: control characters, and the
/// Unicode bidirectional controls (embeddings, overrides, isolates and marks), with which
/// "Smith" can be stored so that it displays, and is copied into letters, as something else.
fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

/// Refuses hidden control characters in a name, with a message saying what they are.
fn refuse_hidden_controls(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    what: &str,
) -> bool {
    let found = value.chars().any(is_hidden_control);
    if found {
        errors.push(FieldError::new(
            field,
            format!(
                "{what} must not include hidden control characters, such as marks that change \
                 the direction of text"
            ),
        ));
    }
    found
}

fn name_field(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    raw: &str,
    missing: &str,
    what: &str,
) -> String {
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        errors.push(FieldError::new(field, missing));
    } else if value.chars().count() > 100 {
        errors.push(FieldError::new(
            field,
            format!("{what} must be 100 characters or fewer"),
        ));
    } else if !refuse_hidden_controls(errors, field, &value, what)
        && value.chars().any(|c| c == '<' || c == '>')
    {
        errors.push(FieldError::new(
            field,
            format!("{what} must only include letters, spaces, hyphens and apostrophes"),
        ));
    }
    value
}

fn text_field(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    raw: &str,
    max: usize,
    what: &str,
) -> String {
    let value = raw.trim().to_string();
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{what} must be {max} characters or fewer"),
        ));
    }
    value
}

/// Parse a date of birth from `YYYY-MM-DD` or day/month/year parts.
/// The oldest age a date of birth can give: older than anyone living, so an earlier date is a
/// typing slip (a year of 1019 for 2019).
const OLDEST_AGE_YEARS: i32 = 120;

/// The earliest date of birth accepted: 1 January of the year [`OLDEST_AGE_YEARS`] ago.
fn earliest_date_of_birth(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(today.year() - OLDEST_AGE_YEARS, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn parse_dob(
    input: &PersonInput,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let parts = [&input.dob_day, &input.dob_month, &input.dob_year];
    let any_part = parts.iter().any(|p| !p.trim().is_empty());
    let date = if !input.date_of_birth.trim().is_empty() {
        match NaiveDate::parse_from_str(input.date_of_birth.trim(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                errors.push(FieldError::new(
                    "date_of_birth",
                    "Date of birth must be a real date, like 2019-03-27",
                ));
                return None;
            }
        }
    } else if any_part {
        let missing: Vec<&str> = [
            ("day", &input.dob_day),
            ("month", &input.dob_month),
            ("year", &input.dob_year),
        ]
        .iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(n, _)| *n)
        .collect();
        if !missing.is_empty() {
            errors.push(FieldError::new(
                "date_of_birth",
                format!("Date of birth must include a {}", missing.join(" and ")),
            ));
            return None;
        }
        let number = |s: &str| s.trim().parse::<u32>().ok();
        match (
            number(&input.dob_day),
            number(&input.dob_month),
            input.dob_year.trim().parse::<i32>().ok(),
        ) {
            (Some(d), Some(m), Some(y)) if input.dob_year.trim().len() == 4 => {
                match NaiveDate::from_ymd_opt(y, m, d) {
                    Some(date) => date,
                    None => {
                        errors.push(FieldError::new(
                            "date_of_birth",
                            "Date of birth must be a real date",
                        ));
                        return None;
                    }
                }
            }
            (_, _, Some(_)) | (_, _, None) if input.dob_year.trim().len() != 4 => {
                errors.push(FieldError::new(
                    "date_of_birth",
                    "Year must include 4 numbers",
                ));
                return None;
            }
            _ => {
                errors.push(FieldError::new(
                    "date_of_birth",
                    "Date of birth must be a real date",
                ));
                return None;
            }
        }
    } else {
        if input.date_of_birth_is_expected {
            errors.push(FieldError::new(
                "date_of_birth",
                "Enter the expected date of birth",
            ));
        }
        return None;
    };
    if input.date_of_birth_is_expected {
        if date < today {
            errors.push(FieldError::new(
                "date_of_birth",
                "An expected date of birth must be today or in the future",
            ));
        } else if date > today + chrono::Duration::days(300) {
            errors.push(FieldError::new(
                "date_of_birth",
                "An expected date of birth must be within the next 10 months",
            ));
        }
    } else if date > today {
        errors.push(FieldError::new(
            "date_of_birth",
            "Date of birth must be today or in the past. For an unborn child, tick \"This is an expected date of birth\"",
        ));
    } else if date < earliest_date_of_birth(today) {
        // The message names the same date the rule uses, so the two cannot disagree.
        errors.push(FieldError::new(
            "date_of_birth",
            format!(
                "Date of birth must be on or after {}",
                earliest_date_of_birth(today).format("%-d %B %Y")
            ),
        ));
    }
    Some(date)
}

impl AddressInput {
    /// Nothing entered (a form's unused address rows).
    fn is_blank(&self) -> bool {
        [
            &self.line1,
            &self.line2,
            &self.town,
            &self.postcode,
            &self.description,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

impl OtherNameInput {
    /// Neither name entered (a form's unused name rows).
    fn is_blank(&self) -> bool {
        self.given_name.trim().is_empty() && self.family_name.trim().is_empty()
    }
}

/// Most other known names a person can have: more than any child's history needs, and few
/// enough that the record stays readable and every name is searched.
const MAX_OTHER_NAMES: usize = 20;
/// Most addresses a person can have besides their main address.
const MAX_OTHER_ADDRESSES: usize = 10;

fn address(
    errors: &mut Vec<FieldError>,
    prefix: &'static str,
    input: &AddressInput,
) -> Option<Address> {
    if input.is_blank() {
        return None;
    }
    let postcode = if input.postcode.trim().is_empty() {
        None
    } else {
        match Postcode::parse(&input.postcode) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new(prefix, e.to_string()));
                None
            }
        }
    };
    Some(Address {
        line1: text_field(errors, prefix, &input.line1, 200, "Address line 1"),
        line2: text_field(errors, prefix, &input.line2, 200, "Address line 2"),
        town: text_field(errors, prefix, &input.town, 100, "Town or city"),
        postcode,
        description: text_field(
            errors,
            prefix,
            &input.description,
            200,
            "Address description",
        ),
    })
}

impl PersonInput {
    /// Check every field against the rules, as of `today` (for date of birth checks).
    pub fn validate(&self, today: NaiveDate) -> Result<PersonDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let given_name = name_field(
            &mut errors,
            "given_name",
            &self.given_name,
            "Enter the person's first name",
            "First name",
        );
        let family_name = name_field(
            &mut errors,
            "family_name",
            &self.family_name,
            "Enter the person's last name",
            "Last name",
        );
        let gender = match self.gender.trim() {
            "" => None,
            code => match Gender::parse(code) {
                Ok(g) => Some(g),
                Err(e) => {
                    errors.push(FieldError::new("gender", e.to_string()));
                    None
                }
            },
        };
        let date_of_birth = parse_dob(self, today, &mut errors);
        let nhs_number = match self.nhs_number.trim() {
            "" => None,
            raw => NhsNumber::parse(raw)
                .map_err(|e| errors.push(FieldError::new("nhs_number", e.to_string())))
                .ok(),
        };
        let upn = match self.upn.trim() {
            "" => None,
            raw => Upn::parse(raw)
                .map_err(|e| errors.push(FieldError::new("upn", e.to_string())))
                .ok(),
        };
        let telephone = parse_telephone(&self.telephone).unwrap_or_else(|m| {
            errors.push(FieldError::new("telephone", m));
            None
        });
        let ethnicity = match self.ethnicity.trim() {
            "" => None,
            code if ethnicity_label(code).is_some() => Some(code.to_string()),
            _ => {
                errors.push(FieldError::new(
                    "ethnicity",
                    "Select an ethnicity from the list",
                ));
                None
            }
        };
        let first_language = text_field(
            &mut errors,
            "first_language",
            &self.first_language,
            100,
            "First language",
        );
        let communication_needs = text_field(
            &mut errors,
            "communication_needs",
            &self.communication_needs,
            1000,
            "Communication needs",
        );
        let disability = text_field(
            &mut errors,
            "disability",
            &self.disability,
            1000,
            "Disability",
        );
        let interpreter_needed = match self.interpreter_needed.trim() {
            "" => Answer::NotKnown,
            code => Answer::parse(code).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "interpreter_needed",
                    "Select whether they need an interpreter or signer: yes, no or not known",
                ));
                Answer::NotKnown
            }),
        };
        let main_address = address(&mut errors, "main_address", &self.main_address);
        // Over a limit, the list is refused as a whole rather than entry by entry.
        let mut other_addresses = Vec::new();
        if self
            .other_addresses
            .iter()
            .filter(|a| !a.is_blank())
            .count()
            > MAX_OTHER_ADDRESSES
        {
            errors.push(FieldError::new(
                "other_addresses",
                format!(
                    "A person can have up to {MAX_OTHER_ADDRESSES} addresses besides their main \
                     address"
                ),
            ));
        } else {
            other_addresses = self
                .other_addresses
                .iter()
                .filter_map(|a| address(&mut errors, "other_addresses", a))
                .collect();
        }
        let mut other_names = Vec::new();
        let names = self.other_names.iter().filter(|n| !n.is_blank());
        let names: &[OtherNameInput] = if names.count() > MAX_OTHER_NAMES {
            errors.push(FieldError::new(
                "other_names",
                format!("A person can have up to {MAX_OTHER_NAMES} other names"),
            ));
            &[]
        } else {
            &self.other_names
        };
        for n in names {
            if n.is_blank() {
                continue;
            }
            let kind = match OtherNameKind::parse(&n.kind) {
                Ok(k) => k,
                Err(e) => {
                    errors.push(FieldError::new("other_names", e.to_string()));
                    continue;
                }
            };
            let given_name = text_field(
                &mut errors,
                "other_names",
                &n.given_name,
                100,
                "Other first name",
            );
            let family_name = text_field(
                &mut errors,
                "other_names",
                &n.family_name,
                100,
                "Other last name",
            );
            refuse_hidden_controls(&mut errors, "other_names", &given_name, "Other first name");
            refuse_hidden_controls(&mut errors, "other_names", &family_name, "Other last name");
            other_names.push(OtherName {
                kind,
                given_name,
                family_name,
            });
        }
        if errors.is_empty() {
            Ok(PersonDetails {
                given_name,
                family_name,
                gender,
                date_of_birth,
                date_of_birth_is_expected: self.date_of_birth_is_expected
                    && date_of_birth.is_some(),
                nhs_number,
                upn,
                telephone,
                ethnicity,
                first_language,
                communication_needs,
                interpreter_needed,
                disability,
                main_address,
                other_addresses,
                other_names,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn valid() -> PersonInput {
        PersonInput {
            given_name: "  Amelia  ".into(),
            family_name: "Okafor-Smith".into(),
            gender: "female".into(),
            dob_day: "7".into(),
            dob_month: "3".into(),
            dob_year: "2019".into(),
            nhs_number: "943 476 5919".into(),
            main_address: AddressInput {
                line1: "4 Mill Lane".into(),
                town: "Brookford".into(),
                postcode: "bf1 2ab".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn valid_details_are_normalised() {
        let d = valid().validate(today()).unwrap();
        assert_eq!(d.given_name, "Amelia");
        assert_eq!(d.date_of_birth, NaiveDate::from_ymd_opt(2019, 3, 7));
        assert_eq!(d.nhs_number.unwrap().digits(), "9434765919");
        assert_eq!(
            d.main_address.unwrap().postcode.unwrap().as_str(),
            "BF1 2AB"
        );
    }

    #[test]
    fn each_bad_value_gets_its_own_message() {
        type Case = (fn(&mut PersonInput), &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (
                |p| p.given_name.clear(),
                "given_name",
                "Enter the person's first name",
            ),
            (
                |p| p.nhs_number = "943 476 5918".into(),
                "nhs_number",
                "check digit",
            ),
            (|p| p.upn = "A12".into(), "upn", "correct format"),
            (
                |p| p.main_address.postcode = "NOT A CODE".into(),
                "main_address",
                "full UK postcode",
            ),
            (
                |p| p.dob_day = "32".into(),
                "date_of_birth",
                "Date of birth must be a real date",
            ),
            (
                |p| p.dob_month.clear(),
                "date_of_birth",
                "must include a month",
            ),
            (|p| p.dob_year = "19".into(), "date_of_birth", "4 numbers"),
            (
                |p| p.dob_year = "2027".into(),
                "date_of_birth",
                "expected date of birth",
            ),
            (
                |p| p.ethnicity = "XXXX".into(),
                "ethnicity",
                "Select an ethnicity",
            ),
            (|p| p.gender = "robot".into(), "gender", "gender"),
        ];
        for (change, field, message) in cases {
            let mut input = valid();
            change(&mut input);
            let errors = input.validate(today()).unwrap_err();
            assert!(
                errors
                    .iter()
                    .any(|e| e.field == field && e.message.contains(message)),
                "{field}: {errors:?}"
            );
        }
    }

    #[test]
    fn hidden_control_characters_in_any_name_are_refused() {
        let hidden = [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{0007}', '\u{009B}',
        ];
        type Put = fn(&mut PersonInput, String);
        let places: [(Put, &str, &str); 4] = [
            (|p, v| p.given_name = v, "given_name", "First name"),
            (|p, v| p.family_name = v, "family_name", "Last name"),
            (
                |p, v| {
                    p.other_names = vec![OtherNameInput {
                        kind: "alias".into(),
                        given_name: v,
                        family_name: "Smith".into(),
                    }]
                },
                "other_names",
                "Other first name",
            ),
            (
                |p, v| {
                    p.other_names = vec![OtherNameInput {
                        kind: "alias".into(),
                        given_name: "Katie".into(),
                        family_name: v,
                    }]
                },
                "other_names",
                "Other last name",
            ),
        ];
        for c in hidden {
            for (put, field, what) in places {
                let mut input = valid();
                // "Smith" stored so that it displays as "htimS".
                put(&mut input, format!("{c}Smith"));
                let errors = input.validate(today()).unwrap_err();
                let expected = format!(
                    "{what} must not include hidden control characters, such as marks that \
                     change the direction of text"
                );
                assert!(
                    errors
                        .iter()
                        .any(|e| e.field == field && e.message == expected),
                    "{:?} in {field}: {errors:?}",
                    c
                );
            }
        }
        // Letters of right-to-left scripts, and joiners some scripts need, are names.
        let mut input = valid();
        input.given_name = "مريم".into();
        input.family_name = "\u{0645}\u{06CC}\u{200C}\u{0631}".into();
        assert!(input.validate(today()).is_ok());
    }

    #[test]
    fn other_names_and_addresses_are_limited() {
        let name = |i: usize| OtherNameInput {
            kind: "alias".into(),
            given_name: format!("Name{}", "i".repeat(i)),
            family_name: "Smith".into(),
        };
        let address = |i: usize| AddressInput {
            line1: format!("{i} Mill Lane"),
            postcode: "BF1 2AB".into(),
            ..Default::default()
        };
        let mut input = valid();
        input.other_names = (0..MAX_OTHER_NAMES).map(name).collect();
        input.other_addresses = (0..MAX_OTHER_ADDRESSES).map(address).collect();
        // Blank rows, as a form sends, do not count.
        input.other_names.push(OtherNameInput::default());
        input.other_addresses.push(AddressInput::default());
        let d = input.validate(today()).unwrap();
        assert_eq!(
            (d.other_names.len(), d.other_addresses.len()),
            (MAX_OTHER_NAMES, MAX_OTHER_ADDRESSES)
        );
        input.other_names.push(name(99));
        input.other_addresses.push(address(99));
        let errors = input.validate(today()).unwrap_err();
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field, e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "other_addresses",
                    "A person can have up to 10 addresses besides their main address"
                ),
                ("other_names", "A person can have up to 20 other names"),
            ]
        );
    }

    #[test]
    fn an_unborn_child_has_a_future_expected_date() {
        let mut input = valid();
        input.dob_day = "1".into();
        input.dob_month = "2".into();
        input.dob_year = "2027".into();
        input.date_of_birth_is_expected = true;
        let d = input.validate(today()).unwrap();
        assert!(d.date_of_birth_is_expected);
        input.dob_year = "2025".into();
        assert!(
            input.validate(today()).is_err(),
            "an expected date in the past is refused"
        );
    }

    #[test]
    fn iso_dates_are_accepted_too() {
        let mut input = valid();
        input.dob_day.clear();
        input.dob_month.clear();
        input.dob_year.clear();
        input.date_of_birth = "2019-03-07".into();
        assert_eq!(
            input.validate(today()).unwrap().date_of_birth,
            NaiveDate::from_ymd_opt(2019, 3, 7)
        );
        input.date_of_birth = "07/03/2019".into();
        assert!(input.validate(today()).is_err());
    }

    #[test]
    fn the_earliest_date_of_birth_and_its_message_agree() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let born = |year: &str, month: &str, day: &str| {
            PersonInput {
                given_name: "Ada".into(),
                family_name: "Byron".into(),
                dob_day: day.into(),
                dob_month: month.into(),
                dob_year: year.into(),
                ..Default::default()
            }
            .validate(today)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
        };
        assert_eq!(born("1906", "1", "1"), Vec::<String>::new());
        assert_eq!(
            born("1905", "12", "31"),
            ["Date of birth must be on or after 1 January 1906"]
        );
        assert_eq!(
            born("1900", "6", "15"),
            ["Date of birth must be on or after 1 January 1906"]
        );
    }
}
