//! Yes, no or not known: what a practitioner recorded about a fact they may not have asked
//! about. An unticked checkbox cannot tell "no" from "not asked", so these are radios.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
    /// Not asked, or the family did not know. What every record held before the question
    /// had three answers (an unticked box), so it is stored as 0.
    #[default]
    NotKnown,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::No, Answer::NotKnown];

    /// The form and API value.
    pub fn code(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::NotKnown => "not_known",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::NotKnown => "Not known",
        }
    }

    /// A form or API value; `None` for anything else (an empty field included).
    pub fn parse(code: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.code() == code.trim())
    }

    /// The stored integer: 1 yes, 2 no, 0 not known.
    pub fn stored(self) -> i64 {
        match self {
            Answer::Yes => 1,
            Answer::No => 2,
            Answer::NotKnown => 0,
        }
    }

    /// The answer a stored integer holds; an unexpected value reads as not known.
    pub fn from_stored(value: i64) -> Answer {
        match value {
            1 => Answer::Yes,
            2 => Answer::No,
            _ => Answer::NotKnown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_round_trips_through_its_code_and_its_stored_value() {
        for answer in Answer::ALL {
            assert_eq!(Answer::parse(answer.code()), Some(answer));
            assert_eq!(Answer::from_stored(answer.stored()), answer);
        }
        assert_eq!(Answer::parse(""), None);
        assert_eq!(Answer::parse("true"), None);
        // An unticked box, as every record before three answers holds it.
        assert_eq!(Answer::from_stored(0), Answer::NotKnown);
    }
}
