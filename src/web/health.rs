//! `/healthz`: the process answers. `/readyz`: it can reach its database.

use crate::db::Run;
use std::time::Duration;

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use diesel::sql_query;
use serde_json::{Value, json};

use crate::{AppState, error::AppError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(ready))
}

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let check = state.db.run(|conn| {
        sql_query("SELECT 1").exec(conn)?;
        Ok::<_, AppError>(())
    });
    match tokio::time::timeout(Duration::from_secs(2), check).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": state.db.backend().to_string()})),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = ?e.cause, "readiness check failed");
            not_ready("database unreachable")
        }
        Err(_) => not_ready("database did not answer in time"),
    }
}

fn not_ready(reason: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"status": "unavailable", "reason": reason})),
    )
}
