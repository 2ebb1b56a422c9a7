//! Folding text for search: both backends index and query the same plain
//! words (lower case ASCII, no accents, no punctuation), so that `ecole`
//! finds `École` and `saint nazaire` finds `Saint-Nazaire` everywhere.

/// Lower case without accents (`École` → `ecole`, `œ` → `oe`), punctuation
/// kept: for comparing labels.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text.trim()).to_ascii_lowercase()
}

/// The words of a text, folded and joined by single spaces: what the
/// full-text indexes store.
pub fn words(text: &str) -> String {
    terms(text).join(" ")
}

/// The words of a text, folded, at most 12 of at most 40 characters: a
/// search query cannot grow without bound.
pub fn terms(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| w.chars().take(40).collect())
        .collect()
}

/// The indexed text of several fields.
pub fn search_text<'a>(fields: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let joined: Vec<&str> = fields.into_iter().flatten().collect();
    words(&joined.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_ligatures_fold_away() {
        assert_eq!(fold("École Élémentaire"), "ecole elementaire");
        assert_eq!(fold("Cœur de Lycée"), "coeur de lycee");
        assert_eq!(fold(" Médico-social "), "medico-social");
    }

    #[test]
    fn words_split_on_punctuation_and_apostrophes() {
        assert_eq!(
            words("L'École Saint-Nazaire (44)"),
            "l ecole saint nazaire 44"
        );
        assert_eq!(
            search_text([Some("Collège"), None, Some("0441234A")]),
            "college 0441234a"
        );
    }

    #[test]
    fn queries_are_bounded() {
        let long = "mot ".repeat(50);
        assert_eq!(terms(&long).len(), 12);
        assert_eq!(terms(&"a".repeat(100))[0].len(), 40);
        assert!(
            terms("'; DROP TABLE --")
                .iter()
                .all(|t| t.chars().all(|c| c.is_ascii_alphanumeric()))
        );
    }
}
