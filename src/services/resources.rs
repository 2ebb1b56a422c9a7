//! Shared teaching resources: publish with files, add versions, delete,
//! read and search, local and remote alike. Files arrive already stored
//! (by digest) from the API layer, which streams them; this layer checks
//! the description, records the version and queues the federation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Caller,
    organisations::{holds_right, local_org},
    pagination::{Page, PageRequest},
    uploads,
};
use crate::{
    AppState,
    db::{
        self, DbConn,
        organisations::{self, Organisation, OrganisationName},
        resources::{self as rows, Content, Identity, NewFile, Resource, join_list, split_list},
    },
    directory::text,
    error::{AppError, AppResult},
    federation::{
        activities::announce::resource_relay::{self, Change},
        objects::{announcement::new_public_id, plain_text},
        send,
    },
    files::{FileStore, Stored},
    model::Viewer,
    vocabulary,
};

const MAX_FILES: usize = 20;
const MAX_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 10_000;
const MAX_KEYWORDS: usize = 20;

/// The `meta` part of an upload.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceMeta {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// An SPDX id or `all-rights-reserved`; required.
    pub licence: Option<String>,
    #[serde(default)]
    pub levels: Vec<String>,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// What this version is, for its history.
    pub note: Option<String>,
}

/// The `meta` part of a new version: absent fields stay.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionMeta {
    pub title: Option<String>,
    pub description: Option<String>,
    pub licence: Option<String>,
    pub levels: Option<Vec<String>>,
    pub subjects: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub note: Option<String>,
}

/// A file of an upload, stored, with the name the client gave.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub name: String,
    pub stored: Stored,
}

#[derive(Debug, Serialize)]
pub struct ResourceView {
    pub id: String,
    pub key: String,
    pub url: String,
    pub local: bool,
    pub organisation: OrganisationRef,
    pub author: AuthorRef,
    pub title: String,
    pub description: String,
    pub licence: LicenceView,
    pub levels: Vec<String>,
    pub subjects: Vec<String>,
    pub tags: Vec<String>,
    pub version: i32,
    pub downloads: i64,
    /// The files of the current version.
    pub files: Vec<FileView>,
    /// Every version, newest first, with its files.
    pub versions: Vec<VersionView>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct OrganisationRef {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub domain: String,
}

#[derive(Debug, Serialize)]
pub struct AuthorRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct LicenceView {
    pub id: String,
    pub label: String,
    /// `true` for "all rights reserved": reuse needs the author's consent.
    pub all_rights_reserved: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub name: String,
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    /// Where to download it from this instance.
    pub url: String,
    pub downloads: i64,
    /// For a remote file: this instance keeps a checked copy.
    pub mirrored: bool,
}

#[derive(Debug, Serialize)]
pub struct VersionView {
    pub version: i32,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub files: Vec<FileView>,
}

/// `GET /api/v1/resources` filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceQuery {
    pub q: Option<String>,
    pub licence: Option<String>,
    pub level: Option<String>,
    pub subject: Option<String>,
    pub tag: Option<String>,
    /// `slug` of a local organisation, `slug@domain`, or an actor id.
    pub organisation: Option<String>,
    /// `local` or `remote`.
    pub origin: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Who signs resources: an account, not the operator.
fn account_of(caller: &Caller) -> AppResult<&crate::db::accounts::SignedIn> {
    caller.account("resources are signed by an account: use an account's token")
}

/// Members of an organisation share resources in its name, as do its
/// admins and instance admins.
pub fn may_share(conn: &mut DbConn, caller: &Caller, org_id: i64) -> AppResult<bool> {
    holds_right(conn, caller, org_id, |_| true)
}

/// A file name as kept: the last path segment, printable, bounded; never a
/// path (`../../etc/passwd` is `passwd`).
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let bounded: String = cleaned.chars().take(200).collect();
    if bounded.is_empty() {
        "fichier".into()
    } else {
        bounded
    }
}

fn keywords(field: &str, values: &[String]) -> AppResult<Vec<String>> {
    if values.len() > MAX_KEYWORDS {
        return Err(
            AppError::invalid(format!("{field}: at most {MAX_KEYWORDS}"))
                .says("refused.keywords_max", &[("n", &MAX_KEYWORDS)]),
        );
    }
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let k = vocabulary::keyword(field, value).map_err(|e| {
            AppError::invalid(e).says("refused.keyword_invalid", &[("value", &value)])
        })?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out)
}

