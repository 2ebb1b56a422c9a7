//! The closed vocabularies of shared resources: licences (SPDX ids, the
//! Creative Commons family, and "all rights reserved") and school levels.

/// `(SPDX id, French label)`. Matching is case-insensitive; the id is
/// stored as written here.
pub const LICENCES: &[(&str, &str)] = &[
    ("CC0-1.0", "Domaine public (CC0)"),
    ("CC-BY-4.0", "Creative Commons Attribution 4.0"),
    (
        "CC-BY-SA-4.0",
        "Creative Commons Attribution, partage dans les mêmes conditions 4.0",
    ),
    (
        "CC-BY-NC-4.0",
        "Creative Commons Attribution, pas d'utilisation commerciale 4.0",
    ),
    (
        "CC-BY-NC-SA-4.0",
        "Creative Commons Attribution, pas d'utilisation commerciale, partage dans les mêmes conditions 4.0",
    ),
    (
        "CC-BY-ND-4.0",
        "Creative Commons Attribution, pas de modification 4.0",
    ),
    (
        "CC-BY-NC-ND-4.0",
        "Creative Commons Attribution, pas d'utilisation commerciale, pas de modification 4.0",
    ),
    ("CC-BY-3.0", "Creative Commons Attribution 3.0"),
    (
        "CC-BY-SA-3.0",
        "Creative Commons Attribution, partage dans les mêmes conditions 3.0",
    ),
    (
        "CC-BY-NC-SA-3.0",
        "Creative Commons Attribution, pas d'utilisation commerciale, partage dans les mêmes conditions 3.0",
    ),
    ("etalab-2.0", "Licence Ouverte 2.0 (Etalab)"),
    ("LAL-1.3", "Licence Art Libre 1.3"),
    (
        "GFDL-1.3-or-later",
        "GNU Free Documentation License 1.3 ou ultérieure",
    ),
    ("MIT", "MIT"),
    ("Apache-2.0", "Apache 2.0"),
    ("GPL-3.0-or-later", "GNU GPL 3.0 ou ultérieure"),
    ("AGPL-3.0-or-later", "GNU AGPL 3.0 ou ultérieure"),
    ("LGPL-3.0-or-later", "GNU LGPL 3.0 ou ultérieure"),
    ("MPL-2.0", "Mozilla Public License 2.0"),
    ("BSD-3-Clause", "BSD à 3 clauses"),
    (ALL_RIGHTS_RESERVED, "Tous droits réservés"),
];

/// Not an SPDX id: the author keeps every right, and Préau says so.
pub const ALL_RIGHTS_RESERVED: &str = "all-rights-reserved";

/// The licence as stored, or a message listing the allowed ones.
pub fn licence(value: &str) -> Result<&'static str, String> {
    let value = value.trim();
    LICENCES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(value))
        .map(|(id, _)| *id)
        .ok_or_else(|| format!("licence: `{value}` is not one of: {}", licence_ids()))
}

/// The allowed licence ids, for messages.
pub fn licence_ids() -> String {
    LICENCES
        .iter()
        .map(|(id, _)| *id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The French label of a stored licence.
pub fn licence_label(id: &str) -> &'static str {
    LICENCES
        .iter()
        .find(|(known, _)| *known == id)
        .map_or("Licence inconnue", |(_, label)| *label)
}

/// School levels: the four cycles of primary and collège, and lycée.
pub const LEVELS: &[&str] = &["cycle-1", "cycle-2", "cycle-3", "cycle-4", "lycee"];

pub fn level(value: &str) -> Result<&'static str, String> {
    let value = value.trim().to_ascii_lowercase();
    LEVELS
        .iter()
        .find(|l| **l == value)
        .copied()
        .ok_or_else(|| format!("levels: `{value}` is not one of: {}", LEVELS.join(", ")))
}

/// The subjects of the national curriculum, from the first cycle to the
/// lycée, as folded keywords: pages name them in the reader's language
/// (`subject.*` in `locales`, with `_` for `-`) and forms suggest them. Any
/// other subject is a free keyword, shown as it is stored.
pub const SUBJECTS: &[&str] = &[
    "francais",
    "mathematiques",
    "langues-vivantes",
    "questionner-le-monde",
    "sciences-et-technologie",
    "histoire-geographie",
    "enseignement-moral-et-civique",
    "arts-plastiques",
    "education-musicale",
    "education-physique-et-sportive",
    "sciences-de-la-vie-et-de-la-terre",
    "physique-chimie",
    "technologie",
    "numerique-et-sciences-informatiques",
    "sciences-economiques-et-sociales",
    "philosophie",
];

/// The folded form of a subject or tag, unchecked: its words joined by `-`.
pub fn fold_keyword(value: &str) -> String {
    crate::directory::text::terms(value).join("-")
}

/// A subject or a tag: a short folded word or phrase (`mathematiques`,
/// `education-musicale`), so that filters match however it was typed.
pub fn keyword(field: &str, value: &str) -> Result<String, String> {
    let folded = fold_keyword(value);
    if folded.is_empty() || folded.len() > 60 {
        return Err(format!(
            "{field}: `{value}` must have 1 to 60 letters or digits"
        ));
    }
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_match_without_case_and_unknown_ones_list_the_allowed() {
        assert_eq!(licence("cc-by-sa-4.0"), Ok("CC-BY-SA-4.0"));
        assert_eq!(licence(" Etalab-2.0 "), Ok("etalab-2.0"));
        assert_eq!(licence("all-rights-reserved"), Ok(ALL_RIGHTS_RESERVED));
        let err = licence("WTFPL").expect_err("unknown");
        assert!(err.contains("CC-BY-4.0") && err.contains("WTFPL"), "{err}");
        assert_eq!(licence_label(ALL_RIGHTS_RESERVED), "Tous droits réservés");
    }

    #[test]
    fn levels_and_keywords_are_normalised() {
        assert_eq!(level("Cycle-3"), Ok("cycle-3"));
        assert!(level("cycle-5").is_err());
        assert_eq!(
            keyword("subjects", "Éducation musicale").as_deref(),
            Ok("education-musicale")
        );
        assert!(keyword("tags", "!!!").is_err());
    }
}
