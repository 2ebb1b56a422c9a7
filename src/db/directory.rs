//! Directory search over organisations and people: one query per kind of
//! entry, with the full-text match the only part written per backend
//! (SQLite FTS5, PostgreSQL `tsvector`). Both index `search_text`, folded by
//! the application, so a query matches the same rows on both.
//!
//! Results come in name order. A query matching a few thousand rows takes
//! their ids from the full-text index and sorts them; a broader one ("ecole"
//! matches most schools) reads the name-ordered index and tests each row's
//! words until the page is full, which sorting every match would not
//! allow at this speed.

use diesel::{
    dsl::sql,
    expression::BoxableExpression,
    prelude::*,
    result::QueryResult,
    sql_types::{Bool, Text},
};

use super::{
    DbConn,
    accounts::Account,
    connection::MultiBackend,
    one_of,
    organisations::Organisation,
    schema::{accounts, memberships, organisations},
};

/// Where an entry comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Origin {
    #[default]
    Any,
    Local,
    Remote,
    Domain(String),
}

/// A search of organisations. Text terms are folded words (see
/// `directory::text::terms`); every term must match, as a word prefix.
#[derive(Debug, Clone, Default)]
pub struct OrganisationSearch {
    pub terms: Vec<String>,
    pub kind: Option<String>,
    /// Folded commune name (`commune_key`) or a five-digit postal code.
    pub commune: Option<String>,
    /// A normalised department code.
    pub department: Option<String>,
    /// Direct children of this organisation (a circonscription's schools).
    pub parent_id: Option<i64>,
    pub uai: Option<String>,
    pub origin: Origin,
    pub include_closed: bool,
    /// The `visibility` values the viewer sees.
    pub visibilities: Vec<&'static str>,
    /// Above how many text matches the name-ordered path is taken
    /// (`CANDIDATES` when `None`; tests lower it to compare both paths).
    pub candidates: Option<usize>,
}

/// A search of people (local accounts).
#[derive(Debug, Clone, Default)]
pub struct PeopleSearch {
    pub terms: Vec<String>,
    pub role: Option<String>,
    pub organisation_id: Option<i64>,
    /// The visibility values the viewer sees: an entry shows when its
    /// `name_visibility` is among them, and the role and organisation
    /// filters only look at people whose roles the viewer may see.
    pub visibilities: Vec<&'static str>,
    pub candidates: Option<usize>,
}

