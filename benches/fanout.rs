//! Benchmark: one change of an organisation fanned out to 1,000 remote
//! inboxes on distinct domains, and the delivery rate sustained over a
//! longer run.
//!
//!     cargo bench --bench fanout
//!     PREAU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench fanout
//!
//! The 1,000 followers live on `f0.localhost` … `f999.localhost` (RFC 6761:
//! all loopback), all served by one sink in this process that checks every
//! HTTP signature with the group's key before answering 202. Each follower
//! domain is a lane of its own, as a real federation of 1,000 schools would
//! be. The sender is a full instance with its durable outbox and default
//! delivery settings.

#[path = "support/bench_db.rs"]
mod bench_db;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    routing::post,
};
use bench_db::BenchDb;
use preau::{
    AppState,
    config::{FederationMode, Settings},
    db::{follows, organisations as org_rows},
    federation::{self, delivery, keys, signatures},
    services::{Caller, instance, organisations},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const FOLLOWERS: usize = 1000;
const SUSTAINED_UPDATES: usize = 60;

struct Sink {
    public_key: String,
    verified: AtomicU64,
    refused: AtomicU64,
}

async fn inbox(
    State(sink): State<Arc<Sink>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let ok = signatures::check_digest(&headers, &body).is_ok()
        && signatures::verify(&method, &uri, &headers, &sink.public_key, true).unwrap_or(false);
    if ok {
        sink.verified.fetch_add(1, Ordering::Relaxed);
        StatusCode::ACCEPTED
    } else {
        sink.refused.fetch_add(1, Ordering::Relaxed);
        StatusCode::UNAUTHORIZED
    }
}

async fn wait_for(sink: &Sink, count: u64, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if sink.verified.load(Ordering::Relaxed) >= count {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

#[tokio::main]
async fn main() {
    let db = BenchDb::new();
    let backend = BenchDb::backend_name();
    let mut settings = Settings {
        domain: "sender.localhost".into(),
        data_dir: db.dir.path().to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = db.url.clone();
    settings.federation.debug = true;
    settings.federation.mode = FederationMode::Open;
    let state = AppState::open(settings).await.expect("open");
    instance::ensure_keys(&state).await.expect("instance keys");
    let config = federation::config(state.clone()).await.expect("federation");
    let data = config.to_request_data();

    let view = organisations::create(
        &state,
        &Caller::Operator,
        organisations::CreateOrganisation {
            slug: "dsden".into(),
            name: "DSDEN".into(),
            kind: "department".into(),
            ..Default::default()
        },
    )
    .await
    .expect("organisation");
    let slug = view.slug.clone();
    let row = state
        .db
        .run(move |conn| {
            Ok::<_, preau::AppError>(org_rows::local_by_slug(conn, &slug)?.expect("row"))
        })
        .await
        .expect("row");
    let row = keys::ensure_org_keys(&data, row).await.expect("keys");

    let sink = Arc::new(Sink {
        public_key: row.public_key.clone().expect("public key"),
        verified: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app = Router::new()
        .route("/inbox", post(inbox))
        .with_state(sink.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let group = row.ap_id.clone();
    state
        .db
        .run(move |conn| {
            for i in 0..FOLLOWERS {
                let domain = format!("f{i}.localhost:{port}");
                follows::upsert(
                    conn,
                    &format!("http://{domain}/users/reader"),
                    &format!("http://{domain}/inbox"),
                    &group,
                    &format!("http://{domain}/activities/follow/1"),
                    false,
                )?;
            }
            Ok::<_, preau::AppError>(())
        })
        .await
        .expect("followers");

    let stop = CancellationToken::new();
    let workers = delivery::spawn(config.clone(), stop.clone());
    let update = |i: usize| {
        let state = state.clone();
        async move {
            organisations::update(
                &state,
                &Caller::Operator,
                "dsden",
                organisations::UpdateOrganisation {
                    description: Some(format!("version {i}")),
                    ..Default::default()
                },
            )
            .await
            .expect("update")
        }
    };

    let started = Instant::now();
    update(0).await;
    let returned = started.elapsed();
    let fanned = wait_for(&sink, FOLLOWERS as u64, Duration::from_secs(120)).await;
    println!(
        "fan-out on {backend}: the change returned to its author in {:.1} ms (1,000 deliveries queued in its transaction)",
        returned.as_secs_f64() * 1e3
    );
    match fanned {
        Some(t) => println!(
            "fan-out on {backend}: 1 activity to {FOLLOWERS} inboxes on distinct domains, signatures verified by the sink, in {:.2} s",
            t.as_secs_f64()
        ),
        None => println!("fan-out on {backend}: did not complete in 120 s"),
    }

    let before = sink.verified.load(Ordering::Relaxed);
    for i in 1..=SUSTAINED_UPDATES {
        update(i).await;
    }
    let total = before + (SUSTAINED_UPDATES * FOLLOWERS) as u64;
    if let Some(t) = wait_for(&sink, total, Duration::from_secs(600)).await {
        println!(
            "sustained on {backend}: {} deliveries in {:.1} s = {:.0} deliveries per second",
            SUSTAINED_UPDATES * FOLLOWERS,
            t.as_secs_f64(),
            (SUSTAINED_UPDATES * FOLLOWERS) as f64 / t.as_secs_f64()
        );
    } else {
        println!("sustained on {backend}: did not drain in 600 s");
    }
    println!(
        "refused by the sink (bad signature): {}",
        sink.refused.load(Ordering::Relaxed)
    );
    stop.cancel();
    let _ = workers.await;
    // The state's pool closes before the database is dropped.
    drop(state);
    drop(db);
}
