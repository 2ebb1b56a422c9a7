//! Queuing outgoing activities in the durable outbox.
//!
//! An activity is serialised once and written, one row per target inbox,
//! in a database transaction — the same transaction as the change that
//! caused it when the caller has one ([`Outgoing::enqueue`]). The workers of
//! `delivery` sign and send it later, so a crash or a restart loses nothing.

use std::sync::LazyLock;

use activitypub_federation::{protocol::context::WithContext, traits::Activity};
use serde::Serialize;
use tokio::sync::Notify;
use url::Url;

use crate::{
    config::Settings,
    db::{
        DbConn,
        outbox::{self, NewDelivery},
    },
    error::AppError,
    federation::{FederationError, policy::url_domain, protocol::context::context},
};

/// Wakes this process's delivery workers when something was queued.
pub(crate) static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// An activity ready to be queued: serialised, with its target inboxes.
pub struct Outgoing {
    activity_id: String,
    actor_id: String,
    payload: String,
    /// `(inbox, lane domain)`.
    inboxes: Vec<(String, String)>,
}

impl Outgoing {
    /// Serialises an activity for some inboxes. Inboxes on this instance,
    /// repeated ones and ones without a domain name (which cannot be
    /// signed for) are left out.
    pub fn new<A>(
        activity: A,
        inboxes: Vec<Url>,
        settings: &Settings,
    ) -> Result<Self, FederationError>
    where
        A: Activity + Serialize,
    {
        let own = crate::federation::policy::normalize_domain(&settings.domain);
        let mut targets: Vec<(String, String)> = Vec::new();
        for inbox in inboxes {
            let Some(domain) = url_domain(&inbox) else {
                continue;
            };
            if inbox.domain().is_none() {
                tracing::warn!(%inbox, "inbox without a domain name: not delivered");
                continue;
            }
            if domain == own || targets.iter().any(|(i, _)| i == inbox.as_str()) {
                continue;
            }
            targets.push((inbox.to_string(), domain));
        }
        let (activity_id, actor_id) = (activity.id().to_string(), activity.actor().to_string());
        Ok(Self {
            activity_id,
            actor_id,
            payload: serde_json::to_string(&WithContext::new(activity, context()))?,
            inboxes: targets,
        })
    }

    /// Writes the deliveries; call inside the caller's transaction, then
    /// [`wake`] once it committed.
    pub fn enqueue(&self, conn: &mut DbConn) -> Result<(), AppError> {
        let rows: Vec<NewDelivery<'_>> = self
            .inboxes
            .iter()
            .map(|(inbox, domain)| NewDelivery {
                activity_id: &self.activity_id,
                actor_ap_id: &self.actor_id,
                inbox_url: inbox,
                domain,
                payload: &self.payload,
            })
            .collect();
        outbox::enqueue(conn, &rows)?;
        Ok(())
    }
}

/// Tells this process's workers that work was queued.
pub fn wake() {
    WAKE.notify_waiters();
}
