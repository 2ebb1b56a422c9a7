//! Admin pages of accounts: the list, creation and suspension, and the
//! export of someone's data and the deletion of their account.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;

use super::{CursorQuery, admin, correctable, status_of};
use crate::{
    AppState,
    error::{AppError, AppResult},
    services::{
        Caller, account_deletion,
        accounts::{self, CreateAccount, RosterLine, UpdateAccount},
        pagination::PageRequest,
        personal_data,
    },
    web::ui::{Chrome, Visitor, WebForm, checked, encode, render},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(accounts_page).post(create_account))
        .route("/admin/accounts/disabled", post(set_disabled))
        .route("/admin/accounts/export", post(export))
        .route("/admin/accounts/delete", post(delete_account))
}

#[derive(Deserialize, Default)]
struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    is_admin: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    c: Chrome,
    accounts: Vec<RosterLine>,
    next: Option<String>,
    f: AccountForm,
    error: Option<String>,
}

async fn accounts_view(
    state: &AppState,
    v: &Visitor,
    caller: &Caller,
    cursor: Option<String>,
    f: AccountForm,
    error: Option<String>,
) -> AppResult<Response> {
    let page = accounts::roster(
        state,
        caller,
        &PageRequest {
            cursor,
            limit: Some(50),
        },
    )
    .await?;
    render(
        status_of(&error),
        &AccountsPage {
            c: v.chrome("admin"),
            accounts: page.items,
            next: page
                .next_cursor
                .map(|c| format!("/admin/accounts?cursor={}", encode(&c))),
            f,
            error,
        },
    )
}

async fn accounts_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<CursorQuery>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        accounts_view(&state, &v, &caller, q.cursor, AccountForm::default(), None).await
    }
    .await;
    v.finish(result)
}

async fn create_account(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<AccountForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let mut f = form?;
        v.check_csrf(&f.csrf)?;
        let created = accounts::create(
            &state,
            &caller,
            CreateAccount {
                username: f.username.clone(),
                password: Some(f.password.clone()).filter(|p| !p.is_empty()),
                display_name: Some(f.display_name.clone()),
                email: Some(f.email.clone()),
                is_admin: checked(f.is_admin.as_deref()),
            },
        )
        .await;
        match created {
            Ok(_) => Ok(v.redirect_with("/admin/accounts", "admin.account_created")),
            Err(e) => {
                let error = correctable(v.tr(), e)?;
                f.password.clear();
                accounts_view(&state, &v, &caller, None, f, Some(error)).await
            }
        }
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize)]
struct DisableForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    disabled: String,
}

#[derive(Deserialize)]
struct ExportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
}

/// Someone's data, for an admin answering their request (audited).
async fn export(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<ExportForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let f = form?;
        v.check_csrf(&f.csrf)?;
        let data = personal_data::export(&state, &caller, &f.username).await?;
        crate::web::ui::account::data_file(&data)
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    /// The box saying the admin knows it cannot be undone.
    #[serde(default)]
    confirm: Option<String>,
}

async fn delete_account(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<DeleteForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let f = form?;
        v.check_csrf(&f.csrf)?;
        if f.confirm.is_none() {
            return Err(
                AppError::invalid("confirm: tick the box to delete the account")
                    .says("refused.confirm_needed", &[]),
            );
        }
        account_deletion::delete(&state, &caller, &f.username).await?;
        Ok(v.redirect_with("/admin/accounts", "admin.account_deleted"))
    }
    .await;
    v.finish(result)
}

async fn set_disabled(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<DisableForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let f = form?;
        v.check_csrf(&f.csrf)?;
        accounts::update(
            &state,
            &caller,
            &f.username,
            UpdateAccount {
                disabled: Some(f.disabled == "true"),
                ..UpdateAccount::default()
            },
        )
        .await?;
        Ok(v.redirect_with("/admin/accounts", "admin.account_changed"))
    }
    .await;
    v.finish(result)
}
