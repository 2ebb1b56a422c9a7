//! `Update` of an actor's profile.

use activitypub_federation::{fetch::object_id::ObjectId, kinds::activity::UpdateType};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::federation::{objects::actor::SomeActor, protocol::actors::Group};

/// An organisation announces its new profile to its followers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UpdateGroup {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    pub actor: ObjectId<SomeActor>,
    pub object: Group,
    #[serde(default)]
    pub to: Vec<Url>,
    #[serde(default)]
    pub cc: Vec<Url>,
}
