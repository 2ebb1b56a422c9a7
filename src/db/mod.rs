//! Database access: one `MultiConnection` over SQLite and PostgreSQL, the
//! pool, the blocking-work helper and the embedded migrations.

mod connection;
mod dispatch;
mod migrations;
mod readers;
pub mod schema;
mod stamp;

pub mod accounts;
pub mod acknowledgements;
pub mod announcements;
pub mod audit_log;
pub mod categories;
pub mod directory;
pub mod directory_version;
pub mod domain_policies;
pub mod files;
pub mod follows;
pub mod home_feed;
pub mod instance;
pub mod memberships;
pub mod modules;
mod one_of;
pub mod organisations;
pub mod outbox;
pub mod peers;
pub mod periodic_runs;
pub mod personal_data;
pub mod received;
pub mod resources;
pub mod sessions;
pub mod tokens;
pub mod tombstones;
pub mod usage;
mod words;

use std::{sync::Arc, time::Duration};

use chrono::{NaiveDateTime, SubsecRound, Utc};
use tokio::sync::Semaphore;

pub use connection::{Backend, DatabaseUrl, DbConn};
pub use dispatch::{Run, columns};
pub use migrations::{MigrationReport, revert_all_migrations, run_migrations};
pub use one_of::{OneOf, one_of};
pub use stamp::{MaybeStamp, Stamp};

/// Runs the same diesel expression on whichever backend the connection
/// holds, on that backend's own connection (see `dispatch` for why). The
/// body is written once and compiled once per backend; `|c: DB|` also names
/// the backend type, for code that must spell it (`into_boxed::<DB>()`).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        #[allow(clippy::disallowed_methods)] // diesel's methods, on the inner connection
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
    ($conn:expr, |$c:ident: $db:ident| $body:expr) => {
        #[allow(clippy::disallowed_methods)] // diesel's methods, on the inner connection
        match $conn {
            $crate::db::DbConn::Postgres($c) => {
                #[allow(dead_code)]
                type $db = ::diesel::pg::Pg;
                $body
            }
            $crate::db::DbConn::Sqlite($c) => {
                #[allow(dead_code)]
                type $db = ::diesel::sqlite::Sqlite;
                $body
            }
        }
    };
}

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot connect to {backend} database {target}: {source}")]
    Connect {
        backend: Backend,
        target: String,
        source: diesel::ConnectionError,
    },
    #[error("cannot prepare {0}")]
    Setup(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("no database connection became free within {} s", .0.as_secs())]
    Busy(Duration),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error(
        "the database schema is newer than this binary (it has migration {version}, \
         which this version of preau does not know): upgrade preau, or restore a backup \
         made before the upgrade"
    )]
    SchemaTooNew { version: String },
    #[error("database task failed: {0}")]
    Task(String),
}

impl DbError {
    /// The message of a unique-constraint violation, which names the columns
    /// (SQLite) or the constraint (PostgreSQL).
    pub fn unique_violation(&self) -> Option<String> {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            Self::Query(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                Some(format!(
                    "{} {}",
                    info.message(),
                    info.constraint_name().unwrap_or("")
                ))
            }
            _ => None,
        }
    }
}

/// `LIKE` pattern text matching itself literally (`\` is the escape, to
/// pass with `.escape('\\')`).
pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Whether a diesel error is a unique violation mentioning `column`.
pub fn is_unique_violation_on(e: &diesel::result::Error, column: &str) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.message().contains(column)
                || info.constraint_name().is_some_and(|c| c.contains(column))
        }
        _ => false,
    }
}

type Pool = r2d2::Pool<connection::Manager>;
pub type PooledConn = r2d2::PooledConnection<connection::Manager>;

/// The connection pool. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    /// One permit per pooled connection. Work waits for a permit on the
    /// async side before taking a blocking thread: under load, a hundred
    /// requests would otherwise park a hundred threads on the pool's
    /// condition variable, and the wake-ups between them cost more CPU
    /// than the queries (perf, benches/timeline.rs).
    permits: Arc<Semaphore>,
    /// How long work waits for a permit (`database.connect_timeout_secs`).
    wait: Duration,
    /// SQLite only: connections for reads made in place (see `readers`).
    readers: Option<Arc<readers::Readers>>,
}

/// What the pool is built from.
pub struct PoolOptions {
    pub size: u32,
    pub busy_timeout_ms: u32,
    pub connect_timeout: Duration,
}

