//! `Read`: a reader on another instance acknowledges one of our
//! announcements. Also builds the one a local reader sends for a remote
//! announcement.

use activitypub_federation::{config::Data, kinds::activity::ReadType, traits::Activity};
use async_trait::async_trait;
use url::Url;

use crate::{
    AppState,
    config::Settings,
    db::{
        acknowledgements,
        announcements::{self, Announcement},
        follows,
        organisations::Organisation,
    },
    error::AppError,
    federation::{
        FederationError,
        activities::{apply_once, new_activity_id},
        policy::{is_local, url_domain, verify_same_origin},
        protocol::activities::reading::Read,
        send::Outgoing,
    },
};

#[async_trait]
impl Activity for Read {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        verify_same_origin(&self.id, self.actor.inner())?;
        if is_local(&data.settings, self.actor.inner()) {
            return Err(FederationError::Invalid("Read by a local actor".into()));
        }
        if !is_local(&data.settings, &self.object) {
            return Err(FederationError::Invalid(
                "Read of an object that is not ours".into(),
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let reader = self.actor.inner().clone();
        let object = self.object.clone();
        let domain = url_domain(&reader).unwrap_or_default();
        let reader_base = format!("{}://{domain}/", reader.scheme());
        apply_once(data, &self.id, move |conn| {
            let Some(announcement) = announcements::by_ap_id(conn, object.as_str())? else {
                tracing::warn!(%object, %reader, "Read of an unknown announcement: ignored");
                return Ok(());
            };
            if !announcement.public {
                // Role-targeted: only instances whose organisations follow
                // the publisher received it.
                let group = crate::db::organisations::by_id(conn, announcement.organisation_id)?;
                if !follows::has_follower_under(conn, &group.ap_id, &reader_base)? {
                    tracing::warn!(%object, %reader, "Read from an instance it was not sent to: ignored");
                    return Ok(());
                }
            }
            acknowledgements::record(conn, announcement.id, reader.as_str(), &domain, None)?;
            Ok(())
        })
        .await?;
        Ok(())
    }
}

/// The `Read` a local account (its actor id) sends to a remote
/// announcement's group.
pub fn outgoing(
    reader: &str,
    announcement: &Announcement,
    group: &Organisation,
    settings: &Settings,
) -> Result<Outgoing, AppError> {
    let fed = |e: FederationError| AppError::internal(e.to_string());
    let group_id = Url::parse(&group.ap_id).map_err(AppError::internal)?;
    let inbox = Url::parse(group.shared_inbox_url.as_ref().unwrap_or(&group.inbox_url))
        .map_err(AppError::internal)?;
    let read = Read {
        id: new_activity_id(settings, "read").map_err(fed)?,
        kind: ReadType::Read,
        actor: Url::parse(reader).map_err(AppError::internal)?.into(),
        object: Url::parse(&announcement.ap_id).map_err(AppError::internal)?,
        to: vec![group_id],
    };
    Outgoing::new(read, vec![inbox], settings).map_err(fed)
}
