//! Usage statistics for admins, from the instance's own data and nothing
//! else (no tracker): active accounts per week, announcements and their
//! read rate, resources and downloads, federation traffic.
//!
//! Federation traffic is tallied in memory by each process and added to
//! the weekly counters every minute (and at shutdown), so that a busy inbox
//! does not write a counter row per activity.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::Caller;
use crate::{
    AppState,
    db::{self, accounts, outbox, usage},
    error::{AppError, AppResult},
};

/// How many weeks the page shows.
pub const WEEKS: usize = 8;

/// How long a report is shown before it is computed again. It reads every
/// announcement of eight weeks and counts their readers: the most costly
/// page there is, for figures nobody needs to the second. The page says
/// when they were computed.
pub const REPORT_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Federation traffic not yet written to the weekly counters.
#[derive(Default)]
pub struct Tally {
    pub received: AtomicU64,
    pub delivered: AtomicU64,
    pub failures: AtomicU64,
}

impl Tally {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Writes the tally to the weekly counters.
pub async fn flush(state: &AppState) -> AppResult<()> {
    let taken = [
        (
            usage::RECEIVED,
            state.tally.received.swap(0, Ordering::Relaxed),
        ),
        (
            usage::DELIVERED,
            state.tally.delivered.swap(0, Ordering::Relaxed),
        ),
        (
            usage::DELIVERY_FAILURES,
            state.tally.failures.swap(0, Ordering::Relaxed),
        ),
    ];
    if taken.iter().all(|(_, n)| *n == 0) {
        return Ok(());
    }
    let zone = state.settings.time_zone;
    let written = state
        .db
        .run(move |conn| {
            for (name, n) in taken {
                if n > 0 {
                    usage::count(conn, name, i64::try_from(n).unwrap_or(i64::MAX), zone)?;
                }
            }
            Ok::<_, AppError>(())
        })
        .await;
    if written.is_err() {
        // Put the figures back for the next try.
        state
            .tally
            .received
            .fetch_add(taken[0].1, Ordering::Relaxed);
        state
            .tally
            .delivered
            .fetch_add(taken[1].1, Ordering::Relaxed);
        state
            .tally
            .failures
            .fetch_add(taken[2].1, Ordering::Relaxed);
    }
    written
}

/// Flushes the tally every minute until shutdown, then once more.
pub fn spawn_flush(
    state: AppState,
    shutdown: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let stopping = tokio::select! {
                () = shutdown.cancelled() => true,
                () = tokio::time::sleep(std::time::Duration::from_secs(60)) => false,
            };
            if let Err(error) = flush(&state).await {
                tracing::warn!(%error, "usage counters not written");
            }
            if stopping {
                break;
            }
        }
    })
}

/// One week's figures.
#[derive(Debug, Clone)]
pub struct Week {
    /// `2026-W48`.
    pub name: String,
    pub starts: NaiveDate,
    pub active_accounts: i64,
    pub announcements: i64,
    /// Local readers addressed by announcements asking for an
    /// acknowledgement, and how many of them acknowledged.
    pub addressed: i64,
    pub read: i64,
    pub received: i64,
    pub delivered: i64,
    pub delivery_failures: i64,
}

impl Week {
    /// The read rate in whole percent, when something was addressed.
    pub fn read_rate(&self) -> Option<i64> {
        (self.addressed > 0).then(|| self.read * 100 / self.addressed)
    }
}

#[derive(Debug, Clone)]
pub struct Statistics {
    /// When the figures were read.
    pub computed_at: DateTime<Utc>,
    /// Newest first.
    pub weeks: Vec<Week>,
    pub accounts: i64,
    pub resources_local: i64,
    pub resources_remote: i64,
    pub downloads: i64,
    /// (key, title, downloads)
    pub top_resources: Vec<(String, String, i64)>,
    /// Activities waiting in the outbox, and domains given up on.
    pub queued: i64,
    pub dead_domains: i64,
}

/// Announcements published in `[from, to)`, the readers they were
/// addressed to and those who read them, from `usage::announcement_figures`.
fn totals_between(
    published: &[(NaiveDateTime, i64, i64)],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> (i64, i64, i64) {
    published
        .iter()
        .filter(|(at, ..)| (from..to).contains(at))
        .fold((0, 0, 0), |(n, addressed, read), (_, a, r)| {
            (n + 1, addressed + a, read + r)
        })
}

/// The UTC time of a day's first minute on the instance's clock (1 a.m.
/// where the clocks skip midnight).
fn local_midnight(day: NaiveDate, zone: Tz) -> NaiveDateTime {
    let at = |hour| {
        zone.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap_or_default())
            .earliest()
    };
    at(0).or_else(|| at(1)).map_or_else(
        || day.and_hms_opt(0, 0, 0).unwrap_or_default(),
        |t| t.naive_utc(),
    )
}

