//! The `preau` binary as an operator uses it: help, bootstrap commands,
//! errors that say what is wrong.

use std::{
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

use crate::harness::{TestApp, TestDb, data_dir};

const BIN: &str = env!("CARGO_BIN_EXE_preau");

/// Runs `preau` in an empty directory (no config/preau.toml there) on the
/// test database, with `stdin` piped in.
pub fn preau(db: &TestDb, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(db.dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PREAU_DATABASE_URL", &db.url)
        .env("PREAU_DATA_DIR", data_dir(db))
        .env("PREAU_DOMAIN", "preau.test")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run preau");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("preau exits")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_command_has_help() {
    let db = TestDb::new();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["healthcheck", "--help"],
        vec!["admin", "--help"],
        vec!["admin", "create-admin", "--help"],
        vec!["admin", "create-org", "--help"],
        vec!["admin", "add-member", "--help"],
        vec!["admin", "token", "--help"],
        vec!["admin", "setup-link", "--help"],
        vec!["admin", "federation", "--help"],
        vec!["admin", "federation", "status", "--help"],
        vec!["admin", "federation", "peer", "--help"],
        vec!["directory", "--help"],
        vec!["directory", "import", "--help"],
    ] {
        let out = preau(&db, &args, "");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("Usage"), "{args:?}");
    }
    let admin_help = text(&preau(&db, &["admin", "--help"], "").stdout);
    for sub in [
        "create-admin",
        "create-org",
        "add-member",
        "token",
        "federation",
    ] {
        assert!(admin_help.contains(sub), "{admin_help}");
    }
}

#[tokio::test]
async fn an_operator_bootstraps_an_instance_the_server_then_serves() {
    let db = TestDb::new();

    let migrated = preau(&db, &["migrate"], "");
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    assert!(
        text(&migrated.stdout).contains("applied"),
        "{}",
        text(&migrated.stdout)
    );
    let again = preau(&db, &["migrate"], "");
    assert!(text(&again.stdout).contains("up to date"));

    // Before any account: the first-run link, the same each time.
    let link = preau(&db, &["admin", "setup-link"], "");
    assert!(link.status.success(), "{}", text(&link.stderr));
    let link = text(&link.stdout).trim().to_string();
    assert!(link.starts_with("https://preau.test/setup?code="), "{link}");
    let again = text(&preau(&db, &["admin", "setup-link"], "").stdout);
    assert_eq!(again.trim(), link);

    let admin = preau(
        &db,
        &["admin", "create-admin", "--username", "ien.nantes"],
        "un mot de passe très long\n",
    );
    assert!(admin.status.success(), "{}", text(&admin.stderr));
    assert!(!text(&admin.stdout).contains("très long"));
    let closed = preau(&db, &["admin", "setup-link"], "");
    assert!(!closed.status.success());
    assert!(
        text(&closed.stderr).contains("already has an account"),
        "{}",
        text(&closed.stderr)
    );

    let steps: [&[&str]; 3] = [
        &[
            "admin",
            "create-org",
            "--slug",
            "nantes-3",
            "--name",
            "Circonscription Nantes 3",
            "--kind",
            "circonscription",
        ],
        &[
            "admin",
            "create-org",
            "--slug",
            "ecole-a",
            "--name",
            "École A",
            "--kind",
            "ecole",
            "--uai",
            "0440001M",
            "--parent",
            "nantes-3",
        ],
        &[
            "admin",
            "add-member",
            "--username",
            "ien.nantes",
            "--org",
            "nantes-3",
            "--role",
            "inspector",
        ],
    ];
    for args in steps {
        let out = preau(&db, args, "");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }

    let token_out = preau(&db, &["admin", "token", "--username", "ien.nantes"], "");
    assert!(token_out.status.success(), "{}", text(&token_out.stderr));
    let stdout = text(&token_out.stdout);
    let token = stdout.trim_end_matches('\n');
    assert!(
        !token.contains('\n') && token.starts_with("preau_"),
        "only the token: {stdout:?}"
    );

    // The server on the same data sees all of it.
    let app = TestApp::on_existing(db).await;
    let me = app.get("/api/v1/accounts/me", Some(token)).await;
    assert_eq!(me.status, axum::http::StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["is_admin"], true);
    assert_eq!(me.body["memberships"][0]["role"], "inspector");
    let school = app.get("/api/v1/organisations/ecole-a", None).await;
    assert_eq!(school.body["parent"], "nantes-3");
    assert_eq!(school.body["uai"], "0440001M");
}

