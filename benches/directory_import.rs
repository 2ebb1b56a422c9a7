//! Benchmark: importing a national-size directory file (66,000 rows, the
//! columns of the ministry's export), then importing it again.
//!
//!     cargo bench --bench directory_import
//!     PREAU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench directory_import

#[path = "support/bench_db.rs"]
mod bench_db;

use std::time::Instant;

use bench_db::BenchDb;
use preau::{
    AppState,
    config::Settings,
    directory::{annuaire, import},
};

const ROWS: usize = 66_000;
const KEY: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// A file shaped like the real one: 101 departments, 10 circonscriptions
/// each, schools, collèges and lycées, every 50th row closed.
fn generate() -> String {
    let mut csv = String::from(
        "identifiant_de_l_etablissement;nom_etablissement;type_etablissement;statut_public_prive;adresse_1;code_postal;code_commune;nom_commune;code_departement;libelle_departement;code_academie;libelle_academie;telephone;mail;latitude;longitude;nom_circonscription;code_circonscription;etat;date_maj_ligne\n",
    );
    for i in 0..ROWS {
        let department = i % 101 + 1;
        let number = department * 10_000 + i / 101;
        let uai = format!("{number:07}{}", KEY[number % 23] as char);
        let (kind, circo) = match i % 10 {
            0 => ("Collège", String::new()),
            1 => ("Lycée", String::new()),
            _ => {
                let c = department * 100 + i % 10;
                let code = format!("{c:07}{}", KEY[c % 23] as char);
                ("Ecole", format!("Circonscription {c};{code}"))
            }
        };
        let circo = if circo.is_empty() {
            ";".to_string()
        } else {
            circo
        };
        let etat = if i % 50 == 0 { "FERME" } else { "OUVERT" };
        csv.push_str(&format!(
            "{uai};{kind} numéro {i};{kind};Public;{i} rue de l'École;{department:02}000;{department:02}{i:03};Commune {i};{department:03};Département {department};{};Académie {};02 40 00 00 00;ce.{uai}@ac.example;47.{i:05};-1.{i:05};{circo};{etat};2026-09-01\n",
            department % 30 + 1,
            department % 30 + 1,
        ));
    }
    csv
}

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
