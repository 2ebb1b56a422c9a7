//! "I have read this": acknowledging, the publisher's view of who read,
//! and reminders for those who have not.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    Caller,
    announcements::{by_key, may_publish, may_read},
    pagination::Page,
    timeline::{self, AnnouncementView},
};
use crate::{
    AppState,
    db::{
        DbConn,
        accounts::{self, Addressee, SignedIn},
        acknowledgements,
        announcements::Announcement,
        home_feed, organisations,
    },
    error::{AppError, AppResult},
    federation::{activities::reading::read, policy::normalize_domain, send},
};

/// Records that an account read an announcement; a remote one's
/// organisation gets a `Read`. Acknowledging twice changes nothing.
pub async fn acknowledge(
    state: &AppState,
    account: &SignedIn,
    key: &str,
) -> AppResult<AnnouncementView> {
    let (account, key, settings) = (account.clone(), key.to_string(), state.settings.clone());
    let view = state
        .db
        .run(move |conn| {
            let row = by_key(conn, &key)?;
            if !may_read(conn, Some(&account), &row)? {
                return Err(AppError::not_found("announcement"));
            }
            let domain = normalize_domain(&settings.domain);
            crate::db::transaction(conn, |conn| {
                let new = acknowledgements::record(
                    conn,
                    row.id,
                    &account.ap_id,
                    &domain,
                    Some(account.id),
                )?;
                acknowledgements::mark_seen(conn, account.id, row.id)?;
                if new && !row.local {
                    let group = organisations::by_id(conn, row.organisation_id)?;
                    read::outgoing(&account.ap_id, &row, &group, &settings)?.enqueue(conn)?;
                }
                Ok::<_, AppError>(())
            })?;
            timeline::views(conn, vec![row], Some(account.id))
        })
        .await?;
    send::wake();
    view.into_iter()
        .next()
        .ok_or_else(|| AppError::internal("announcement not read back"))
}

#[derive(Debug, Serialize)]
pub struct LocalReader {
    pub username: String,
    pub name: String,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct RemoteReads {
    pub domain: String,
    pub read: usize,
}

/// Who read a local announcement: each addressed local account, read or
/// not, and a count per other instance (they know their own readers).
#[derive(Debug, Serialize)]
pub struct ReadReport {
    pub read: usize,
    pub not_read: usize,
    pub local: Vec<LocalReader>,
    pub remote: Vec<RemoteReads>,
}

/// The local accounts an announcement is addressed to (its home feed
/// readers), enabled ones only.
fn addressed_accounts(conn: &mut DbConn, row: &Announcement) -> AppResult<Vec<Addressee>> {
    let ids = home_feed::readers(conn, row)?;
    Ok(accounts::local_enabled_among(conn, &ids)?)
}

fn publisher_check(conn: &mut DbConn, caller: &Caller, row: &Announcement) -> AppResult<()> {
    if !row.local {
        return Err(AppError::forbidden(
            "read receipts are kept by the instance that published it",
        )
        .says("refused.receipts_remote", &[]));
    }
    if may_publish(conn, caller, row.organisation_id)? {
        Ok(())
    } else {
        Err(
            AppError::forbidden("only the organisation's publishers see who read")
                .says("refused.not_publisher_reads", &[]),
        )
    }
}

/// The publisher's view of who read a local announcement.
pub async fn report(state: &AppState, caller: &Caller, key: &str) -> AppResult<ReadReport> {
    let (caller, key) = (caller.clone(), key.to_string());
    state
        .db
        .read(move |conn| {
            let row = by_key(conn, &key)?;
            publisher_check(conn, &caller, &row)?;
            let acks = acknowledgements::of_announcement(conn, row.id)?;
            let read_at: BTreeMap<i64, DateTime<Utc>> = acks
                .iter()
                .filter_map(|a| a.account_id.map(|id| (id, a.read_at.and_utc())))
                .collect();
            let mut local: Vec<LocalReader> = addressed_accounts(conn, &row)?
                .into_iter()
                .map(|a| LocalReader {
                    read_at: read_at.get(&a.id).copied(),
                    username: a.username,
                    name: a.display_name,
                })
                .collect();
            local.sort_by(|a, b| {
                (a.read_at.is_none(), &a.username).cmp(&(b.read_at.is_none(), &b.username))
            });
            let mut remote: BTreeMap<String, usize> = BTreeMap::new();
            for ack in acks.iter().filter(|a| a.account_id.is_none()) {
                *remote.entry(ack.reader_domain.clone()).or_default() += 1;
            }
            let local_read = local.iter().filter(|r| r.read_at.is_some()).count();
            let remote_read: usize = remote.values().sum();
            Ok(ReadReport {
                read: local_read + remote_read,
                not_read: local.len() - local_read,
                local,
                remote: remote
                    .into_iter()
                    .map(|(domain, read)| RemoteReads { domain, read })
                    .collect(),
            })
        })
        .await
}

/// Reminds the addressed local accounts that have not read it; returns how
/// many were reminded.
pub async fn remind(state: &AppState, caller: &Caller, key: &str) -> AppResult<usize> {
    let (caller, key) = (caller.clone(), key.to_string());
    state
        .db
        .run(move |conn| {
            let row = by_key(conn, &key)?;
            publisher_check(conn, &caller, &row)?;
            let read: BTreeSet<i64> = acknowledgements::of_announcement(conn, row.id)?
                .into_iter()
                .filter_map(|a| a.account_id)
                .collect();
            let unread: Vec<i64> = addressed_accounts(conn, &row)?
                .into_iter()
                .map(|a| a.id)
                .filter(|id| !read.contains(id))
                .collect();
            let n = acknowledgements::remind(conn, row.id, &unread)?;
            tracing::info!(announcement = %row.ap_id, reminded = n, "reminder sent");
            Ok(n)
        })
        .await
}

#[derive(Debug, Serialize)]
pub struct NotificationView {
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub seen: bool,
    pub announcement: AnnouncementView,
}

/// An account's notifications, newest first.
pub async fn notifications(
    state: &AppState,
    account: &SignedIn,
    cursor: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<NotificationView>> {
    let (before_id, limit) = timeline::page_bounds(cursor, limit)?;
    let account = account.clone();
    state
        .db
        .read(move |conn| {
            let rows = acknowledgements::notifications_of(
                conn,
                account.id,
                before_id.unwrap_or(i64::MAX),
                limit + 1,
            )?;
            Page::try_from_rows_with(
                rows,
                limit,
                |n| n.id,
                |rows| {
                    let ids: Vec<i64> = rows.iter().map(|n| n.announcement_id).collect();
                    let announcements = crate::db::announcements::by_ids(conn, &ids)?;
                    let keyed: Vec<i64> = announcements.iter().map(|a| a.id).collect();
                    let views: BTreeMap<i64, AnnouncementView> = keyed
                        .into_iter()
                        .zip(timeline::views(conn, announcements, Some(account.id))?)
                        .collect();
                    Ok::<_, AppError>(
                        rows.into_iter()
                            .filter_map(|n| {
                                views.get(&n.announcement_id).cloned().map(|announcement| {
                                    NotificationView {
                                        kind: n.kind,
                                        created_at: n.created_at.and_utc(),
                                        seen: n.seen_at.is_some(),
                                        announcement,
                                    }
                                })
                            })
                            .collect(),
                    )
                },
            )
        })
        .await
}
