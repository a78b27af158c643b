//! Small closed vocabularies about a person, each with a stable snake_case code for storage
//! and the API.

use super::PersonError;
use std::fmt;

macro_rules! vocabulary {
    (
        $(#[$meta:meta])* $name:ident, $error:expr,
        { $( $(#[$vmeta:meta])* $variant:ident => $code:literal, $label:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case code used in the database and the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The words shown to practitioners and families.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses the snake_case code (as produced by [`Self::as_str`]).
            pub fn parse(code: &str) -> Result<Self, PersonError> {
                match code.trim() {
                    $($code => Ok($name::$variant),)+
                    _ => Err($error),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl std::str::FromStr for $name {
            type Err = PersonError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

vocabulary!(
    /// A child's gender as recorded on the CAF form.
    Gender, PersonError::UnknownGender, {
        /// Female.
        Female => "female", "Female",
        /// Male.
        Male => "male", "Male",
        /// Another gender identity.
        Other => "other", "Other",
        /// Not known (for example an unborn child).
        NotKnown => "not_known", "Not known",
        /// The family chose not to say.
        NotStated => "not_stated", "Not stated",
    }
);

vocabulary!(
    /// What kind of "other known name" a child has; all are searched by the matcher.
    OtherNameKind, PersonError::UnknownOtherNameKind, {
        /// A name the child is also known by.
        Alias => "alias", "Alias",
        /// A name the child used before (for example before adoption or a parent's marriage).
        PreviousName => "previous_name", "Previous name",
        /// Another spelling of the same name seen in other agencies' records.
        AlternativeSpelling => "alternative_spelling", "Alternative spelling",
        /// The name the child is usually called (a nickname or short form).
        KnownAs => "known_as", "Known as",
        /// The name registered at birth.
        BirthName => "birth_name", "Birth name",
    }
);

vocabulary!(
    /// How an adult or another child is related to the child.
    Relationship, PersonError::UnknownRelationship, {
        /// Mother.
        Mother => "mother", "Mother",
        /// Father.
        Father => "father", "Father",
        /// Step-parent.
        StepParent => "step_parent", "Step-parent",
        /// Carer (foster carer, kinship carer, other carer).
        Carer => "carer", "Carer",
        /// Brother or sister, including half- and step-siblings.
        Sibling => "sibling", "Sibling",
        /// Grandparent.
        Grandparent => "grandparent", "Grandparent",
        /// Any other relationship.
        Other => "other", "Other",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for g in Gender::ALL {
            assert_eq!(Gender::parse(g.as_str()), Ok(*g));
        }
        for k in OtherNameKind::ALL {
            assert_eq!(OtherNameKind::parse(k.as_str()), Ok(*k));
        }
        for r in Relationship::ALL {
            assert_eq!(Relationship::parse(r.as_str()), Ok(*r));
        }
    }

    #[test]
    fn codes_are_stable_snake_case() {
        assert_eq!(Gender::NotStated.as_str(), "not_stated");
        assert_eq!(OtherNameKind::PreviousName.as_str(), "previous_name");
        assert_eq!(OtherNameKind::KnownAs.as_str(), "known_as");
        assert_eq!(Relationship::StepParent.as_str(), "step_parent");
    }

    #[test]
    fn unknown_codes_are_refused_with_a_field_message() {
        assert_eq!(Gender::parse("f"), Err(PersonError::UnknownGender));
        assert_eq!(
            OtherNameKind::parse("nickname"),
            Err(PersonError::UnknownOtherNameKind)
        );
        assert_eq!(
            Relationship::parse("aunt"),
            Err(PersonError::UnknownRelationship)
        );
        assert_eq!(
            PersonError::UnknownGender.to_string(),
            "Select the child's gender"
        );
    }
}
