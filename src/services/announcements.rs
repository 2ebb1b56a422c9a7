//! Publishing, editing and deleting announcements, and reading them one at
//! a time or per organisation. Each change and the activities it sends are
//! written in one transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{
    Caller,
    audit::{self, Action, Actor},
    double_option,
    organisations::{holds_right, local_org},
    pagination::Page,
    timeline::{self, AnnouncementView, Listed, Listing},
};
use crate::{
    AppState,
    config::Settings,
    db::{
        self, DbConn,
        accounts::SignedIn,
        announcements::{self as rows, Announcement, Content, Filter, Identity, NewAttachment},
        categories, files, home_feed,
        organisations::{self, Organisation},
        tombstones,
    },
    error::{AppError, AppResult},
    federation::{
        activities::announce::relay::{self, Change},
        objects::{
            announcement::{ApubAnnouncement, new_public_id},
            plain_text,
        },
        send,
    },
    html,
    model::{BUILTIN_CATEGORIES, Role, validate_category},
};

/// A file uploaded before (`POST /api/v1/files`), attached by digest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    pub sha256: String,
    pub name: String,
}

/// `POST /organisations/{slug}/announcements`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAnnouncement {
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Plain text shown in lists and by Mastodon; made from the body when
    /// absent.
    pub summary: Option<String>,
    pub category: Option<String>,
    /// Roles addressed; empty or absent for every role.
    #[serde(default)]
    pub target_roles: Vec<String>,
    /// Visible to the whole web and to any follower. Defaults to true when
    /// every role is addressed; an announcement for some roles is never
    /// public.
    pub public: Option<bool>,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub ack_requested: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
}

/// `PATCH`: absent fields stay; `null` clears the dates.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub summary: Option<Option<String>>,
    pub category: Option<String>,
    pub target_roles: Option<Vec<String>>,
    pub public: Option<bool>,
    pub pinned: Option<bool>,
    pub ack_requested: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    pub starts_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub attachments: Option<Vec<AttachmentRef>>,
}

const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 500;
const MAX_BODY: usize = 100_000;
const MAX_ATTACHMENTS: usize = 20;

/// Who signs announcements: an account, not the operator.
fn account_of(caller: &Caller) -> AppResult<&SignedIn> {
    caller.account("announcements are signed by an account: use an account's token")
}

/// Whether an account publishes for an organisation: a member with a
/// publishing role, an admin of it or of a parent, or an instance admin.
pub fn may_publish(conn: &mut DbConn, caller: &Caller, org_id: i64) -> AppResult<bool> {
    holds_right(conn, caller, org_id, publishes)
}

fn publishes(role: &str) -> bool {
    role.parse::<Role>().is_ok_and(Role::may_publish)
}

/// The announcement with this key, or 404.
pub fn by_key(conn: &mut DbConn, key: &str) -> AppResult<Announcement> {
    rows::by_public_id(conn, key)?.ok_or_else(|| AppError::not_found("announcement"))
}

/// Every checked field of an announcement, as it will be stored.
struct Checked {
    content: Content,
    attachments: Vec<NewAttachment>,
}

fn check_category(conn: &mut DbConn, category: &str) -> AppResult<String> {
    let category = category.trim().to_ascii_lowercase();
    validate_category(&category).map_err(|e| {
        AppError::invalid(e).says("refused.category_unknown", &[("category", &category)])
    })?;
    if BUILTIN_CATEGORIES
        .iter()
        .any(|(slug, ..)| *slug == category)
        || categories::exists(conn, &category)?
    {
        return Ok(category);
    }
    let mut known: Vec<String> = BUILTIN_CATEGORIES
        .iter()
        .map(|(s, ..)| s.to_string())
        .collect();
    known.extend(categories::list(conn)?.into_iter().map(|(s, _)| s));
    Err(AppError::invalid(format!(
        "category: unknown `{category}`, expected one of: {}",
        known.join(", ")
    ))
    .says("refused.category_unknown", &[("category", &category)]))
}

fn check_roles(roles: &[String]) -> AppResult<Vec<&'static str>> {
    let mut checked: Vec<&'static str> = Vec::new();
    for role in roles {
        let role: Role = role.parse().map_err(|e: String| {
            AppError::invalid(format!("target_roles: {e}"))
                .says("refused.role_unknown", &[("role", role)])
        })?;
        if !checked.contains(&role.as_str()) {
            checked.push(role.as_str());
        }
    }
    Ok(checked)
}

