//! Benchmark: directory search over a national-size directory (66,000
//! establishments, imported from the generated file), 50 clients on the
//! same two cores as the server, anonymous, over HTTP.
//!
//!     cargo bench --bench directory_search
//!     PREAU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench directory_search
//!
//! The queries mix what people type: a school's name words, a commune, a
//! UAI, filters by department and kind, and one broad word that matches
//! most of the directory ("ecole"). Each kind of query is reported apart,
//! then all together.

#[path = "support/annuaire_file.rs"]
mod annuaire_file;
#[path = "support/bench_db.rs"]
mod bench_db;
#[path = "support/bench_server.rs"]
mod bench_server;

use preau::db::Run;
use std::time::{Duration, Instant};

use annuaire_file::{ROWS, generate};
use bench_db::BenchDb;
use bench_server::BenchServer;
use diesel::sql_query;
use preau::directory::annuaire;

/// Concurrent clients; `PREAU_BENCH_CLIENTS` changes it (1 shows each
/// query's own latency).
fn clients() -> usize {
    std::env::var("PREAU_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}
const RUN: Duration = Duration::from_secs(10);

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

/// The query for request `n`, and its kind.
fn query(n: usize) -> (&'static str, String) {
    let i = (n * 7919) % ROWS;
    let department = i % 101 + 1;
    match n % 6 {
        0 => ("name words", format!("q=numero%20{i}")),
        1 => ("commune", format!("commune=commune%20{i}")),
        2 => (
            "department and kind",
            format!("department={department}&kind=lycee"),
        ),
        3 => (
            "words and filter",
            format!("q=numero%20{i}&department={department}"),
        ),
        4 => (
            "uai prefix",
            format!("q={:07}", department * 10_000 + i / 101),
        ),
        _ => ("broad word", "q=ecole".to_string()),
    }
}

#[tokio::main]
async fn main() {
    let backend = BenchDb::backend_name();
    let mut server = BenchServer::open(|s| {
        // `PREAU_BENCH_POOL` tries another connection pool size.
        if let Some(size) = std::env::var("PREAU_BENCH_POOL")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            s.database.pool_size = size;
        }
    })
    .await;
    let (state, port, domain) = (server.state.clone(), server.port, server.domain.clone());

    let started = Instant::now();
    let (csv, settings) = (generate(), state.settings.clone());
    state
        .db
        .run(move |conn| {
            let (records, _) = annuaire::read(&csv).expect("read");
            preau::directory::import::import(
                conn,
                &settings,
                &records,
                &preau::directory::import::Scope::default(),
                &|_| {},
            )?;
            // Planner statistics, as a long-running instance would have.
            sql_query("ANALYZE").exec(conn)?;
            Ok::<_, preau::AppError>(())
        })
        .await
        .expect("import");
    println!(
        "directory search on {backend}: imported {ROWS} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    server.serve().await;
    let clients = clients();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let base = format!("http://127.0.0.1:{port}/api/v1/directory/organisations?");

    // Each kind of query finds something (the benchmark measures searches
    // that answer, not empty ones), except where nothing is expected.
    for n in 0..6 {
        let (kind, q) = query(n);
        let body: serde_json::Value = client
            .get(format!("{base}{q}"))
            .header("Host", &domain)
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("json");
        let found = body["items"].as_array().map_or(0, Vec::len);
        assert!(found > 0, "{kind} ({q}) found nothing: {body}");
    }

    let deadline = Instant::now() + RUN;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, base, domain) = (client.clone(), base.clone(), domain.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<(&'static str, u64)> = Vec::new();
            let mut n = c;
            while Instant::now() < deadline {
                let (kind, q) = query(n);
                n += clients;
                let sent = Instant::now();
                let reply = client
                    .get(format!("{base}{q}"))
                    .header("Host", &domain)
                    .send()
                    .await
                    .expect("search");
                let ok = reply.status().is_success();
                let _ = reply.bytes().await.expect("body");
                assert!(ok);
                latencies.push((kind, sent.elapsed().as_micros() as u64));
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    let mut kinds: Vec<&str> = all.iter().map(|(k, _)| *k).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let mut times: Vec<u64> = all
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| *t)
            .collect();
        times.sort_unstable();
        println!(
            "directory search on {backend}:   {kind:<20} p50 {:.1} ms, p99 {:.1} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    let mut times: Vec<u64> = all.iter().map(|(_, t)| *t).collect();
    times.sort_unstable();
    println!(
        "directory search on {backend}: {clients} clients, {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms ({} requests in {} s)",
        times.len() as f64 / RUN.as_secs_f64(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.len(),
        RUN.as_secs()
    );
    drop(state);
    drop(server);
}
