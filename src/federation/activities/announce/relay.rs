//! What a local publication sends: the author's activity wrapped in the
//! group's `Announce` for every follower (FEP-1b12) and, for public
//! announcements, the forms Mastodon understands — `Announce(Article)` for
//! a new one, the author's own `Update` or `Delete` for a change. Built
//! inside the transaction of the change.

use activitypub_federation::{
    fetch::object_id::ObjectId,
    kinds::activity::{AnnounceType, DeleteType},
};
use url::Url;

use crate::{
    config::Settings,
    db::{DbConn, follows},
    error::AppError,
    federation::{
        FederationError,
        activities::new_activity_id,
        objects::{actor::SomeActor, announcement::ApubAnnouncement},
        protocol::activities::{
            announce::{Announce, Announced},
            create_or_update::{CreateOrUpdateArticle, CreateOrUpdateType},
            deletion::{Delete, ObjectRef},
        },
        send::Outgoing,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
    Delete,
}

/// The activities to queue for a change; empty when nobody outside
/// follows the organisation. Role-targeted announcements go only to
/// followers that are organisations: a person following from Mastodon
/// holds no role.
pub fn for_followers(
    conn: &mut DbConn,
    announcement: &ApubAnnouncement,
    change: Change,
    settings: &Settings,
) -> Result<Vec<Outgoing>, AppError> {
    let inboxes: Vec<Url> =
        follows::follower_inboxes(conn, announcement.audience.as_str(), !announcement.public)?
            .iter()
            .filter_map(|inbox| Url::parse(inbox).ok())
            .collect();
    if inboxes.is_empty() {
        return Ok(Vec::new());
    }
    build(announcement, change, inboxes, settings).map_err(|e| AppError::internal(e.to_string()))
}

fn build(
    announcement: &ApubAnnouncement,
    change: Change,
    inboxes: Vec<Url>,
    settings: &Settings,
) -> Result<Vec<Outgoing>, FederationError> {
    let (to, cc) = announcement.addressing()?;
    let author: ObjectId<SomeActor> = Url::parse(&announcement.author_ap_id)?.into();
    let group: ObjectId<SomeActor> = announcement.audience.clone().into();
    let audience = Some(announcement.audience.clone());
    let announce = |object: Announced| -> Result<Announce, FederationError> {
        Ok(Announce {
            id: new_activity_id(settings, "announce")?,
            kind: AnnounceType::Announce,
            actor: group.clone(),
            to: to.clone(),
            cc: cc.clone(),
            object,
            audience: audience.clone(),
        })
    };
    let mut outgoing = Vec::new();
    match change {
        Change::Create | Change::Update => {
            let article = announcement.document()?;
            let (kind, name) = match change {
                Change::Create => (CreateOrUpdateType::Create, "create"),
                _ => (CreateOrUpdateType::Update, "update"),
            };
            let activity = CreateOrUpdateArticle {
                id: new_activity_id(settings, name)?,
                kind,
                actor: author,
                to: to.clone(),
                cc: cc.clone(),
                object: article.clone(),
                audience: audience.clone(),
            };
            let wrapped = announce(Announced::CreateOrUpdate(Box::new(activity.clone())))?;
            outgoing.push(Outgoing::new(wrapped, inboxes.clone(), settings)?);
            if announcement.public {
                if change == Change::Create {
                    let plain = announce(Announced::Article(Box::new(article)))?;
                    outgoing.push(Outgoing::new(plain, inboxes, settings)?);
                } else {
                    outgoing.push(Outgoing::new(activity, inboxes, settings)?);
                }
            }
        }
        Change::Delete => {
            let delete = Delete {
                id: new_activity_id(settings, "delete")?,
                kind: DeleteType::Delete,
                actor: author,
                object: ObjectRef::Id(Url::parse(&announcement.ap_id)?),
                to: to.clone(),
                cc: cc.clone(),
            };
            let wrapped = announce(Announced::Delete(Box::new(delete.clone())))?;
            outgoing.push(Outgoing::new(wrapped, inboxes.clone(), settings)?);
            if announcement.public {
                outgoing.push(Outgoing::new(delete, inboxes, settings)?);
            }
        }
    }
    Ok(outgoing)
}
