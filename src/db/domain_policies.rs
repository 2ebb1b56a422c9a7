//! Rows of `federation_domains` and the mode override: what admins decided
//! about federation at run time, on top of the config file.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn,
    schema::{federation_domains, instance},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = federation_domains)]
pub struct DomainPolicy {
    pub domain: String,
    pub policy: String,
    pub note: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<DomainPolicy>> {
    federation_domains::table
        .order(federation_domains::domain.asc())
        .select(columns::<DomainPolicy>())
        .fetch(conn)
}

/// Sets a domain's policy (`allow` or `block`), replacing an earlier one.
pub fn set(conn: &mut DbConn, domain: &str, policy: &str, note: &str) -> QueryResult<()> {
    let now = super::now();
    diesel::insert_into(federation_domains::table)
        .values((
            federation_domains::domain.eq(domain),
            federation_domains::policy.eq(policy),
            federation_domains::note.eq(note),
            federation_domains::created_at.eq(now),
        ))
        .on_conflict(federation_domains::domain)
        .do_update()
        .set((
            federation_domains::policy.eq(policy),
            federation_domains::note.eq(note),
        ))
        .exec(conn)?;
    Ok(())
}

pub fn remove(conn: &mut DbConn, domain: &str) -> QueryResult<usize> {
    diesel::delete(federation_domains::table.filter(federation_domains::domain.eq(domain)))
        .exec(conn)
}

pub fn mode_override(conn: &mut DbConn) -> QueryResult<Option<String>> {
    Ok(instance::table
        .find(1_i64)
        .select(instance::federation_mode)
        .fetch_first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

pub fn set_mode_override(conn: &mut DbConn, mode: Option<&str>) -> QueryResult<usize> {
    diesel::update(instance::table.find(1_i64))
        .set(instance::federation_mode.eq(mode))
        .exec(conn)
}
