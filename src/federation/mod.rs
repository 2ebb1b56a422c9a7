//! ActivityPub federation around `activitypub_federation`: organisations
//! are `Group`s, accounts `Person`s, the instance an `Application`; they
//! follow each other across instances, within the federation policy.

pub mod activities;
pub mod activity_lists;
pub mod delivery;
pub mod directory;
pub mod error;
pub mod inbox;
pub mod keys;
pub mod metrics;
pub mod mirror;
pub mod net_guard;
pub mod objects;
pub mod policy;
pub mod protocol;
pub mod routes;
pub mod send;
pub mod signatures;
pub mod signed_fetch;

use std::time::Duration;

use activitypub_federation::config::FederationConfig;

pub use error::FederationError;
use objects::instance::ApubInstance;

use crate::AppState;

/// Builds the library's configuration: our guarded HTTP client, the policy
/// as URL verifier, fetch limits, and the instance actor signing every GET
/// (servers in secure mode require it).
pub async fn config(state: AppState) -> Result<FederationConfig<AppState>, FederationError> {
    let settings = state.settings.clone();
    let timeout = Duration::from_secs(settings.limits.fetch_timeout_secs);
    let user_agent = format!(
        "preau/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        settings.url("/")
    );
    let client = net_guard::build_client(&user_agent, timeout, settings.federation.debug)
        .map_err(|e| FederationError::App(crate::error::AppError::internal(e)))?;
    let instance = ApubInstance::local(&state).await?;
    FederationConfig::builder()
        .domain(settings.domain.clone())
        .app_data(state.clone())
        .client(client.into())
        .debug(settings.federation.debug)
        .allow_http_urls(settings.federation.debug)
        .http_fetch_limit(settings.limits.fetch_limit)
        .request_timeout(timeout)
        .url_verifier(Box::new(policy::PolicyVerifier { state }))
        // Sign `date` rather than `(created)`/`(expires)`: Mastodon, Pleroma
        // and bovine all verify that form, not all verify the newer one.
        .http_signature_compat(true)
        .signed_fetch_actor(&instance)
        .build()
        .await
        .map_err(|e| FederationError::Invalid(e.to_string()))
}
