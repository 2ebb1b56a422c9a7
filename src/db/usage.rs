//! What the statistics page counts: accounts active per ISO week, and
//! weekly counters of federation traffic. Rows are per week, so the tables
//! stay small whatever the traffic.

use crate::db::Run;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::{dsl::count_star, prelude::*, result::QueryResult};

use super::{
    DbConn, one_of,
    schema::{account_weeks, usage_counters},
};

/// Counter of activities accepted by the inbox.
pub const RECEIVED: &str = "activities_received";
/// Counter of activities delivered to a remote inbox.
pub const DELIVERED: &str = "activities_delivered";
/// Counter of delivery attempts that failed (each retry counts).
pub const DELIVERY_FAILURES: &str = "delivery_failures";

/// The ISO week of a day, as `2026-W48`.
pub fn week_name(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The ISO week of a UTC time on the instance's clock: a week starts on
/// Monday at midnight where its people live, not in Greenwich.
pub fn week_of(at: NaiveDateTime, zone: Tz) -> String {
    week_name(zone.from_utc_datetime(&at).date_naive())
}

/// Marks an account as active in the week of `at` (once per week).
pub fn mark_active(
    conn: &mut DbConn,
    account_id: i64,
    at: NaiveDateTime,
    zone: Tz,
) -> QueryResult<usize> {
    let week = week_of(at, zone);
    diesel::insert_into(account_weeks::table)
        .values((
            account_weeks::week.eq(&week),
            account_weeks::account_id.eq(account_id),
        ))
        .on_conflict_do_nothing()
        .exec(conn)
}

/// Adds `by` to a counter of the current week.
pub fn count(conn: &mut DbConn, name: &str, by: i64, zone: Tz) -> QueryResult<usize> {
    let week = week_of(super::now(), zone);
    diesel::insert_into(usage_counters::table)
        .values((
            usage_counters::week.eq(&week),
            usage_counters::name.eq(name),
            usage_counters::value.eq(by),
        ))
        .on_conflict((usage_counters::week, usage_counters::name))
        .do_update()
        .set(usage_counters::value.eq(usage_counters::value + by))
        .exec(conn)
}

/// Active accounts of each of these weeks.
pub fn active_accounts(conn: &mut DbConn, weeks: &[String]) -> QueryResult<Vec<(String, i64)>> {
    account_weeks::table
        .filter(one_of(account_weeks::week, weeks))
        .group_by(account_weeks::week)
        .select((account_weeks::week, count_star()))
        .fetch(conn)
}

/// Counter values of these weeks, as (week, name, value).
pub fn counters(conn: &mut DbConn, weeks: &[String]) -> QueryResult<Vec<(String, String, i64)>> {
    usage_counters::table
        .filter(one_of(usage_counters::week, weeks))
        .select((
            usage_counters::week,
            usage_counters::name,
            usage_counters::value,
        ))
        .fetch(conn)
}

/// Local announcements published in `[from, to)`, one row each: when, and
/// for those that ask for an acknowledgement, how many local readers they
/// were addressed to and how many of those read them (0 and 0 otherwise).
/// Three queries for the whole span, where one per week took 24.
pub fn announcement_figures(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, i64, i64)>> {
    use std::collections::HashMap;

    use super::schema::{acknowledgements, announcements, home_feed};
    use diesel::dsl::count_star;
    let in_span = announcements::local
        .eq(true)
        .and(announcements::published_at.ge(from))
        .and(announcements::published_at.lt(to));
    let published: Vec<(i64, NaiveDateTime)> = announcements::table
        .filter(in_span)
        .select((announcements::id, announcements::published_at))
        .fetch(conn)?;
    let asking = || {
        announcements::table
            .filter(in_span.and(announcements::ack_requested.eq(true)))
            .select(announcements::id)
    };
    let addressed: HashMap<i64, i64> = home_feed::table
        .filter(home_feed::announcement_id.eq_any(asking()))
        .group_by(home_feed::announcement_id)
        .select((home_feed::announcement_id, count_star()))
        .fetch(conn)?
        .into_iter()
        .collect();
    let read: HashMap<i64, i64> = acknowledgements::table
        .filter(acknowledgements::announcement_id.eq_any(asking()))
        .filter(acknowledgements::account_id.is_not_null())
        .group_by(acknowledgements::announcement_id)
        .select((acknowledgements::announcement_id, count_star()))
        .fetch(conn)?
        .into_iter()
        .collect();
    Ok(published
        .into_iter()
        .map(|(id, at)| {
            let of = |counts: &HashMap<i64, i64>| counts.get(&id).copied().unwrap_or(0);
            (at, of(&addressed), of(&read))
        })
        .collect())
}

/// Resources shared here and received, and downloads of local ones.
pub fn resource_figures(conn: &mut DbConn) -> QueryResult<(i64, i64, i64)> {
    use super::schema::resources;
    use diesel::{dsl::sql, sql_types::BigInt};
    let local = resources::table
        .filter(resources::local.eq(true))
        .count()
        .fetch_one(conn)?;
    let remote = resources::table
        .filter(resources::local.eq(false))
        .count()
        .fetch_one(conn)?;
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast it back.
    let downloads = resources::table
        .filter(resources::local.eq(true))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(downloads), 0) AS BIGINT)"))
        .fetch_one(conn)?;
    Ok((local, remote, downloads))
}

/// The most downloaded local resources, as (public id, title, downloads).
pub fn top_resources(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(String, String, i64)>> {
    use super::schema::resources;
    resources::table
        .filter(resources::local.eq(true))
        .filter(resources::downloads.gt(0))
        .order((resources::downloads.desc(), resources::id.asc()))
        .limit(limit)
        .select((resources::public_id, resources::title, resources::downloads))
        .fetch(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_iso_weeks_on_the_instance_clock() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("date");
        let utc = chrono_tz::UTC;
        assert_eq!(week_of(t("2026-11-23 08:00"), utc), "2026-W48");
        // 1 January 2027 is a Friday: it belongs to the last week of 2026.
        assert_eq!(week_of(t("2027-01-01 12:00"), utc), "2026-W53");
        assert_eq!(week_of(t("2027-01-04 00:00"), utc), "2027-W01");
        // Sunday 23:30 in Greenwich is already Monday in Paris.
        assert_eq!(week_of(t("2026-11-22 23:30"), utc), "2026-W47");
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(week_of(t("2026-11-22 23:30"), paris), "2026-W48");
    }
}
