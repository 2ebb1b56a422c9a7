//! A `Create` or `Update(Article)` straight from its author. Préau relays
//! through the group, but also sends the author's `Update` so that Mastodon,
//! which ignores a wrapped one, applies edits; peers get both and the
//! second changes nothing. Only articles of groups followed here are kept.

use activitypub_federation::{config::Data, traits::Activity};
use async_trait::async_trait;
use url::Url;

use super::super::announce::receive::verify_create_or_update;
use crate::{
    AppState,
    federation::{
        FederationError, activities::apply_once, objects::announcement::RemoteArticle,
        policy::is_local, protocol::activities::create_or_update::CreateOrUpdateArticle,
    },
};

#[async_trait]
impl Activity for CreateOrUpdateArticle {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        let group = &self.object.audience;
        if is_local(&data.settings, group) {
            return Err(FederationError::Refused(
                "members of other instances cannot publish in a local organisation".into(),
            ));
        }
        verify_create_or_update(self, group, data)
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let Some(remote) = RemoteArticle::prepare(self.object, data).await? else {
            return Ok(());
        };
        apply_once(data, &self.id, move |conn| {
            remote.store(conn)?;
            Ok(())
        })
        .await?;
        Ok(())
    }
}