/// At most this many full-text matches are sorted by name; a broader
/// query is answered from the name-ordered index instead.
const CANDIDATES: usize = 2_000;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The ids of the rows of `table` matching every term (each a word
/// prefix), from the backend's full-text index; `None` when there are more
/// than `CANDIDATES`.
fn matching_ids(
    conn: &mut DbConn,
    table: &str,
    terms: &[String],
    candidates: Option<usize>,
) -> QueryResult<Option<Vec<i64>>> {
    let candidates = candidates.unwrap_or(CANDIDATES);
    let limit = candidates + 1;
    let rows: Vec<Id> = match conn {
        DbConn::Sqlite(c) => {
            // FTS5: `"ecole"* "jules"*`, each a quoted prefix, all required.
            let query = terms
                .iter()
                .map(|t| format!("\"{t}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            diesel::sql_query(format!(
                "SELECT rowid AS id FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT {limit}"
            ))
            .bind::<Text, _>(query)
            .load(c)?
        }
        DbConn::Postgres(c) => {
            let query = tsquery(terms);
            diesel::sql_query(format!(
                "SELECT id FROM {table} WHERE search_vector @@ to_tsquery('simple', $1) LIMIT {limit}"
            ))
            .bind::<Text, _>(query)
            .load(c)?
        }
    };
    Ok((rows.len() <= candidates).then(|| rows.into_iter().map(|r| r.id).collect()))
}

/// The same test as the full-text index, row by row, for the broad
/// queries that read the name-ordered index and stop at the page's end.
/// SQLite tests the folded words with `LIKE`; PostgreSQL uses the stored
/// `tsvector`, whose statistics tell its planner that the match is broad
/// (a `LIKE` on an expression it would take for a rare one, and sort
/// every row).
fn has_words<T>(conn: &DbConn, table: &str, terms: &[String]) -> Vec<Predicate<T>> {
    match conn {
        DbConn::Sqlite(_) => terms
            .iter()
            .map(|t| -> Predicate<T> {
                Box::new(
                    sql::<Bool>(&format!("(' ' || {table}.search_text) LIKE "))
                        .bind::<Text, _>(format!("% {t}%")),
                )
            })
            .collect(),
        DbConn::Postgres(_) => vec![Box::new(
            sql::<Bool>(&format!("{table}.search_vector @@ to_tsquery('simple', "))
                .bind::<Text, _>(tsquery(terms))
                .sql(")"),
        )],
    }
}

/// `ecole:* & jules:*`: every term as a prefix.
fn tsquery(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("{t}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

type Predicate<T> = Box<dyn BoxableExpression<T, MultiBackend, SqlType = Bool>>;

/// One page of organisations, by name, from `offset`.
pub fn search_organisations(
    conn: &mut DbConn,
    search: &OrganisationSearch,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Organisation>> {
    let mut query = organisations::table
        .filter(one_of(organisations::visibility, &search.visibilities))
        .select(Organisation::as_select())
        // The folded name comes first in `search_text`: name order, accents ignored.
        .order((organisations::search_text.asc(), organisations::id.asc()))
        .offset(offset)
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if !search.terms.is_empty() {
        match matching_ids(conn, "organisations", &search.terms, search.candidates)? {
            Some(ids) => query = query.filter(one_of(organisations::id, &ids)),
            None => {
                for words in has_words(conn, "organisations", &search.terms) {
                    query = query.filter(words);
                }
            }
        }
    }
    if let Some(kind) = &search.kind {
        query = query.filter(organisations::kind.eq(kind.clone()));
    }
    if let Some(commune) = &search.commune {
        query = if commune.len() == 5 && commune.bytes().all(|b| b.is_ascii_digit()) {
            query.filter(organisations::postal_code.eq(commune.clone()))
        } else {
            query.filter(organisations::commune_key.eq(commune.clone()))
        };
    }
    if let Some(department) = &search.department {
        query = query.filter(organisations::department_code.eq(department.clone()));
    }
    if let Some(parent) = search.parent_id {
        query = query.filter(organisations::parent_id.eq(parent));
    }
    if let Some(uai) = &search.uai {
        query = query.filter(organisations::uai.eq(uai.clone()));
    }
    if !search.include_closed {
        query = query.filter(organisations::closed.eq(false));
    }
    query = match &search.origin {
        Origin::Any => query,
        Origin::Local => query.filter(organisations::local.eq(true)),
        Origin::Remote => query.filter(organisations::local.eq(false)),
        Origin::Domain(domain) => query.filter(organisations::domain.eq(domain.clone())),
    };
    query.load(conn)
}

/// One page of people, by name, from `offset`.
pub fn search_people(
    conn: &mut DbConn,
    search: &PeopleSearch,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Account>> {
    let mut query = accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::disabled.eq(false))
        .filter(one_of(accounts::name_visibility, &search.visibilities))
        .select(Account::as_select())
        .order((accounts::search_text.asc(), accounts::id.asc()))
        .offset(offset)
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if !search.terms.is_empty() {
        match matching_ids(conn, "accounts", &search.terms, search.candidates)? {
            Some(ids) => query = query.filter(one_of(accounts::id, &ids)),
            None => {
                for words in has_words(conn, "accounts", &search.terms) {
                    query = query.filter(words);
                }
            }
        }
    }
    let members: Option<Predicate<accounts::table>> =
        match (search.role.clone(), search.organisation_id) {
            (Some(role), Some(org)) => Some(Box::new(
                accounts::id.eq_any(
                    memberships::table
                        .filter(memberships::role.eq(role))
                        .filter(memberships::organisation_id.eq(org))
                        .select(memberships::account_id),
                ),
            )),
            (Some(role), None) => Some(Box::new(
                accounts::id.eq_any(
                    memberships::table
                        .filter(memberships::role.eq(role))
                        .select(memberships::account_id),
                ),
            )),
            (None, Some(org)) => Some(Box::new(
                accounts::id.eq_any(
                    memberships::table
                        .filter(memberships::organisation_id.eq(org))
                        .select(memberships::account_id),
                ),
            )),
            (None, None) => None,
        };
    if let Some(members) = members {
        query = query
            .filter(one_of(accounts::roles_visibility, &search.visibilities))
            .filter(members);
    }
    query.load(conn)
}
