//! What instance admins decide about federation: the mode, allowed and
//! blocked domains, and peering with other instances (a `Follow` between
//! instance actors that the other side's admin accepts).

use activitypub_federation::{
    config::Data,
    fetch::object_id::ObjectId,
    kinds::activity::FollowType,
    traits::{Actor, Object},
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{
    Caller,
    audit::{self, Action},
};
use crate::{
    AppState,
    config::FederationMode,
    db::{domain_policies, follows, peers},
    error::{AppError, AppResult},
    federation::{
        FederationError,
        activities::{following::follow::answer, new_activity_id},
        objects::{actor::SomeActor, instance::ApubInstance},
        policy::{self, normalize_domain, url_domain},
        protocol::activities::following::Follow,
        send::{self, Outgoing},
    },
};

fn require_admin(caller: &Caller) -> AppResult<()> {
    caller.instance_admin("only instance admins manage federation")
}

fn fed(e: FederationError) -> AppError {
    match e {
        FederationError::App(e) => e,
        other => AppError::new(
            crate::error::ErrorKind::BadRequest,
            format!("federation failed: {other}"),
        )
        .says("refused.federation_failed", &[]),
    }
}

/// Checks a domain typed by an admin: a host name, optionally with a port.
pub fn parse_domain(raw: &str) -> AppResult<String> {
    let domain = normalize_domain(raw);
    let ok = !domain.is_empty()
        && !domain.contains('/')
        && Url::parse(&format!("https://{domain}/")).is_ok_and(|u| u.host_str().is_some());
    if ok {
        Ok(domain)
    } else {
        Err(
            AppError::invalid(format!("domain: `{raw}` is not a domain name"))
                .says("refused.domain_invalid", &[("domain", &raw)]),
        )
    }
}

#[derive(Debug, Serialize)]
pub struct FederationStatus {
    pub mode: String,
    pub allowlist: Vec<String>,
    pub blocklist: Vec<String>,
    pub peers: Vec<PeerView>,
    pub peering_requests: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PeerView {
    pub domain: String,
    pub actor: String,
    pub software: Option<String>,
    /// We follow them, and they accepted.
    pub outgoing: Option<&'static str>,
    /// They follow us, and we accepted.
    pub incoming: Option<&'static str>,
}

fn state_of(row: Option<follows::Follow>) -> Option<&'static str> {
    row.map(|f| if f.pending { "pending" } else { "accepted" })
}

pub async fn status(state: &AppState, caller: &Caller) -> AppResult<FederationStatus> {
    require_admin(caller)?;
    let policy = policy::load(state).await?;
    let own = state.settings.url("/actor");
    let rows = state
        .db
        .read(move |conn| {
            let mut views = Vec::new();
            for peer in peers::all(conn)? {
                views.push(PeerView {
                    outgoing: state_of(follows::get(conn, &own, &peer.ap_id)?),
                    incoming: state_of(follows::get(conn, &peer.ap_id, &own)?),
                    domain: peer.domain,
                    actor: peer.ap_id,
                    software: peer.software,
                });
            }
            let requests = follows::pending_for(conn, &own)?
                .into_iter()
                .filter_map(|f| url_domain(&Url::parse(&f.follower_ap_id).ok()?))
                .collect();
            Ok::<_, AppError>((views, requests))
        })
        .await?;
    Ok(FederationStatus {
        mode: policy.mode.to_string(),
        allowlist: policy.allow.into_iter().collect(),
        blocklist: policy.block.into_iter().collect(),
        peers: rows.0,
        peering_requests: rows.1,
    })
}

pub async fn set_mode(state: &AppState, caller: &Caller, mode: &str) -> AppResult<()> {
    require_admin(caller)?;
    let mode: FederationMode =
        serde_json::from_value(serde_json::Value::String(mode.trim().to_ascii_lowercase()))
            .map_err(|_| {
                AppError::invalid("mode: expected one of allowlist, open, closed")
                    .says("refused.mode_unknown", &[])
            })?;
    let text = mode.to_string();
    let actor = audit::Actor::of(caller);
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                domain_policies::set_mode_override(conn, Some(&text))?;
                audit::record(conn, &actor, Action::FederationMode, &text, "")?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainRule {
    pub domain: String,
    /// `allow` or `block`.
    pub policy: String,
    #[serde(default)]
    pub note: String,
}

pub async fn set_domain(state: &AppState, caller: &Caller, rule: DomainRule) -> AppResult<()> {
    require_admin(caller)?;
    let domain = parse_domain(&rule.domain)?;
    if normalize_domain(&state.settings.domain) == domain {
        return Err(
            AppError::invalid("domain: that is this instance").says("refused.domain_self", &[])
        );
    }
    let policy = match rule.policy.as_str() {
        "allow" | "block" => rule.policy.clone(),
        other => {
            return Err(
                AppError::invalid(format!("policy: `{other}`, expected allow or block"))
                    .says("refused.policy_unknown", &[]),
            );
        }
    };
    let note = rule.note.trim().chars().take(500).collect::<String>();
    let actor = audit::Actor::of(caller);
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                domain_policies::set(conn, &domain, &policy, &note)?;
                let detail = if note.is_empty() {
                    policy.clone()
                } else {
                    format!("{policy}: {note}")
                };
                audit::record(conn, &actor, Action::DomainRuleSet, &domain, &detail)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(())
}

pub async fn forget_domain(state: &AppState, caller: &Caller, domain: &str) -> AppResult<()> {
    require_admin(caller)?;
    let domain = parse_domain(domain)?;
    let actor = audit::Actor::of(caller);
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                if domain_policies::remove(conn, &domain)? == 0 {
                    return Err(AppError::not_found(&format!("rule for {domain}")));
                }
                audit::record(conn, &actor, Action::DomainRuleRemoved, &domain, "")?;
                Ok(())
            })
        })
        .await
}

