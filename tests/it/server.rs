//! The server as a process: first start on an empty directory, readiness,
//! graceful shutdown.

use preau::db::{DbConn, Run};
use std::{
    net::TcpListener as StdListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use axum::routing::get;
use diesel::{Connection, SqliteConnection, sql_query};
use preau::{server, web};
use tokio::sync::oneshot;

use crate::harness::{TestApp, TestDb, data_dir};

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_ready(url: &str) -> bool {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

#[tokio::test]
async fn first_start_creates_the_database_and_keys_then_stops_cleanly_on_sigterm() {
    let db = TestDb::new();
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_preau"));
    command
        .arg("serve")
        .current_dir(db.dir.path())
        .env("PREAU_BIND", format!("127.0.0.1:{port}"))
        .env("PREAU_DOMAIN", format!("localhost:{port}"))
        .env("PREAU_DATA_DIR", data_dir(&db))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if db.is_postgres() {
        command.env("PREAU_DATABASE_URL", &db.url);
    } else {
        // The embedded default: no database URL at all.
        command.env_remove("PREAU_DATABASE_URL");
    }
    let mut running = Running(command.spawn().expect("start preau"));
    assert!(
        wait_ready(&format!("http://127.0.0.1:{port}/readyz")).await,
        "server never became ready"
    );

    if !db.is_postgres() {
        let file = data_dir(&db).join("preau.db");
        assert!(file.is_file(), "data/preau.db created");
        let mut conn =
            DbConn::Sqlite(SqliteConnection::establish(&file.to_string_lossy()).expect("open"));
        let mode: JournalMode = sql_query("PRAGMA journal_mode")
            .fetch_one(&mut conn)
            .expect("pragma");
        assert_eq!(mode.journal_mode, "wal");
    }
    let instance = reqwest::get(format!("http://127.0.0.1:{port}/api/v1/instance"))
        .await
        .expect("instance")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    assert_eq!(instance["domain"], format!("localhost:{port}"));
    assert_eq!(instance["federation_mode"], "allowlist");

    let pid = running.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = running.0.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit: {status:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(running.0.stderr.as_mut().expect("stderr"), &mut stderr)
        .expect("read logs");
    assert!(stderr.contains("instance key pair created"), "{stderr}");
    assert!(stderr.contains("préau stopped"), "{stderr}");
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let app = TestApp::new().await;
    let (entered_tx, entered_rx) = oneshot::channel::<()>();
    let entered = std::sync::Mutex::new(Some(entered_tx));
    let entered = std::sync::Arc::new(entered);
    let router = web::router(app.state.clone(), app.federation.clone()).route(
        "/slow",
        get(move || {
            let entered = entered.clone();
            async move {
                if let Some(tx) = entered.lock().expect("lock").take() {
                    let _ = tx.send(());
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(server::run_router(router, listener, async {
        let _ = stop_rx.await;
    }));

    let request = tokio::spawn(reqwest::get(format!("http://{addr}/slow")));
    entered_rx.await.expect("request reached the handler");
    stop_tx.send(()).expect("signal shutdown");

    let response = request
        .await
        .expect("join")
        .expect("response despite shutdown");
    assert_eq!(response.text().await.expect("body"), "done");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops after the request")
        .expect("join")
        .expect("clean stop");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn a_periodic_job_runs_in_one_process_per_period() {
    use preau::services::periodic;
    use std::time::Duration;

    let app = TestApp::new().await;
    // A second process on the same database.
    let other = preau::AppState::open(app.state.settings.as_ref().clone())
        .await
        .expect("second process");
    let hour = Duration::from_secs(3600);
    assert!(periodic::due(&app.state, "mirror", hour).await);
    assert!(
        !periodic::due(&other, "mirror", hour).await,
        "taken this hour"
    );
    assert!(!periodic::due(&app.state, "mirror", hour).await);
    // Another job has its own periods.
    assert!(periodic::due(&other, "directory_sync", hour).await);
    // Once the period has passed (here: a period of nothing), it is due again.
    assert!(periodic::due(&other, "mirror", Duration::ZERO).await);
}