fn check_attachments(
    conn: &mut DbConn,
    settings: &Settings,
    refs: &[AttachmentRef],
) -> AppResult<Vec<NewAttachment>> {
    if refs.len() > MAX_ATTACHMENTS {
        return Err(
            AppError::invalid(format!("attachments: at most {MAX_ATTACHMENTS}"))
                .says("refused.attachments_max", &[("n", &MAX_ATTACHMENTS)]),
        );
    }
    refs.iter()
        .map(|r| {
            // Claimed in the transaction that refers to it, so that the
            // removal of unused files cannot take it meanwhile.
            let claimed = files::claim(conn, &r.sha256)?;
            let stored = files::get(conn, &r.sha256)?.filter(|_| claimed).ok_or_else(|| {
                AppError::invalid(format!(
                    "attachments: no uploaded file with sha256 `{}` (upload it to /api/v1/files first)",
                    r.sha256
                )).says("refused.attachment_missing", &[])
            })?;
            let name = plain_text(r.name.trim(), 200);
            if name.is_empty() || name.contains(['/', '\\']) {
                return Err(AppError::invalid(
                    "attachments: a name is required, without slashes",
                ).says("refused.attachment_name", &[]));
            }
            Ok(NewAttachment {
                url: settings.url(&format!("/files/{}", stored.sha256)),
                name,
                media_type: stored.media_type,
                size: Some(stored.size),
                sha256: Some(stored.sha256),
            })
        })
        .collect()
}

/// Checks a complete announcement (new, or an existing one with changes).
fn check(conn: &mut DbConn, settings: &Settings, input: NewAnnouncement) -> AppResult<Checked> {
    let title = input.title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(
            AppError::invalid(format!("title: between 1 and {MAX_TITLE} characters"))
                .says("refused.title_length", &[("max", &MAX_TITLE)]),
        );
    }
    if input.body.trim().is_empty() || input.body.chars().count() > MAX_BODY {
        return Err(AppError::invalid(format!(
            "body: between 1 and {MAX_BODY} characters of Markdown"
        ))
        .says("refused.body_length", &[("max", &MAX_BODY)]));
    }
    let body_html = html::render_markdown(&input.body);
    let summary = match input.summary.as_deref().map(str::trim) {
        Some(s) if s.chars().count() > MAX_SUMMARY => {
            return Err(
                AppError::invalid(format!("summary: at most {MAX_SUMMARY} characters"))
                    .says("refused.summary_length", &[("max", &MAX_SUMMARY)]),
            );
        }
        Some(s) if !s.is_empty() => plain_text(s, MAX_SUMMARY),
        _ => html::excerpt(&body_html, 280),
    };
    let category = check_category(conn, input.category.as_deref().unwrap_or("administrative"))?;
    let roles = check_roles(&input.target_roles)?;
    let public = input.public.unwrap_or(roles.is_empty());
    if public && !roles.is_empty() {
        return Err(AppError::invalid(
            "public: an announcement addressed to some roles cannot be public",
        )
        .says("refused.public_with_roles", &[]));
    }
    let now = Utc::now();
    if input.expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::invalid("expires_at: must be in the future")
            .says("refused.expires_past", &[]));
    }
    if category == "event" && input.starts_at.is_none() {
        return Err(
            AppError::invalid("starts_at: an event needs a start").says("refused.event_start", &[])
        );
    }
    if let (Some(start), Some(end)) = (input.starts_at, input.ends_at)
        && end < start
    {
        return Err(AppError::invalid("ends_at: must not be before starts_at")
            .says("refused.ends_before_starts", &[]));
    }
    if input.ends_at.is_some() && input.starts_at.is_none() {
        return Err(
            AppError::invalid("ends_at: needs starts_at").says("refused.ends_without_start", &[])
        );
    }
    let attachments = check_attachments(conn, settings, &input.attachments)?;
    Ok(Checked {
        content: Content {
            title,
            summary,
            body_markdown: Some(input.body),
            body_html,
            category,
            target_roles: rows::join_roles(&roles),
            public,
            pinned: input.pinned,
            ack_requested: input.ack_requested,
            starts_at: input.starts_at.map(db::stored),
            ends_at: input.ends_at.map(db::stored),
            expires_at: input.expires_at.map(db::stored),
            updated_at: db::now(),
        },
        attachments,
    })
}

/// Writes a change into local home feeds and queues what it sends to the
/// organisation's followers.
fn relay_change(
    conn: &mut DbConn,
    row: Announcement,
    change: Change,
    settings: &Settings,
) -> AppResult<ApubAnnouncement> {
    if change != Change::Delete {
        home_feed::fan_out(conn, &row)?;
    }
    let announcement = ApubAnnouncement::load(conn, row)?;
    for outgoing in relay::for_followers(conn, &announcement, change, settings)? {
        outgoing.enqueue(conn)?;
    }
    Ok(announcement)
}

