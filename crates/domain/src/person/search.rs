//! What a practitioner typed to look for a person, checked into a [`MatchQuery`]. The pages
//! and the API both search through here, so they accept and refuse the same things.
use super::{NhsNumber, PersonDetails, PersonError, Postcode, Upn};
use crate::matching::{normalise_name, MatchQuery, MAX_NAME_CHARS, MAX_NAME_PARTS};
use crate::organisation::FieldError;
use chrono::NaiveDate;

/// The text fields of a search as typed. The date of birth is read by the caller: a form gives
/// a day, month and year, the API one ISO date.
#[derive(Debug, Default, Clone, Copy)]
pub struct SearchTerms<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub postcode: &'a str,
    /// First line of the address ("4 Mill Lane"), at most 200 characters.
    pub address_line1: &'a str,
    /// Town, at most 100 characters.
    pub town: &'a str,
    pub nhs_number: &'a str,
    pub upn: &'a str,
}

/// Longest first line of an address and town a search takes, as the person form does.
const MAX_ADDRESS_LINE_CHARS: usize = 200;
const MAX_TOWN_CHARS: usize = 100;

impl From<&PersonDetails> for MatchQuery {
    /// The search run before adding a person with these details: everything the matcher can
    /// use, the main address's first line and town included.
    fn from(details: &PersonDetails) -> Self {
        let address = details.main_address.as_ref();
        MatchQuery {
            given_name: Some(details.given_name.clone()),
            family_name: Some(details.family_name.clone()),
            date_of_birth: details.date_of_birth,
            postcode: address
                .and_then(|a| a.postcode.as_ref())
                .map(|p| p.as_str().to_string()),
            address_line1: address.and_then(|a| text(&a.line1)),
            town: address.and_then(|a| text(&a.town)),
            nhs_number: details.nhs_number.as_ref().map(NhsNumber::digits),
            upn: details.upn.as_ref().map(|u| u.as_str().to_string()),
        }
    }
}

impl SearchTerms<'_> {
    /// The query, or every problem with it. `errors` holds any the caller found in the date.
    pub fn check(
        self,
        date_of_birth: Option<NaiveDate>,
        mut errors: Vec<FieldError>,
    ) -> Result<MatchQuery, Vec<FieldError>> {
        let mut identifier =
            |field: &'static str, raw: &str, parse: fn(&str) -> Result<String, PersonError>| {
                text(raw).and_then(|value| {
                    parse(&value)
                        .map_err(|e| errors.push(FieldError::new(field, e.to_string())))
                        .ok()
                })
            };
        let nhs_number = identifier("nhs_number", self.nhs_number, |n| {
            NhsNumber::parse(n).map(|n| n.digits())
        });
        let upn = identifier("upn", self.upn, |u| {
            Upn::parse(u).map(|u| u.as_str().to_string())
        });
        let postcode = identifier("postcode", self.postcode, |p| {
            Postcode::parse(p).map(|p| p.as_str().to_string())
        });
        let query = MatchQuery {
            given_name: name(&mut errors, "given_name", "First name", self.given_name),
            family_name: name(&mut errors, "family_name", "Last name", self.family_name),
            date_of_birth,
            postcode,
            address_line1: limited(
                &mut errors,
                "address_line1",
                "First line of the address",
                self.address_line1,
                MAX_ADDRESS_LINE_CHARS,
            ),
            town: limited(&mut errors, "town", "Town", self.town, MAX_TOWN_CHARS),
            nhs_number,
            upn,
        };
        let nothing_to_search = query.given_name.is_none()
            && query.family_name.is_none()
            && query.nhs_number.is_none()
            && query.upn.is_none()
            && query.postcode.is_none()
            && query.address_line1.is_none();
        if errors.is_empty() && nothing_to_search {
            errors.push(FieldError::new(
                "given_name",
                "Enter a name, an NHS number, a unique pupil number or a postcode",
            ));
        } else if errors.is_empty() && query.is_too_weak() {
            errors.push(what_to_add(&query));
        }
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }
}

/// What a search too weak to rank must add, on the first field that would help: a
/// practitioner who typed only "Hughes" is asked for more, not told that nobody was found.
fn what_to_add(query: &MatchQuery) -> FieldError {
    let (field, message) = if query.family_name.is_some() {
        (
            "given_name",
            "A last name alone matches too many people: add their first name, date of birth or \
             postcode",
        )
    } else if query.given_name.is_some() {
        (
            "family_name",
            "A first name alone matches too many people: add their last name, date of birth or \
             postcode",
        )
    } else if query.postcode.is_some() || query.address_line1.is_some() {
        (
            "given_name",
            "An address alone matches everyone who lives there: add their name or date of birth",
        )
    } else {
        (
            "given_name",
            "A date of birth alone matches too many people: add their name or postcode",
        )
    };
    FieldError::new(field, message)
}