/// Every checked field, as stored.
fn check(meta: ResourceMeta, version: i32) -> AppResult<(Content, String)> {
    let title = plain_text(meta.title.trim(), MAX_TITLE + 1);
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(
            AppError::invalid(format!("title: must be 1 to {MAX_TITLE} characters"))
                .says("refused.title_length", &[("max", &MAX_TITLE)]),
        );
    }
    let description = meta.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(AppError::invalid(format!(
            "description: at most {MAX_DESCRIPTION} characters"
        ))
        .says("refused.description_length", &[("max", &MAX_DESCRIPTION)]));
    }
    let licence = meta
        .licence
        .as_deref()
        .ok_or_else(|| {
            AppError::invalid(format!(
                "licence: required, one of: {}",
                vocabulary::licence_ids()
            ))
            .says("refused.licence_required", &[])
        })
        .and_then(|l| {
            vocabulary::licence(l).map_err(|e| {
                AppError::invalid(e).says("refused.licence_unknown", &[("licence", &l)])
            })
        })?;
    let mut levels: Vec<&str> = Vec::new();
    for level in &meta.levels {
        let level = vocabulary::level(level).map_err(|e| {
            AppError::invalid(e).says("refused.level_unknown", &[("level", &level)])
        })?;
        if !levels.contains(&level) {
            levels.push(level);
        }
    }
    let subjects = join_list(&keywords("subjects", &meta.subjects)?);
    let tags = join_list(&keywords("tags", &meta.tags)?);
    let note = plain_text(meta.note.as_deref().unwrap_or("").trim(), 500);
    Ok((
        Content {
            search_text: Content::words(&title, &description, &subjects, &tags),
            title,
            description,
            licence: licence.to_string(),
            levels: join_list(&levels),
            subjects,
            tags,
            version,
            updated_at: db::now(),
        },
        note,
    ))
}

fn new_files(
    conn: &mut DbConn,
    store: &FileStore,
    uploaded: &[UploadedFile],
) -> AppResult<Vec<NewFile>> {
    if uploaded.len() > MAX_FILES {
        return Err(
            AppError::invalid(format!("file: at most {MAX_FILES} per version"))
                .says("refused.files_max", &[("n", &MAX_FILES)]),
        );
    }
    uploaded
        .iter()
        .map(|f| {
            let size = i64::try_from(f.stored.size).map_err(AppError::internal)?;
            uploads::record_stored(conn, store, &f.stored)?;
            Ok(NewFile {
                name: file_name(&f.name),
                sha256: f.stored.sha256.clone(),
                media_type: f.stored.media_type.clone(),
                size,
                remote_url: None,
            })
        })
        .collect()
}

fn by_key(conn: &mut DbConn, key: &str) -> AppResult<Resource> {
    rows::by_public_id(conn, key)?.ok_or_else(|| AppError::not_found("resource"))
}

/// Builds the views of some resources with one query per kind of data.
pub fn views(
    conn: &mut DbConn,
    settings: &crate::config::Settings,
    resources: Vec<Resource>,
) -> AppResult<Vec<ResourceView>> {
    let ids: Vec<i64> = resources.iter().map(|r| r.id).collect();
    let org_ids: Vec<i64> = resources.iter().map(|r| r.organisation_id).collect();
    let orgs: HashMap<i64, OrganisationName> = organisations::names_by_ids(conn, &org_ids)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut files_by_resource: HashMap<i64, Vec<rows::File>> = HashMap::new();
    for file in rows::files_of(conn, &ids)? {
        files_by_resource
            .entry(file.resource_id)
            .or_default()
            .push(file);
    }
    let mut versions_by_resource: HashMap<i64, Vec<rows::Version>> = HashMap::new();
    for version in rows::versions_of(conn, &ids)? {
        versions_by_resource
            .entry(version.resource_id)
            .or_default()
            .push(version);
    }
    let mut out = Vec::with_capacity(resources.len());
    for r in resources {
        let org = orgs
            .get(&r.organisation_id)
            .ok_or_else(|| AppError::internal("resource without its organisation"))?;
        let file_view = |f: &rows::File| FileView {
            url: settings.url(&format!("/resources/{}/files/{}", r.public_id, f.sha256)),
            name: f.name.clone(),
            sha256: f.sha256.clone(),
            media_type: f.media_type.clone(),
            size: f.size,
            downloads: f.downloads,
            mirrored: f.mirrored,
        };
        let all = files_by_resource.remove(&r.id).unwrap_or_default();
        let versions = versions_by_resource
            .remove(&r.id)
            .unwrap_or_default()
            .into_iter()
            .map(|v| VersionView {
                files: all
                    .iter()
                    .filter(|f| f.version == v.version)
                    .map(file_view)
                    .collect(),
                version: v.version,
                note: v.note,
                created_at: v.created_at.and_utc(),
            })
            .collect::<Vec<_>>();
        let current = versions
            .iter()
            .find(|v| v.version == r.version)
            .map(|v| v.files.clone())
            .unwrap_or_default();
        out.push(ResourceView {
            id: r.ap_id,
            key: r.public_id,
            url: r.url,
            local: r.local,
            organisation: organisation_ref(org),
            author: AuthorRef {
                id: r.author_ap_id,
                name: r.author_name,
            },
            title: r.title,
            description: r.description,
            licence: licence_view(r.licence),
            levels: split_list(&r.levels),
            subjects: split_list(&r.subjects),
            tags: split_list(&r.tags),
            version: r.version,
            downloads: r.downloads,
            files: current,
            versions,
            published_at: r.published_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        });
    }
    Ok(out)
}

