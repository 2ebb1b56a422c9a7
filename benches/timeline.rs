//! Benchmark for announcements: the home timeline under load, and the time
//! a publication takes to return to its author.
//!
//!     cargo bench --bench timeline
//!     PREAU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench timeline
//!
//! The database holds 1,000 organisations (each school following its
//! circonscription), 10,000 accounts (each a member of one organisation as
//! director or teacher, and following 10 others in person) and 100,000
//! announcements (a third of them addressed to one role). 100 clients, on
//! the same two cores as the server, read their home timelines over HTTP
//! with their own tokens. Then one announcement is published for an
//! organisation with 1,000 local and 1,000 remote followers.

#[path = "support/bench_db.rs"]
mod bench_db;
#[path = "support/bench_server.rs"]
mod bench_server;

use preau::db::Run;
use std::time::{Duration, Instant};

use bench_db::BenchDb;
use bench_server::BenchServer;
use diesel::sql_query;
use preau::{
    db::DbConn,
    services::{Caller, announcements, auth},
};

const ORGS: usize = 1_000;
const ACCOUNTS: usize = 10_000;
const ANNOUNCEMENTS: usize = 100_000;
const FOLLOWS_PER_ACCOUNT: usize = 10;
const CLIENTS: usize = 100;
const TOKENS: usize = 1_000;
const RUN: Duration = Duration::from_secs(15);

fn exec(conn: &mut DbConn, sql: &str) {
    sql_query(sql).exec(conn).expect("seed statement");
}

/// Multi-row inserts of `rows` (already formatted tuples), 500 at a time.
fn insert_all(conn: &mut DbConn, head: &str, rows: impl Iterator<Item = String>) {
    let rows: Vec<String> = rows.collect();
    for chunk in rows.chunks(500) {
        exec(conn, &format!("{head} VALUES {}", chunk.join(",")));
    }
}

