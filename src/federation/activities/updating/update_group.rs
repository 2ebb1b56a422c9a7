//! An incoming `Update(Group)`: a remote organisation changed its profile.
//! Also builds the one we send when a local organisation changes.

use activitypub_federation::{
    config::Data,
    kinds::{activity::UpdateType, public},
    protocol::verification::verify_urls_match,
    traits::Activity,
};
use async_trait::async_trait;
use url::Url;

use crate::federation::policy::verify_same_origin;

use crate::{
    AppState,
    config::Settings,
    db::{DbConn, follows, tombstones},
    error::AppError,
    federation::{
        FederationError,
        activities::{apply_once, new_activity_id},
        objects::group::{ApubGroup, store_remote},
        protocol::activities::updating::UpdateGroup,
        send::Outgoing,
    },
};

#[async_trait]
impl Activity for UpdateGroup {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        // A group updates itself only, from its own origin.
        verify_urls_match(self.actor.inner(), &self.object.id)?;
        verify_same_origin(&self.object.id, &self.object.inbox)?;
        if self.actor.is_local(data) {
            return Err(FederationError::Invalid("Update of a local group".into()));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let group = self.object;
        apply_once(data, &self.id, move |conn| {
            if tombstones::contains(conn, group.id.as_str())? {
                tracing::info!(group = %group.id, "Update of a deleted group: ignored");
                return Ok(());
            }
            store_remote(conn, &group)?;
            Ok(())
        })
        .await?;
        Ok(())
    }
}

/// The `Update(Group)` for a local organisation's followers and, when the
/// organisation is listed in the directory, for the instances peered with
/// ours (they keep a copy of the directory). Built inside the transaction
/// that changed it; `None` when nobody outside needs it.
pub fn for_followers(
    conn: &mut DbConn,
    group: &ApubGroup,
    parent: Option<&str>,
    settings: &Settings,
) -> Result<Option<Outgoing>, AppError> {
    let mut inboxes: Vec<Url> = follows::followers(conn, &group.ap_id, 0, i64::MAX)?
        .into_iter()
        .filter_map(|f| Url::parse(&f.follower_inbox).ok())
        .collect();
    if matches!(group.visibility.as_str(), "public" | "federation") {
        let peers = follows::followers(conn, &settings.url("/actor"), 0, i64::MAX)?;
        inboxes.extend(
            peers
                .into_iter()
                .filter_map(|f| Url::parse(&f.follower_inbox).ok()),
        );
    }
    inboxes.sort();
    inboxes.dedup();
    if inboxes.is_empty() {
        return Ok(None);
    }
    if group.private_key.is_none() {
        // Followers fetched the group, which made its key: not reachable.
        tracing::warn!(group = %group.ap_id, "followed group without a key: no Update sent");
        return Ok(None);
    }
    let fed = |e: FederationError| AppError::internal(e.to_string());
    let object = group.document(parent, settings).map_err(fed)?;
    let update = UpdateGroup {
        id: new_activity_id(settings, "update").map_err(fed)?,
        kind: UpdateType::Update,
        actor: object.id.clone().into(),
        to: vec![public()],
        cc: object.followers.clone().into_iter().collect(),
        object,
    };
    Outgoing::new(update, inboxes, settings)
        .map(Some)
        .map_err(fed)
}
