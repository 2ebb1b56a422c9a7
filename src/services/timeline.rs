//! Who sees which announcement, and the home timeline.
//!
//! An account sees the public announcements of the organisations it
//! follows, and, in each organisation it belongs to, the announcements of
//! that organisation and of the organisations it follows that are
//! addressed to every role or to the account's role there. Home timelines
//! are read from `home_feed`, which the database layer keeps in step with
//! announcements, follows and memberships; single checks (may this account
//! read this one?) use the same rules directly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::pagination::{Page, PageRequest};
use crate::{
    AppState,
    db::{
        self, DbConn,
        accounts::SignedIn,
        acknowledgements,
        announcements::{self, Announcement, AnnouncementLine, Audience, Filter},
        follows, home_feed, memberships,
        organisations::{self, Organisation},
    },
    error::{AppError, AppResult},
};
use diesel::QueryResult;

/// The audience an account belongs to.
pub fn audience_of(conn: &mut DbConn, account: &SignedIn) -> Result<Audience, AppError> {
    let public_of = follows::followed_organisation_ids(conn, &account.ap_id)?;
    let mut roles: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (organisation_id, organisation_ap_id, role) in
        memberships::of_account_with_actors(conn, account.id)?
    {
        roles
            .entry(organisation_id)
            .or_default()
            .insert(role.clone());
        for followed in follows::followed_organisation_ids(conn, &organisation_ap_id)? {
            roles.entry(followed).or_default().insert(role.clone());
        }
    }
    Ok(Audience {
        public_of,
        addressed: roles
            .into_iter()
            .map(|(id, roles)| (id, roles.into_iter().collect()))
            .collect(),
    })
}

/// Whether an announcement is addressed to an audience.
pub fn reaches(audience: &Audience, announcement: &Announcement) -> bool {
    if announcement.public && audience.public_of.contains(&announcement.organisation_id) {
        return true;
    }
    let wanted = announcement.roles();
    audience.addressed.iter().any(|(org, roles)| {
        *org == announcement.organisation_id
            && (wanted.is_empty() || roles.iter().any(|r| wanted.contains(&r.as_str())))
    })
}

/// `?organisation=…&category=…&unread=true&cursor=…&limit=…`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// An organisation's actor id, `slug@domain`, or a local slug.
    pub organisation: Option<String>,
    pub category: Option<String>,
    #[serde(default)]
    pub unread: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Default page size of timelines.
pub const TIMELINE_LIMIT: i64 = 20;

#[derive(Debug, Clone, Serialize)]
pub struct OrganisationRef {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub domain: String,
    pub local: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub name: String,
    pub media_type: String,
    pub size: Option<i64>,
    pub url: String,
    pub sha256: Option<String>,
}

/// An announcement as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AnnouncementView {
    /// Its ActivityPub id.
    pub id: String,
    /// Its name in this instance's URLs (`/api/v1/announcements/{key}`).
    pub key: String,
    pub url: String,
    pub local: bool,
    pub organisation: OrganisationRef,
    pub author: AuthorRef,
    pub title: String,
    pub summary: String,
    /// Sanitised HTML.
    pub content: String,
    /// The Markdown source, when known.
    pub body: Option<String>,
    pub category: String,
    /// Empty: every role.
    pub target_roles: Vec<String>,
    pub public: bool,
    pub pinned: bool,
    pub ack_requested: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub attachments: Vec<AttachmentView>,
    /// Whether the reader acknowledged it; absent for anonymous readers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
}

/// An announcement as a list on a page shows it: its title and summary,
/// not its body, addresses or attachments.
#[derive(Debug, Clone)]
pub struct AnnouncementLineView {
    pub key: String,
    pub organisation_name: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub pinned: bool,
    pub ack_requested: bool,
    pub published: DateTime<Utc>,
    /// As [`AnnouncementView::read`].
    pub read: Option<bool>,
}

/// Which announcements a listing reads; the same rules whatever it shows
/// of them.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'a> {
    /// An account's home timeline (`home_feed`).
    Home { account_id: i64 },
    /// What an audience may see.
    Visible(&'a Audience),
    /// One organisation's, every one or only the public ones.
    OfOrganisation { id: i64, public_only: bool },
}

