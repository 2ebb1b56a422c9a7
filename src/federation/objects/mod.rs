//! Newtypes over database rows that are ActivityPub objects: they convert
//! between the row and the wire document (`into_json`, `verify`,
//! `from_json`).

pub mod actor;
pub mod announcement;
pub mod group;
pub mod instance;
pub mod person;
pub mod resource;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_from_peers_becomes_plain_text_and_goes_out_escaped() {
        let hostile = r#"<p onclick="x()">École <b>Jules</b> &amp; Verne<script>alert(1)</script><style>p{}</style></p><img src=x onerror=alert(2)>"#;
        let text = plain_text(hostile, 100);
        assert_eq!(text, "École Jules & Verne");
        assert_eq!(plain_text("abcdef", 3), "abc");
        assert_eq!(
            escape_html(r#"<a href="x">O'Neil & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }
}
