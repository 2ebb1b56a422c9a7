//! Rows of `resources`, `resource_versions`, `resource_files` and
//! `mirrored_domains`: shared teaching resources published here or by
//! followed organisations elsewhere, every version's files, and the peers
//! whose files this instance keeps a copy of.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{
    DbConn, one_of,
    schema::{mirrored_domains, organisations, resource_files, resource_versions, resources},
    words::Words,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = resources)]
pub struct Resource {
    pub id: i64,
    pub public_id: String,
    pub ap_id: String,
    pub local: bool,
    pub organisation_id: i64,
    pub author_ap_id: String,
    pub author_name: String,
    pub author_account_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub licence: String,
    pub levels: String,
    pub subjects: String,
    pub tags: String,
    pub version: i32,
    pub downloads: i64,
    pub url: String,
    #[diesel(deserialize_as = Stamp)]
    pub published_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub received_at: NaiveDateTime,
}

/// The stored form of a list: `''` or `,a,b,`, so that one LIKE finds a
/// value on both backends.
pub fn join_list<S: AsRef<str>>(values: &[S]) -> String {
    if values.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
        format!(",{},", names.join(","))
    }
}

pub fn split_list(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Who published it and where it lives; fixed once created.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = resources)]
pub struct Identity {
    pub public_id: String,
    pub ap_id: String,
    pub local: bool,
    pub organisation_id: i64,
    pub author_ap_id: String,
    pub author_name: String,
    pub author_account_id: Option<i64>,
    pub url: String,
    pub published_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
}

/// What a new version may change.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = resources)]
pub struct Content {
    pub title: String,
    pub description: String,
    pub licence: String,
    pub levels: String,
    pub subjects: String,
    pub tags: String,
    pub version: i32,
    pub search_text: String,
    pub updated_at: NaiveDateTime,
}

impl Content {
    /// The folded words a resource is found by.
    pub fn words(title: &str, description: &str, subjects: &str, tags: &str) -> String {
        crate::directory::text::search_text([
            Some(title),
            Some(description),
            Some(&subjects.replace([',', '-'], " ")),
            Some(&tags.replace([',', '-'], " ")),
        ])
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = resource_files)]
pub struct File {
    pub id: i64,
    pub resource_id: i64,
    pub version: i32,
    pub position: i32,
    pub name: String,
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    pub remote_url: Option<String>,
    pub mirrored: bool,
    pub downloads: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub name: String,
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    pub remote_url: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = resource_versions)]
pub struct Version {
    pub id: i64,
    pub resource_id: i64,
    pub version: i32,
    pub note: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, identity: &Identity, content: &Content) -> QueryResult<Resource> {
    diesel::insert_into(resources::table)
        .values((identity, content))
        .returning(columns::<Resource>())
        .fetch_one(conn)
}

pub fn update_content(conn: &mut DbConn, id: i64, content: &Content) -> QueryResult<Resource> {
    diesel::update(resources::table.find(id))
        .set(content)
        .returning(columns::<Resource>())
        .fetch_one(conn)
}

/// Records version `version` of a resource with its files. A version
/// already recorded (a repeated remote `Update`) is left as it is.
pub fn add_version(
    conn: &mut DbConn,
    resource_id: i64,
    version: i32,
    note: &str,
    files: &[NewFile],
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let exists = diesel::select(diesel::dsl::exists(
        resource_versions::table
            .filter(resource_versions::resource_id.eq(resource_id))
            .filter(resource_versions::version.eq(version)),
    ))
    .fetch_one::<bool>(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(resource_versions::table)
        .values((
            resource_versions::resource_id.eq(resource_id),
            resource_versions::version.eq(version),
            resource_versions::note.eq(note),
            resource_versions::created_at.eq(at),
        ))
        .exec(conn)?;
    let rows: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                resource_files::resource_id.eq(resource_id),
                resource_files::version.eq(version),
                resource_files::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                resource_files::name.eq(&f.name),
                resource_files::sha256.eq(&f.sha256),
                resource_files::media_type.eq(&f.media_type),
                resource_files::size.eq(f.size),
                resource_files::remote_url.eq(&f.remote_url),
                resource_files::mirrored.eq(false),
            )
        })
        .collect();
    diesel::insert_into(resource_files::table)
        .values(&rows)
        .exec(conn)?;
    Ok(true)
}

