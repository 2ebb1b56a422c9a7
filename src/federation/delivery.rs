//! Delivery workers: they lease lanes (one per target domain), deliver each
//! lane's activities in order, and back off a failing domain without
//! holding the others back. At-least-once: a row is deleted only after its
//! peer answered, so a crash can resend, never lose (receivers dedup by id).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use activitypub_federation::{
    activity_sending::SendActivityTask,
    config::{Data, FederationConfig},
    traits::{Activity, Object},
};
use async_trait::async_trait;
use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;
use tokio::{sync::Semaphore, task::JoinHandle};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::Instrument;
use url::Url;

use super::{
    FederationError, activities::following::follow::with_keys, metrics, objects::actor::SomeActor,
    send::WAKE,
};
use crate::{
    AppState,
    config::DeliverySettings,
    db::{self, outbox},
    error::AppError,
    services::statistics::Tally,
};

/// Rows read from a lane at a time.
const BATCH: i64 = 50;
/// How often rows past the retry window are given up, at most.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A queued activity as stored: sent exactly as it was serialised.
#[derive(Debug, Clone)]
struct StoredActivity {
    id: Url,
    actor: Url,
    json: serde_json::Value,
}

impl Serialize for StoredActivity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

#[async_trait]
impl Activity for StoredActivity {
    type DataType = AppState;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _: &Data<AppState>) -> Result<(), FederationError> {
        Err(FederationError::Invalid("outgoing activity".into()))
    }

    async fn receive(self, _: &Data<AppState>) -> Result<(), FederationError> {
        Err(FederationError::Invalid("outgoing activity".into()))
    }
}

/// When a failing lane is tried next, and whether its domain is now dead.
pub fn backoff(
    settings: &DeliverySettings,
    failures: i32,
    first_failure: NaiveDateTime,
    now: NaiveDateTime,
) -> (NaiveDateTime, bool) {
    let failing_for = (now - first_failure).as_seconds_f64();
    let dead = failing_for >= settings.dead_after_secs;
    let secs = if dead {
        settings.dead_retry_secs
    } else {
        let exponent = failures.clamp(1, 40) - 1;
        (settings.retry_base_secs * 2_f64.powi(exponent)).min(settings.retry_max_secs)
    };
    let delay = TimeDelta::milliseconds((secs * 1000.0) as i64);
    (now + delay, dead)
}

/// Starts this process's workers; they stop when `shutdown` is cancelled,
/// after the lanes in hand are finished or their lease would expire.
pub fn spawn(config: FederationConfig<AppState>, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(run(config.to_request_data(), shutdown))
}

async fn run(data: Data<AppState>, shutdown: CancellationToken) {
    let settings = data.settings.delivery.clone();
    let holder = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
    let lanes = Arc::new(Semaphore::new(settings.lanes));
    let tracker = TaskTracker::new();
    let poll = Duration::from_millis(settings.poll_interval_ms.max(10));
    let mut last_sweep: Option<Instant> = None;
    // A short retry window (tests) is swept as often as it needs.
    let sweep_every = SWEEP_EVERY.min(Duration::from_secs_f64(
        settings.give_up_after_days * 86_400.0 / 4.0,
    ));
    tracing::info!(%holder, lanes = settings.lanes, "delivery workers started");
    while !shutdown.is_cancelled() {
        // Registered before leasing, so that a wake during the lease is kept.
        let woken = WAKE.notified();
        let free = lanes.available_permits();
        if free > 0 {
            match lease(&data, &holder, free).await {
                Ok(domains) => {
                    for domain in domains {
                        let Ok(permit) = lanes.clone().acquire_owned().await else {
                            break;
                        };
                        let (data, holder) = (data.reset_request_count(), holder.clone());
                        let span = tracing::info_span!("lane", %domain);
                        tracker.spawn(
                            async move {
                                run_lane(&data, &holder, &domain).await;
                                drop(permit);
                                WAKE.notify_waiters();
                            }
                            .instrument(span),
                        );
                    }
                }
                Err(error) => tracing::error!(?error, "cannot lease delivery lanes"),
            }
        }
        if last_sweep.is_none_or(|t| t.elapsed() >= sweep_every) {
            last_sweep = Some(Instant::now());
            if let Err(error) = give_up_expired(&data).await {
                tracing::error!(%error, "cannot sweep the outbox");
            }
        }
        tokio::select! {
            () = woken => {}
            () = tokio::time::sleep(poll) => {}
            () = shutdown.cancelled() => {}
        }
    }
    tracker.close();
    let limit = Duration::from_secs_f64(settings.lease_secs);
    if tokio::time::timeout(limit, tracker.wait()).await.is_err() {
        tracing::warn!("delivery lanes still busy at shutdown: other processes take them over");
    }
    tracing::info!("delivery workers stopped");
}

