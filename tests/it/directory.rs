//! Importing the national directory: a fixture of 61 rows of
//! Loire-Atlantique (two circonscriptions' schools, collèges, lycées,
//! services, a closed school and four bad rows).

use preau::db::Run;
use std::path::Path;

use diesel::prelude::*;
use preau::{
    db::{organisations::Organisation, schema::organisations},
    directory::{
        annuaire,
        import::{self, Report, Scope},
    },
};

use crate::{
    cli::{preau, text},
    harness::{TestApp, TestDb},
};

pub fn fixture() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/annuaire-44.csv"),
    )
    .expect("fixture")
}

/// Reads and imports a CSV text the way the CLI does.
pub async fn run(app: &TestApp, csv: String, scope: Scope) -> Report {
    let settings = app.state.settings.clone();
    app.state
        .db
        .run(move |conn| {
            let (records, mut rejected) = annuaire::read(&csv).expect("readable");
            let mut report = import::import(conn, &settings, &records, &scope, &|_| {})?;
            rejected.append(&mut report.rejected);
            report.rejected = rejected;
            Ok::<_, preau::AppError>(report)
        })
        .await
        .expect("import")
}

async fn org(app: &TestApp, slug: &'static str) -> Organisation {
    app.state
        .db
        .run(move |conn| {
            Ok::<_, preau::AppError>(
                organisations::table
                    .filter(organisations::slug.eq(slug))
                    .select(preau::db::columns::<Organisation>())
                    .fetch_first(conn)?,
            )
        })
        .await
        .expect("organisation")
}

#[tokio::test]
async fn the_fixture_imports_once_and_again_changes_nothing() {
    let app = TestApp::new().await;
    let report = run(&app, fixture(), Scope::default()).await;
    assert_eq!(
        (
            report.created,
            report.updated,
            report.unchanged,
            report.closed,
            report.parents_created
        ),
        (57, 0, 0, 0, 4),
        "{report:?}"
    );
    let lines: Vec<(u64, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines.iter().any(|(l, r)| *l == 12 && r.contains("no UAI")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(_, r)| r.contains("check letter")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(_, r)| r.contains("no name")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(_, r)| r.contains("not a UAI")),
        "{lines:?}"
    );

    // The hierarchy: school → circonscription → department → academy.
    let school = org(&app, "0440008v").await;
    assert_eq!(school.name, "École maternelle Jules Verne");
    assert_eq!(school.kind, "ecole");
    assert_eq!(school.uai.as_deref(), Some("0440008V"));
    assert_eq!(school.city.as_deref(), Some("Nantes"));
    assert_eq!(school.department_code.as_deref(), Some("44"));
    // The columns Préau does not use are kept as they are.
    let attributes: serde_json::Value = serde_json::from_str(&school.attributes).expect("json");
    assert_eq!(attributes["restauration"], "1");
    assert_eq!(attributes["statut_public_prive"], "Public");
    assert_eq!(attributes["code_nature"], "101");
    assert!(attributes.get("nom_etablissement").is_none());
    let circo = org(&app, "circo-0442123h").await;
    assert_eq!(school.parent_id, Some(circo.id));
    assert_eq!(circo.kind, "circonscription");
    assert_eq!(circo.name, "Circonscription de Nantes 3");
    let department = org(&app, "dep-044").await;
    assert_eq!(circo.parent_id, Some(department.id));
    assert_eq!(department.name, "Loire-Atlantique");
    let academy = org(&app, "academie-17").await;
    assert_eq!(department.parent_id, Some(academy.id));
    assert_eq!(academy.kind, "academy");
    let closed = app
        .state
        .db
        .run(|conn| {
            Ok::<_, preau::AppError>(
                organisations::table
                    .filter(organisations::name.eq("École primaire Les Coteaux"))
                    .select(organisations::closed)
                    .fetch_first::<bool>(conn)?,
            )
        })
        .await
        .expect("closed school");
    assert!(closed, "a closed school is kept, marked closed");

    let again = run(&app, fixture(), Scope::default()).await;
    assert_eq!(
        (
            again.created,
            again.updated,
            again.unchanged,
            again.closed,
            again.parents_created
        ),
        (0, 0, 57, 0, 0),
        "{again:?}"
    );

    // A newer file: one school renamed, one closed.
    let newer: Vec<String> = fixture()
        .lines()
        .map(|line| {
            if line.starts_with("0440008V;") {
                line.replace(
                    "École maternelle Jules Verne",
                    "École maternelle Jules-Verne",
                )
            } else if line.starts_with("0440015C;") {
                line.replace(";OUVERT;", ";FERME;")
            } else {
                line.to_string()
            }
        })
        .collect();
    let changed = run(&app, newer.join("\n"), Scope::default()).await;
    assert_eq!(
        (
            changed.created,
            changed.updated,
            changed.closed,
            changed.unchanged
        ),
        (0, 1, 1, 55),
        "{changed:?}"
    );
}

#[tokio::test]
async fn a_scoped_import_keeps_one_circonscription() {
    let app = TestApp::new().await;
    let scope = Scope {
        circonscription: Some("0442200s".into()),
        ..Scope::default()
    };
    let report = run(&app, fixture(), scope).await;
    assert_eq!(report.created, 20, "{report:?}");
    assert_eq!(report.out_of_scope, 37, "{report:?}");
    let other_department = Scope {
        department: Some("35".into()),
        ..Scope::default()
    };
    let none = run(&app, fixture(), other_department).await;
    assert_eq!((none.created, none.out_of_scope), (0, 57), "{none:?}");
    let same_department = Scope {
        department: Some("44".into()),
        ..Scope::default()
    };
    let rest = run(&app, fixture(), same_department).await;
    assert_eq!((rest.created, rest.unchanged), (37, 20), "{rest:?}");
}

#[test]
fn the_command_reads_latin1_and_reports() {
    let db = TestDb::new();
    let utf8 = fixture();
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&utf8);
    let file = db.dir.path().join("annuaire-latin1.csv");
    std::fs::write(&file, &latin1).expect("write");
    let out = preau(
        &db,
        &["directory", "import", file.to_str().expect("path")],
        "",
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("read as Latin-1"), "{stderr}");
    assert!(
        stdout.contains("61 rows: 57 created, 0 updated, 0 unchanged, 0 closed, 4 rejected"),
        "{stdout}"
    );
    assert!(stdout.contains("rejected line 12: no UAI"), "{stdout}");

    let missing = preau(&db, &["directory", "import", "/nonexistent.csv"], "");
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("cannot read /nonexistent.csv"),
        "{}",
        text(&missing.stderr)
    );
    let bad_header = db.dir.path().join("bad.csv");
    std::fs::write(&bad_header, "uai;nom\n0440008V;x\n").expect("write");
    let refused = preau(
        &db,
        &["directory", "import", bad_header.to_str().expect("path")],
        "",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("missing column `identifiant_de_l_etablissement`"),
        "{}",
        text(&refused.stderr)
    );
}
