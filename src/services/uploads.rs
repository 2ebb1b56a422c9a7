//! What the file store keeps: uploads are claimed once stored, and files
//! that nothing has claimed for a day and nothing refers to (a previewed
//! form never sent, an upload never attached, a deleted announcement or
//! resource) are removed, bytes and row.
//!
//! The store is content-addressed, so the same bytes may be uploaded again
//! while their unused copy is being removed. The removal deletes the row
//! and then the bytes inside one transaction; an upload stores the bytes,
//! then claims the row (which waits for that transaction), then checks
//! that the bytes are still there. Whichever comes first, no row is left
//! claimed without its bytes: either the removal found the row claimed and
//! kept it, or the upload finds the bytes gone and is refused, to be sent
//! again. Announcements and resources claim the files they start referring
//! to in their own transaction, and are refused when a file is gone.

use std::time::Duration;

use chrono::TimeDelta;

use crate::{
    AppState,
    db::{self, DbConn, files},
    error::{AppError, AppResult},
    files::{FileStore, Stored},
};

/// How long a file nothing refers to is kept after its last claim: long
/// enough for a form left open over lunch, or for a day's upload to be
/// attached by a script.
pub const UNUSED_KEPT_FOR: TimeDelta = TimeDelta::days(1);

/// How often each process looks for unused files, the first time a few
/// minutes after it starts (a process restarted more often than hourly
/// still sweeps).
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const FIRST_SWEEP_AFTER: Duration = Duration::from_secs(300);

/// Files removed per candidate read.
const BATCH: i64 = 100;

/// Records freshly stored files and claims them, then checks that their
/// bytes are still in the store (see the module's comment).
pub async fn keep(state: &AppState, stored: &[Stored]) -> AppResult<()> {
    let (store, stored) = (state.files.clone(), stored.to_vec());
    state
        .db
        .run(move |conn| {
            db::transaction(conn, |conn| {
                stored
                    .iter()
                    .try_for_each(|file| record_stored(conn, &store, file))
            })
        })
        .await
}

/// [`keep`] for one file, in the caller's transaction on the blocking
/// pool: an announcement or a resource that records its files with its
/// own rows, so that a refusal leaves them unrecorded (and removed at
/// once).
pub fn record_stored(conn: &mut DbConn, store: &FileStore, file: &Stored) -> AppResult<()> {
    let size = i64::try_from(file.size).map_err(AppError::internal)?;
    files::record(conn, &file.sha256, &file.media_type, size)?;
    let runtime = tokio::runtime::Handle::current();
    if runtime.block_on(store.exists(&file.sha256))? {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "file: {} was removed from the store while it was sent; send it again",
            file.sha256
        ))
        .says("refused.file_gone", &[]))
    }
}

/// Removes the files nothing refers to and nothing claimed for
/// `kept_for`; returns how many went.
pub async fn sweep(state: &AppState, kept_for: TimeDelta) -> AppResult<usize> {
    let cutoff = db::now() - kept_for;
    let mut removed = 0;
    loop {
        let candidates = state
            .db
            .run(move |conn| Ok::<_, AppError>(files::unused(conn, cutoff, BATCH)?))
            .await?;
        let read = candidates.len();
        for sha256 in candidates {
            let store = state.files.clone();
            let runtime = tokio::runtime::Handle::current();
            let gone = state
                .db
                .run(move |conn| {
                    db::transaction(conn, |conn| {
                        if !files::forget_if_unused(conn, &sha256, cutoff)? {
                            return Ok(false);
                        }
                        // The bytes go before the row's removal commits:
                        // an upload of the same bytes claims the row only
                        // after that, then sees they are gone.
                        runtime.block_on(store.delete(&sha256))?;
                        Ok::<_, AppError>(true)
                    })
                })
                .await?;
            if gone {
                removed += 1;
            }
        }
        if read < BATCH as usize {
            return Ok(removed);
        }
    }
}

/// Sweeps every [`SWEEP_EVERY`] until shutdown, in one process of the
/// instance at a time (`periodic::due`); were two to sweep at once, a file
/// goes in one transaction and the other finds it gone.
pub fn spawn_sweeper(
    state: AppState,
    shutdown: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut wait = FIRST_SWEEP_AFTER;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(wait) => {}
            }
            wait = SWEEP_EVERY;
            if !super::periodic::due(&state, "unused_files", SWEEP_EVERY).await {
                continue;
            }
            match sweep(&state, UNUSED_KEPT_FOR).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "unused files removed"),
                Err(error) => tracing::warn!(%error, "unused files not removed"),
            }
        }
    })
}
