//! A local account following organisations, here or on other instances.

use activitypub_federation::{
    config::Data,
    fetch::{object_id::ObjectId, webfinger::webfinger_resolve_actor},
    kinds::activity::{FollowType, UndoType},
    traits::{Actor, Object},
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::Caller;
use crate::{
    AppState,
    db::follows,
    error::{AppError, AppResult},
    federation::{
        FederationError,
        activities::new_activity_id,
        objects::{actor::SomeActor, group::ApubGroup, person::ApubPerson},
        protocol::activities::following::{Follow, UndoFollow},
        send::{self, Outgoing},
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowRequest {
    /// `slug@domain`, `acct:slug@domain`, or the organisation's URL.
    pub target: String,
}

#[derive(Debug, Serialize)]
pub struct FollowView {
    pub target: String,
    pub pending: bool,
}

fn federation_to_app(e: FederationError) -> AppError {
    match e {
        FederationError::App(e) => e,
        FederationError::NotFound => AppError::not_found("organisation"),
        FederationError::Refused(reason) => AppError::forbidden(reason),
        FederationError::Library(activitypub_federation::error::Error::UrlVerificationError(
            reason,
        )) => AppError::forbidden(reason),
        other => AppError::new(
            crate::error::ErrorKind::BadRequest,
            format!("cannot reach that organisation: {other}"),
        )
        .says("refused.unreachable", &[])
        .with_cause(other),
    }
}

/// Finds an actor by handle or URL, fetching it from its instance when it
/// is not known yet (within the federation policy).
pub async fn resolve(data: &Data<AppState>, target: &str) -> Result<SomeActor, FederationError> {
    let target = target.trim();
    if target.starts_with("https://") || target.starts_with("http://") {
        let id: ObjectId<SomeActor> = Url::parse(target)?.into();
        return id.dereference(data).await;
    }
    let handle = target.trim_start_matches("acct:").trim_start_matches('@');
    if !handle.contains('@') {
        // A bare slug: one of ours.
        let url = Url::parse(&data.settings.url(&format!("/orgs/{handle}")))?;
        return SomeActor::read_from_id(url, data)
            .await?
            .ok_or(FederationError::NotFound);
    }
    webfinger_resolve_actor::<AppState, SomeActor>(handle, data).await
}

/// Who follows: the caller's own account, or a local organisation the
/// caller manages (a school following its circonscription, so that its
/// members read what is addressed to their roles).
#[derive(Debug, Clone, Copy)]
pub enum Follower<'a> {
    Me,
    Organisation(&'a str),
}

async fn follower_actor(
    data: &Data<AppState>,
    caller: &Caller,
    follower: Follower<'_>,
) -> AppResult<SomeActor> {
    match follower {
        Follower::Me => {
            let account = caller.account("the operator cannot follow: use an account")?;
            // The signed-in account carries no keys; the follow is signed
            // with the key pair read here.
            let id = account.id;
            let row = data
                .db
                .read(move |conn| Ok::<_, AppError>(crate::db::accounts::by_id(conn, id)?))
                .await?;
            Ok(SomeActor::Person(Box::new(
                ApubPerson::new(row).map_err(federation_to_app)?,
            )))
        }
        Follower::Organisation(slug) => {
            let (slug, caller) = (slug.to_string(), caller.clone());
            let org = data
                .db
                .read(move |conn| {
                    let org = crate::db::organisations::local_by_slug(conn, &slug)?
                        .ok_or_else(|| AppError::not_found(&format!("organisation `{slug}`")))?;
                    if !super::organisations::can_manage(conn, &caller, org.id)? {
                        return Err(AppError::forbidden(
                            "only the organisation's admins decide what it follows",
                        )
                        .says("refused.not_organisation_admin", &[]));
                    }
                    Ok(org)
                })
                .await?;
            Ok(SomeActor::Group(Box::new(
                ApubGroup::new(org).map_err(federation_to_app)?,
            )))
        }
    }
}

/// Follows an organisation. A local one is followed at once; a remote one
/// gets a `Follow` and the follow stays pending until its `Accept` arrives.
pub async fn follow(
    data: &Data<AppState>,
    caller: &Caller,
    follower: Follower<'_>,
    target: &str,
) -> AppResult<FollowView> {
    let me = follower_actor(data, caller, follower).await?;
    let target = resolve(data, target).await.map_err(federation_to_app)?;
    let SomeActor::Group(group) = &target else {
        return Err(
            AppError::invalid("target: only organisations can be followed")
                .says("refused.follow_not_organisation", &[]),
        );
    };
    let target_id = group.ap_id.clone();
    if target_id == me.id().as_str() {
        return Err(
            AppError::invalid("target: an organisation cannot follow itself")
                .says("refused.follow_itself", &[]),
        );
    }
    let follower_id = me.id().to_string();
    let follower_inbox = me.shared_inbox_or_inbox().to_string();
    if group.local {
        let pending = group.approve_followers;
        let activity_id = new_activity_id(&data.settings, "follow")
            .map_err(federation_to_app)?
            .to_string();
        data.db
            .run(move |conn| {
                follows::upsert(
                    conn,
                    &follower_id,
                    &follower_inbox,
                    &target_id,
                    &activity_id,
                    pending,
                )?;
                Ok::<_, AppError>(())
            })
            .await?;
        return Ok(FollowView {
            target: group.ap_id.clone(),
            pending,
        });
    }
    let follow = Follow {
        id: new_activity_id(&data.settings, "follow").map_err(federation_to_app)?,
        kind: FollowType::Follow,
        actor: me.id().clone().into(),
        object: target.id().clone().into(),
        to: vec![target.id().clone()],
    };
    let activity_id = follow.id.to_string();
    let outgoing = Outgoing::new(follow, vec![target.shared_inbox_or_inbox()], &data.settings)
        .map_err(federation_to_app)?;
    data.db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                follows::upsert(
                    conn,
                    &follower_id,
                    &follower_inbox,
                    &target_id,
                    &activity_id,
                    true,
                )?;
                outgoing.enqueue(conn)
            })
        })
        .await?;
    send::wake();
    Ok(FollowView {
        target: target.id().to_string(),
        pending: true,
    })
}

