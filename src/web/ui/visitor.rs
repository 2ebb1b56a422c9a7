//! Who is looking at a page: the session behind the cookie (if any), the
//! language, the CSRF token forms must send back, and the one-shot message
//! left by the previous form. Every page handler takes a [`Visitor`].

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, Method, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use cookie::{Cookie, SameSite, time::Duration as CookieAge};

use super::chrome::{Chrome, Me};
use crate::{
    AppState,
    db::{accounts::SignedIn, sessions::Session},
    error::{AppError, AppResult, ErrorKind},
    services::{
        auth,
        modules::{self, Modules},
        sessions,
    },
    web::i18n::{Locale, Tr},
};

pub const SESSION_COOKIE: &str = "preau_session";
const CSRF_COOKIE: &str = "preau_csrf";
const LANG_COOKIE: &str = "preau_lang";
const FLASH_COOKIE: &str = "preau_flash";

/// A request to a page, with everything the page's frame needs.
pub struct Visitor {
    pub account: Option<SignedIn>,
    pub session: Option<Session>,
    /// The session cookie's secret, to sign out.
    secret: Option<String>,
    pub locale: Locale,
    /// The instance's clock, on which dates are shown and read.
    zone: chrono_tz::Tz,
    /// The anonymous CSRF token: from the cookie, or made for this page
    /// (empty for a signed-in visitor without the cookie, who never uses it).
    anonymous_csrf: String,
    new_anonymous_csrf: bool,
    /// The translation key of a message left by the previous request.
    flash: Option<String>,
    pub modules: Modules,
    /// Path and query of the page, where sign-in comes back to.
    pub path: String,
    pub method: Method,
    secure: bool,
}

fn cookies(headers: &HeaderMap) -> impl Iterator<Item = Cookie<'_>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let mut secret = None;
        let mut anonymous_csrf = None;
        let mut lang = None;
        let mut flash = None;
        for cookie in cookies(&parts.headers) {
            match cookie.name() {
                SESSION_COOKIE => secret = Some(cookie.value().to_string()),
                CSRF_COOKIE => anonymous_csrf = Some(cookie.value().to_string()),
                LANG_COOKIE => lang = Locale::parse(cookie.value()),
                FLASH_COOKIE => flash = Some(cookie.value().to_string()),
                _ => {}
            }
        }
        let found = match &secret {
            Some(secret) => sessions::authenticate(state, secret).await,
            None => Ok(None),
        };
        let modules = modules::current(state).await;
        let (found, modules) = match (found, modules) {
            (Ok(found), Ok(modules)) => (found, modules),
            (Err(e), _) | (_, Err(e)) => return Err(e.into_response()),
        };
        let (session, account) = found.unzip();
        let browser = || {
            Locale::negotiate(
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        };
        let locale = account
            .as_ref()
            .and_then(|a| a.locale.as_deref())
            .and_then(Locale::parse)
            .or(lang)
            .unwrap_or_else(browser);
        let new_anonymous_csrf = anonymous_csrf.is_none() && session.is_none();
        // A signed-in visitor's forms carry the session's token; only
        // others need an anonymous one made.
        let anonymous_csrf = match anonymous_csrf {
            Some(token) => token,
            None if session.is_none() => auth::new_secret(),
            None => String::new(),
        };
        Ok(Self {
            secret: secret.filter(|_| session.is_some()),
            account,
            session,
            locale,
            zone: state.settings.time_zone,
            anonymous_csrf,
            new_anonymous_csrf,
            flash: flash.filter(|f| f.len() < 80),
            modules,
            path: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
            method: parts.method.clone(),
            secure: state.settings.scheme() == "https",
        })
    }
}

impl Visitor {
    pub fn tr(&self) -> Tr {
        Tr::new(self.locale, self.zone)
    }

    /// The token this visitor's forms carry.
    pub fn csrf(&self) -> &str {
        self.session
            .as_ref()
            .map_or(&self.anonymous_csrf, |s| &s.csrf_token)
    }