/// Asks another instance to peer: allows its domain here, then sends a
/// `Follow` from our instance actor to theirs.
pub async fn request_peering(
    data: &Data<AppState>,
    caller: &Caller,
    domain: &str,
) -> AppResult<()> {
    require_admin(caller)?;
    let domain = parse_domain(domain)?;
    set_domain(
        data,
        caller,
        DomainRule {
            domain: domain.clone(),
            policy: "allow".into(),
            note: "peering requested".into(),
        },
    )
    .await?;
    let url = Url::parse(&format!("{}://{domain}/actor", data.settings.scheme()))
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let theirs = ObjectId::<ApubInstance>::from(url)
        .dereference(data)
        .await
        .map_err(fed)?;
    let ours = ApubInstance::local(data).await.map_err(fed)?;
    let follow = Follow {
        id: new_activity_id(&data.settings, "follow").map_err(fed)?,
        kind: FollowType::Follow,
        actor: ours.id().clone().into(),
        object: theirs.id().clone().into(),
        to: vec![theirs.id().clone()],
    };
    let (f, inbox, target, id) = (
        ours.id().to_string(),
        ours.shared_inbox_or_inbox().to_string(),
        theirs.id().to_string(),
        follow.id.to_string(),
    );
    let outgoing =
        Outgoing::new(follow, vec![theirs.shared_inbox_or_inbox()], &data.settings).map_err(fed)?;
    let actor = audit::Actor::of(caller);
    data.db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                follows::upsert(conn, &f, &inbox, &target, &id, true)?;
                outgoing.enqueue(conn)?;
                audit::record(conn, &actor, Action::PeeringRequested, &domain, "")?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    send::wake();
    Ok(())
}

/// The pending peering request of a domain, with its sender.
async fn pending_request(
    data: &Data<AppState>,
    domain: &str,
) -> AppResult<(follows::Follow, ApubInstance)> {
    let own = data.settings.url("/actor");
    let domain = domain.to_string();
    let row = data
        .db
        .read(move |conn| {
            Ok::<_, AppError>(follows::pending_for(conn, &own)?.into_iter().find(|f| {
                Url::parse(&f.follower_ap_id)
                    .ok()
                    .and_then(|u| url_domain(&u))
                    .as_deref()
                    == Some(domain.as_str())
            }))
        })
        .await?
        .ok_or_else(|| AppError::not_found("peering request"))?;
    let follower = SomeActor::read_from_id(
        Url::parse(&row.follower_ap_id).map_err(AppError::internal)?,
        data,
    )
    .await
    .map_err(fed)?;
    let Some(SomeActor::Instance(peer)) = follower else {
        return Err(AppError::not_found("peering request"));
    };
    Ok((row, *peer))
}

