//! Several Préau instances on loopback ports (`localhost:PORT`, with
//! `federation.debug` on), and a signer to send hand-made requests.

use preau::db::Run;
use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use diesel::prelude::*;
use preau::{
    config::{FederationMode, Settings},
    db::{accounts, follows, schema},
    federation::{delivery, keys},
    server,
    services::{Caller, organisations},
};
use rsa::{RsaPrivateKey, pkcs8::DecodePrivateKey};
use serde_json::Value;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::harness::{TestApp, TestDb};

#[path = "../../support/signing.rs"]
mod signing;
use signing::signed_post_headers;

pub struct Instance {
    pub app: TestApp,
    pub domain: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    workers: CancellationToken,
    /// Milliseconds every inbox POST is held, to make deliveries slow.
    pub inbox_delay_ms: Arc<AtomicU64>,
}

/// Binds first, so that the domain (with its port) is known before the
/// instance is configured.
pub async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, format!("localhost:{port}"))
}

impl Instance {
    pub async fn start(
        listener: TcpListener,
        domain: &str,
        tweak: impl FnOnce(&mut Settings),
    ) -> Self {
        let app = TestApp::build(TestDb::new(), domain, tweak).await;
        let mut instance = Self {
            app,
            domain: domain.to_string(),
            stop: None,
            server: None,
            workers: CancellationToken::new(),
            inbox_delay_ms: Arc::new(AtomicU64::new(0)),
        };
        instance.serve(listener);
        instance
    }

