//! Small closed vocabularies about a person, each with a stable snake_case code for storage
//! and the API.

use super::PersonError;
use crate::vocabulary::vocabulary;

vocabulary!(
    /// A child's gender as recorded on the CAF form.
    Gender, PersonError = PersonError::UnknownGender, {
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
    OtherNameKind, PersonError = PersonError::UnknownOtherNameKind, {
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
    Relationship, PersonError = PersonError::UnknownRelationship, {
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
            assert_eq!(Gender::parse(g.code()), Ok(*g));
        }
        for k in OtherNameKind::ALL {
            assert_eq!(OtherNameKind::parse(k.code()), Ok(*k));
        }
        for r in Relationship::ALL {
            assert_eq!(Relationship::parse(r.code()), Ok(*r));
        }
    }

    #[test]
    fn codes_are_stable_snake_case() {
        assert_eq!(Gender::NotStated.code(), "not_stated");
        assert_eq!(OtherNameKind::PreviousName.code(), "previous_name");
        assert_eq!(OtherNameKind::KnownAs.code(), "known_as");
        assert_eq!(Relationship::StepParent.code(), "step_parent");
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
