//! `Read`: a reader acknowledges an announcement, to its organisation.

use activitypub_federation::{
    fetch::object_id::ObjectId, kinds::activity::ReadType,
    protocol::helpers::deserialize_one_or_many,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::federation::objects::actor::SomeActor;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Read {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ReadType,
    pub actor: ObjectId<SomeActor>,
    /// The announcement's id.
    pub object: Url,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
}
