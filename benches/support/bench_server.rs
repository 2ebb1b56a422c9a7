//! An instance for an HTTP benchmark: a fresh database ([`BenchDb`]), a
//! free loopback port, the instance key; it answers once the benchmark has
//! seeded it and calls [`BenchServer::serve`].

use preau::{AppState, config::Settings, web};
use tokio::net::TcpListener;

use super::bench_db::BenchDb;

/// Fields drop in order: the state's pool closes before the database goes.
pub struct BenchServer {
    pub state: AppState,
    pub port: u16,
    /// `localhost:{port}`: the instance's domain, and the `Host` to send.
    pub domain: String,
    /// Kept until the benchmark ends: dropping it removes the database.
    db: BenchDb,
    listener: Option<TcpListener>,
}

impl BenchServer {
    /// Opens the instance; `tune` changes its settings first.
    pub async fn open(tune: impl FnOnce(&mut Settings)) -> Self {
        let db = BenchDb::new();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let domain = format!("localhost:{port}");
        let mut settings = Settings {
            domain: domain.clone(),
            data_dir: db.dir.path().to_path_buf(),
            ..Settings::default()
        };
        settings.database.url = db.url.clone();
        tune(&mut settings);
        let state = AppState::open(settings).await.expect("open");
        preau::services::instance::ensure_keys(&state)
            .await
            .expect("keys");
        Self {
            state,
            port,
            domain,
            db,
            listener: Some(listener),
        }
    }

    /// Starts answering HTTP on the port, in the background, once the
    /// benchmark has seeded the database (see [`BenchDb::settle`]).
    pub async fn serve(&mut self) {
        let listener = self.listener.take().expect("served once");
        self.db.settle();
        let config = preau::federation::config(self.state.clone())
            .await
            .expect("federation");
        let router = web::router(self.state.clone(), config);
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
    }
}
