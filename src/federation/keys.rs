//! Key pairs of organisations and accounts, made the first time an actor
//! is served or signs: importing thousands of organisations generates no key.

use activitypub_federation::{config::Data, http_signatures::generate_actor_keypair};

use crate::{
    AppState,
    db::{
        accounts::{self, Account},
        organisations::{self, Organisation},
    },
    error::AppError,
    federation::FederationError,
};

async fn new_keypair() -> Result<(String, String), FederationError> {
    let keys = tokio::task::spawn_blocking(generate_actor_keypair)
        .await
        .map_err(|e| FederationError::App(AppError::internal(e)))??;
    Ok((keys.public_key, keys.private_key))
}

/// Returns the organisation with its key pair, creating it if needed
/// (local organisations only; remote ones carry their public key).
pub async fn ensure_org_keys(
    data: &AppState,
    org: Organisation,
) -> Result<Organisation, FederationError> {
    if !org.local || org.private_key.is_some() {
        return Ok(org);
    }
    let (public, private) = new_keypair().await?;
    let id = org.id;
    Ok(data
        .db
        .run(move |conn| {
            Ok::<_, AppError>(organisations::set_keys_if_missing(
                conn, id, &public, &private,
            )?)
        })
        .await?)
}

/// The same for accounts.
pub async fn ensure_account_keys(
    data: &Data<AppState>,
    account: Account,
) -> Result<Account, FederationError> {
    if !account.local || account.private_key.is_some() {
        return Ok(account);
    }
    let (public, private) = new_keypair().await?;
    let id = account.id;
    Ok(data
        .db
        .run(move |conn| {
            Ok::<_, AppError>(accounts::set_keys_if_missing(conn, id, &public, &private)?)
        })
        .await?)
}
