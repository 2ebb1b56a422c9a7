//! The web interface as a browser sees it: the first run, signing in and
//! out, CSRF, the account page, languages, publishing through the
//! multipart form, the directory and following, and what every page must
//! carry (headers, size, labels, landmarks). A small cookie jar plays the
//! browser; every request goes through the router.

mod admin;

use std::collections::{BTreeMap, BTreeSet};

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use preau::services::{Caller, auth};
use serde_json::json;
use tower::ServiceExt;

use crate::harness::TestApp;

/// The password `TestApp::account` gives every account.
const PASSWORD: &str = "a long enough password";

// ---------------------------------------------------------------- browser

/// A page as the browser received it.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value a `Set-Cookie` of this response gives `name`, if any.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| cookie::Cookie::parse(v.to_string()).ok())
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string())
    }

    /// The whole `Set-Cookie` line (with its attributes) for `name`.
    fn set_cookie_line(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// The value of the first `<input name=… value=…>` with this name.
    fn input(&self, name: &str) -> Option<String> {
        input_value(&self.html, name)
    }

    /// The CSRF token the page's forms carry.
    fn csrf(&self) -> String {
        self.input("csrf").unwrap_or_else(|| {
            panic!(
                "no csrf input in the page ({}):\n{}",
                self.status, self.html
            )
        })
    }

    fn has(&self, text: &str) -> bool {
        self.html.contains(text)
    }

    /// A short description for failed assertions.
    fn show(&self) -> String {
        format!(
            "status {} location {:?}\n{}",
            self.status,
            self.location(),
            self.html
        )
    }
}

/// What a file input sends.
struct Upload {
    field: &'static str,
    name: &'static str,
    media_type: &'static str,
    content: &'static [u8],
}

/// A browser: a cookie jar, an `Accept-Language`, and the app it talks to.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
    accept_language: Option<&'static str>,
}

const BOUNDARY: &str = "----preau-web-test-7MA4YWxkTrZu0gW";

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
            accept_language: None,
        }
    }

    fn speaking(app: &'a TestApp, language: &'static str) -> Self {
        Self {
            accept_language: Some(language),
            ..Self::new(app)
        }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    async fn request(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Page {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.app.state.settings.domain.as_str())
            .header(
                header::ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            );
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header(header::COOKIE, jar.join("; "));
        }
        if let Some(language) = self.accept_language {
            request = request.header(header::ACCEPT_LANGUAGE, language);
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(Body::from(body)).expect("request");
        let response = self
            .app
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        for value in headers.get_all(header::SET_COOKIE) {
            let value = value.to_str().expect("ascii Set-Cookie").to_string();
            let cookie = cookie::Cookie::parse(value).expect("well-formed Set-Cookie");
            let removed = cookie.value().is_empty()
                || cookie
                    .max_age()
                    .is_some_and(|age| age <= cookie::time::Duration::ZERO);
            if removed {
                self.cookies.remove(cookie.name());
            } else {
                self.cookies
                    .insert(cookie.name().to_string(), cookie.value().to_string());
            }
        }
        Page {
            status,
            headers,
            html: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.request(Method::GET, path, None, Vec::new()).await
    }

    /// A urlencoded form.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.request(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded".into()),
            body.into_bytes(),
        )
        .await
    }

    /// A `multipart/form-data` form, built by hand.
    async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[Upload],
    ) -> Page {
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for file in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                    file.field, file.name, file.media_type
                )
                .as_bytes(),
            );
            body.extend_from_slice(file.content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.request(
            Method::POST,
            path,
            Some(format!("multipart/form-data; boundary={BOUNDARY}")),
            body,
        )
        .await
    }

    /// Opens the sign-in page and sends it; returns the answer to the form.
    async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.show());
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// A browser signed in as `username` (with the harness's password).
    async fn signed_in(app: &'a TestApp, username: &str) -> Self {
        let mut browser = Self::new(app);
        let answer = browser.sign_in(username, PASSWORD).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.show());
        assert!(
            browser.cookie("preau_session").is_some(),
            "no session cookie"
        );
        browser
    }

    /// The CSRF token of a signed-in page.
    async fn csrf(&mut self) -> String {
        let page = self.get("/account").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.show());
        page.csrf()
    }
}

// ------------------------------------------------------------ small HTML

/// The value of `<input … name="name" value="…">` (attributes in the
/// templates' order), unescaped.
fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// A tag of the page: its lower-case name (`/label` for a closing one)
/// and its whole text from `<` to `>`.
struct Tag<'h> {
    name: String,
    text: &'h str,
}

fn tags(html: &str) -> Vec<Tag<'_>> {
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
fn attr(tag: &str, name: &str) -> Option<String> {
    [' ', '\n', '\t'].iter().find_map(|space| {
        let marker = format!("{space}{name}=\"");
        let start = tag.find(&marker)? + marker.len();
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    })
}

/// The form controls no label names: neither a `<label for>` with their
/// id, nor a `<label>` around them.
fn unlabelled_controls(html: &str) -> Vec<String> {
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
fn duplicate_ids(html: &str) -> Vec<String> {
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
fn item_around<'h>(html: &'h str, needle: &str) -> Option<&'h str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind("<li")?;
    let end = html[at..].find("</li>")? + at;
    Some(&html[start..end])
}

