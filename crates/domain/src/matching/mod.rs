//! Finding a child who may already be known: fuzzy, explained person matching.
//!
//! A practitioner types what they know — a name as heard (misspelt, a nickname, surnames
//! swapped or hyphenated, diacritics), a date of birth that may be slightly wrong, a postcode,
//! an NHS number or UPN — and gets ranked [`Candidate`]s with plain reasons.
//!
//! How it works (see `DESIGN.md`, "The matching index"):
//! * **Names** are normalised ([`normalise_name`]: diacritics removed, lower case, punctuation
//!   dropped, hyphenated and double-barrelled names split into parts) and interned into a
//!   dictionary of distinct tokens. Fuzzy work happens on that small dictionary, not on people:
//!   a query name is expanded to the known tokens that are equal, a nickname (shipped table
//!   `data/nicknames.txt`), sound the same (Double Metaphone) or are one edit away (symmetric
//!   deletion lookup, confirmed with Damerau–Levenshtein / Jaro–Winkler).
//! * **Blocking keys** then find candidate people without a scan: (name token, date of birth)
//!   for every date one digit or a day/month swap away from the typed one, (name token, name
//!   token) pairs for when the date is missing or badly wrong, postcode, NHS number and UPN.
//!   Keys live in a compact static hash table built by sorting, with a small mutable layer for
//!   later changes.
//! * **Scoring** is Fellegi–Sunter: each field contributes a log₂ likelihood-ratio weight for
//!   agreement, partial agreement or disagreement (name agreement weighted by how rare the name
//!   is), and the sum ranks candidates. An exact NHS number or UPN always ranks first.

mod dictionary;
mod ids;
mod index;
mod keys;
mod nicknames;
mod normalise;
mod score;
mod similarity;
mod snapshot;
mod table;

#[cfg(test)]
mod tests;

pub use index::{IndexBuilder, MatchIndex};
pub use nicknames::{are_nicknames, nickname_variants};
use normalise::address_key;
pub use normalise::{normalise_name, MAX_NAME_CHARS, MAX_NAME_PARTS};
pub use snapshot::{SnapshotError, SNAPSHOT_VERSION};

use chrono::NaiveDate;
use std::fmt;

/// The fields of a person that the matcher indexes and scores. Built by the store from the
/// database row; values are expected in their normalised forms (postcode as "SW1A 1AA", NHS
/// number as 10 digits, UPN upper case) but the index tolerates other spellings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonRecord {
    /// The store's person id.
    pub id: i64,
    /// Given name(s), e.g. "Mary-Jane" or "Mary Jane".
    pub given_name: String,
    /// Family name, e.g. "Smith-Jones".
    pub family_name: String,
    /// Other known names: aliases, previous names, alternative spellings, known-as names.
    /// Each entry is a full name ("Katie Smith") or a single name ("Katie", "Jones").
    pub other_names: Vec<String>,
    /// Date of birth, or expected date of birth for an unborn child.
    pub date_of_birth: Option<NaiveDate>,
    /// Main address postcode.
    pub postcode: Option<String>,
    /// First line of the main address ("4 Mill Lane").
    pub address_line1: Option<String>,
    /// Town of the main address.
    pub town: Option<String>,
    /// NHS number, 10 digits.
    pub nhs_number: Option<String>,
    /// Unique Pupil Number.
    pub upn: Option<String>,
}

/// What a practitioner knows about the child they are looking for. Every field is optional;
/// a useful search has at least a name and a date of birth, or a postcode or an identifier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchQuery {
    /// Given name as heard.
    pub given_name: Option<String>,
    /// Family name as heard.
    pub family_name: Option<String>,
    /// Date of birth as given.
    pub date_of_birth: Option<NaiveDate>,
    /// Postcode (any spacing or case).
    pub postcode: Option<String>,
    /// First line of the address as given ("4 Mill Lane", "4 Mill Ln").
    pub address_line1: Option<String>,
    /// Town as given.
    pub town: Option<String>,
    /// NHS number (spaces allowed).
    pub nhs_number: Option<String>,
    /// Unique Pupil Number.
    pub upn: Option<String>,
}

