//! Federated directories: `/directory` lists this instance's organisations
//! as an `OrderedCollection` whose pages embed each entry, and peers read
//! it when peering starts, then every few hours. Entries whose visibility is
//! `federation` are listed only to signed requests from instances the
//! policy allows; `instance` and `private` ones never leave the instance.

use std::collections::HashMap;

use activitypub_federation::{config::Data, fetch::fetch_object_http};
use axum::{
    extract::Query,
    http::{HeaderMap, Method, Uri},
    response::Response,
};
use serde::Deserialize;
use url::Url;

use super::{
    FederationError,
    objects::group::{ApubGroup, store_entry},
    policy::{url_domain, verify_same_origin},
    protocol::{
        actors::DirectoryEntry,
        collections::{DirectoryPage, OrderedCollection},
    },
    routes::activity_json,
    signed_fetch,
};
use crate::{
    AppState,
    db::{self, organisations, peers},
    error::AppError,
    model::Viewer,
};

/// Entries per page: a page of full profiles stays far under the 1 MiB
/// that fetchers accept.
const PAGE_SIZE: i64 = 200;

/// Pages read from one peer at most (1,000,000 entries).
const MAX_PAGES: usize = 5_000;

#[derive(Deserialize)]
pub struct DirectoryQuery {
    /// The id after which a page starts; absent for the collection itself.
    after: Option<i64>,
}

/// `GET /directory`.
#[tracing::instrument(skip_all, fields(after = query.after))]
pub async fn collection(
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<DirectoryQuery>,
    data: Data<AppState>,
) -> Result<Response, FederationError> {
    let viewer = signed_fetch::viewer(&method, &uri, &headers, &data).await?;
    // A peer sees `federation` entries; nobody outside sees more.
    let visibilities: &'static [&'static str] = if viewer >= Viewer::Peer {
        &["public", "federation"]
    } else {
        &["public"]
    };
    let id = Url::parse(&data.settings.url("/directory"))?;
    let Some(after) = query.after else {
        let total = data
            .db
            .run(move |conn| Ok::<_, AppError>(organisations::count_local(conn, visibilities)?))
            .await?;
        return Ok(activity_json(OrderedCollection {
            kind: "OrderedCollection".into(),
            id: id.clone(),
            total_items: total,
            first: Some(Url::parse(&format!("{id}?after=0"))?),
        }));
    };
    let rows = data
        .db
        .run(move |conn| {
            let rows = organisations::list(conn, visibilities, after.max(0), PAGE_SIZE + 1)?;
            let parent_ids: Vec<i64> = rows.iter().filter_map(|o| o.parent_id).collect();
            let parents: HashMap<i64, String> = organisations::names_by_ids(conn, &parent_ids)?
                .into_iter()
                .map(|p| (p.id, p.ap_id))
                .collect();
            Ok::<_, AppError>((rows, parents))
        })
        .await?;
    let (mut rows, parents) = rows;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last()
            .map(|last| Url::parse(&format!("{id}?after={}", last.id)))
            .transpose()?
    } else {
        None
    };
    let entries = rows
        .into_iter()
        .map(|org| {
            let parent = org.parent_id.and_then(|p| parents.get(&p)).cloned();
            ApubGroup::new(org)?.entry(parent.as_deref(), &data.settings)
        })
        .collect::<Result<Vec<DirectoryEntry>, FederationError>>()?;
    Ok(activity_json(DirectoryPage {
        kind: "OrderedCollectionPage".into(),
        id: Url::parse(&format!("{id}?after={after}"))?,
        part_of: id,
        ordered_items: entries,
        next,
    }))
}

/// What reading one peer's directory did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub domain: String,
    pub pages: usize,
    pub stored: usize,
    /// Entries that claimed an organisation of another domain, or were
    /// malformed; logged and skipped.
    pub rejected: usize,
}

