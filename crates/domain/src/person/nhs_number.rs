//! NHS numbers: 10 digits whose last digit is a modulus-11 check digit.

use super::PersonError;
use std::fmt;
use std::str::FromStr;

/// A valid NHS number. Stored as its 10 digits; shown as "485 777 3456".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber([u8; 10]);

impl NhsNumber {
    /// Parses an NHS number as typed: spaces and hyphens between digits are ignored (people copy
    /// it from letters as "485 777 3456" or from systems as "485-777-3456").
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let mut digits = [0u8; 10];
        let mut n = 0;
        for c in input.trim().chars() {
            match c {
                ' ' | '-' => continue,
                '0'..='9' => {
                    if n == 10 {
                        return Err(PersonError::NhsNumberFormat);
                    }
                    digits[n] = c as u8 - b'0';
                    n += 1;
                }
                _ => return Err(PersonError::NhsNumberFormat),
            }
        }
        if n != 10 {
            return Err(PersonError::NhsNumberFormat);
        }
        match Self::check_digit(&digits[..9]) {
            Some(check) if check == digits[9] => Ok(Self(digits)),
            _ => Err(PersonError::NhsNumberCheckDigit),
        }
    }

    /// The modulus-11 check digit for the first nine digits, or `None` when the remainder makes
    /// it 10 — no NHS number is ever issued with such a prefix.
    pub fn check_digit(first_nine: &[u8]) -> Option<u8> {
        let sum: u32 = first_nine
            .iter()
            .zip((2..=10u32).rev())
            .map(|(d, w)| u32::from(*d) * w)
            .sum();
        match 11 - (sum % 11) {
            11 => Some(0),
            10 => None,
            c => u8::try_from(c).ok(),
        }
    }

    /// The 10 digits without spaces, as stored in the database and the matching index.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.digits();
        write!(f, "{} {} {}", &s[0..3], &s[3..6], &s[6..10])
    }
}

impl FromStr for NhsNumber {
    type Err = PersonError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_nhs_numbers_are_accepted_and_normalised() {
        let cases = [
            ("9434765919", "943 476 5919"),
            ("4010232137", "401 023 2137"),
            // The GOV.UK example "485 777 3456" itself fails the check; 7 is its check digit.
            ("485 777 3457", "485 777 3457"),
            ("485-777-3457", "485 777 3457"),
            (" 943 476 5919 ", "943 476 5919"),
        ];
        for (input, shown) in cases {
            let n = NhsNumber::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(n.to_string(), shown, "{input}");
        }
        assert_eq!(
            NhsNumber::parse("485 777 3457").map(|n| n.digits()),
            Ok("4857773457".to_string())
        );
    }

    #[test]
    fn malformed_nhs_numbers_are_refused_with_the_format_message() {
        for input in [
            "",
            "123",
            "94347659190",
            "943476591",
            "94347659l9",
            "943.476.5919",
        ] {
            assert_eq!(
                NhsNumber::parse(input),
                Err(PersonError::NhsNumberFormat),
                "{input}"
            );
        }
    }

    #[test]
    fn nhs_numbers_with_a_wrong_check_digit_are_refused() {
        for input in ["9434765918", "4010232138", "4857773456", "1234567890"] {
            assert_eq!(
                NhsNumber::parse(input),
                Err(PersonError::NhsNumberCheckDigit),
                "{input}"
            );
        }
    }

    #[test]
    fn a_prefix_whose_check_digit_would_be_ten_is_never_valid() {
        // 1000000010: sum = 1*10 + 1*2 = 12, 12 % 11 = 1, 11 - 1 = 10.
        let prefix = [1, 0, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(NhsNumber::check_digit(&prefix), None);
        for last in 0..=9 {
            let s = format!("100000001{last}");
            assert_eq!(NhsNumber::parse(&s), Err(PersonError::NhsNumberCheckDigit));
        }
    }

    #[test]
    fn the_error_messages_are_the_ones_practitioners_see() {
        assert_eq!(
            PersonError::NhsNumberFormat.to_string(),
            "Enter an NHS number in the correct format, like 485 777 3456"
        );
        assert_eq!(
            PersonError::NhsNumberCheckDigit.to_string(),
            "NHS number is not valid: check digit does not match"
        );
    }
}
