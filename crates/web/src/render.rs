//! Templates: minijinja sources embedded in the binary, auto-escaped, with GOV.UK component
//! macros in `templates/components/`.
use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use minijinja::{Environment, Error, ErrorKind, Value};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

pub struct Templates {
    env: Environment<'static>,
}

/// A moment as the pages' sentences give it: "1 December 2026 at 9:33am", London time. (The
/// `datetime` filter shortens whole hours; a sentence keeps the minutes.)
pub(crate) fn moment(at: DateTime<Utc>) -> String {
    at.with_timezone(&London)
        .format("%-d %B %Y at %-I:%M%P")
        .to_string()
}

/// Dates are stored in UTC and shown in Europe/London, as "25 November 2026 at 3:30pm".
fn datetime(value: Value) -> Result<String, Error> {
    let text = value.to_string();
    let parsed: DateTime<Utc> = text
        .parse()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "not a date-time"))?;
    Ok(moment(parsed).replace(":00", ""))
}

fn date(value: Value) -> Result<String, Error> {
    let text = value.to_string();
    if let Ok(parsed) = text.parse::<DateTime<Utc>>() {
        return Ok(parsed
            .with_timezone(&London)
            .format("%-d %B %Y")
            .to_string());
    }
    let parsed: chrono::NaiveDate = text
        .parse()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "not a date"))?;
    Ok(parsed.format("%-d %B %Y").to_string())
}

/// A date of birth with the age beside it, "12 March 2015 (11 years)", or "due 12 March 2027"
/// for an expected one; `today` is the page's (in London), as the `today` global gives it.
fn born(value: Value, expected: Option<bool>, today: Option<String>) -> Result<String, Error> {
    let date: chrono::NaiveDate = value
        .to_string()
        .parse()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "not a date"))?;
    let today: chrono::NaiveDate = today
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "born needs today"))?;
    Ok(ecaf_domain::person::date_of_birth_with_age(
        date,
        expected.unwrap_or(false),
        today,
    ))
}

/// Upper-case the first letter only (Jinja's `capitalize` would lower-case names after it).
fn sentence(value: String) -> String {
    ecaf_domain::text::sentence_start(&value)
}

impl Templates {
    pub fn load(config: &crate::WebConfig) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        // The service's own words, the same on every page, error pages included.
        env.add_global("service_name", config.service_name.clone());
        env.add_global(
            "organisation_name",
            config
                .organisation_name
                .clone()
                .unwrap_or_else(|| config.service_name.clone()),
        );
        env.set_loader(|name| {
            Ok(TemplateFiles::get(name)
                .map(|file| String::from_utf8_lossy(&file.data).into_owned()))
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.add_filter("datetime", datetime);
        env.add_filter("date", date);
        env.add_filter("sentence", sentence);
        env.add_filter("born", born);
        // Fail at start, not on a user's request, if a template does not compile or uses a
        // filter that does not exist (minijinja only finds those while rendering the branch
        // that uses them: a disabled `urlencode` once made every signed-out deep link a 500).
        for name in TemplateFiles::iter() {
            env.get_template(&name)
                .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
            let source = TemplateFiles::get(&name)
                .map(|file| String::from_utf8_lossy(&file.data).into_owned())
                .unwrap_or_default();
            for filter in filters_used(&source) {
                let probe = format!("{{{{ none|{filter} }}}}");
                if let Err(err) = env.render_str(&probe, ()) {
                    if err.kind() == ErrorKind::UnknownFilter {
                        anyhow::bail!("template {name} uses the unknown filter `{filter}`");
                    }
                }
            }
        }
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, ctx: Value) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        Ok(template.render(ctx)?)
    }
}

/// The names after `|` inside `{{ … }}` and `{% … %}`.
fn filters_used(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find(['{']) {
        rest = &rest[start + 1..];
        let close = match rest.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => continue,
        };
        let Some(end) = rest.find(close) else { break };
        let tag = &rest[1..end];
        for piece in tag.split('|').skip(1) {
            let name: String = piece
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !found.contains(&name) {
                found.push(name);
            }
        }
        rest = &rest[end..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_shown_in_london_time() {
        // 25 November is GMT; 1 July is BST (UTC+1).
        assert_eq!(
            datetime(Value::from("2026-11-25T15:30:00Z")).unwrap(),
            "25 November 2026 at 3:30pm"
        );
        assert_eq!(
            datetime(Value::from("2026-07-01T09:00:00Z")).unwrap(),
            "1 July 2026 at 10am"
        );
        assert_eq!(date(Value::from("2026-07-01")).unwrap(), "1 July 2026");
    }

    #[test]
    fn dates_of_birth_carry_the_age_on_the_day_shown() {
        let today = Some("2026-12-01".to_string());
        assert_eq!(
            born(Value::from("2015-03-12"), None, today.clone()).unwrap(),
            "12 March 2015 (11 years)"
        );
        assert_eq!(
            born(Value::from("2026-06-20"), Some(false), today.clone()).unwrap(),
            "20 June 2026 (5 months)"
        );
        assert_eq!(
            born(Value::from("2027-03-12"), Some(true), today).unwrap(),
            "due 12 March 2027"
        );
    }

    #[test]
    fn filters_are_found_in_tags_only() {
        assert_eq!(
            filters_used("a | b {{ x|urlencode }} {% for y in z|sort %}{{ y | date }}{% endfor %}"),
            vec!["urlencode", "sort", "date"]
        );
        // The check at load refuses a filter minijinja does not have.
        let mut env = Environment::new();
        env.add_filter("date", date);
        assert_eq!(
            env.render_str("{{ none|no_such_filter }}", ())
                .unwrap_err()
                .kind(),
            ErrorKind::UnknownFilter
        );
    }

    #[test]
    fn every_template_compiles_and_escapes() {
        let templates = Templates::load(&crate::WebConfig::default()).unwrap();
        let html = templates
            .render(
                "errors/error.html",
                minijinja::context! { title => "<b>x</b>", detail => "d" },
            )
            .unwrap();
        assert!(html.contains("&lt;b&gt;x&lt;") && !html.contains("<b>x"));
    }
}
