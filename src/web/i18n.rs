//! The words of the web interface, in French and English. Every string a
//! page shows comes from `locales/{fr,en}/*.toml` (one file per area, keys
//! `area.name`), embedded in the binary; a test keeps both languages and
//! the templates in step.

use std::{fmt::Display, sync::LazyLock};

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// The languages of the interface. French is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub const ALL: [Locale; crate::services::directory_copies::LANGUAGES] =
        [Locale::Fr, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Self::Fr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language a browser prefers among ours (`Accept-Language`, with
    /// its q-values), or French.
    pub fn negotiate(accept_language: Option<&str>) -> Self {
        let Some(header) = accept_language else {
            return Self::Fr;
        };
        let mut best: Option<(f32, Self)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(locale) = Self::parse(primary)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, locale));
            }
        }
        best.map_or(Self::Fr, |(_, l)| l)
    }
}

/// Keyed with FxHash: a page looks up a hundred keys or more, all our
/// own (none comes from a request), and SipHash's defence against chosen
/// keys was most of the cost of each lookup.
type Catalog = rustc_hash::FxHashMap<String, String>;

/// The files of each language, area by area.
const FR: &[&str] = &[
    include_str!("../../locales/fr/common.toml"),
    include_str!("../../locales/fr/account.toml"),
    include_str!("../../locales/fr/announcements.toml"),
    include_str!("../../locales/fr/directory.toml"),
    include_str!("../../locales/fr/resources.toml"),
    include_str!("../../locales/fr/admin.toml"),
    include_str!("../../locales/fr/refused.toml"),
];
const EN: &[&str] = &[
    include_str!("../../locales/en/common.toml"),
    include_str!("../../locales/en/account.toml"),
    include_str!("../../locales/en/announcements.toml"),
    include_str!("../../locales/en/directory.toml"),
    include_str!("../../locales/en/resources.toml"),
    include_str!("../../locales/en/admin.toml"),
    include_str!("../../locales/en/refused.toml"),
];

fn flatten(prefix: &str, table: &toml::Table, into: &mut Catalog) {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, into),
            toml::Value::String(text) => {
                into.insert(key, text.clone());
            }
            // A catalog is only strings; `catalogs_parse` fails otherwise.
            other => {
                into.insert(key, other.to_string());
            }
        }
    }
}

fn load(files: &[&str]) -> Catalog {
    let mut catalog = Catalog::default();
    for file in files {
        // The files are part of the binary and checked by a unit test.
        match file.parse::<toml::Table>() {
            Ok(table) => flatten("", &table, &mut catalog),
            Err(error) => tracing::error!(%error, "a translation file does not parse"),
        }
    }
    catalog
}

static CATALOGS: LazyLock<[Catalog; 2]> = LazyLock::new(|| [load(FR), load(EN)]);

/// How a page speaks to its reader: the words of one language, for
/// templates (`{{ c.t("nav.timeline") }}`), and dates on the reader's clock.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: Locale,
    pub zone: Tz,
}

impl Tr {
    pub fn new(locale: Locale, zone: Tz) -> Self {
        Self { locale, zone }
    }

