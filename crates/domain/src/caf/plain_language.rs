//! The plain-language check: before sign-off, what the family will read is checked against a
//! glossary of jargon and unexplained acronyms, and each hit is shown in its context with a
//! plainer alternative. The practitioner may still go ahead; the check only points.
use serde::{Deserialize, Serialize};

/// A glossary entry: the term as written, and what to say instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub term: String,
    pub instead: String,
}

/// The default glossary (an authority edits its own). Acronyms here count as explained when
/// the text spells them out somewhere, e.g. "team around the family (TAF)".
pub const DEFAULT_GLOSSARY: &[(&str, &str)] = &[
    ("TAC", "team around the child"),
    ("TAF", "team around the family"),
    ("LP", "lead professional"),
    ("CIN", "child in need"),
    ("CP", "child protection"),
    ("CSC", "children's social care"),
    ("CAMHS", "child and adolescent mental health service"),
    ("SENCO", "the school's special needs coordinator"),
    ("SEND", "special educational needs and disabilities"),
    ("EHCP", "education, health and care plan"),
    ("MASH", "the council's safeguarding front door"),
    ("PCI", "Parent/Child Indicator score"),
    ("DV", "domestic abuse"),
    ("DNA", "did not attend"),
    ("NFA", "no further action"),
    ("safeguarding concerns", "worries about a child's safety"),
    ("disengaged", "has stopped taking part"),
    ("non-compliant", "has not done what was agreed"),
    ("multi-agency", "more than one service"),
    ("step up", "ask children's social care to help"),
    (
        "step down",
        "move from children's social care to early help",
    ),
    ("thresholds", "the level of need for a service"),
    ("presenting needs", "what the family needs help with"),
    ("signposted", "given the details of"),
];

/// One place where the text uses a glossary term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Where in the text (a byte offset), for ordering.
    pub at: usize,
    pub term: String,
    pub instead: String,
    /// Up to 40 characters either side, for the practitioner to find it.
    pub context: String,
}

/// Every use of a glossary term in `text`. Acronyms (all capitals) match whole words in
/// capitals only and are skipped when the text explains them (the plain words appear);
/// other terms match whole words in any case.
pub fn check(text: &str, glossary: &[Term]) -> Vec<Hit> {
    // ASCII lower case keeps every byte where it was, so positions found in it are positions
    // in `text` (the glossary is English words).
    let lower = text.to_ascii_lowercase();
    let mut hits = Vec::new();
    for entry in glossary {
        let acronym = entry.term.chars().all(|c| c.is_ascii_uppercase());
        if acronym && lower.contains(&entry.instead.to_ascii_lowercase()) {
            continue;
        }
        let (haystack, needle) = if acronym {
            (text.to_string(), entry.term.clone())
        } else {
            (lower.clone(), entry.term.to_ascii_lowercase())
        };
        let mut from = 0;
        while let Some(found) = haystack[from..].find(&needle) {
            let start = from + found;
            let end = start + needle.len();
            from = end;
            let before = haystack[..start].chars().next_back();
            let after = haystack[end..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            if !(boundary(before) && boundary(after)) {
                continue;
            }
            hits.push(Hit {
                at: start,
                term: entry.term.clone(),
                instead: entry.instead.clone(),
                context: context(text, start, end),
            });
        }
    }
    hits.sort_by_key(|h| h.at);
    hits
}

/// `text` around bytes `start..end`, cut on character boundaries, with "…" where cut.
fn context(text: &str, start: usize, end: usize) -> String {
    let from = text[..start]
        .char_indices()
        .rev()
        .nth(39)
        .map_or(0, |(i, _)| i);
    let to = text[end..]
        .char_indices()
        .nth(40)
        .map_or(text.len(), |(i, _)| end + i);
    format!(
        "{}{}{}",
        if from > 0 { "…" } else { "" },
        &text[from..to],
        if to < text.len() { "…" } else { "" }
    )
}

/// The default glossary as terms.
pub fn default_glossary() -> Vec<Term> {
    DEFAULT_GLOSSARY
        .iter()
        .map(|(term, instead)| Term {
            term: (*term).into(),
            instead: (*instead).into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jargon_and_unexplained_acronyms_are_found_in_context() {
        let text = "Referred to CAMHS. Mum has disengaged from the TAF since March.";
        let hits = check(text, &default_glossary());
        let terms: Vec<&str> = hits.iter().map(|h| h.term.as_str()).collect();
        assert_eq!(terms, ["CAMHS", "disengaged", "TAF"]);
        assert_eq!(
            hits[0].instead,
            "child and adolescent mental health service"
        );
        assert!(hits[2].context.contains("from the TAF since"));
    }

    #[test]
    fn explained_acronyms_whole_words_and_case_are_respected() {
        let glossary = default_glossary();
        // Explained once, then used: fine.
        assert!(check(
            "The team around the family (TAF) met. The TAF agreed.",
            &glossary
        )
        .is_empty());
        // Not inside other words, and acronyms only in capitals.
        assert!(check("Lpool, taffeta, descend, a cp of tea", &glossary).is_empty());
        // Phrases in any case.
        assert_eq!(
            check("Safeguarding Concerns were raised", &glossary).len(),
            1
        );
    }

    #[test]
    fn context_is_cut_on_character_boundaries() {
        let text = format!("{} TAF {}", "é".repeat(60), "ü".repeat(60));
        let hit = &check(&text, &default_glossary())[0];
        assert!(hit.context.starts_with('…') && hit.context.ends_with('…'));
        assert_eq!(hit.context.chars().filter(|c| *c == 'é').count(), 39);
        // Letters whose lower case is longer do not shift what is found.
        let hits = check("İİİ Safeguarding concerns", &default_glossary());
        assert_eq!(hits[0].context, "İİİ Safeguarding concerns");
    }
}