fn seed(conn: &mut DbConn, domain: &str) {
    let t = "'2026-11-23 08:00:00'";
    let base = format!("http://{domain}");
    insert_all(
        conn,
        "INSERT INTO organisations (slug, domain, local, ap_id, inbox_url, kind, name, description, approve_followers, closed, created_at, updated_at, last_refreshed_at)",
        (0..ORGS).map(|i| {
            format!("('org{i}', '{domain}', TRUE, '{base}/orgs/org{i}', '{base}/orgs/org{i}/inbox', 'ecole', 'École {i}', '', FALSE, FALSE, {t}, {t}, {t})")
        }),
    );
    insert_all(
        conn,
        "INSERT INTO accounts (username, domain, local, ap_id, inbox_url, display_name, is_admin, disabled, created_at, updated_at, last_refreshed_at)",
        (0..ACCOUNTS).map(|i| {
            format!("('user{i}', '{domain}', TRUE, '{base}/users/user{i}', '{base}/users/user{i}/inbox', 'User {i}', FALSE, FALSE, {t}, {t}, {t})")
        }),
    );
    // Ids follow insertion order on a fresh database.
    insert_all(
        conn,
        "INSERT INTO memberships (account_id, organisation_id, role, created_at)",
        (0..ACCOUNTS).map(|i| {
            let role = if i % 5 == 0 { "director" } else { "teacher" };
            format!("({}, {}, '{role}', {t})", i + 1, (i % ORGS) + 1)
        }),
    );
    let mut follows = Vec::new();
    for i in 0..ACCOUNTS {
        for k in 0..FOLLOWS_PER_ACCOUNT {
            let org = (i * 7 + k * 37) % ORGS;
            follows.push(format!(
                "('{base}/users/user{i}', '{base}/inbox', '{base}/orgs/org{org}', '{base}/activities/follow/{i}-{k}', FALSE, {t}, {t})"
            ));
        }
    }
    for i in 0..ORGS {
        let circo = (i / 20) * 20;
        if circo != i {
            follows.push(format!(
                "('{base}/orgs/org{i}', '{base}/inbox', '{base}/orgs/org{circo}', '{base}/activities/follow/o{i}', FALSE, {t}, {t})"
            ));
        }
    }
    insert_all(
        conn,
        "INSERT INTO follows (follower_ap_id, follower_inbox, target_ap_id, activity_ap_id, pending, created_at, updated_at)",
        follows.into_iter(),
    );
    let body = "<p>Madame, Monsieur, vous trouverez ci-dessous les informations utiles pour la semaine : horaires, sorties, réunions et rappels administratifs.</p><ul><li>lundi : conseil des maîtres</li><li>jeudi : animation pédagogique</li></ul>".repeat(2);
    insert_all(
        conn,
        "INSERT INTO announcements (public_id, ap_id, local, organisation_id, author_ap_id, author_name, title, summary, body_html, category, target_roles, public, pinned, ack_requested, url, published_at, updated_at, received_at)",
        (0..ANNOUNCEMENTS).map(|i| {
            let org = i % ORGS;
            let (roles, public) = match i % 3 {
                0 => (",director,", "FALSE"),
                _ => ("", "TRUE"),
            };
            let category = ["administrative", "pedagogy", "event", "urgent"][i % 4];
            format!(
                "('{i:016x}', '{base}/announcements/{i:016x}', TRUE, {}, '{base}/users/user{org}', 'User', 'Annonce {i}', 'Résumé de l''annonce {i}', '{body}', '{category}', '{roles}', {public}, FALSE, FALSE, '{base}/announcements/{i:016x}', {t}, {t}, {t})",
                org + 1
            )
        }),
    );
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let backend = BenchDb::backend_name();
    let mut server = BenchServer::open(|s| {
        s.federation.debug = true;
    })
    .await;
    let (state, port, domain) = (server.state.clone(), server.port, server.domain.clone());

    let started = Instant::now();
    let seed_domain = domain.clone();
    state
        .db
        .run(move |conn| {
            preau::db::transaction(conn, |conn| {
                seed(conn, &seed_domain);
                // Raw inserts bypass the feed upkeep: build the feeds once.
                preau::db::home_feed::rebuild_all(conn)?;
                Ok::<_, preau::AppError>(())
            })?;
            // Planner statistics, as a long-running instance would have.
            exec(conn, "ANALYZE");
            Ok::<_, preau::AppError>(())
        })
        .await
        .expect("seed");
    println!(
        "timeline on {backend}: seeded {ORGS} organisations, {ACCOUNTS} accounts, {ANNOUNCEMENTS} announcements in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut tokens = Vec::new();
    for i in 0..TOKENS {
        let user = format!("user{}", i * (ACCOUNTS / TOKENS));
        tokens.push(
            auth::create_token(&state, &Caller::Operator, &user, "bench")
                .await
                .expect("token"),
        );
    }

    server.serve().await;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    // `PREAU_BENCH_PATH` points the load at another endpoint, to compare.
    let path = std::env::var("PREAU_BENCH_PATH").unwrap_or_else(|_| "/api/v1/timeline".into());
    let url = format!("http://127.0.0.1:{port}{path}");
    // Warm-up: every token once.
    for token in &tokens {
        let reply = client
            .get(&url)
            .header("Host", &domain)
            .bearer_auth(token)
            .send()
            .await
            .expect("timeline");
        assert!(reply.status().is_success(), "{}", reply.status());
        let body: serde_json::Value = reply.json().await.expect("json");
        if path == "/api/v1/timeline" {
            assert_eq!(
                body["items"].as_array().map(Vec::len),
                Some(20),
                "a full page"
            );
        }
    }
    let deadline = Instant::now() + RUN;
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, url, domain) = (client.clone(), url.clone(), domain.clone());
        let tokens = tokens.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = c;
            while Instant::now() < deadline {
                let token = &tokens[n % tokens.len()];
                n += CLIENTS;
                let sent = Instant::now();
                let reply = client
                    .get(&url)
                    .header("Host", &domain)
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("timeline");
                let ok = reply.status().is_success();
                let _ = reply.bytes().await.expect("body");
                assert!(ok);
                latencies.push(sent.elapsed().as_micros() as u64);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    all.sort_unstable();
    println!(
        "timeline on {backend}: {CLIENTS} clients, {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms ({} requests in {} s)",
        all.len() as f64 / RUN.as_secs_f64(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.len(),
        RUN.as_secs()
    );

    // Publishing for org0 with 1,000 local and 1,000 remote followers.
    let group = format!("http://{domain}/orgs/org0");
    let publisher = state
        .db
        .run(move |conn| {
            let t = "'2026-11-23 08:00:00'";
            let local = (0..1000).map(|i| {
                format!("('http://{domain}/users/user{i}', 'http://x/inbox', '{group}', 'http://x/f/{i}', FALSE, {t}, {t})")
            });
            let remote = (0..1000).map(|i| {
                format!("('http://r{i}.localhost/users/u', 'http://r{i}.localhost/inbox', '{group}', 'http://r{i}.localhost/f', FALSE, {t}, {t})")
            });
            exec(conn, "DELETE FROM follows WHERE target_ap_id LIKE '%/orgs/org0'");
            insert_all(
                conn,
                "INSERT INTO follows (follower_ap_id, follower_inbox, target_ap_id, activity_ap_id, pending, created_at, updated_at)",
                local.chain(remote),
            );
            Ok::<_, preau::AppError>(preau::db::accounts::by_id(conn, 1)?)
        })
        .await
        .expect("followers");
    let caller = Caller::Account(Box::new(publisher.into()));
    let mut timings = Vec::new();
    for i in 0..10 {
        let started = Instant::now();
        announcements::publish(
            &state,
            &caller,
            "org0",
            announcements::NewAnnouncement {
                title: format!("Publication {i}"),
                body: "Réunion **jeudi** à 17 h.".into(),
                ..Default::default()
            },
        )
        .await
        .expect("publish");
        timings.push(started.elapsed().as_micros() as u64);
    }
    timings.sort_unstable();
    println!(
        "timeline on {backend}: publishing to 1,000 local + 1,000 remote followers returned in {:.1} ms (median of 10, max {:.1} ms; 2,000 deliveries queued)",
        percentile(&timings, 0.5),
        percentile(&timings, 1.0)
    );

    // The state's pool closes before the database is dropped.
    drop(state);
    drop(server);
}