fn one_view(
    conn: &mut DbConn,
    settings: &crate::config::Settings,
    row: Resource,
) -> AppResult<ResourceView> {
    views(conn, settings, vec![row])?
        .pop()
        .ok_or_else(|| AppError::internal("resource not read back"))
}

/// Shares a resource in the name of a local organisation.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    meta: ResourceMeta,
    uploaded: Vec<UploadedFile>,
) -> AppResult<ResourceView> {
    let author = account_of(caller)?.clone();
    if uploaded.is_empty() {
        return Err(
            AppError::invalid("file: a resource needs at least one file")
                .says("refused.file_required", &[]),
        );
    }
    let (caller, slug, settings) = (caller.clone(), slug.to_string(), state.settings.clone());
    let store = state.files.clone();
    let view = state
        .db
        .run(move |conn| {
            let org = local_org(conn, &slug)?;
            if !may_share(conn, &caller, org.id)? {
                return Err(AppError::forbidden(
                    "only members of the organisation share resources in its name",
                )
                .says("refused.not_member_share", &[]));
            }
            let (content, note) = check(meta, 1)?;
            let public_id = new_public_id();
            let url = settings.url(&format!("/resources/{public_id}"));
            let now = content.updated_at;
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
                let files = new_files(conn, &store, &uploaded)?;
                let row = rows::insert(conn, &identity, &content)?;
                rows::add_version(conn, row.id, 1, &note, &files, now)?;
                resource_relay::enqueue(conn, &row, &org, Change::Create, &settings)?;
                tracing::info!(resource = %row.ap_id, organisation = %org.slug, "resource shared");
                one_view(conn, &settings, row)
            })
        })
        .await?;
    send::wake();
    Ok(view)
}

/// Whether the caller changes a local resource: its author while still a
/// member, or a manager of the organisation.
fn may_change(conn: &mut DbConn, caller: &Caller, row: &Resource) -> AppResult<Organisation> {
    if !row.local {
        return Err(
            AppError::forbidden("this resource was shared on another instance")
                .says("refused.resource_remote", &[]),
        );
    }
    let org = organisations::by_id(conn, row.organisation_id)?;
    let is_author = caller.account_id().is_some() && caller.account_id() == row.author_account_id;
    // A manager, or its author while a member there: one read of roles.
    if holds_right(conn, caller, org.id, |_| is_author)? {
        Ok(org)
    } else {
        Err(
            AppError::forbidden("only its author or the organisation's admins change a resource")
                .says("refused.resource_not_yours", &[]),
        )
    }
}

/// Adds a version: new files (or the current ones again when none are
/// given) and any changed description. Earlier versions stay.
pub async fn add_version(
    state: &AppState,
    caller: &Caller,
    key: &str,
    meta: VersionMeta,
    uploaded: Vec<UploadedFile>,
) -> AppResult<ResourceView> {
    let (caller, key, settings) = (caller.clone(), key.to_string(), state.settings.clone());
    let store = state.files.clone();
    let view = state
        .db
        .run(move |conn| {
            let row = by_key(conn, &key)?;
            let org = may_change(conn, &caller, &row)?;
            let merged = ResourceMeta {
                title: meta.title.unwrap_or(row.title.clone()),
                description: meta.description.unwrap_or(row.description.clone()),
                licence: Some(meta.licence.unwrap_or(row.licence.clone())),
                levels: meta.levels.unwrap_or_else(|| split_list(&row.levels)),
                subjects: meta.subjects.unwrap_or_else(|| split_list(&row.subjects)),
                tags: meta.tags.unwrap_or_else(|| split_list(&row.tags)),
                note: meta.note,
            };
            let version = row.version + 1;
            let (content, note) = check(merged, version)?;
            db::transaction(conn, |conn| {
                let files = if uploaded.is_empty() {
                    rows::files_of(conn, &[row.id])?
                        .into_iter()
                        .filter(|f| f.version == row.version)
                        .map(|f| NewFile {
                            name: f.name,
                            sha256: f.sha256,
                            media_type: f.media_type,
                            size: f.size,
                            remote_url: None,
                        })
                        .collect()
                } else {
                    new_files(conn, &store, &uploaded)?
                };
                let updated = rows::update_content(conn, row.id, &content)?;
                rows::add_version(conn, row.id, version, &note, &files, content.updated_at)?;
                resource_relay::enqueue(conn, &updated, &org, Change::Update, &settings)?;
                tracing::info!(resource = %updated.ap_id, version, "resource version added");
                one_view(conn, &settings, updated)
            })
        })
        .await?;
    send::wake();
    Ok(view)
}