    fn catalog(self) -> &'static Catalog {
        &CATALOGS[self.locale as usize]
    }

    /// A date and time as people read them, on the reader's clock.
    pub fn date(&self, t: DateTime<Utc>) -> String {
        // Written out rather than with `format("%d/%m…")`, which parses its
        // pattern again on every call: a timeline shows forty dates.
        let l = t.with_timezone(&self.zone);
        let (year, month, day) = (l.year(), l.month(), l.day());
        let (hour, minute) = (l.hour(), l.minute());
        match self.locale {
            Locale::Fr => format!("{day:02}/{month:02}/{year} à {hour:02}:{minute:02}"),
            Locale::En => format!("{year}-{month:02}-{day:02} {hour:02}:{minute:02}"),
        }
    }

    /// The clock dates are shown on (`Europe/Paris`).
    pub fn zone(&self) -> &'static str {
        self.zone.name()
    }

    /// The value of a `datetime-local` field: the reader's clock, no zone.
    pub fn input_time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.zone)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// A time typed on the reader's clock. At the autumn change the hour
    /// that comes twice is taken the first time; `None` for a time the
    /// spring change skips.
    pub fn read_time(&self, typed: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.zone
            .from_local_datetime(&typed)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The text of a key; a missing key shows itself (and the test that
    /// scans the templates fails before that ships).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.catalog()
            .get(key)
            .or_else(|| CATALOGS[Locale::Fr as usize].get(key))
            .map_or(key, String::as_str)
    }

    /// The text of a key with `{name}` placeholders filled.
    pub fn f(&self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut text = self.t(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }

    /// What a page says of a refusal: its words in this language when the
    /// service gave them; else its message to English readers (the API's
    /// words), and what its kind means to others.
    pub fn explain(&self, error: &crate::error::AppError) -> String {
        use crate::error::ErrorKind;
        match &error.said {
            None if self.locale != Locale::En => self
                .t(match error.kind {
                    ErrorKind::NotFound => "refused.generic_not_found",
                    ErrorKind::Unauthorized | ErrorKind::Forbidden => "refused.generic_forbidden",
                    ErrorKind::Invalid | ErrorKind::BadRequest => "refused.generic_invalid",
                    ErrorKind::Conflict => "refused.generic_conflict",
                    ErrorKind::PayloadTooLarge => "refused.generic_too_large",
                    ErrorKind::TooManyRequests => "refused.generic_too_many",
                    ErrorKind::Unavailable | ErrorKind::Internal => "refused.generic_internal",
                })
                .to_string(),
            Some(said) => {
                let args: Vec<(&str, &dyn Display)> = said
                    .args
                    .iter()
                    .map(|(name, value)| (*name, value as &dyn Display))
                    .collect();
                self.f(said.key, &args)
            }
            None => error.message.to_string(),
        }
    }

    /// A one-argument `{n}` shortcut for counts, usable from templates.
    pub fn n(&self, key: &str, n: i64) -> String {
        self.f(key, &[("n", &n)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_parse_and_hold_only_strings() {
        for file in FR.iter().chain(EN) {
            let table: toml::Table = file.parse().expect("translation file parses");
            fn strings_only(t: &toml::Table) {
                for (k, v) in t {
                    match v {
                        toml::Value::Table(inner) => strings_only(inner),
                        toml::Value::String(_) => {}
                        other => panic!("{k} is not a string: {other}"),
                    }
                }
            }
            strings_only(&table);
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let [fr, en] = &*CATALOGS;
        let missing_en: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
        let missing_fr: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(missing_fr.is_empty(), "missing in French: {missing_fr:?}");
    }

    /// A translation that forgets a `{placeholder}` shows less than the
    /// other language; one that invents one shows it raw.
    #[test]
    fn both_languages_fill_the_same_placeholders() {
        let placeholders = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
                .collect();
            names.sort();
            names
        };
        let [fr, en] = &*CATALOGS;
        let differ: Vec<&String> = fr
            .iter()
            .filter(|(key, text)| {
                en.get(*key)
                    .is_some_and(|other| placeholders(text) != placeholders(other))
            })
            .map(|(key, _)| key)
            .collect();
        assert!(differ.is_empty(), "placeholders differ: {differ:?}");
    }

    const AREAS: &[&str] = &[
        "common",
        "nav",
        "error",
        "role",
        "kind",
        "account",
        "announcements",
        "directory",
        "resources",
        "admin",
        "audit",
        "refused",
    ];

    /// Every `t("…")`, `n("…"` and `f("…"` in the templates and the web
    /// code, and every key-like literal in the web and service code (the
    /// services' refusals), names a key that exists.
    #[test]
    fn every_key_used_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["templates", "src/web", "src/services"] {
            let mut stack = vec![root.join(dir)];
            while let Some(path) = stack.pop() {
                for entry in std::fs::read_dir(&path).expect("readable directory") {
                    let path = entry.expect("entry").path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "html" || e == "rs")
                        && !path.ends_with("i18n.rs")
                    {
                        sources.push(path);
                    }
                }
            }
        }
        let [fr, _] = &*CATALOGS;
        let mut unknown = Vec::new();
        let mut used = 0;
        for path in sources {
            let text = std::fs::read_to_string(&path).expect("readable source");
            // Keys chosen in code (`"role.admin"` returned by a match) are
            // string literals starting with an area of the catalogs.
            if path.extension().is_some_and(|e| e == "rs") {
                for (at, _) in text.match_indices('"') {
                    let rest = &text[at + 1..];
                    let Some(end) = rest.find('"') else { continue };
                    let literal = &rest[..end];
                    let area = literal.split('.').next().unwrap_or("");
                    if AREAS.contains(&area)
                        && literal.len() > area.len() + 1
                        && !literal.ends_with(".html")
                        && literal.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                        })
                    {
                        used += 1;
                        if !fr.contains_key(literal) {
                            unknown.push(format!("{}: {literal}", path.display()));
                        }
                    }
                }
            }
            for call in ["t(\"", "n(\"", "f(\""] {
                for (at, _) in text.match_indices(call) {
                    let rest = &text[at + call.len()..];
                    let Some(end) = rest.find('"') else { continue };
                    let key = &rest[..end];
                    // Keys are `area.name`; other calls with a string
                    // argument (`f("x")` in code) are not keys.
                    if !key.contains('.') || key.contains(' ') {
                        continue;
                    }
                    used += 1;
                    if !fr.contains_key(key) {
                        unknown.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(used > 50, "the scan found only {used} keys");
        assert!(unknown.is_empty(), "unknown keys: {unknown:#?}");
    }

    #[test]
    fn accept_language_picks_our_best_language() {
        assert_eq!(Locale::negotiate(None), Locale::Fr);
        assert_eq!(Locale::negotiate(Some("en-GB,en;q=0.9")), Locale::En);
        assert_eq!(
            Locale::negotiate(Some("de-DE,en;q=0.5,fr;q=0.8")),
            Locale::Fr
        );
        assert_eq!(Locale::negotiate(Some("de, it")), Locale::Fr);
        assert_eq!(Locale::negotiate(Some("en;q=0")), Locale::Fr);
    }

    #[test]
    fn dates_are_on_the_readers_clock() {
        let paris = Tr::new(Locale::Fr, chrono_tz::Europe::Paris);
        let at = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
                .expect("time")
                .and_utc()
        };
        // Winter is UTC+1, summer UTC+2.
        assert_eq!(paris.date(at("2026-12-01 16:00")), "01/12/2026 à 17:00");
        assert_eq!(paris.date(at("2026-07-01 16:00")), "01/07/2026 à 18:00");
        let reunion = Tr::new(Locale::En, chrono_tz::Indian::Reunion);
        assert_eq!(reunion.date(at("2026-12-01 16:00")), "2026-12-01 20:00");
        assert_eq!(paris.input_time(at("2026-12-01 16:00")), "2026-12-01T17:00");
    }

    #[test]
    fn typed_times_are_read_on_the_readers_clock() {
        let paris = Tr::new(Locale::Fr, chrono_tz::Europe::Paris);
        let typed = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("time");
        let read = |s: &str| paris.read_time(typed(s)).map(|t| t.to_rfc3339());
        assert_eq!(
            read("2026-12-01T17:00").as_deref(),
            Some("2026-12-01T16:00:00+00:00")
        );
        // 29 March 2026, 02:30 does not exist; 25 October, 02:30 comes twice.
        assert_eq!(read("2026-03-29T02:30"), None);
        assert_eq!(
            read("2026-10-25T02:30").as_deref(),
            Some("2026-10-25T00:30:00+00:00")
        );
    }

    #[test]
    fn a_refusal_is_said_in_the_readers_language() {
        use crate::error::AppError;
        let (fr, en) = (
            Tr::new(Locale::Fr, chrono_tz::UTC),
            Tr::new(Locale::En, chrono_tz::UTC),
        );
        let said = AppError::invalid("title: between 1 and 200 characters")
            .says("refused.title_length", &[("max", &200)]);
        assert_eq!(
            fr.explain(&said),
            "Le titre doit compter de 1 à 200 caractères."
        );
        assert_eq!(
            en.explain(&said),
            "The title must have 1 to 200 characters."
        );
        // Without words of its own: the API's message in English only.
        let bare = AppError::not_found("announcement");
        assert_eq!(fr.explain(&bare), fr.t("refused.generic_not_found"));
        assert_eq!(en.explain(&bare), "announcement not found");
    }

    #[test]
    fn placeholders_are_filled() {
        let tr = Tr::new(Locale::En, chrono_tz::UTC);
        assert_eq!(tr.t("no.such.key"), "no.such.key");
        let text = tr.n("common.page_of", 3);
        assert!(text.contains('3'), "{text}");
    }
}
