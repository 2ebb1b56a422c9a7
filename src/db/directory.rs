//! Directory search over organisations and people: one query per kind of
//! entry, with the full-text match the only part written per backend
//! (SQLite FTS5, PostgreSQL `tsvector`). Both index `search_text`, folded by
//! the application, so a query matches the same rows on both.
//!
//! Results come in name order. A query matching a few thousand rows takes
//! their ids from the full-text index and sorts them. On SQLite a single
//! word is split at the first word instead: the names that begin with it are
//! a range of the name index, the few where it comes later are found by a
//! second full-text index, and both are merged (`TextMatch::Leading`).
//! Anything broader reads the name-ordered index and tests each row's words
//! until the page is full, which sorting every match would not allow at
//! this speed.

use crate::db::columns;
use diesel::{expression::BoxableExpression, prelude::*, result::QueryResult, sql_types::Bool};

use super::{
    DbConn,
    accounts::Account,
    one_of,
    organisations::Organisation,
    schema::{accounts, memberships, organisations},
    words::{Words, later_ids, matching_ids},
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
    /// How the words are matched (tests force each way).
    pub path: TextPath,
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
    pub path: TextPath,
}

/// At most this many full-text matches are sorted by name; a broader
/// query is answered from the name-ordered index instead.
const CANDIDATES: usize = 2_000;

/// How a search with words is answered. `Auto` picks by how many rows
/// match; tests force the others to check that every path gives the same
/// pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextPath {
    #[default]
    Auto,
    /// Take every match from the full-text index and sort them.
    Sorted,
    /// Split on the first word (SQLite; elsewhere `Scan`).
    Leading,
    /// Test each row's words in name order.
    Scan,
}

type Predicate<T, DB> = Box<dyn BoxableExpression<T, DB, SqlType = Bool>>;

/// What a search's words ask of the rows.
enum TextMatch {
    /// No words: every row.
    Any,
    /// The rows the full-text index found, few enough to sort.
    Among(Vec<i64>),
    /// Too many to sort, and most of them start with the first word ("ecole"
    /// matches most schools, whose names begin with it): those are one
    /// range of the name index, read in order and stopped at the page. The
    /// rows where the word comes later (`later`, from a full-text index of
    /// the words after the first) are few; both parts are merged. Reading
    /// the name index from its start instead tested every académie,
    /// circonscription and collège before the first école.
    Leading { later: Vec<i64> },
    /// Too many to sort either way: each row's words are tested in name
    /// order.
    Broad,
}

impl TextMatch {
    fn of(
        conn: &mut DbConn,
        table: &'static str,
        terms: &[String],
        path: TextPath,
    ) -> QueryResult<Self> {
        if terms.is_empty() {
            return Ok(Self::Any);
        }
        let at_most = if path == TextPath::Auto {
            CANDIDATES
        } else {
            usize::MAX - 1
        };
        // The range of the name index needs an ASCII word, which is what
        // `directory::text::terms` makes.
        let leads = terms[0].bytes().all(|b| b.is_ascii_alphanumeric());
        let ways: &[TextPath] = match path {
            // One word: splitting costs no more than sorting, and a broad
            // word is not first counted to the limit in the full-text index.
            TextPath::Auto if terms.len() == 1 => &[TextPath::Leading, TextPath::Sorted],
            // More: the full-text index intersects them, where the range of
            // a broad first word would be read until the others match.
            TextPath::Auto => &[TextPath::Sorted, TextPath::Leading],
            TextPath::Sorted => &[TextPath::Sorted],
            TextPath::Leading => &[TextPath::Leading],
            TextPath::Scan => &[],
        };
        for way in ways {
            match way {
                TextPath::Sorted => {
                    if let Some(ids) = matching_ids(conn, table, terms, at_most)? {
                        return Ok(Self::Among(ids));
                    }
                }
                TextPath::Leading if leads => {
                    if let Some(later) = later_ids(conn, table, &terms[0], at_most)? {
                        return Ok(Self::Leading { later });
                    }
                }
                _ => {}
            }
        }
        Ok(Self::Broad)
    }

    /// The page from `offset`: one query, or two merged by name.
    fn page<T>(
        &self,
        offset: i64,
        limit: i64,
        mut query: impl FnMut(TextFilter<'_>, i64, i64) -> QueryResult<Vec<(String, T)>>,
        id: impl Fn(&T) -> i64,
    ) -> QueryResult<Vec<T>> {
        let filter = match self {
            Self::Any => TextFilter::Any,
            Self::Among(ids) => TextFilter::Ids(ids),
            Self::Broad => TextFilter::Words,
            Self::Leading { later } => {
                // Each part's first `offset + limit` rows hold the page.
                let window = offset.saturating_add(limit);
                let mut rows = query(TextFilter::Leading, 0, window)?;
                // Usually nothing has the word later: no second query then.
                if !later.is_empty() {
                    rows.extend(query(TextFilter::Later(later), 0, window)?);
                }
                rows.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| id(x).cmp(&id(y))));
                let skip = usize::try_from(offset).unwrap_or(usize::MAX);
                let take = usize::try_from(limit).unwrap_or(0);
                return Ok(rows
                    .into_iter()
                    .skip(skip)
                    .take(take)
                    .map(|(_, row)| row)
                    .collect());
            }
        };
        Ok(query(filter, offset, limit)?
            .into_iter()
            .map(|(_, row)| row)
            .collect())
    }
}