/// The opening tag of the `<tr>` or `<article>` holding `needle`.
fn opening_before<'h>(html: &'h str, needle: &str, element: &str) -> Option<&'h str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind(&format!("<{element}"))?;
    let end = html[start..].find('>')? + start;
    Some(&html[start..=end])
}

/// What every HTML page of Préau carries: no script allowed, nothing
/// cached, a reasonable size, a skip link to `<main id="main">`, one
/// `<h1>`, unique ids and a label for each control.
fn assert_sound_page(path: &str, page: &Page) {
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

// ---------------------------------------------------------------- worlds

/// A circonscription with an advisor who publishes (`cpc`), a teacher
/// (`prof`), and a parent who belongs to nothing (`parent`).
struct Circo {
    app: TestApp,
    /// The `cpc` advisor's API token, to look behind the pages.
    cpc: String,
}

async fn circo() -> Circo {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "nantes-3", "name": "Circonscription Nantes 3", "kind": "circonscription"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let cpc = app.account("cpc", false).await;
    app.account("prof", false).await;
    app.account("parent", false).await;
    for (username, role) in [("cpc", "advisor"), ("prof", "teacher")] {
        let added = app
            .post(
                "/api/v1/organisations/nantes-3/members",
                &admin,
                json!({"username": username, "role": role}),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    }
    Circo { app, cpc }
}

/// How many announcements nantes-3 has, as its publisher sees them.
async fn announcement_count(c: &Circo) -> usize {
    let listed = c
        .app
        .get("/api/v1/organisations/nantes-3/announcements", Some(&c.cpc))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    listed.body["items"].as_array().expect("items").len()
}

const NOTE: Upload = Upload {
    field: "attachments",
    name: "sortie.txt",
    media_type: "text/plain",
    content: "Départ à 8 h 30 devant l'école.\n".as_bytes(),
};

/// The publish form's fields, filled for the museum outing addressed to
/// teachers, with an acknowledgement asked.
fn outing<'f>(csrf: &'f str, title: &'f str, action: &'f str) -> Vec<(&'f str, &'f str)> {
    vec![
        ("csrf", csrf),
        ("organisation", "nantes-3"),
        ("title", title),
        ("body", "Une **sortie** au musée jeudi."),
        ("summary", ""),
        ("category", "administrative"),
        ("roles", "teacher"),
        ("ack_requested", "on"),
        ("expires_at", ""),
        ("starts_at", ""),
        ("ends_at", ""),
        ("action", action),
    ]
}

/// Publishes the outing through the form; returns its key.
async fn publish_outing(cpc: &mut Browser<'_>) -> String {
    let form = cpc.get("/publish").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    let csrf = form.csrf();
    let published = cpc
        .post_multipart(
            "/publish",
            &outing(&csrf, "Sortie au musée", "publish"),
            &[NOTE],
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.show()
    );
    let key = published
        .location()
        .strip_prefix("/announcements/")
        .unwrap_or_else(|| panic!("published to {:?}", published.location()))
        .to_string();
    assert!(!key.is_empty() && !key.contains('/'), "key {key:?}");
    key
}

// ----------------------------------------------------------------- tests

#[tokio::test]
async fn the_first_visit_creates_the_first_admin_and_only_once() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);

    let mut first = Browser::new(&app);
    let home = first.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/setup");
    let login = first.get("/login").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.location(), "/setup");

    let setup = browser.get("/setup").await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.show());
    assert_sound_page("/setup", &setup);
    let token = setup
        .set_cookie("preau_csrf")
        .expect("the setup page sets the csrf cookie");
    assert_eq!(setup.csrf(), token, "the form carries the cookie's token");
    let line = setup.set_cookie_line("preau_csrf").expect("csrf cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(line.contains(attribute), "{line}");
    }
    for field in ["username", "display_name", "password", "password_confirm"] {
        assert!(setup.has(&format!("name=\"{field}\"")), "{field}");
    }

    let fields = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("username", "directrice"),
            ("display_name", "Claire Martin"),
            ("password", "un mot de passe très sûr"),
            ("password_confirm", "un mot de passe très sûr"),
        ]
    };
    // From another site: no cookie, no field.
    let mut stranger = Browser::new(&app);
    let forged = stranger.post("/setup", &fields("")[1..]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    // A token of its own, without the matching cookie.
    let forged = stranger.post("/setup", &fields("made-up")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    assert!(stranger.cookie("preau_session").is_none());
    // The cookie but a wrong field.
    let forged = browser.post("/setup", &fields("made-up")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    assert!(
        preau::services::sessions::needs_setup(&app.state)
            .await
            .expect("needs_setup"),
        "a refused form created an account"
    );
    let again = browser.get("/setup").await;
    assert_eq!(again.status, StatusCode::OK, "still the first run");

    // Two passwords that differ: the form comes back with what was typed.
    let differ = browser
        .post(
            "/setup",
            &[
                ("csrf", &token),
                ("username", "directrice"),
                ("display_name", "Claire Martin"),
                ("password", "un mot de passe très sûr"),
                ("password_confirm", "un autre mot de passe"),
            ],
        )
        .await;
    assert_eq!(
        differ.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        differ.show()
    );
    assert!(differ.has("role=\"alert\""), "{}", differ.show());
    assert_eq!(differ.input("username").as_deref(), Some("directrice"));

    let created = browser
        .post(
            "/setup",
            &[
                ("csrf", &token),
                ("username", "directrice"),
                ("display_name", "Claire Martin"),
                ("password", "un mot de passe très sûr"),
                ("password_confirm", "un mot de passe très sûr"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.show());
    assert_eq!(created.location(), "/admin");
    let line = created
        .set_cookie_line("preau_session")
        .expect("signed in at once");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(line.contains(attribute), "{line}");
    }
    let home = browser.get("/").await;
    assert_eq!(home.location(), "/timeline", "the new admin is signed in");
    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.show());
    assert!(account.has("directrice"));

    // The first run is over, for everyone.
    let mut late = Browser::new(&app);
    let setup = late.get("/setup").await;
    assert_eq!(setup.status, StatusCode::SEE_OTHER);
    assert_eq!(setup.location(), "/login");
    let login = late.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    let csrf = late.cookie("preau_csrf").expect("csrf cookie").to_string();
    let second = late
        .post(
            "/setup",
            &[
                ("csrf", &csrf),
                ("username", "intrus"),
                ("display_name", "Intrus"),
                ("password", "un mot de passe très sûr"),
                ("password_confirm", "un mot de passe très sûr"),
            ],
        )
        .await;
    assert!(
        second.status.is_client_error(),
        "a second setup: {}",
        second.show()
    );
    assert!(late.cookie("preau_session").is_none());

    let admin_token = auth::create_token(&app.state, &Caller::Operator, "directrice", "test")
        .await
        .expect("token");
    let listed = app.get("/api/v1/accounts", Some(&admin_token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["username"].as_str())
        .collect();
    assert_eq!(names, ["directrice"]);
    let me = app.get("/api/v1/accounts/me", Some(&admin_token)).await;
    assert_eq!(me.body["is_admin"], true, "{}", me.body);
}

#[tokio::test]
async fn signing_in_keeps_the_username_and_follows_only_local_paths() {
    let app = TestApp::new().await;
    app.account("claire", false).await;

    let mut browser = Browser::new(&app);
    let wrong = browser.sign_in("claire", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.show());
    assert_sound_page("/login (wrong password)", &wrong);
    assert!(wrong.has("role=\"alert\""), "{}", wrong.show());
    assert!(wrong.has("Identifiant ou mot de passe incorrect."));
    assert_eq!(wrong.input("username").as_deref(), Some("claire"));
    assert!(browser.cookie("preau_session").is_none());
    let unknown = browser.sign_in("nobody", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    // A page that needs an account sends to sign-in, and back after it.
    let guarded = browser.get("/account").await;
    assert_eq!(guarded.status, StatusCode::SEE_OTHER);
    assert_eq!(guarded.location(), "/login?next=%2Faccount");
    let form = browser.get(guarded.location()).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    assert_eq!(form.input("next").as_deref(), Some("/account"));
    let csrf = form.csrf();
    let signed = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "claire"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.show());
    assert_eq!(signed.location(), "/account");
    assert!(signed.set_cookie("preau_session").is_some());
    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);

    // A query in `next` comes back whole.
    let mut filtered = Browser::new(&app);
    let guarded = filtered.get("/timeline?unread=on").await;
    assert_eq!(guarded.location(), "/login?next=%2Ftimeline%3Funread%3Don");
    let form = filtered.get(guarded.location()).await;
    assert_eq!(form.input("next").as_deref(), Some("/timeline?unread=on"));
    let csrf = form.csrf();
    let signed = filtered
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "claire"),
                ("password", PASSWORD),
                ("next", "/timeline?unread=on"),
            ],
        )
        .await;
    assert_eq!(
        signed.location(),
        "/timeline?unread=on",
        "{}",
        signed.show()
    );

    // Another site as `next` is not followed.
    for evil in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
        let mut other = Browser::new(&app);
        let form = other
            .get(&format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert_eq!(form.input("next").as_deref(), Some("/"), "{evil}");
        let csrf = form.csrf();
        let signed = other
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "claire"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.show());
        assert_eq!(signed.location(), "/", "{evil}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_for_good() {
    let app = TestApp::new().await;
    app.account("claire", false).await;
    let mut browser = Browser::signed_in(&app, "claire").await;
    let old = browser
        .cookie("preau_session")
        .expect("session")
        .to_string();

    let timeline = browser.get("/timeline").await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.show());
    assert!(timeline.has("action=\"/logout\""), "sign-out in the header");
    let csrf = timeline.csrf();

    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.show());
    assert_eq!(out.location(), "/login");
    assert!(browser.cookie("preau_session").is_none(), "cookie removed");

    // The old cookie, kept by someone, opens nothing any more.
    let mut thief = Browser::new(&app);
    thief.cookies.insert("preau_session".into(), old);
    let timeline = thief.get("/timeline").await;
    assert_eq!(timeline.status, StatusCode::SEE_OTHER);
    assert_eq!(timeline.location(), "/login?next=%2Ftimeline");
    let home = thief.get("/").await;
    assert_eq!(home.location(), "/login");
}

