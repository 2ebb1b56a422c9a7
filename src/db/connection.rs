//! Choosing the backend from the URL and opening connections to it.
//!
//! diesel's derived `MultiConnection::establish` tries each backend in turn
//! and reports only a generic failure, so we dispatch on the scheme ourselves
//! and keep the real cause.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use diesel::{
    Connection, PgConnection, SqliteConnection, connection::SimpleConnection, r2d2::R2D2Connection,
};

use super::DbError;

/// One connection to either backend. SQLite stays the last variant: the
/// derived `establish` would accept any string for it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

/// A parsed `database.url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads `database.url`; empty means the embedded file in `data_dir`.
    pub fn parse(raw: &str, data_dir: &Path) -> Result<Self, DbError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Self::Sqlite(data_dir.join("preau.db")));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| DbError::InvalidUrl {
                url: redact(raw),
                reason: format!("not a valid PostgreSQL URL: {e}"),
            })?;
            return Ok(Self::Postgres(raw.to_string()));
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(DbError::InvalidUrl {
                    url: raw.into(),
                    reason: "an SQLite URL needs a file path (sqlite://data/preau.db)".into(),
                });
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(DbError::InvalidUrl {
                url: redact(raw),
                reason: format!(
                    "unsupported database `{scheme}`: use sqlite://PATH or \
                     postgres://USER@HOST/DATABASE"
                ),
            });
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The target without its password, for messages and logs.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => redact(url),
        }
    }
}

fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            // Setting a password only fails on URLs that cannot carry one.
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}

/// Opens connections for the pool, with the per-connection SQLite settings.
pub struct Manager {
    url: DatabaseUrl,
    busy_timeout_ms: u32,
}

impl Manager {
    pub fn new(url: DatabaseUrl, busy_timeout_ms: u32) -> Self {
        Self {
            url,
            busy_timeout_ms,
        }
    }

    pub fn connect_now(&self) -> Result<DbConn, DbError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(|source| DbError::Connect {
                    backend: Backend::Postgres,
                    target: self.url.describe(),
                    source,
                }),
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DbError::Setup(format!("data directory {}: {e}", dir.display()))
                    })?;
                }
                open_sqlite(path, self.busy_timeout_ms, Access::ReadWrite).map(DbConn::Sqlite)
            }
        }
    }
}

/// What an SQLite connection may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// The pool's connections.
    ReadWrite,
    /// The readers of `Db::read`: `query_only`, so a write slipped into a
    /// read fails at once (see `readers`).
    ReadOnly,
}

/// Opens the SQLite file with the settings every connection shares.
pub(super) fn open_sqlite(
    path: &Path,
    busy_timeout_ms: u32,
    access: Access,
) -> Result<SqliteConnection, DbError> {
    let target = path.to_string_lossy();
    let mut conn = SqliteConnection::establish(&target).map_err(|source| DbError::Connect {
        backend: Backend::Sqlite,
        target: target.to_string(),
        source,
    })?;
    // WAL lets readers work while one writer commits; the busy timeout
    // makes writers queue instead of failing at once. Reads go through a
    // memory map rather than a `pread` per page (a fifth of a loaded
    // directory search's CPU was the kernel copying pages), with a larger
    // page cache and in-memory sorts.
    let access_pragmas = match access {
        Access::ReadWrite => {
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
        }
        Access::ReadOnly => "PRAGMA query_only = ON;",
    };
    // The busy timeout comes first: switching to WAL takes a lock, and a
    // process restarted after a crash finds another connection recovering
    // the journal; without the timeout that failed at once ("database is
    // locked") and the pool had to open the connection again.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {busy_timeout_ms}; {access_pragmas} \
         PRAGMA mmap_size = 268435456; PRAGMA cache_size = -8000; \
         PRAGMA temp_store = MEMORY;"
    ))
    .map_err(|e| DbError::Setup(format!("SQLite database {target}: {e}")))?;
    Ok(conn)
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.connect_now()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        Ok(conn.ping()?)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// Sends pool errors to the log instead of stderr.
#[derive(Debug)]
pub struct LogErrors;

impl r2d2::HandleError<DbError> for LogErrors {
    fn handle_error(&self, error: DbError) {
        tracing::error!(%error, "database connection error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_chooses_the_backend() {
        let dir = Path::new("data");
        assert_eq!(
            DatabaseUrl::parse("", dir).expect("empty"),
            DatabaseUrl::Sqlite(PathBuf::from("data/preau.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db", dir).expect("sqlite url"),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("var/p.db", dir).expect("path"),
            DatabaseUrl::Sqlite(PathBuf::from("var/p.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db", dir)
                .expect("pg")
                .backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db", dir)
                .expect("pg")
                .backend(),
            Backend::Postgres
        );
    }

    #[test]
    fn an_unknown_scheme_is_named_and_passwords_are_hidden() {
        let err = DatabaseUrl::parse("mysql://root:secret@h/db", Path::new("d"))
            .expect_err("mysql")
            .to_string();
        assert!(err.contains("mysql"), "{err}");
        assert!(!err.contains("secret"), "{err}");

        let url = DatabaseUrl::parse("postgres://u:secret@h/db", Path::new("d")).expect("pg");
        assert!(!url.describe().contains("secret"));
    }

    #[test]
    fn a_refused_connection_reports_its_cause() {
        let url = DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none", Path::new("d"))
            .expect("pg url");
        let err = Manager::new(url, 100)
            .connect_now()
            .err()
            .expect("nothing listens on port 1")
            .to_string();
        assert!(
            err.contains("PostgreSQL") && err.contains("127.0.0.1"),
            "{err}"
        );
        assert!(
            err.to_lowercase().contains("refused") || err.contains("connect"),
            "{err}"
        );
    }

    #[test]
    fn an_unwritable_sqlite_path_reports_its_cause() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").expect("write");
        // A database inside a regular file cannot be created.
        let url = DatabaseUrl::Sqlite(file.join("preau.db"));
        let err = Manager::new(url, 100)
            .connect_now()
            .err()
            .expect("cannot create")
            .to_string();
        assert!(err.contains("preau.db") || err.contains("file"), "{err}");
    }

    #[test]
    fn the_bundled_sqlite_is_built_as_configured() {
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let dir = tempfile::tempdir().expect("tempdir");
        use crate::db::Run;
        let mut conn = DbConn::Sqlite(
            open_sqlite(&dir.path().join("t.db"), 100, Access::ReadWrite).expect("open"),
        );
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .fetch::<CompileOption>(&mut conn)
            .expect("options")
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        // `.cargo/config.toml` sets these; a build without them is slower
        // in ways no other test would notice.
        for wanted in ["THREADSAFE=2", "DEFAULT_MEMSTATUS=0", "ENABLE_QPSG"] {
            assert!(options.iter().any(|o| o == wanted), "{wanted}: {options:?}");
        }
    }
}