fn original_follow(row: &follows::Follow, ours: &ApubInstance) -> AppResult<Follow> {
    let parse = |s: &str| Url::parse(s).map_err(AppError::internal);
    Ok(Follow {
        id: parse(&row.activity_ap_id)?,
        kind: FollowType::Follow,
        actor: parse(&row.follower_ap_id)?.into(),
        object: ours.id().clone().into(),
        to: vec![],
    })
}

/// Accepts a peering request: the domain is allowed and gets an `Accept`.
pub async fn accept_peering(data: &Data<AppState>, caller: &Caller, domain: &str) -> AppResult<()> {
    decide_peering(data, caller, domain, true).await
}

/// Refuses a peering request: the sender gets a `Reject`.
pub async fn reject_peering(data: &Data<AppState>, caller: &Caller, domain: &str) -> AppResult<()> {
    decide_peering(data, caller, domain, false).await
}

async fn decide_peering(
    data: &Data<AppState>,
    caller: &Caller,
    domain: &str,
    accepted: bool,
) -> AppResult<()> {
    require_admin(caller)?;
    let domain = parse_domain(domain)?;
    let (row, peer) = pending_request(data, &domain).await?;
    let ours = ApubInstance::local(data).await.map_err(fed)?;
    let follow = original_follow(&row, &ours)?;
    if accepted {
        let rule = DomainRule {
            domain: domain.clone(),
            policy: "allow".into(),
            note: "peering accepted".into(),
        };
        set_domain(data, caller, rule).await?;
    }
    let outgoing = answer(
        &follow,
        &SomeActor::Instance(Box::new(ours)),
        &SomeActor::Instance(Box::new(peer)),
        data,
        accepted,
    )
    .map_err(fed)?;
    let (f, t) = (row.follower_ap_id.clone(), row.target_ap_id.clone());
    let (actor, audited) = (audit::Actor::of(caller), domain.clone());
    data.db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let action = if accepted {
                    follows::set_accepted(conn, &f, &t)?;
                    Action::PeeringAccepted
                } else {
                    follows::remove(conn, &f, &t)?;
                    Action::PeeringRejected
                };
                outgoing.enqueue(conn)?;
                audit::record(conn, &actor, action, &audited, "")?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    send::wake();
    if accepted && let Ok(peer) = Url::parse(&row.follower_ap_id) {
        crate::federation::directory::spawn_sync(data, peer);
    }
    Ok(())
}

/// What reading the peers' directories did, peer by peer.
#[derive(Debug, Serialize)]
pub struct DirectorySyncView {
    pub synced: Vec<crate::federation::directory::SyncReport>,
    pub failed: Vec<String>,
}

/// Reads every peer's directory now (admins only).
pub async fn sync_directories(
    data: &Data<AppState>,
    caller: &Caller,
) -> AppResult<DirectorySyncView> {
    require_admin(caller)?;
    let (mut synced, mut failed) = (Vec::new(), Vec::new());
    for result in crate::federation::directory::sync_all(data).await {
        match result {
            Ok(report) => synced.push(report),
            Err(e) => failed.push(e),
        }
    }
    tracing::warn!(
        peers = synced.len(),
        failed = failed.len(),
        "audit: directories read"
    );
    Ok(DirectorySyncView { synced, failed })
}

/// One target domain's delivery lane, as admins see it.
#[derive(Debug, Serialize)]
pub struct DeliveryView {
    pub domain: String,
    pub pending: i64,
    pub oldest_pending: Option<chrono::DateTime<chrono::Utc>>,
    pub given_up: i64,
    pub failures: i32,
    pub dead: bool,
    pub last_error: Option<String>,
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
}

/// Per-domain delivery state: queue length, oldest pending, last error,
/// dead or alive.
pub async fn deliveries(state: &AppState, caller: &Caller) -> AppResult<Vec<DeliveryView>> {
    require_admin(caller)?;
    let lanes = state
        .db
        .read(|conn| Ok::<_, AppError>(crate::db::outbox::status(conn)?))
        .await?;
    Ok(lanes
        .into_iter()
        .map(|s| DeliveryView {
            domain: s.lane.domain,
            pending: s.pending,
            oldest_pending: s.oldest_pending.map(|t| t.and_utc()),
            given_up: s.given_up,
            failures: s.lane.failures,
            dead: s.lane.dead,
            last_error: s.lane.last_error,
            last_success_at: s.lane.last_success_at.map(|t| t.and_utc()),
            next_attempt_at: s.lane.next_attempt_at.and_utc(),
        })
        .collect())
}
