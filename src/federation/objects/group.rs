//! `ApubGroup`: an organisation as a `Group` actor.

use std::ops::Deref;

use activitypub_federation::{
    config::Data,
    kinds::actor::GroupType,
    traits::{Actor, Object},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use url::Url;

use crate::federation::policy::verify_same_origin;

use super::{escape_html, plain_text, to_utc};
use crate::{
    AppState,
    config::Settings,
    db::{
        self, DbConn,
        organisations::{self, NewOrganisation, Organisation},
    },
    error::AppError,
    federation::{
        FederationError,
        policy::url_domain,
        protocol::actors::{Address, DirectoryEntry, Endpoints, Group, PropertyValue},
    },
    model::{OrgKind, Visibility},
};

#[derive(Debug, Clone)]
pub struct ApubGroup {
    pub row: Organisation,
    id: Url,
}

impl Deref for ApubGroup {
    type Target = Organisation;
    fn deref(&self) -> &Organisation {
        &self.row
    }
}

impl ApubGroup {
    pub fn new(row: Organisation) -> Result<Self, FederationError> {
        let id = Url::parse(&row.ap_id)?;
        Ok(Self { row, id })
    }

    fn url(&self, suffix: &str) -> Result<Url, FederationError> {
        Ok(Url::parse(&format!("{}{suffix}", self.row.ap_id))?)
    }
}

fn contact(name: &str, value: &Option<String>) -> Option<PropertyValue> {
    value.as_ref().map(|v| PropertyValue {
        kind: "PropertyValue".into(),
        name: name.into(),
        value: v.clone(),
    })
}

#[async_trait]
impl Object for ApubGroup {
    type DataType = AppState;
    type Kind = Group;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        // Our own rows never need refetching.
        (!self.row.local).then(|| to_utc(self.row.last_refreshed_at))
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>, FederationError> {
        let id = id.to_string();
        data.db
            .read(move |conn| Ok::<_, AppError>(organisations::by_ap_id(conn, &id)?))
            .await?
            .map(ApubGroup::new)
            .transpose()
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<Group, FederationError> {
        let org = crate::federation::keys::ensure_org_keys(data, self.row).await?;
        let parent = match org.parent_id {
            Some(parent_id) => Some(
                data.db
                    .read(move |conn| Ok::<_, AppError>(organisations::by_id(conn, parent_id)?))
                    .await?
                    .ap_id,
            ),
            None => None,
        };
        ApubGroup::new(org)?.document(parent.as_deref(), &data.settings)
    }

    async fn verify(
        json: &Group,
        expected_domain: &Url,
        _data: &Data<AppState>,
    ) -> Result<(), FederationError> {
        verify_same_origin(&json.id, expected_domain)?;
        verify_same_origin(&json.id, &json.inbox)?;
        Ok(())
    }

    async fn from_json(json: Group, data: &Data<AppState>) -> Result<Self, FederationError> {
        let row = data.db.run(move |conn| store_remote(conn, &json)).await?;
        ApubGroup::new(row)
    }
}

impl ApubGroup {
    /// The `Group` document of a local organisation (its key pair must
    /// exist). Synchronous, so that an `Update` can be built inside the
    /// transaction of the change.
    pub fn document(
        &self,
        parent: Option<&str>,
        settings: &Settings,
    ) -> Result<Group, FederationError> {
        let entry = self.entry(parent, settings)?;
        Ok(Group {
            kind: GroupType::Group,
            id: entry.id,
            preferred_username: entry.preferred_username,
            name: entry.name,
            summary: entry.summary,
            url: Some(self.id().clone()),
            inbox: entry.inbox,
            outbox: Some(self.url("/outbox")?),
            followers: Some(self.url("/followers")?),
            following: Some(self.url("/following")?),
            endpoints: entry.endpoints,
            public_key: self.public_key(),
            manually_approves_followers: entry.manually_approves_followers,
            discoverable: Some(true),
            published: Some(to_utc(self.created_at)),
            updated: entry.updated,
            org_kind: entry.org_kind,
            uai: entry.uai,
            parent: entry.parent,
            department: entry.department,
            visibility: entry.visibility,
            address: entry.address,
            attachment: entry.attachment,
        })
    }

    /// The organisation as `/directory` lists it (no key needed).
    pub fn entry(
        &self,
        parent: Option<&str>,
        settings: &Settings,
    ) -> Result<DirectoryEntry, FederationError> {
        let address = (self.address.is_some() || self.postal_code.is_some() || self.city.is_some())
            .then(|| Address {
                kind: "vcard:Address".into(),
                street_address: self.address.clone(),
                postal_code: self.postal_code.clone(),
                locality: self.city.clone(),
            });
        let attachment = [
            contact("phone", &self.phone),
            contact("email", &self.email),
            contact("website", &self.website),
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(DirectoryEntry {
            kind: GroupType::Group,
            id: self.id().clone(),
            preferred_username: self.slug.clone(),
            name: self.name.clone(),
            summary: (!self.description.is_empty())
                .then(|| format!("<p>{}</p>", escape_html(&self.description))),
            inbox: self.url("/inbox")?,
            endpoints: Some(Endpoints {
                shared_inbox: Url::parse(&settings.url("/inbox"))?,
            }),
            manually_approves_followers: self.approve_followers,
            updated: Some(to_utc(self.updated_at)),
            org_kind: Some(self.kind.clone()),
            uai: self.uai.clone(),
            parent: parent.map(Url::parse).transpose()?,
            department: self.department_code.clone(),
            visibility: Some(self.visibility.clone()),
            address,
            attachment,
        })
    }
}

/// Stores (or refreshes) a remote organisation from its `Group` document,
/// which the caller verified, with its key.
pub fn store_remote(conn: &mut DbConn, json: &Group) -> Result<Organisation, AppError> {
    let row = store_entry(conn, &DirectoryEntry::from(json))?;
    organisations::set_public_key(conn, row.id, &json.public_key.public_key_pem)?;
    Ok(organisations::by_id(conn, row.id)?)
}

/// Stores (or refreshes) a remote organisation's profile, from its actor or
/// from its instance's directory; the caller checked that its id is on the
/// origin it came from. HTML becomes plain text; an unknown kind becomes
/// `other`; a malformed UAI is dropped; the parent is linked when known.
/// Anything but `federation` is shown as `public`: an instance never lists
/// its `instance` or `private` entries.
pub fn store_entry(conn: &mut DbConn, json: &DirectoryEntry) -> Result<Organisation, AppError> {
    if crate::db::tombstones::contains(conn, json.id.as_str())? {
        return Err(AppError::not_found("organisation (deleted at its origin)"));
    }
    let domain = url_domain(&json.id).ok_or_else(|| AppError::invalid("group id has no host"))?;
    crate::model::validate_handle("preferredUsername", &json.preferred_username)
        .map_err(AppError::invalid)?;
    let kind = json
        .org_kind
        .as_deref()
        .and_then(|k| k.parse::<OrgKind>().ok())
        .unwrap_or(OrgKind::Other);
    let contact_value = |name: &str| {
        json.attachment
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| plain_text(&p.value, 500))
    };
    let uai = json
        .uai
        .as_deref()
        .and_then(|u| crate::model::normalize_uai(u).ok());
    let name = plain_text(&json.name, 200);
    let description = json
        .summary
        .as_deref()
        .map(|s| plain_text(s, 5000))
        .unwrap_or_default();
    let visibility = match json.visibility.as_deref().map(str::parse::<Visibility>) {
        Some(Ok(Visibility::Federation)) => Visibility::Federation,
        _ => Visibility::Public,
    };
    let department = json
        .department
        .as_deref()
        .map(|d| crate::model::normalize_department(&plain_text(d, 8)))
        .filter(|d| !d.is_empty());
    let parent_id = match &json.parent {
        Some(parent) if url_domain(parent).as_deref() == Some(domain.as_str()) => {
            organisations::by_ap_id(conn, parent.as_str())?.map(|p| p.id)
        }
        _ => None,
    };
    let address = json.address.clone().unwrap_or_default();
    let shared_inbox = json.endpoints.as_ref().map(|e| e.shared_inbox.to_string());
    let now = db::now();
    let (id, inbox) = (json.id.to_string(), json.inbox.to_string());
    let row = organisations::upsert_remote(
        conn,
        &NewOrganisation {
            slug: &json.preferred_username,
            domain: &domain,
            local: false,
            ap_id: &id,
            inbox_url: &inbox,
            shared_inbox_url: shared_inbox.as_deref(),
            kind: kind.as_str(),
            name: &name,
            uai: uai.as_deref(),
            parent_id,
            description: &description,
            address: address.street_address.as_deref(),
            postal_code: address.postal_code.as_deref(),
            city: address.locality.as_deref(),
            phone: contact_value("phone").as_deref(),
            email: contact_value("email").as_deref(),
            website: contact_value("website").as_deref(),
            latitude: None,
            longitude: None,
            approve_followers: json.manually_approves_followers,
            created_at: now,
            updated_at: now,
            last_refreshed_at: now,
            visibility: visibility.as_str(),
            department_code: department.as_deref(),
            attributes: "{}",
        },
    )?;
    Ok(row)
}

impl Actor for ApubGroup {
    fn public_key_pem(&self) -> &str {
        self.row.public_key.as_deref().unwrap_or_default()
    }

    fn private_key_pem(&self) -> Option<String> {
        self.row.private_key.clone()
    }

    fn inbox(&self) -> Url {
        Url::parse(&self.row.inbox_url).unwrap_or_else(|_| self.id().clone())
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.row
            .shared_inbox_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
    }
}
