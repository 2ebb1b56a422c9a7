//! Reads of everything the instance holds about one local account, for
//! the export of a person's data (GDPR article 15 and 20). Secrets (the
//! password hash, the key pair, session and token digests) are never read.

use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};
use serde::Serialize;

use super::{
    DbConn, Stamp,
    schema::{
        account_weeks, accounts, acknowledgements, announcements, api_tokens, follows, memberships,
        notifications, organisations, resources, sessions,
    },
};
use crate::db::{Run, columns};

#[derive(Debug, Serialize, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Profile {
    #[serde(skip)]
    pub id: i64,
    pub username: String,
    pub ap_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: String,
    pub name_visibility: String,
    pub roles_visibility: String,
    pub email_visibility: String,
    pub phone_visibility: String,
    pub locale: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
}

pub fn profile(conn: &mut DbConn, username: &str) -> QueryResult<Option<Profile>> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::username.eq(username))
        .select(columns::<Profile>())
        .fetch_first(conn)
        .optional()
}

#[derive(Debug, Serialize, Queryable)]
pub struct Membership {
    pub organisation: String,
    pub organisation_name: String,
    pub role: String,
    #[diesel(deserialize_as = Stamp)]
    pub since: NaiveDateTime,
}

pub fn memberships(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<Membership>> {
    memberships::table
        .inner_join(organisations::table.on(organisations::id.eq(memberships::organisation_id)))
        .filter(memberships::account_id.eq(account_id))
        .order(memberships::id.asc())
        .select((
            organisations::slug,
            organisations::name,
            memberships::role,
            memberships::created_at,
        ))
        .fetch(conn)
}

#[derive(Debug, Serialize, Queryable)]
pub struct Session {
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub last_seen_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub expires_at: NaiveDateTime,
}

pub fn sessions(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::account_id.eq(account_id))
        .order(sessions::id.asc())
        .select((
            sessions::created_at,
            sessions::last_seen_at,
            sessions::expires_at,
        ))
        .fetch(conn)
}

#[derive(Debug, Serialize, Queryable)]
pub struct Token {
    pub name: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn tokens(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<Token>> {
    api_tokens::table
        .filter(api_tokens::account_id.eq(account_id))
        .order(api_tokens::id.asc())
        .select((
            api_tokens::name,
            api_tokens::created_at,
            api_tokens::last_used_at,
        ))
        .fetch(conn)
}

#[derive(Debug, Serialize, Queryable)]
pub struct Follow {
    pub target: String,
    pub pending: bool,
    #[diesel(deserialize_as = Stamp)]
    pub since: NaiveDateTime,
}

pub fn follows(conn: &mut DbConn, ap_id: &str) -> QueryResult<Vec<Follow>> {
    follows::table
        .filter(follows::follower_ap_id.eq(ap_id))
        .order(follows::id.asc())
        .select((follows::target_ap_id, follows::pending, follows::created_at))
        .fetch(conn)
}

/// An announcement or a resource the account wrote.
#[derive(Debug, Serialize, Queryable)]
pub struct Authored {
    pub id: String,
    pub organisation: String,
    pub title: String,
    #[diesel(deserialize_as = Stamp)]
    pub published_at: NaiveDateTime,
}

pub fn announcements(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<Authored>> {
    announcements::table
        .inner_join(organisations::table.on(organisations::id.eq(announcements::organisation_id)))
        .filter(announcements::author_account_id.eq(account_id))
        .order(announcements::id.asc())
        .select((
            announcements::ap_id,
            organisations::slug,
            announcements::title,
            announcements::published_at,
        ))
        .fetch(conn)
}

pub fn resources(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<Authored>> {
    resources::table
        .inner_join(organisations::table.on(organisations::id.eq(resources::organisation_id)))
        .filter(resources::author_account_id.eq(account_id))
        .order(resources::id.asc())
        .select((
            resources::ap_id,
            organisations::slug,
            resources::title,
            resources::published_at,
        ))
        .fetch(conn)
}

/// "I have read this", or a reminder about an announcement.
#[derive(Debug, Serialize, Queryable)]
pub struct AboutAnnouncement {
    pub announcement: String,
    pub title: String,
    #[diesel(deserialize_as = Stamp)]
    pub at: NaiveDateTime,
}

pub fn reads(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<AboutAnnouncement>> {
    acknowledgements::table
        .inner_join(
            announcements::table.on(announcements::id.eq(acknowledgements::announcement_id)),
        )
        .filter(acknowledgements::account_id.eq(account_id))
        .order(acknowledgements::id.asc())
        .select((
            announcements::ap_id,
            announcements::title,
            acknowledgements::read_at,
        ))
        .fetch(conn)
}

pub fn reminders(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<AboutAnnouncement>> {
    notifications::table
        .inner_join(announcements::table.on(announcements::id.eq(notifications::announcement_id)))
        .filter(notifications::account_id.eq(account_id))
        .order(notifications::id.asc())
        .select((
            announcements::ap_id,
            announcements::title,
            notifications::created_at,
        ))
        .fetch(conn)
}

/// The weeks the account was active (for the usage statistics).
pub fn active_weeks(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<String>> {
    account_weeks::table
        .filter(account_weeks::account_id.eq(account_id))
        .order(account_weeks::week.asc())
        .select(account_weeks::week)
        .fetch(conn)
}

/// The inboxes of the instances that may hold some of the account's data:
/// every known peer (they read our directory), the organisations it
/// follows, and those of the remote announcements it marked as read.
pub fn holders(conn: &mut DbConn, account_id: i64, ap_id: &str) -> QueryResult<Vec<String>> {
    use super::schema::peers;
    let inbox = |shared: Option<String>, own: String| shared.unwrap_or(own);
    let mut inboxes: Vec<String> = peers::table
        .select((peers::shared_inbox_url, peers::inbox_url))
        .fetch::<(Option<String>, String)>(conn)?
        .into_iter()
        .map(|(s, o)| inbox(s, o))
        .collect();
    let followed: Vec<(Option<String>, String)> = follows::table
        .inner_join(organisations::table.on(organisations::ap_id.eq(follows::target_ap_id)))
        .filter(follows::follower_ap_id.eq(ap_id))
        .filter(organisations::local.eq(false))
        .select((organisations::shared_inbox_url, organisations::inbox_url))
        .fetch(conn)?;
    let read: Vec<(Option<String>, String)> = acknowledgements::table
        .inner_join(
            announcements::table.on(announcements::id.eq(acknowledgements::announcement_id)),
        )
        .inner_join(organisations::table.on(organisations::id.eq(announcements::organisation_id)))
        .filter(acknowledgements::account_id.eq(account_id))
        .filter(organisations::local.eq(false))
        .select((organisations::shared_inbox_url, organisations::inbox_url))
        .fetch(conn)?;
    inboxes.extend(followed.into_iter().chain(read).map(|(s, o)| inbox(s, o)));
    inboxes.sort_unstable();
    inboxes.dedup();
    Ok(inboxes)
}
