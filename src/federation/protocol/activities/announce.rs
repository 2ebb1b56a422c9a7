//! `Announce`: a group relaying what was published in it (FEP-1b12).

use activitypub_federation::{
    fetch::object_id::ObjectId, kinds::activity::AnnounceType,
    protocol::helpers::deserialize_one_or_many,
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{
    create_or_update::{CreateOrUpdateArticle, CreateOrUpdateDocument},
    deletion::Delete,
};
use crate::federation::{
    objects::actor::SomeActor,
    protocol::objects::{Article, ResourceDocument},
};

/// What a group relays. Untagged: each variant's `type` matches only its
/// own verb, so the order does not matter, except that a bare id (a boost
/// of something we do not handle) is tried last.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Announced {
    /// FEP-1b12: the member's activity, unchanged.
    CreateOrUpdate(Box<CreateOrUpdateArticle>),
    /// The same for a shared resource (its object is a `Document`).
    CreateOrUpdateDocument(Box<CreateOrUpdateDocument>),
    Delete(Box<Delete>),
    /// The plain form Mastodon understands.
    Article(Box<Article>),
    Document(Box<ResourceDocument>),
    Id(Url),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Announce {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    pub actor: ObjectId<SomeActor>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(
        default,
        deserialize_with = "deserialize_one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cc: Vec<Url>,
    pub object: Announced,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Url>,
}
