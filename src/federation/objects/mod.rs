//! Newtypes over database rows that are ActivityPub objects: they convert
//! between the row and the wire document (`into_json`, `verify`,
//! `from_json`).

pub mod actor;
pub mod group;
pub mod instance;
pub mod person;

use chrono::{DateTime, Utc};

/// Remote actors are refetched after this long.
pub const REFRESH_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(1);

pub(crate) fn to_utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// HTML from a peer, reduced to plain text before it is stored.
pub(crate) fn plain_text(html: &str, max_chars: usize) -> String {
    let text = ammonia::Builder::empty().clean(html).to_string();
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.chars().take(max_chars).collect()
}

/// Plain text made safe to place in an HTML field (`summary`, `content`).
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
