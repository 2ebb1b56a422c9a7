//! The web interface as a browser sees it: the first run, signing in and
//! out, CSRF, the account page, languages, publishing through the
//! multipart form, the directory and following, and what every page must
//! carry (headers, size, labels, landmarks). This module holds the small
//! cookie jar that plays the browser (every request goes through the
//! router) and the worlds the tests start from; the tests live in the
//! submodules, one per area.

mod account;
mod admin;
mod announcements;
mod directory;
mod markup;

use std::collections::BTreeMap;

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
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
