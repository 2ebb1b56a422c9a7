//! `ApubPerson`: an account as a `Person` actor.

use std::ops::Deref;

use activitypub_federation::{
    config::Data,
    kinds::actor::PersonType,
    traits::{Actor, Object},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use url::Url;

use crate::federation::policy::verify_same_origin;

use super::{plain_text, to_utc};
use crate::{
    AppState,
    db::{
        self,
        accounts::{self, Account, NewAccount},
    },
    error::AppError,
    federation::{
        FederationError,
        policy::url_domain,
        protocol::actors::{Endpoints, Person},
    },
};

#[derive(Debug, Clone)]
pub struct ApubPerson {
    pub row: Account,
    id: Url,
}

impl Deref for ApubPerson {
    type Target = Account;
    fn deref(&self) -> &Account {
        &self.row
    }
}

impl ApubPerson {
    pub fn new(row: Account) -> Result<Self, FederationError> {
        let id = Url::parse(&row.ap_id)?;
        Ok(Self { row, id })
    }

    fn url(&self, suffix: &str) -> Result<Url, FederationError> {
        Ok(Url::parse(&format!("{}{suffix}", self.row.ap_id))?)
    }
}

#[async_trait]
impl Object for ApubPerson {
    type DataType = AppState;
    type Kind = Person;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        (!self.row.local).then(|| to_utc(self.row.last_refreshed_at))
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>, FederationError> {
        let id = id.to_string();
        data.db
            .read(move |conn| Ok::<_, AppError>(accounts::by_ap_id(conn, &id)?))
            .await?
            .map(ApubPerson::new)
            .transpose()
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<Person, FederationError> {
        let row = crate::federation::keys::ensure_account_keys(data, self.row).await?;
        let this = ApubPerson::new(row)?;
        Ok(Person {
            kind: PersonType::Person,
            id: this.id().clone(),
            preferred_username: this.username.clone(),
            name: Some(this.display_name.clone()),
            summary: None,
            url: Some(this.id().clone()),
            inbox: this.url("/inbox")?,
            outbox: Some(this.url("/outbox")?),
            followers: Some(this.url("/followers")?),
            following: Some(this.url("/following")?),
            endpoints: Some(Endpoints {
                shared_inbox: Url::parse(&data.settings.url("/inbox"))?,
            }),
            public_key: this.public_key(),
            manually_approves_followers: true,
            // Teachers are not public figures: no search-engine listing.
            discoverable: Some(false),
            published: Some(to_utc(this.created_at)),
        })
    }

    async fn verify(
        json: &Person,
        expected_domain: &Url,
        _data: &Data<AppState>,
    ) -> Result<(), FederationError> {
        verify_same_origin(&json.id, expected_domain)?;
        verify_same_origin(&json.id, &json.inbox)?;
        Ok(())
    }

    async fn from_json(json: Person, data: &Data<AppState>) -> Result<Self, FederationError> {
        let domain = url_domain(&json.id)
            .ok_or_else(|| FederationError::Invalid("person id has no host".into()))?;
        let username: String = json.preferred_username.chars().take(100).collect();
        if username.is_empty() {
            return Err(FederationError::Invalid(
                "preferredUsername is empty".into(),
            ));
        }
        let display_name = json
            .name
            .as_deref()
            .map(|n| plain_text(n, 100))
            .unwrap_or_else(|| username.clone());
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
                if crate::db::tombstones::contains(conn, &id)? {
                    return Err(AppError::not_found("person (deleted at their origin)"));
                }
                let row = accounts::upsert_remote(
                    conn,
                    &NewAccount {
                        username: &username,
                        domain: &domain,
                        local: false,
                        ap_id: &id,
                        inbox_url: &inbox,
                        shared_inbox_url: shared_inbox.as_deref(),
                        display_name: &display_name,
                        email: None,
                        password_hash: None,
                        is_admin: false,
                        created_at: now,
                        updated_at: now,
                        last_refreshed_at: now,
                    },
                )?;
                accounts::set_public_key(conn, row.id, &public_key)?;
                Ok::<_, AppError>(accounts::by_id(conn, row.id)?)
            })
            .await?;
        ApubPerson::new(row)
    }
}

impl Actor for ApubPerson {
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