    /// Refuses a form whose token is not this visitor's.
    pub fn check_csrf(&self, sent: &str) -> AppResult<()> {
        if auth::same_secret(sent, self.csrf()) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "the form has expired or comes from another site: reload the page and send it again",
            ).says("refused.form_expired", &[]))
        }
    }

    /// The signed-in account, or 401 (which [`Visitor::finish`] turns into
    /// the sign-in page).
    pub fn account(&self) -> AppResult<&SignedIn> {
        self.account.as_ref().ok_or_else(AppError::unauthorized)
    }

    /// The signed-in account as the services' caller.
    pub fn caller(&self) -> AppResult<crate::services::Caller> {
        Ok(crate::services::Caller::Account(Box::new(
            self.account()?.clone(),
        )))
    }

    /// Who is looking, for the directory's visibilities.
    pub fn viewer(&self) -> crate::model::Viewer {
        crate::model::Viewer::of(self.account.as_ref())
    }

    pub fn session_secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    /// The frame of a page: menu, language, account, CSRF token, flash.
    pub fn chrome(&self, current: &'static str) -> Chrome {
        Chrome {
            tr: self.tr(),
            account: self.account.as_ref().map(|a| Me {
                username: a.username.clone(),
                display_name: a.display_name.clone(),
                is_admin: a.is_admin,
            }),
            csrf: self.csrf().to_string(),
            modules: self.modules,
            current,
            flash: self.flash.clone(),
            // A page answering a refused form has the form's address,
            // which only takes POST: the language switch goes home then.
            path: if self.method == Method::GET {
                self.path.clone()
            } else {
                "/".to_string()
            },
        }
    }

    /// Adds what the visitor's cookies need to a response: the anonymous
    /// CSRF cookie when it was just made, and the end of a shown flash.
    pub fn with_cookies(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        if self.new_anonymous_csrf {
            let cookie = self.cookie(
                CSRF_COOKIE,
                self.anonymous_csrf.clone(),
                None,
                SameSite::Strict,
            );
            append_cookie(headers, &cookie);
        }
        if self.flash.is_some() {
            append_cookie(headers, &removal(FLASH_COOKIE));
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        response
    }

    fn cookie(
        &self,
        name: &'static str,
        value: String,
        max_age: Option<CookieAge>,
        same_site: SameSite,
    ) -> Cookie<'static> {
        let mut cookie = Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(same_site)
            .secure(self.secure);
        if let Some(age) = max_age {
            cookie = cookie.max_age(age);
        }
        cookie.build()
    }

    /// A 303 to `to`, leaving a translated message for the next page.
    pub fn redirect_with(&self, to: &str, flash_key: &str) -> Response {
        let mut response = Redirect::to(to).into_response();
        let cookie = self.cookie(FLASH_COOKIE, flash_key.to_string(), None, SameSite::Lax);
        append_cookie(response.headers_mut(), &cookie);
        response
    }

    /// A 303 that also sets the session cookie.
    pub fn signed_in(&self, to: &str, secret: String) -> Response {
        let age = CookieAge::seconds(sessions::IDLE_LIFETIME.num_seconds());
        let mut response = Redirect::to(to).into_response();
        let cookie = self.cookie(SESSION_COOKIE, secret, Some(age), SameSite::Lax);
        append_cookie(response.headers_mut(), &cookie);
        response
    }

    /// A 303 that also ends the session cookie.
    pub fn signed_out(&self, to: &str) -> Response {
        let mut response = self.redirect_with(to, "account.signed_out");
        append_cookie(response.headers_mut(), &removal(SESSION_COOKIE));
        response
    }

    /// A 303 that remembers an anonymous visitor's language.
    pub fn language_set(&self, to: &str, locale: Locale) -> Response {
        let mut response = Redirect::to(to).into_response();
        let age = CookieAge::days(365);
        let mut cookie = self.cookie(
            LANG_COOKIE,
            locale.code().to_string(),
            Some(age),
            SameSite::Lax,
        );
        cookie.set_http_only(false);
        append_cookie(response.headers_mut(), &cookie);
        response
    }

    /// The response of a page handler: the page, or its error shown in the
    /// frame. Without a session, a page that needs one sends to sign-in.
    pub fn finish(&self, result: AppResult<Response>) -> Response {
        match result {
            Ok(response) => self.with_cookies(response),
            Err(error) if error.kind == ErrorKind::Unauthorized && self.account.is_none() => {
                let next = if self.method == Method::GET {
                    self.path.as_str()
                } else {
                    "/"
                };
                let to = format!("/login?next={}", super::encode(next));
                self.with_cookies(Redirect::to(&to).into_response())
            }
            Err(error) => self.with_cookies(super::error_page(self, &error)),
        }
    }
}

fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, ""))
        .path("/")
        .max_age(CookieAge::ZERO)
        .build()
}

fn append_cookie(headers: &mut HeaderMap, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.append(header::SET_COOKIE, value);
    }
}
