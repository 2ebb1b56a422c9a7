//! Rows of `tombstones`: ids deleted at their origin, kept so that they
//! never come back.

use crate::db::Run;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn,
    schema::{accounts, acknowledgements, follows, organisations, tombstones},
};

pub fn contains(conn: &mut DbConn, ap_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        tombstones::table.filter(tombstones::ap_id.eq(ap_id)),
    ))
    .fetch_one(conn)
}

/// Records a deletion and removes what we held of the object: a remote
/// organisation, person or announcement, the follows from or to it, and a
/// person's read receipts.
pub fn bury(conn: &mut DbConn, ap_id: &str, deleted_by: &str) -> QueryResult<()> {
    let now = super::now();
    diesel::insert_into(tombstones::table)
        .values((
            tombstones::ap_id.eq(ap_id),
            tombstones::deleted_by.eq(deleted_by),
            tombstones::deleted_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .exec(conn)?;
    diesel::delete(
        follows::table.filter(
            follows::follower_ap_id
                .eq(ap_id)
                .or(follows::target_ap_id.eq(ap_id)),
        ),
    )
    .exec(conn)?;
    super::announcements::delete_remote_by_ap_id(conn, ap_id)?;
    super::resources::delete_remote_by_ap_id(conn, ap_id)?;
    diesel::delete(
        organisations::table
            .filter(organisations::ap_id.eq(ap_id))
            .filter(organisations::local.eq(false)),
    )
    .exec(conn)?;
    diesel::delete(
        accounts::table
            .filter(accounts::ap_id.eq(ap_id))
            .filter(accounts::local.eq(false)),
    )
    .exec(conn)?;
    // A deleted person's "I have read this" is theirs too (local readers
    // are never buried: a Delete of a local object is refused).
    diesel::delete(acknowledgements::table.filter(acknowledgements::reader_ap_id.eq(ap_id)))
        .exec(conn)?;
    Ok(())
}
