//! Migrations on the backend under test: down-then-up works, and a schema
//! newer than the binary is refused.

use preau::db::Run;
use std::time::Duration;

use diesel::sql_query;
use preau::{
    AppState,
    db::{self, DatabaseUrl, Db, DbError, PoolOptions},
};

use crate::harness::{TestDb, test_settings};

fn open(db: &TestDb) -> Db {
    let url = DatabaseUrl::parse(&db.url, db.dir.path()).expect("url");
    Db::connect(
        &url,
        &PoolOptions {
            size: 1,
            busy_timeout_ms: 1000,
            connect_timeout: Duration::from_secs(5),
        },
    )
    .expect("connect")
}

#[test]
fn every_migration_reverts_and_applies_again() {
    let test_db = TestDb::new();
    let db = open(&test_db);
    let mut conn = db.get().expect("conn");
    let first = db::run_migrations(&mut conn).expect("up");
    assert!(!first.applied.is_empty());
    let reverted = db::revert_all_migrations(&mut conn).expect("down");
    assert_eq!(reverted, first.applied.len());
    assert!(
        sql_query("SELECT id FROM organisations")
            .exec(&mut conn)
            .is_err(),
        "tables are gone after down"
    );
    let again = db::run_migrations(&mut conn).expect("up again");
    assert_eq!(again.applied, first.applied);
    let nothing = db::run_migrations(&mut conn).expect("idempotent");
    assert!(nothing.applied.is_empty());
}

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused() {
    let test_db = TestDb::new();
    {
        let db = open(&test_db);
        let mut conn = db.get().expect("conn");
        db::run_migrations(&mut conn).expect("up");
        sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')")
            .exec(&mut conn)
            .expect("fake future migration");
    }
    let err = match AppState::open(test_settings(&test_db, "preau.test")).await {
        Ok(_) => panic!("a newer schema must be refused"),
        Err(e) => e,
    };
    assert!(matches!(err, DbError::SchemaTooNew { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("newer") && message.contains("29991231000000"),
        "{message}"
    );
}