#[tokio::test]
async fn forms_without_the_session_token_change_nothing() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let form = cpc.get("/publish").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    let good = form.csrf();
    // The anonymous token of the sign-in page is not the session's.
    let anonymous = cpc
        .cookie("preau_csrf")
        .expect("the sign-in page left its csrf cookie")
        .to_string();
    assert_ne!(anonymous, good, "the session has a token of its own");

    for csrf in ["", "wrong", anonymous.as_str()] {
        let mut fields = outing(csrf, "Sortie au musée", "publish");
        if csrf.is_empty() {
            fields.remove(0);
        }
        let refused = cpc.post_multipart("/publish", &fields, &[NOTE]).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "csrf {csrf:?}: {}",
            refused.show()
        );
        assert!(refused.has("role=\"alert\""));
    }
    assert_eq!(announcement_count(&c).await, 0, "nothing published");

    // The password stays.
    for fields in [
        vec![
            ("current_password", PASSWORD),
            ("new_password", "un nouveau mot de passe"),
            ("new_password_confirm", "un nouveau mot de passe"),
        ],
        vec![
            ("csrf", anonymous.as_str()),
            ("current_password", PASSWORD),
            ("new_password", "un nouveau mot de passe"),
            ("new_password_confirm", "un nouveau mot de passe"),
        ],
    ] {
        let refused = cpc.post("/account/password", &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.show());
    }
    let mut again = Browser::new(&c.app);
    let signed = again.sign_in("cpc", PASSWORD).await;
    assert_eq!(
        signed.status,
        StatusCode::SEE_OTHER,
        "old password still works"
    );

    // Nor does a sign-out or a follow go through.
    let out = cpc.post("/logout", &[("csrf", "wrong")]).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(cpc.get("/account").await.status, StatusCode::OK);
    let follow = cpc
        .post(
            "/follows",
            &[
                ("csrf", "wrong"),
                ("target", "http://preau.test/orgs/nantes-3"),
            ],
        )
        .await;
    assert_eq!(follow.status, StatusCode::FORBIDDEN);

    // A sign-in form from another site is refused too.
    let mut stranger = Browser::new(&c.app);
    let forged = stranger
        .post("/login", &[("username", "cpc"), ("password", PASSWORD)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    assert!(stranger.cookie("preau_session").is_none());
}

#[tokio::test]
async fn changing_the_password_closes_the_other_sessions() {
    let app = TestApp::new().await;
    app.account("prof", false).await;
    let mut laptop = Browser::signed_in(&app, "prof").await;
    let mut phone = Browser::signed_in(&app, "prof").await;
    let csrf = laptop.csrf().await;
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        [
            ("current_password", current),
            ("new_password", new),
            ("new_password_confirm", confirm),
        ]
    };

    let wrong = {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(change(
            "not the password",
            "un nouveau mot de passe",
            "un nouveau mot de passe",
        ));
        laptop.post("/account/password", &fields).await
    };
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.show()
    );
    assert_sound_page("/account/password (wrong)", &wrong);
    assert!(wrong.has("role=\"alert\""));

    let differ = {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(change(
            PASSWORD,
            "un nouveau mot de passe",
            "un autre mot de passe",
        ));
        laptop.post("/account/password", &fields).await
    };
    assert_eq!(
        differ.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        differ.show()
    );
    assert!(differ.has("role=\"alert\""));
    assert!(differ.has("Les deux mots de passe ne sont pas identiques."));
    assert_eq!(
        phone.get("/account").await.status,
        StatusCode::OK,
        "refused changes close nothing"
    );

    let changed = {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(change(
            PASSWORD,
            "un nouveau mot de passe",
            "un nouveau mot de passe",
        ));
        laptop.post("/account/password", &fields).await
    };
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.show());
    assert_eq!(changed.location(), "/account");
    let after = laptop.get("/account").await;
    assert_eq!(after.status, StatusCode::OK, "this session stays");
    assert!(after.has("class=\"flash\""), "a message says it is done");
    let later = laptop.get("/account").await;
    assert!(!later.has("class=\"flash\""), "the message is shown once");

    let closed = phone.get("/account").await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.show());
    assert_eq!(closed.location(), "/login?next=%2Faccount");

    let mut fresh = Browser::new(&app);
    let old = fresh.sign_in("prof", PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "the old password");
    let new = fresh.sign_in("prof", "un nouveau mot de passe").await;
    assert_eq!(new.status, StatusCode::SEE_OTHER, "{}", new.show());
}

