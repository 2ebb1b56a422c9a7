//! Rows of `home_feed`: which announcements each local account's home
//! timeline holds. Derived data, kept in step with its sources here: an
//! announcement is written to its readers' feeds when stored or edited, and
//! an account's feed for one organisation is rebuilt when a follow or a
//! membership that links them changes. Reading a page is then one index
//! range instead of a scan.
//!
//! Who reads what (the same rules as `services::timeline::reaches`): a
//! person following an organisation reads its public announcements; a
//! member of an organisation reads those of that organisation, and of the
//! organisations it follows, addressed to every role or to the member's.

use crate::db::{Run, columns};
use diesel::{prelude::*, result::QueryResult, sql_query};

use super::{
    DbConn, accounts,
    announcements::{Announcement, AnnouncementLine, Filter},
    one_of,
    schema::{acknowledgements, announcements, home_feed, memberships, organisations},
};

/// How many of an organisation's latest announcements a new follow or
/// membership brings into a feed.
pub const BACKFILL: i64 = 200;

/// Inserts the feed rows that the rules give, narrowed by the filters. The
/// values are integers we hold, so they are written into the statement.
fn fill(
    conn: &mut DbConn,
    account: Option<i64>,
    organisation: Option<i64>,
    announcement: Option<i64>,
    newest: Option<i64>,
) -> QueryResult<usize> {
    let only = |column: &str, value: Option<i64>| {
        value.map_or(String::new(), |v| format!(" AND {column} = {v}"))
    };
    let recent = match (organisation, newest) {
        (Some(org), Some(n)) => format!(
            " AND a.id >= COALESCE((SELECT MIN(id) FROM (SELECT id FROM announcements \
             WHERE organisation_id = {org} ORDER BY id DESC LIMIT {n}) AS latest), 0)"
        ),
        _ => String::new(),
    };
    let sql = format!(
        "INSERT INTO home_feed (account_id, announcement_id, organisation_id) \
         SELECT r.account_id, a.id, a.organisation_id FROM announcements a JOIN ( \
           SELECT ac.id AS account_id, o.id AS organisation_id, '' AS role, 1 AS personal \
             FROM follows f \
             JOIN accounts ac ON ac.ap_id = f.follower_ap_id AND ac.local = TRUE \
             JOIN organisations o ON o.ap_id = f.target_ap_id \
             WHERE f.pending = FALSE{acc_f}{org_f} \
           UNION ALL \
           SELECT m.account_id, m.organisation_id, m.role, 0 FROM memberships m \
             WHERE 1 = 1{acc_m}{org_m} \
           UNION ALL \
           SELECT m.account_id, o.id, m.role, 0 FROM memberships m \
             JOIN organisations mo ON mo.id = m.organisation_id \
             JOIN follows f ON f.follower_ap_id = mo.ap_id AND f.pending = FALSE \
             JOIN organisations o ON o.ap_id = f.target_ap_id \
             WHERE 1 = 1{acc_m}{org_f} \
         ) r ON r.organisation_id = a.organisation_id \
         WHERE ((r.personal = 1 AND a.public = TRUE) \
            OR (r.personal = 0 AND (a.target_roles = '' OR a.target_roles LIKE '%,' || r.role || ',%'))) \
           {ann_f}{org_a}{recent} \
         ON CONFLICT DO NOTHING",
        acc_f = only("ac.id", account),
        org_f = only("o.id", organisation),
        acc_m = only("m.account_id", account),
        org_m = only("m.organisation_id", organisation),
        ann_f = only("a.id", announcement),
        org_a = only("a.organisation_id", organisation),
    );
    sql_query(sql).exec(conn)
}

