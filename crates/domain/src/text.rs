//! Small helpers for the words people read.

/// The first letter in capitals, the rest as written: a rule's message ("consent was
/// withdrawn…") as a sentence, or a configured term at the start of one ("CAF" stays "CAF",
/// "lead practitioner" becomes "Lead practitioner").
pub fn sentence_start(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_letter_changes() {
        assert_eq!(
            sentence_start("early help assessment"),
            "Early help assessment"
        );
        assert_eq!(sentence_start("CAF"), "CAF");
        assert_eq!(sentence_start("ßtraße"), "SStraße");
        assert_eq!(sentence_start(""), "");
    }
}
