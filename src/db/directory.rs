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

use crate::db::columns;
use diesel::{expression::BoxableExpression, prelude::*, result::QueryResult, sql_types::Bool};

use super::{
    DbConn,
    accounts::Account,
    one_of,
    organisations::Organisation,
    schema::{accounts, memberships, organisations},
    words::{Words, matching_ids},
};

/// What a directory listing shows of an organisation. A search reads these
/// columns only: not the key pair, the description, the search words or the
/// timestamps, which made up most of each row read and decoded.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationListing {
    pub id: i64,
    pub slug: String,
    pub domain: String,
    pub local: bool,
    pub ap_id: String,
    pub kind: String,
    pub name: String,
    pub uai: Option<String>,
    pub parent_id: Option<i64>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub closed: bool,
    pub visibility: String,
    pub department_code: Option<String>,
}

impl From<Organisation> for OrganisationListing {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            slug: o.slug,
            domain: o.domain,
            local: o.local,
            ap_id: o.ap_id,
            kind: o.kind,
            name: o.name,
            uai: o.uai,
            parent_id: o.parent_id,
            address: o.address,
            postal_code: o.postal_code,
            city: o.city,
            phone: o.phone,
            email: o.email,
            website: o.website,
            closed: o.closed,
            visibility: o.visibility,
            department_code: o.department_code,
        }
    }
}

/// What the people directory shows of an account, for the same reason.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct PersonListing {
    pub id: i64,
    pub username: String,
    pub ap_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: String,
    pub roles_visibility: String,
    pub email_visibility: String,
    pub phone_visibility: String,
}

impl From<Account> for PersonListing {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            username: a.username,
            ap_id: a.ap_id,
            display_name: a.display_name,
            email: a.email,
            phone: a.phone,
            job_title: a.job_title,
            roles_visibility: a.roles_visibility,
            email_visibility: a.email_visibility,
            phone_visibility: a.phone_visibility,
        }
    }
}

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

type Predicate<T, DB> = Box<dyn BoxableExpression<T, DB, SqlType = Bool>>;

/// What a search's words ask of the rows.
enum TextMatch {
    /// No words: every row.
    Any,
    /// The rows the full-text index found, few enough to sort.
    Among(Vec<i64>),
    /// Too many to sort: each row's words are tested in name order.
    Broad,
}

impl TextMatch {
    fn of(
        conn: &mut DbConn,
        table: &'static str,
        terms: &[String],
        candidates: Option<usize>,
    ) -> QueryResult<Self> {
        if terms.is_empty() {
            return Ok(Self::Any);
        }
        Ok(
            match matching_ids(conn, table, terms, candidates.unwrap_or(CANDIDATES))? {
                Some(ids) => Self::Among(ids),
                None => Self::Broad,
            },
        )
    }
}

/// One page of organisations, by name, from `offset`.
pub fn search_organisations(
    conn: &mut DbConn,
    search: &OrganisationSearch,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<OrganisationListing>> {
    // Before the query below, which holds the connection.
    let text = TextMatch::of(conn, "organisations", &search.terms, search.candidates)?;
    crate::per_backend!(conn, |c: DB| {
        let mut query = organisations::table
            .filter(one_of(organisations::visibility, &search.visibilities))
            .select(columns::<OrganisationListing>())
            // The folded name comes first in `search_text`: name order, accents ignored.
            .order((organisations::search_text.asc(), organisations::id.asc()))
            .offset(offset)
            .limit(limit)
            .into_boxed::<DB>();
        query = match &text {
            TextMatch::Any => query,
            TextMatch::Among(ids) => query.filter(one_of(organisations::id, ids)),
            TextMatch::Broad => query.filter(Words::vector("organisations", &search.terms)),
        };
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
        query.load(c)
    })
}

/// One page of people, by name, from `offset`.
pub fn search_people(
    conn: &mut DbConn,
    search: &PeopleSearch,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<PersonListing>> {
    // Before the query below, which holds the connection.
    let text = TextMatch::of(conn, "accounts", &search.terms, search.candidates)?;
    crate::per_backend!(conn, |c: DB| {
        let mut query = accounts::table
            .filter(accounts::local.eq(true))
            .filter(accounts::disabled.eq(false))
            .filter(one_of(accounts::name_visibility, &search.visibilities))
            .select(columns::<PersonListing>())
            .order((accounts::search_text.asc(), accounts::id.asc()))
            .offset(offset)
            .limit(limit)
            .into_boxed::<DB>();
        query = match &text {
            TextMatch::Any => query,
            TextMatch::Among(ids) => query.filter(one_of(accounts::id, ids)),
            TextMatch::Broad => query.filter(Words::vector("accounts", &search.terms)),
        };
        let members: Option<Predicate<accounts::table, DB>> =
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
        query.load(c)
    })
}