/// The statistics page's figures (instance admins only), as this process
/// last computed them if that was less than [`REPORT_KEPT_FOR`] ago.
pub async fn report(state: &AppState, caller: &Caller) -> AppResult<Statistics> {
    caller.instance_admin("only instance admins see the statistics")?;
    if let Some(kept) = state.statistics.fresh() {
        return Ok(kept);
    }
    let fresh = compute(state).await?;
    state.statistics.store(fresh.clone());
    Ok(fresh)
}

async fn compute(state: &AppState) -> AppResult<Statistics> {
    flush(state).await?;
    let zone = state.settings.time_zone;
    state
        .db
        .run(move |conn| {
            // Weeks on the instance's clock, as the counters are kept.
            let today = zone.from_utc_datetime(&db::now()).date_naive();
            let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
            let starts: Vec<NaiveDate> = (0..WEEKS)
                .map(|i| monday - TimeDelta::weeks(i as i64))
                .collect();
            let names: Vec<String> = starts.iter().map(|d| usage::week_name(*d)).collect();
            let active = usage::active_accounts(conn, &names)?;
            let counters = usage::counters(conn, &names)?;
            let counter = |week: &str, name: &str| {
                counters
                    .iter()
                    .find(|(w, n, _)| w == week && n == name)
                    .map_or(0, |(.., v)| *v)
            };
            let midnight = |day: &NaiveDate| local_midnight(*day, zone);
            let oldest = starts.last().map(midnight).unwrap_or_default();
            let next_monday = monday + TimeDelta::weeks(1);
            let published = usage::announcement_figures(conn, oldest, midnight(&next_monday))?;
            let mut weeks = Vec::with_capacity(WEEKS);
            for (start, name) in starts.iter().zip(&names) {
                // A week holds 167 or 169 hours when the clocks change.
                let (from, to) = (midnight(start), midnight(&(*start + TimeDelta::weeks(1))));
                let (announcements, addressed, read) = totals_between(&published, from, to);
                weeks.push(Week {
                    starts: *start,
                    active_accounts: active
                        .iter()
                        .find(|(w, _)| w == name)
                        .map_or(0, |(_, n)| *n),
                    announcements,
                    addressed,
                    read,
                    received: counter(name, usage::RECEIVED),
                    delivered: counter(name, usage::DELIVERED),
                    delivery_failures: counter(name, usage::DELIVERY_FAILURES),
                    name: name.clone(),
                });
            }
            let (resources_local, resources_remote, downloads) = usage::resource_figures(conn)?;
            let lanes = outbox::status(conn)?;
            Ok::<_, AppError>(Statistics {
                computed_at: Utc::now(),
                weeks,
                accounts: accounts::count_local(conn)?,
                resources_local,
                resources_remote,
                downloads,
                top_resources: usage::top_resources(conn, 10)?,
                queued: lanes.iter().map(|l| l.pending).sum(),
                dead_domains: lanes.iter().filter(|l| l.lane.dead).count() as i64,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_counts_what_was_published_from_its_monday_to_the_next() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        let published = [
            (at("2026-11-15 23:59"), 40, 10), // the Sunday before
            (at("2026-11-16 00:00"), 50, 20), // Monday, midnight
            (at("2026-11-19 10:00"), 0, 0),   // asks for no acknowledgement
            (at("2026-11-22 23:59"), 5, 5),   // Sunday, last minute
            (at("2026-11-23 00:00"), 7, 1),   // the next Monday
        ];
        let monday = at("2026-11-16 00:00");
        assert_eq!(
            totals_between(&published, monday, monday + TimeDelta::weeks(1)),
            (3, 55, 25)
        );
        let before = monday - TimeDelta::weeks(1);
        assert_eq!(totals_between(&published, before, monday), (1, 40, 10));
        assert_eq!(totals_between(&[], before, monday), (0, 0, 0));
    }

    #[test]
    fn weeks_start_at_midnight_on_the_instance_clock() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
        let utc = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(
            local_midnight(day("2026-11-16"), paris),
            utc("2026-11-15 23:00")
        );
        assert_eq!(
            local_midnight(day("2026-07-06"), paris),
            utc("2026-07-05 22:00")
        );
        // Santiago skips midnight when its clocks go forward (6 Sept 2026).
        let santiago = chrono_tz::America::Santiago;
        assert_eq!(
            local_midnight(day("2026-09-06"), santiago),
            utc("2026-09-06 04:00")
        );
    }
}
