//! Rows of `peers`: remote instances' Application actors.

use super::{MaybeStamp, Stamp};
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::peers};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = peers)]
pub struct Peer {
    pub id: i64,
    pub domain: String,
    pub ap_id: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub public_key: String,
    pub software: Option<String>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub last_refreshed_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub directory_synced_at: Option<NaiveDateTime>,
}

pub struct NewPeer<'a> {
    pub domain: &'a str,
    pub ap_id: &'a str,
    pub inbox_url: &'a str,
    pub shared_inbox_url: Option<&'a str>,
    pub public_key: &'a str,
    pub software: Option<&'a str>,
}

pub fn upsert(conn: &mut DbConn, new: &NewPeer<'_>) -> QueryResult<Peer> {
    let now = super::now();
    diesel::insert_into(peers::table)
        .values((
            peers::domain.eq(new.domain),
            peers::ap_id.eq(new.ap_id),
            peers::inbox_url.eq(new.inbox_url),
            peers::shared_inbox_url.eq(new.shared_inbox_url),
            peers::public_key.eq(new.public_key),
            peers::software.eq(new.software),
            peers::created_at.eq(now),
            peers::updated_at.eq(now),
            peers::last_refreshed_at.eq(now),
        ))
        .on_conflict(peers::ap_id)
        .do_update()
        .set((
            peers::inbox_url.eq(new.inbox_url),
            peers::shared_inbox_url.eq(new.shared_inbox_url),
            peers::public_key.eq(new.public_key),
            peers::software.eq(new.software),
            peers::updated_at.eq(now),
            peers::last_refreshed_at.eq(now),
        ))
        .returning(columns::<Peer>())
        .fetch_one(conn)
}

pub fn by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<Peer>> {
    peers::table
        .filter(peers::ap_id.eq(ap_id))
        .select(columns::<Peer>())
        .fetch_first(conn)
        .optional()
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Peer>> {
    peers::table
        .order(peers::domain.asc())
        .select(columns::<Peer>())
        .fetch(conn)
}

/// Peers we federate with: a peering follow accepted in either direction
/// between our instance actor and theirs.
pub fn peered(conn: &mut DbConn, own_actor: &str) -> QueryResult<Vec<Peer>> {
    use super::schema::follows;
    let ours = follows::table
        .filter(follows::pending.eq(false))
        .filter(follows::follower_ap_id.eq(own_actor))
        .select(follows::target_ap_id);
    let theirs = follows::table
        .filter(follows::pending.eq(false))
        .filter(follows::target_ap_id.eq(own_actor))
        .select(follows::follower_ap_id);
    peers::table
        .filter(peers::ap_id.eq_any(ours).or(peers::ap_id.eq_any(theirs)))
        .order(peers::domain.asc())
        .select(columns::<Peer>())
        .fetch(conn)
}

pub fn set_directory_synced(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(peers::table.find(id))
        .set(peers::directory_synced_at.eq(super::now()))
        .exec(conn)
}
