//! GOV.UK date inputs: three boxes (`{name}-day`, `{name}-month`, `{name}-year`) read into a
//! date, with the Design System's error messages.
use super::Problem;
use chrono::NaiveDate;
use std::collections::HashMap;

/// The three parts of a date as typed, to show again.
pub(super) fn parts(values: &HashMap<String, String>, name: &str) -> (String, String, String) {
    let get = |part: &str| {
        values
            .get(&format!("{name}-{part}"))
            .cloned()
            .unwrap_or_default()
    };
    (get("day"), get("month"), get("year"))
}

/// The date typed into `name`, `None` when all three boxes are empty and the date is optional.
/// `what` is how the error message names it ("the date of agreement"). A date in the future
/// is refused: these are dates of what has happened.
pub(super) fn read(
    values: &HashMap<String, String>,
    name: &str,
    what: &str,
    required: bool,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, Problem> {
    let date = read_any(values, name, what, required)?;
    if date.is_some_and(|date| date > today) {
        return Err(Problem::new(
            format!("{name}-day"),
            format!("{} must be today or in the past", capitalise(what)),
        ));
    }
    Ok(date)
}

/// The date typed into `name`, past or future (a date something is due by).
pub(super) fn read_any(
    values: &HashMap<String, String>,
    name: &str,
    what: &str,
    required: bool,
) -> Result<Option<NaiveDate>, Problem> {
    let (d, m, y) = parts(values, name);
    let (d, m, y) = (d.trim(), m.trim(), y.trim());
    let anchor = format!("{name}-day");
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return if required {
            Err(Problem::new(anchor, format!("Enter {what}")))
        } else {
            Ok(None)
        };
    }
    let number = |s: &str| s.parse::<u32>().ok();
    let date = match (number(d), number(m), y.parse::<i32>().ok()) {
        (Some(d), Some(m), Some(y)) if y >= 1900 => NaiveDate::from_ymd_opt(y, m, d),
        _ => None,
    };
    match date {
        Some(date) => Ok(Some(date)),
        None => Err(Problem::new(
            anchor,
            format!(
                "{} must be a real date, for example 27 3 2026",
                capitalise(what)
            ),
        )),
    }
}

/// Split a stored `YYYY-MM-DD` date into the three boxes.
pub(super) fn fill(values: &mut HashMap<String, String>, name: &str, stored: &str) {
    if let Ok(date) = stored.parse::<NaiveDate>() {
        values.insert(format!("{name}-day"), date.format("%-d").to_string());
        values.insert(format!("{name}-month"), date.format("%-m").to_string());
        values.insert(format!("{name}-year"), date.format("%Y").to_string());
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_with_design_system_messages() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let typed = |d: &str, m: &str, y: &str| {
            HashMap::from([
                ("on-day".to_string(), d.to_string()),
                ("on-month".to_string(), m.to_string()),
                ("on-year".to_string(), y.to_string()),
            ])
        };
        let read =
            |v: &HashMap<String, String>, required| read(v, "on", "the date", required, today);
        assert_eq!(
            read(&typed("3", "7", "2026"), true).unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 3)
        );
        assert_eq!(read(&typed("", "", ""), false).unwrap(), None);
        assert_eq!(
            read(&typed("", "", ""), true).unwrap_err().message,
            "Enter the date"
        );
        assert!(read(&typed("31", "2", "2026"), true)
            .unwrap_err()
            .message
            .contains("real date"));
        assert!(read(&typed("1", "1", "2027"), true)
            .unwrap_err()
            .message
            .contains("today or in the past"));
    }
}