/// Publishes an announcement for a local organisation.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    input: NewAnnouncement,
) -> AppResult<AnnouncementView> {
    let author = account_of(caller)?.clone();
    let (caller, slug, settings) = (caller.clone(), slug.to_string(), state.settings.clone());
    let view = state
        .db
        .run(move |conn| {
            let org = local_org(conn, &slug)?;
            if !may_publish(conn, &caller, org.id)? {
                return Err(AppError::forbidden(
                    "only the organisation's publishers (admin, advisor, director, inspector) publish for it",
                ).says("refused.not_publisher", &[]));
            }
            let checked = check(conn, &settings, input)?;
            let public_id = new_public_id();
            let url = settings.url(&format!("/announcements/{public_id}"));
            let now = checked.content.updated_at;
            let identity = Identity {
                public_id,
                ap_id: url.clone(),
                local: true,
                organisation_id: org.id,
                author_ap_id: author.ap_id.clone(),
                author_name: author.display_name.clone(),
                author_account_id: Some(author.id),
                url,
                published_at: now,
                received_at: now,
            };
            db::transaction(conn, |conn| {
                let row = rows::insert(conn, &identity, &checked.content)?;
                rows::set_attachments(conn, row.id, &checked.attachments)?;
                let announcement = relay_change(conn, row, Change::Create, &settings)?;
                tracing::info!(announcement = %announcement.ap_id, organisation = %org.slug, "announcement published");
                timeline::views(conn, vec![announcement.row], Some(author.id))
            })
        })
        .await?;
    send::wake();
    view.into_iter()
        .next()
        .ok_or_else(|| AppError::internal("published announcement not read back"))
}

/// Whether the caller may change or delete a local announcement: its
/// author while still a publisher there, or a manager of the organisation.
fn may_change(conn: &mut DbConn, caller: &Caller, row: &Announcement) -> AppResult<Organisation> {
    if !row.local {
        return Err(
            AppError::forbidden("this announcement was published on another instance")
                .says("refused.announcement_remote", &[]),
        );
    }
    let org = organisations::by_id(conn, row.organisation_id)?;
    let is_author = caller.account_id().is_some() && caller.account_id() == row.author_account_id;
    // A manager, or its author while a publisher there: one read of roles.
    if holds_right(conn, caller, org.id, |role| is_author && publishes(role))? {
        Ok(org)
    } else {
        Err(AppError::forbidden(
            "only its author or the organisation's admins change an announcement",
        )
        .says("refused.announcement_not_yours", &[]))
    }
}

/// Edits a local announcement; followers get an `Update`.
pub async fn edit(
    state: &AppState,
    caller: &Caller,
    key: &str,
    changes: AnnouncementChanges,
) -> AppResult<AnnouncementView> {
    let (caller, key, settings) = (caller.clone(), key.to_string(), state.settings.clone());
    let reader = caller.account_id();
    let view = state
        .db
        .run(move |conn| {
            let row = by_key(conn, &key)?;
            may_change(conn, &caller, &row)?;
            let current_attachments = rows::attachments_of(conn, &[row.id])?
                .into_iter()
                .filter_map(|a| {
                    a.sha256.map(|sha256| AttachmentRef {
                        sha256,
                        name: a.name,
                    })
                })
                .collect();
            let roles_changed = changes.target_roles.is_some();
            let merged = NewAnnouncement {
                title: changes.title.unwrap_or(row.title.clone()),
                body: changes
                    .body
                    .or(row.body_markdown.clone())
                    .unwrap_or_default(),
                summary: changes.summary.unwrap_or(Some(row.summary.clone())),
                category: Some(changes.category.unwrap_or(row.category.clone())),
                target_roles: changes
                    .target_roles
                    .unwrap_or_else(|| row.roles().into_iter().map(str::to_string).collect()),
                // New roles without a word on `public` take the default
                // (public only for every role); otherwise it stays.
                public: changes.public.or(if roles_changed {
                    None
                } else {
                    Some(row.public)
                }),
                pinned: changes.pinned.unwrap_or(row.pinned),
                ack_requested: changes.ack_requested.unwrap_or(row.ack_requested),
                expires_at: changes
                    .expires_at
                    .unwrap_or(row.expires_at.map(|t| t.and_utc())),
                starts_at: changes
                    .starts_at
                    .unwrap_or(row.starts_at.map(|t| t.and_utc())),
                ends_at: changes.ends_at.unwrap_or(row.ends_at.map(|t| t.and_utc())),
                attachments: changes.attachments.unwrap_or(current_attachments),
            };
            let checked = check(conn, &settings, merged)?;
            db::transaction(conn, |conn| {
                let row = rows::update_content(conn, row.id, &checked.content)?;
                rows::set_attachments(conn, row.id, &checked.attachments)?;
                let announcement = relay_change(conn, row, Change::Update, &settings)?;
                tracing::info!(announcement = %announcement.ap_id, "announcement edited");
                timeline::views(conn, vec![announcement.row], reader)
            })
        })
        .await?;
    send::wake();
    view.into_iter()
        .next()
        .ok_or_else(|| AppError::internal("edited announcement not read back"))
}

