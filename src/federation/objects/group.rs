//! `ApubGroup`: an organisation as a `Group` actor.

use std::ops::Deref;

use activitypub_federation::{
    config::Data,
    kinds::actor::GroupType,
    protocol::verification::verify_domains_match,
    traits::{Actor, Object},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use url::Url;

use super::{escape_html, plain_text, to_utc};
use crate::{
    AppState,
    db::{
        self,
        organisations::{self, NewOrganisation, Organisation},
    },
    error::AppError,
    federation::{
        FederationError,
        policy::url_domain,
        protocol::actors::{Address, Endpoints, Group, PropertyValue},
    },
    model::OrgKind,
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
            .run(move |conn| Ok::<_, AppError>(organisations::by_ap_id(conn, &id)?))
            .await?
            .map(ApubGroup::new)
            .transpose()
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<Group, FederationError> {
        let org = crate::federation::keys::ensure_org_keys(data, self.row).await?;
        let parent = match org.parent_id {
            Some(parent_id) => Some(
                data.db
                    .run(move |conn| Ok::<_, AppError>(organisations::by_id(conn, parent_id)?))
                    .await?
                    .ap_id,
            ),
            None => None,
        };
        let this = ApubGroup::new(org)?;
        let address = (this.address.is_some() || this.postal_code.is_some() || this.city.is_some())
            .then(|| Address {
                kind: "vcard:Address".into(),
                street_address: this.address.clone(),
                postal_code: this.postal_code.clone(),
                locality: this.city.clone(),
            });
        let attachment = [
            contact("phone", &this.phone),
            contact("email", &this.email),
            contact("website", &this.website),
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(Group {
            kind: GroupType::Group,
            id: this.id().clone(),
            preferred_username: this.slug.clone(),
            name: this.name.clone(),
            summary: (!this.description.is_empty())
                .then(|| format!("<p>{}</p>", escape_html(&this.description))),
            url: Some(this.id().clone()),
            inbox: this.url("/inbox")?,
            outbox: Some(this.url("/outbox")?),
            followers: Some(this.url("/followers")?),
            following: Some(this.url("/following")?),
            endpoints: Some(Endpoints {
                shared_inbox: Url::parse(&data.settings.url("/inbox"))?,
            }),
            public_key: this.public_key(),
            manually_approves_followers: this.approve_followers,
            discoverable: Some(true),
            published: Some(to_utc(this.created_at)),
            updated: Some(to_utc(this.updated_at)),
            org_kind: Some(this.kind.clone()),
            uai: this.uai.clone(),
            parent: parent.map(|p| Url::parse(&p)).transpose()?,
            address,
            attachment,
        })
    }

    async fn verify(
        json: &Group,
        expected_domain: &Url,
        _data: &Data<AppState>,
    ) -> Result<(), FederationError> {
        verify_domains_match(&json.id, expected_domain)?;
        verify_domains_match(&json.id, &json.inbox)?;
        Ok(())
    }

    async fn from_json(json: Group, data: &Data<AppState>) -> Result<Self, FederationError> {
        let domain = url_domain(&json.id)
            .ok_or_else(|| FederationError::Invalid("group id has no host".into()))?;
        crate::model::validate_handle("preferredUsername", &json.preferred_username)
            .map_err(FederationError::Invalid)?;
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
        let (phone, email, website) = (
            contact_value("phone"),
            contact_value("email"),
            contact_value("website"),
        );
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
        let address = json.address.clone().unwrap_or_default();
        let shared_inbox = json.endpoints.as_ref().map(|e| e.shared_inbox.to_string());
        let now = db::now();
        let (id, inbox, public_key) = (
            json.id.to_string(),
            json.inbox.to_string(),
            json.public_key.public_key_pem.clone(),
        );
        let row = data
            .db
            .run(move |conn| {
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
                        parent_id: None,
                        description: &description,
                        address: address.street_address.as_deref(),
                        postal_code: address.postal_code.as_deref(),
                        city: address.locality.as_deref(),
                        phone: phone.as_deref(),
                        email: email.as_deref(),
                        website: website.as_deref(),
                        latitude: None,
                        longitude: None,
                        approve_followers: json.manually_approves_followers,
                        created_at: now,
                        updated_at: now,
                        last_refreshed_at: now,
                    },
                )?;
                organisations::set_public_key(conn, row.id, &public_key)?;
                Ok::<_, AppError>(organisations::by_id(conn, row.id)?)
            })
            .await?;
        ApubGroup::new(row)
    }
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
