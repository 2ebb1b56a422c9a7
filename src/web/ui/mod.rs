//! The web interface: server-rendered pages (askama) for every flow, in
//! French first and English, with no JavaScript and no asset from another
//! domain. Handlers are thin: they read the form, call the same services
//! as the API, and render.

mod account;
mod admin;
pub mod announcements;
mod chrome;
pub mod directory;
mod publish;
pub mod resources;
mod upload;
mod visitor;

use askama::Template;
use axum::{
    Router,
    body::Bytes,
    extract::{FromRequest, Request},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use serde::de::DeserializeOwned;

pub use chrome::Chrome;
pub use visitor::Visitor;

use crate::{
    AppState,
    error::{AppError, ErrorKind},
};

pub fn routes(settings: &crate::config::Settings) -> Router<AppState> {
    Router::new()
        .route("/static/preau.css", get(stylesheet))
        .merge(account::routes())
        .merge(admin::routes())
        .merge(announcements::routes())
        .merge(publish::routes(settings.limits.max_upload_bytes))
        .merge(directory::routes())
        .merge(resources::routes(settings.limits.max_upload_bytes))
}

/// What a page may load: itself, its stylesheet and same-origin images;
/// no script at all, and forms only post here.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What a page's buffer starts at: most pages fit, the longest list
/// pages grow it once.
const PAGE_CAPACITY: usize = 16 * 1024;

/// Renders a page with its status and the headers every page carries.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Result<Response, AppError> {
    // Pages run to tens of kilobytes; askama's own hint counts only the
    // template's literal text, so the buffer would grow (and be copied)
    // several times on a list page.
    let mut html = String::with_capacity(T::SIZE_HINT.max(PAGE_CAPACITY));
    page.render_into(&mut html).map_err(AppError::internal)?;
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    Ok(response)
}

pub fn ok<T: Template>(page: &T) -> Result<Response, AppError> {
    render(StatusCode::OK, page)
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/preau.css"),
    )
        .into_response()
}

/// Percent-encodes a query value (a path sent back after sign-in).
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Only same-site paths are followed after sign-in, never `//other.site`.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n,
        _ => "/",
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: Chrome,
    title: &'a str,
    detail: &'a str,
}

/// An error in the page frame: a translated title for its kind, and the
/// service's own message as the detail (never the cause).
pub fn error_page(visitor: &Visitor, error: &AppError) -> Response {
    if error.kind == ErrorKind::Internal {
        tracing::error!(%error, cause = ?error.cause, "page failed");
    }
    let tr = visitor.tr();
    let title = tr.t(match error.kind {
        ErrorKind::NotFound => "error.not_found",
        ErrorKind::Forbidden => "error.forbidden",
        ErrorKind::Unauthorized => "error.unauthorized",
        ErrorKind::Invalid | ErrorKind::BadRequest => "error.invalid",
        ErrorKind::Conflict => "error.conflict",
        ErrorKind::PayloadTooLarge => "error.too_large",
        ErrorKind::TooManyRequests => "error.too_many",
        ErrorKind::Unavailable | ErrorKind::Internal => "error.internal",
    });
    let page = ErrorPage {
        c: visitor.chrome(""),
        title,
        detail: &tr.explain(error),
    };
    render(error.kind.status(), &page).unwrap_or_else(IntoResponse::into_response)
}

/// The 404 page of any address nothing answers.
pub async fn not_found(v: Visitor) -> Response {
    v.finish(Err(AppError::not_found("page")))
}

/// A urlencoded form body, parsed into `T` (repeated keys fill a `Vec`).
/// A malformed body is kept as the error, for the handler to show in
/// its page rather than as a bare rejection.
pub struct WebForm<T>(pub Result<T, AppError>);

impl<S, T> FromRequest<S> for WebForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let parsed =
            match Bytes::from_request(req, state).await {
                Ok(body) => serde_html_form::from_bytes::<T>(&body).map_err(|e| {
                    AppError::bad_request(format!("form: {e}")).says("refused.form_unreadable", &[])
                }),
                Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(
                    AppError::new(ErrorKind::PayloadTooLarge, "the form is too large")
                        .says("refused.form_too_large", &[]),
                ),
                Err(rejection) => Err(AppError::bad_request(rejection.body_text())
                    .says("refused.form_unreadable", &[])),
            };
        Ok(Self(parsed))
    }
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// A text field: trimmed, and `None` when blank.
pub fn given(value: &str) -> Option<String> {
    crate::services::clean(Some(value.to_string()))
}

/// A checkbox: present (`on`) or absent.
pub fn checked(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/timeline?unread=on")),
            "/timeline?unread=on"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