    fn serve(&mut self, listener: TcpListener) {
        let delay = self.inbox_delay_ms.clone();
        let router = self.app.router.clone().layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let delay = delay.load(Ordering::Relaxed);
                async move {
                    if delay > 0 && request.uri().path().ends_with("inbox") {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                    }
                    next.run(request).await
                }
            },
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        self.server = Some(tokio::spawn(server::run_router(router, listener, async {
            let _ = stopped.await;
        })));
        self.stop = Some(stop);
        self.workers = CancellationToken::new();
        delivery::spawn(self.app.federation.clone(), self.workers.clone());
    }

    /// Starts again on the same port and data, after [`Instance::stop`].
    pub async fn restart(&mut self) {
        let port = self.domain.rsplit(':').next().expect("port");
        let listener = TcpListener::bind(format!("127.0.0.1:{port}"))
            .await
            .expect("rebind the same port");
        self.serve(listener);
    }

    /// Starts instances that allow the listed others (by index).
    pub async fn several(allow: &[&[usize]]) -> Vec<Self> {
        let mut listeners = Vec::new();
        for _ in allow {
            listeners.push(listener().await);
        }
        let domains: Vec<String> = listeners.iter().map(|(_, d)| d.clone()).collect();
        let mut instances = Vec::new();
        for ((listener, domain), allowed) in listeners.into_iter().zip(allow) {
            let allowlist: Vec<String> = allowed.iter().map(|i| domains[*i].clone()).collect();
            instances.push(
                Self::start(listener, &domain, move |s| {
                    s.federation.mode = FederationMode::Allowlist;
                    s.federation.allowlist = allowlist;
                })
                .await,
            );
        }
        instances
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.domain)
    }

    pub fn data(&self) -> activitypub_federation::config::Data<preau::AppState> {
        self.app.federation.to_request_data()
    }

    pub async fn org(&self, slug: &str, approve_followers: bool) -> String {
        organisations::create(
            &self.app.state,
            &Caller::Operator,
            organisations::CreateOrganisation {
                slug: slug.into(),
                name: format!("École {slug}"),
                kind: "ecole".into(),
                description: Some("Une école <b>publique</b>".into()),
                postal_code: Some("44000".into()),
                city: Some("Nantes".into()),
                phone: Some("02 40 00 00 00".into()),
                approve_followers,
                ..Default::default()
            },
        )
        .await
        .expect("create organisation")
        .id
    }

    /// An account and its token; returns (token, actor id).
    pub async fn person(&self, username: &str) -> (String, String) {
        let token = self.app.account(username, false).await;
        (token, self.url(&format!("/users/{username}")))
    }

    /// Asks, as `token`'s account here, to follow organisation `slug` of
    /// `other` by its handle.
    pub async fn follow(&self, token: &str, slug: &str, other: &Instance) -> crate::harness::Reply {
        let target = format!("{slug}@{}", other.domain);
        self.app
            .post(
                "/api/v1/follows",
                token,
                serde_json::json!({"target": target}),
            )
            .await
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        reqwest::get(self.url("/metrics"))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    }

    pub async fn admin_token(&self) -> String {
        self.app.account("admin", true).await
    }

    /// A signer holding a local account's key (made on demand).
    pub async fn signer(&self, username: &str) -> Signer {
        let account = {
            let name = username.to_string();
            self.app
                .state
                .db
                .run(move |conn| {
                    Ok::<_, preau::AppError>(
                        accounts::local_by_username(conn, &name)?.expect("account exists"),
                    )
                })
                .await
                .expect("lookup")
        };
        let account = keys::ensure_account_keys(&self.data(), account)
            .await
            .expect("keys");
        Signer::of(&account.ap_id, account.private_key.as_deref())
    }

    /// A signer holding a local organisation's key (made on demand).
    pub async fn group_signer(&self, slug: &str) -> Signer {
        let org = {
            let slug = slug.to_string();
            self.app
                .state
                .db
                .run(move |conn| {
                    Ok::<_, preau::AppError>(
                        preau::db::organisations::local_by_slug(conn, &slug)?.expect("org exists"),
                    )
                })
                .await
                .expect("lookup")
        };
        let org = keys::ensure_org_keys(&self.data(), org)
            .await
            .expect("keys");
        Signer::of(&org.ap_id, org.private_key.as_deref())
    }

    pub async fn count(&self, sql_table: &'static str) -> i64 {
        self.app
            .state
            .db
            .run(move |conn| {
                let n = match sql_table {
                    "follows" => schema::follows::table.count().fetch_one(conn)?,
                    "remote_accounts" => schema::accounts::table
                        .filter(schema::accounts::local.eq(false))
                        .count()
                        .fetch_one(conn)?,
                    "remote_orgs" => schema::organisations::table
                        .filter(schema::organisations::local.eq(false))
                        .count()
                        .fetch_one(conn)?,
                    "peers" => schema::peers::table.count().fetch_one(conn)?,
                    "received" => schema::received_activities::table.count().fetch_one(conn)?,
                    "tombstones" => schema::tombstones::table.count().fetch_one(conn)?,
                    "announcements" => schema::announcements::table.count().fetch_one(conn)?,
                    "acknowledgements" => {
                        schema::acknowledgements::table.count().fetch_one(conn)?
                    }
                    other => panic!("unknown count {other}"),
                };
                Ok::<_, preau::AppError>(n)
            })
            .await
            .expect("count")
    }

    /// The follow of `follower` to `target` as this instance records it.
    pub async fn follow_state(&self, follower: &str, target: &str) -> Option<bool> {
        let (f, t) = (follower.to_string(), target.to_string());
        self.app
            .state
            .db
            .run(move |conn| Ok::<_, preau::AppError>(follows::get(conn, &f, &t)?))
            .await
            .expect("follow lookup")
            .map(|row| !row.pending)
    }

    pub async fn stop(&mut self) {
        self.workers.cancel();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.workers.cancel();
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Waits until `check` holds, up to ten seconds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Signs requests by hand, so that tests can also sign them wrongly.
pub struct Signer {
    pub key_id: String,
    pub key: RsaPrivateKey,
}

impl Signer {
    /// An actor's main key, from its stored private key (PEM).
    fn of(actor: &str, private_key: Option<&str>) -> Self {
        Self {
            key_id: format!("{actor}#main-key"),
            key: RsaPrivateKey::from_pkcs8_pem(private_key.expect("private key")).expect("pem"),
        }
    }
}

/// What to sign and send; each field can be bent by a test.
pub struct SignedPost {
    pub url: String,
    pub body: String,
    /// The body actually sent, when it differs from the one signed.
    pub sent_body: Option<String>,
    pub headers: &'static str,
    pub date: std::time::SystemTime,
    pub host: Option<String>,
    pub key_id: Option<String>,
}

impl SignedPost {
    pub fn new(url: String, body: &Value) -> Self {
        Self {
            url,
            body: body.to_string(),
            sent_body: None,
            headers: "(request-target) host date digest",
            date: std::time::SystemTime::now(),
            host: None,
            key_id: None,
        }
    }

    pub async fn send(self, signer: &Signer) -> reqwest::StatusCode {
        let url = url::Url::parse(&self.url).expect("url");
        let host = self.host.clone().unwrap_or_else(|| {
            format!(
                "{}:{}",
                url.host_str().expect("host"),
                url.port().expect("port")
            )
        });
        let headers = signed_post_headers(
            &url,
            &host,
            self.body.as_bytes(),
            self.key_id.as_deref().unwrap_or(&signer.key_id),
            &signer.key,
            self.headers,
            self.date,
        );
        let mut request = reqwest::Client::new().post(url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request
            .body(self.sent_body.unwrap_or(self.body))
            .send()
            .await
            .expect("send")
            .status()
    }
}
