//! Running queries on the backend's own connection.
//!
//! diesel's derived `MultiConnection` runs a query by wrapping it in a
//! type that can be lowered to either backend, and that wrapper renders the
//! whole SQL text on each pass diesel makes over a query: once to ask
//! whether the statement may be cached, once more to collect the binds,
//! even when the statement is already prepared. That was a seventh of the
//! CPU of a loaded timeline page (perf, benches/web_pages.rs), spent
//! building strings that were then thrown away.
//!
//! Our query values are generic over the backend until they are run, so
//! matching on the connection and running them on the inner one costs
//! nothing to write and skips the wrapper: the inner connection finds its
//! prepared statement by the query's type. [`Run`] does that for ordinary
//! queries; [`per_backend!`](crate::per_backend) for code that must name
//! the backend, such as boxed queries.

use diesel::{
    PgConnection, QueryResult, RunQueryDsl, Selectable, SqliteConnection,
    query_dsl::{
        LoadQuery,
        methods::{ExecuteDsl, LimitDsl},
    },
    sqlite::Sqlite,
};

use super::DbConn;

/// The query methods of [`RunQueryDsl`], run on the connection's own
/// backend.
#[allow(clippy::disallowed_methods)] // the one place they are called on purpose
pub trait Run: Sized {
    /// Every row (`RunQueryDsl::load`).
    fn fetch<'q, U>(self, conn: &mut DbConn) -> QueryResult<Vec<U>>
    where
        Self: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::load(self, c),
            DbConn::Postgres(c) => RunQueryDsl::load(self, c),
        }
    }

    /// The one row, `NotFound` without it (`RunQueryDsl::get_result`).
    fn fetch_one<'q, U>(self, conn: &mut DbConn) -> QueryResult<U>
    where
        Self: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::get_result(self, c),
            DbConn::Postgres(c) => RunQueryDsl::get_result(self, c),
        }
    }

    /// The first row, `NotFound` without one (`RunQueryDsl::first`).
    fn fetch_first<'q, U>(self, conn: &mut DbConn) -> QueryResult<U>
    where
        Self: LimitDsl,
        diesel::dsl::Limit<Self>:
            LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        self.limit(1).fetch_one(conn)
    }

    /// The number of rows changed (`RunQueryDsl::execute`).
    fn exec(self, conn: &mut DbConn) -> QueryResult<usize>
    where
        Self: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>,
    {
        match conn {
            DbConn::Sqlite(c) => ExecuteDsl::execute(self, c),
            DbConn::Postgres(c) => ExecuteDsl::execute(self, c),
        }
    }
}

impl<T> Run for T {}

/// The columns `T` is read from, for a `select` or a `returning` that runs
/// on either backend: `T::as_select()` ties the query to one backend type.
/// The struct is then read by position, in the order `Selectable` gave.
pub fn columns<T: Selectable<Sqlite>>() -> T::SelectExpression {
    T::construct_selection()
}

/// The SQL of every statement diesel prepared to keep on a connection
/// (its `CacheQuery` events), for tests that check a statement is
/// prepared once.
#[cfg(test)]
#[derive(Clone, Default)]
pub(super) struct Prepared(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

#[cfg(test)]
impl Prepared {
    pub(super) fn statements(&self) -> Vec<String> {
        self.0.lock().expect("lock").clone()
    }
}

#[cfg(test)]
impl diesel::connection::Instrumentation for Prepared {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::CacheQuery { sql, .. } = event {
            self.0.lock().expect("lock").push(sql.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::{Connection, ExpressionMethods, QueryDsl};

    use super::*;
    use crate::db::one_of::tests::{items, with_items};

    #[test]
    fn each_method_gives_what_diesel_gives() {
        let mut conn = with_items();
        let names: Vec<String> = items::table
            .order(items::id.desc())
            .select(items::name)
            .fetch(&mut conn)
            .expect("fetch");
        assert_eq!(names, ["quatre", "trois", "deux", "un"]);
        let count: i64 = items::table.count().fetch_one(&mut conn).expect("count");
        assert_eq!(count, 4);
        let first: String = items::table
            .order(items::id)
            .select(items::name)
            .fetch_first(&mut conn)
            .expect("first");
        assert_eq!(first, "un");
        let missing = items::table
            .filter(items::id.eq(9))
            .select(items::name)
            .fetch_first::<String>(&mut conn);
        assert_eq!(missing, Err(diesel::result::Error::NotFound));
        let changed = diesel::update(items::table.filter(items::id.ge(2)))
            .set(items::name.eq("plus"))
            .exec(&mut conn)
            .expect("update");
        assert_eq!(changed, 3);
    }

    #[test]
    fn per_backend_names_the_backend_of_the_connection() {
        let mut conn = with_items();
        let names: Vec<String> = crate::per_backend!(&mut conn, |c: DB| {
            let mut query = items::table.select(items::name).into_boxed::<DB>();
            query = query.filter(items::id.lt(3)).order(items::id);
            RunQueryDsl::load(query, c)
        })
        .expect("boxed");
        assert_eq!(names, ["un", "deux"]);
    }

    #[test]
    fn the_same_query_is_prepared_once() {
        // The second run of the same query must not prepare again.
        let mut conn = with_items();
        let prepared = Prepared::default();
        let DbConn::Sqlite(inner) = &mut conn else {
            unreachable!("with_items opens SQLite")
        };
        inner.set_instrumentation(prepared.clone());
        for id in [1, 2, 3] {
            let _: String = items::table
                .filter(items::id.eq(id))
                .select(items::name)
                .fetch_one(&mut conn)
                .expect("row");
        }
        assert_eq!(prepared.statements().len(), 1);
    }
}
