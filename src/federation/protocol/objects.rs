//! Object documents that are not actors: `Article` (an announcement),
//! `Document` (a shared resource) and the `Document` entries of their
//! attachments.

use activitypub_federation::{
    kinds::object::{ArticleType, DocumentType},
    protocol::helpers::deserialize_one_or_many,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// An announcement. `audience` is the publishing organisation's `Group`
/// (FEP-1b12); `attributedTo` is the person who wrote it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    #[serde(rename = "type")]
    pub kind: ArticleType,
    pub id: Url,
    pub attributed_to: Url,
    pub audience: Url,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(
        default,
        deserialize_with = "deserialize_one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cc: Vec<Url>,
    /// The title.
    pub name: String,
    /// Sanitised HTML.
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Plain-text excerpt: what Mastodon shows above the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The Markdown the author wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The page for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub published: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<Attachment>,
    /// Start and end of an event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(
        rename = "preau:category",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub category: Option<String>,
    /// Roles addressed; empty for every role.
    #[serde(
        rename = "preau:targetRoles",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub target_roles: Vec<String>,
    #[serde(
        rename = "preau:expires",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expires: Option<DateTime<Utc>>,
    #[serde(rename = "preau:ackRequested", default)]
    pub ack_requested: bool,
    #[serde(rename = "preau:pinned", default)]
    pub pinned: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub content: String,
    pub media_type: String,
}

/// A shared teaching resource. `audience` is the organisation's `Group`,
/// `attributedTo` the person who shared it; `attachment` lists the files
/// of its current version with their digests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDocument {
    #[serde(rename = "type")]
    pub kind: DocumentType,
    pub id: Url,
    pub attributed_to: Url,
    pub audience: Url,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(
        default,
        deserialize_with = "deserialize_one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cc: Vec<Url>,
    /// The title.
    pub name: String,
    /// The description, as plain text in a paragraph.
    #[serde(default)]
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub published: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default)]
    pub attachment: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<Hashtag>,
    /// SPDX id, or `all-rights-reserved`.
    #[serde(rename = "preau:license")]
    pub license: String,
    #[serde(rename = "preau:levels", default)]
    pub levels: Vec<String>,
    #[serde(rename = "preau:subjects", default)]
    pub subjects: Vec<String>,
    /// Grows by one with each new version.
    #[serde(rename = "preau:version", default = "first_version")]
    pub version: i32,
}

fn first_version() -> i32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hashtag {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
}

/// A file attached to an announcement or a resource.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(rename = "type")]
    pub kind: DocumentType,
    pub url: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// sha256 as a multibase multihash (`u` + base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_multibase: Option<String>,
}

/// `digestMultibase` of a sha256 given in hex: multihash code 0x12, length
/// 32, base64url without padding, multibase prefix `u`.
pub fn sha256_multibase(hex: &str) -> Option<String> {
    use base64::Engine;
    let mut bytes = vec![0x12, 0x20];
    for pair in hex.as_bytes().chunks(2) {
        let pair = std::str::from_utf8(pair).ok()?;
        bytes.push(u8::from_str_radix(pair, 16).ok()?);
    }
    (bytes.len() == 34).then(|| {
        format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        )
    })
}

/// The hex sha256 in a `digestMultibase`, if it is one.
pub fn multibase_sha256(value: &str) -> Option<String> {
    use base64::Engine;
    let encoded = value.strip_prefix('u')?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .ok()?;
    match bytes.as_slice() {
        [0x12, 0x20, digest @ ..] if digest.len() == 32 => Some(crate::files::hex(digest)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_digests_round_trip_through_multibase() {
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let multibase = sha256_multibase(hex).expect("valid");
        assert!(multibase.starts_with("uEiC"), "{multibase}");
        assert_eq!(multibase_sha256(&multibase).as_deref(), Some(hex));
        assert_eq!(sha256_multibase("abc"), None);
        assert_eq!(multibase_sha256("zQm"), None);
    }
}
