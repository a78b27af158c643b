//! Blocking keys and the packed forms of dates, postcodes and identifiers.
//!
//! A key is a u64: the kind in the top 4 bits, then the kind's payload.

use chrono::{Datelike, NaiveDate};

const NAME_DOB: u64 = 1;
const PAIR: u64 = 2;
const POSTCODE: u64 = 3;
const NHS: u64 = 4;
const UPN: u64 = 5;
const DOB: u64 = 6;
const ADDRESS: u64 = 7;

/// A date of birth alone: with an address, finds a record whose names were recorded
/// differently (a change of name, a different spelling on each side).
pub(crate) fn dob(day: u32) -> u64 {
    DOB << 60 | u64::from(day)
}

/// A first line of an address (as [`super::normalise::address_key`] gives it).
pub(crate) fn address(key: u64) -> u64 {
    ADDRESS << 60 | (key & 0x0fff_ffff_ffff_ffff)
}

/// (name token, date of birth): found again when any one name survives and the date is
/// right or one slip away.
pub(crate) fn name_dob(token: u32, dob: u32) -> u64 {
    NAME_DOB << 60 | (u64::from(token) & 0x0fff_ffff) << 32 | u64::from(dob)
}

/// (name token, name token), unordered so that swapped names share the key: found again
/// when the date of birth is missing or wrong.
pub(crate) fn pair(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    PAIR << 60 | (u64::from(lo) & 0x3fff_ffff) << 30 | (u64::from(hi) & 0x3fff_ffff)
}

/// A packed postcode.
pub(crate) fn postcode(packed: u64) -> u64 {
    POSTCODE << 60 | packed
}

/// A packed NHS number.
pub(crate) fn nhs(packed: u64) -> u64 {
    NHS << 60 | packed
}

/// A packed UPN.
pub(crate) fn upn(packed: u64) -> u64 {
    UPN << 60 | packed
}

/// A date as a day number (days from 1 January of year 1, always > 0 for real dates), 0 for
/// none.
pub(crate) fn pack_date(date: Option<NaiveDate>) -> u32 {
    date.and_then(|d| u32::try_from(d.num_days_from_ce()).ok())
        .unwrap_or(0)
}

/// The inverse of [`pack_date`].
pub(crate) fn unpack_date(day: u32) -> Option<NaiveDate> {
    if day == 0 {
        return None;
    }
    i32::try_from(day)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Packs a postcode (any case and spacing) into 6 bits per character, last character in the
/// lowest bits, so that `>> 12` gives the sector and `>> 18` the district. `None` if it is not
/// 5–7 letters and digits (found out at the eighth, however long the text).
pub(crate) fn pack_postcode(text: &str) -> Option<u64> {
    let mut packed = 0u64;
    let mut n = 0;
    for b in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let v = match b.to_ascii_uppercase() {
            d @ b'0'..=b'9' => d - b'0' + 1,
            l @ b'A'..=b'Z' => l - b'A' + 11,
            _ => return None,
        };
        if n == 7 {
            return None;
        }
        packed = packed << 6 | u64::from(v);
        n += 1;
    }
    (5..=7).contains(&n).then_some(packed)
}

/// The sector ("SW1A 1") of a packed postcode.
pub(crate) fn postcode_sector(packed: u64) -> u64 {
    packed >> 12
}

/// The district ("SW1A") of a packed postcode.
pub(crate) fn postcode_district(packed: u64) -> u64 {
    packed >> 18
}

/// Packs an NHS number given as 10 digits (spaces and hyphens ignored). The check digit is not
/// verified here: the index must hold whatever the records hold.
pub(crate) fn pack_nhs(text: &str) -> Option<u64> {
    let mut packed = 0u64;
    let mut n = 0;
    for b in text.bytes().filter(|b| !matches!(b, b' ' | b'-')) {
        if n == 10 || !b.is_ascii_digit() {
            return None;
        }
        packed = packed * 10 + u64::from(b - b'0');
        n += 1;
    }
    (n == 10).then_some(packed + 1)
}

/// Packs a UPN (a letter, 11 digits, a digit or letter) into 47 bits.
pub(crate) fn pack_upn(text: &str) -> Option<u64> {
    let upn = text.trim();
    if upn.len() != 13 {
        return None;
    }
    let upn = upn.to_ascii_uppercase();
    let b = upn.as_bytes();
    if b.len() != 13 || !b[0].is_ascii_uppercase() || !b[1..12].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let last = match b[12] {
        d @ b'0'..=b'9' => d - b'0',
        l @ b'A'..=b'Z' => l - b'A' + 10,
        _ => return None,
    };
    let middle = b[1..12]
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    Some((u64::from(b[0] - b'A') * 100_000_000_000 + middle) * 36 + u64::from(last) + 1)
}

/// How two dates of birth compare, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum DobLevel {
    Different,
    SameYear,
    OneDigit,
    Swapped,
    Same,
}

fn digits(d: NaiveDate) -> [u8; 8] {
    // DDMMYYYY, as written; the year modulo 10,000 like a four-digit field.
    let (day, month, year) = (
        d.day(),
        d.month(),
        d.year().rem_euclid(10_000).unsigned_abs(),
    );
    let digit = |n: u32| u8::try_from(n % 10).unwrap_or(0);
    [
        digit(day / 10),
        digit(day),
        digit(month / 10),
        digit(month),
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
    ]
}

