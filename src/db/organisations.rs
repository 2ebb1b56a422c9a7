//! Rows of `organisations`: academies, departments, circonscriptions,
//! schools and services, local and remote.

use super::Stamp;
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, one_of, schema::organisations};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: i64,
    pub slug: String,
    pub domain: String,
    pub local: bool,
    pub ap_id: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub kind: String,
    pub name: String,
    pub uai: Option<String>,
    pub parent_id: Option<i64>,
    pub description: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub approve_followers: bool,
    pub closed: bool,
    pub public_key: Option<String>,
    pub private_key: Option<String>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub last_refreshed_at: NaiveDateTime,
    pub visibility: String,
    pub department_code: Option<String>,
    /// A JSON object of the national directory's other columns.
    pub attributes: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub slug: &'a str,
    pub domain: &'a str,
    pub local: bool,
    pub ap_id: &'a str,
    pub inbox_url: &'a str,
    pub shared_inbox_url: Option<&'a str>,
    pub kind: &'a str,
    pub name: &'a str,
    pub uai: Option<&'a str>,
    pub parent_id: Option<i64>,
    pub description: &'a str,
    pub address: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub city: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub website: Option<&'a str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub approve_followers: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_refreshed_at: NaiveDateTime,
    pub visibility: &'a str,
    pub department_code: Option<&'a str>,
    pub attributes: &'a str,
}

/// Fields an update may change; `None` leaves a field as it is, `Some(None)`
/// clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub uai: Option<Option<String>>,
    pub parent_id: Option<Option<i64>>,
    pub description: Option<String>,
    pub address: Option<Option<String>>,
    pub postal_code: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    pub approve_followers: Option<bool>,
    pub closed: Option<bool>,
    pub visibility: Option<String>,
    pub department_code: Option<Option<String>>,
    pub attributes: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

impl OrganisationChanges {
    /// Whether the change touches what search indexes.
    fn touches_search(&self) -> bool {
        self.name.is_some()
            || self.uai.is_some()
            || self.city.is_some()
            || self.postal_code.is_some()
    }
}

/// The words an organisation is found by, and its commune as filters
/// compare it.
fn search_columns(
    name: &str,
    slug: &str,
    uai: Option<&str>,
    city: Option<&str>,
    postal_code: Option<&str>,
) -> (String, Option<String>) {
    use crate::directory::text;
    (
        text::search_text([Some(name), Some(slug), uai, city, postal_code]),
        city.map(text::words),
    )
}

fn search_columns_of(new: &NewOrganisation<'_>) -> (String, Option<String>) {
    search_columns(new.name, new.slug, new.uai, new.city, new.postal_code)
}

pub fn insert(conn: &mut DbConn, new: &NewOrganisation<'_>) -> QueryResult<Organisation> {
    let (words, commune) = search_columns_of(new);
    diesel::insert_into(organisations::table)
        .values((
            new,
            organisations::search_text.eq(&words),
            organisations::commune_key.eq(&commune),
        ))
        .returning(columns::<Organisation>())
        .fetch_one(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Organisation> {
    organisations::table
        .find(id)
        .select(columns::<Organisation>())
        .fetch_first(conn)
}

/// The row id of a local organisation, for checks that need nothing else.
pub fn local_id_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    organisations::table
        .filter(organisations::local.eq(true))
        .filter(organisations::slug.eq(slug))
        .select(organisations::id)
        .fetch_first(conn)
        .optional()
}

pub fn local_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::local.eq(true))
        .filter(organisations::slug.eq(slug))
        .select(columns::<Organisation>())
        .fetch_first(conn)
        .optional()
}

/// Local organisations with one of `visibilities`, after `after_id`, by
/// id, for cursor pagination (the API's list and the `/directory`
/// collection).
pub fn list(
    conn: &mut DbConn,
    visibilities: &[&str],
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<Organisation>> {
    organisations::table
        .filter(organisations::local.eq(true))
        .filter(one_of(organisations::visibility, visibilities))
        .filter(organisations::id.gt(after_id))
        .order(organisations::id.asc())
        .limit(limit)
        .select(columns::<Organisation>())
        .fetch(conn)
}

/// Local organisations as (slug, name), in name order with accents
/// ignored, at most `limit`: what a form offers to pick from.
pub fn local_names(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(String, String)>> {
    organisations::table
        .filter(organisations::local.eq(true))
        .order((organisations::search_text.asc(), organisations::id.asc()))
        .limit(limit)
        .select((organisations::slug, organisations::name))
        .fetch(conn)
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    changes: &OrganisationChanges,
) -> QueryResult<Organisation> {
    let org = diesel::update(organisations::table.find(id))
        .set(changes)
        .returning(columns::<Organisation>())
        .fetch_one::<Organisation>(conn)?;
    if changes.touches_search() {
        let (words, commune) = search_columns(
            &org.name,
            &org.slug,
            org.uai.as_deref(),
            org.city.as_deref(),
            org.postal_code.as_deref(),
        );
        diesel::update(organisations::table.find(id))
            .set((
                organisations::search_text.eq(words),
                organisations::commune_key.eq(commune),
            ))
            .exec(conn)?;
    }
    Ok(org)
}

pub fn slug_taken(conn: &mut DbConn, domain: &str, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisations::table
            .filter(organisations::domain.eq(domain))
            .filter(organisations::slug.eq(slug)),
    ))
    .fetch_one(conn)
}