impl MatchQuery {
    /// Whether the search holds too little to rank anyone. Without an NHS number or a UPN it
    /// needs at least two of: a first name, a last name, a date of birth, a postcode, the
    /// first line of an address. One of them alone ("Hughes", "Amelia", a postcode) is shared
    /// by many people who would all score alike, so the caller should ask for more rather
    /// than report that nobody was found. A town does not count: it holds everyone. Only what
    /// the matcher can use counts: a name with no letters or a postcode that is not one is
    /// not evidence.
    pub fn is_too_weak(&self) -> bool {
        let name = |n: &Option<String>| n.as_deref().is_some_and(|n| !normalise_name(n).is_empty());
        let identifier = self
            .nhs_number
            .as_deref()
            .and_then(keys::pack_nhs)
            .is_some()
            || self.upn.as_deref().and_then(keys::pack_upn).is_some();
        let evidence = [
            name(&self.given_name),
            name(&self.family_name),
            self.date_of_birth.is_some(),
            self.postcode
                .as_deref()
                .and_then(keys::pack_postcode)
                .is_some(),
            self.address_line1
                .as_deref()
                .is_some_and(|a| address_key(a) != 0),
        ];
        !identifier && evidence.iter().filter(|e| **e).count() < 2
    }
}

impl From<&PersonRecord> for MatchQuery {
    /// A search for a person as recorded (their other known names aside), for looking for
    /// their duplicates.
    fn from(p: &PersonRecord) -> Self {
        MatchQuery {
            given_name: Some(p.given_name.clone()),
            family_name: Some(p.family_name.clone()),
            date_of_birth: p.date_of_birth,
            postcode: p.postcode.clone(),
            address_line1: p.address_line1.clone(),
            town: p.town.clone(),
            nhs_number: p.nhs_number.clone(),
            upn: p.upn.clone(),
        }
    }
}

/// One possible match, with why it was suggested.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The store's person id.
    pub id: i64,
    /// How likely this is the child, for deciding whether to stop and confirm: the
    /// [`Candidate::weight`] less log₂ of how many times the register is larger than 2,000
    /// people (nothing off on a smaller one). A bigger register holds more people who agree
    /// with a search by chance, so the same evidence is worth less: at a million people the
    /// score is 9 below the weight. Higher is more likely the same child; above about 15
    /// the evidence is strong, below 0 the record probably is someone else. Unbounded;
    /// ranking by it is ranking by weight.
    pub score: f64,
    /// The Fellegi–Sunter match weight: the sum over fields of log₂(m/u) for agreement or
    /// log₂((1−m)/(1−u)) for disagreement, u from this register's frequencies of the names and
    /// the date of birth. The same for the same records whatever the register's size.
    pub weight: f64,
    /// True when the NHS number or UPN is the same; such candidates always rank first.
    pub same_identifier: bool,
    /// The agreements that made this a candidate, strongest fields first.
    pub reasons: Vec<MatchReason>,
}

impl Candidate {
    /// Whether this candidate is so close that two records for them are likely one person
    /// recorded twice: both names agree (exactly, as a nickname, by sound or by a slip), the
    /// date of birth agrees, has day and month swapped, or is one digit away at the same
    /// address, and the whole weighs at least as much as two common names and the date of
    /// birth all exact. Twins (same surname, birthday and address, different first
    /// names) do not qualify; nor do two different NHS numbers, whose weight sinks the score.
    pub fn is_likely_same_person(&self) -> bool {
        use MatchReason as R;
        let any = |f: fn(&MatchReason) -> bool| self.reasons.iter().any(f);
        let given = any(|r| {
            matches!(
                r,
                R::ExactGivenName
                    | R::GivenNameNickname { .. }
                    | R::GivenNameSoundsSame
                    | R::GivenNameSpelledSimilarly
                    | R::NamesSwapped
            )
        });
        let family = any(|r| {
            matches!(
                r,
                R::ExactFamilyName
                    | R::FamilyNameSoundsSame
                    | R::FamilyNameSpelledSimilarly
                    | R::HyphenatedFamilyNamePart
                    | R::NamesSwapped
            )
        });
        // A date one digit away is a common slip, but also what most namesakes' birthdays
        // are (about 30 dates are one digit away from any date), so it needs the address too.
        let near_home = any(|r| matches!(r, R::SamePostcode | R::SamePostcodeSector));
        let born = any(|r| matches!(r, R::SameDateOfBirth | R::DayAndMonthSwapped))
            || (near_home && any(|r| matches!(r, R::DateOfBirthOneDigitDifferent)));
        given && family && born && self.weight >= score::LIKELY_SAME_PERSON
    }

