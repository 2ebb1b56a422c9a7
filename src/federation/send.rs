//! Sending activities to other instances' inboxes, signed by their actor.
//!
//! Each delivery runs in its own task, with a span, and is tried once: the
//! durable outbox (retries, back-off, dead domains) replaces this module's
//! internals without changing its callers.

use std::{fmt::Debug, sync::LazyLock, time::Duration};

use activitypub_federation::{
    activity_sending::SendActivityTask,
    config::Data,
    protocol::context::WithContext,
    traits::{Activity, Actor},
};
use serde::Serialize;
use tokio_util::task::TaskTracker;
use tracing::Instrument;
use url::Url;

use crate::{
    AppState,
    federation::{FederationError, protocol::context::context},
};

/// Deliveries under way, so that a command or a stopping server can wait
/// for them.
static IN_FLIGHT: LazyLock<TaskTracker> = LazyLock::new(TaskTracker::new);

/// Waits until the deliveries started so far have finished, or `limit`.
/// Returns whether they all finished.
pub async fn wait_for_deliveries(limit: Duration) -> bool {
    IN_FLIGHT.close();
    let done = tokio::time::timeout(limit, IN_FLIGHT.wait()).await.is_ok();
    IN_FLIGHT.reopen();
    done
}

pub async fn deliver<A, S>(
    activity: A,
    sender: &S,
    inboxes: Vec<Url>,
    data: &Data<AppState>,
) -> Result<(), FederationError>
where
    A: Activity + Serialize + Debug + Send + Sync + 'static,
    S: Actor,
{
    // The library builds the Host header from the inbox's domain name, and
    // cannot sign for an address; such inboxes are skipped.
    let (inboxes, unusable): (Vec<Url>, Vec<Url>) =
        inboxes.into_iter().partition(|u| u.domain().is_some());
    for inbox in unusable {
        tracing::warn!(%inbox, "inbox without a domain name: not delivered");
    }
    let activity = WithContext::new(activity, context());
    let activity_id = activity.id().clone();
    let tasks = SendActivityTask::prepare(&activity, sender, inboxes, data).await?;
    for task in tasks {
        let data = data.reset_request_count();
        let span = tracing::info_span!("delivery", activity_id = %activity_id, task = %task);
        IN_FLIGHT.spawn(
            async move {
                match task.sign_and_send(&data).await {
                    Ok(()) => tracing::info!("delivered"),
                    Err(error) => tracing::warn!(%error, "delivery failed"),
                }
            }
            .instrument(span),
        );
    }
    Ok(())
}
