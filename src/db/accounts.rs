//! Rows of `accounts`: local people with a login and remote people.

use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::accounts};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub local: bool,
    pub ap_id: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    pub public_key: Option<String>,
    pub private_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_refreshed_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub domain: &'a str,
    pub local: bool,
    pub ap_id: &'a str,
    pub inbox_url: &'a str,
    pub shared_inbox_url: Option<&'a str>,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_refreshed_at: NaiveDateTime,
}

/// Fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub password_hash: Option<Option<String>>,
    pub is_admin: Option<bool>,
    pub disabled: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewAccount<'_>) -> QueryResult<Account> {
    crate::per_backend!(conn, |c| diesel::insert_into(accounts::table)
        .values(new)
        .returning(Account::as_returning())
        .get_result(c))
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Account> {
    accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
}

pub fn local_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::username.eq(username))
        .select(Account::as_select())
        .first(conn)
        .optional()
}

/// Local accounts after `after_id`, by id, for cursor pagination.
pub fn list_local(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<Account>> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::id.gt(after_id))
        .order(accounts::id.asc())
        .limit(limit)
        .select(Account::as_select())
        .load(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &AccountChanges) -> QueryResult<Account> {
    crate::per_backend!(conn, |c| diesel::update(accounts::table.find(id))
        .set(changes)
        .returning(Account::as_returning())
        .get_result(c))
}

pub fn count_local_admins(conn: &mut DbConn) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::is_admin.eq(true))
        .count()
        .get_result(conn)
}

pub fn username_taken(conn: &mut DbConn, domain: &str, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table
            .filter(accounts::domain.eq(domain))
            .filter(accounts::username.eq(username)),
    ))
    .get_result(conn)
}