#[tokio::test]
async fn the_language_follows_the_browser_then_the_choice() {
    let app = TestApp::new().await;
    app.account("prof", false).await;

    let mut english = Browser::speaking(&app, "en-GB,en;q=0.9");
    let login = english.get("/login").await;
    assert!(login.has("<html lang=\"en\">"), "{}", login.show());
    assert!(login.has("Sign in") && login.has("Skip to content"));
    let mut french = Browser::new(&app);
    let login = french.get("/login").await;
    assert!(login.has("<html lang=\"fr\">"), "French by default");
    assert!(login.has("Connexion"));
    let mut prefers_french = Browser::speaking(&app, "en;q=0.5, fr");
    let login = prefers_french.get("/login").await;
    assert!(login.has("<html lang=\"fr\">"));

    // Anonymous: a cookie remembers the choice.
    let csrf = french.cookie("preau_csrf").expect("csrf").to_string();
    let chosen = french
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "en"), ("next", "/login")],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.show());
    assert_eq!(chosen.location(), "/login");
    assert_eq!(chosen.set_cookie("preau_lang").as_deref(), Some("en"));
    let login = french.get("/login").await;
    assert!(login.has("<html lang=\"en\">"), "{}", login.show());
    let unknown = french
        .post("/account/language", &[("csrf", &csrf), ("lang", "de")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Signed in: stored on the account, whatever the browser says.
    let mut laptop = Browser::speaking(&app, "en");
    let signed = laptop.sign_in("prof", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let account = laptop.get("/account").await;
    assert!(account.has("<html lang=\"en\">"));
    let csrf = account.csrf();
    let chosen = laptop
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "fr"), ("next", "/account")],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.show());
    assert_eq!(chosen.location(), "/account");
    let account = laptop.get("/account").await;
    assert!(account.has("<html lang=\"fr\">"), "{}", account.show());
    assert!(account.has("Fil d'actualité") || account.has("Fil d&#39;actualité"));

    let mut phone = Browser::speaking(&app, "en");
    let signed = phone.sign_in("prof", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert!(phone.cookie("preau_lang").is_none());
    let timeline = phone.get("/timeline").await;
    assert!(
        timeline.has("<html lang=\"fr\">"),
        "the account's language wins over Accept-Language: {}",
        timeline.show()
    );
}

