//! Validated identifiers and small vocabularies describing a child and the adults around them.
//!
//! Everything here is parsed once at the edge (a form field, an API body, a database row) and
//! trusted afterwards: a value of type [`NhsNumber`] has a correct check digit, a [`Postcode`] is
//! in the normalised "SW1A 1AA" form, and so on. Error messages are written for the
//! practitioner who typed the value, in the GOV.UK error-message style.

mod age;
mod answer;
mod details;
mod identity;
mod kinds;
mod nhs_number;
mod postcode;
mod search;
mod upn;

pub use age::{age, date_of_birth_with_age};
pub use answer::Answer;
pub use details::{
    ethnicity_label, Address, AddressInput, OtherName, OtherNameInput, PersonDetails, PersonInput,
    ETHNICITIES,
};
pub use identity::{change_reason, identity_changes};
pub use kinds::{Gender, OtherNameKind, Relationship};
pub use nhs_number::NhsNumber;
pub use postcode::Postcode;
pub use search::SearchTerms;
pub use upn::Upn;

/// Why a value about a person could not be accepted. The `Display` text is safe to show to the
/// practitioner as the error message next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    /// The NHS number is not 10 digits (after removing spaces and hyphens).
    #[error("Enter an NHS number in the correct format, like 485 777 3456")]
    NhsNumberFormat,
    /// The NHS number has 10 digits but its modulus-11 check digit is wrong.
    #[error("NHS number is not valid: check digit does not match")]
    NhsNumberCheckDigit,
    /// The Unique Pupil Number is not a letter followed by 11 digits and a digit or letter.
    #[error("Enter a unique pupil number in the correct format, like A123456789012")]
    UpnFormat,
    /// The Unique Pupil Number's check letter does not match the rest of it.
    #[error("Unique pupil number is not valid: check letter does not match")]
    UpnCheckLetter,
    /// The postcode is not a UK postcode.
    #[error("Enter a full UK postcode, like SW1A 1AA")]
    PostcodeFormat,
    /// The gender is not one of the known values.
    #[error("Select the child's gender")]
    UnknownGender,
    /// The kind of other name is not one of the known values.
    #[error("Select what kind of name this is")]
    UnknownOtherNameKind,
    /// The relationship is not one of the known values.
    #[error("Select the relationship to the child")]
    UnknownRelationship,
}

/// Identifiers travel (API, history snapshots) as their normalised text and are parsed again
/// on the way in, so a stored or received value is always valid.
macro_rules! serde_as_text {
    ($($ty:ty => $text:expr),+ $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let text: String = $text(self);
                s.serialize_str(&text)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$ty>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    )+};
}

serde_as_text! {
    NhsNumber => |n: &NhsNumber| n.digits(),
    Upn => |u: &Upn| u.as_str().to_string(),
    Postcode => |p: &Postcode| p.as_str().to_string(),
}
