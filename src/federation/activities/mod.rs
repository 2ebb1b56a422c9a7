//! What each incoming activity means: `verify` holds every check, `receive`
//! only writes (and is safe to run twice). Grouped by verb family.

pub mod announce;
pub mod create_or_update;
pub mod deletion;
pub mod following;
pub mod reading;
pub mod updating;

use activitypub_federation::config::Data;
use url::Url;

use crate::{AppState, config::Settings, error::AppError, federation::FederationError};

/// A fresh id for an activity we emit: `https://domain/activities/<kind>/<uuid>`.
pub fn new_activity_id(settings: &Settings, kind: &str) -> Result<Url, FederationError> {
    let random: u128 = rand::random();
    Ok(Url::parse(
        &settings.url(&format!("/activities/{kind}/{random:032x}")),
    )?)
}

/// Applies an incoming activity's effects and records its id in one
/// transaction: a redelivery finds the id and does nothing, a failure
/// records nothing, so the sender's retry is processed.
pub async fn apply_once<F>(
    data: &Data<AppState>,
    activity_id: &Url,
    effects: F,
) -> Result<bool, FederationError>
where
    F: FnOnce(&mut crate::db::DbConn) -> Result<(), AppError> + Send + 'static,
{
    let id = activity_id.to_string();
    Ok(data
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                if !crate::db::received::record(conn, &id)? {
                    return Ok(false);
                }
                effects(conn)?;
                Ok::<_, AppError>(true)
            })
        })
        .await?)
}
