//! Whom this instance federates with: the mode (`allowlist`, `open`,
//! `closed`), the allow and block lists of the config file and of the
//! admins, and the one exception: a peering request from an unlisted
//! instance may reach the admins.

use std::collections::BTreeSet;

use activitypub_federation::{config::UrlVerifier, error::Error as LibError};
use async_trait::async_trait;
use url::Url;

use crate::{
    AppState,
    config::FederationMode,
    db::domain_policies,
    error::{AppError, AppResult},
    federation::net_guard,
};

tokio::task_local! {
    /// Set while handling a `Follow` addressed to the instance actor: the
    /// sender may be unlisted (but never blocked).
    static PEERING_REQUEST: bool;
}

/// Runs `f` as the handling of a peering request.
pub async fn as_peering_request<F: Future>(f: F) -> F::Output {
    PEERING_REQUEST.scope(true, f).await
}

fn in_peering_request() -> bool {
    PEERING_REQUEST.try_with(|v| *v).unwrap_or(false)
}

/// A domain as compared: lower case, no trailing dot, port kept.
pub fn normalize_domain(domain: &str) -> String {
    let lower = domain.trim().to_ascii_lowercase();
    match lower.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !host.contains(':') => {
            format!("{}:{port}", host.trim_end_matches('.'))
        }
        _ => lower.trim_end_matches('.').to_string(),
    }
}

/// The `host[:port]` of a URL, normalised.
pub fn url_domain(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(normalize_domain(&match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }))
}

/// Both URLs come from the same origin: host *and* port. (The library's
/// `verify_domains_match` compares host names only, which lets two
/// instances on one host, as in development, pass for one another.)
pub fn verify_same_origin(a: &Url, b: &Url) -> Result<(), super::FederationError> {
    match (url_domain(a), url_domain(b)) {
        (Some(x), Some(y)) if x == y => Ok(()),
        _ => Err(super::FederationError::Refused(format!(
            "{a} and {b} are not from the same origin"
        ))),
    }
}

/// Whether a URL names something on this instance.
pub fn is_local(settings: &crate::config::Settings, url: &Url) -> bool {
    url_domain(url).as_deref() == Some(normalize_domain(&settings.domain).as_str())
}

fn host_part(domain: &str) -> &str {
    match domain.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !host.contains(':') => {
            host
        }
        _ => domain,
    }
}

/// The effective policy at one moment.
#[derive(Debug, Clone)]
pub struct Policy {
    pub mode: FederationMode,
    pub allow: BTreeSet<String>,
    pub block: BTreeSet<String>,
}

/// Why a domain is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Closed,
    Blocked,
    NotAllowed,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Closed => "this instance does not federate",
            Self::Blocked => "domain is blocked",
            Self::NotAllowed => "domain is not on this instance's allowlist",
        }
    }
}

impl Policy {
    /// Blocking a domain blocks its subdomains; an entry without a port
    /// matches every port of that host.
    pub fn is_blocked(&self, domain: &str) -> bool {
        let domain = normalize_domain(domain);
        let host = host_part(&domain);
        self.block.iter().any(|b| {
            let b_host = host_part(b);
            let same_port_rule = b == &domain || b_host == b;
            same_port_rule && (host == b_host || host.ends_with(&format!(".{b_host}")))
        })
    }

    pub fn is_allowed_listed(&self, domain: &str) -> bool {
        let domain = normalize_domain(domain);
        let host = host_part(&domain);
        self.allow
            .iter()
            .any(|a| a == &domain || (host_part(a) == a && a == host))
    }

    pub fn check(&self, domain: &str, peering_request: bool) -> Result<(), Refusal> {
        if self.mode == FederationMode::Closed {
            return Err(Refusal::Closed);
        }
        if self.is_blocked(domain) {
            return Err(Refusal::Blocked);
        }
        if self.mode == FederationMode::Allowlist
            && !peering_request
            && !self.is_allowed_listed(domain)
        {
            return Err(Refusal::NotAllowed);
        }
        Ok(())
    }
}

/// Reads the current policy: config lists and mode, with the admins'
/// decisions from the database on top.
pub async fn load(state: &AppState) -> AppResult<Policy> {
    let settings = state.settings.clone();
    state
        .db
        .run(move |conn| {
            let rows = domain_policies::all(conn)?;
            let mode = match domain_policies::mode_override(conn)? {
                Some(m) => serde_json::from_value(serde_json::Value::String(m))
                    .unwrap_or(settings.federation.mode),
                None => settings.federation.mode,
            };
            let mut allow: BTreeSet<String> = settings
                .federation
                .allowlist
                .iter()
                .map(|d| normalize_domain(d))
                .collect();
            let mut block: BTreeSet<String> = settings
                .federation
                .blocklist
                .iter()
                .map(|d| normalize_domain(d))
                .collect();
            for row in rows {
                let domain = normalize_domain(&row.domain);
                match row.policy.as_str() {
                    "block" => {
                        allow.remove(&domain);
                        block.insert(domain);
                    }
                    _ => {
                        block.remove(&domain);
                        allow.insert(domain);
                    }
                }
            }
            Ok::<_, AppError>(Policy { mode, allow, block })
        })
        .await
}

