//! Turning names as typed into comparable tokens.
//!
//! The work done for a searched word (its deletion neighbourhood, its similarity to known
//! words) grows with the square of its length, so whatever a caller passes in, only a bounded
//! part of a name ever reaches the rest of the matcher: its first [`MAX_NAME_CHARS`]
//! characters, its first [`MAX_NAME_PARTS`] parts, and words of at most [`MAX_WORD_BYTES`].

/// Most characters of a name the matcher reads. Names on the register and in a search are
/// held to this length before they get here (person details, `SearchTerms`); the cut is for
/// callers that skip those checks.
pub const MAX_NAME_CHARS: usize = 100;
/// Most parts of a name the matcher uses ("Mary Jane" has two, "Smith-Jones" two).
pub const MAX_NAME_PARTS: usize = 4;
/// Longest word the matcher compares, in letters of its transliterated form (one character
/// can transliterate to several letters). Longer words are cut to this; the similarity
/// functions' fast paths cover words this long.
pub(crate) const MAX_WORD_BYTES: usize = 64;

/// Splits a name into normalised parts: diacritics transliterated ("Zoë" → "zoe",
/// "Łukasz" → "lukasz"), lower case, apostrophes and full stops dropped ("O'Brien" →
/// "obrien"), and split at spaces, hyphens and other punctuation ("Smith-Jones" →
/// ["smith", "jones"]). Only the first [`MAX_NAME_CHARS`] characters are read, and each part
/// is cut to [`MAX_WORD_BYTES`] letters.
pub fn normalise_name(name: &str) -> Vec<String> {
    let end = name
        .char_indices()
        .nth(MAX_NAME_CHARS)
        .map_or(name.len(), |(at, _)| at);
    let ascii = deunicode::deunicode(&name[..end]);
    let mut parts = Vec::new();
    let mut current = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphabetic() {
            if current.len() < MAX_WORD_BYTES {
                current.push(c.to_ascii_lowercase());
            }
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
/// The run-together form, when present, is last. At most [`MAX_NAME_PARTS`] parts are kept
/// (a long run of parts is a data-entry accident, not a name), and the run-together form is
/// cut to [`MAX_WORD_BYTES`] like every other word.
pub(crate) fn name_tokens(name: &str) -> Vec<String> {
    let mut parts = normalise_name(name);
    parts.truncate(MAX_NAME_PARTS);
    if parts.len() > 1 {
        let mut joined = parts.concat();
        joined.truncate(MAX_WORD_BYTES);
        parts.push(joined);
    }
    parts
}

/// Words of addresses typed short, and what they stand for.
const ADDRESS_WORDS: &[(&str, &str)] = &[
    ("rd", "road"),
    ("st", "street"),
    ("ln", "lane"),
    ("ave", "avenue"),
    ("av", "avenue"),
    ("dr", "drive"),
    ("cl", "close"),
    ("ct", "court"),
    ("cres", "crescent"),
    ("cr", "crescent"),
    ("pl", "place"),
    ("sq", "square"),
    ("gdns", "gardens"),
    ("gds", "gardens"),
    ("ter", "terrace"),
    ("terr", "terrace"),
    ("gr", "grove"),
    ("pk", "park"),
    ("wy", "way"),
    ("flt", "flat"),
];

/// A line of an address (or a town) as one number, 0 for nothing: transliterated, lower case,
/// punctuation dropped, words typed short written out ("4, Mill Ln." and "4 mill lane" are
/// the same), and hashed. Only the first 200 characters are read.
pub(crate) fn address_key(line: &str) -> u64 {
    let end = line
        .char_indices()
        .nth(MAX_NAME_CHARS * 2)
        .map_or(line.len(), |(at, _)| at);
    let ascii = deunicode::deunicode(&line[..end]).to_ascii_lowercase();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = 0;
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .map(|w| w.replace('\'', ""))
        .filter(|w| !w.is_empty())
    {
        let word = ADDRESS_WORDS
            .iter()
            .find(|(short, _)| *short == word)
            .map_or(word.as_str(), |(_, long)| long);
        for b in word.bytes().chain(std::iter::once(b' ')) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        words += 1;
    }
    // Never 0, which means "no address".
    if words == 0 {
        0
    } else {
        hash | 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lines_agree_however_typed() {
        let mill = address_key("4 Mill Lane");
        assert_ne!(mill, 0);
        for same in ["4, Mill Ln.", "  4 MILL lane ", "4 Mill  Lane"] {
            assert_eq!(address_key(same), mill, "{same}");
        }
        assert_ne!(address_key("14 Mill Lane"), mill);
        assert_ne!(address_key("4 Mill Road"), mill);
        assert_eq!(address_key(" , "), 0);
    }

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

    #[test]
    fn only_the_first_hundred_characters_of_a_name_are_read() {
        // 33 × "ab " is 99 characters; the 100th is the "a" of the 34th.
        let parts = normalise_name(&"ab ".repeat(100_000));
        assert_eq!(parts.len(), 34);
        assert_eq!(parts.last().map(String::as_str), Some("a"));
        // Characters, not bytes: "ë" is two bytes, and the cut never splits one.
        let zoe = normalise_name(&"Zoë ".repeat(100_000));
        assert_eq!(zoe.len(), 25);
    }

    #[test]
    fn tokens_are_bounded_in_number_and_length_whatever_the_input() {
        let long_word = "a".repeat(1_000_000);
        let many_words = "Mary ".repeat(200_000);
        let parts_of_words = format!("{} {}", "b".repeat(60), "c".repeat(60));
        // One character that transliterates to many letters ("ﷺ" is a whole phrase).
        let expanding = "\u{FDFA}".repeat(1_000);
        for name in [&long_word, &many_words, &parts_of_words, &expanding] {
            let tokens = name_tokens(name);
            assert!(tokens.len() <= MAX_NAME_PARTS + 1, "{tokens:?}");
            assert!(
                tokens
                    .iter()
                    .all(|t| !t.is_empty() && t.len() <= MAX_WORD_BYTES),
                "{tokens:?}"
            );
        }
        assert_eq!(name_tokens(&long_word), vec!["a".repeat(MAX_WORD_BYTES)]);
        // The run-together form is cut too.
        assert_eq!(name_tokens(&parts_of_words)[2].len(), MAX_WORD_BYTES);
    }
}