/// A searched address field, refused when longer than the person form takes.
fn limited(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    what: &str,
    raw: &str,
    max: usize,
) -> Option<String> {
    let value = text(raw)?;
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{what} must be {max} characters or fewer"),
        ));
        return None;
    }
    Some(value)
}

fn text(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A searched name, refused when longer than the matcher reads: a practitioner is told, rather
/// than part of what they typed being silently left out.
fn name(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    what: &str,
    raw: &str,
) -> Option<String> {
    let value = text(raw)?;
    if value.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            field,
            format!("{what} must be {MAX_NAME_CHARS} characters or fewer"),
        ));
        return None;
    }
    if normalise_name(&value).len() > MAX_NAME_PARTS {
        errors.push(FieldError::new(
            field,
            format!(
                "{what} must have {MAX_NAME_PARTS} parts or fewer: each word and each part of a \
                 hyphenated name counts"
            ),
        ));
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_normalised_and_names_trimmed() {
        let q = SearchTerms {
            given_name: "  Amelia ",
            nhs_number: "943 476 5919",
            postcode: "sw1a1aa",
            upn: "b801200005001",
            ..Default::default()
        }
        .check(None, vec![]);
        let q = q.map_err(|e| format!("{e:?}"));
        assert_eq!(
            q.map(|q| (q.given_name, q.family_name, q.nhs_number, q.postcode)),
            Ok((
                Some("Amelia".to_string()),
                None,
                Some("9434765919".to_string()),
                Some("SW1A 1AA".to_string())
            ))
        );
    }

    #[test]
    fn every_bad_field_is_reported_with_the_callers_date_error() {
        let date = FieldError::new("date_of_birth", "Date of birth must be a real date");
        let errors = SearchTerms {
            given_name: "Amelia",
            nhs_number: "943 476 5918",
            postcode: "nowhere",
            ..Default::default()
        }
        .check(None, vec![date.clone()])
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["date_of_birth", "nhs_number", "postcode"]);
    }

    #[test]
    fn names_longer_than_the_matcher_reads_are_refused_with_the_limit() {
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        let errors = SearchTerms {
            given_name: &long,
            family_name: "Anne-Marie de la Cruz",
            ..Default::default()
        }
        .check(None, vec![])
        .err()
        .unwrap_or_default();
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field, e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("given_name", "First name must be 100 characters or fewer"),
                (
                    "family_name",
                    "Last name must have 4 parts or fewer: each word and each part of a \
                     hyphenated name counts"
                ),
            ]
        );
        // The longest and most divided names allowed are searched as typed.
        let longest = "b".repeat(MAX_NAME_CHARS);
        let q = SearchTerms {
            given_name: &longest,
            family_name: "Smith-Jones de Cruz",
            ..Default::default()
        }
        .check(None, vec![]);
        assert!(q.is_ok_and(|q| q.given_name == Some(longest)));
    }

    #[test]
    fn a_search_too_weak_to_rank_says_what_to_add() {
        let weak = |terms: SearchTerms<'_>, dob| {
            terms
                .check(dob, vec![])
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.field, e.message))
                .collect::<Vec<_>>()
        };
        let hughes = weak(
            SearchTerms {
                family_name: "Hughes",
                ..Default::default()
            },
            None,
        );
        assert_eq!(hughes.len(), 1);
        assert_eq!(hughes[0].0, "given_name");
        assert!(hughes[0]
            .1
            .starts_with("A last name alone matches too many people: add"));
        let amelia = weak(
            SearchTerms {
                given_name: "Amelia",
                ..Default::default()
            },
            None,
        );
        assert_eq!(amelia[0].0, "family_name");
        let postcode = weak(
            SearchTerms {
                postcode: "BF1 2AB",
                ..Default::default()
            },
            None,
        );
        assert!(postcode[0].1.contains("add their name or date of birth"));
        // A first line of address counts with a name; a town does not.
        let with_address = SearchTerms {
            family_name: "Hughes",
            address_line1: "4 Mill Lane",
            ..Default::default()
        };
        assert!(with_address.check(None, vec![]).is_ok());
        let with_town = weak(
            SearchTerms {
                family_name: "Hughes",
                town: "Brookford",
                ..Default::default()
            },
            None,
        );
        assert_eq!(with_town[0].0, "given_name");
        // A surname with a date of birth, or with a postcode, is searched.
        let born = NaiveDate::from_ymd_opt(2019, 3, 7);
        for (postcode, dob) in [("", born), ("BF1 2AB", None)] {
            let terms = SearchTerms {
                family_name: "Hughes",
                postcode,
                ..Default::default()
            };
            assert!(terms.check(dob, vec![]).is_ok(), "{postcode} {dob:?}");
        }
    }

    #[test]
    fn an_empty_search_asks_for_something_to_search_on() {
        let errors = SearchTerms {
            given_name: "   ",
            ..Default::default()
        }
        .check(None, vec![])
        .err()
        .unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "given_name");
        assert!(errors[0].message.starts_with("Enter a name"));
    }
}
