//! Ordered collections and their pages (followers, following, outbox).

use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub total_items: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Url>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollectionPage {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub part_of: Url,
    pub total_items: i64,
    pub ordered_items: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Url>,
}

/// A page of an instance's `/directory`: its organisations, embedded, so
/// that a peer reads the whole directory in a few hundred requests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPage {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub part_of: Url,
    pub ordered_items: Vec<super::actors::DirectoryEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Url>,
}
