//! Rows of `follows`: an actor (by id) following another, pending until the
//! followed side accepts.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::follows};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = follows)]
pub struct Follow {
    pub id: i64,
    pub follower_ap_id: String,
    pub follower_inbox: String,
    pub target_ap_id: String,
    pub activity_ap_id: String,
    pub pending: bool,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
}

/// Records a follow, or refreshes it (a repeated Follow gets a new activity id).
pub fn upsert(
    conn: &mut DbConn,
    follower: &str,
    follower_inbox: &str,
    target: &str,
    activity_id: &str,
    pending: bool,
) -> QueryResult<Follow> {
    let now = super::now();
    diesel::insert_into(follows::table)
        .values((
            follows::follower_ap_id.eq(follower),
            follows::follower_inbox.eq(follower_inbox),
            follows::target_ap_id.eq(target),
            follows::activity_ap_id.eq(activity_id),
            follows::pending.eq(pending),
            follows::created_at.eq(now),
            follows::updated_at.eq(now),
        ))
        .on_conflict((follows::follower_ap_id, follows::target_ap_id))
        .do_update()
        .set((
            follows::follower_inbox.eq(follower_inbox),
            follows::activity_ap_id.eq(activity_id),
            follows::pending.eq(pending),
            follows::updated_at.eq(now),
        ))
        .returning(columns::<Follow>())
        .fetch_one(conn)
        .and_then(|row| {
            super::home_feed::follow_changed(conn, follower, target)?;
            Ok(row)
        })
}

pub fn get(conn: &mut DbConn, follower: &str, target: &str) -> QueryResult<Option<Follow>> {
    follows::table
        .filter(follows::follower_ap_id.eq(follower))
        .filter(follows::target_ap_id.eq(target))
        .select(columns::<Follow>())
        .fetch_first(conn)
        .optional()
}

pub fn set_accepted(conn: &mut DbConn, follower: &str, target: &str) -> QueryResult<usize> {
    let n = diesel::update(
        follows::table
            .filter(follows::follower_ap_id.eq(follower))
            .filter(follows::target_ap_id.eq(target)),
    )
    .set((
        follows::pending.eq(false),
        follows::updated_at.eq(super::now()),
    ))
    .exec(conn)?;
    super::home_feed::follow_changed(conn, follower, target)?;
    Ok(n)
}

pub fn remove(conn: &mut DbConn, follower: &str, target: &str) -> QueryResult<usize> {
    let n = diesel::delete(
        follows::table
            .filter(follows::follower_ap_id.eq(follower))
            .filter(follows::target_ap_id.eq(target)),
    )
    .exec(conn)?;
    super::home_feed::follow_changed(conn, follower, target)?;
    Ok(n)
}

/// Accepted followers of a target, after a row id, for paging and delivery.
pub fn followers(
    conn: &mut DbConn,
    target: &str,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<Follow>> {
    follows::table
        .filter(follows::target_ap_id.eq(target))
        .filter(follows::pending.eq(false))
        .filter(follows::id.gt(after_id))
        .order(follows::id.asc())
        .limit(limit)
        .select(columns::<Follow>())
        .fetch(conn)
}

/// Accepted follows made by an actor, after a row id.
pub fn following(
    conn: &mut DbConn,
    follower: &str,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<Follow>> {
    follows::table
        .filter(follows::follower_ap_id.eq(follower))
        .filter(follows::pending.eq(false))
        .filter(follows::id.gt(after_id))
        .order(follows::id.asc())
        .limit(limit)
        .select(columns::<Follow>())
        .fetch(conn)
}

/// Follows of a target still waiting for approval.
pub fn pending_for(conn: &mut DbConn, target: &str) -> QueryResult<Vec<Follow>> {
    follows::table
        .filter(follows::target_ap_id.eq(target))
        .filter(follows::pending.eq(true))
        .order(follows::id.asc())
        .select(columns::<Follow>())
        .fetch(conn)
}

pub fn count_followers(conn: &mut DbConn, target: &str) -> QueryResult<i64> {
    follows::table
        .filter(follows::target_ap_id.eq(target))
        .filter(follows::pending.eq(false))
        .count()
        .fetch_one(conn)
}

pub fn count_following(conn: &mut DbConn, follower: &str) -> QueryResult<i64> {
    follows::table
        .filter(follows::follower_ap_id.eq(follower))
        .filter(follows::pending.eq(false))
        .count()
        .fetch_one(conn)
}

/// Every follow an actor made, pending or not.
pub fn of_follower(conn: &mut DbConn, follower: &str) -> QueryResult<Vec<Follow>> {
    follows::table
        .filter(follows::follower_ap_id.eq(follower))
        .order(follows::id.asc())
        .select(columns::<Follow>())
        .fetch(conn)
}

/// The follow a given `Follow` activity created.
pub fn by_activity_id(conn: &mut DbConn, activity_id: &str) -> QueryResult<Option<Follow>> {
    follows::table
        .filter(follows::activity_ap_id.eq(activity_id))
        .select(columns::<Follow>())
        .fetch_first(conn)
        .optional()
}

/// Whether an actor has an accepted follower whose id starts with `prefix`
/// (this instance's base URL: a local follower).
pub fn has_follower_under(conn: &mut DbConn, target: &str, prefix: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        follows::table
            .filter(follows::target_ap_id.eq(target))
            .filter(follows::pending.eq(false))
            .filter(
                follows::follower_ap_id
                    .like(format!("{}%", super::escape_like(prefix)))
                    .escape('\\'),
            ),
    ))
    .fetch_one(conn)
}

/// Inboxes of an actor's accepted followers; with `organisations_only`,
/// only followers that are organisations (`Group`s).
pub fn follower_inboxes(
    conn: &mut DbConn,
    target: &str,
    organisations_only: bool,
) -> QueryResult<Vec<String>> {
    use super::schema::organisations;
    let query = follows::table
        .filter(follows::target_ap_id.eq(target))
        .filter(follows::pending.eq(false))
        .select(follows::follower_inbox)
        .distinct();
    if organisations_only {
        query
            .filter(
                follows::follower_ap_id.eq_any(organisations::table.select(organisations::ap_id)),
            )
            .fetch(conn)
    } else {
        query.fetch(conn)
    }
}

/// Ids of the organisations (rows) an actor follows, accepted only.
pub fn followed_organisation_ids(conn: &mut DbConn, follower: &str) -> QueryResult<Vec<i64>> {
    use super::schema::organisations;
    follows::table
        .inner_join(organisations::table.on(organisations::ap_id.eq(follows::target_ap_id)))
        .filter(follows::follower_ap_id.eq(follower))
        .filter(follows::pending.eq(false))
        .select(organisations::id)
        .fetch(conn)
}
