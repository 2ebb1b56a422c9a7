//! The HTML of announcements: Markdown rendered by pulldown-cmark, then
//! cleaned by ammonia. The same cleaner runs on HTML received from peers,
//! so what reaches a page or a feed is always the reduced set below.

use std::{collections::HashSet, sync::LazyLock};

use pulldown_cmark::{Options, Parser, html::push_html};

/// Tags kept: what a notice needs, and what Mastodon keeps (p, br, a,
/// lists) plus headings, emphasis, quotes, code and tables.
const TAGS: &[&str] = &[
    "p",
    "br",
    "a",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .tags(TAGS.iter().copied().collect::<HashSet<_>>())
        .generic_attributes(HashSet::new())
        .tag_attributes(std::iter::once(("a", std::iter::once("href").collect())).collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// Sanitised HTML from Markdown. Raw HTML in the Markdown goes through the
/// same cleaner: allowed tags stay, scripts and styles disappear.
pub fn render_markdown(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    push_html(&mut html, Parser::new_ext(markdown, options));
    sanitize(&html)
}

/// HTML from anywhere, reduced to the allowed tags.
pub fn sanitize(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// A short plain-text excerpt of some HTML, cut on a word boundary.
pub fn excerpt(html: &str, max_chars: usize) -> String {
    // Block ends become spaces, or paragraphs would run into each other.
    let spaced = [
        "</p>",
        "<br",
        "</li>",
        "</h2>",
        "</h3>",
        "</h4>",
        "</td>",
        "</blockquote>",
    ]
    .iter()
    .fold(html.to_string(), |acc, tag| {
        acc.replace(tag, &format!(" {tag}"))
    });
    let text = crate::federation::objects::plain_text(&spaced, usize::MAX);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_clean_html() {
        let html = render_markdown(
            "## Sortie\n\nRendez-vous **à 8 h** devant [l'école](https://ecole.example/).\n\n- pique-nique\n- casquette",
        );
        assert!(html.contains("<h2>Sortie</h2>"), "{html}");
        assert!(html.contains("<strong>à 8 h</strong>"), "{html}");
        assert!(
            html.contains(
                r#"<a href="https://ecole.example/" rel="noopener noreferrer nofollow">l'école</a>"#
            ),
            "{html}"
        );
        assert!(html.contains("<li>casquette</li>"), "{html}");
    }

    #[test]
    fn injected_script_style_and_handlers_are_removed() {
        let hostile = "Bonjour<script>alert(1)</script><style>body{display:none}</style>\n\n<img src=x onerror=alert(2)><a href=\"javascript:alert(3)\" onclick=\"x()\">lien</a><p style=\"color:red\">texte</p>";
        let html = render_markdown(hostile);
        for bad in [
            "script",
            "alert",
            "style",
            "onerror",
            "onclick",
            "javascript",
            "<img",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("lien") && html.contains("texte"), "{html}");
        assert_eq!(
            sanitize("<iframe src=x></iframe><b>gras</b>"),
            "<b>gras</b>"
        );
    }

    #[test]
    fn excerpts_cut_on_words() {
        assert_eq!(
            excerpt("<p>Une   réunion</p><p>demain</p>", 100),
            "Une réunion demain"
        );
        assert_eq!(
            excerpt("<p>Une réunion demain matin</p>", 14),
            "Une réunion…"
        );
    }
}