fn from_digits(g: &[u8; 8]) -> Option<NaiveDate> {
    let day = u32::from(g[0]) * 10 + u32::from(g[1]);
    let month = u32::from(g[2]) * 10 + u32::from(g[3]);
    let year = g[4..].iter().fold(0i32, |acc, d| acc * 10 + i32::from(*d));
    if !(1900..=2100).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

fn swap_day_month(d: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()).filter(|s| *s != d)
}

/// Compares a searched date of birth with a recorded one.
pub(crate) fn compare_dob(searched: NaiveDate, recorded: NaiveDate) -> DobLevel {
    if searched == recorded {
        return DobLevel::Same;
    }
    if swap_day_month(searched) == Some(recorded) {
        return DobLevel::Swapped;
    }
    let differing = digits(searched)
        .iter()
        .zip(digits(recorded).iter())
        .filter(|(a, b)| a != b)
        .count();
    if differing == 1 {
        DobLevel::OneDigit
    } else if searched.year() == recorded.year() {
        DobLevel::SameYear
    } else {
        DobLevel::Different
    }
}

/// The typed date, then its day/month swap, then every valid date one digit away (as written
/// DD/MM/YYYY): the dates the child's real one could be, given one slip.
pub(crate) fn dob_variants(d: NaiveDate) -> Vec<NaiveDate> {
    let mut out = vec![d];
    out.extend(swap_day_month(d));
    let g = digits(d);
    for pos in 0..8 {
        for v in 0..10u8 {
            if v == g[pos] {
                continue;
            }
            let mut h = g;
            h[pos] = v;
            if let Some(date) = from_digits(&h) {
                if !out.contains(&date) {
                    out.push(date);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn dates_compare_by_the_slips_people_make() {
        let d = date(2015, 3, 7);
        assert_eq!(compare_dob(d, d), DobLevel::Same);
        assert_eq!(compare_dob(date(2015, 7, 3), d), DobLevel::Swapped);
        assert_eq!(compare_dob(date(2016, 3, 7), d), DobLevel::OneDigit);
        assert_eq!(compare_dob(date(2015, 3, 17), d), DobLevel::OneDigit);
        assert_eq!(compare_dob(date(2015, 11, 30), d), DobLevel::SameYear);
        assert_eq!(compare_dob(date(2012, 11, 30), d), DobLevel::Different);
    }

    #[test]
    fn digits_are_the_date_as_written() {
        for d in [
            date(2015, 3, 7),
            date(1999, 12, 31),
            date(2100, 1, 1),
            date(1900, 10, 20),
        ] {
            let written = format!("{:02}{:02}{:04}", d.day(), d.month(), d.year());
            let expected: Vec<u8> = written.bytes().map(|b| b - b'0').collect();
            assert_eq!(digits(d).to_vec(), expected, "{d}");
        }
    }

    #[test]
    fn variants_cover_every_single_slip() {
        let d = date(2015, 3, 7);
        let v = dob_variants(d);
        for slip in [
            date(2015, 7, 3),
            date(2016, 3, 7),
            date(2015, 3, 17),
            date(2005, 3, 7),
        ] {
            assert!(v.contains(&slip), "{slip}");
        }
        assert_eq!(v[0], d);
        assert!(v.iter().all(|x| compare_dob(*x, d) >= DobLevel::OneDigit));
    }

    #[test]
    fn postcodes_pack_so_that_sector_and_district_are_prefixes() {
        let a = pack_postcode("SW1A 1AA").unwrap_or(0);
        let b = pack_postcode("sw1a1ab").unwrap_or(0);
        let c = pack_postcode("SW1A 2AA").unwrap_or(0);
        assert_ne!(a, b);
        assert_eq!(postcode_sector(a), postcode_sector(b));
        assert_ne!(postcode_sector(a), postcode_sector(c));
        assert_eq!(postcode_district(a), postcode_district(c));
        assert_ne!(pack_postcode("N1 9GU"), pack_postcode("NW1 9GU"));
        assert_eq!(pack_postcode("not a postcode"), None);
    }

    #[test]
    fn identifiers_pack_distinctly() {
        assert_eq!(pack_nhs("943 476 5919"), pack_nhs("9434765919"));
        assert_ne!(pack_nhs("9434765919"), pack_nhs("4010232137"));
        assert_eq!(pack_nhs("12345"), None);
        assert_ne!(pack_upn("B801200005001"), pack_upn("B80120000500A"));
        assert_eq!(pack_upn("b801200005001"), pack_upn("B801200005001"));
        assert_eq!(pack_upn("B8012000050"), None);
    }

    #[test]
    fn overlong_identifiers_and_postcodes_pack_to_nothing() {
        let long = "1".repeat(1_000_000);
        assert_eq!(pack_nhs(&long), None);
        assert_eq!(pack_postcode(&long), None);
        assert_eq!(pack_upn(&long), None);
        assert_eq!(pack_postcode("SW1A 1AAA"), None);
        assert_eq!(pack_nhs("94347659190"), None);
    }
}
