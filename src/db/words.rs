//! Word-prefix matching on the folded `search_text` columns (directory and
//! resources), written as diesel expressions rather than SQL literals.
//!
//! diesel never keeps a statement that contains an `sql()` literal or an
//! `sql_query` prepared, since their text could change from call to call:
//! every directory search was parsed and planned again (perf,
//! benches/directory_search.rs). These types spell the same SQL for the
//! same table and number of words, so diesel caches them by their text.

use crate::db::Run;
use diesel::{
    expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate},
    pg::Pg,
    query_builder::{AstPass, Query, QueryFragment, QueryId},
    query_dsl::RunQueryDsl,
    result::QueryResult,
    sql_types::{BigInt, Bool, Nullable, Text},
    sqlite::Sqlite,
};

use super::DbConn;

/// How a word is tested on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    /// `LIKE` on both backends.
    Like,
    /// The stored `search_vector` on PostgreSQL, whose statistics tell its
    /// planner how broad the match is (a `LIKE` on an expression it would
    /// take for a rare one, and sort every row); `LIKE` on SQLite.
    Vector,
}

/// Every term is a word prefix in `table.search_text`.
#[derive(Debug, Clone)]
pub struct Words {
    table: &'static str,
    test: Test,
    /// `term%` and `% term%`: at the start, or after a space (two tests,
    /// cheaper than one on a string built for each row).
    patterns: Vec<(String, String)>,
    tsquery: String,
}

impl Words {
    /// Tested with `LIKE` on both backends.
    pub fn like(table: &'static str, terms: &[String]) -> Self {
        Self::new(table, Test::Like, terms)
    }

    /// Tested with `LIKE` on SQLite and with the `tsvector` on PostgreSQL.
    pub fn vector(table: &'static str, terms: &[String]) -> Self {
        Self::new(table, Test::Vector, terms)
    }

    fn new(table: &'static str, test: Test, terms: &[String]) -> Self {
        Self {
            table,
            test,
            patterns: terms
                .iter()
                .map(|t| (format!("{t}%"), format!("% {t}%")))
                .collect(),
            tsquery: tsquery(terms),
        }
    }

    fn walk_like<'b, DB>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<Text>,
        String: diesel::serialize::ToSql<Text, DB>,
    {
        if self.patterns.is_empty() {
            out.push_sql("1 = 1");
        }
        for (n, (start, inside)) in self.patterns.iter().enumerate() {
            if n > 0 {
                out.push_sql(" AND ");
            }
            out.push_sql(&format!("({}.search_text LIKE ", self.table));
            out.push_bind_param::<Text, _>(start)?;
            out.push_sql(&format!(" OR {}.search_text LIKE ", self.table));
            out.push_bind_param::<Text, _>(inside)?;
            out.push_sql(")");
        }
        Ok(())
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

impl Expression for Words {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for Words {}

impl<QS> SelectableExpression<QS> for Words {}

impl<G> ValidGrouping<G> for Words {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for Words {
    type QueryId = ();
    // The SQL depends on the table and the number of words: diesel keys
    // its cache on the text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Sqlite> for Words {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.walk_like(out)
    }
}

impl QueryFragment<Pg> for Words {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match self.test {
            Test::Like => self.walk_like(out),
            Test::Vector => {
                out.push_sql(&format!(
                    "{}.search_vector @@ to_tsquery('simple', ",
                    self.table
                ));
                out.push_bind_param::<Text, _>(&self.tsquery)?;
                out.push_sql(")");
                Ok(())
            }
        }
    }
}

/// The ids of the rows of `table` matching every term (each a word
/// prefix), from the backend's full-text index (SQLite FTS5 `{table}_fts`,
/// PostgreSQL `search_vector`); `None` when there are more than `at_most`.
pub fn matching_ids(
    conn: &mut DbConn,
    table: &'static str,
    terms: &[String],
    at_most: usize,
) -> QueryResult<Option<Vec<i64>>> {
    ids(
        conn,
        Matching {
            table,
            index: Index::Whole,
            fts: fts_terms(terms),
            tsquery: tsquery(terms),
            limit: limit(at_most),
        },
    )
}

/// The ids of the rows of `table` where `term` is a word prefix past the
/// first word (SQLite FTS5 `{table}_later_fts`); `None` when there are more
/// than `at_most`, or on PostgreSQL, whose text search cannot tell where a
/// word stands.
pub fn later_ids(
    conn: &mut DbConn,
    table: &'static str,
    term: &str,
    at_most: usize,
) -> QueryResult<Option<Vec<i64>>> {
    if !matches!(conn, DbConn::Sqlite(_)) {
        return Ok(None);
    }
    ids(
        conn,
        Matching {
            table,
            index: Index::Later,
            fts: format!("\"{term}\"*"),
            tsquery: String::new(),
            limit: limit(at_most),
        },
    )
}

/// FTS5: `"ecole"* "jules"*`, each a quoted prefix, all required.
fn fts_terms(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One more than `at_most`: finding that many means too many.
fn limit(at_most: usize) -> i64 {
    i64::try_from(at_most).unwrap_or(i64::MAX - 1) + 1
}

fn ids(conn: &mut DbConn, query: Matching) -> QueryResult<Option<Vec<i64>>> {
    let limit = query.limit;
    let (found, ids): (i64, Option<String>) = query.fetch_one(conn)?;
    if found == limit {
        return Ok(None);
    }
    ids.unwrap_or_default()
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse().map_err(|_| {
                diesel::result::Error::DeserializationError(
                    format!("the full-text index returned the id `{id}`").into(),
                )
            })
        })
        .collect::<QueryResult<Vec<i64>>>()
        .map(Some)
}

/// One row: how many rows match (at most `limit`) and their ids joined by
/// commas. One row rather than one per id, since a broad query reads up to
/// the limit only to count it.
struct Matching {
    table: &'static str,
    index: Index,
    fts: String,
    tsquery: String,
    limit: i64,
}

/// Which SQLite full-text index of a table.
#[derive(Debug, Clone, Copy)]
enum Index {
    /// `{table}_fts`: all of `search_text`.
    Whole,
    /// `{table}_later_fts`: its words after the first.
    Later,
}

impl Query for Matching {
    type SqlType = (BigInt, Nullable<Text>);
}

impl QueryId for Matching {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Sqlite> for Matching {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        let index = match self.index {
            Index::Whole => format!("{}_fts", self.table),
            Index::Later => format!("{}_later_fts", self.table),
        };
        out.push_sql(&format!(
            "SELECT count(*), group_concat(id) FROM (SELECT rowid AS id FROM {index} \
             WHERE {index} MATCH "
        ));
        out.push_bind_param::<Text, _>(&self.fts)?;
        out.push_sql(" LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<Pg> for Matching {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(&format!(
            "SELECT count(*), string_agg(id::text, ',') FROM (SELECT id FROM {} \
             WHERE search_vector @@ to_tsquery('simple', ",
            self.table
        ));
        out.push_bind_param::<Text, _>(&self.tsquery)?;
        out.push_sql(") LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(") AS matching");
        Ok(())
    }
}