/// Stops following; the remote instance gets an `Undo(Follow)`.
pub async fn unfollow(
    data: &Data<AppState>,
    caller: &Caller,
    follower: Follower<'_>,
    target: &str,
) -> AppResult<()> {
    let me = follower_actor(data, caller, follower).await?;
    let target = resolve(data, target).await.map_err(federation_to_app)?;
    let (follower, target_id) = (me.id().to_string(), target.id().to_string());
    let existing = {
        let (follower, target_id) = (follower.clone(), target_id.clone());
        data.db
            .run(move |conn| Ok::<_, AppError>(follows::get(conn, &follower, &target_id)?))
            .await?
            .ok_or_else(|| AppError::not_found("follow"))?
    };
    let undo = (!target.is_local())
        .then(|| {
            let undo = UndoFollow {
                id: new_activity_id(&data.settings, "undo")?,
                kind: UndoType::Undo,
                actor: me.id().clone().into(),
                to: vec![target.id().clone()],
                object: Follow {
                    id: Url::parse(&existing.activity_ap_id)?,
                    kind: FollowType::Follow,
                    actor: me.id().clone().into(),
                    object: target.id().clone().into(),
                    to: vec![target.id().clone()],
                },
            };
            Outgoing::new(undo, vec![target.shared_inbox_or_inbox()], &data.settings)
        })
        .transpose()
        .map_err(federation_to_app)?;
    data.db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                follows::remove(conn, &follower, &target_id)?;
                if let Some(undo) = &undo {
                    undo.enqueue(conn)?;
                }
                Ok::<_, AppError>(())
            })
        })
        .await?;
    send::wake();
    Ok(())
}

/// What the caller follows, accepted or still pending.
pub async fn list(
    data: &Data<AppState>,
    caller: &Caller,
    follower: Follower<'_>,
) -> AppResult<Vec<FollowView>> {
    let me = follower_actor(data, caller, follower).await?;
    let follower = me.id().to_string();
    data.db
        .read(move |conn| {
            Ok::<_, AppError>(
                follows::of_follower(conn, &follower)?
                    .into_iter()
                    .map(|f| FollowView {
                        target: f.target_ap_id,
                        pending: f.pending,
                    })
                    .collect(),
            )
        })
        .await
}

/// Whether an actor follows (or asked to follow) another.
pub async fn is_following(state: &AppState, follower: &str, target: &str) -> AppResult<bool> {
    let (follower, target) = (follower.to_string(), target.to_string());
    state
        .db
        .read(move |conn| {
            Ok::<_, AppError>(
                follows::of_follower(conn, &follower)?
                    .iter()
                    .any(|f| f.target_ap_id == target),
            )
        })
        .await
}
