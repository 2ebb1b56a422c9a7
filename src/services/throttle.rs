//! In-memory rate limits, per process (a restart or another process behind
//! the load balancer starts afresh, which only makes a limit per process):
//! failed sign-ins per username, so that a password cannot be guessed by
//! brute force, and inbox requests per remote domain, so that one peer
//! cannot flood an instance.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failures allowed per username and window.
pub const MAX_FAILURES: u32 = 10;
/// The window failures are counted over.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Above this many tracked usernames, expired entries are dropped.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    /// `Some(wait)` when the username is locked out for `wait` more.
    pub fn check(&self, username: &str, now: Instant) -> Option<Duration> {
        let failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, since) = failures.get(&username.to_lowercase())?;
        let elapsed = now.saturating_duration_since(*since);
        (*count >= MAX_FAILURES && elapsed < WINDOW).then(|| WINDOW - elapsed)
    }

    pub fn record_failure(&self, username: &str, now: Instant) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, (_, since)| now.saturating_duration_since(*since) < WINDOW);
        }
        let entry = failures.entry(username.to_lowercase()).or_insert((0, now));
        if now.saturating_duration_since(entry.1) >= WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, username: &str) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.remove(&username.to_lowercase());
    }
}

/// A token bucket per remote domain: `per_minute` requests a minute on
/// average, bursts of up to a minute's worth. Zero disables it.
pub struct DomainRateLimit {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl DomainRateLimit {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the domain's bucket; false when it is empty.
    pub fn allow(&self, domain: &str, now: Instant) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, (_, last)| {
                now.saturating_duration_since(*last) < Duration::from_secs(60)
            });
        }
        let (tokens, last) = buckets.entry(domain.to_string()).or_insert((capacity, now));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * rate;
        *tokens = (*tokens + refill).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_lock_the_username_for_the_rest_of_the_window() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.record_failure("Claire", start);
        }
        assert!(
            throttle.check("claire", start).is_none(),
            "nine failures pass"
        );
        throttle.record_failure("claire", start);
        let wait = throttle.check("CLAIRE", start).expect("locked");
        assert_eq!(wait, WINDOW);
        assert!(
            throttle.check("bruno", start).is_none(),
            "others are not affected"
        );
        assert!(
            throttle.check("claire", start + WINDOW).is_none(),
            "the window passes"
        );
    }

    #[test]
    fn a_domain_gets_its_burst_then_its_rate() {
        let limit = DomainRateLimit::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limit.allow("a.example", start));
        }
        assert!(!limit.allow("a.example", start), "burst spent");
        assert!(
            limit.allow("b.example", start),
            "another domain has its own"
        );
        assert!(
            limit.allow("a.example", start + Duration::from_secs(1)),
            "one a second"
        );
        assert!(!limit.allow("a.example", start + Duration::from_secs(1)));
        assert!(
            DomainRateLimit::new(0).allow("a.example", start),
            "0 disables"
        );
    }

    #[test]
    fn a_success_clears_the_count() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            throttle.record_failure("a", now);
        }
        throttle.record_success("a");
        assert!(throttle.check("a", now).is_none());
    }
}
