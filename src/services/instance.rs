//! The instance's own key pair, created on first start.

use activitypub_federation::http_signatures::generate_actor_keypair;

use crate::{
    AppState,
    db::instance::{self, InstanceRow},
    error::{AppError, AppResult},
};

/// Returns the instance row, generating and storing its RSA key pair the
/// first time. Generation runs on the blocking pool: it takes tens of
/// milliseconds of CPU.
pub async fn ensure_keys(state: &AppState) -> AppResult<InstanceRow> {
    let existing = state
        .db
        .run(|conn| Ok::<_, AppError>(instance::get(conn)?))
        .await?;
    if let Some(row) = existing {
        return Ok(row);
    }
    let keys = tokio::task::spawn_blocking(generate_actor_keypair)
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::internal(e.to_string()))?;
    let domain = state.settings.domain.clone();
    let row = state
        .db
        .run(move |conn| {
            Ok::<_, AppError>(instance::insert_if_absent(
                conn,
                &domain,
                &keys.public_key,
                &keys.private_key,
            )?)
        })
        .await?;
    tracing::info!(domain = %row.domain, "instance key pair created");
    Ok(row)
}