fn lease_end(settings: &DeliverySettings, now: NaiveDateTime) -> NaiveDateTime {
    now + TimeDelta::milliseconds((settings.lease_secs * 1000.0) as i64)
}

async fn lease(data: &Data<AppState>, holder: &str, free: usize) -> Result<Vec<String>, AppError> {
    let holder = holder.to_string();
    let settings = data.settings.delivery.clone();
    data.db
        .run(move |conn| {
            let now = db::now();
            Ok(outbox::lease_lanes(
                conn,
                &holder,
                now,
                lease_end(&settings, now),
                free as i64,
            )?)
        })
        .await
}

/// Delivers a lane's rows in order until it is empty, a delivery fails (the
/// lane then waits, keeping its order) or the lease is lost.
async fn run_lane(data: &Data<AppState>, holder: &str, domain: &str) {
    loop {
        let (d, h) = (domain.to_string(), holder.to_string());
        let settings = data.settings.delivery.clone();
        let rows = data
            .db
            .run(move |conn| {
                let now = db::now();
                if !outbox::renew(conn, &d, &h, lease_end(&settings, now))? {
                    return Ok::<_, AppError>(None);
                }
                Ok(Some(outbox::lane_rows(conn, &d, BATCH)?))
            })
            .await;
        let rows = match rows {
            Ok(Some(rows)) if !rows.is_empty() => rows,
            Ok(_) => break,
            Err(error) => {
                tracing::error!(%error, "cannot read the lane");
                break;
            }
        };
        for row in rows {
            let span = tracing::info_span!(
                "delivery",
                activity_id = %row.activity_id,
                inbox = %row.inbox_url,
                attempt = row.attempts + 1,
            );
            let result = deliver_row(data, &row).instrument(span.clone()).await;
            // The span goes with the future, never entered across an
            // `.await`: a guard held over a suspension stays "entered" on
            // a worker thread that goes on to poll other tasks, which then
            // clone it as their current span after it closed (tracing's
            // registry panics on that).
            let keep_going = async move {
                match result {
                    Ok(()) => {
                        metrics::DELIVERIES_OK.inc();
                        Tally::add(&data.tally.delivered);
                        tracing::info!("delivered");
                        record(data, move |conn| {
                            outbox::delivered(conn, row.id, &row.domain, db::now())
                        })
                        .await
                    }
                    Err(error) => {
                        metrics::DELIVERIES_FAILED.inc();
                        Tally::add(&data.tally.failures);
                        tracing::warn!(%error, "delivery failed: the lane waits");
                        let settings = data.settings.delivery.clone();
                        let error = error.to_string();
                        record(data, move |conn| {
                            let now = db::now();
                            let lane = outbox::lane(conn, &row.domain)?;
                            let failures = lane.as_ref().map_or(0, |l| l.failures) + 1;
                            let first = lane.and_then(|l| l.first_failure_at).unwrap_or(now);
                            let (next, dead) = backoff(&settings, failures, first, now);
                            if dead {
                                tracing::warn!(domain = %row.domain, "domain marked dead");
                            }
                            outbox::failed(conn, row.id, &row.domain, &error, next, first, dead)
                        })
                        .await;
                        false
                    }
                }
            }
            .instrument(span)
            .await;
            if !keep_going {
                release(data, holder, domain).await;
                return;
            }
        }
    }
    release(data, holder, domain).await;
}

