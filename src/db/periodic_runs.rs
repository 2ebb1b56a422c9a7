//! Rows of `periodic_runs`: which process runs a periodic job this period.

use chrono::{DateTime, NaiveDateTime};
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::periodic_runs};
use crate::db::Run;

/// Takes this period's run of `name` when nobody started it since
/// `since`; `true` when the caller should run it. One statement decides,
/// so of several processes asking at once exactly one gets it.
pub fn take(conn: &mut DbConn, name: &str, since: NaiveDateTime) -> QueryResult<bool> {
    let now = super::now();
    let never = DateTime::UNIX_EPOCH.naive_utc();
    diesel::insert_into(periodic_runs::table)
        .values((
            periodic_runs::name.eq(name),
            periodic_runs::last_started_at.eq(never),
        ))
        .on_conflict_do_nothing()
        .exec(conn)?;
    let taken = diesel::update(
        periodic_runs::table
            .filter(periodic_runs::name.eq(name))
            .filter(periodic_runs::last_started_at.le(since)),
    )
    .set(periodic_runs::last_started_at.eq(now))
    .exec(conn)?;
    Ok(taken == 1)
}
