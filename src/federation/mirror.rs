//! Mirroring: for the peers an admin chose, this instance downloads the
//! files of their resources, checks each against the digest its `Document`
//! gave, and serves its own copy from then on — the resource stays
//! available when its origin is down. A file whose digest does not match is
//! discarded and logged.

use std::time::Duration;

use tracing::Instrument;

use crate::{
    AppState,
    db::{files, resources},
    error::AppError,
    federation::{net_guard, policy},
};

/// What one pass over a domain's files did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MirrorReport {
    pub domain: String,
    pub copied: usize,
    /// Downloaded but not what the digest said: discarded.
    pub mismatched: usize,
    /// Not downloaded (origin down, refused, too large); tried again next
    /// time.
    pub failed: usize,
}

/// Files fetched per pass; the next pass takes the rest.
const BATCH: i64 = 200;

/// Downloads the files of `domain`'s resources that this instance has no
/// copy of yet.
#[tracing::instrument(skip(state), fields(copied, mismatched, failed))]
pub async fn mirror_domain(state: &AppState, domain: &str) -> Result<MirrorReport, AppError> {
    let mut report = MirrorReport {
        domain: domain.to_string(),
        ..MirrorReport::default()
    };
    if policy::load(state).await?.check(domain, false).is_err() {
        tracing::warn!("mirroring a domain the federation policy refuses: skipped");
        return Ok(report);
    }
    let wanted = {
        let domain = domain.to_string();
        state
            .db
            .run(move |conn| Ok::<_, AppError>(resources::files_to_mirror(conn, &domain, BATCH)?))
            .await?
    };
    let client = net_guard::build_client(
        &format!(
            "preau/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            state.settings.url("/")
        ),
        Duration::from_secs(600),
        state.settings.federation.debug,
    )
    .map_err(AppError::internal)?;
    let limit = state.settings.limits.max_upload_bytes;
    for file in wanted {
        let Some(url) = file.remote_url.clone() else {
            continue;
        };
        // The span is attached to the future, never entered across an
        // `.await`: a guard held over a suspension stays "entered" on a
        // worker thread that goes on to poll other tasks.
        let span = tracing::info_span!("mirror file", %url, sha256 = %file.sha256);
        match mirror_file(state, &client, file, &url, limit)
            .instrument(span)
            .await?
        {
            Copied::Yes => report.copied += 1,
            Copied::Mismatched => report.mismatched += 1,
            Copied::Failed => report.failed += 1,
        }
    }
    let span = tracing::Span::current();
    span.record("copied", report.copied);
    span.record("mismatched", report.mismatched);
    span.record("failed", report.failed);
    tracing::info!("mirror pass done");
    Ok(report)
}

/// What became of one file.
enum Copied {
    Yes,
    Mismatched,
    Failed,
}

/// Downloads one file, checks its digest and records the copy.
async fn mirror_file(
    state: &AppState,
    client: &reqwest::Client,
    file: resources::File,
    url: &str,
    limit: u64,
) -> Result<Copied, AppError> {
    let response = match client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
    {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(%error, "origin did not give the file");
            return Ok(Copied::Failed);
        }
    };
    let stream = Box::pin(response.bytes_stream());
    let stored = match state
        .files
        .put_stream(stream, &file.media_type, limit)
        .await
    {
        Ok(stored) => stored,
        Err(error) => {
            tracing::warn!(%error, "file not kept");
            return Ok(Copied::Failed);
        }
    };
    if stored.sha256 != file.sha256 {
        tracing::warn!(got = %stored.sha256, "digest mismatch: the downloaded file is discarded");
        let got = stored.sha256.clone();
        let referenced = state
            .db
            .run(move |conn| Ok::<_, AppError>(files::get(conn, &got)?.is_some()))
            .await?;
        if !referenced {
            state.files.delete(&stored.sha256).await?;
        }
        return Ok(Copied::Mismatched);
    }
    let size = i64::try_from(stored.size).map_err(AppError::internal)?;
    state
        .db
        .run(move |conn| {
            files::record(conn, &stored.sha256, &stored.media_type, size)?;
            resources::set_mirrored(conn, &stored.sha256)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Copied::Yes)
}

/// Mirrors in the background (a new resource arrived from a mirrored
/// peer, or an admin just turned mirroring on).
pub fn spawn(state: AppState, domain: String) {
    tokio::spawn(async move {
        if let Err(error) = mirror_domain(&state, &domain).await {
            tracing::warn!(%domain, %error, "mirroring failed");
        }
    });
}

/// How often files that could not be copied (origin down, a restart in
/// the middle of a pass) are tried again.
const RETRY_EVERY: Duration = Duration::from_secs(3600);

/// Runs a pass over every mirrored domain every hour until `shutdown`.
pub fn spawn_periodic(
    state: AppState,
    shutdown: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(RETRY_EVERY) => {}
            }
            if !crate::services::periodic::due(&state, "mirror", RETRY_EVERY).await {
                continue;
            }
            let domains = match state
                .db
                .run(|conn| Ok::<_, AppError>(resources::mirrored_domains(conn)?))
                .await
            {
                Ok(domains) => domains,
                Err(error) => {
                    tracing::warn!(%error, "mirrored domains not read");
                    continue;
                }
            };
            for domain in domains {
                if let Err(error) = mirror_domain(&state, &domain).await {
                    tracing::warn!(%domain, %error, "mirroring failed");
                }
            }
        }
    })
}