/// Deletes a local announcement; followers get a `Delete`, and its id stays
/// reserved by a tombstone.
pub async fn delete(state: &AppState, caller: &Caller, key: &str) -> AppResult<()> {
    let (caller, key, settings) = (caller.clone(), key.to_string(), state.settings.clone());
    state
        .db
        .run(move |conn| {
            let row = by_key(conn, &key)?;
            may_change(conn, &caller, &row)?;
            db::transaction(conn, |conn| {
                let deleted_by = row.author_ap_id.clone();
                let (id, ap_id) = (row.id, row.ap_id.clone());
                relay_change(conn, row, Change::Delete, &settings)?;
                rows::delete(conn, id)?;
                tombstones::bury(conn, &ap_id, &deleted_by)?;
                tracing::info!(announcement = %ap_id, "announcement deleted");
                Ok::<_, AppError>(())
            })
        })
        .await?;
    send::wake();
    Ok(())
}

/// Whether a reader (or the anonymous public) may see an announcement.
pub fn may_read(
    conn: &mut DbConn,
    reader: Option<&SignedIn>,
    row: &Announcement,
) -> AppResult<bool> {
    if row.public {
        return Ok(true);
    }
    let Some(account) = reader else {
        return Ok(false);
    };
    let audience = timeline::audience_of(conn, account)?;
    if timeline::reaches(&audience, row) {
        return Ok(true);
    }
    may_publish(
        conn,
        &Caller::Account(Box::new(account.clone())),
        row.organisation_id,
    )
}

/// One announcement, if the reader may see it (404 otherwise, so that its
/// existence does not leak).
pub async fn get(
    state: &AppState,
    reader: Option<&SignedIn>,
    key: &str,
) -> AppResult<AnnouncementView> {
    let (reader, key) = (reader.cloned(), key.to_string());
    let views = state
        .db
        .read(move |conn| {
            let row = by_key(conn, &key)?;
            if !may_read(conn, reader.as_ref(), &row)? {
                return Err(AppError::not_found("announcement"));
            }
            timeline::views(conn, vec![row], reader.as_ref().map(|a| a.id))
        })
        .await?;
    views
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("announcement"))
}

/// A local organisation's announcements, newest first: all of them for its
/// publishers, those addressed to a member's roles for members, public
/// ones for everyone else. Expired ones are left out.
pub async fn of_organisation(
    state: &AppState,
    reader: Option<&SignedIn>,
    slug: &str,
    cursor: Option<String>,
    limit: Option<i64>,
) -> AppResult<Page<AnnouncementView>> {
    Ok(front_of(state, reader, slug, cursor, limit).await?.page)
}

/// What an organisation's page shows of its announcements.
pub struct Front<T> {
    /// As [`of_organisation`] lists them.
    pub page: Page<T>,
    /// Whether the reader may publish there (`may_publish`).
    pub may_publish: bool,
}

/// [`of_organisation`], whole or as lines, and whether the reader
/// publishes there: the page needs both, and the second is decided on the
/// way to the first.
pub async fn front_of<T: Listed + Send + 'static>(
    state: &AppState,
    reader: Option<&SignedIn>,
    slug: &str,
    cursor: Option<String>,
    limit: Option<i64>,
) -> AppResult<Front<T>> {
    let (before_id, limit) = timeline::page_bounds(cursor, limit)?;
    let (reader, slug) = (reader.cloned(), slug.to_string());
    state
        .db
        .read(move |conn| {
            let org_id = organisations::local_id_by_slug(conn, &slug)?
                .ok_or_else(|| AppError::not_found(&format!("organisation `{slug}`")))?;
            let filter = Filter {
                live_at: Some(db::now()),
                before_id,
                organisation_id: Some(org_id),
                ..Filter::default()
            };
            let publisher = match &reader {
                Some(a) => may_publish(conn, &Caller::Account(Box::new(a.clone())), org_id)?,
                None => false,
            };
            let rows = if publisher {
                let listing = Listing::OfOrganisation {
                    id: org_id,
                    public_only: false,
                };
                T::rows(conn, listing, &filter, limit + 1)?
            } else {
                let mut audience = match &reader {
                    Some(account) => timeline::audience_of(conn, account)?.only(org_id),
                    None => rows::Audience::default(),
                };
                audience.public_of.push(org_id);
                T::rows(conn, Listing::Visible(&audience), &filter, limit + 1)?
            };
            let page = Page::try_from_rows_with(rows, limit, T::id, |rows| {
                T::views(conn, rows, reader.as_ref().map(|a| a.id))
            })?;
            Ok(Front {
                page,
                may_publish: publisher,
            })
        })
        .await
}

