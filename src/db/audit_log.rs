//! Rows of `audit_log`: what admins did, newest first.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::audit_log};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    #[serde(skip)]
    pub id: i64,
    #[diesel(deserialize_as = Stamp)]
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

pub struct NewEntry<'a> {
    pub actor_account_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
}

pub fn insert(conn: &mut DbConn, new: &NewEntry<'_>, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(at),
            audit_log::actor_account_id.eq(new.actor_account_id),
            audit_log::actor.eq(new.actor),
            audit_log::action.eq(new.action),
            audit_log::target.eq(new.target),
            audit_log::detail.eq(new.detail),
        ))
        .exec(conn)?;
    Ok(())
}

/// Up to `limit` entries older than the entry `before_id` (0: the newest),
/// newest first; only those of `action` when it is given.
pub fn page(
    conn: &mut DbConn,
    before_id: i64,
    limit: i64,
    action: Option<&str>,
) -> QueryResult<Vec<Entry>> {
    crate::per_backend!(conn, |c: DB| {
        let mut query = audit_log::table
            .select(columns::<Entry>())
            .order(audit_log::id.desc())
            .limit(limit)
            .into_boxed::<DB>();
        if before_id > 0 {
            query = query.filter(audit_log::id.lt(before_id));
        }
        if let Some(action) = action {
            query = query.filter(audit_log::action.eq(action.to_string()));
        }
        query.load(c)
    })
}

/// The detail of a role given or taken away: `username: role`, which
/// [`about`] looks for.
pub fn role_detail(username: &str, role: &str) -> String {
    format!("{username}: {role}")
}

/// The entries of what an account did, and of what was done to it: its
/// account as the target, or its roles ([`role_detail`]); oldest first.
pub fn about(conn: &mut DbConn, account_id: i64, username: &str) -> QueryResult<Vec<Entry>> {
    let roles = role_detail(&super::escape_like(username), "%");
    audit_log::table
        .filter(
            audit_log::actor_account_id
                .eq(account_id)
                .or(audit_log::target.eq(username))
                .or(audit_log::detail.like(roles).escape('\\')),
        )
        .order(audit_log::id.asc())
        .select(columns::<Entry>())
        .fetch(conn)
}

/// Removes the entries written before `cutoff`.
pub fn delete_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(audit_log::table.filter(audit_log::at.lt(cutoff))).exec(conn)
}
