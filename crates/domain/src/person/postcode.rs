//! UK postcodes, parsed by their published structure rather than a regular expression.

use super::PersonError;
use std::fmt;
use std::str::FromStr;

/// A UK postcode in normal form: upper case with one space before the inward code
/// ("SW1A 1AA"). Includes the special Girobank postcode "GIR 0AA".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

/// Letters never used in the first position of a postcode area.
const NOT_FIRST: &[u8] = b"QVX";
/// Letters never used in the second position of an area.
const NOT_SECOND: &[u8] = b"IJZ";
/// Letters allowed as the third character of an `A9A` outward code.
const THIRD_A9A: &[u8] = b"ABCDEFGHJKPSTUW";
/// Letters allowed as the fourth character of an `AA9A` outward code.
const FOURTH_AA9A: &[u8] = b"ABEHMNPRVWXY";
/// Letters never used in the inward code (they look like digits or each other).
const NOT_INWARD: &[u8] = b"CIKMOV";

impl Postcode {
    /// Parses a postcode as typed: any case, with or without spaces.
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let compact: Vec<u8> = input
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|b| b.to_ascii_uppercase())
            .collect();
        if compact.len() < 5 || compact.len() > 7 {
            return Err(PersonError::PostcodeFormat);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if outward == b"GIR" && inward == b"0AA" {
            return Ok(Self("GIR 0AA".into()));
        }
        if !valid_inward(inward) || !valid_outward(outward) {
            return Err(PersonError::PostcodeFormat);
        }
        let mut normal = String::with_capacity(8);
        normal.extend(outward.iter().map(|b| char::from(*b)));
        normal.push(' ');
        normal.extend(inward.iter().map(|b| char::from(*b)));
        Ok(Self(normal))
    }

    /// The outward code, e.g. "SW1A" — the postal district.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or(&self.0)
    }

    /// The inward code, e.g. "1AA".
    pub fn inward(&self) -> &str {
        self.0.rsplit(' ').next().unwrap_or(&self.0)
    }

    /// The postcode sector, e.g. "SW1A 1": a few thousand addresses, useful when a family has
    /// moved a few streets.
    pub fn sector(&self) -> &str {
        &self.0[..self.0.len() - 2]
    }

    /// The normalised postcode.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_letter(b: u8) -> bool {
    b.is_ascii_uppercase()
}

fn valid_inward(inward: &[u8]) -> bool {
    matches!(inward, [d, a, b] if d.is_ascii_digit()
        && [*a, *b].iter().all(|l| is_letter(*l) && !NOT_INWARD.contains(l)))
}

fn valid_outward(outward: &[u8]) -> bool {
    let first_ok = |b: u8| is_letter(b) && !NOT_FIRST.contains(&b);
    let second_ok = |b: u8| is_letter(b) && !NOT_SECOND.contains(&b);
    let digit = |b: u8| b.is_ascii_digit();
    match *outward {
        // A9, A99, A9A
        [a, d] => first_ok(a) && digit(d),
        [a, d, e] if digit(d) => {
            first_ok(a) && (digit(e) || (is_letter(e) && THIRD_A9A.contains(&e)))
        }
        // AA9
        [a, b, d] => first_ok(a) && second_ok(b) && digit(d),
        // AA99, AA9A
        [a, b, d, e] => {
            first_ok(a)
                && second_ok(b)
                && digit(d)
                && (digit(e) || (is_letter(e) && FOURTH_AA9A.contains(&e)))
        }
        _ => false,
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Postcode {
    type Err = PersonError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_postcodes_are_normalised() {
        let cases = [
            ("sw1a1aa", "SW1A 1AA", "SW1A", "SW1A 1"),
            ("SW1A 1AA", "SW1A 1AA", "SW1A", "SW1A 1"),
            (" bb1  1ab ", "BB1 1AB", "BB1", "BB1 1"),
            ("BL1 1RU", "BL1 1RU", "BL1", "BL1 1"),
            ("N1 9GU", "N1 9GU", "N1", "N1 9"),
            ("M60 2LA", "M60 2LA", "M60", "M60 2"),
            ("W1A 0AX", "W1A 0AX", "W1A", "W1A 0"),
            ("EC1A 1BB", "EC1A 1BB", "EC1A", "EC1A 1"),
            ("E8 1EA", "E8 1EA", "E8", "E8 1"),
            ("NW4 4BG", "NW4 4BG", "NW4", "NW4 4"),
            ("gir0aa", "GIR 0AA", "GIR", "GIR 0"),
        ];
        for (input, normal, outward, sector) in cases {
            let p = Postcode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.as_str(), normal);
            assert_eq!(p.outward(), outward);
            assert_eq!(p.sector(), sector);
        }
    }

    #[test]
    fn things_that_are_not_postcodes_are_refused() {
        for input in [
            "",
            "SW1A",
            "SW1A 1A",
            "SW1A 1AAA",
            "QW1 1AA",  // Q never starts an area
            "AJ1 1AA",  // J never second
            "SW1A 1CA", // C never in the inward code
            "W1I 1AA",  // I not allowed third in A9A
            "SW1C 1AA", // C not allowed fourth in AA9A
            "123 4AB",
            "SW1A-1AA",
            "GIR 0AB",
        ] {
            assert_eq!(
                Postcode::parse(input),
                Err(PersonError::PostcodeFormat),
                "{input}"
            );
        }
    }
}
