//! Who is asking, for GETs of what only federated instances may read: a
//! request signed by an actor of an instance the federation policy allows
//! is a peer; an unsigned one, or one signed from a domain we do not
//! federate with, sees what the whole web sees. A signature that is there
//! but does not hold is refused outright.

use std::time::SystemTime;

use activitypub_federation::{
    config::Data,
    fetch::fetch_object_http,
    traits::{Actor, Object},
};
use axum::http::{HeaderMap, Method, Uri};

use super::{
    FederationError,
    objects::actor::SomeActor,
    policy::{self, normalize_domain, url_domain},
    protocol::actors::ActorDocument,
    signatures,
};
use crate::{AppState, model::Viewer};

/// The viewer a GET request speaks for.
#[tracing::instrument(skip_all, fields(signer))]
pub async fn viewer(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    data: &Data<AppState>,
) -> Result<Viewer, FederationError> {
    let Some(header) = headers.get("signature").and_then(|s| s.to_str().ok()) else {
        return Ok(Viewer::Anonymous);
    };
    let sig = signatures::parse_signature_header(header)?;
    let signer = signatures::key_owner(&sig.key_id)?;
    tracing::Span::current().record("signer", signer.as_str());
    let Some(domain) = url_domain(&signer) else {
        return Ok(Viewer::Anonymous);
    };
    if domain == normalize_domain(&data.settings.domain) {
        return Ok(Viewer::Anonymous);
    }
    // Nothing is fetched for a domain we do not federate with.
    if policy::load(data).await?.check(&domain, false).is_err() {
        tracing::debug!("signed by a domain we do not federate with: public view");
        return Ok(Viewer::Anonymous);
    }
    signatures::check_signed_headers(&sig, false)?;
    signatures::check_date(headers, SystemTime::now())?;

    let stored = SomeActor::read_from_id(signer.clone(), data).await?;
    if let Some(actor) = &stored
        && !actor.public_key_pem().is_empty()
        && signatures::verify(method, uri, headers, actor.public_key_pem(), false)?
    {
        return Ok(Viewer::Peer);
    }
    // Unknown signer, or a rotated key: ask its origin once.
    let document = fetch_object_http::<AppState, ActorDocument>(&signer, data)
        .await?
        .object;
    if document.id() != &signer {
        return Err(FederationError::Invalid(
            "fetched actor has another id".into(),
        ));
    }
    if signatures::verify(
        method,
        uri,
        headers,
        &document.public_key().public_key_pem,
        false,
    )? {
        Ok(Viewer::Peer)
    } else {
        Err(FederationError::Unauthorized(
            "signature does not verify".into(),
        ))
    }
}
