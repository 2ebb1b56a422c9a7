//! An incoming `Accept` of a Follow one of our actors sent.

use activitypub_federation::{config::Data, traits::Activity};
use async_trait::async_trait;
use url::Url;

use super::answered_pair;
use crate::{
    AppState,
    db::follows,
    federation::{
        FederationError, activities::apply_once, protocol::activities::following::Accept,
    },
};

#[async_trait]
impl Activity for Accept {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        answered_pair(self.actor.inner(), &self.object, data).await?;
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let (follower, target) = answered_pair(self.actor.inner(), &self.object, data).await?;
        // Our instance's peering request accepted: read the peer's directory.
        let peering = follower == data.settings.url("/actor");
        apply_once(data, &self.id, move |conn| {
            if follows::set_accepted(conn, &follower, &target)? == 0 {
                tracing::info!(%follower, %target, "Accept for a follow we do not have: ignored");
            }
            Ok(())
        })
        .await?;
        if peering {
            crate::federation::directory::spawn_sync(data, self.actor.inner().clone());
        }
        Ok(())
    }
}
