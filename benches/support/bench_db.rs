//! The database a benchmark runs on: a fresh SQLite file in a temporary
//! directory, or, with `PREAU_BENCH_DATABASE_URL=postgres://…`, a fresh
//! PostgreSQL database on that server, dropped when this is dropped.

use diesel::{Connection, PgConnection, connection::SimpleConnection};

pub struct BenchDb {
    /// The URL for `settings.database.url`.
    pub url: String,
    /// Also the instance's `data_dir`.
    pub dir: tempfile::TempDir,
    /// `(server URL, database)` to drop, on PostgreSQL.
    pg: Option<(String, String)>,
}

impl BenchDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        match std::env::var("PREAU_BENCH_DATABASE_URL") {
            Ok(base) if Self::backend_name() == "PostgreSQL" => {
                let name = format!("preau_bench_{:016x}", rand::random::<u64>());
                let mut admin = PgConnection::establish(&base).expect("postgres");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create database");
                let mut url = url::Url::parse(&base).expect("url");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    dir,
                    pg: Some((base, name)),
                }
            }
            _ => Self {
                url: format!("sqlite://{}", dir.path().join("preau.db").display()),
                dir,
                pg: None,
            },
        }
    }

    /// Gives PostgreSQL's planner the statistics of the rows just seeded.
    /// A live server's autovacuum gathers them within a minute of a bulk
    /// load; a benchmark measures seconds after its load, when the planner
    /// still believes a 500-row organisation holds 4 and sorts all 500 for
    /// each page instead of reading ten from its index. SQLite is left as
    /// it is: preau never runs `ANALYZE` there, so a live instance has no
    /// statistics either.
    #[allow(dead_code)] // the benchmarks without an HTTP server do not call it
    pub fn settle(&self) {
        if self.pg.is_some() {
            PgConnection::establish(&self.url)
                .expect("postgres")
                .batch_execute("ANALYZE")
                .expect("analyze");
        }
    }

    /// "SQLite" or "PostgreSQL": the backend `new` picks, for the printed
    /// figures.
    pub fn backend_name() -> &'static str {
        if std::env::var("PREAU_BENCH_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg
            && let Ok(mut admin) = PgConnection::establish(base)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}