/// Announcement categories as (slug, label).
pub type Categories = Arc<Vec<(String, String)>>;

/// The categories: built-in ones first, then those admins added. Nearly
/// every page shows them, so they are read through the process's copy.
pub async fn categories(state: &AppState) -> AppResult<Categories> {
    if let Some(all) = state.categories.fresh() {
        return Ok(all);
    }
    let mut all: Vec<(String, String)> = BUILTIN_CATEGORIES
        .iter()
        .map(|(slug, label, _)| (slug.to_string(), label.to_string()))
        .collect();
    all.extend(
        state
            .db
            .read(|conn| Ok::<_, AppError>(categories::list(conn)?))
            .await?,
    );
    let all = Arc::new(all);
    state.categories.store(all.clone());
    Ok(all)
}

/// Adds a category (instance admins).
pub async fn add_category(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    label: &str,
) -> AppResult<()> {
    caller.instance_admin("only instance admins add categories")?;
    let slug = slug.trim().to_ascii_lowercase();
    validate_category(&slug)
        .map_err(|e| AppError::invalid(e).says("refused.category_invalid", &[("slug", &slug)]))?;
    let label = plain_text(label.trim(), 60);
    if label.is_empty() {
        return Err(AppError::invalid("label: required").says("refused.label_required", &[]));
    }
    if BUILTIN_CATEGORIES.iter().any(|(s, ..)| *s == slug) {
        return Err(AppError::conflict(format!("category `{slug}` is built in"))
            .says("refused.category_builtin", &[("slug", &slug)]));
    }
    let actor = Actor::of(caller);
    state
        .db
        .run(move |conn| {
            db::transaction(conn, |conn| {
                categories::insert(conn, &slug, &label).map_err(|e| {
                    if db::is_unique_violation_on(&e, "slug")
                        || db::is_unique_violation_on(&e, "pkey")
                    {
                        AppError::conflict(format!("category `{slug}` exists"))
                            .says("refused.category_exists", &[("slug", &slug)])
                    } else {
                        e.into()
                    }
                })?;
                audit::record(conn, &actor, Action::CategoryAdded, &slug, &label)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    state.categories.forget();
    Ok(())
}

/// The local organisations an account may publish for, as (slug, name):
/// those where its roles allow it, plus `also` (a slug asked for by the
/// page) when the account may publish there, as admins may anywhere.
pub async fn publishable_organisations(
    state: &AppState,
    caller: &Caller,
    also: Option<String>,
) -> AppResult<Vec<(String, String)>> {
    account_of(caller)?;
    super::organisations::choices(state, caller, also, may_publish).await
}

/// Whether the caller may publish in the name of this local organisation
/// (`false` when there is none by that slug).
pub async fn may_publish_for(state: &AppState, caller: &Caller, slug: &str) -> AppResult<bool> {
    let (caller, slug) = (caller.clone(), slug.to_string());
    state
        .db
        .read(
            move |conn| match organisations::local_id_by_slug(conn, &slug)? {
                Some(org_id) => may_publish(conn, &caller, org_id),
                None => Ok(false),
            },
        )
        .await
}

/// What a reader may do with an announcement beyond reading it: change it
/// (its author or the organisation's admins) and see who read it (the
/// organisation's publishers).
#[derive(Debug, Clone, Copy, Default)]
pub struct Powers {
    pub change: bool,
    pub see_reads: bool,
}

pub async fn powers(state: &AppState, caller: &Caller, key: &str) -> AppResult<Powers> {
    let (caller, key) = (caller.clone(), key.to_string());
    state
        .db
        .read(move |conn| {
            let row = by_key(conn, &key)?;
            if !row.local {
                return Ok(Powers::default());
            }
            Ok(Powers {
                change: may_change(conn, &caller, &row).is_ok(),
                see_reads: may_publish(conn, &caller, row.organisation_id)?,
            })
        })
        .await
}
