//! Following: `Follow`, `Accept`, `Reject`, `Undo(Follow)`.

pub mod accept;
pub mod follow;
pub mod reject;
pub mod undo_follow;

use activitypub_federation::{config::Data, protocol::verification::verify_urls_match};

use crate::{
    AppState,
    federation::{FederationError, protocol::activities::following::Follow},
};

/// An answer (`Accept`/`Reject`) must come from the followed actor and be
/// about a Follow one of our actors sent.
fn verify_answer(
    answerer: &url::Url,
    follow: &Follow,
    data: &Data<AppState>,
) -> Result<(), FederationError> {
    verify_urls_match(answerer, follow.object.inner())?;
    if !follow.actor.is_local(data) {
        return Err(FederationError::Invalid(
            "the answered Follow was not sent from this instance".into(),
        ));
    }
    Ok(())
}
