//! Following: `Follow`, `Accept`, `Reject`, `Undo(Follow)`.

pub mod accept;
pub mod follow;
pub mod reject;
pub mod undo_follow;

use activitypub_federation::config::Data;
use url::Url;

use crate::{
    AppState,
    db::follows,
    error::AppError,
    federation::{
        FederationError, policy::is_local, protocol::activities::following::AnsweredFollow,
    },
};

/// The `(follower, followed)` of the Follow an `Accept` or `Reject`
/// answers. The answer must come from the followed actor, about a Follow one
/// of our actors sent.
async fn answered_pair(
    answerer: &Url,
    object: &AnsweredFollow,
    data: &Data<AppState>,
) -> Result<(String, String), FederationError> {
    let (follower, target) = match object {
        AnsweredFollow::Follow(f) => (f.actor.inner().to_string(), f.object.inner().to_string()),
        AnsweredFollow::Id(id) => {
            let id = id.to_string();
            let row = data
                .db
                .run(move |conn| Ok::<_, AppError>(follows::by_activity_id(conn, &id)?))
                .await?
                .ok_or_else(|| FederationError::Invalid("answer to an unknown Follow".into()))?;
            (row.follower_ap_id, row.target_ap_id)
        }
    };
    if target != answerer.as_str() {
        return Err(FederationError::Refused(
            "only the followed actor answers a Follow".into(),
        ));
    }
    if !Url::parse(&follower).is_ok_and(|u| is_local(&data.settings, &u)) {
        return Err(FederationError::Invalid(
            "the answered Follow was not sent from this instance".into(),
        ));
    }
    Ok((follower, target))
}
