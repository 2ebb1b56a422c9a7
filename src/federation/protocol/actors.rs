//! Actor documents: `Group` (organisation), `Person` (account) and
//! `Application` (the instance).

use activitypub_federation::{
    kinds::actor::{ApplicationType, GroupType, PersonType},
    protocol::public_key::PublicKey,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Url,
}

/// A contact detail (`PropertyValue`, as Mastodon profile fields).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub value: String,
}

/// A postal address in vCard terms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Address {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(
        rename = "vcard:street-address",
        skip_serializing_if = "Option::is_none"
    )]
    pub street_address: Option<String>,
    #[serde(rename = "vcard:postal-code", skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(rename = "vcard:locality", skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
}

/// An organisation. FEP-1b12 group: followable, relays what its members
/// publish.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(rename = "type")]
    pub kind: GroupType,
    pub id: Url,
    pub preferred_username: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(default)]
    pub manually_approves_followers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(
        rename = "preau:kind",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub org_kind: Option<String>,
    #[serde(rename = "preau:uai", default, skip_serializing_if = "Option::is_none")]
    pub uai: Option<String>,
    #[serde(
        rename = "preau:parent",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parent: Option<Url>,
    #[serde(
        rename = "preau:department",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub department: Option<String>,
    /// `public` or `federation`: whether the receiver may show it to the web.
    #[serde(
        rename = "preau:visibility",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub visibility: Option<String>,
    #[serde(
        rename = "vcard:hasAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<PropertyValue>,
}

/// An organisation as the `/directory` collection lists it: the `Group`'s
/// profile without its key and collections, so that an instance can list
/// tens of thousands of schools without making a key pair for each. A peer
/// that needs the actor (to follow it, or to check a signature) fetches it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryEntry {
    #[serde(rename = "type")]
    pub kind: GroupType,
    pub id: Url,
    pub preferred_username: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    #[serde(default)]
    pub manually_approves_followers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(
        rename = "preau:kind",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub org_kind: Option<String>,
    #[serde(rename = "preau:uai", default, skip_serializing_if = "Option::is_none")]
    pub uai: Option<String>,
    #[serde(
        rename = "preau:parent",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parent: Option<Url>,
    #[serde(
        rename = "preau:department",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub department: Option<String>,
    #[serde(
        rename = "preau:visibility",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub visibility: Option<String>,
    #[serde(
        rename = "vcard:hasAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<PropertyValue>,
}

impl From<&Group> for DirectoryEntry {
    fn from(g: &Group) -> Self {
        Self {
            kind: GroupType::Group,
            id: g.id.clone(),
            preferred_username: g.preferred_username.clone(),
            name: g.name.clone(),
            summary: g.summary.clone(),
            inbox: g.inbox.clone(),
            endpoints: g.endpoints.clone(),
            manually_approves_followers: g.manually_approves_followers,
            updated: g.updated,
            org_kind: g.org_kind.clone(),
            uai: g.uai.clone(),
            parent: g.parent.clone(),
            department: g.department.clone(),
            visibility: g.visibility.clone(),
            address: g.address.clone(),
            attachment: g.attachment.clone(),
        }
    }
}

/// A person with an account on some instance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(rename = "type")]
    pub kind: PersonType,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(default)]
    pub manually_approves_followers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
}

/// The instance actor: signs fetches and peers with other instances.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    #[serde(rename = "type")]
    pub kind: ApplicationType,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(default)]
    pub manually_approves_followers: bool,
    #[serde(
        rename = "preau:software",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub software: Option<String>,
}

/// Any actor Préau accepts activities from. Untagged: the `type` field of
/// each variant decides.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ActorDocument {
    Group(Box<Group>),
    Person(Box<Person>),
    Application(Box<Application>),
}

impl ActorDocument {
    pub fn id(&self) -> &Url {
        match self {
            Self::Group(g) => &g.id,
            Self::Person(p) => &p.id,
            Self::Application(a) => &a.id,
        }
    }

    pub fn public_key(&self) -> &PublicKey {
        match self {
            Self::Group(g) => &g.public_key,
            Self::Person(p) => &p.public_key,
            Self::Application(a) => &a.public_key,
        }
    }
}
