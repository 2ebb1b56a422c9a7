//! Rows of `acknowledgements` ("I have read this") and `notifications`
//! (reminders to read).

use super::{MaybeStamp, Stamp};
use crate::db::{Run, columns};
use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn, one_of,
    schema::{acknowledgements, notifications},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = acknowledgements)]
pub struct Acknowledgement {
    pub id: i64,
    pub announcement_id: i64,
    pub reader_ap_id: String,
    pub reader_domain: String,
    pub account_id: Option<i64>,
    #[diesel(deserialize_as = Stamp)]
    pub read_at: NaiveDateTime,
}

/// Records a reading; `false` when this reader had already acknowledged.
pub fn record(
    conn: &mut DbConn,
    announcement_id: i64,
    reader_ap_id: &str,
    reader_domain: &str,
    account_id: Option<i64>,
) -> QueryResult<bool> {
    let n = diesel::insert_into(acknowledgements::table)
        .values((
            acknowledgements::announcement_id.eq(announcement_id),
            acknowledgements::reader_ap_id.eq(reader_ap_id),
            acknowledgements::reader_domain.eq(reader_domain),
            acknowledgements::account_id.eq(account_id),
            acknowledgements::read_at.eq(super::now()),
        ))
        .on_conflict((
            acknowledgements::announcement_id,
            acknowledgements::reader_ap_id,
        ))
        .do_nothing()
        .exec(conn)?;
    Ok(n > 0)
}

/// Which of some announcements a local account acknowledged.
pub fn read_by(conn: &mut DbConn, account_id: i64, ids: &[i64]) -> QueryResult<HashSet<i64>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(acknowledgements::table
        .filter(acknowledgements::account_id.eq(account_id))
        .filter(one_of(acknowledgements::announcement_id, ids))
        .select(acknowledgements::announcement_id)
        .fetch::<i64>(conn)?
        .into_iter()
        .collect())
}

pub fn of_announcement(
    conn: &mut DbConn,
    announcement_id: i64,
) -> QueryResult<Vec<Acknowledgement>> {
    acknowledgements::table
        .filter(acknowledgements::announcement_id.eq(announcement_id))
        .order(acknowledgements::id.asc())
        .select(columns::<Acknowledgement>())
        .fetch(conn)
}

/// Reminds some accounts of an announcement.
pub fn remind(conn: &mut DbConn, announcement_id: i64, account_ids: &[i64]) -> QueryResult<usize> {
    if account_ids.is_empty() {
        return Ok(0);
    }
    let now = super::now();
    let rows: Vec<_> = account_ids
        .iter()
        .map(|id| {
            (
                notifications::account_id.eq(*id),
                notifications::announcement_id.eq(announcement_id),
                notifications::kind.eq("reminder"),
                notifications::created_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(notifications::table)
        .values(&rows)
        .exec(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub announcement_id: i64,
    pub kind: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub seen_at: Option<NaiveDateTime>,
}

/// An account's notifications, newest first, before a row id.
pub fn notifications_of(
    conn: &mut DbConn,
    account_id: i64,
    before_id: i64,
    limit: i64,
) -> QueryResult<Vec<Notification>> {
    notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::id.lt(before_id))
        .order(notifications::id.desc())
        .limit(limit)
        .select(columns::<Notification>())
        .fetch(conn)
}

/// Marks an account's notifications of an announcement seen (it read it).
pub fn mark_seen(conn: &mut DbConn, account_id: i64, announcement_id: i64) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::account_id.eq(account_id))
            .filter(notifications::announcement_id.eq(announcement_id))
            .filter(notifications::seen_at.is_null()),
    )
    .set(notifications::seen_at.eq(super::now()))
    .exec(conn)
}
