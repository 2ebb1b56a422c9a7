//! Rows of `memberships`: which role an account holds in an organisation.

use super::Stamp;
use crate::db::Run;
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn, one_of,
    schema::{accounts, memberships, organisations},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub id: i64,
    pub account_id: i64,
    pub organisation_id: i64,
    pub role: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
}

/// Adds a role; adding it twice is not an error. Returns whether it was new.
pub fn add(
    conn: &mut DbConn,
    account_id: i64,
    organisation_id: i64,
    role: &str,
) -> QueryResult<bool> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        memberships::table
            .filter(memberships::account_id.eq(account_id))
            .filter(memberships::organisation_id.eq(organisation_id))
            .filter(memberships::role.eq(role)),
    ))
    .fetch_one(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(memberships::table)
        .values((
            memberships::account_id.eq(account_id),
            memberships::organisation_id.eq(organisation_id),
            memberships::role.eq(role),
            memberships::created_at.eq(super::now()),
        ))
        .exec(conn)?;
    super::home_feed::membership_changed(conn, account_id, organisation_id)?;
    Ok(true)
}

/// Removes a role; returns whether there was one.
pub fn remove(
    conn: &mut DbConn,
    account_id: i64,
    organisation_id: i64,
    role: &str,
) -> QueryResult<bool> {
    let n = diesel::delete(
        memberships::table
            .filter(memberships::account_id.eq(account_id))
            .filter(memberships::organisation_id.eq(organisation_id))
            .filter(memberships::role.eq(role)),
    )
    .exec(conn)?;
    if n > 0 {
        super::home_feed::membership_changed(conn, account_id, organisation_id)?;
    }
    Ok(n > 0)
}

/// `(organisation id, role)` of every membership of an account, for
/// rights. An account holds a few; reading them all is one range of the
/// `(account_id, organisation_id, role)` index, where narrowing to a list
/// of organisations in SQL made SQLite build a temporary table for the
/// list on every check.
pub fn roles_of(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<(i64, String)>> {
    memberships::table
        .filter(memberships::account_id.eq(account_id))
        .select((memberships::organisation_id, memberships::role))
        .fetch(conn)
}

/// `(organisation slug, role)` of every membership of an account.
pub fn of_account(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<(String, String)>> {
    memberships::table
        .inner_join(organisations::table)
        .filter(memberships::account_id.eq(account_id))
        .order((organisations::slug.asc(), memberships::role.asc()))
        .select((organisations::slug, memberships::role))
        .fetch(conn)
}

/// `(username, role)` of the members of an organisation, after a membership id.
pub fn of_organisation(
    conn: &mut DbConn,
    organisation_id: i64,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    memberships::table
        .inner_join(accounts::table)
        .filter(memberships::organisation_id.eq(organisation_id))
        .filter(memberships::id.gt(after_id))
        .order(memberships::id.asc())
        .limit(limit)
        .select((memberships::id, accounts::username, memberships::role))
        .fetch(conn)
}

/// `(organisation id, organisation actor id, role)` of every membership of
/// an account: what its timeline is addressed through.
pub fn of_account_with_actors(
    conn: &mut DbConn,
    account_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    memberships::table
        .inner_join(organisations::table)
        .filter(memberships::account_id.eq(account_id))
        .select((organisations::id, organisations::ap_id, memberships::role))
        .fetch(conn)
}

/// One membership as the directory shows it.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub account_id: i64,
    pub organisation_slug: String,
    pub organisation_name: String,
    pub role: String,
}

/// A role someone holds in one organisation, as its page lists its members.
#[derive(Debug, Clone, Queryable)]
pub struct MemberRole {
    pub username: String,
    pub display_name: String,
    pub role: String,
}

/// The roles held in an organisation by local, enabled people whose name
/// and roles are both visible at one of `visibilities`: in name order, a
/// person's roles together, at most `rows` of them.
pub fn members_of(
    conn: &mut DbConn,
    organisation_id: i64,
    visibilities: &[&str],
    rows: i64,
) -> QueryResult<Vec<MemberRole>> {
    memberships::table
        .inner_join(accounts::table)
        .filter(memberships::organisation_id.eq(organisation_id))
        .filter(accounts::local.eq(true))
        .filter(accounts::disabled.eq(false))
        .filter(one_of(accounts::name_visibility, visibilities))
        .filter(one_of(accounts::roles_visibility, visibilities))
        .order((
            accounts::search_text.asc(),
            accounts::id.asc(),
            memberships::role.asc(),
        ))
        .limit(rows)
        .select((
            accounts::username,
            accounts::display_name,
            memberships::role,
        ))
        .fetch(conn)
}

/// The memberships of several accounts, in one query.
pub fn of_accounts(conn: &mut DbConn, account_ids: &[i64]) -> QueryResult<Vec<Listed>> {
    memberships::table
        .inner_join(organisations::table)
        .filter(one_of(memberships::account_id, account_ids))
        .order((organisations::name.asc(), memberships::role.asc()))
        .select((
            memberships::account_id,
            organisations::slug,
            organisations::name,
            memberships::role,
        ))
        .fetch(conn)
}