    /// The reasons as one plain-English sentence fragment, e.g.
    /// "surname sounds the same; day and month of birth swapped; same postcode".
    pub fn explanation(&self) -> String {
        let parts: Vec<String> = self.reasons.iter().map(ToString::to_string).collect();
        parts.join("; ")
    }
}

/// Why a candidate was suggested: one agreement between the search and the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchReason {
    /// The NHS numbers are the same.
    SameNhsNumber,
    /// The Unique Pupil Numbers are the same.
    SameUpn,
    /// The surname is the same.
    ExactFamilyName,
    /// The surname sounds the same (same Double Metaphone code).
    FamilyNameSoundsSame,
    /// The surname is spelled similarly (a typing slip away).
    FamilyNameSpelledSimilarly,
    /// The surname given matches one part of a double-barrelled surname (or the reverse).
    HyphenatedFamilyNamePart,
    /// The first name and surname were given the other way round.
    NamesSwapped,
    /// The first name is the same.
    ExactGivenName,
    /// One first name is a known short form or variant of the other.
    GivenNameNickname {
        /// The name searched for, as normalised.
        searched: String,
        /// The name on the record, as normalised.
        recorded: String,
    },
    /// The first name sounds the same.
    GivenNameSoundsSame,
    /// The first name is spelled similarly.
    GivenNameSpelledSimilarly,
    /// A name searched for matches one of the child's other known names.
    OtherKnownName {
        /// The matching other known name, as normalised.
        name: String,
    },
    /// The date of birth is the same.
    SameDateOfBirth,
    /// The date of birth has day and month the other way round.
    DayAndMonthSwapped,
    /// The date of birth differs in one digit.
    DateOfBirthOneDigitDifferent,
    /// Only the year of birth is the same.
    SameYearOfBirth,
    /// The postcode is the same.
    SamePostcode,
    /// The postcode is in the same sector (e.g. "SW1A 1").
    SamePostcodeSector,
    /// The postcode is in the same district (e.g. "SW1A").
    SamePostcodeDistrict,
    /// The first line of the address is the same ("4 Mill Ln" and "4 Mill Lane" are).
    SameFirstLineOfAddress,
    /// The town is the same.
    SameTown,
}

impl fmt::Display for MatchReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchReason::SameNhsNumber => f.write_str("same NHS number"),
            MatchReason::SameUpn => f.write_str("same unique pupil number"),
            MatchReason::ExactFamilyName => f.write_str("same surname"),
            MatchReason::FamilyNameSoundsSame => f.write_str("surname sounds the same"),
            MatchReason::FamilyNameSpelledSimilarly => f.write_str("surname spelled similarly"),
            MatchReason::HyphenatedFamilyNamePart => {
                f.write_str("surname matches part of a double-barrelled surname")
            }
            MatchReason::NamesSwapped => f.write_str("first name and surname swapped"),
            MatchReason::ExactGivenName => f.write_str("same first name"),
            MatchReason::GivenNameNickname { searched, recorded } => write!(
                f,
                "first name {} is a short form or variant of {}",
                title_case(searched),
                title_case(recorded)
            ),
            MatchReason::GivenNameSoundsSame => f.write_str("first name sounds the same"),
            MatchReason::GivenNameSpelledSimilarly => f.write_str("first name spelled similarly"),
            MatchReason::OtherKnownName { name } => {
                write!(f, "matches other known name {}", title_case(name))
            }
            MatchReason::SameDateOfBirth => f.write_str("same date of birth"),
            MatchReason::DayAndMonthSwapped => f.write_str("day and month of birth swapped"),
            MatchReason::DateOfBirthOneDigitDifferent => {
                f.write_str("date of birth differs by one digit")
            }
            MatchReason::SameYearOfBirth => f.write_str("same year of birth"),
            MatchReason::SamePostcode => f.write_str("same postcode"),
            MatchReason::SamePostcodeSector => f.write_str("postcode in the same sector"),
            MatchReason::SamePostcodeDistrict => f.write_str("postcode in the same district"),
            MatchReason::SameFirstLineOfAddress => f.write_str("same first line of address"),
            MatchReason::SameTown => f.write_str("same town"),
        }
    }
}

/// "katie" → "Katie", for explanations.
fn title_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
