//! What a change to a local resource sends: the author's `Create`,
//! `Update` or `Delete` of the `Document`, wrapped in the organisation's
//! `Announce` for each follower (FEP-1b12). Built inside the transaction of
//! the change.

use activitypub_federation::{
    fetch::object_id::ObjectId,
    kinds::{
        activity::{AnnounceType, DeleteType},
        public,
    },
};
use url::Url;

pub use super::relay::Change;
use crate::{
    config::Settings,
    db::{
        DbConn, follows,
        organisations::Organisation,
        resources::{self, Resource},
    },
    error::AppError,
    federation::{
        FederationError,
        activities::new_activity_id,
        objects::{actor::SomeActor, resource::document},
        protocol::activities::{
            announce::{Announce, Announced},
            create_or_update::{CreateOrUpdateDocument, CreateOrUpdateType},
            deletion::{Delete, ObjectRef},
        },
        send::Outgoing,
    },
};

/// Queues the activities of a change; nothing when nobody outside follows
/// the organisation.
pub fn enqueue(
    conn: &mut DbConn,
    row: &Resource,
    organisation: &Organisation,
    change: Change,
    settings: &Settings,
) -> Result<(), AppError> {
    let inboxes: Vec<Url> = follows::follower_inboxes(conn, &organisation.ap_id, false)?
        .iter()
        .filter_map(|inbox| Url::parse(inbox).ok())
        .collect();
    if inboxes.is_empty() {
        return Ok(());
    }
    let files = resources::files_of(conn, &[row.id])?;
    let outgoing = build(row, &files, organisation, change, inboxes, settings)
        .map_err(|e| AppError::internal(e.to_string()))?;
    outgoing.enqueue(conn)
}

fn build(
    row: &Resource,
    files: &[resources::File],
    organisation: &Organisation,
    change: Change,
    inboxes: Vec<Url>,
    settings: &Settings,
) -> Result<Outgoing, FederationError> {
    let group_url = Url::parse(&organisation.ap_id)?;
    let followers = Url::parse(&format!("{}/followers", organisation.ap_id))?;
    let (to, cc) = (vec![public()], vec![followers]);
    let author: ObjectId<SomeActor> = Url::parse(&row.author_ap_id)?.into();
    let wrapped = match change {
        Change::Create | Change::Update => {
            let (kind, name) = match change {
                Change::Create => (CreateOrUpdateType::Create, "create"),
                _ => (CreateOrUpdateType::Update, "update"),
            };
            Announced::CreateOrUpdateDocument(Box::new(CreateOrUpdateDocument {
                id: new_activity_id(settings, name)?,
                kind,
                actor: author,
                to: to.clone(),
                cc: cc.clone(),
                object: document(row, files, organisation, settings)?,
                audience: Some(group_url.clone()),
            }))
        }
        Change::Delete => Announced::Delete(Box::new(Delete {
            id: new_activity_id(settings, "delete")?,
            kind: DeleteType::Delete,
            actor: author,
            object: ObjectRef::Id(Url::parse(&row.ap_id)?),
            to: to.clone(),
            cc: cc.clone(),
        })),
    };
    let announce = Announce {
        id: new_activity_id(settings, "announce")?,
        kind: AnnounceType::Announce,
        actor: group_url.clone().into(),
        to,
        cc,
        object: wrapped,
        audience: Some(group_url),
    };
    Outgoing::new(announce, inboxes, settings)
}
