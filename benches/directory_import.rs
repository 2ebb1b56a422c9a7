//! Benchmark: importing a national-size directory file (66,000 rows, the
//! columns of the ministry's export), then importing it again.
//!
//!     cargo bench --bench directory_import
//!     PREAU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench directory_import

#[path = "support/annuaire_file.rs"]
mod annuaire_file;
#[path = "support/bench_db.rs"]
mod bench_db;

use std::time::Instant;

use annuaire_file::{ROWS, generate};
use bench_db::BenchDb;
use preau::{
    AppState,
    config::Settings,
    directory::{annuaire, import},
};

#[tokio::main]
async fn main() {
    let db = BenchDb::new();
    let backend = BenchDb::backend_name();
    let mut settings = Settings {
        data_dir: db.dir.path().to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = db.url.clone();
    let state = AppState::open(settings).await.expect("open");
    let csv = generate();
    println!(
        "directory import on {backend}: file of {ROWS} rows, {:.1} MB",
        csv.len() as f64 / 1e6
    );
    for pass in ["first import", "same file again"] {
        let started = Instant::now();
        let (csv, settings) = (csv.clone(), state.settings.clone());
        let report = state
            .db
            .run(move |conn| {
                let (records, _) = annuaire::read(&csv).expect("read");
                import::import(
                    conn,
                    &settings,
                    &records,
                    &import::Scope::default(),
                    &|_| {},
                )
            })
            .await
            .expect("import");
        println!(
            "directory import on {backend}: {pass} in {:.1} s ({} created, {} unchanged, {} parents, {} rejected)",
            started.elapsed().as_secs_f64(),
            report.created,
            report.unchanged,
            report.parents_created,
            report.rejected.len()
        );
    }
    // The state's pool closes before the database is dropped.
    drop(state);
    drop(db);
}
