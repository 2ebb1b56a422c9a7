//! Benchmark: uploading and downloading a large resource file over
//! loopback HTTP, and the process's peak memory while it happens.
//!
//!     cargo bench --bench resources_transfer
//!
//! The client streams the multipart body from a generator and reads the
//! download as a stream, so neither side of the benchmark holds the file.
//! Memory is the process's peak resident size (`VmHWM`) after a 10 MB and
//! after a 100 MB transfer: if the server buffered files, the second would
//! be about 90 MB higher.

#[path = "support/bench_db.rs"]
mod bench_db;
#[path = "support/bench_server.rs"]
mod bench_server;

use std::time::Instant;

use bench_db::BenchDb;
use bench_server::BenchServer;
use bytes::Bytes;
use futures_util::StreamExt;
use preau::services::{Caller, auth, organisations};

const MB: usize = 1024 * 1024;
const CHUNK: usize = 256 * 1024;
const BOUNDARY: &str = "preau-bench-boundary";

/// Peak resident memory of this process, in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A multipart body with a `meta` part and one file of `size` bytes, made
/// chunk by chunk as it is sent.
fn body(size: usize, seed: u8) -> reqwest::Body {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\
         Content-Type: application/json\r\n\r\n\
         {{\"title\":\"Gros fichier\",\"licence\":\"CC-BY-4.0\"}}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"video.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let chunks = size.div_ceil(CHUNK);
    let data = futures_util::stream::iter(0..chunks).map(move |i| {
        let len = CHUNK.min(size - i * CHUNK);
        // Varying bytes, so that nothing along the way compresses them.
        let chunk: Vec<u8> = (0..len)
            .map(|j| {
                (j as u8)
                    .wrapping_mul(31)
                    .wrapping_add(i as u8)
                    .wrapping_add(seed)
            })
            .collect();
        Ok::<_, std::io::Error>(Bytes::from(chunk))
    });
    let stream = futures_util::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(data)
        .chain(futures_util::stream::once(
            async move { Ok(Bytes::from(tail)) },
        ));
    reqwest::Body::wrap_stream(stream)
}

#[tokio::main]
async fn main() {
    let backend = BenchDb::backend_name();
    let mut server = BenchServer::open(|s| {
        s.limits.max_upload_bytes = 200 * MB as u64;
        s.limits.request_timeout_secs = 600;
    })
    .await;
    let (state, port, domain) = (server.state.clone(), server.port, server.domain.clone());
    preau::services::accounts::create(
        &state,
        &Caller::Operator,
        preau::services::accounts::CreateAccount {
            username: "cpc".into(),
            password: None,
            display_name: None,
            email: None,
            is_admin: true,
        },
    )
    .await
    .expect("account");
    organisations::create(
        &state,
        &Caller::Operator,
        organisations::CreateOrganisation {
            slug: "circo".into(),
            name: "Circonscription".into(),
            kind: "circonscription".into(),
            ..Default::default()
        },
    )
    .await
    .expect("organisation");
    let token = auth::create_token(&state, &Caller::Operator, "cpc", "bench")
        .await
        .expect("token");
    server.serve().await;
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");

    println!(
        "resources transfer on {backend}: peak memory at start {:.0} MiB",
        peak_mib()
    );
    for (size_mb, seed) in [(10, 1u8), (100, 2u8)] {
        let size = size_mb * MB;
        let started = Instant::now();
        let reply = client
            .post(format!("{base}/api/v1/organisations/circo/resources"))
            .header("Host", &domain)
            .bearer_auth(&token)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body(size, seed))
            .send()
            .await
            .expect("upload");
        let status = reply.status();
        let view: serde_json::Value = reply.json().await.expect("json");
        assert!(status.is_success(), "{status}: {view}");
        let upload = started.elapsed().as_secs_f64();
        let url = view["files"][0]["url"].as_str().expect("url");
        let path = url::Url::parse(url).expect("url").path().to_string();

        let started = Instant::now();
        let reply = client
            .get(format!("{base}{path}"))
            .header("Host", &domain)
            .send()
            .await
            .expect("download");
        assert!(reply.status().is_success(), "{}", reply.status());
        let mut stream = reply.bytes_stream();
        let mut received = 0usize;
        while let Some(chunk) = stream.next().await {
            received += chunk.expect("chunk").len();
        }
        let download = started.elapsed().as_secs_f64();
        assert_eq!(received, size, "the whole file came back");
        println!(
            "resources transfer on {backend}: {size_mb} MB up {:.0} MB/s, down {:.0} MB/s, peak memory {:.0} MiB",
            size_mb as f64 / upload,
            size_mb as f64 / download,
            peak_mib()
        );
    }
    drop(state);
    drop(server);
}
