//! Prometheus metrics of federation, in the text exposition format at
//! `/metrics`: queue lengths per domain, deliveries, failures, inbox
//! activity and latency. Counters are process-wide atomics; queue figures
//! are read from the database at scrape time, so every process behind a
//! load balancer reports the same queue.

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use sha2::{Digest, Sha256};

use crate::{AppState, db::outbox, error::AppError, web::extract::bearer_token};

#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub static DELIVERIES_OK: Counter = Counter::new();
pub static DELIVERIES_FAILED: Counter = Counter::new();
pub static DELIVERIES_GIVEN_UP: Counter = Counter::new();
pub static INBOX_ACCEPTED: Counter = Counter::new();
pub static INBOX_REFUSED: Counter = Counter::new();

/// Upper bounds (seconds) of the inbox latency histogram.
const BUCKETS: [f64; 8] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];
static LATENCY_BUCKETS: [Counter; 8] = [const { Counter::new() }; 8];
static LATENCY_COUNT: Counter = Counter::new();
static LATENCY_SUM_MICROS: Counter = Counter::new();

pub fn observe_inbox_latency(elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    for (bound, bucket) in BUCKETS.iter().zip(LATENCY_BUCKETS.iter()) {
        if secs <= *bound {
            bucket.inc();
        }
    }
    LATENCY_COUNT.inc();
    LATENCY_SUM_MICROS
        .0
        .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
}

/// Escapes a label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn render(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Result<Response, AppError> {
    let wanted = &state.settings.metrics.token;
    if !wanted.is_empty() {
        let given = bearer_token(&parts)?.ok_or_else(AppError::unauthorized)?;
        // Compared as SHA-256 digests, so the time the comparison takes
        // says nothing about how much of a guess was right.
        if Sha256::digest(given) != Sha256::digest(wanted) {
            return Err(AppError::unauthorized());
        }
    }
    let lanes = state
        .db
        .run(|conn| Ok::<_, AppError>(outbox::status(conn)?))
        .await?;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    metric(
        "preau_outbox_pending",
        "gauge",
        "Activities waiting for delivery, per target domain.",
    );
    metric(
        "preau_outbox_oldest_pending_seconds",
        "gauge",
        "Age of the oldest activity waiting, per target domain.",
    );
    metric(
        "preau_outbox_given_up",
        "gauge",
        "Activities given up after the retry window, per target domain.",
    );
    metric(
        "preau_delivery_domain_dead",
        "gauge",
        "1 when a target domain is marked dead.",
    );
    let now = crate::db::now();
    let mut lines = String::new();
    for status in &lanes {
        let (lane, pending, given_up) = (&status.lane, status.pending, status.given_up);
        let d = label(&lane.domain);
        let age = status
            .oldest_pending
            .map_or(0.0, |o| (now - o).as_seconds_f64().max(0.0));
        let _ = writeln!(lines, "preau_outbox_pending{{domain=\"{d}\"}} {pending}");
        let _ = writeln!(
            lines,
            "preau_outbox_oldest_pending_seconds{{domain=\"{d}\"}} {age:.3}"
        );
        let _ = writeln!(lines, "preau_outbox_given_up{{domain=\"{d}\"}} {given_up}");
        let _ = writeln!(
            lines,
            "preau_delivery_domain_dead{{domain=\"{d}\"}} {}",
            u8::from(lane.dead)
        );
    }
    out.push_str(&lines);
    let mut counter = |name: &str, help: &str, value: u64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
        );
    };
    counter(
        "preau_deliveries_total",
        "Activities delivered by this process.",
        DELIVERIES_OK.get(),
    );
    counter(
        "preau_delivery_failures_total",
        "Failed delivery attempts by this process.",
        DELIVERIES_FAILED.get(),
    );
    counter(
        "preau_deliveries_given_up_total",
        "Activities given up by this process.",
        DELIVERIES_GIVEN_UP.get(),
    );
    counter(
        "preau_inbox_accepted_total",
        "Incoming activities accepted by this process.",
        INBOX_ACCEPTED.get(),
    );
    counter(
        "preau_inbox_refused_total",
        "Incoming activities refused by this process.",
        INBOX_REFUSED.get(),
    );
    let _ = writeln!(
        out,
        "# HELP preau_inbox_latency_seconds Time to process an incoming activity.\n\
         # TYPE preau_inbox_latency_seconds histogram"
    );
    for (bound, bucket) in BUCKETS.iter().zip(LATENCY_BUCKETS.iter()) {
        let _ = writeln!(
            out,
            "preau_inbox_latency_seconds_bucket{{le=\"{bound}\"}} {}",
            bucket.get()
        );
    }
    let count = LATENCY_COUNT.get();
    let sum = LATENCY_SUM_MICROS.get() as f64 / 1e6;
    let _ = writeln!(
        out,
        "preau_inbox_latency_seconds_bucket{{le=\"+Inf\"}} {count}\n\
         preau_inbox_latency_seconds_sum {sum:.6}\n\
         preau_inbox_latency_seconds_count {count}"
    );
    let mut response = out.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    Ok(response)
}
