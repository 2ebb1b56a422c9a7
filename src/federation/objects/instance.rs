//! `ApubInstance`: this instance, or a peer, as an `Application` actor.

use activitypub_federation::{
    config::Data,
    kinds::actor::ApplicationType,
    traits::{Actor, Object},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use url::Url;

use crate::federation::policy::verify_same_origin;

use super::to_utc;
use crate::{
    AppState,
    db::{
        instance,
        peers::{self, NewPeer, Peer},
    },
    error::AppError,
    federation::{
        FederationError,
        policy::url_domain,
        protocol::actors::{Application, Endpoints},
    },
};

/// The instance actor's preferred username (`acct:instance@domain`).
pub const INSTANCE_USERNAME: &str = "instance";

#[derive(Debug, Clone)]
pub struct ApubInstance {
    pub id: Url,
    pub domain: String,
    pub inbox: Url,
    pub shared_inbox: Option<Url>,
    pub public_key: String,
    pub private_key: Option<String>,
    pub software: Option<String>,
    pub local: bool,
    pub last_refreshed_at: DateTime<Utc>,
}

impl ApubInstance {
    /// This instance, from its row (keys are made at start).
    pub async fn local(state: &AppState) -> Result<Self, FederationError> {
        let row = state
            .db
            .read(|conn| Ok::<_, AppError>(instance::get(conn)?))
            .await?
            .ok_or(FederationError::NotFound)?;
        let id = Url::parse(&state.settings.url("/actor"))?;
        Ok(Self {
            inbox: Url::parse(&format!("{id}/inbox"))?,
            shared_inbox: Some(Url::parse(&state.settings.url("/inbox"))?),
            id,
            domain: state.settings.domain.clone(),
            public_key: row.public_key,
            private_key: Some(row.private_key),
            software: Some(format!("preau {}", env!("CARGO_PKG_VERSION"))),
            local: true,
            last_refreshed_at: Utc::now(),
        })
    }

    pub fn from_peer(peer: Peer) -> Result<Self, FederationError> {
        Ok(Self {
            id: Url::parse(&peer.ap_id)?,
            domain: peer.domain,
            inbox: Url::parse(&peer.inbox_url)?,
            shared_inbox: peer
                .shared_inbox_url
                .as_deref()
                .map(Url::parse)
                .transpose()?,
            public_key: peer.public_key,
            private_key: None,
            software: peer.software,
            local: false,
            last_refreshed_at: to_utc(peer.last_refreshed_at),
        })
    }
}

#[async_trait]
impl Object for ApubInstance {
    type DataType = AppState;
    type Kind = Application;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        (!self.local).then_some(self.last_refreshed_at)
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>, FederationError> {
        if id.as_str() == data.settings.url("/actor") {
            return Self::local(data).await.map(Some);
        }
        let id = id.to_string();
        data.db
            .read(move |conn| Ok::<_, AppError>(peers::by_ap_id(conn, &id)?))
            .await?
            .map(Self::from_peer)
            .transpose()
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<Application, FederationError> {
        let base = self.id.to_string();
        Ok(Application {
            kind: ApplicationType::Application,
            preferred_username: INSTANCE_USERNAME.into(),
            name: Some(self.domain.clone()),
            inbox: self.inbox.clone(),
            outbox: Some(Url::parse(&format!("{base}/outbox"))?),
            followers: Some(Url::parse(&format!("{base}/followers"))?),
            following: Some(Url::parse(&format!("{base}/following"))?),
            endpoints: Some(Endpoints {
                shared_inbox: Url::parse(&data.settings.url("/inbox"))?,
            }),
            public_key: self.public_key(),
            manually_approves_followers: true,
            software: self.software.clone(),
            id: self.id,
        })
    }

    async fn verify(
        json: &Application,
        expected_domain: &Url,
        _data: &Data<AppState>,
    ) -> Result<(), FederationError> {
        verify_same_origin(&json.id, expected_domain)?;
        verify_same_origin(&json.id, &json.inbox)?;
        Ok(())
    }

    async fn from_json(json: Application, data: &Data<AppState>) -> Result<Self, FederationError> {
        let domain = url_domain(&json.id)
            .ok_or_else(|| FederationError::Invalid("application id has no host".into()))?;
        let shared_inbox = json.endpoints.as_ref().map(|e| e.shared_inbox.to_string());
        let software = json.software.clone();
        let (id, inbox, key) = (
            json.id.to_string(),
            json.inbox.to_string(),
            json.public_key.public_key_pem.clone(),
        );
        let peer = data
            .db
            .run(move |conn| {
                Ok::<_, AppError>(peers::upsert(
                    conn,
                    &NewPeer {
                        domain: &domain,
                        ap_id: &id,
                        inbox_url: &inbox,
                        shared_inbox_url: shared_inbox.as_deref(),
                        public_key: &key,
                        software: software.as_deref(),
                    },
                )?)
            })
            .await?;
        Self::from_peer(peer)
    }
}

impl Actor for ApubInstance {
    fn public_key_pem(&self) -> &str {
        &self.public_key
    }

    fn private_key_pem(&self) -> Option<String> {
        self.private_key.clone()
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.shared_inbox.clone()
    }
}