/// Reads a peer's whole directory and stores each entry with its origin.
#[tracing::instrument(skip(data), fields(pages, stored, rejected))]
pub async fn sync_peer(
    data: &Data<AppState>,
    peer_actor: &Url,
) -> Result<SyncReport, FederationError> {
    let domain = url_domain(peer_actor)
        .ok_or_else(|| FederationError::Invalid("peer actor has no host".into()))?;
    let mut report = SyncReport {
        domain: domain.clone(),
        ..SyncReport::default()
    };
    let url = peer_actor.join("/directory")?;
    let collection: OrderedCollection = fetch_object_http(&url, &data.reset_request_count())
        .await?
        .object;
    verify_same_origin(&collection.id, peer_actor)?;
    let mut next = collection.first;
    // Children whose parent came later in the listing: linked at the end.
    let mut orphans: Vec<(i64, String)> = Vec::new();
    while let Some(page_url) = next.take() {
        verify_same_origin(&page_url, peer_actor)?;
        if report.pages == MAX_PAGES {
            tracing::warn!(%domain, "directory longer than {MAX_PAGES} pages: stopped there");
            break;
        }
        let page: DirectoryPage = fetch_object_http(&page_url, &data.reset_request_count())
            .await?
            .object;
        report.pages += 1;
        next = page.next;
        let origin = domain.clone();
        let (stored, rejected, unlinked) = data
            .db
            .run(move |conn| {
                db::transaction(conn, |conn| {
                    let (mut stored, mut rejected, mut unlinked) = (0, 0, Vec::new());
                    for entry in &page.ordered_items {
                        match store_checked(conn, &origin, entry) {
                            Ok(row) => {
                                stored += 1;
                                if let (Some(parent), None) = (&entry.parent, row.parent_id) {
                                    unlinked.push((row.id, parent.to_string()));
                                }
                            }
                            Err(reason) => {
                                rejected += 1;
                                tracing::warn!(entry = %entry.id, %reason, "directory entry rejected");
                            }
                        }
                    }
                    Ok::<_, AppError>((stored, rejected, unlinked))
                })
            })
            .await?;
        report.stored += stored;
        report.rejected += rejected;
        orphans.extend(unlinked);
    }
    let actor = peer_actor.to_string();
    data.db
        .run(move |conn| {
            for (child, parent) in orphans {
                if let Some(p) = organisations::by_ap_id(conn, &parent)? {
                    organisations::set_parent(conn, child, p.id)?;
                }
            }
            if let Some(peer) = peers::by_ap_id(conn, &actor)? {
                peers::set_directory_synced(conn, peer.id)?;
            }
            Ok::<_, AppError>(())
        })
        .await?;
    let span = tracing::Span::current();
    span.record("pages", report.pages);
    span.record("stored", report.stored);
    span.record("rejected", report.rejected);
    tracing::info!("peer directory read");
    Ok(report)
}

/// Stores one entry of `origin`'s directory, unless it claims an
/// organisation of another domain (or of ours).
fn store_checked(
    conn: &mut db::DbConn,
    origin: &str,
    entry: &DirectoryEntry,
) -> Result<organisations::Organisation, String> {
    if url_domain(&entry.id).as_deref() != Some(origin) {
        return Err(format!("entry of another domain than {origin}"));
    }
    verify_same_origin(&entry.id, &entry.inbox).map_err(|e| e.to_string())?;
    store_entry(conn, entry).map_err(|e| e.to_string())
}

/// Reads the directory of every peer, one after the other; a peer that
/// fails is logged and the others are still read.
pub async fn sync_all(data: &Data<AppState>) -> Vec<Result<SyncReport, String>> {
    let own = data.settings.url("/actor");
    let peers = match data
        .db
        .run(move |conn| Ok::<_, AppError>(peers::peered(conn, &own)?))
        .await
    {
        Ok(peers) => peers,
        Err(e) => return vec![Err(e.to_string())],
    };
    let mut results = Vec::with_capacity(peers.len());
    for peer in peers {
        let result = match Url::parse(&peer.ap_id) {
            Ok(actor) => sync_peer(data, &actor).await.map_err(|e| {
                tracing::warn!(domain = %peer.domain, error = %e, "peer directory not read");
                format!("{}: {e}", peer.domain)
            }),
            Err(e) => Err(format!("{}: {e}", peer.domain)),
        };
        results.push(result);
    }
    results
}

/// Reads a new peer's directory in the background (peering just started).
pub fn spawn_sync(data: &Data<AppState>, peer_actor: Url) {
    let data = data.reset_request_count();
    tokio::spawn(async move {
        if let Err(e) = sync_peer(&data, &peer_actor).await {
            tracing::warn!(peer = %peer_actor, error = %e, "peer directory not read");
        }
    });
}

/// Reads every peer's directory every `federation.directory_sync_hours`
/// until `shutdown`.
pub fn spawn_periodic(
    config: activitypub_federation::config::FederationConfig<AppState>,
    shutdown: tokio_util::sync::CancellationToken,
) -> Option<tokio::task::JoinHandle<()>> {
    let hours = config.settings.federation.directory_sync_hours;
    if hours <= 0.0 {
        return None;
    }
    let every = std::time::Duration::from_secs_f64(hours * 3600.0);
    Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(every) => {}
            }
            if !crate::services::periodic::due(&config, "directory_sync", every).await {
                continue;
            }
            let data = config.to_request_data();
            sync_all(&data).await;
        }
    }))
}
