//! The inbox: every POST from another instance goes through these checks,
//! cheapest first. Nothing is fetched before the sender's domain is allowed,
//! and nothing is stored before its signature holds and the activity's own
//! `verify` passed. This is `activitypub_federation`'s `receive_activity`
//! with the checks it leaves to us (host, size, depth, policy, dedup, key
//! owner, signed digest) and with the sender stored only once verified.

use std::time::SystemTime;

use activitypub_federation::{
    config::Data,
    fetch::fetch_object_http,
    traits::{Activity, Actor, Object},
};
use axum::{
    extract::Request,
    http::{StatusCode, header, request::Parts},
};
use serde::Deserialize;
use url::Url;

use crate::federation::policy::verify_same_origin;

use super::{
    FederationError,
    activity_lists::{InboxActivities, SUPPORTED_TYPES},
    metrics,
    objects::actor::SomeActor,
    policy::{self, normalize_domain, url_domain},
    protocol::actors::ActorDocument,
    signatures,
};
use crate::{
    AppState,
    db::{received, tombstones},
    error::AppError,
};

/// Just enough of an activity to decide whether to look further.
#[derive(Deserialize)]
struct Envelope {
    id: Url,
    #[serde(rename = "type")]
    kind: String,
    actor: IdOrObject,
    #[serde(default)]
    object: Option<IdOrObject>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IdOrObject {
    Id(Url),
    Object { id: Url },
}

impl IdOrObject {
    fn id(&self) -> &Url {
        match self {
            Self::Id(id) | Self::Object { id } => id,
        }
    }
}

/// Handles `POST /inbox`, `/actor/inbox`, `/orgs/{slug}/inbox`,
/// `/users/{name}/inbox`.
#[tracing::instrument(skip_all, fields(activity_id, actor, kind))]
pub async fn receive(
    data: Data<AppState>,
    request: Request,
) -> Result<StatusCode, FederationError> {
    let started = std::time::Instant::now();
    let state = AppState::clone(&data);
    let result = guarded_receive(data, request).await;
    let elapsed = started.elapsed();
    metrics::observe_inbox_latency(elapsed);
    match &result {
        Ok(_) => {
            metrics::INBOX_ACCEPTED.inc();
            crate::services::statistics::Tally::add(&state.tally.received);
        }
        Err(_) => metrics::INBOX_REFUSED.inc(),
    }
    tracing::debug!(
        elapsed_ms = elapsed.as_millis() as u64,
        "inbox request handled"
    );
    result
}

async fn guarded_receive(
    data: Data<AppState>,
    request: Request,
) -> Result<StatusCode, FederationError> {
    let (parts, body) = request.into_parts();
    let limit = data.settings.limits.max_body_bytes;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(FederationError::TooLarge);
    }
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| FederationError::TooLarge)?;

    check_host(&parts, &data)?;
    if signatures::json_too_deep(&bytes, data.settings.limits.max_json_depth) {
        return Err(FederationError::Invalid("JSON nested too deeply".into()));
    }
    let envelope: Envelope = serde_json::from_slice(&bytes)?;
    let span = tracing::Span::current();
    span.record("activity_id", envelope.id.as_str());
    span.record("actor", envelope.actor.id().as_str());
    span.record("kind", envelope.kind.as_str());

    if !SUPPORTED_TYPES.contains(&envelope.kind.as_str()) {
        tracing::debug!("activity type not handled here: ignored");
        return Ok(StatusCode::ACCEPTED);
    }
    let actor_url = envelope.actor.id().clone();
    if !data.settings.federation.debug
        && (envelope.id.scheme() != "https" || actor_url.scheme() != "https")
    {
        return Err(FederationError::Invalid("ids must be https URLs".into()));
    }
    if url_domain(&envelope.id) != url_domain(&actor_url) {
        return Err(FederationError::Invalid(
            "activity id and actor are on different domains".into(),
        ));
    }
    let instance_actor = data.settings.url("/actor");
    let peering = envelope.kind == "Follow"
        && envelope
            .object
            .as_ref()
            .is_some_and(|o| o.id().as_str() == instance_actor);
    let domain = url_domain(&actor_url)
        .ok_or_else(|| FederationError::Invalid("actor has no host".into()))?;
    if domain == normalize_domain(&data.settings.domain) {
        return Err(FederationError::Invalid(
            "activity claims to come from this instance".into(),
        ));
    }
    policy::load(&data)
        .await?
        .check(&domain, peering)
        .map_err(|refusal| FederationError::Refused(refusal.reason().into()))?;
    if !data.inbox_limit.allow(&domain, std::time::Instant::now()) {
        return Err(FederationError::TooManyRequests);
    }

    let id = envelope.id.to_string();
    let seen = data
        .db
        .run(move |conn| Ok::<_, AppError>(received::seen(conn, &id)?))
        .await?;
    if seen {
        tracing::debug!("duplicate delivery: already processed");
        return Ok(StatusCode::ACCEPTED);
    }
    // A deleted actor has no more to say (and its key may be gone).
    let actor_id = actor_url.to_string();
    let buried = data
        .db
        .run(move |conn| Ok::<_, AppError>(tombstones::contains(conn, &actor_id)?))
        .await?;
    if buried {
        tracing::info!("activity of a deleted actor: ignored");
        return Ok(StatusCode::ACCEPTED);
    }

    let activity: InboxActivities = serde_json::from_slice(&bytes)?;
    if activity.actor() != &actor_url || activity.id() != &envelope.id {
        return Err(FederationError::Invalid("ambiguous activity".into()));
    }
    verify_same_origin(activity.id(), activity.actor())?;
    let process = async {
        let fresh = verify_signature(&parts, &bytes, &actor_url, &data).await?;
        activity.verify(&data).await?;
        if let Some(document) = fresh {
            SomeActor::verify(&document, &actor_url, &data).await?;
            SomeActor::from_json(document, &data).await?;
        }
        activity.receive(&data).await
    };
    if peering {
        policy::as_peering_request(process).await?;
    } else {
        process.await?;
    }
    tracing::info!("activity processed");
    Ok(StatusCode::ACCEPTED)
}

