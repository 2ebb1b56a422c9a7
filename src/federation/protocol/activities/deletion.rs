//! `Delete`, of an object or of an actor.

use activitypub_federation::{fetch::object_id::ObjectId, kinds::activity::DeleteType};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::federation::objects::actor::SomeActor;

/// What a `Delete` names: an id, or an object (often a `Tombstone`) with one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ObjectRef {
    Id(Url),
    Object { id: Url },
}

impl ObjectRef {
    pub fn id(&self) -> &Url {
        match self {
            Self::Id(id) | Self::Object { id } => id,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: DeleteType,
    pub actor: ObjectId<SomeActor>,
    pub object: ObjectRef,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Url>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<Url>,
}
