//! Benchmark: inbound signed `Follow` activities processed per second by
//! one instance, and the raw cost of one RSA-2048 signature check.
//!
//!     cargo bench --bench inbox_follows
//!     PREAU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench inbox_follows
//!
//! Two instances run in this process on loopback ports: B's people follow a
//! group on A. The group approves its followers by hand, so A sends nothing
//! back and the figure is A's inbox alone: limits, policy, dedup, signature,
//! verify, and the follow written with its activity id. Requests are signed
//! before the clock starts; the sender's cost is not counted.

#[path = "support/bench_db.rs"]
mod bench_db;

use bench_db::BenchDb;

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use preau::{
    AppState,
    config::{FederationMode, Settings},
    federation::{self, keys},
    server,
    services::{Caller, accounts, instance, organisations},
    web,
};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey, pkcs8::DecodePrivateKey};
use sha2::{Digest, Sha256};
use tokio::{net::TcpListener, sync::Semaphore};

#[path = "../tests/support/signing.rs"]
mod signing;

const PEOPLE: usize = 20;
const FOLLOWS: usize = 3000;
const CONCURRENCY: usize = 32;

struct Node {
    state: AppState,
    domain: String,
    _db: BenchDb,
}

async fn node(allow: String, listener: TcpListener, domain: &str) -> Node {
    let db = BenchDb::new();
    let mut settings = Settings {
        domain: domain.to_string(),
        data_dir: db.dir.path().to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = db.url.clone();
    settings.federation.debug = true;
    settings.federation.mode = FederationMode::Allowlist;
    settings.federation.allowlist = vec![allow];
    // The figure is the inbox's throughput, not its flood guard's.
    settings.limits.inbox_per_domain_per_minute = 0;
    let state = AppState::open(settings).await.expect("open");
    instance::ensure_keys(&state).await.expect("keys");
    let config = federation::config(state.clone()).await.expect("federation");
    let router = web::router(state.clone(), config);
    tokio::spawn(server::run_router(router, listener, std::future::pending()));
    Node {
        state,
        domain: domain.to_string(),
        _db: db,
    }
}

async fn bind() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, format!("localhost:{port}"))
}

fn rsa_verify_cost() -> Duration {
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
    let public = RsaPublicKey::from(&key);
    let digest = Sha256::digest(b"(request-target): post /inbox\nhost: a\ndate: x\ndigest: y");
    let signature = key
        .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
        .expect("sign");
    let rounds = 2000;
    let started = Instant::now();
    for _ in 0..rounds {
        public
            .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
            .expect("verify");
    }
    started.elapsed() / rounds
}

#[tokio::main]
async fn main() {
    let backend = BenchDb::backend_name();
    let per_verify = rsa_verify_cost();
    println!(
        "raw RSA-2048 signature check (rsa crate): {:.1} µs",
        per_verify.as_secs_f64() * 1e6
    );

    let ((la, da), (lb, db)) = (bind().await, bind().await);
    let a = node(db.clone(), la, &da).await;
    let b = node(da.clone(), lb, &db).await;
    let group = organisations::create(
        &a.state,
        &Caller::Operator,
        organisations::CreateOrganisation {
            slug: "bench-ecole".into(),
            name: "École du banc d'essai".into(),
            kind: "ecole".into(),
            approve_followers: true,
            ..Default::default()
        },
    )
    .await
    .expect("group")
    .id;

    let b_data = federation::config(b.state.clone())
        .await
        .expect("config")
        .to_request_data();
    let mut people = Vec::new();
    for i in 0..PEOPLE {
        let view = accounts::create(
            &b.state,
            &Caller::Operator,
            accounts::CreateAccount {
                username: format!("person{i}"),
                password: None,
                display_name: None,
                email: None,
                is_admin: false,
            },
        )
        .await
        .expect("account");
        let name = view.username.clone();
        let row = b
            .state
            .db
            .run(move |conn| {
                Ok::<_, preau::AppError>(
                    preau::db::accounts::local_by_username(conn, &name)?.expect("row"),
                )
            })
            .await
            .expect("row");
        let row = keys::ensure_account_keys(&b_data, row).await.expect("keys");
        let key =
            RsaPrivateKey::from_pkcs8_pem(row.private_key.as_deref().expect("key")).expect("pem");
        people.push((row.ap_id, Arc::new(key)));
    }

    let inbox = url::Url::parse(&format!("http://{}/inbox", a.domain)).expect("inbox");
    let sign = |n: usize| {
        let (actor, key) = &people[n % PEOPLE];
        let body = serde_json::json!({
            "id": format!("http://{}/activities/follow/{n}", b.domain),
            "type": "Follow",
            "actor": actor,
            "object": group,
        })
        .to_string();
        let headers = signing::signed_post_headers(
            &inbox,
            &a.domain,
            body.as_bytes(),
            &format!("{actor}#main-key"),
            key,
            "(request-target) host date digest",
            SystemTime::now(),
        );
        (headers, body)
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("client");
    let send = |client: reqwest::Client, (headers, body): (Vec<(&'static str, String)>, String)| {
        let inbox = inbox.clone();
        async move {
            let mut request = client.post(inbox);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.body(body).send().await.map(|r| r.status().as_u16())
        }
    };

    // Warm-up: A fetches and stores each person once.
    for n in 0..PEOPLE {
        let status = send(client.clone(), sign(FOLLOWS + n)).await.expect("send");
        assert_eq!(status, 202, "warm-up follow refused");
    }

    let requests: Vec<_> = (0..FOLLOWS).map(sign).collect();
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(FOLLOWS);
    for request in requests {
        let permit = permits.clone().acquire_owned().await.expect("permit");
        let fut = send(client.clone(), request);
        tasks.push(tokio::spawn(async move {
            let status = fut.await;
            drop(permit);
            status
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        if matches!(task.await.expect("join"), Ok(202)) {
            accepted += 1;
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(accepted, FOLLOWS, "every follow must be accepted");
    println!(
        "inbound signed Follow on {backend}: {FOLLOWS} in {:.2} s = {:.0} per second \
         ({CONCURRENCY} concurrent senders, 2 cores shared with the sender)",
        elapsed.as_secs_f64(),
        FOLLOWS as f64 / elapsed.as_secs_f64()
    );
}
