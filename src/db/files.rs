//! Rows of `files`: what the content-addressed store holds.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn,
    schema::{announcement_attachments, files, resource_files},
};
use diesel::dsl::{exists, not};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = files)]
pub struct StoredFile {
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
}

/// Records a stored file and claims it (see [`claim`]); the same bytes
/// twice keep the first row, claimed again.
pub fn record(conn: &mut DbConn, sha256: &str, media_type: &str, size: i64) -> QueryResult<()> {
    let now = super::now();
    diesel::insert_into(files::table)
        .values((
            files::sha256.eq(sha256),
            files::media_type.eq(media_type),
            files::size.eq(size),
            files::created_at.eq(now),
            files::claimed_at.eq(now),
        ))
        .on_conflict(files::sha256)
        .do_update()
        .set(files::claimed_at.eq(now))
        .exec(conn)?;
    Ok(())
}

/// Claims a recorded file for a day: unused files are removed only past
/// that ([`forget_if_unused`]). `false` when there is no such file (any
/// more): a reference to it must then be refused.
pub fn claim(conn: &mut DbConn, sha256: &str) -> QueryResult<bool> {
    let claimed = diesel::update(files::table.find(sha256))
        .set(files::claimed_at.eq(super::now()))
        .exec(conn)?;
    Ok(claimed == 1)
}

/// Files claimed last before `cutoff` that nothing refers to, up to `limit`.
pub fn unused(conn: &mut DbConn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    files::table
        .filter(files::claimed_at.lt(cutoff))
        .filter(not(referred_to()))
        .select(files::sha256)
        .order(files::claimed_at.asc())
        .limit(limit)
        .fetch(conn)
}

/// Removes a file's row when it is still unused and unclaimed since
/// `cutoff`; `true` when it did, and its bytes may go.
pub fn forget_if_unused(
    conn: &mut DbConn,
    sha256: &str,
    cutoff: NaiveDateTime,
) -> QueryResult<bool> {
    let removed = diesel::delete(
        files::table
            .filter(files::sha256.eq(sha256))
            .filter(files::claimed_at.lt(cutoff))
            .filter(not(referred_to())),
    )
    .exec(conn)?;
    Ok(removed == 1)
}

/// Whether an announcement or a resource refers to the file of the row.
#[diesel::dsl::auto_type(no_type_alias)]
fn referred_to() -> _ {
    exists(
        announcement_attachments::table
            .filter(announcement_attachments::sha256.eq(files::sha256.nullable())),
    )
    .or(exists(
        resource_files::table.filter(resource_files::sha256.eq(files::sha256)),
    ))
}

pub fn get(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<StoredFile>> {
    files::table
        .find(sha256)
        .select(columns::<StoredFile>())
        .fetch_first(conn)
        .optional()
}