/// The switch on a page answering a refused form brings back to a page,
/// not to the address the form was posted to.
#[tokio::test]
async fn the_language_switch_of_a_refused_form_returns_to_a_page() {
    let app = TestApp::new().await;
    app.account("prof", false).await;
    let mut laptop = Browser::signed_in(&app, "prof").await;
    let csrf = laptop.csrf().await;
    let refused = laptop
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", "not the password"),
                ("new_password", "un nouveau mot de passe"),
                ("new_password_confirm", "un nouveau mot de passe"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let back_to = refused.input("next").expect("the language form's next");
    let chosen = laptop
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "fr"), ("next", &back_to)],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    let mut landed = laptop.get(chosen.location()).await;
    // Home sends a signed-in reader on to the timeline.
    if landed.status == StatusCode::SEE_OTHER {
        landed = laptop.get(landed.location()).await;
    }
    assert_eq!(
        landed.status,
        StatusCode::OK,
        "the language switch of a refused form's page sends to {:?}",
        chosen.location()
    );
}

#[tokio::test]
async fn a_publisher_publishes_with_a_file_and_a_teacher_acknowledges() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let form = cpc.get("/publish").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    assert!(form.has("enctype=\"multipart/form-data\""));
    assert!(form.has("<option value=\"nantes-3\""), "{}", form.show());
    assert!(form.has("type=\"file\" id=\"attachments\" name=\"attachments\" multiple"));

    let key = publish_outing(&mut cpc).await;
    assert_eq!(announcement_count(&c).await, 1);
    let page = cpc.get(&format!("/announcements/{key}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert!(page.has("<h1>Sortie au musée</h1>"), "{}", page.show());
    assert!(page.has("<strong>sortie</strong>"));
    assert!(page.has("class=\"flash\""), "published message");
    let link = page
        .html
        .find(">sortie.txt</a>")
        .and_then(|at| page.html[..at].rfind("href=\"").map(|s| (s + 6, at)))
        .map(|(start, end)| {
            let href = &page.html[start..end];
            href[..href.find('"').unwrap_or(href.len())].to_string()
        })
        .unwrap_or_else(|| panic!("no attachment link: {}", page.show()));
    assert!(page.has(&format!("href=\"/announcements/{key}/reads\"")));
    assert!(page.has(&format!("href=\"/announcements/{key}/edit\"")));
    assert!(page.has(&format!("action=\"/announcements/{key}/delete\"")));

    // The teacher it is addressed to: unread in the timeline, then read.
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let timeline = prof.get("/timeline").await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.show());
    let article = opening_before(
        &timeline.html,
        &format!("href=\"/announcements/{key}\""),
        "article",
    )
    .unwrap_or_else(|| panic!("not in the timeline: {}", timeline.show()));
    assert_eq!(article, "<article class=\"announcement unread\">");
    let unread_only = prof.get("/timeline?unread=on").await;
    assert!(unread_only.has("Sortie au musée"));
    // The filters: the organisation select's values and the categories.
    let source = "http://preau.test/orgs/nantes-3";
    assert!(
        timeline.has(&format!(
            "<option value=\"{source}\">Circonscription Nantes 3</option>"
        )),
        "{}",
        timeline.show()
    );
    let by_organisation = prof
        .get(&format!(
            "/timeline?organisation={}",
            url::form_urlencoded::byte_serialize(source.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(
        by_organisation.status,
        StatusCode::OK,
        "{}",
        by_organisation.show()
    );
    assert!(by_organisation.has("Sortie au musée"));
    assert!(by_organisation.has(&format!("<option value=\"{source}\" selected>")));
    let other_category = prof.get("/timeline?category=pedagogy").await;
    assert_eq!(other_category.status, StatusCode::OK);
    assert!(!other_category.has("Sortie au musée"));
    assert!(other_category.has("<option value=\"pedagogy\" selected>"));
    let same_category = prof.get("/timeline?category=administrative").await;
    assert!(same_category.has("Sortie au musée"));

    let attachment = link
        .strip_prefix("http://preau.test")
        .unwrap_or(&link)
        .to_string();
    let file = prof.get(&attachment).await;
    assert_eq!(file.status, StatusCode::OK, "{attachment}: {}", file.show());
    assert_eq!(file.html, "Départ à 8 h 30 devant l'école.\n");

    let page = prof.get(&format!("/announcements/{key}")).await;
    let read_form = format!("action=\"/announcements/{key}/read\"");
    assert!(page.has(&read_form), "{}", page.show());
    assert!(
        !page.has(&format!("href=\"/announcements/{key}/edit\"")),
        "a reader gets no publisher tools"
    );
    let read = prof
        .post(
            &format!("/announcements/{key}/read"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER, "{}", read.show());
    assert_eq!(read.location(), format!("/announcements/{key}"));
    let page = prof.get(&format!("/announcements/{key}")).await;
    assert!(!page.has(&read_form), "no button once read");
    let timeline = prof.get("/timeline").await;
    let article = opening_before(
        &timeline.html,
        &format!("href=\"/announcements/{key}\""),
        "article",
    )
    .expect("still in the timeline");
    assert_eq!(article, "<article class=\"announcement\">");
    let unread_only = prof.get("/timeline?unread=on").await;
    assert!(!unread_only.has("Sortie au musée"));

    let reads = cpc.get(&format!("/announcements/{key}/reads")).await;
    assert_eq!(reads.status, StatusCode::OK, "{}", reads.show());
    let row = opening_before(&reads.html, "(prof)", "tr")
        .unwrap_or_else(|| panic!("prof not listed: {}", reads.show()));
    assert_eq!(row, "<tr class=\"read\">");
    let forbidden = prof.get(&format!("/announcements/{key}/reads")).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // Not for parents: neither the page nor the form.
    let mut parent = Browser::signed_in(&c.app, "parent").await;
    let hidden = parent.get(&format!("/announcements/{key}")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.show());
    let publish = parent.get("/publish").await;
    assert_eq!(publish.status, StatusCode::FORBIDDEN, "{}", publish.show());
    assert!(publish.has("role=\"alert\""));
    let mut anonymous = Browser::new(&c.app);
    let publish = anonymous.get("/publish").await;
    assert_eq!(publish.status, StatusCode::SEE_OTHER);
    assert_eq!(publish.location(), "/login?next=%2Fpublish");
}

#[tokio::test]
async fn a_preview_and_a_refused_form_keep_what_was_typed_and_publish_nothing() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let csrf = cpc.get("/publish").await.csrf();

    let preview = cpc
        .post_multipart(
            "/publish",
            &outing(&csrf, "Sortie au musée", "preview"),
            &[NOTE],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.show());
    assert!(preview.has("class=\"preview\""), "{}", preview.show());
    assert!(preview.has("<strong>sortie</strong>"));
    assert!(preview.has(">Une **sortie** au musée jeudi.</textarea>"));
    assert_eq!(preview.input("title").as_deref(), Some("Sortie au musée"));
    let kept = preview
        .input("kept")
        .unwrap_or_else(|| panic!("the file is kept: {}", preview.show()));
    assert!(kept.ends_with(":sortie.txt"), "{kept}");
    assert!(preview.has("name=\"roles\" value=\"teacher\" checked"));
    assert!(preview.has("name=\"ack_requested\" checked"));
    assert_eq!(
        announcement_count(&c).await,
        0,
        "a preview publishes nothing"
    );

    // What is typed is shown as text, and the Markdown is cleaned.
    let mut hostile = outing(&csrf, "Réunion <b>parents</b>", "preview");
    hostile[3] = (
        "body",
        "Bonjour <script>alert(1)</script> <a href=\"javascript:x()\" onclick=\"y()\">lien</a>",
    );
    let preview = cpc.post_multipart("/publish", &hostile, &[]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.show());
    assert!(!preview.has("<b>parents</b>"), "{}", preview.show());
    assert_eq!(
        preview.input("title").as_deref(),
        Some("Réunion <b>parents</b>")
    );
    let section = &preview.html[preview.html.find("class=\"preview\"").expect("preview")..];
    let section = &section[..section.find("</section>").expect("end of preview")];
    assert!(
        section.contains("Bonjour") && section.contains("lien"),
        "{section}"
    );
    for bad in ["<script", "javascript:", "onclick"] {
        assert!(!section.contains(bad), "{bad} in the preview: {section}");
    }
    assert_eq!(announcement_count(&c).await, 0);

    let mut empty_title = outing(&csrf, "", "publish");
    empty_title[3] = ("body", "Texte gardé");
    let refused = cpc.post_multipart("/publish", &empty_title, &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.show()
    );
    assert_sound_page("/publish (refused)", &refused);
    assert!(refused.has("role=\"alert\""));
    assert!(refused.has(">Texte gardé</textarea>"), "{}", refused.show());
    assert!(refused.has("name=\"roles\" value=\"teacher\" checked"));
    assert_eq!(announcement_count(&c).await, 0);

    // The kept file of the preview goes out with the publication.
    let mut fields = outing(&csrf, "Sortie au musée", "publish");
    fields.push(("kept", &kept));
    let published = cpc.post_multipart("/publish", &fields, &[]).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.show()
    );
    let page = cpc.get(published.location()).await;
    assert!(page.has(">sortie.txt</a>"), "{}", page.show());
    assert_eq!(announcement_count(&c).await, 1);
}

#[tokio::test]
async fn the_publisher_edits_then_deletes_through_the_forms() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let key = publish_outing(&mut cpc).await;
    let edit_path = format!("/announcements/{key}/edit");

    let form = cpc.get(&edit_path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    assert_sound_page(&edit_path, &form);
    assert!(form.has(&format!("action=\"{edit_path}\"")));
    assert_eq!(form.input("title").as_deref(), Some("Sortie au musée"));
    assert!(
        !form.has("<select id=\"organisation\""),
        "no organisation choice"
    );
    let kept = form.input("kept").expect("the attachment is offered");
    let csrf = form.csrf();

    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let not_yours = prof.get(&edit_path).await;
    assert_eq!(
        not_yours.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_yours.show()
    );

    let mut fields = outing(&csrf, "Sortie au musée (horaires changés)", "publish");
    fields.remove(1);
    fields.push(("organisation", "nantes-3"));
    fields.push(("kept", &kept));
    let edited = cpc.post_multipart(&edit_path, &fields, &[]).await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.show());
    assert_eq!(edited.location(), format!("/announcements/{key}"));
    let page = cpc.get(edited.location()).await;
    assert!(
        page.has("<h1>Sortie au musée (horaires changés)</h1>"),
        "{}",
        page.show()
    );
    assert!(page.has(">sortie.txt</a>"), "the attachment stays");

    let mut empty = fields.clone();
    empty[1] = ("title", "");
    let refused = cpc.post_multipart(&edit_path, &empty, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("role=\"alert\""));

    let forged = cpc
        .post(&format!("/announcements/{key}/delete"), &[("csrf", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let prof_csrf = prof.csrf().await;
    let by_reader = prof
        .post(
            &format!("/announcements/{key}/delete"),
            &[("csrf", &prof_csrf)],
        )
        .await;
    assert_eq!(
        by_reader.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_reader.show()
    );
    assert_eq!(announcement_count(&c).await, 1);

    let deleted = cpc
        .post(&format!("/announcements/{key}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.show());
    assert_eq!(deleted.location(), "/timeline");
    let gone = cpc.get(&format!("/announcements/{key}")).await;
    assert!(
        matches!(gone.status, StatusCode::NOT_FOUND | StatusCode::GONE),
        "{}",
        gone.show()
    );
    assert_eq!(announcement_count(&c).await, 0);
    let timeline = prof.get("/timeline").await;
    assert!(!timeline.has("Sortie au musée"));
}

/// A department with a school under it and an inspector; an admin token.
async fn department() -> (TestApp, String) {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for body in [
        json!({"slug": "dsden44", "name": "DSDEN de Loire-Atlantique", "kind": "department"}),
        json!({"slug": "ecole-jules-verne", "name": "École Jules Verne", "kind": "ecole",
               "uai": "0440001m", "parent": "dsden44", "city": "Nantes"}),
    ] {
        let created = app.post("/api/v1/organisations", &admin, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    app.account("ines", false).await;
    app.account("parent", false).await;
    let added = app
        .post(
            "/api/v1/organisations/dsden44/members",
            &admin,
            json!({"username": "ines", "role": "inspector"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    (app, admin)
}

#[tokio::test]
async fn the_directory_finds_shows_and_follows_organisations() {
    let (app, _admin) = department().await;
    let mut visitor = Browser::speaking(&app, "en");

    let search = visitor.get("/directory").await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.show());
    assert!(search.has("action=\"/directory\""), "{}", search.show());
    let json = app.get_as("/directory", "application/activity+json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.body["type"], "OrderedCollection", "{}", json.body);
    assert!(
        json.body["totalItems"].as_i64().unwrap_or(0) >= 2,
        "{}",
        json.body
    );

    let found = visitor.get("/directory?q=ecole").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.show());
    let line = item_around(
        &found.html,
        "href=\"/directory/organisations/ecole-jules-verne\"",
    )
    .unwrap_or_else(|| panic!("no accent-free match: {}", found.show()));
    assert!(line.contains("École Jules Verne"), "{line}");
    assert!(!found.has("href=\"/directory/organisations/dsden44\""));
    assert_eq!(found.input("q").as_deref(), Some("ecole"));
    let nothing = visitor.get("/directory?q=zzzyx").await;
    assert!(!nothing.has("class=\"results\""));

    // The organisation's page, for a signed-in member of the public.
    let mut parent = Browser::speaking(&app, "en");
    assert_eq!(
        parent.sign_in("parent", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let path = "/directory/organisations/dsden44";
    let page = parent.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert!(page.has("<h1>DSDEN de Loire-Atlantique</h1>"));
    let child = item_around(
        &page.html,
        "href=\"/directory/organisations/ecole-jules-verne\"",
    )
    .unwrap_or_else(|| panic!("child missing: {}", page.show()));
    assert!(child.contains("École Jules Verne"));
    let member = item_around(&page.html, "href=\"/directory/people/ines\"")
        .unwrap_or_else(|| panic!("member missing: {}", page.show()));
    assert!(member.contains("inspector"), "{member}");
    let school = parent
        .get("/directory/organisations/ecole-jules-verne")
        .await;
    assert!(
        school.has("href=\"/directory/organisations/dsden44\""),
        "parent link: {}",
        school.show()
    );

    let actor = parent.get("/orgs/dsden44").await;
    assert_eq!(actor.status, StatusCode::OK, "{}", actor.show());
    assert!(actor.has("<h1>DSDEN de Loire-Atlantique</h1>"));
    assert!(actor.has("href=\"/directory/people/ines\""));

    // Follow, see it among the timeline's sources, unfollow.
    let target = "http://preau.test/orgs/dsden44";
    assert!(page.has("action=\"/follows\""), "{}", page.show());
    assert_eq!(page.input("target").as_deref(), Some(target));
    let option = format!("<option value=\"{target}\"");
    let timeline = parent.get("/timeline").await;
    assert!(!timeline.has(&option), "not followed yet");
    let followed = parent
        .post(
            "/follows",
            &[("csrf", &page.csrf()), ("target", target), ("next", path)],
        )
        .await;
    assert_eq!(
        followed.status,
        StatusCode::SEE_OTHER,
        "{}",
        followed.show()
    );
    assert_eq!(followed.location(), path);
    let page = parent.get(path).await;
    assert!(page.has("action=\"/follows/delete\""), "{}", page.show());
    assert!(page.has("class=\"flash\""));
    let timeline = parent.get("/timeline").await;
    assert!(timeline.has(&option), "{}", timeline.show());

    let unfollowed = parent
        .post(
            "/follows/delete",
            &[("csrf", &page.csrf()), ("target", target), ("next", path)],
        )
        .await;
    assert_eq!(
        unfollowed.status,
        StatusCode::SEE_OTHER,
        "{}",
        unfollowed.show()
    );
    let page = parent.get(path).await;
    assert!(page.has("action=\"/follows\""));
    let timeline = parent.get("/timeline").await;
    assert!(!timeline.has(&option), "{}", timeline.show());

    // Anonymous visitors see the page without a follow button.
    let page = visitor.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.has("action=\"/follows\""));
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

#[tokio::test]
async fn the_timeline_pages_keep_their_filters() {
    let c = circo().await;
    for n in 0..23 {
        let published = c
            .app
            .post(
                "/api/v1/organisations/nantes-3/announcements",
                &c.cpc,
                json!({"title": format!("Note {n:02}"), "body": "Texte", "category": "pedagogy"}),
            )
            .await;
        assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    }
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let first = prof.get("/timeline?category=pedagogy").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.show());
    let titles = |page: &Page| -> Vec<String> {
        page.html
            .match_indices("<h2><a href=\"/announcements/")
            .filter_map(|(at, _)| {
                let rest = &page.html[at..];
                let start = rest.find("\">")? + 2;
                let end = rest.find("</a>")?;
                Some(rest[start..end].to_string())
            })
            .collect()
    };
    let first_titles = titles(&first);
    assert_eq!(first_titles.len(), 20, "{first_titles:?}");
    assert_eq!(first_titles[0], "Note 22", "newest first");
    let marker = "rel=\"next\" href=\"";
    let start = first
        .html
        .find(marker)
        .unwrap_or_else(|| panic!("no next page: {}", first.show()))
        + marker.len();
    let next = unescape(&first.html[start..start + first.html[start..].find('"').expect("end")]);
    assert!(next.contains("category=pedagogy"), "{next}");
    let second = prof.get(&next).await;
    assert_eq!(second.status, StatusCode::OK, "{next}: {}", second.show());
    let second_titles = titles(&second);
    assert_eq!(second_titles, ["Note 02", "Note 01", "Note 00"]);
    assert!(!second.has("rel=\"next\""));
}

#[tokio::test]
async fn a_public_announcement_is_open_to_anonymous_readers() {
    let c = circo().await;
    let published = c
        .app
        .post(
            "/api/v1/organisations/nantes-3/announcements",
            &c.cpc,
            json!({"title": "Fête de l'école", "body": "Samedi **10 h**.", "ack_requested": true}),
        )
        .await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    let key = published.body["key"].as_str().expect("key").to_string();
    let path = format!("/announcements/{key}");
    let mut anonymous = Browser::new(&c.app);
    let page = anonymous.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert_sound_page(&path, &page);
    assert!(page.has("<strong>10 h</strong>"));
    assert!(
        !page.has(&format!("action=\"{path}/read\"")),
        "no acknowledgement without an account"
    );
    assert!(!page.has(&format!("href=\"{path}/edit\"")));
    let reads = anonymous.get(&format!("{path}/reads")).await;
    assert_eq!(reads.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reads.location(),
        format!("/login?next=%2Fannouncements%2F{key}%2Freads")
    );
    let json = c.app.get_as(&path, "application/activity+json").await;
    assert_eq!(json.body["type"], "Article", "peers still get the Article");
}
