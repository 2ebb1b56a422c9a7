//! An incoming `Follow` of one of our groups, people or the instance actor.

use activitypub_federation::{
    config::Data,
    kinds::activity::{AcceptType, RejectType},
    traits::{Activity, Actor, Object},
};
use async_trait::async_trait;
use url::Url;

use crate::{
    AppState,
    db::follows,
    federation::{
        FederationError,
        activities::{apply_once, new_activity_id},
        keys,
        objects::actor::SomeActor,
        policy::{self, url_domain},
        protocol::activities::following::{Accept, AnsweredFollow, Follow, Reject},
        send::{self, Outgoing},
    },
};

#[async_trait]
impl Activity for Follow {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<(), FederationError> {
        if !self.object.is_local(data) {
            return Err(FederationError::Invalid(
                "Follow of an actor that does not live here".into(),
            ));
        }
        if self.actor.is_local(data) {
            return Err(FederationError::Invalid(
                "Follow from our own domain".into(),
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Data<AppState>) -> Result<(), FederationError> {
        let follower = self.actor.dereference(data).await?;
        // The group signs its Accept and, later, the Updates its followers
        // get: it needs its key pair from now on.
        let target = with_keys(self.object.dereference(data).await?, data).await?;
        let pending = match &target {
            SomeActor::Group(g) => g.approve_followers,
            SomeActor::Instance(_) if matches!(follower, SomeActor::Instance(_)) => {
                // Peering: automatic once an admin listed the domain,
                // otherwise it waits for an admin.
                let domain = url_domain(follower.id()).unwrap_or_default();
                !policy::load(data).await?.is_allowed_listed(&domain)
            }
            // People publish nothing to follow; only instances peer.
            SomeActor::Person(_) | SomeActor::Instance(_) => {
                let reject = answer(&self, &target, &follower, data, false)?;
                apply_once(data, &self.id, move |conn| reject.enqueue(conn)).await?;
                send::wake();
                return Ok(());
            }
        };
        let accept = (!pending)
            .then(|| answer(&self, &target, &follower, data, true))
            .transpose()?;
        let (follower_id, follower_inbox, target_id, activity_id) = (
            follower.id().to_string(),
            follower.shared_inbox_or_inbox().to_string(),
            target.id().to_string(),
            self.id.to_string(),
        );
        apply_once(data, &self.id, move |conn| {
            follows::upsert(
                conn,
                &follower_id,
                &follower_inbox,
                &target_id,
                &activity_id,
                pending,
            )?;
            if let Some(accept) = &accept {
                accept.enqueue(conn)?;
            }
            Ok(())
        })
        .await?;
        send::wake();
        tracing::info!(follower = %self.actor.inner(), target = %self.object.inner(), pending, "follow received");
        Ok(())
    }
}

/// `Accept(Follow)` or `Reject(Follow)` from the followed actor, ready to
/// be queued with the change it answers.
pub fn answer(
    follow: &Follow,
    target: &SomeActor,
    follower: &SomeActor,
    data: &Data<AppState>,
    accepted: bool,
) -> Result<Outgoing, FederationError> {
    let inboxes = vec![follower.shared_inbox_or_inbox()];
    let (actor, to) = (target.id().clone().into(), vec![follower.id().clone()]);
    if accepted {
        let accept = Accept {
            id: new_activity_id(&data.settings, "accept")?,
            kind: AcceptType::Accept,
            actor,
            to,
            object: AnsweredFollow::Follow(follow.clone()),
        };
        Outgoing::new(accept, inboxes, &data.settings)
    } else {
        let reject = Reject {
            id: new_activity_id(&data.settings, "reject")?,
            kind: RejectType::Reject,
            actor,
            to,
            object: AnsweredFollow::Follow(follow.clone()),
        };
        Outgoing::new(reject, inboxes, &data.settings)
    }
}

/// Local groups and people get their key pair on first use.
pub async fn with_keys(
    actor: SomeActor,
    data: &Data<AppState>,
) -> Result<SomeActor, FederationError> {
    Ok(match actor {
        SomeActor::Group(g) => {
            let row = keys::ensure_org_keys(data, g.row.clone()).await?;
            SomeActor::Group(Box::new(crate::federation::objects::group::ApubGroup::new(
                row,
            )?))
        }
        SomeActor::Person(p) => {
            let row = keys::ensure_account_keys(data, p.row.clone()).await?;
            SomeActor::Person(Box::new(
                crate::federation::objects::person::ApubPerson::new(row)?,
            ))
        }
        other => other,
    })
}