#[test]
fn the_password_is_never_taken_from_arguments_and_must_be_strong() {
    let db = TestDb::new();
    let with_flag = preau(
        &db,
        &[
            "admin",
            "create-admin",
            "--username",
            "a1",
            "--password",
            "x",
        ],
        "",
    );
    assert!(!with_flag.status.success());
    assert!(text(&with_flag.stderr).contains("--password"));

    let empty = preau(&db, &["admin", "create-admin", "--username", "a1"], "");
    assert!(!empty.status.success());
    assert!(
        text(&empty.stderr).contains("no password"),
        "{}",
        text(&empty.stderr)
    );

    let weak = preau(
        &db,
        &["admin", "create-admin", "--username", "a1"],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(
        text(&weak.stderr).contains("at least"),
        "{}",
        text(&weak.stderr)
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_a_failure_code() {
    let db = TestDb::new();
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "admin",
                "create-org",
                "--slug",
                "x1",
                "--name",
                "X",
                "--kind",
                "castle",
            ],
            "kind",
        ),
        (
            &[
                "admin",
                "create-org",
                "--slug",
                "x1",
                "--name",
                "X",
                "--kind",
                "ecole",
                "--uai",
                "123",
            ],
            "uai",
        ),
        (
            &[
                "admin",
                "add-member",
                "--username",
                "ghost",
                "--org",
                "nowhere",
                "--role",
                "teacher",
            ],
            "nowhere",
        ),
        (&["admin", "token", "--username", "ghost"], "ghost"),
        (
            &[
                "admin",
                "add-member",
                "--username",
                "g",
                "--org",
                "o",
                "--role",
                "king",
            ],
            "role",
        ),
    ];
    for (args, needle) in cases {
        let out = preau(&db, args, "");
        assert!(!out.status.success(), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains("error:") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_broken_config_or_database_url_is_named() {
    let db = TestDb::new();
    let config = db.dir.path().join("broken.toml");
    std::fs::write(&config, "[federation]\nmode = \"sometimes\"\n").expect("write config");
    let out = preau(
        &db,
        &["--config", config.to_str().expect("utf8"), "migrate"],
        "",
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("federation.mode") && err.contains("sometimes"),
        "{err}"
    );
    assert!(err.contains("broken.toml"), "{err}");

    let missing = preau(&db, &["--config", "/nonexistent/preau.toml", "migrate"], "");
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("/nonexistent/preau.toml"));

    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(db.dir.path())
        .env("PREAU_DATABASE_URL", "postgres://nobody@127.0.0.1:1/preau")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("PostgreSQL") && err.contains("127.0.0.1"),
        "{err}"
    );

    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(db.dir.path())
        .env("PREAU_DATABASE_URL", "mysql://root@localhost/preau")
        .output()
        .expect("run");
    assert!(text(&out.stderr).contains("unsupported database `mysql`"));
    assert!(!Path::new(&db.dir.path().join("mysql:")).exists());
}

#[test]
fn federation_rules_are_managed_from_the_command_line() {
    let db = TestDb::new();
    for (args, expected) in [
        (
            vec!["admin", "federation", "allow", "ent.dsden44.example"],
            "allowed",
        ),
        (
            vec!["admin", "federation", "block", "SPAM.example."],
            "blocked",
        ),
        (vec!["admin", "federation", "mode", "open"], "open"),
    ] {
        let out = preau(&db, &args, "");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(expected),
            "{}",
            text(&out.stdout)
        );
    }
    let status = text(&preau(&db, &["admin", "federation", "status"], "").stdout);
    assert!(status.contains("mode: open"), "{status}");
    assert!(
        status.contains("allowlist: ent.dsden44.example"),
        "{status}"
    );
    assert!(
        status.contains("blocklist: spam.example"),
        "normalised: {status}"
    );

    let bad = preau(&db, &["admin", "federation", "mode", "sometimes"], "");
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("allowlist, open, closed"));
    let bad = preau(&db, &["admin", "federation", "allow", "not a domain/x"], "");
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("domain"));
    let missing = preau(
        &db,
        &["admin", "federation", "accept", "nobody.example"],
        "",
    );
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("peering request"),
        "{}",
        text(&missing.stderr)
    );
}
