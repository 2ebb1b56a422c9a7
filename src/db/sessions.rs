//! Rows of `sessions`: browser sign-ins. Only the SHA-256 of the cookie's
//! secret is stored.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn,
    accounts::SignedIn,
    schema::{accounts, sessions},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub account_id: i64,
    pub csrf_token: String,
    #[diesel(deserialize_as = Stamp)]
    pub last_seen_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub expires_at: NaiveDateTime,
}

pub struct NewSession<'a> {
    pub account_id: i64,
    pub secret_hash: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewSession<'_>) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::account_id.eq(new.account_id),
            sessions::secret_hash.eq(new.secret_hash),
            sessions::csrf_token.eq(new.csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(new.expires_at),
        ))
        .returning(sessions::id)
        .fetch_one(conn)
}

/// The session of a secret hash with its account, if it has not expired.
pub fn live_by_hash(
    conn: &mut DbConn,
    secret_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Session, SignedIn)>> {
    sessions::table
        .inner_join(accounts::table)
        .filter(sessions::secret_hash.eq(secret_hash))
        .filter(sessions::expires_at.gt(now))
        .select((columns::<Session>(), columns::<SignedIn>()))
        .fetch_first(conn)
        .optional()
}

/// Records a use and slides the expiry.
pub fn touch(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set((
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .exec(conn)
}

pub fn delete_by_hash(conn: &mut DbConn, secret_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::secret_hash.eq(secret_hash))).exec(conn)
}

/// Signs an account out everywhere but in the session `keep`.
pub fn delete_others(conn: &mut DbConn, account_id: i64, keep: i64) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::account_id.eq(account_id))
            .filter(sessions::id.ne(keep)),
    )
    .exec(conn)
}

pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).exec(conn)
}