/// What a listing reads of each announcement and how it shows it: whole,
/// for the API and feeds, or as a line, for pages.
pub trait Listed: Sized {
    type Row;
    fn id(row: &Self::Row) -> i64;
    /// Newest first, narrowed by `filter`, at most `limit`.
    fn rows(
        conn: &mut DbConn,
        listing: Listing<'_>,
        filter: &Filter,
        limit: i64,
    ) -> QueryResult<Vec<Self::Row>>;
    fn views(conn: &mut DbConn, rows: Vec<Self::Row>, reader: Option<i64>) -> AppResult<Vec<Self>>;
}

impl Listed for AnnouncementView {
    type Row = Announcement;

    fn id(row: &Announcement) -> i64 {
        row.id
    }

    fn rows(
        conn: &mut DbConn,
        listing: Listing<'_>,
        filter: &Filter,
        limit: i64,
    ) -> QueryResult<Vec<Announcement>> {
        match listing {
            Listing::Home { account_id } => home_feed::page(conn, account_id, filter, limit),
            Listing::Visible(audience) => announcements::visible(conn, audience, filter, limit),
            Listing::OfOrganisation { id, public_only } => {
                announcements::of_organisation(conn, id, public_only, filter, limit)
            }
        }
    }

    fn views(
        conn: &mut DbConn,
        rows: Vec<Announcement>,
        reader: Option<i64>,
    ) -> AppResult<Vec<Self>> {
        views(conn, rows, reader)
    }
}

impl Listed for AnnouncementLineView {
    type Row = AnnouncementLine;

    fn id(row: &AnnouncementLine) -> i64 {
        row.id
    }

    fn rows(
        conn: &mut DbConn,
        listing: Listing<'_>,
        filter: &Filter,
        limit: i64,
    ) -> QueryResult<Vec<AnnouncementLine>> {
        match listing {
            Listing::Home { account_id } => home_feed::lines(conn, account_id, filter, limit),
            Listing::Visible(audience) => {
                announcements::visible_lines(conn, audience, filter, limit)
            }
            Listing::OfOrganisation { id, public_only } => {
                announcements::lines_of_organisation(conn, id, public_only, filter, limit)
            }
        }
    }

    fn views(
        conn: &mut DbConn,
        rows: Vec<AnnouncementLine>,
        reader: Option<i64>,
    ) -> AppResult<Vec<Self>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let names = organisation_names(conn, rows.iter().map(|r| r.organisation_id))?;
        let read = match reader {
            Some(account) => Some(acknowledgements::read_by(conn, account, &ids)?),
            None => None,
        };
        rows.into_iter()
            .map(|row| {
                let organisation = names
                    .get(&row.organisation_id)
                    .ok_or_else(|| AppError::internal("announcement without organisation"))?;
                Ok(Self {
                    organisation_name: organisation.name.clone(),
                    read: read.as_ref().map(|set| set.contains(&row.id)),
                    key: row.public_id,
                    title: row.title,
                    summary: row.summary,
                    category: row.category,
                    pinned: row.pinned,
                    ack_requested: row.ack_requested,
                    published: row.published_at.and_utc(),
                })
            })
            .collect()
    }
}

/// The organisations of some announcements, by id.
fn organisation_names(
    conn: &mut DbConn,
    ids: impl Iterator<Item = i64>,
) -> QueryResult<HashMap<i64, OrganisationRef>> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(organisations::names_by_ids(conn, &ids)?
        .into_iter()
        .map(|o| {
            let reference = OrganisationRef {
                id: o.ap_id,
                slug: o.slug,
                name: o.name,
                domain: o.domain,
                local: o.local,
            };
            (o.id, reference)
        })
        .collect())
}

