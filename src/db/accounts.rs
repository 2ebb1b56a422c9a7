//! Rows of `accounts`: local people with a login and remote people.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, one_of, schema::accounts};

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
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub last_refreshed_at: NaiveDateTime,
    pub phone: Option<String>,
    pub job_title: String,
    pub name_visibility: String,
    pub roles_visibility: String,
    pub email_visibility: String,
    pub phone_visibility: String,
    /// `fr` or `en`; `None` follows the browser.
    pub locale: Option<String>,
}

/// The account a request acts as, a session's or an API token's: what
/// rights and pages need. Not its key pair or password hash: every request
/// reads this, and only signing a follow and changing the password need
/// those, which they read by id.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct SignedIn {
    pub id: i64,
    pub username: String,
    pub local: bool,
    pub ap_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    /// `fr` or `en`; `None` follows the browser.
    pub locale: Option<String>,
}

impl From<Account> for SignedIn {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            username: a.username,
            local: a.local,
            ap_id: a.ap_id,
            display_name: a.display_name,
            email: a.email,
            is_admin: a.is_admin,
            disabled: a.disabled,
            locale: a.locale,
        }
    }
}

/// What an account's profile shows (the API's and the admin list's): no
/// keys, no password hash, which a list of accounts has no use for.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountProfile {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub local: bool,
    pub ap_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    pub phone: Option<String>,
    pub job_title: String,
    pub name_visibility: String,
    pub roles_visibility: String,
    pub email_visibility: String,
    pub phone_visibility: String,
}

impl From<Account> for AccountProfile {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            username: a.username,
            domain: a.domain,
            local: a.local,
            ap_id: a.ap_id,
            display_name: a.display_name,
            email: a.email,
            is_admin: a.is_admin,
            disabled: a.disabled,
            created_at: a.created_at,
            updated_at: a.updated_at,
            phone: a.phone,
            job_title: a.job_title,
            name_visibility: a.name_visibility,
            roles_visibility: a.roles_visibility,
            email_visibility: a.email_visibility,
            phone_visibility: a.phone_visibility,
        }
    }
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
    pub phone: Option<Option<String>>,
    pub job_title: Option<String>,
    pub name_visibility: Option<String>,
    pub roles_visibility: Option<String>,
    pub email_visibility: Option<String>,
    pub phone_visibility: Option<String>,
    pub locale: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// The words people search an account by (never its email or phone).
fn search_text(display_name: &str, username: &str, job_title: &str) -> String {
    crate::directory::text::search_text([Some(display_name), Some(username), Some(job_title)])
}

pub fn insert(conn: &mut DbConn, new: &NewAccount<'_>) -> QueryResult<Account> {
    let words = search_text(new.display_name, new.username, "");
    diesel::insert_into(accounts::table)
        .values((new, accounts::search_text.eq(&words)))
        .returning(columns::<Account>())
        .fetch_one(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Account> {
    accounts::table
        .find(id)
        .select(columns::<Account>())
        .fetch_first(conn)
}

pub fn local_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::username.eq(username))
        .select(columns::<Account>())
        .fetch_first(conn)
        .optional()
}

/// What the admins' list of accounts shows of each.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct RosterEntry {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub disabled: bool,
}

/// Local accounts in creation order after `after_id`, as the admins' list
/// shows them.
pub fn roster(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<RosterEntry>> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::id.gt(after_id))
        .order(accounts::id.asc())
        .limit(limit)
        .select(columns::<RosterEntry>())
        .fetch(conn)
}

/// Local accounts after `after_id`, by id, for cursor pagination.
pub fn list_local(
    conn: &mut DbConn,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<AccountProfile>> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::id.gt(after_id))
        .order(accounts::id.asc())
        .limit(limit)
        .select(columns::<AccountProfile>())
        .fetch(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &AccountChanges) -> QueryResult<Account> {
    let account = diesel::update(accounts::table.find(id))
        .set(changes)
        .returning(columns::<Account>())
        .fetch_one::<Account>(conn)?;
    if changes.display_name.is_some() || changes.job_title.is_some() {
        diesel::update(accounts::table.find(id))
            .set(accounts::search_text.eq(search_text(
                &account.display_name,
                &account.username,
                &account.job_title,
            )))
            .exec(conn)?;
    }
    Ok(account)
}

