//! Rows of `outbox` and `delivery_domains`: activities waiting for delivery,
//! and one lane per target domain with its back-off and its holder.
//!
//! A process leases a lane (a domain) before delivering its rows, oldest
//! first; on PostgreSQL several processes lease with `FOR UPDATE SKIP
//! LOCKED`, and a lease that is not renewed expires, so the lanes of a
//! process that died are taken over.

use super::{MaybeStamp, Stamp};
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn, one_of,
    schema::{delivery_domains, outbox},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub activity_id: String,
    pub actor_ap_id: String,
    pub inbox_url: String,
    pub domain: String,
    pub payload: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub failed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = delivery_domains)]
pub struct Lane {
    pub domain: String,
    pub failures: i32,
    pub dead: bool,
    #[diesel(deserialize_as = Stamp)]
    pub next_attempt_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub first_failure_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub last_success_at: Option<NaiveDateTime>,
    pub leased_by: Option<String>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub leased_until: Option<NaiveDateTime>,
}

/// One delivery to queue.
pub struct NewDelivery<'a> {
    pub activity_id: &'a str,
    pub actor_ap_id: &'a str,
    pub inbox_url: &'a str,
    pub domain: &'a str,
    pub payload: &'a str,
}

/// Queues deliveries; call it inside the transaction of the change that
/// caused them. A new domain gets a lane; an existing lane keeps its
/// back-off.
pub fn enqueue(conn: &mut DbConn, deliveries: &[NewDelivery<'_>]) -> QueryResult<()> {
    let now = super::now();
    // Multi-row statements: one activity for a thousand followers is a
    // handful of statements, not two thousand.
    for chunk in deliveries.chunks(500) {
        let mut domains: Vec<&str> = chunk.iter().map(|d| d.domain).collect();
        domains.sort_unstable();
        domains.dedup();
        let lanes: Vec<_> = domains
            .iter()
            .map(|d| {
                (
                    delivery_domains::domain.eq(*d),
                    delivery_domains::next_attempt_at.eq(now),
                )
            })
            .collect();
        diesel::insert_into(delivery_domains::table)
            .values(&lanes)
            .on_conflict_do_nothing()
            .exec(conn)?;
        let rows: Vec<_> = chunk
            .iter()
            .map(|d| {
                (
                    outbox::activity_id.eq(d.activity_id),
                    outbox::actor_ap_id.eq(d.actor_ap_id),
                    outbox::inbox_url.eq(d.inbox_url),
                    outbox::domain.eq(d.domain),
                    outbox::payload.eq(d.payload),
                    outbox::created_at.eq(now),
                )
            })
            .collect();
        diesel::insert_into(outbox::table)
            .values(&rows)
            .exec(conn)?;
    }
    Ok(())
}

/// Leases up to `limit` lanes that have work and are due, for `holder`.
pub fn lease_lanes(
    conn: &mut DbConn,
    holder: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let due = delivery_domains::table
        .filter(delivery_domains::next_attempt_at.le(now))
        .filter(
            delivery_domains::leased_until
                .is_null()
                .or(delivery_domains::leased_until.lt(now)),
        )
        .filter(diesel::dsl::exists(
            outbox::table
                .filter(outbox::domain.eq(delivery_domains::domain))
                .filter(outbox::failed_at.is_null()),
        ))
        .order(delivery_domains::next_attempt_at.asc())
        .limit(limit)
        .select(delivery_domains::domain);
    crate::db::transaction(conn, |conn| {
        // PostgreSQL: rows another process is leasing right now are skipped,
        // not waited for. SQLite has one writer: its transaction suffices.
        let domains: Vec<String> = match conn {
            #[allow(clippy::disallowed_methods)] // PostgreSQL only, on its own connection
            DbConn::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
            DbConn::Sqlite(_) => due.fetch(conn)?,
        };
        diesel::update(delivery_domains::table.filter(one_of(delivery_domains::domain, &domains)))
            .set((
                delivery_domains::leased_by.eq(holder),
                delivery_domains::leased_until.eq(lease_until),
            ))
            .exec(conn)?;
        Ok(domains)
    })
}

/// Extends a lease; returns false if the lane is no longer ours.
pub fn renew(
    conn: &mut DbConn,
    domain: &str,
    holder: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        delivery_domains::table
            .filter(delivery_domains::domain.eq(domain))
            .filter(delivery_domains::leased_by.eq(holder)),
    )
    .set(delivery_domains::leased_until.eq(lease_until))
    .exec(conn)?;
    Ok(n == 1)
}

pub fn release(conn: &mut DbConn, domain: &str, holder: &str) -> QueryResult<usize> {
    diesel::update(
        delivery_domains::table
            .filter(delivery_domains::domain.eq(domain))
            .filter(delivery_domains::leased_by.eq(holder)),
    )
    .set((
        delivery_domains::leased_by.eq(None::<String>),
        delivery_domains::leased_until.eq(None::<NaiveDateTime>),
    ))
    .exec(conn)
}

