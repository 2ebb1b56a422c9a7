//! `SomeActor`: any actor, whichever its kind, for the places where an
//! activity may come from or go to a group, a person or an instance.

use activitypub_federation::{
    config::Data,
    protocol::public_key::PublicKey,
    traits::{Actor, Object},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use url::Url;

use super::{group::ApubGroup, instance::ApubInstance, person::ApubPerson};
use crate::{
    AppState,
    federation::{FederationError, protocol::actors::ActorDocument},
};

#[derive(Debug, Clone)]
pub enum SomeActor {
    Group(Box<ApubGroup>),
    Person(Box<ApubPerson>),
    Instance(Box<ApubInstance>),
}

macro_rules! each {
    ($self:expr, |$a:ident| $body:expr) => {
        match $self {
            SomeActor::Group($a) => $body,
            SomeActor::Person($a) => $body,
            SomeActor::Instance($a) => $body,
        }
    };
}

impl SomeActor {
    pub fn is_local(&self) -> bool {
        match self {
            Self::Group(g) => g.local,
            Self::Person(p) => p.local,
            Self::Instance(i) => i.local,
        }
    }
}

#[async_trait]
impl Object for SomeActor {
    type DataType = AppState;
    type Kind = ActorDocument;
    type Error = FederationError;

    fn id(&self) -> &Url {
        each!(self, |a| a.id())
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        each!(self, |a| a.last_refreshed_at())
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>, FederationError> {
        if let Some(g) = ApubGroup::read_from_id(id.clone(), data).await? {
            return Ok(Some(Self::Group(Box::new(g))));
        }
        if let Some(p) = ApubPerson::read_from_id(id.clone(), data).await? {
            return Ok(Some(Self::Person(Box::new(p))));
        }
        Ok(ApubInstance::read_from_id(id, data)
            .await?
            .map(|i| Self::Instance(Box::new(i))))
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<ActorDocument, FederationError> {
        Ok(match self {
            Self::Group(g) => ActorDocument::Group(Box::new(g.into_json(data).await?)),
            Self::Person(p) => ActorDocument::Person(Box::new(p.into_json(data).await?)),
            Self::Instance(i) => ActorDocument::Application(Box::new(i.into_json(data).await?)),
        })
    }

    async fn verify(
        json: &ActorDocument,
        expected_domain: &Url,
        data: &Data<AppState>,
    ) -> Result<(), FederationError> {
        match json {
            ActorDocument::Group(g) => ApubGroup::verify(g, expected_domain, data).await,
            ActorDocument::Person(p) => ApubPerson::verify(p, expected_domain, data).await,
            ActorDocument::Application(a) => ApubInstance::verify(a, expected_domain, data).await,
        }
    }

    async fn from_json(
        json: ActorDocument,
        data: &Data<AppState>,
    ) -> Result<Self, FederationError> {
        Ok(match json {
            ActorDocument::Group(g) => Self::Group(Box::new(ApubGroup::from_json(*g, data).await?)),
            ActorDocument::Person(p) => {
                Self::Person(Box::new(ApubPerson::from_json(*p, data).await?))
            }
            ActorDocument::Application(a) => {
                Self::Instance(Box::new(ApubInstance::from_json(*a, data).await?))
            }
        })
    }
}

impl Actor for SomeActor {
    fn public_key_pem(&self) -> &str {
        each!(self, |a| a.public_key_pem())
    }

    fn private_key_pem(&self) -> Option<String> {
        each!(self, |a| a.private_key_pem())
    }

    fn inbox(&self) -> Url {
        each!(self, |a| a.inbox())
    }

    fn shared_inbox(&self) -> Option<Url> {
        each!(self, |a| a.shared_inbox())
    }

    fn public_key(&self) -> PublicKey {
        each!(self, |a| a.public_key())
    }
}
