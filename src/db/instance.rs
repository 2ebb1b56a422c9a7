//! The single `instance` row: this deployment's domain and actor key pair.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::instance};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = instance)]
pub struct InstanceRow {
    pub id: i64,
    pub domain: String,
    pub public_key: String,
    pub private_key: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    pub federation_mode: Option<String>,
}

pub fn get(conn: &mut DbConn) -> QueryResult<Option<InstanceRow>> {
    instance::table
        .find(1_i64)
        .select(columns::<InstanceRow>())
        .fetch_first(conn)
        .optional()
}

/// Stores the key pair unless another process stored one first; returns the
/// row that won.
pub fn insert_if_absent(
    conn: &mut DbConn,
    domain: &str,
    public_key: &str,
    private_key: &str,
) -> QueryResult<InstanceRow> {
    use diesel::result::{DatabaseErrorKind, Error};
    if let Some(row) = get(conn)? {
        return Ok(row);
    }
    let inserted = diesel::insert_into(instance::table)
        .values((
            instance::id.eq(1_i64),
            instance::domain.eq(domain),
            instance::public_key.eq(public_key),
            instance::private_key.eq(private_key),
            instance::created_at.eq(super::now()),
        ))
        .exec(conn);
    match inserted {
        // Another process started at the same moment and won the race.
        Ok(_) | Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(e) => return Err(e),
    }
    get(conn)?.ok_or(Error::NotFound)
}
