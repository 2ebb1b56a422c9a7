//! What every page must carry (headers, size, labels, landmarks, unique
//! ids), read from its HTML with a few small helpers.

use std::collections::BTreeSet;

use axum::http::{StatusCode, header};

use super::{Browser, PASSWORD, Page, circo, publish_outing, unescape};

/// A tag of the page: its lower-case name (`/label` for a closing one)
/// and its whole text from `<` to `>`.
pub(super) struct Tag<'h> {
    name: String,
    text: &'h str,
}

pub(super) fn tags(html: &str) -> Vec<Tag<'_>> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(offset) = html[rest..].find('<') {
        let start = rest + offset;
        let Some(length) = html[start..].find('>') else {
            break;
        };
        let text = &html[start..=start + length];
        let name: String = text[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        found.push(Tag { name, text });
        rest = start + length + 1;
    }
    found
}

/// An attribute of a tag (`name="value"`), unescaped.
pub(super) fn attr(tag: &str, name: &str) -> Option<String> {
    [' ', '\n', '\t'].iter().find_map(|space| {
        let marker = format!("{space}{name}=\"");
        let start = tag.find(&marker)? + marker.len();
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    })
}

/// The form controls no label names: neither a `<label for>` with their
/// id, nor a `<label>` around them.
pub(super) fn unlabelled_controls(html: &str) -> Vec<String> {
    let all = tags(html);
    let targets: BTreeSet<String> = all
        .iter()
        .filter(|t| t.name == "label")
        .filter_map(|t| attr(t.text, "for"))
        .collect();
    let mut inside_label = 0_i32;
    let mut missing = Vec::new();
    for tag in &all {
        match tag.name.as_str() {
            "label" => inside_label += 1,
            "/label" => inside_label -= 1,
            "input" | "select" | "textarea" => {
                let kind = attr(tag.text, "type")
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if tag.name == "input"
                    && matches!(
                        kind.as_str(),
                        "hidden" | "submit" | "button" | "reset" | "image"
                    )
                {
                    continue;
                }
                let by_id = attr(tag.text, "id").is_some_and(|id| targets.contains(&id));
                if inside_label <= 0 && !by_id {
                    missing.push(tag.text.to_string());
                }
            }
            _ => {}
        }
    }
    missing
}

/// Ids used more than once (a `<label for>` then names the wrong one).
pub(super) fn duplicate_ids(html: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut twice = Vec::new();
    for tag in tags(html) {
        if tag.name.starts_with('/') || tag.name.starts_with('!') {
            continue;
        }
        if let Some(id) = attr(tag.text, "id")
            && !seen.insert(id.clone())
        {
            twice.push(id);
        }
    }
    twice
}

/// The `<li>` (or other element) text around the first occurrence of
/// `needle`: from the previous `<li` to the next `</li>`.
pub(super) fn item_around<'h>(html: &'h str, needle: &str) -> Option<&'h str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind("<li")?;
    let end = html[at..].find("</li>")? + at;
    Some(&html[start..end])
}

/// The opening tag of the `<tr>` or `<article>` holding `needle`.
pub(super) fn opening_before<'h>(html: &'h str, needle: &str, element: &str) -> Option<&'h str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind(&format!("<{element}"))?;
    let end = html[start..].find('>')? + start;
    Some(&html[start..=end])
}

/// The whole `element` (opening tag to its first closing tag) around the
/// first occurrence of `needle`.
pub(super) fn element_around<'h>(html: &'h str, needle: &str, element: &str) -> Option<&'h str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind(&format!("<{element}"))?;
    let closing = format!("</{element}>");
    let end = html[at..].find(&closing)? + at + closing.len();
    Some(&html[start..end])
}

/// What every HTML page of Préau carries: no script allowed, nothing
/// cached, a reasonable size, a skip link to `<main id="main">`, one
/// `<h1>`, unique ids and a label for each control.
pub(super) fn assert_sound_page(path: &str, page: &Page) {
    let content_type = page
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        content_type.starts_with("text/html"),
        "{path}: content-type {content_type:?}"
    );
    let csp = page
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"));
    assert!(!csp.contains("script-src"), "{path}: {csp}");
    assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
    let cache = page
        .headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(cache, "private, no-store", "{path}: Cache-Control");
    assert!(
        page.html.len() < 100 * 1024,
        "{path}: {} bytes",
        page.html.len()
    );
    assert!(
        page.has("<html lang=\"fr\">") || page.has("<html lang=\"en\">"),
        "{path}: no <html lang>"
    );
    assert!(
        page.has("<main id=\"main\""),
        "{path}: no <main id=main>\n{}",
        page.html
    );
    assert!(
        page.has("class=\"skip\" href=\"#main\""),
        "{path}: no skip link"
    );
    assert!(!page.has("<script"), "{path}: a script");
    assert_eq!(page.html.matches("<h1").count(), 1, "{path}: not one <h1>");
    let unlabelled = unlabelled_controls(&page.html);
    assert!(
        unlabelled.is_empty(),
        "{path}: controls without a label: {unlabelled:?}"
    );
    let twice = duplicate_ids(&page.html);
    assert!(twice.is_empty(), "{path}: ids used twice: {twice:?}");
}

#[tokio::test]
async fn every_page_is_private_scriptless_small_and_labelled() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let key = publish_outing(&mut cpc).await;
    let pages = [
        "/timeline".to_string(),
        "/timeline?unread=on".into(),
        "/publish".into(),
        "/account".into(),
        format!("/announcements/{key}"),
        format!("/announcements/{key}/edit"),
        format!("/announcements/{key}/reads"),
        "/directory".into(),
        "/directory?q=nantes".into(),
        "/directory/people".into(),
        "/directory/people?q=prof".into(),
        "/directory/people/prof".into(),
        "/directory/organisations/nantes-3".into(),
        "/orgs/nantes-3".into(),
    ];
    for language in ["fr", "en"] {
        let mut browser = Browser::speaking(&c.app, language);
        assert_eq!(
            browser.sign_in("cpc", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        for path in &pages {
            let page = browser.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.show());
            assert_sound_page(path, &page);
            assert!(page.has(&format!("<html lang=\"{language}\">")), "{path}");
        }
        let missing = browser.get("/announcements/nothing-here").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_sound_page("/announcements/nothing-here", &missing);
    }

    let mut anonymous = Browser::new(&c.app);
    for path in [
        "/login",
        "/directory",
        "/directory/people",
        "/directory/organisations/nantes-3",
    ] {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.show());
        assert_sound_page(path, &page);
    }
    let mut parent = Browser::signed_in(&c.app, "parent").await;
    let forbidden = parent.get("/publish").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_sound_page("/publish (parent)", &forbidden);

    // The checker itself notices what it looks for.
    assert_eq!(
        unlabelled_controls("<input type=\"text\" id=\"x\"><label for=\"y\">Y</label>").len(),
        1
    );
    assert!(
        unlabelled_controls(
            "<label><input type=\"checkbox\" name=\"a\"> A</label><input type=\"hidden\" name=\"b\">\
             <label for=\"q\">Q</label><select id=\"q\"></select>"
        )
        .is_empty()
    );
    assert_eq!(duplicate_ids("<p id=\"a\"></p><div id=\"a\"></div>"), ["a"]);
}