/// The next rows of a lane, oldest first.
pub fn lane_rows(conn: &mut DbConn, domain: &str, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::domain.eq(domain))
        .filter(outbox::failed_at.is_null())
        .order(outbox::id.asc())
        .limit(limit)
        .select(columns::<OutboxRow>())
        .fetch(conn)
}

/// A delivery succeeded (or the peer refused it for good): the row goes,
/// and the lane is healthy again.
pub fn delivered(
    conn: &mut DbConn,
    row_id: i64,
    domain: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::db::transaction(conn, |conn| {
        diesel::delete(outbox::table.find(row_id)).exec(conn)?;
        diesel::update(delivery_domains::table.find(domain))
            .set((
                delivery_domains::failures.eq(0),
                delivery_domains::dead.eq(false),
                delivery_domains::first_failure_at.eq(None::<NaiveDateTime>),
                delivery_domains::last_success_at.eq(now),
                delivery_domains::next_attempt_at.eq(now),
            ))
            .exec(conn)?;
        Ok(())
    })
}

/// A delivery failed: the row counts the attempt, and the whole lane waits
/// (keeping the order of its activities).
pub fn failed(
    conn: &mut DbConn,
    row_id: i64,
    domain: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
    first_failure_at: NaiveDateTime,
    dead: bool,
) -> QueryResult<()> {
    let error: String = error.chars().take(1000).collect();
    crate::db::transaction(conn, |conn| {
        diesel::update(outbox::table.find(row_id))
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(&error),
            ))
            .exec(conn)?;
        diesel::update(delivery_domains::table.find(domain))
            .set((
                delivery_domains::failures.eq(delivery_domains::failures + 1),
                delivery_domains::dead.eq(dead),
                delivery_domains::first_failure_at.eq(first_failure_at),
                delivery_domains::last_error.eq(&error),
                delivery_domains::next_attempt_at.eq(next_attempt_at),
            ))
            .exec(conn)?;
        Ok(())
    })
}

pub fn lane(conn: &mut DbConn, domain: &str) -> QueryResult<Option<Lane>> {
    delivery_domains::table
        .find(domain)
        .select(columns::<Lane>())
        .fetch_first(conn)
        .optional()
}

/// Gives up on rows older than `cutoff`; returns them for the report.
pub fn give_up_older_than(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Vec<OutboxRow>> {
    crate::db::transaction(conn, |conn| {
        let rows: Vec<OutboxRow> = outbox::table
            .filter(outbox::failed_at.is_null())
            .filter(outbox::created_at.lt(cutoff))
            .select(columns::<OutboxRow>())
            .fetch(conn)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        diesel::update(outbox::table.filter(one_of(outbox::id, &ids)))
            .set(outbox::failed_at.eq(now))
            .exec(conn)?;
        Ok(rows)
    })
}

/// A lane with what waits in it, for admins and metrics.
#[derive(Debug, Clone)]
pub struct LaneStatus {
    pub lane: Lane,
    pub pending: i64,
    pub oldest_pending: Option<NaiveDateTime>,
    pub given_up: i64,
}

pub fn status(conn: &mut DbConn) -> QueryResult<Vec<LaneStatus>> {
    let lanes: Vec<Lane> = delivery_domains::table
        .order(delivery_domains::domain.asc())
        .select(columns::<Lane>())
        .fetch(conn)?;
    let mut out = Vec::with_capacity(lanes.len());
    for lane in lanes {
        let pending: i64 = outbox::table
            .filter(outbox::domain.eq(&lane.domain))
            .filter(outbox::failed_at.is_null())
            .count()
            .fetch_one(conn)?;
        let oldest: Option<NaiveDateTime> = outbox::table
            .filter(outbox::domain.eq(&lane.domain))
            .filter(outbox::failed_at.is_null())
            .select(diesel::dsl::min(outbox::created_at))
            .fetch_first(conn)?;
        let given_up: i64 = outbox::table
            .filter(outbox::domain.eq(&lane.domain))
            .filter(outbox::failed_at.is_not_null())
            .count()
            .fetch_one(conn)?;
        out.push(LaneStatus {
            lane,
            pending,
            oldest_pending: oldest,
            given_up,
        });
    }
    Ok(out)
}

/// Drops the undelivered activities of an actor that no longer exists:
/// they can no longer be signed, and each lane delivers in order, so one
/// of them would hold up everything queued behind it for that domain.
pub fn forget_actor(conn: &mut DbConn, actor_ap_id: &str) -> QueryResult<usize> {
    diesel::delete(outbox::table.filter(outbox::actor_ap_id.eq(actor_ap_id))).exec(conn)
}