/// The local accounts an announcement reaches, by id.
pub fn readers(conn: &mut DbConn, announcement: &Announcement) -> QueryResult<Vec<i64>> {
    use super::schema::{accounts as accounts_table, follows};
    let org_ap_id: String = organisations::table
        .find(announcement.organisation_id)
        .select(organisations::ap_id)
        .fetch_first(conn)?;
    // Its own members, and those of the local organisations following it.
    let mut reached: Vec<i64> = follows::table
        .inner_join(organisations::table.on(organisations::ap_id.eq(follows::follower_ap_id)))
        .filter(follows::target_ap_id.eq(&org_ap_id))
        .filter(follows::pending.eq(false))
        .filter(organisations::local.eq(true))
        .select(organisations::id)
        .fetch(conn)?;
    reached.push(announcement.organisation_id);
    let wanted = announcement.roles();
    let mut ids: Vec<i64> = memberships::table
        .filter(one_of(memberships::organisation_id, &reached))
        .select((memberships::account_id, memberships::role))
        .fetch::<(i64, String)>(conn)?
        .into_iter()
        .filter(|(_, role)| wanted.is_empty() || wanted.contains(&role.as_str()))
        .map(|(id, _)| id)
        .collect();
    if announcement.public {
        ids.extend(
            follows::table
                .inner_join(
                    accounts_table::table.on(accounts_table::ap_id.eq(follows::follower_ap_id)),
                )
                .filter(follows::target_ap_id.eq(&org_ap_id))
                .filter(follows::pending.eq(false))
                .filter(accounts_table::local.eq(true))
                .select(accounts_table::id)
                .fetch::<i64>(conn)?,
        );
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Writes a stored or edited announcement into its readers' feeds (an edit
/// may change who they are).
pub fn fan_out(conn: &mut DbConn, announcement: &Announcement) -> QueryResult<usize> {
    diesel::delete(home_feed::table.filter(home_feed::announcement_id.eq(announcement.id)))
        .exec(conn)?;
    let mut written = 0;
    for chunk in readers(conn, announcement)?.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|account| {
                (
                    home_feed::account_id.eq(*account),
                    home_feed::announcement_id.eq(announcement.id),
                    home_feed::organisation_id.eq(announcement.organisation_id),
                )
            })
            .collect();
        written += diesel::insert_into(home_feed::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .exec(conn)?;
    }
    Ok(written)
}

/// Rebuilds one account's feed for one organisation.
pub fn refresh(conn: &mut DbConn, account_id: i64, organisation_id: i64) -> QueryResult<()> {
    diesel::delete(
        home_feed::table
            .filter(home_feed::account_id.eq(account_id))
            .filter(home_feed::organisation_id.eq(organisation_id)),
    )
    .exec(conn)?;
    fill(
        conn,
        Some(account_id),
        Some(organisation_id),
        None,
        Some(BACKFILL),
    )?;
    Ok(())
}

/// After a follow of `target` by `follower` was made, accepted or removed.
pub fn follow_changed(conn: &mut DbConn, follower: &str, target: &str) -> QueryResult<()> {
    let Some(target_id) = organisations::table
        .filter(organisations::ap_id.eq(target))
        .select(organisations::id)
        .fetch_first::<i64>(conn)
        .optional()?
    else {
        return Ok(());
    };
    if let Some(account) = accounts::by_ap_id(conn, follower)?.filter(|a| a.local) {
        return refresh(conn, account.id, target_id);
    }
    let follower_org = organisations::table
        .filter(organisations::ap_id.eq(follower))
        .filter(organisations::local.eq(true))
        .select(organisations::id)
        .fetch_first::<i64>(conn)
        .optional()?;
    if let Some(org) = follower_org {
        let mut members: Vec<i64> = memberships::table
            .filter(memberships::organisation_id.eq(org))
            .select(memberships::account_id)
            .fetch(conn)?;
        members.sort_unstable();
        members.dedup();
        for member in members {
            refresh(conn, member, target_id)?;
        }
    }
    Ok(())
}

/// After an account's role in an organisation was added or removed.
pub fn membership_changed(
    conn: &mut DbConn,
    account_id: i64,
    organisation_id: i64,
) -> QueryResult<()> {
    refresh(conn, account_id, organisation_id)?;
    let org_ap_id: String = organisations::table
        .find(organisation_id)
        .select(organisations::ap_id)
        .fetch_first(conn)?;
    for followed in super::follows::followed_organisation_ids(conn, &org_ap_id)? {
        refresh(conn, account_id, followed)?;
    }
    Ok(())
}

/// Rebuilds every feed from scratch (after a bulk load).
pub fn rebuild_all(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(home_feed::table).exec(conn)?;
    fill(conn, None, None, None, None)
}

/// A page of a home timeline before it chooses its columns: the API reads
/// whole rows and pages read lines, under the same conditions.
type Feed<DB> = diesel::helper_types::IntoBoxed<
    'static,
    diesel::helper_types::InnerJoin<home_feed::table, announcements::table>,
    DB,
>;

/// The feed query, for one backend (a boxed query names its backend).
trait FeedQuery<DB> {
    /// [`Feed`], which names the backend.
    type Query;
    fn feed(&self, account_id: i64, limit: i64) -> Self::Query;
}

macro_rules! feed_query_for {
    ($db:ty) => {
        impl FeedQuery<$db> for Filter {
            type Query = Feed<$db>;

            fn feed(&self, account_id: i64, limit: i64) -> Feed<$db> {
                let mut query = home_feed::table
                    .inner_join(announcements::table)
                    .filter(home_feed::account_id.eq(account_id))
                    .order(home_feed::announcement_id.desc())
                    .limit(limit)
                    .into_boxed();
                if let Some(org) = self.organisation_id {
                    query = query.filter(home_feed::organisation_id.eq(org));
                }
                if let Some(before) = self.before_id {
                    query = query.filter(home_feed::announcement_id.lt(before));
                }
                if let Some(category) = &self.category {
                    query = query.filter(announcements::category.eq(category.clone()));
                }
                if let Some(now) = self.live_at {
                    query = query.filter(
                        announcements::expires_at
                            .is_null()
                            .or(announcements::expires_at.gt(now).assume_not_null()),
                    );
                }
                if let Some(account) = self.unread_by {
                    query = query.filter(diesel::dsl::not(diesel::dsl::exists(
                        acknowledgements::table
                            .filter(
                                acknowledgements::announcement_id.eq(home_feed::announcement_id),
                            )
                            .filter(acknowledgements::account_id.eq(account)),
                    )));
                }
                query
            }
        }
    };
}

feed_query_for!(diesel::sqlite::Sqlite);
feed_query_for!(diesel::pg::Pg);

/// A page of an account's home timeline, newest first.
pub fn page(
    conn: &mut DbConn,
    account_id: i64,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<Announcement>> {
    crate::per_backend!(conn, |c: DB| FeedQuery::<DB>::feed(
        filter, account_id, limit
    )
    .select(columns::<Announcement>())
    .load(c))
}

/// [`page`], as lines.
pub fn lines(
    conn: &mut DbConn,
    account_id: i64,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<AnnouncementLine>> {
    crate::per_backend!(conn, |c: DB| FeedQuery::<DB>::feed(
        filter, account_id, limit
    )
    .select(columns::<AnnouncementLine>())
    .load(c))
}
