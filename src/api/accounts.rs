//! `/accounts`: list, create, read and update local accounts, and export
//! one's data.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};

use crate::{
    AppState,
    error::AppResult,
    services::{
        account_deletion,
        accounts::{self, AccountView, CreateAccount, UpdateAccount},
        pagination::{Page, PageRequest},
        personal_data::{self, PersonalData},
    },
    web::extract::{ApiJson, ApiQuery, Authenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/me", get(me))
        .route(
            "/accounts/{username}",
            get(show).patch(update).delete(remove),
        )
        .route("/accounts/{username}/export", get(export))
}

/// Deletes an account for good (instance admins), and tells the instances
/// that may hold its data.
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(username): Path<String>,
) -> AppResult<StatusCode> {
    account_deletion::delete(&state, &auth.caller(), &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything the instance holds about an account (GDPR), for its owner
/// and instance admins.
async fn export(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(username): Path<String>,
) -> AppResult<Json<PersonalData>> {
    Ok(Json(
        personal_data::export(&state, &auth.caller(), &username).await?,
    ))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> AppResult<Json<Page<AccountView>>> {
    Ok(Json(accounts::list(&state, &auth.caller(), &page).await?))
}

async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<CreateAccount>,
) -> AppResult<(StatusCode, Json<AccountView>)> {
    let view = accounts::create(&state, &auth.caller(), body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn me(State(state): State<AppState>, auth: Authenticated) -> AppResult<Json<AccountView>> {
    let username = auth.0.username.clone();
    Ok(Json(
        accounts::get(&state, &auth.caller(), &username).await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(username): Path<String>,
) -> AppResult<Json<AccountView>> {
    Ok(Json(
        accounts::get(&state, &auth.caller(), &username).await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<UpdateAccount>,
) -> AppResult<Json<AccountView>> {
    Ok(Json(
        accounts::update(&state, &auth.caller(), &username, body).await?,
    ))
}
