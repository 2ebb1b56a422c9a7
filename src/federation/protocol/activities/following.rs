//! `Follow`, `Accept`, `Reject` and `Undo(Follow)`.

use activitypub_federation::{
    fetch::object_id::ObjectId,
    kinds::activity::{AcceptType, FollowType, RejectType, UndoType},
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::federation::objects::actor::SomeActor;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Follow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FollowType,
    pub actor: ObjectId<SomeActor>,
    pub object: ObjectId<SomeActor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Url>,
}

/// The Follow an `Accept` or `Reject` answers: embedded (Mastodon, Lemmy,
/// Préau) or only its id (some servers).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum AnsweredFollow {
    Follow(Follow),
    Id(Url),
}

/// The followed actor answers yes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Accept {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AcceptType,
    pub actor: ObjectId<SomeActor>,
    pub object: AnsweredFollow,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Url>,
}

/// The followed actor answers no.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Reject {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: RejectType,
    pub actor: ObjectId<SomeActor>,
    pub object: AnsweredFollow,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Url>,
}

/// The follower withdraws.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UndoFollow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub actor: ObjectId<SomeActor>,
    pub object: Follow,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Url>,
}