/// Views of some rows, loading their organisations, attachments and the
/// reader's acknowledgements in one query each.
pub fn views(
    conn: &mut DbConn,
    rows: Vec<Announcement>,
    reader: Option<i64>,
) -> Result<Vec<AnnouncementView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let orgs = organisation_names(conn, rows.iter().map(|r| r.organisation_id))?;
    let mut attachments: HashMap<i64, Vec<AttachmentView>> = HashMap::new();
    for a in announcements::attachments_of(conn, &ids)? {
        attachments
            .entry(a.announcement_id)
            .or_default()
            .push(AttachmentView {
                name: a.name,
                media_type: a.media_type,
                size: a.size,
                url: a.url,
                sha256: a.sha256,
            });
    }
    let read = match reader {
        Some(account) => Some(acknowledgements::read_by(conn, account, &ids)?),
        None => None,
    };
    rows.into_iter()
        .map(|row| {
            let org = orgs
                .get(&row.organisation_id)
                .ok_or_else(|| AppError::internal("announcement without organisation"))?;
            Ok(AnnouncementView {
                organisation: org.clone(),
                author: AuthorRef {
                    id: row.author_ap_id.clone(),
                    name: row.author_name.clone(),
                },
                target_roles: row.roles().into_iter().map(str::to_string).collect(),
                attachments: attachments.remove(&row.id).unwrap_or_default(),
                read: read.as_ref().map(|set| set.contains(&row.id)),
                id: row.ap_id,
                key: row.public_id,
                url: row.url,
                local: row.local,
                title: row.title,
                summary: row.summary,
                content: row.body_html,
                body: row.body_markdown,
                category: row.category,
                public: row.public,
                pinned: row.pinned,
                ack_requested: row.ack_requested,
                starts_at: row.starts_at.map(|t| t.and_utc()),
                ends_at: row.ends_at.map(|t| t.and_utc()),
                expires_at: row.expires_at.map(|t| t.and_utc()),
                published: row.published_at.and_utc(),
                updated: row.updated_at.and_utc(),
            })
        })
        .collect()
}

/// Finds an organisation named by actor id, `slug@domain` or local slug.
pub fn find_organisation(
    conn: &mut DbConn,
    settings: &crate::config::Settings,
    name: &str,
) -> Result<Option<Organisation>, AppError> {
    let name = name
        .trim()
        .trim_start_matches("acct:")
        .trim_start_matches('@');
    if name.starts_with("https://") || name.starts_with("http://") {
        return Ok(organisations::by_ap_id(conn, name)?);
    }
    match name.split_once('@') {
        Some((slug, domain))
            if crate::federation::policy::normalize_domain(domain)
                == crate::federation::policy::normalize_domain(&settings.domain) =>
        {
            Ok(organisations::local_by_slug(conn, slug)?)
        }
        Some((slug, domain)) => Ok(organisations::by_slug_and_domain(conn, slug, domain)?),
        None => Ok(organisations::local_by_slug(conn, name)?),
    }
}

/// Checks a page size; timelines default to [`TIMELINE_LIMIT`].
pub fn page_bounds(cursor: Option<String>, limit: Option<i64>) -> AppResult<(Option<i64>, i64)> {
    let (after, limit) = PageRequest {
        cursor,
        limit: Some(limit.unwrap_or(TIMELINE_LIMIT)),
    }
    .bounds()?;
    Ok(((after > 0).then_some(after), limit))
}

/// The home timeline of an account, newest first, whole (the API) or as
/// lines (the page).
pub async fn home<T: Listed + Send + 'static>(
    state: &AppState,
    account: &SignedIn,
    query: TimelineQuery,
) -> AppResult<Page<T>> {
    let (before_id, limit) = page_bounds(query.cursor.clone(), query.limit)?;
    let (account, settings) = (account.clone(), state.settings.clone());
    state
        .db
        .read(move |conn| {
            let organisation_id = match &query.organisation {
                Some(name) => Some(
                    find_organisation(conn, &settings, name)?
                        .ok_or_else(|| AppError::not_found(&format!("organisation `{name}`")))?
                        .id,
                ),
                None => None,
            };
            let filter = Filter {
                organisation_id,
                category: query.category.clone(),
                unread_by: query.unread.then_some(account.id),
                live_at: Some(db::now()),
                before_id,
            };
            let listing = Listing::Home {
                account_id: account.id,
            };
            let rows = T::rows(conn, listing, &filter, limit + 1)?;
            Page::try_from_rows_with(rows, limit, T::id, |rows| {
                T::views(conn, rows, Some(account.id))
            })
        })
        .await
}

/// The organisations a timeline can be filtered by: those the account
/// belongs to and those it follows, as (filter value, name), by name.
pub async fn sources(state: &AppState, account: &SignedIn) -> AppResult<Vec<(String, String)>> {
    let account = account.clone();
    state
        .db
        .read(move |conn| {
            let mut ids: Vec<i64> = memberships::of_account_with_actors(conn, account.id)?
                .into_iter()
                .map(|(id, ..)| id)
                .collect();
            ids.extend(follows::followed_organisation_ids(conn, &account.ap_id)?);
            ids.sort_unstable();
            ids.dedup();
            let mut found: Vec<(String, String)> = organisations::names_by_ids(conn, &ids)?
                .into_iter()
                .map(|o| (o.ap_id, o.name))
                .collect();
            found.sort_by(|a, b| a.1.cmp(&b.1));
            Ok(found)
        })
        .await
}
