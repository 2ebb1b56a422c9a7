//! The activities an inbox accepts. One untagged enum: serde tries the
//! variants in order and each variant's `type` field only matches its own
//! verb, so the order only matters for readability. Types not listed here
//! are acknowledged and ignored by the inbox before any work is done
//! (`SUPPORTED_TYPES`).

use activitypub_federation::{config::Data, traits::Activity};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{
    AppState,
    federation::{
        FederationError,
        protocol::activities::{
            announce::Announce,
            create_or_update::CreateOrUpdateArticle,
            deletion::Delete,
            following::{Accept, Follow, Reject, UndoFollow},
            reading::Read,
            updating::UpdateGroup,
        },
    },
};

/// The `type` values the inbox processes.
pub const SUPPORTED_TYPES: &[&str] = &[
    "Follow", "Accept", "Reject", "Undo", "Create", "Update", "Delete", "Announce", "Read",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InboxActivities {
    Follow(Follow),
    Accept(Accept),
    Reject(Reject),
    UndoFollow(UndoFollow),
    /// Before `CreateOrUpdateArticle`: an `Update` whose object is a
    /// `Group` must not be read as an article (and the reverse); the
    /// object's `type` decides.
    UpdateGroup(Box<UpdateGroup>),
    CreateOrUpdateArticle(Box<CreateOrUpdateArticle>),
    Delete(Delete),
    Announce(Box<Announce>),
    Read(Read),
}

macro_rules! each {
    ($self:expr, |$a:ident| $body:expr) => {
        match $self {
            InboxActivities::Follow($a) => $body,
            InboxActivities::Accept($a) => $body,
            InboxActivities::Reject($a) => $body,
            InboxActivities::UndoFollow($a) => $body,
            InboxActivities::UpdateGroup($a) => $body,
            InboxActivities::Delete($a) => $body,
            InboxActivities::CreateOrUpdateArticle($a) => $body,
            InboxActivities::Announce($a) => $body,
            InboxActivities::Read($a) => $body,
        }
    };
}

#[async_trait]
impl Activity for InboxActivities {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        each!(self, |a| a.id())
    }

    fn actor(&self) -> &Url {
        each!(self, |a| a.actor())
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        each!(self, |a| a.verify(data).await)
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        each!(self, |a| a.receive(data).await)
    }
}
