//! An incoming `Undo(Follow)`: the follower withdraws.

use activitypub_federation::{
    config::Data, protocol::verification::verify_urls_match, traits::Activity,
};
use async_trait::async_trait;
use url::Url;

use crate::{
    AppState,
    db::follows,
    federation::{
        FederationError, activities::apply_once, protocol::activities::following::UndoFollow,
    },
};

#[async_trait]
impl Activity for UndoFollow {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        // Only the follower may undo its own follow.
        verify_urls_match(self.actor.inner(), self.object.actor.inner())?;
        if !self.object.object.is_local(data) {
            return Err(FederationError::Invalid(
                "Undo of a follow of an actor that does not live here".into(),
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let follower = self.actor.inner().to_string();
        let target = self.object.object.inner().to_string();
        apply_once(data, &self.id, move |conn| {
            follows::remove(conn, &follower, &target)?;
            Ok(())
        })
        .await?;
        tracing::info!(follower = %self.actor.inner(), target = %self.object.object.inner(), "follow undone");
        Ok(())
    }
}
