//! An incoming `Announce` from a followed organisation: the announcement it
//! wraps is stored, changed or deleted. The wrapped activity is not signed
//! by its own actor, so it is trusted only when it lives on the group's
//! instance (as Lemmy does) — never for another domain.

use activitypub_federation::{config::Data, traits::Activity};
use async_trait::async_trait;
use url::Url;

use crate::{
    AppState,
    db::tombstones,
    federation::{
        FederationError,
        activities::apply_once,
        objects::{
            actor::SomeActor,
            announcement::{RemoteArticle, verify_article},
            resource::{RemoteResource, verify_document},
        },
        policy::{is_local, url_domain, verify_same_origin},
        protocol::{
            activities::{
                announce::{Announce, Announced},
                create_or_update::CreateOrUpdateArticle,
            },
            objects::{Article, ResourceDocument},
        },
    },
};

/// Checks an article relayed by `group`: it is the group's own.
fn verify_relayed(
    article: &Article,
    group: &Url,
    data: &Data<AppState>,
) -> Result<(), FederationError> {
    verify_article(article, &data.settings)?;
    if &article.audience != group {
        return Err(FederationError::Refused(
            "a group relays only the articles published in it".into(),
        ));
    }
    Ok(())
}

/// Checks a resource relayed by `group`: it is the group's own.
fn verify_relayed_document(
    doc: &ResourceDocument,
    group: &Url,
    data: &Data<AppState>,
) -> Result<(), FederationError> {
    verify_document(doc, &data.settings)?;
    if &doc.audience != group {
        return Err(FederationError::Refused(
            "a group relays only the resources shared in it".into(),
        ));
    }
    Ok(())
}

/// Checks a member's `Create`/`Update` as the group relays it.
pub fn verify_create_or_update(
    activity: &CreateOrUpdateArticle,
    group: &Url,
    data: &Data<AppState>,
) -> Result<(), FederationError> {
    verify_same_origin(&activity.id, group)?;
    verify_same_origin(activity.actor.inner(), group)?;
    if activity.object.attributed_to != *activity.actor.inner() {
        return Err(FederationError::Refused(
            "attributedTo is not the activity's actor".into(),
        ));
    }
    verify_relayed(&activity.object, group, data)
}

#[async_trait]
impl Activity for Announce {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        let group = self.actor.inner();
        if is_local(&data.settings, group) {
            return Err(FederationError::Invalid("Announce by a local actor".into()));
        }
        match &self.object {
            Announced::CreateOrUpdate(activity) => verify_create_or_update(activity, group, data)?,
            Announced::Article(article) => verify_relayed(article, group, data)?,
            Announced::CreateOrUpdateDocument(activity) => {
                verify_same_origin(&activity.id, group)?;
                verify_same_origin(activity.actor.inner(), group)?;
                if activity.object.attributed_to != *activity.actor.inner() {
                    return Err(FederationError::Refused(
                        "attributedTo is not the activity's actor".into(),
                    ));
                }
                verify_relayed_document(&activity.object, group, data)?;
            }
            Announced::Document(doc) => verify_relayed_document(doc, group, data)?,
            Announced::Delete(delete) => {
                verify_same_origin(&delete.id, group)?;
                verify_same_origin(delete.actor.inner(), group)?;
                verify_same_origin(delete.object.id(), group)?;
            }
            Announced::Id(_) => {}
        }
        if !matches!(self.actor.dereference(data).await?, SomeActor::Group(_)) {
            return Err(FederationError::Refused(
                "only groups relay announcements".into(),
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let article = match self.object {
            Announced::CreateOrUpdate(activity) => activity.object,
            Announced::Article(article) => *article,
            Announced::CreateOrUpdateDocument(activity) => {
                return receive_document(activity.object, &self.id, data).await;
            }
            Announced::Document(doc) => return receive_document(*doc, &self.id, data).await,
            Announced::Delete(delete) => {
                let (object, actor) = (
                    delete.object.id().to_string(),
                    delete.actor.inner().to_string(),
                );
                apply_once(data, &self.id, move |conn| {
                    tombstones::bury(conn, &object, &actor)?;
                    Ok(())
                })
                .await?;
                tracing::info!(object = %delete.object.id(), "relayed deletion applied");
                return Ok(());
            }
            Announced::Id(id) => {
                tracing::debug!(%id, "Announce of an id: nothing to do");
                return Ok(());
            }
        };
        let Some(remote) = RemoteArticle::prepare(article, data).await? else {
            return Ok(());
        };
        apply_once(data, &self.id, move |conn| {
            if let Some(row) = remote.store(conn)? {
                tracing::info!(announcement = %row.ap_id, "remote announcement stored");
            }
            Ok(())
        })
        .await?;
        Ok(())
    }
}

/// Stores a relayed resource (or its new version), then copies its files
/// if this instance mirrors its origin.
async fn receive_document(
    doc: ResourceDocument,
    activity: &Url,
    data: &Data<AppState>,
) -> Result<(), FederationError> {
    let domain = url_domain(&doc.id);
    let Some(remote) = RemoteResource::prepare(doc, data).await? else {
        return Ok(());
    };
    let applied = apply_once(data, activity, move |conn| {
        if let Some(row) = remote.store(conn)? {
            tracing::info!(resource = %row.ap_id, "remote resource stored");
        }
        Ok(())
    })
    .await?;
    if let (true, Some(domain)) = (applied, domain) {
        let lookup = domain.clone();
        let mirrored = data
            .db
            .run(move |conn| {
                Ok::<_, crate::error::AppError>(crate::db::resources::is_mirrored_domain(
                    conn, &lookup,
                )?)
            })
            .await?;
        if mirrored {
            crate::federation::mirror::spawn((**data).clone(), domain);
        }
    }
    Ok(())
}