/// The request must be addressed to us: a signed request replayed to
/// another host, or smuggled through a shared proxy, is refused.
fn check_host(parts: &Parts, data: &Data<AppState>) -> Result<(), FederationError> {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(ToString::to_string));
    match host {
        Some(h) if normalize_domain(&h) == normalize_domain(&data.settings.domain) => Ok(()),
        _ => Err(FederationError::Invalid(
            "request is not addressed to this instance (Host)".into(),
        )),
    }
}

/// Checks the HTTP signature against the actor named in the body. A stored
/// key that fails is refreshed once from the actor's origin (the actor may
/// have rotated its key). Returns the actor's document when it was fetched,
/// for the caller to store once the activity is verified.
async fn verify_signature(
    parts: &Parts,
    body: &[u8],
    actor_url: &Url,
    data: &Data<AppState>,
) -> Result<Option<ActorDocument>, FederationError> {
    let header = parts
        .headers
        .get("signature")
        .and_then(|s| s.to_str().ok())
        .ok_or_else(|| FederationError::Unauthorized("request is not signed".into()))?;
    let sig = signatures::parse_signature_header(header)?;
    if &signatures::key_owner(&sig.key_id)? != actor_url {
        return Err(FederationError::Unauthorized(
            "the signing key does not belong to the activity's actor".into(),
        ));
    }
    signatures::check_signed_headers(&sig, true)?;
    signatures::check_date(&parts.headers, SystemTime::now())?;
    signatures::check_digest(&parts.headers, body)?;

    let stored = SomeActor::read_from_id(actor_url.clone(), data).await?;
    if let Some(actor) = &stored
        && !actor.public_key_pem().is_empty()
        && signatures::verify(
            &parts.method,
            &parts.uri,
            &parts.headers,
            actor.public_key_pem(),
            true,
        )?
    {
        return Ok(None);
    }
    let fetched = fetch_object_http::<AppState, ActorDocument>(actor_url, data).await?;
    let document = fetched.object;
    if document.id() != actor_url {
        return Err(FederationError::Invalid(
            "fetched actor has another id".into(),
        ));
    }
    let verified = signatures::verify(
        &parts.method,
        &parts.uri,
        &parts.headers,
        &document.public_key().public_key_pem,
        true,
    )?;
    if !verified {
        return Err(FederationError::Unauthorized(
            "signature does not verify".into(),
        ));
    }
    Ok(Some(document))
}
