//! `column IN (values)` written so that the statement stays prepared.
//!
//! diesel's `eq_any` spells one placeholder per value on SQLite, so every
//! list length is a new statement, and diesel does not cache any of them:
//! each call parsed and planned its query again, a tenth of a loaded home
//! timeline's CPU (perf, benches/timeline.rs). [`one_of`] binds the whole
//! list as one parameter instead: a JSON array read by `json_each` on
//! SQLite, an array compared with `= ANY` on PostgreSQL. The SQL is then
//! the same for every list, and diesel keeps one prepared statement.

use diesel::{
    expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping},
    pg::Pg,
    query_builder::{AstPass, QueryFragment, QueryId},
    serialize::ToSql,
    sql_types::{Array, Bool, SingleValue, Text},
    sqlite::Sqlite,
};

/// `column IN (values)`, one bound parameter whatever the number of
/// values; an empty list matches nothing.
pub fn one_of<C, T>(column: C, values: &[T]) -> OneOf<C, T>
where
    C: Expression,
    T: serde::Serialize + Clone,
{
    OneOf {
        column,
        // Numbers and strings always serialize; an error here would be a
        // bug in serde_json, and matching nothing is the safe answer.
        json: serde_json::to_string(values).unwrap_or_else(|_| "[]".into()),
        values: values.to_vec(),
    }
}

#[derive(Debug, Clone)]
pub struct OneOf<C, T> {
    column: C,
    /// The list for SQLite.
    json: String,
    /// The list for PostgreSQL.
    values: Vec<T>,
}

impl<C, T> Expression for OneOf<C, T>
where
    C: Expression,
{
    type SqlType = Bool;
}

impl<C, T, QS> AppearsOnTable<QS> for OneOf<C, T> where C: AppearsOnTable<QS> {}

impl<C, T, QS> SelectableExpression<QS> for OneOf<C, T> where C: SelectableExpression<QS> {}

impl<C, T, G> ValidGrouping<G> for OneOf<C, T>
where
    C: ValidGrouping<G>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C, T> QueryId for OneOf<C, T>
where
    C: QueryId,
{
    type QueryId = OneOf<C::QueryId, ()>;
    // The SQL does not depend on the values: diesel may key its statement
    // cache on the type alone.
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C, T> QueryFragment<Sqlite> for OneOf<C, T>
where
    C: QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> diesel::QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C, T> QueryFragment<Pg> for OneOf<C, T>
where
    C: QueryFragment<Pg> + Expression,
    C::SqlType: SingleValue,
    Vec<T>: ToSql<Array<C::SqlType>, Pg>,
    Pg: diesel::sql_types::HasSqlType<C::SqlType>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<C::SqlType>, _>(&self.values)?;
        out.push_sql(")");
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use diesel::{Connection, QueryDsl, SqliteConnection, debug_query, sql_query};

    use super::*;
    use crate::db::{DbConn, Run};

    // Also the fixture of `dispatch`'s tests.
    diesel::table! {
        items (id) {
            id -> BigInt,
            name -> Text,
        }
    }

    pub(in crate::db) fn with_items() -> DbConn {
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(":memory:").expect("sqlite"));
        sql_query("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .exec(&mut conn)
            .expect("table");
        sql_query("INSERT INTO items VALUES (1, 'un'), (2, 'deux'), (3, 'trois'), (4, 'quatre')")
            .exec(&mut conn)
            .expect("rows");
        conn
    }

    fn ids(conn: &mut DbConn, wanted: &[i64]) -> Vec<i64> {
        items::table
            .filter(one_of(items::id, wanted))
            .order(items::id)
            .select(items::id)
            .fetch(conn)
            .expect("query")
    }

    #[test]
    fn matches_exactly_the_listed_values() {
        let mut conn = with_items();
        assert_eq!(ids(&mut conn, &[3, 1, 9]), vec![1, 3]);
        assert_eq!(ids(&mut conn, &[2]), vec![2]);
        assert_eq!(ids(&mut conn, &[]), Vec::<i64>::new());
        let names: Vec<i64> = items::table
            .filter(one_of(items::name, &["deux", "quatre", "l'autre"]))
            .order(items::id)
            .select(items::id)
            .fetch(&mut conn)
            .expect("query");
        assert_eq!(names, vec![2, 4]);
    }

    /// The statement without its bound values.
    fn statement(debug: String) -> String {
        debug
            .split(" -- binds")
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn the_sql_does_not_depend_on_the_list() {
        let one = items::table.filter(one_of(items::id, &[1_i64]));
        let three = items::table.filter(one_of(items::id, &[1_i64, 2, 3]));
        let sqlite = statement(debug_query::<Sqlite, _>(&three).to_string());
        assert_eq!(
            statement(debug_query::<Sqlite, _>(&one).to_string()),
            sqlite
        );
        assert!(
            sqlite.ends_with("IN (SELECT value FROM json_each(?))"),
            "{sqlite}"
        );
        let pg = statement(debug_query::<Pg, _>(&three).to_string());
        assert_eq!(statement(debug_query::<Pg, _>(&one).to_string()), pg);
        assert!(pg.ends_with("= ANY($1)"), "{pg}");
    }
}
