//! Rows of `files`: what the content-addressed store holds.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::files};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = files)]
pub struct StoredFile {
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
}

/// Records a stored file; the same bytes twice keep the first row.
pub fn record(
    conn: &mut DbConn,
    sha256: &str,
    media_type: &str,
    size: i64,
) -> QueryResult<StoredFile> {
    diesel::insert_into(files::table)
        .values((
            files::sha256.eq(sha256),
            files::media_type.eq(media_type),
            files::size.eq(size),
            files::created_at.eq(super::now()),
        ))
        .on_conflict_do_nothing()
        .exec(conn)?;
    files::table
        .find(sha256)
        .select(columns::<StoredFile>())
        .fetch_first(conn)
}

pub fn get(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<StoredFile>> {
    files::table
        .find(sha256)
        .select(columns::<StoredFile>())
        .fetch_first(conn)
        .optional()
}