/// Checks one URL against the policy: used for every fetch and every
/// incoming activity through the library, and by our inbox guard.
pub async fn check_url(state: &AppState, url: &Url) -> Result<(), Refusal> {
    if url_domain(url).as_deref() == Some(&normalize_domain(&state.settings.domain)) {
        return Ok(());
    }
    let Some(domain) = url_domain(url) else {
        return Err(Refusal::NotAllowed);
    };
    let policy = load(state).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the federation policy: refusing");
        Refusal::Closed
    })?;
    policy.check(&domain, in_peering_request())
}

/// The library's hook: every URL it fetches or receives from passes here.
#[derive(Clone)]
pub struct PolicyVerifier {
    pub state: AppState,
}

#[async_trait]
impl UrlVerifier for PolicyVerifier {
    async fn verify(&self, url: &Url) -> Result<(), LibError> {
        if !self.state.settings.federation.debug
            && let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = url.host()
        {
            let ip = match url.host() {
                Some(url::Host::Ipv4(v4)) => std::net::IpAddr::V4(v4),
                Some(url::Host::Ipv6(v6)) => std::net::IpAddr::V6(v6),
                _ => return Err(LibError::UrlVerificationError("bad host")),
            };
            if !net_guard::is_public(ip) {
                return Err(LibError::UrlVerificationError(
                    "address is not public: refused",
                ));
            }
        }
        check_url(&self.state, url).await.map_err(|refusal| {
            tracing::info!(%url, reason = refusal.reason(), "federation refused");
            LibError::UrlVerificationError(refusal.reason())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: FederationMode, allow: &[&str], block: &[&str]) -> Policy {
        Policy {
            mode,
            allow: allow.iter().map(|d| normalize_domain(d)).collect(),
            block: block.iter().map(|d| normalize_domain(d)).collect(),
        }
    }

    #[test]
    fn allowlist_mode_takes_only_listed_domains() {
        let p = policy(
            FederationMode::Allowlist,
            &["ac-nantes.fr", "localhost:9001"],
            &[],
        );
        assert_eq!(p.check("ac-nantes.fr", false), Ok(()));
        assert_eq!(
            p.check("AC-Nantes.FR.", false),
            Ok(()),
            "case and trailing dot"
        );
        assert_eq!(p.check("localhost:9001", false), Ok(()));
        assert_eq!(p.check("localhost:9002", false), Err(Refusal::NotAllowed));
        assert_eq!(p.check("evil.fr", false), Err(Refusal::NotAllowed));
        assert_eq!(p.check("evil.fr", true), Ok(()), "peering requests may ask");
    }

    #[test]
    fn the_blocklist_wins_and_covers_subdomains_and_tricks() {
        let p = policy(FederationMode::Open, &["spam.example"], &["spam.example"]);
        for d in [
            "spam.example",
            "SPAM.example",
            "spam.example.",
            "a.spam.example",
            "spam.example:8443",
        ] {
            assert_eq!(p.check(d, false), Err(Refusal::Blocked), "{d}");
            assert_eq!(p.check(d, true), Err(Refusal::Blocked), "{d}");
        }
        assert_eq!(p.check("notspam.example", false), Ok(()));
        assert_eq!(p.check("mastodon.social", false), Ok(()));
    }

    #[test]
    fn closed_mode_refuses_everyone() {
        let p = policy(FederationMode::Closed, &["ac-nantes.fr"], &[]);
        assert_eq!(p.check("ac-nantes.fr", false), Err(Refusal::Closed));
        assert_eq!(p.check("ac-nantes.fr", true), Err(Refusal::Closed));
    }

    #[test]
    fn domains_normalise() {
        assert_eq!(normalize_domain("Ex.AMPLE.org."), "ex.ample.org");
        assert_eq!(normalize_domain("LocalHost.:8080"), "localhost:8080");
        let url = Url::parse("https://Ex.Ample.ORG./x").expect("url");
        assert_eq!(url_domain(&url).as_deref(), Some("ex.ample.org"));
        let url = Url::parse("http://localhost:9000/x").expect("url");
        assert_eq!(url_domain(&url).as_deref(), Some("localhost:9000"));
    }
}
