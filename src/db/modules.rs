//! Rows of `modules`: the parts of Préau an admin has switched on or off.

use crate::db::Run;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::modules};

/// Every module with a stored choice, as (name, enabled).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<(String, bool)>> {
    modules::table
        .select((modules::name, modules::enabled))
        .fetch(conn)
}

pub fn set(conn: &mut DbConn, name: &str, enabled: bool) -> QueryResult<usize> {
    let now = super::now();
    diesel::insert_into(modules::table)
        .values((
            modules::name.eq(name),
            modules::enabled.eq(enabled),
            modules::updated_at.eq(now),
        ))
        .on_conflict(modules::name)
        .do_update()
        .set((modules::enabled.eq(enabled), modules::updated_at.eq(now)))
        .exec(conn)
}