/// Deletes a local resource: followers get `Delete`, its id stays a
/// tombstone. Its files stay stored if another version or resource uses
/// them.
pub async fn delete(state: &AppState, caller: &Caller, key: &str) -> AppResult<()> {
    let (caller, key, settings) = (caller.clone(), key.to_string(), state.settings.clone());
    state
        .db
        .run(move |conn| {
            let row = by_key(conn, &key)?;
            let org = may_change(conn, &caller, &row)?;
            db::transaction(conn, |conn| {
                resource_relay::enqueue(conn, &row, &org, Change::Delete, &settings)?;
                db::tombstones::bury(conn, &row.ap_id, &row.author_ap_id)?;
                rows::delete(conn, row.id)?;
                tracing::info!(resource = %row.ap_id, "resource deleted");
                Ok::<_, AppError>(())
            })
        })
        .await?;
    send::wake();
    Ok(())
}

fn organisation_ref(org: &OrganisationName) -> OrganisationRef {
    OrganisationRef {
        id: org.ap_id.clone(),
        slug: org.slug.clone(),
        name: org.name.clone(),
        domain: org.domain.clone(),
    }
}

fn licence_view(licence: String) -> LicenceView {
    LicenceView {
        label: vocabulary::licence_label(&licence).to_string(),
        all_rights_reserved: licence == vocabulary::ALL_RIGHTS_RESERVED,
        id: licence,
    }
}

/// One resource, when the viewer may see its organisation (404 otherwise).
pub async fn get(state: &AppState, viewer: Viewer, key: &str) -> AppResult<ResourceView> {
    let (key, settings) = (key.to_string(), state.settings.clone());
    state
        .db
        .read(move |conn| {
            let row = by_key(conn, &key)?;
            let org = organisations::by_id(conn, row.organisation_id)?;
            if !viewer.visible().contains(&org.visibility.as_str()) {
                return Err(AppError::not_found("resource"));
            }
            one_view(conn, &settings, row)
        })
        .await
}

/// Resolves an organisation given by local slug, `slug@domain` or actor id.
fn organisation_id(conn: &mut DbConn, key: &str) -> AppResult<i64> {
    let found = if key.starts_with("http://") || key.starts_with("https://") {
        organisations::by_ap_id(conn, key)?
    } else if let Some((slug, domain)) = key.split_once('@') {
        organisations::by_slug_and_domain(conn, slug, domain)?
    } else {
        organisations::local_by_slug(conn, key)?
    };
    found
        .map(|o| o.id)
        .ok_or_else(|| AppError::not_found("organisation"))
}

/// Searches local and remote resources, newest first.
pub async fn search(
    state: &AppState,
    viewer: Viewer,
    query: ResourceQuery,
) -> AppResult<Page<ResourceView>> {
    search_as(state, viewer, query, views).await
}

/// A resource as the library's list shows it: none of its files and
/// versions, which are two more queries and most of a result's size.
#[derive(Debug)]
pub struct ResourceLine {
    pub key: String,
    pub title: String,
    pub local: bool,
    pub organisation: OrganisationRef,
    pub licence: LicenceView,
    pub downloads: i64,
}

/// [`search`], as lines of the library's list.
pub async fn library(
    state: &AppState,
    viewer: Viewer,
    query: ResourceQuery,
) -> AppResult<Page<ResourceLine>> {
    search_as(state, viewer, query, |conn, _, rows| lines(conn, rows)).await
}

