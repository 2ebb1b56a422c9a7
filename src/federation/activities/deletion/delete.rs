//! An incoming `Delete`: the origin removed an object or an actor. It may
//! arrive before the object itself; the tombstone it leaves keeps the
//! object from appearing afterwards.

use activitypub_federation::{config::Data, traits::Activity};
use async_trait::async_trait;
use url::Url;

use crate::federation::policy::verify_same_origin;

use crate::{
    AppState,
    db::tombstones,
    federation::{
        FederationError, activities::apply_once, policy::is_local,
        protocol::activities::deletion::Delete,
    },
};

#[async_trait]
impl Activity for Delete {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        // Only the origin deletes its objects; nobody deletes ours.
        verify_same_origin(self.object.id(), self.actor.inner())?;
        if is_local(&data.settings, self.object.id()) {
            return Err(FederationError::Invalid("Delete of a local object".into()));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let (object, actor) = (self.object.id().to_string(), self.actor.inner().to_string());
        apply_once(data, &self.id, move |conn| {
            tombstones::bury(conn, &object, &actor)?;
            Ok(())
        })
        .await?;
        tracing::info!(object = %self.object.id(), "remote object deleted");
        Ok(())
    }
}
