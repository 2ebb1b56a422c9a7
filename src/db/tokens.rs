//! Rows of `api_tokens`: only the SHA-256 of each secret is stored.

use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn,
    accounts::SignedIn,
    schema::{accounts, api_tokens},
};

pub fn insert(
    conn: &mut DbConn,
    account_id: i64,
    name: &str,
    token_hash: &str,
) -> QueryResult<i64> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::account_id.eq(account_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(super::now()),
        ))
        .returning(api_tokens::id)
        .fetch_one(conn)
}

/// The account a token hash belongs to, with the token's id and last use.
pub fn account_by_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(i64, Option<NaiveDateTime>, SignedIn)>> {
    api_tokens::table
        .inner_join(accounts::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .select((
            api_tokens::id,
            api_tokens::last_used_at,
            columns::<SignedIn>(),
        ))
        .fetch_first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConn, token_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(token_id))
        .set(api_tokens::last_used_at.eq(at))
        .exec(conn)
}

pub fn delete_by_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(api_tokens::table.filter(api_tokens::token_hash.eq(token_hash))).exec(conn)
}
