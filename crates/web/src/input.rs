//! Characters no answer may hold, refused at the edge for every page form, query string and
//! JSON body, before any handler or database sees them.
//!
//! PostgreSQL cannot store NUL in text at all (the write fails) while SQLite stores it
//! silently, and other control characters (escape sequences, C1 controls) hide in pasted
//! text and corrupt what is shown, printed and exported. So both databases get the same
//! answer: a specific "remove it and try again" that names the field, and nothing changed.
//! Tabs and line breaks are the only control characters an answer may contain.
use crate::error::{problem, ErrorPage, FieldProblem};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// A control character that may not be stored.
fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Where a forbidden character was found.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The form field, query parameter or JSON pointer.
    field: String,
}

impl Refusal {
    /// The GOV.UK error page for a page request, problem details for the API.
    pub fn respond(self, is_page: bool) -> Response {
        if is_page {
            let label = self.field.replace('_', " ");
            let mut response = StatusCode::BAD_REQUEST.into_response();
            response.extensions_mut().insert(ErrorPage {
                title: "Sorry, there is a problem with what you entered".into(),
                detail: format!(
                    "Your answer for “{label}” contains a hidden control character that cannot be stored (this can happen when text is pasted from another program). Nothing was changed. Go back, retype that answer and try again."
                ),
            });
            response
        } else {
            problem(
                StatusCode::BAD_REQUEST,
                format!(
                    "{} contains a control character (such as NUL or ESC); only tab, line feed and carriage return are allowed. Nothing was changed.",
                    self.field
                ),
                vec![FieldProblem {
                    field: self.field,
                    message: "Remove control characters".into(),
                }],
            )
        }
    }
}

/// The name of a form field or query parameter, cut short so a refusal never echoes a
/// megabyte.
fn named(field: &str) -> String {
    field.chars().take(60).collect()
}

pub fn check_pairs(pairs: &[(String, String)]) -> Result<(), Refusal> {
    match pairs
        .iter()
        .find(|(k, v)| k.chars().any(forbidden) || v.chars().any(forbidden))
    {
        Some((k, _)) => Err(Refusal {
            field: named(&k.replace(forbidden, "?")),
        }),
        None => Ok(()),
    }
}

/// The decoded pairs of a form body or query string (empty if it cannot be read: the
/// handler's own extractor then reports that).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

pub fn check_query(query: Option<&str>) -> Result<(), Refusal> {
    match query {
        Some(q) => check_pairs(&form_pairs(q.as_bytes())),
        None => Ok(()),
    }
}

/// The fields of a page form, or none when the body is not a URL-encoded form.
pub fn form_fields(headers: &HeaderMap, body: &[u8]) -> Vec<(String, String)> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        form_pairs(body)
    } else {
        Vec::new()
    }
}

pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.starts_with("application/json") || ct.contains("+json")
        })
}

/// A JSON body's strings (keys and values) checked; a body that is not JSON is left to the
/// handler's extractor to report.
pub fn check_json(body: &[u8]) -> Result<(), Refusal> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => check_value(&value, &mut String::new()),
        Err(_) => Ok(()),
    }
}

/// Depth-first, building the JSON pointer (RFC 6901) of where the character was found.
fn check_value(value: &serde_json::Value, pointer: &mut String) -> Result<(), Refusal> {
    use serde_json::Value;
    let refuse = |pointer: &str| Refusal {
        field: named(if pointer.is_empty() { "/" } else { pointer }),
    };
    match value {
        Value::String(s) if s.chars().any(forbidden) => Err(refuse(pointer)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                check_value(item, pointer)?;
                pointer.truncate(len);
            }
            Ok(())
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(
                    &key.replace(forbidden, "?")
                        .replace('~', "~0")
                        .replace('/', "~1"),
                );
                if key.chars().any(forbidden) {
                    return Err(refuse(pointer));
                }
                check_value(item, pointer)?;
                pointer.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_and_line_breaks_pass_other_controls_do_not() {
        for ok in [
            "plain",
            "two\nlines",
            "a\ttab",
            "crlf\r\n",
            "Zoë Ñúñez",
            "emoji 🙂",
        ] {
            assert!(!ok.chars().any(forbidden), "{ok:?}");
        }
        for bad in [
            "nul\0",
            "esc\u{1b}[31m",
            "del\u{7f}",
            "c1\u{85}",
            "bell\u{7}",
        ] {
            assert!(bad.chars().any(forbidden), "{bad:?}");
        }
    }

    #[test]
    fn a_form_field_with_nul_is_named() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        assert_eq!(
            check_pairs(&form_fields(&headers, b"email=a%00b&password=x")),
            Err(Refusal {
                field: "email".into()
            })
        );
        assert_eq!(check_pairs(&form_fields(&headers, b"email=a%0Ab")), Ok(()));
        assert!(
            form_fields(&HeaderMap::new(), b"email=a%00b").is_empty(),
            "not a form"
        );
    }

    #[test]
    fn a_json_string_with_nul_is_named_by_its_pointer() {
        assert_eq!(
            check_json(br#"{"names": [{"given": "ok"}, {"given": "b\u0000d"}]}"#),
            Err(Refusal {
                field: "/names/1/given".into()
            })
        );
        assert_eq!(
            check_json(br#"{"a/b~": "\u001b"}"#).unwrap_err().field,
            "/a~1b~0"
        );
        assert_eq!(check_json(br#"{"fine": "line\nbreak"}"#), Ok(()));
        assert_eq!(check_json(b"not json"), Ok(()));
    }

    #[test]
    fn a_query_parameter_with_escape_is_named() {
        assert_eq!(
            check_query(Some("given=Amy&family=%1B")),
            Err(Refusal {
                field: "family".into()
            })
        );
        assert_eq!(check_query(Some("given=Amy")), Ok(()));
    }
}
