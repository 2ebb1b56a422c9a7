//! Signing in and out, the first-run page that creates the first admin,
//! and the account page (password, language).

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;

use super::{Chrome, CsrfOnly, Visitor, WebForm, ok, render, safe_next};
use crate::{
    AppState,
    error::{AppError, AppResult, ErrorKind},
    services::{accounts::CreateAccount, personal_data, sessions},
    web::i18n::Locale,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/setup", get(setup_page).post(setup))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account_page))
        .route("/account/export", get(export))
        .route("/account/password", post(change_password))
        .route("/account/language", post(language))
}

async fn home(State(state): State<AppState>, v: Visitor) -> Response {
    let result = async {
        let to = if v.account.is_some() {
            if v.modules.announcements {
                "/timeline"
            } else {
                "/directory"
            }
        } else if sessions::needs_setup(&state).await? {
            "/setup"
        } else {
            "/login"
        };
        Ok(Redirect::to(to).into_response())
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "account/setup.html")]
struct SetupPage {
    c: Chrome,
    /// The setup code, sent back with the form; `None` when the page was
    /// opened without the right one.
    code: Option<String>,
    username: String,
    display_name: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct SetupLink {
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn setup_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(link): Query<SetupLink>,
) -> Response {
    let result = async {
        if !sessions::needs_setup(&state).await? {
            return Ok(Redirect::to("/login").into_response());
        }
        // Without the code the page says where to find the link, and
        // nothing else.
        let code = sessions::is_setup_code(&state, &link.code)
            .await?
            .then_some(link.code);
        let status = if code.is_some() {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        render(
            status,
            &SetupPage {
                c: v.chrome("setup"),
                code,
                username: String::new(),
                display_name: String::new(),
                error: None,
            },
        )
    }
    .await;
    v.finish(result)
}

async fn setup(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<SetupForm>,
) -> Response {
    let result = async {
        let form = form?;
        v.check_csrf(&form.csrf)?;
        let attempt = async {
            if form.password != form.password_confirm {
                return Err(AppError::invalid("the two passwords differ")
                    .says("account.passwords_differ", &[]));
            }
            sessions::create_first_admin(
                &state,
                &form.code,
                CreateAccount {
                    username: form.username.clone(),
                    password: Some(form.password.clone()),
                    display_name: Some(form.display_name.clone()),
                    email: None,
                    is_admin: true,
                },
            )
            .await
        }
        .await;
        match attempt {
            Ok(account) => {
                let secret = sessions::open(&state, account.id).await?;
                tracing::info!(username = %account.username, "first admin created from the web");
                Ok(v.signed_in("/admin", secret))
            }
            Err(e) if e.kind == ErrorKind::Invalid => render(
                e.kind.status(),
                &SetupPage {
                    c: v.chrome("setup"),
                    code: Some(form.code),
                    username: form.username,
                    display_name: form.display_name,
                    error: Some(v.tr().explain(&e)),
                },
            ),
            Err(e) => Err(e),
        }
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<NextQuery>,
) -> Response {
    let result = async {
        let next = safe_next(q.next.as_deref()).to_string();
        if v.account.is_some() {
            return Ok(Redirect::to(&next).into_response());
        }
        if sessions::needs_setup(&state).await? {
            return Ok(Redirect::to("/setup").into_response());
        }
        ok(&LoginPage {
            c: v.chrome("login"),
            username: String::new(),
            next,
            error: None,
        })
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<LoginForm>,
) -> Response {
    let result = async {
        let form = form?;
        v.check_csrf(&form.csrf)?;
        let next = safe_next(form.next.as_deref()).to_string();
        match sessions::sign_in(&state, &form.username, &form.password).await {
            Ok(secret) => {
                let to = if next == "/" { "/" } else { next.as_str() };
                Ok(v.signed_in(to, secret))
            }
            Err(e) if matches!(e.kind, ErrorKind::Unauthorized | ErrorKind::TooManyRequests) => {
                let error = if e.kind == ErrorKind::Unauthorized {
                    v.tr().t("account.bad_credentials").to_string()
                } else {
                    v.tr().explain(&e)
                };
                render(
                    e.kind.status(),
                    &LoginPage {
                        c: v.chrome("login"),
                        username: form.username,
                        next,
                        error: Some(error),
                    },
                )
            }
            Err(e) => Err(e),
        }
    }
    .await;
    v.finish(result)
}

async fn logout(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<CsrfOnly>,
) -> Response {
    let result = async {
        v.check_csrf(&form?.csrf)?;
        if let Some(secret) = v.session_secret() {
            sessions::sign_out(&state, secret).await?;
        }
        Ok(v.signed_out("/login"))
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    c: Chrome,
    username: String,
    handle: String,
    email: String,
    error: Option<String>,
}

fn account_page_of(v: &Visitor, state: &AppState, error: Option<String>) -> AppResult<AccountPage> {
    let me = v.account()?;
    Ok(AccountPage {
        c: v.chrome("account"),
        username: me.username.clone(),
        handle: format!("{}@{}", me.username, state.settings.domain),
        email: me.email.clone().unwrap_or_default(),
        error,
    })
}

async fn account_page(State(state): State<AppState>, v: Visitor) -> Response {
    let result = account_page_of(&v, &state, None).and_then(|page| ok(&page));
    v.finish(result)
}

/// One's own data, as a JSON file to keep (GDPR).
async fn export(State(state): State<AppState>, v: Visitor) -> Response {
    let result = async {
        let caller = v.caller()?;
        let Some(account) = &v.account else {
            return Err(AppError::unauthorized());
        };
        let data = personal_data::export(&state, &caller, &account.username).await?;
        data_file(&data)
    }
    .await;
    v.finish(result)
}

/// A person's data as a JSON file to save.
pub(super) fn data_file(data: &personal_data::PersonalData) -> AppResult<Response> {
    let body = serde_json::to_vec_pretty(data).map_err(AppError::internal)?;
    let file = format!(
        "attachment; filename=\"preau-{}.json\"",
        data.account.username
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<PasswordForm>,
) -> Response {
    let result = async {
        let form = form?;
        v.check_csrf(&form.csrf)?;
        let (Some(session), Some(account)) = (&v.session, &v.account) else {
            return Err(AppError::unauthorized());
        };
        let changed = if form.new_password == form.new_password_confirm {
            sessions::change_password(
                &state,
                session,
                account,
                &form.current_password,
                &form.new_password,
            )
            .await
        } else {
            Err(AppError::invalid("the two passwords differ").says("account.passwords_differ", &[]))
        };
        match changed {
            Ok(()) => Ok(v.redirect_with("/account", "account.password_changed")),
            Err(e) if e.kind == ErrorKind::Invalid => {
                let status = e.kind.status();
                render(
                    status,
                    &account_page_of(&v, &state, Some(v.tr().explain(&e)))?,
                )
            }
            Err(e) => Err(e),
        }
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    next: Option<String>,
}

async fn language(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<LanguageForm>,
) -> Response {
    let result = async {
        let form = form?;
        v.check_csrf(&form.csrf)?;
        let locale = Locale::parse(&form.lang).ok_or_else(|| {
            AppError::invalid(format!("lang: `{}` is not fr or en", form.lang))
                .says("refused.lang_unknown", &[])
        })?;
        let next = safe_next(form.next.as_deref()).to_string();
        if let Some(account) = &v.account {
            sessions::set_locale(&state, account.id, Some(locale.code().to_string())).await?;
        }
        Ok(v.language_set(&next, locale))
    }
    .await;
    v.finish(result)
}