pub fn uai_taken(conn: &mut DbConn, domain: &str, uai: &str, except_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisations::table
            .filter(organisations::domain.eq(domain))
            .filter(organisations::uai.eq(uai))
            .filter(organisations::id.ne(except_id)),
    ))
    .fetch_one(conn)
}

/// The ids of an organisation's ancestors, nearest first; stops on a cycle.
pub fn ancestor_ids(conn: &mut DbConn, id: i64) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::new();
    let mut current = organisations::table
        .find(id)
        .select(organisations::parent_id)
        .fetch_first::<Option<i64>>(conn)?;
    while let Some(parent) = current {
        if parent == id || ids.contains(&parent) {
            break;
        }
        ids.push(parent);
        current = organisations::table
            .find(parent)
            .select(organisations::parent_id)
            .fetch_first::<Option<i64>>(conn)
            .optional()?
            .flatten();
    }
    Ok(ids)
}

pub fn by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::ap_id.eq(ap_id))
        .select(columns::<Organisation>())
        .fetch_first(conn)
        .optional()
}

/// Stores a remote organisation, or refreshes the copy we have.
pub fn upsert_remote(conn: &mut DbConn, new: &NewOrganisation<'_>) -> QueryResult<Organisation> {
    let (words, commune) = search_columns_of(new);
    diesel::insert_into(organisations::table)
        .values((
            new,
            organisations::search_text.eq(&words),
            organisations::commune_key.eq(&commune),
        ))
        .on_conflict(organisations::ap_id)
        .do_update()
        .set((
            organisations::search_text.eq(&words),
            organisations::commune_key.eq(&commune),
            organisations::visibility.eq(new.visibility),
            organisations::department_code.eq(new.department_code),
            organisations::parent_id.eq(new.parent_id),
            organisations::name.eq(new.name),
            organisations::kind.eq(new.kind),
            organisations::uai.eq(new.uai),
            organisations::description.eq(new.description),
            organisations::inbox_url.eq(new.inbox_url),
            organisations::shared_inbox_url.eq(new.shared_inbox_url),
            organisations::address.eq(new.address),
            organisations::postal_code.eq(new.postal_code),
            organisations::city.eq(new.city),
            organisations::phone.eq(new.phone),
            organisations::email.eq(new.email),
            organisations::website.eq(new.website),
            organisations::approve_followers.eq(new.approve_followers),
            organisations::updated_at.eq(new.updated_at),
            organisations::last_refreshed_at.eq(new.last_refreshed_at),
        ))
        .returning(columns::<Organisation>())
        .fetch_one(conn)
}

pub fn set_parent(conn: &mut DbConn, id: i64, parent_id: i64) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set(organisations::parent_id.eq(parent_id))
        .exec(conn)
}

pub fn set_public_key(conn: &mut DbConn, id: i64, public_key: &str) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set(organisations::public_key.eq(public_key))
        .exec(conn)
}

/// Stores a key pair unless one is already there; returns the row after.
pub fn set_keys_if_missing(
    conn: &mut DbConn,
    id: i64,
    public_key: &str,
    private_key: &str,
) -> QueryResult<Organisation> {
    diesel::update(
        organisations::table
            .find(id)
            .filter(organisations::private_key.is_null()),
    )
    .set((
        organisations::public_key.eq(public_key),
        organisations::private_key.eq(private_key),
    ))
    .exec(conn)?;
    by_id(conn, id)
}

pub fn by_slug_and_domain(
    conn: &mut DbConn,
    slug: &str,
    domain: &str,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::slug.eq(slug))
        .filter(organisations::domain.eq(domain))
        .select(columns::<Organisation>())
        .fetch_first(conn)
        .optional()
}

/// What lists show of an organisation, without its profile and keys.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationName {
    pub id: i64,
    pub ap_id: String,
    pub slug: String,
    pub name: String,
    pub domain: String,
    pub local: bool,
}

pub fn names_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<OrganisationName>> {
    organisations::table
        .filter(one_of(organisations::id, ids))
        .select(columns::<OrganisationName>())
        .fetch(conn)
}

/// What an organisation's page shows of each of its children.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct Child {
    pub slug: String,
    pub domain: String,
    pub local: bool,
    pub kind: String,
    pub name: String,
    pub uai: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
}

/// The open children of `parent_id` with one of `visibilities`, in name
/// order with accents ignored (`organisations_children_idx`), at most
/// `limit`.
pub fn children_of(
    conn: &mut DbConn,
    parent_id: i64,
    visibilities: &[&str],
    limit: i64,
) -> QueryResult<Vec<Child>> {
    organisations::table
        .filter(organisations::parent_id.eq(parent_id))
        .filter(organisations::closed.eq(false))
        .filter(one_of(organisations::visibility, visibilities))
        .order((organisations::search_text.asc(), organisations::id.asc()))
        .limit(limit)
        .select(columns::<Child>())
        .fetch(conn)
}

/// How many local organisations have one of `visibilities`.
pub fn count_local(conn: &mut DbConn, visibilities: &[&str]) -> QueryResult<i64> {
    organisations::table
        .filter(organisations::local.eq(true))
        .filter(one_of(organisations::visibility, visibilities))
        .count()
        .fetch_one(conn)
}
