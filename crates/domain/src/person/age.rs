//! A date of birth as a practitioner reads it: with the age beside it, babies in months, and
//! an unborn child's expected date as "due …".
use chrono::{Datelike, NaiveDate};

/// Whole months from `from` to `to` (0 when `to` is earlier).
fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32
        - from.month() as i32
        - i32::from(to.day() < from.day());
    months.max(0) as u32
}

/// "11 years", "18 months", "3 weeks", "2 days": under 2 the age is given in months, and
/// under a month in weeks or days.
pub fn age(date_of_birth: NaiveDate, today: NaiveDate) -> String {
    let months = months_between(date_of_birth, today);
    let plural = |n: u32, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if months >= 24 {
        return plural(months / 12, "year");
    }
    if months >= 1 {
        return plural(months, "month");
    }
    let days = (today - date_of_birth).num_days().max(0) as u32;
    if days >= 7 {
        plural(days / 7, "week")
    } else {
        plural(days, "day")
    }
}

/// "12 March 2015 (11 years)", or for an expected date of birth "due 12 March 2027".
pub fn date_of_birth_with_age(
    date_of_birth: NaiveDate,
    expected: bool,
    today: NaiveDate,
) -> String {
    let date = date_of_birth.format("%-d %B %Y");
    if expected {
        format!("due {date}")
    } else if date_of_birth > today {
        date.to_string()
    } else {
        format!("{date} ({})", age(date_of_birth, today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_read_as_a_practitioner_would_say_them() {
        let today = d(2026, 12, 1);
        for (born, expected) in [
            (d(2015, 3, 12), "11 years"),
            (d(2015, 12, 1), "11 years"),
            (d(2015, 12, 2), "10 years"),
            (d(2024, 12, 1), "2 years"),
            (d(2024, 12, 2), "23 months"),
            (d(2025, 6, 1), "18 months"),
            (d(2026, 10, 31), "1 month"),
            (d(2026, 11, 2), "4 weeks"),
            (d(2026, 11, 24), "1 week"),
            (d(2026, 11, 30), "1 day"),
            (d(2026, 12, 1), "0 days"),
        ] {
            assert_eq!(age(born, today), expected, "born {born}");
        }
    }

    #[test]
    fn an_expected_date_of_birth_is_due_and_has_no_age() {
        let today = d(2026, 12, 1);
        assert_eq!(
            date_of_birth_with_age(d(2015, 3, 12), false, today),
            "12 March 2015 (11 years)"
        );
        assert_eq!(
            date_of_birth_with_age(d(2027, 3, 12), true, today),
            "due 12 March 2027"
        );
    }
}