fn lines(conn: &mut DbConn, resources: Vec<Resource>) -> AppResult<Vec<ResourceLine>> {
    let org_ids: Vec<i64> = resources.iter().map(|r| r.organisation_id).collect();
    let orgs: HashMap<i64, OrganisationName> = organisations::names_by_ids(conn, &org_ids)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    resources
        .into_iter()
        .map(|r| {
            let org = orgs
                .get(&r.organisation_id)
                .ok_or_else(|| AppError::internal("resource without its organisation"))?;
            Ok(ResourceLine {
                key: r.public_id,
                title: r.title,
                local: r.local,
                organisation: organisation_ref(org),
                licence: licence_view(r.licence),
                downloads: r.downloads,
            })
        })
        .collect()
}

/// The search itself, with `make` turning the rows found into what the
/// caller lists.
async fn search_as<T: Send + 'static>(
    state: &AppState,
    viewer: Viewer,
    query: ResourceQuery,
    make: fn(&mut DbConn, &crate::config::Settings, Vec<Resource>) -> AppResult<Vec<T>>,
) -> AppResult<Page<T>> {
    let (before, limit) = PageRequest {
        cursor: query.cursor.clone(),
        limit: query.limit.or(Some(20)),
    }
    .bounds()?;
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let mut search = rows::Search {
        terms: given(&query.q).map(|q| text::terms(&q)).unwrap_or_default(),
        licence: given(&query.licence)
            .map(|l| vocabulary::licence(&l).map(str::to_string))
            .transpose()
            .map_err(|e| filter_refused(e, "licence", &query.licence))?,
        level: given(&query.level)
            .map(|l| vocabulary::level(&l).map(str::to_string))
            .transpose()
            .map_err(|e| filter_refused(e, "level", &query.level))?,
        subject: given(&query.subject)
            .map(|s| vocabulary::keyword("subject", &s))
            .transpose()
            .map_err(|e| filter_refused(e, "subject", &query.subject))?,
        tag: given(&query.tag)
            .map(|s| vocabulary::keyword("tag", &s))
            .transpose()
            .map_err(|e| filter_refused(e, "tag", &query.tag))?,
        local: match given(&query.origin).as_deref() {
            None => None,
            Some("local") => Some(true),
            Some("remote") => Some(false),
            Some(other) => {
                return Err(AppError::invalid(format!(
                    "origin: `{other}` is not `local` or `remote`"
                ))
                .says(
                    "refused.filter_invalid",
                    &[("field", &"origin"), ("value", &other)],
                ));
            }
        },
        visibilities: viewer.visible(),
        ..rows::Search::default()
    };
    let organisation = given(&query.organisation);
    let settings = state.settings.clone();
    state
        .db
        .read(move |conn| {
            if let Some(key) = organisation {
                search.organisation_id = Some(organisation_id(conn, &key)?);
            }
            let rows = rows::search(conn, &search, before, limit + 1)?;
            Page::try_from_rows_with(rows, limit, |r| r.id, |rows| make(conn, &settings, rows))
        })
        .await
}

/// Removes stored files that nothing records (an upload that failed).
pub async fn discard_unrecorded(state: &AppState, uploaded: &[UploadedFile]) {
    for file in uploaded {
        let sha256 = file.stored.sha256.clone();
        let recorded = state
            .db
            .run(move |conn| Ok::<_, AppError>(crate::db::files::get(conn, &sha256)?.is_some()))
            .await;
        if let Ok(false) = recorded
            && let Err(e) = state.files.delete(&file.stored.sha256).await
        {
            tracing::warn!(error = %e, "an unused upload was not removed");
        }
    }
}

/// The local organisations an account may share resources for.
pub async fn shareable_organisations(
    state: &AppState,
    caller: &Caller,
    also: Option<String>,
) -> AppResult<Vec<(String, String)>> {
    account_of(caller)?;
    super::organisations::choices(state, caller, also, may_share).await
}

/// Whether a caller may add versions to a resource and delete it.
pub async fn may_edit(state: &AppState, caller: &Caller, key: &str) -> AppResult<bool> {
    let (caller, key) = (caller.clone(), key.to_string());
    state
        .db
        .read(move |conn| {
            let row =
                rows::by_public_id(conn, &key)?.ok_or_else(|| AppError::not_found("resource"))?;
            Ok(may_change(conn, &caller, &row).is_ok())
        })
        .await
}

/// A search filter the vocabulary does not know.
fn filter_refused(message: String, field: &'static str, value: &Option<String>) -> AppError {
    AppError::invalid(message).says(
        "refused.filter_invalid",
        &[
            ("field", &field),
            ("value", &value.as_deref().unwrap_or("")),
        ],
    )
}
