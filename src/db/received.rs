//! Rows of `received_activities`: deduplication of incoming activities.

use crate::db::Run;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::received_activities};

pub fn seen(conn: &mut DbConn, ap_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        received_activities::table.filter(received_activities::ap_id.eq(ap_id)),
    ))
    .fetch_one(conn)
}

/// Records an id; returns false when it was already there. Call it inside
/// the transaction that applies the activity's effects.
pub fn record(conn: &mut DbConn, ap_id: &str) -> QueryResult<bool> {
    let now = super::now();
    let inserted = diesel::insert_into(received_activities::table)
        .values((
            received_activities::ap_id.eq(ap_id),
            received_activities::received_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .exec(conn)?;
    Ok(inserted == 1)
}
