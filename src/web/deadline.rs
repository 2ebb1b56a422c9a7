//! The time a request is given: `limits.request_timeout_secs`, plus the
//! time its body takes at `limits.min_upload_bytes_per_sec`.
//!
//! One fixed timeout cut every upload longer than it: a teacher sending a
//! 20 MB video over a school's 1 Mbit/s line needs nearly three minutes,
//! and got a 408 at thirty seconds with nothing kept. The allowance grows
//! with the size the request announces (`Content-Length`), so a small
//! request is still answered or cut within the base time, and the body
//! limits still bound what one client can hold.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The two settings the deadline is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub base: Duration,
    pub min_bytes_per_sec: u64,
    /// What a body of unknown length (chunked) may grow to.
    pub max_body_bytes: u64,
}

impl Deadline {
    /// The time allowed for a request whose body announces `length`
    /// bytes (`None`: sent in chunks, so as large as the limits allow).
    pub fn allowed(&self, length: Option<u64>) -> Duration {
        let bytes = length.unwrap_or(self.max_body_bytes);
        let rate = self.min_bytes_per_sec.max(1);
        self.base + Duration::from_secs(bytes.div_ceil(rate))
    }
}

/// The length a request's body announces: 0 without a body, `None` when it
/// comes in chunks.
fn announced_length(request: &Request) -> Option<u64> {
    let headers = request.headers();
    if let Some(length) = headers.get(header::CONTENT_LENGTH) {
        // hyper refuses a malformed length before we see it.
        return length.to_str().ok().and_then(|l| l.parse().ok());
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        None
    } else {
        Some(0)
    }
}

/// Answers 408 when the request takes longer than its allowance.
pub async fn enforce(State(deadline): State<Deadline>, request: Request, next: Next) -> Response {
    let allowed = deadline.allowed(announced_length(&request));
    match tokio::time::timeout(allowed, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(allowed_secs = allowed.as_secs(), "request timed out");
            StatusCode::REQUEST_TIMEOUT.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_grows_with_the_announced_body() {
        let deadline = Deadline {
            base: Duration::from_secs(30),
            min_bytes_per_sec: 32 * 1024,
            max_body_bytes: 50 * 1024 * 1024,
        };
        assert_eq!(deadline.allowed(Some(0)), Duration::from_secs(30));
        // A form of a few kilobytes: still about the base time.
        assert_eq!(deadline.allowed(Some(4_000)), Duration::from_secs(31));
        // 20 MiB at 32 KiB/s: 640 s more.
        assert_eq!(
            deadline.allowed(Some(20 * 1024 * 1024)),
            Duration::from_secs(30 + 640)
        );
        // Chunked: as if it were as large as allowed.
        assert_eq!(deadline.allowed(None), Duration::from_secs(30 + 1600));
    }
}
