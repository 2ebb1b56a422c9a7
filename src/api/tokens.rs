//! `POST /tokens` (sign in with a password), `DELETE /tokens/current`.

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, request::Parts},
    routing::{delete, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    AppState,
    error::{AppError, AppResult},
    services::auth,
    web::extract::{ApiJson, bearer_token},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", post(login))
        .route("/tokens/current", delete(revoke))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    username: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Login>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let name = body.name.unwrap_or_else(|| "api".into());
    let token = auth::login(&state, &body.username, &body.password, &name).await?;
    Ok((StatusCode::CREATED, Json(json!({ "token": token }))))
}

async fn revoke(State(state): State<AppState>, parts: Parts) -> AppResult<StatusCode> {
    let token = bearer_token(&parts)?.ok_or_else(AppError::unauthorized)?;
    auth::revoke(&state, token).await?;
    Ok(StatusCode::NO_CONTENT)
}