impl Db {
    /// Opens the pool. The first connection is made here, so that a wrong URL
    /// or an unreachable server is reported at start with its real cause.
    pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, DbError> {
        let manager = connection::Manager::new(url.clone(), options.busy_timeout_ms);
        // Fail fast with diesel's own message rather than r2d2's timeout.
        let first = manager.connect_now()?;
        let pool = r2d2::Pool::builder()
            .max_size(options.size)
            .min_idle(Some(1))
            .connection_timeout(options.connect_timeout)
            // An SQLite connection is a file handle that cannot go stale;
            // checking it costs a parsed `SELECT 1` on every query.
            .test_on_check_out(url.backend() == Backend::Postgres)
            .error_handler(Box::new(connection::LogErrors))
            .build_unchecked(manager);
        drop(first);
        let readers = match url {
            DatabaseUrl::Sqlite(path) => Some(Arc::new(readers::Readers::new(
                path.clone(),
                options.busy_timeout_ms,
            ))),
            DatabaseUrl::Postgres(_) => None,
        };
        Ok(Self {
            pool,
            backend: url.backend(),
            permits: Arc::new(Semaphore::new(options.size as usize)),
            wait: options.connect_timeout,
            readers,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for synchronous callers (CLI). Async code uses [`Db::run`].
    pub fn get(&self) -> Result<PooledConn, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking database work on tokio's blocking pool, never on the
    /// async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let permit = tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| E::from(DbError::Busy(self.wait)))?
            .map_err(|e| E::from(DbError::Task(e.to_string())))?;
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(DbError::from)?;
            let result = f(&mut conn);
            // Back in the pool before the permit goes: the next holder of a
            // permit always finds a connection free.
            drop(conn);
            drop(permit);
            result
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// Runs a short read: on SQLite in place, on a read-only connection
    /// (see `readers` for why); on PostgreSQL, where every query is a
    /// network round trip, on the blocking pool like [`Db::run`]. `f` must
    /// only read, and only a few indexed rows: a write fails, and a long
    /// scan would hold up the other requests of this worker.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.readers {
            Some(readers) => readers.read(f),
            None => self.run(f).await,
        }
    }
}

/// Runs `f` in a transaction. On SQLite the transaction is `IMMEDIATE`: it
/// takes the write lock at once, so a transaction that reads before it
/// writes waits for other writers (busy timeout) instead of failing with
/// "database is locked" when one committed in between. Nested calls become
/// savepoints.
pub fn transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConn::Sqlite(sqlite) = conn else {
        return diesel::Connection::transaction(conn, f);
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(sqlite)
        .transaction_depth()
        .map_err(E::from)?;
    if depth.is_some() {
        return diesel::Connection::transaction(conn, f);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE").map_err(E::from)?;
    let result = f(conn);
    let DbConn::Sqlite(sqlite) = conn else {
        unreachable!("the backend of a connection does not change");
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite).map_err(E::from)?;
            Ok(value)
        }
        Err(error) => {
            // The transaction's own error is the one worth reporting.
            let _ = AnsiTransactionManager::rollback_transaction(sqlite);
            Err(error)
        }
    }
}

/// Current time as stored: UTC, microsecond precision on both backends so
/// that a value read back equals the value written.
pub fn now() -> NaiveDateTime {
    stored(Utc::now())
}

/// A time as stored (see [`now`]).
pub fn stored(t: chrono::DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_waits_for_a_free_connection_then_gives_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = DatabaseUrl::Sqlite(dir.path().join("preau.db"));
        let options = PoolOptions {
            size: 1,
            busy_timeout_ms: 1_000,
            connect_timeout: Duration::from_millis(300),
        };
        let db = Db::connect(&url, &options).expect("pool");
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (started, holding) = tokio::sync::oneshot::channel::<()>();
        let holder = {
            let db = db.clone();
            tokio::spawn(async move {
                db.run(move |_| {
                    let _ = started.send(());
                    let _ = released.recv();
                    Ok::<_, DbError>(())
                })
                .await
            })
        };
        holding
            .await
            .expect("the first task holds the only connection");
        let refused = db.run(|_| Ok::<_, DbError>(())).await;
        assert!(
            matches!(refused, Err(DbError::Busy(wait)) if wait == options.connect_timeout),
            "{refused:?}"
        );
        release.send(()).expect("release");
        holder.await.expect("join").expect("holder");
        db.run(|_| Ok::<_, DbError>(()))
            .await
            .expect("a free connection again");
    }

    #[tokio::test]
    async fn reads_see_what_was_written_and_cannot_write() {
        use diesel::{Connection, QueryResult, RunQueryDsl, connection::SimpleConnection};
        let dir = tempfile::tempdir().expect("tempdir");
        let url = DatabaseUrl::Sqlite(dir.path().join("preau.db"));
        let options = PoolOptions {
            size: 2,
            busy_timeout_ms: 1_000,
            connect_timeout: Duration::from_secs(1),
        };
        let db = Db::connect(&url, &options).expect("pool");
        let count = |conn: &mut DbConn| {
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            fn query(conn: &mut DbConn) -> QueryResult<Count> {
                crate::per_backend!(conn, |c| diesel::sql_query(
                    "SELECT count(*) AS n FROM notes"
                )
                .get_result(c))
            }
            Ok::<_, DbError>(query(conn)?.n)
        };
        db.run(|conn| Ok::<_, DbError>(conn.batch_execute("CREATE TABLE notes (x INTEGER)")?))
            .await
            .expect("table");
        for expected in 1..=3 {
            db.run(|conn| Ok::<_, DbError>(conn.batch_execute("INSERT INTO notes VALUES (1)")?))
                .await
                .expect("insert");
            assert_eq!(db.read(count).await.expect("read"), expected);
        }
        let refused = db
            .read(|conn| Ok::<_, DbError>(conn.batch_execute("INSERT INTO notes VALUES (2)")?))
            .await
            .expect_err("a read that writes");
        assert!(refused.to_string().contains("readonly"), "{refused}");
        assert_eq!(
            db.run(count).await.expect("count"),
            3,
            "nothing was written"
        );

        // A read sees one state of the database, even when another
        // connection commits between two of its queries.
        let path = dir.path().join("preau.db");
        let (before, during) = db
            .read(move |conn| {
                let before = count(conn)?;
                let mut writer =
                    diesel::SqliteConnection::establish(&path.to_string_lossy()).expect("writer");
                writer.batch_execute("INSERT INTO notes VALUES (3)")?;
                Ok::<_, DbError>((before, count(conn)?))
            })
            .await
            .expect("read");
        assert_eq!((before, during), (3, 3));
        assert_eq!(
            db.read(count).await.expect("read"),
            4,
            "the next read sees it"
        );
    }
}
