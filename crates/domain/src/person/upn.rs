//! Unique Pupil Numbers (DfE): a check letter, 11 digits, and a digit or (temporary UPN) letter.

use super::PersonError;
use std::fmt;
use std::str::FromStr;

/// The letters the DfE uses for check letters and for the last character of a temporary UPN.
/// I, O and S are left out because they are easily read as 1, 0 and 5.
const LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A valid Unique Pupil Number, upper case, e.g. "B801200005001".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upn(String);

impl Upn {
    /// Parses a UPN as typed (surrounding spaces and lower case are accepted).
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let upn: String = input.trim().to_ascii_uppercase();
        let bytes = upn.as_bytes();
        if bytes.len() != 13 || !bytes[1..12].iter().all(u8::is_ascii_digit) {
            return Err(PersonError::UpnFormat);
        }
        if !LETTERS.contains(&bytes[0]) {
            return Err(PersonError::UpnFormat);
        }
        if !(bytes[12].is_ascii_digit() || LETTERS.contains(&bytes[12])) {
            return Err(PersonError::UpnFormat);
        }
        match Self::check_letter(&bytes[1..]) {
            Some(letter) if letter == bytes[0] => Ok(Self(upn)),
            _ => Err(PersonError::UpnCheckLetter),
        }
    }

    /// The check letter for characters 2–13: each character times its position (2–13), where a
    /// letter in position 13 counts as its index in the letter table; the sum modulo 23 picks
    /// the letter. `None` if `rest` is not 12 valid characters.
    pub fn check_letter(rest: &[u8]) -> Option<u8> {
        if rest.len() != 12 {
            return None;
        }
        let mut sum = 0usize;
        for (i, c) in rest.iter().enumerate() {
            let value = if c.is_ascii_digit() {
                usize::from(c - b'0')
            } else {
                LETTERS.iter().position(|l| l == c)?
            };
            sum += value * (i + 2);
        }
        LETTERS.get(sum % 23).copied()
    }

    /// Whether this is a temporary UPN (last character a letter), issued when a school cannot
    /// yet find the pupil's permanent UPN.
    pub fn is_temporary(&self) -> bool {
        self.0
            .as_bytes()
            .last()
            .is_some_and(u8::is_ascii_alphabetic)
    }

    /// The UPN as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Upn {
    type Err = PersonError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_check_letter(rest: &str) -> String {
        let letter = Upn::check_letter(rest.as_bytes()).map(char::from);
        format!("{}{rest}", letter.unwrap_or('?'))
    }

    #[test]
    fn a_published_example_is_valid() {
        // The example used by the DfE guidance and python-stdnum: 8*2+1*4+2*5+5*10+1*13 = 93,
        // 93 mod 23 = 1 -> "B".
        assert_eq!(
            Upn::parse("B801200005001").map(|u| u.to_string()),
            Ok("B801200005001".into())
        );
    }

    #[test]
    fn computed_upns_are_valid_and_upper_cased() {
        for rest in [
            "801200005001",
            "123456789012",
            "000000000000",
            "999999999999",
            "30612345678A",
            "20119000123Z",
        ] {
            let upn = with_check_letter(rest);
            let parsed = Upn::parse(&upn.to_lowercase());
            assert_eq!(parsed.as_ref().map(Upn::as_str), Ok(upn.as_str()), "{upn}");
        }
        let temporary = with_check_letter("30612345678A");
        assert!(Upn::parse(&temporary).is_ok_and(|u| u.is_temporary()));
    }

    #[test]
    fn a_wrong_check_letter_is_refused() {
        assert_eq!(
            Upn::parse("C801200005001"),
            Err(PersonError::UpnCheckLetter)
        );
        assert_eq!(
            Upn::parse("B801200005002"),
            Err(PersonError::UpnCheckLetter)
        );
    }

    #[test]
    fn malformed_upns_are_refused() {
        for input in [
            "",
            "B80120000500",
            "B8012000050011",
            "1801200005001",
            "I801200005001",
            "B80120000500I",
            "B8012000A5001",
            "B80120000500!",
        ] {
            assert_eq!(Upn::parse(input), Err(PersonError::UpnFormat), "{input}");
        }
    }
}