pub fn count_local(conn: &mut DbConn) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::local.eq(true))
        .count()
        .fetch_one(conn)
}

pub fn count_local_admins(conn: &mut DbConn) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::is_admin.eq(true))
        .count()
        .fetch_one(conn)
}

pub fn username_taken(conn: &mut DbConn, domain: &str, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table
            .filter(accounts::domain.eq(domain))
            .filter(accounts::username.eq(username)),
    ))
    .fetch_one(conn)
}

pub fn by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::ap_id.eq(ap_id))
        .select(columns::<Account>())
        .fetch_first(conn)
        .optional()
}

/// Stores a remote person, or refreshes the copy we have.
pub fn upsert_remote(conn: &mut DbConn, new: &NewAccount<'_>) -> QueryResult<Account> {
    diesel::insert_into(accounts::table)
        .values((
            new,
            accounts::search_text.eq(search_text(new.display_name, new.username, "")),
        ))
        .on_conflict(accounts::ap_id)
        .do_update()
        .set((
            accounts::display_name.eq(new.display_name),
            accounts::search_text.eq(search_text(new.display_name, new.username, "")),
            accounts::inbox_url.eq(new.inbox_url),
            accounts::shared_inbox_url.eq(new.shared_inbox_url),
            accounts::updated_at.eq(new.updated_at),
            accounts::last_refreshed_at.eq(new.last_refreshed_at),
        ))
        .returning(columns::<Account>())
        .fetch_one(conn)
}

pub fn set_public_key(conn: &mut DbConn, id: i64, public_key: &str) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set(accounts::public_key.eq(public_key))
        .exec(conn)
}

/// Stores a key pair unless one is already there (two requests may race to
/// create it); returns the row as it is afterwards.
pub fn set_keys_if_missing(
    conn: &mut DbConn,
    id: i64,
    public_key: &str,
    private_key: &str,
) -> QueryResult<Account> {
    diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::private_key.is_null()),
    )
    .set((
        accounts::public_key.eq(public_key),
        accounts::private_key.eq(private_key),
    ))
    .exec(conn)?;
    by_id(conn, id)
}

/// Local accounts: total, and those whose tokens were used in the last 30
/// and 180 days (NodeInfo's `activeMonth` and `activeHalfyear`).
pub fn usage_counts(conn: &mut DbConn) -> QueryResult<(i64, i64, i64)> {
    use super::schema::api_tokens;
    let total = accounts::table
        .filter(accounts::local.eq(true))
        .count()
        .fetch_one(conn)?;
    let now = super::now();
    let mut active = |days: i64| -> QueryResult<i64> {
        let since = now - chrono::TimeDelta::days(days);
        api_tokens::table
            .filter(api_tokens::last_used_at.ge(since))
            .select(api_tokens::account_id)
            .distinct()
            .fetch::<i64>(conn)
            .map(|ids| ids.len() as i64)
    };
    Ok((total, active(30)?, active(180)?))
}

/// Who a read report lists: the local, enabled accounts among `ids`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Addressee {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

pub fn local_enabled_among(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Addressee>> {
    accounts::table
        .filter(one_of(accounts::id, ids))
        .filter(accounts::local.eq(true))
        .filter(accounts::disabled.eq(false))
        .select(columns::<Addressee>())
        .fetch(conn)
}

/// Removes a local account; what belongs to it goes with it (memberships,
/// sessions, tokens, read marks, reminders), and what it wrote stays with
/// its organisation, without its author's account.
pub fn delete_local(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(
        accounts::table
            .filter(accounts::id.eq(id))
            .filter(accounts::local.eq(true)),
    )
    .exec(conn)
}