pub fn by_public_id(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<Resource>> {
    resources::table
        .filter(resources::public_id.eq(public_id))
        .select(columns::<Resource>())
        .fetch_first(conn)
        .optional()
}

pub fn by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<Resource>> {
    resources::table
        .filter(resources::ap_id.eq(ap_id))
        .select(columns::<Resource>())
        .fetch_first(conn)
        .optional()
}

/// The versions of some resources, newest first within each.
pub fn versions_of(conn: &mut DbConn, resource_ids: &[i64]) -> QueryResult<Vec<Version>> {
    resource_versions::table
        .filter(one_of(resource_versions::resource_id, resource_ids))
        .order((
            resource_versions::resource_id.asc(),
            resource_versions::version.desc(),
        ))
        .select(columns::<Version>())
        .fetch(conn)
}

/// The files of every version of some resources, by version then
/// position.
pub fn files_of(conn: &mut DbConn, resource_ids: &[i64]) -> QueryResult<Vec<File>> {
    resource_files::table
        .filter(one_of(resource_files::resource_id, resource_ids))
        .order((
            resource_files::resource_id.asc(),
            resource_files::version.desc(),
            resource_files::position.asc(),
        ))
        .select(columns::<File>())
        .fetch(conn)
}

/// A file of a resource by its digest (any version).
pub fn file(conn: &mut DbConn, resource_id: i64, sha256: &str) -> QueryResult<Option<File>> {
    resource_files::table
        .filter(resource_files::resource_id.eq(resource_id))
        .filter(resource_files::sha256.eq(sha256))
        .order(resource_files::version.desc())
        .select(columns::<File>())
        .fetch_first(conn)
        .optional()
}

pub fn count_download(conn: &mut DbConn, file: &File) -> QueryResult<()> {
    diesel::update(resource_files::table.find(file.id))
        .set(resource_files::downloads.eq(resource_files::downloads + 1))
        .exec(conn)?;
    diesel::update(resources::table.find(file.resource_id))
        .set(resources::downloads.eq(resources::downloads + 1))
        .exec(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(resources::table.find(id)).exec(conn)
}

/// Removes a remote resource deleted at its origin.
pub fn delete_remote_by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<usize> {
    diesel::delete(
        resources::table
            .filter(resources::ap_id.eq(ap_id))
            .filter(resources::local.eq(false)),
    )
    .exec(conn)
}

/// A search of resources. Every text term must be a word prefix of the
/// title, description, subjects or tags.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub terms: Vec<String>,
    pub licence: Option<String>,
    pub level: Option<String>,
    pub subject: Option<String>,
    pub tag: Option<String>,
    pub organisation_id: Option<i64>,
    /// `Some(true)`: local only; `Some(false)`: remote only.
    pub local: Option<bool>,
    /// The visibilities of the organisations whose resources the viewer
    /// may see.
    pub visibilities: Vec<&'static str>,
}

/// One page of resources, newest first, after `before_id` (0: the first).
pub fn search(
    conn: &mut DbConn,
    search: &Search,
    before_id: i64,
    limit: i64,
) -> QueryResult<Vec<Resource>> {
    crate::per_backend!(conn, |c: DB| {
        let mut query = resources::table
            .select(columns::<Resource>())
            .order(resources::id.desc())
            .limit(limit)
            .into_boxed::<DB>();
        if before_id > 0 {
            query = query.filter(resources::id.lt(before_id));
        }
        if !search.terms.is_empty() {
            query = query.filter(Words::like("resources", &search.terms));
        }
        if let Some(licence) = &search.licence {
            query = query.filter(resources::licence.eq(licence.clone()));
        }
        if let Some(level) = &search.level {
            query = query.filter(resources::levels.like(format!("%,{level},%")));
        }
        if let Some(subject) = &search.subject {
            query = query.filter(resources::subjects.like(format!("%,{subject},%")));
        }
        if let Some(tag) = &search.tag {
            query = query.filter(resources::tags.like(format!("%,{tag},%")));
        }
        if let Some(org) = search.organisation_id {
            query = query.filter(resources::organisation_id.eq(org));
        }
        if let Some(local) = search.local {
            query = query.filter(resources::local.eq(local));
        }
        // Each resource's organisation is looked up by its key as the
        // newest rows are read: `organisation_id IN (SELECT …)` listed every
        // visible organisation first, 66,000 after a national import.
        query
            .filter(diesel::dsl::exists(
                organisations::table
                    .filter(organisations::id.eq(resources::organisation_id))
                    .filter(one_of(organisations::visibility, &search.visibilities)),
            ))
            .load(c)
    })
}

/// Remote files of a mirrored domain that this instance has no copy of.
pub fn files_to_mirror(conn: &mut DbConn, domain: &str, limit: i64) -> QueryResult<Vec<File>> {
    resource_files::table
        .filter(resource_files::mirrored.eq(false))
        .filter(resource_files::remote_url.like(format!("%://{domain}/%")))
        .order(resource_files::id.asc())
        .limit(limit)
        .select(columns::<File>())
        .fetch(conn)
}

pub fn set_mirrored(conn: &mut DbConn, sha256: &str) -> QueryResult<usize> {
    diesel::update(resource_files::table.filter(resource_files::sha256.eq(sha256)))
        .set(resource_files::mirrored.eq(true))
        .exec(conn)
}

pub fn mirrored_domains(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    mirrored_domains::table
        .order(mirrored_domains::domain.asc())
        .select(mirrored_domains::domain)
        .fetch(conn)
}

pub fn is_mirrored_domain(conn: &mut DbConn, domain: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        mirrored_domains::table.filter(mirrored_domains::domain.eq(domain)),
    ))
    .fetch_one(conn)
}

pub fn set_mirrored_domain(conn: &mut DbConn, domain: &str, on: bool) -> QueryResult<()> {
    if on {
        diesel::insert_into(mirrored_domains::table)
            .values((
                mirrored_domains::domain.eq(domain),
                mirrored_domains::created_at.eq(super::now()),
            ))
            .on_conflict_do_nothing()
            .exec(conn)?;
    } else {
        diesel::delete(mirrored_domains::table.filter(mirrored_domains::domain.eq(domain)))
            .exec(conn)?;
    }
    Ok(())
}