impl RunQueryDsl<diesel::SqliteConnection> for Matching {}
impl RunQueryDsl<diesel::PgConnection> for Matching {}

#[cfg(test)]
mod tests {
    use diesel::{debug_query, query_builder::QueryBuilder};

    use super::*;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_string()).collect()
    }

    /// The SQL diesel keys its cache on, and whether it may cache it.
    fn cached_sql<Q: QueryFragment<Sqlite>>(query: &Q) -> (String, bool) {
        let mut builder = diesel::sqlite::SqliteQueryBuilder::new();
        query.to_sql(&mut builder, &Sqlite).expect("sql");
        let safe = query
            .is_safe_to_cache_prepared(&Sqlite)
            .expect("cache check");
        (builder.finish(), safe)
    }

    #[test]
    fn the_same_number_of_words_is_the_same_cached_statement() {
        let (one, safe) = cached_sql(&Words::vector("organisations", &terms(&["ecole", "jules"])));
        let (two, _) = cached_sql(&Words::vector(
            "organisations",
            &terms(&["lycee", "nantes"]),
        ));
        assert!(safe);
        assert_eq!(one, two);
        assert_eq!(
            one,
            "(organisations.search_text LIKE ? OR organisations.search_text LIKE ?) AND \
             (organisations.search_text LIKE ? OR organisations.search_text LIKE ?)"
        );
        let matching = Matching {
            table: "accounts",
            index: Index::Whole,
            fts: "\"marie\"*".into(),
            tsquery: "marie:*".into(),
            limit: 2001,
        };
        let (sql, safe) = cached_sql(&matching);
        assert!(safe);
        assert!(
            sql.contains("FROM accounts_fts WHERE accounts_fts MATCH ? LIMIT ?"),
            "{sql}"
        );
    }

    #[test]
    fn postgresql_uses_the_vector_only_when_asked() {
        let words = terms(&["ecole", "jul"]);
        let vector = debug_query::<Pg, _>(&Words::vector("organisations", &words)).to_string();
        assert!(
            vector.starts_with("organisations.search_vector @@ to_tsquery('simple', $1)"),
            "{vector}"
        );
        assert!(vector.contains("ecole:* & jul:*"), "{vector}");
        let like = debug_query::<Pg, _>(&Words::like("resources", &words)).to_string();
        assert!(
            like.starts_with("(resources.search_text LIKE $1 OR"),
            "{like}"
        );
        assert!(like.contains("\"% jul%\""), "{like}");
    }
}