async fn record<F>(data: &Data<AppState>, f: F) -> bool
where
    F: FnOnce(&mut db::DbConn) -> diesel::QueryResult<()> + Send + 'static,
{
    match data.db.run(move |conn| Ok::<_, AppError>(f(conn)?)).await {
        Ok(()) => true,
        Err(error) => {
            tracing::error!(%error, "cannot record a delivery");
            false
        }
    }
}

async fn release(data: &Data<AppState>, holder: &str, domain: &str) {
    let (d, h) = (domain.to_string(), holder.to_string());
    if let Err(error) = data
        .db
        .run(move |conn| Ok::<_, AppError>(outbox::release(conn, &d, &h)?))
        .await
    {
        tracing::error!(%error, "cannot release a lane");
    }
}

/// Signs and sends one queued activity with its actor's key. `Ok` when the
/// peer took it, or refused it for good (a 4xx other than 408 and 429),
/// or when the peer is no longer federated with.
async fn deliver_row(
    data: &Data<AppState>,
    row: &outbox::OutboxRow,
) -> Result<(), FederationError> {
    let actor = SomeActor::read_from_id(Url::parse(&row.actor_ap_id)?, data)
        .await?
        .ok_or(FederationError::NotFound)?;
    let actor = with_keys(actor, data).await?;
    let json: serde_json::Value = serde_json::from_str(&row.payload)?;
    let activity = StoredActivity {
        id: Url::parse(&row.activity_id)?,
        actor: Url::parse(&row.actor_ap_id)?,
        json,
    };
    let inbox = Url::parse(&row.inbox_url)?;
    let tasks = SendActivityTask::prepare(&activity, &actor, vec![inbox], data).await?;
    if tasks.is_empty() {
        tracing::info!("peer no longer federated with: dropped");
    }
    for task in tasks {
        task.sign_and_send(data).await?;
    }
    Ok(())
}

/// Rows past the retry window are given up and reported.
async fn give_up_expired(data: &Data<AppState>) -> Result<(), AppError> {
    let days = data.settings.delivery.give_up_after_days;
    let rows = data
        .db
        .run(move |conn| {
            let now = db::now();
            let cutoff = now - TimeDelta::milliseconds((days * 86_400_000.0) as i64);
            Ok::<_, AppError>(outbox::give_up_older_than(conn, cutoff, now)?)
        })
        .await?;
    for row in rows {
        metrics::DELIVERIES_GIVEN_UP.inc();
        tracing::error!(
            activity_id = %row.activity_id,
            inbox = %row.inbox_url,
            attempts = row.attempts,
            last_error = row.last_error.as_deref().unwrap_or(""),
            "activity not delivered within the retry window: given up (see preau admin federation status)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .expect("time")
            .naive_utc()
    }

    #[test]
    fn back_off_doubles_from_a_minute_to_days_then_the_domain_is_dead() {
        let s = DeliverySettings::default();
        let start = t(0);
        assert_eq!(backoff(&s, 1, start, start), (t(60), false));
        assert_eq!(backoff(&s, 2, start, t(60)), (t(60 + 120), false));
        assert_eq!(backoff(&s, 5, start, t(1000)), (t(1000 + 960), false));
        let (next, dead) = backoff(&s, 30, start, t(3600));
        assert_eq!(
            (next, dead),
            (t(3600 + 172_800), false),
            "capped at two days"
        );
        let (next, dead) = backoff(&s, 12, start, t(86_400));
        assert!(dead, "failing for a day");
        assert_eq!(next, t(86_400 + 43_200));
    }
}
