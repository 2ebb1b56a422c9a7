//! The row of `directory_version`: a number that the database itself
//! raises, by triggers, with every change to organisations, memberships
//! or accounts (migration 000013), so that copies of what the directory
//! shows can be checked against it from any process.

use crate::db::Run;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::directory_version};

/// The current number. Read it before the rows it labels: rows read after
/// it are at least as new, so a copy is never labelled newer than it is.
pub fn current(conn: &mut DbConn) -> QueryResult<i64> {
    directory_version::table
        .select(directory_version::version)
        .fetch_one(conn)
}