/// The text condition of one query.
#[derive(Clone, Copy)]
enum TextFilter<'a> {
    Any,
    Ids(&'a [i64]),
    /// Every term, tested on each row.
    Words,
    /// Rows whose text starts with the first term (one range of the name
    /// index) and holds the others.
    Leading,
    /// Rows among these ids, where the first term is a later word, whose
    /// text does not start with it (those are `Leading`'s) and holds the
    /// others.
    Later(&'a [i64]),
}

/// `[term, successor)`: the texts that start with `term`, an ASCII word
/// (`directory::text::terms`), as a range that an index answers.
fn prefix_range(term: &str) -> (String, String) {
    let mut end = term.to_string();
    // An ASCII letter or digit: the next byte is still one character.
    if let Some(last) = end.pop() {
        end.push(char::from(last as u8 + 1));
    }
    (term.to_string(), end)
}

/// The text condition of one query on `$table` (organisations or
/// accounts: both have `id` and `search_text`). A macro, because each
/// table's columns are types of their own.
macro_rules! filter_text {
    ($query:expr, $text:expr, $terms:expr, $table:ident) => {{
        let (query, terms) = ($query, $terms);
        match $text {
            TextFilter::Any => query,
            TextFilter::Ids(ids) => query.filter(one_of($table::id, ids)),
            TextFilter::Words => query.filter(Words::vector(stringify!($table), terms)),
            TextFilter::Leading => {
                let (from, to) = prefix_range(&terms[0]);
                let query = query
                    .filter($table::search_text.ge(from))
                    .filter($table::search_text.lt(to));
                if terms.len() > 1 {
                    query.filter(Words::like(stringify!($table), &terms[1..]))
                } else {
                    query
                }
            }
            TextFilter::Later(ids) => {
                let (from, to) = prefix_range(&terms[0]);
                let query = query
                    .filter(one_of($table::id, ids))
                    .filter($table::search_text.lt(from).or($table::search_text.ge(to)));
                if terms.len() > 1 {
                    query.filter(Words::like(stringify!($table), &terms[1..]))
                } else {
                    query
                }
            }
        }
    }};
}

/// One page of organisations, by name, from `offset`.
pub fn search_organisations(
    conn: &mut DbConn,
    search: &OrganisationSearch,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<OrganisationListing>> {
    let text = TextMatch::of(conn, "organisations", &search.terms, search.path)?;
    text.page(
        offset,
        limit,
        |filter, offset, limit| organisations_in_order(conn, search, filter, offset, limit),
        |o: &OrganisationListing| o.id,
    )
}

fn organisations_in_order(
    conn: &mut DbConn,
    search: &OrganisationSearch,
    text: TextFilter<'_>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(String, OrganisationListing)>> {
    crate::per_backend!(conn, |c: DB| {
        let mut query = organisations::table
            .filter(one_of(organisations::visibility, &search.visibilities))
            .select((organisations::search_text, columns::<OrganisationListing>()))
            // The folded name comes first in `search_text`: name order, accents ignored.
            .order((organisations::search_text.asc(), organisations::id.asc()))
            .offset(offset)
            .limit(limit)
            .into_boxed::<DB>();
        query = filter_text!(query, text, &search.terms, organisations);
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
    let text = TextMatch::of(conn, "accounts", &search.terms, search.path)?;
    text.page(
        offset,
        limit,
        |filter, offset, limit| people_in_order(conn, search, filter, offset, limit),
        |p: &PersonListing| p.id,
    )
}

fn people_in_order(
    conn: &mut DbConn,
    search: &PeopleSearch,
    text: TextFilter<'_>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(String, PersonListing)>> {
    crate::per_backend!(conn, |c: DB| {
        let mut query = accounts::table
            .filter(accounts::local.eq(true))
            .filter(accounts::disabled.eq(false))
            .filter(one_of(accounts::name_visibility, &search.visibilities))
            .select((accounts::search_text, columns::<PersonListing>()))
            .order((accounts::search_text.asc(), accounts::id.asc()))
            .offset(offset)
            .limit(limit)
            .into_boxed::<DB>();
        query = filter_text!(query, text, &search.terms, accounts);
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

#[cfg(test)]
mod tests {
    use super::prefix_range;

    #[test]
    fn a_prefix_is_the_range_up_to_its_successor() {
        assert_eq!(prefix_range("ecole"), ("ecole".into(), "ecolf".into()));
        // The last letter or digit is the highest of its kind.
        let (from, to) = prefix_range("lycz");
        assert!(from.as_str() < "lycze" && "lycze" < to.as_str() && to.as_str() < "lyd");
        let (from, to) = prefix_range("a9");
        assert!(from.as_str() < "a99" && "a99" < to.as_str() && to.as_str() < "aa");
    }
}
