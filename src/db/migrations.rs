//! The embedded migrations of both backends, and the refusal to run on a
//! schema newer than the binary.
//!
//! `migrations/sqlite` and `migrations/postgres` hold the same version
//! folders (a test checks it), each written in its backend's dialect.

use diesel::{backend::Backend as DieselBackend, migration::MigrationSource};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConn, DbError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// What a migration run did.
#[derive(Debug, Default)]
pub struct MigrationReport {
    pub applied: Vec<String>,
}

/// Applies the pending migrations, after checking that the database has none
/// this binary does not know.
pub fn run_migrations(conn: &mut DbConn) -> Result<MigrationReport, DbError> {
    let applied = match conn {
        DbConn::Sqlite(c) => apply(c, SQLITE)?,
        DbConn::Postgres(c) => apply(c, POSTGRES)?,
    };
    Ok(MigrationReport { applied })
}

/// Reverts every migration: only for tests that prove `down.sql` works.
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<usize, DbError> {
    let reverted = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE),
        DbConn::Postgres(c) => c.revert_all_migrations(POSTGRES),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(reverted.len())
}

fn apply<C, DB>(conn: &mut C, source: EmbeddedMigrations) -> Result<Vec<String>, DbError>
where
    DB: DieselBackend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let known: Vec<String> = MigrationSource::<DB>::migrations(&source)
        .map_err(|e| DbError::Migration(e.to_string()))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = conn
        .applied_migrations()
        .map_err(|e| DbError::Migration(e.to_string()))?;
    if let Some(unknown) = applied
        .iter()
        .map(ToString::to_string)
        .find(|v| !known.contains(v))
    {
        return Err(DbError::SchemaTooNew { version: unknown });
    }
    let done = conn
        .run_pending_migrations(source)
        .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(done.iter().map(ToString::to_string).collect())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn versions(backend: &str) -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("migrations directory")
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let sqlite = versions("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions("postgres"));
        for name in &sqlite {
            for backend in ["sqlite", "postgres"] {
                for file in ["up.sql", "down.sql"] {
                    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("migrations")
                        .join(backend)
                        .join(name)
                        .join(file);
                    assert!(path.is_file(), "missing {}", path.display());
                }
            }
        }
    }
}
