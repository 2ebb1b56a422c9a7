//! Test harness: a fresh database per test, an app to call through the
//! router without sockets, and a real server on a loopback port when a test
//! needs one.

use std::{collections::BTreeMap, path::PathBuf};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use diesel::{Connection, PgConnection, connection::SimpleConnection};
use http_body_util::BodyExt;
use preau::{
    AppState,
    config::Settings,
    services::{Caller, accounts, auth},
    web,
};
use serde_json::Value;
use tower::ServiceExt;

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    pub url: String,
    /// Keeps the SQLite file (and the data directory) alive.
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match std::env::var("PREAU_TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let name = format!("preau_test_{:016x}", rand::random::<u64>());
                let mut admin = PgConnection::establish(&base)
                    .unwrap_or_else(|e| panic!("PREAU_TEST_DATABASE_URL {base}: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut url = url::Url::parse(&base).expect("postgres url");
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

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg
            && let Ok(mut admin) = PgConnection::establish(base)
        {
            // Best effort: a leftover database only costs disk.
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Settings of a test instance: its own database and data directory,
/// federation debug on (loopback peers), small pool.
pub fn test_settings(db: &TestDb, domain: &str) -> Settings {
    let env: BTreeMap<String, String> = [
        ("PREAU_DOMAIN", domain.to_string()),
        ("PREAU_DATABASE_URL", db.url.clone()),
        ("PREAU_DATA_DIR", data_dir(db).display().to_string()),
        ("PREAU_FEDERATION_DEBUG", "true".into()),
        ("PREAU_DATABASE_POOL_SIZE", "4".into()),
        // Fast retries, so that hours of downtime take a second.
        ("PREAU_DELIVERY_RETRY_BASE_SECS", "0.1".into()),
        ("PREAU_DELIVERY_RETRY_MAX_SECS", "0.5".into()),
        ("PREAU_DELIVERY_POLL_INTERVAL_MS", "50".into()),
        ("PREAU_DELIVERY_LEASE_SECS", "5".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Settings::from_sources(None, &env).expect("test settings")
}

pub fn data_dir(db: &TestDb) -> PathBuf {
    db.dir.path().join("data")
}

/// One instance, called through its router.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub db: TestDb,
    pub federation: activitypub_federation::config::FederationConfig<AppState>,
}

/// A response: status and parsed JSON body (`Value::Null` when empty).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
}

impl Reply {
    pub fn error_code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    /// The reply, after checking its status (the body shows on failure).
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(|_| {}).await
    }

    pub async fn with_settings(tweak: impl FnOnce(&mut Settings)) -> Self {
        Self::build(TestDb::new(), "preau.test", tweak).await
    }

    /// An app on a database that something else (the CLI) prepared.
    pub async fn on_existing(db: TestDb) -> Self {
        Self::build(db, "preau.test", |_| {}).await
    }

    pub async fn build(db: TestDb, domain: &str, tweak: impl FnOnce(&mut Settings)) -> Self {
        // Logs only when asked for: `RUST_LOG=info cargo test … -- --nocapture`.
        if std::env::var_os("RUST_LOG").is_some() {
            preau::telemetry::init(&preau::config::LogSettings::default());
        }
        let mut settings = test_settings(&db, domain);
        tweak(&mut settings);
        let state = AppState::open(settings).await.expect("open test instance");
        preau::services::instance::ensure_keys(&state)
            .await
            .expect("instance keys");
        let federation = preau::federation::config(state.clone())
            .await
            .expect("federation config");
        let router = web::router(state.clone(), federation.clone());
        Self {
            state,
            router,
            db,
            federation,
        }
    }

    /// Creates an account through the services, as the operator would.
    pub async fn account(&self, username: &str, admin: bool) -> String {
        accounts::create(
            &self.state,
            &Caller::Operator,
            accounts::CreateAccount {
                username: username.into(),
                password: Some("a long enough password".into()),
                display_name: None,
                email: Some(format!("{username}@example.fr")),
                is_admin: admin,
            },
        )
        .await
        .expect("create account");
        auth::create_token(&self.state, &Caller::Operator, username, "test")
            .await
            .expect("create token")
    }

    /// An instance admin's token.
    pub async fn admin(&self) -> String {
        self.account("admin", true).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.state.settings.domain.as_str());
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("request");
        self.send(request).await
    }

    /// An anonymous GET asking for one media type (`Accept`).
    pub async fn get_as(&self, path: &str, accept: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::HOST, self.state.settings.domain.as_str())
                .header(header::ACCEPT, accept)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, Some(token), None).await
    }
}
