//! Read-only SQLite connections for the short reads a page makes, run on
//! the task that asks rather than on a blocking thread.
//!
//! A trip to tokio's blocking pool costs two thread wake-ups, and the rows
//! it returns are allocated on one thread and freed on another; on a loaded
//! page that was more CPU than the reads themselves (perf, benches/
//! web_pages.rs). In WAL mode an SQLite reader never waits for a lock, so a
//! read of a few indexed rows is as short as the hop it replaces. Writes
//! keep the blocking path: they can wait seconds for the write lock. The
//! connections here are `query_only`, so a write slipped into a read fails
//! at once instead of blocking a worker.

use std::{path::PathBuf, sync::Mutex};

use super::{
    DbConn, DbError, Run,
    connection::{Access, open_sqlite},
};

/// Idle readers kept open; more are opened when more tasks read at once
/// (at most one per thread, since a read never awaits).
const KEEP_IDLE: usize = 16;

pub(super) struct Readers {
    path: PathBuf,
    busy_timeout_ms: u32,
    idle: Mutex<Vec<DbConn>>,
}

impl Readers {
    pub(super) fn new(path: PathBuf, busy_timeout_ms: u32) -> Self {
        Self {
            path,
            busy_timeout_ms,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<DbConn, DbError> {
        open_sqlite(&self.path, self.busy_timeout_ms, Access::ReadOnly).map(DbConn::Sqlite)
    }

    fn take(&self) -> Result<DbConn, DbError> {
        let idle = self.idle.lock().map_err(|_| poisoned())?.pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.open(),
        }
    }

    fn give_back(&self, conn: DbConn) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
        {
            idle.push(conn);
        }
    }

    /// Runs `f` on a reader, here and now, in one read transaction: the
    /// page's queries see one state of the database (an announcement
    /// deleted between two of them cannot leave half a row), and SQLite
    /// takes its read locks once rather than per statement.
    pub(super) fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.take()?;
        statements::Begin.exec(&mut conn).map_err(DbError::from)?;
        let result = f(&mut conn);
        // Nothing was written: ending the transaction cannot fail but for a
        // broken connection, which is then dropped.
        if statements::Commit.exec(&mut conn).is_ok() {
            self.give_back(conn);
        }
        result
    }
}

/// `BEGIN` and `COMMIT` as statements diesel prepares once per connection:
/// `batch_execute` parses its text again on every call, which was 3% of
/// the organisation page's CPU (two per read, five reads). One type per
/// statement: diesel keys its cache of prepared statements by the query's
/// type, so the two must not share one.
mod statements {
    use diesel::{
        QueryResult, RunQueryDsl,
        backend::Backend,
        query_builder::{AstPass, QueryFragment, QueryId},
    };

    macro_rules! statement {
        ($name:ident, $sql:literal) => {
            #[derive(Debug, Clone, Copy, QueryId)]
            pub(super) struct $name;

            impl<DB: Backend> QueryFragment<DB> for $name {
                fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                    out.push_sql($sql);
                    Ok(())
                }
            }

            impl<Conn> RunQueryDsl<Conn> for $name {}
        };
    }

    statement!(Begin, "BEGIN");
    statement!(Commit, "COMMIT");
}

fn poisoned() -> DbError {
    DbError::Task("a thread panicked while holding the SQLite readers".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::dispatch::Prepared;

    #[test]
    fn begin_and_commit_are_prepared_once_each() {
        let dir = tempfile::tempdir().expect("tempdir");
        let readers = Readers::new(dir.path().join("preau.db"), 100);
        let mut conn = readers.take().expect("reader");
        let prepared = Prepared::default();
        if let DbConn::Sqlite(sqlite) = &mut conn {
            diesel::Connection::set_instrumentation(sqlite, prepared.clone());
        }
        readers.give_back(conn);
        for _ in 0..3 {
            readers
                .read(|_| Ok::<_, DbError>(()))
                .expect("an empty read");
        }
        assert_eq!(prepared.statements(), ["BEGIN", "COMMIT"]);
    }
}
