//! The JSON API under `/api/v1`, for scripts and mobile apps. Bearer tokens
//! authenticate; errors are `{"error": code, "message": text}`.

mod accounts;
mod announcements;
mod audit;
mod directory;
mod federation;
mod files;
mod follows;
mod organisations;
mod resources;
mod tokens;

use axum::{Json, Router, extract::State, routing::get};
use serde_json::{Value, json};

use crate::{AppState, error::AppError};

pub fn routes(settings: &crate::config::Settings) -> Router<AppState> {
    Router::new()
        .route("/instance", get(instance))
        .merge(tokens::routes())
        .merge(accounts::routes())
        .merge(organisations::routes())
        .merge(follows::routes())
        .merge(federation::routes())
        .merge(audit::routes())
        .merge(announcements::routes())
        .merge(directory::routes())
        .merge(files::routes(settings.limits.max_upload_bytes))
        .merge(resources::routes(settings.limits.max_upload_bytes))
        .fallback(|| async { AppError::not_found("endpoint") })
}

async fn instance(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "domain": state.settings.domain,
        "software": "preau",
        "version": env!("CARGO_PKG_VERSION"),
        "federation_mode": state.settings.federation.mode.to_string(),
    }))
}
