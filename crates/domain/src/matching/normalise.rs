//! Turning names as typed into comparable tokens.

/// Splits a name into normalised parts: diacritics transliterated ("Zoë" → "zoe",
/// "Łukasz" → "lukasz"), lower case, apostrophes and full stops dropped ("O'Brien" →
/// "obrien"), and split at spaces, hyphens and other punctuation ("Smith-Jones" →
/// ["smith", "jones"]).
pub fn normalise_name(name: &str) -> Vec<String> {
    let ascii = deunicode::deunicode(name);
    let mut parts = Vec::new();
    let mut current = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphabetic() {
            current.push(c.to_ascii_lowercase());
        } else if matches!(c, '\'' | '`' | '.') {
            // Part of the same name: O'Neill, St.John, D`Souza.
            continue;
        } else if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// The tokens indexed for one name: its parts, plus the parts run together when there are
/// several, because "Smith-Jones" is also typed "Smithjones" and "Mary-Jane" "Maryjane".
/// The run-together form, when present, is last.
pub(crate) fn name_tokens(name: &str) -> Vec<String> {
    let mut parts = normalise_name(name);
    // A long run of parts is a data-entry accident, not a name; keep the first few.
    parts.truncate(4);
    if parts.len() > 1 {
        let joined = parts.concat();
        parts.push(joined);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_transliterated_lower_cased_and_split() {
        let cases: &[(&str, &[&str])] = &[
            ("Zoë", &["zoe"]),
            ("Łukasz", &["lukasz"]),
            ("Siobhán Ní Bhriain", &["siobhan", "ni", "bhriain"]),
            ("O'Brien", &["obrien"]),
            ("Smith-Jones", &["smith", "jones"]),
            ("  mary   jane ", &["mary", "jane"]),
            ("Nguyễn", &["nguyen"]),
            ("", &[]),
            ("--", &[]),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise_name(input), *expected, "{input}");
        }
    }

    #[test]
    fn several_parts_are_also_indexed_run_together() {
        assert_eq!(
            name_tokens("Smith-Jones"),
            vec!["smith", "jones", "smithjones"]
        );
        assert_eq!(name_tokens("Smith"), vec!["smith"]);
    }
}
