//! Keeps outgoing requests away from private networks (SSRF): addresses are
//! checked when the connection is made, after DNS resolution, so a name that
//! resolves to a public address for the check and a private one for the
//! connection (DNS rebinding) never reaches an internal service.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether an address may be contacted: public unicast only.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // 0.0.0.0/8, "this network" (reaches loopback)
        || a == 10                             // 10/8 private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // 100.64/10 carrier-grade NAT
        || (a == 169 && b == 254)              // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // 172.16/12 private
        || (a == 192 && b == 0 && c == 0)      // 192.0.0/24 protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 168)              // 192.168/16 private
        || (a == 198 && (b == 18 || b == 19))  // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // IPv4-mapped (::ffff:a.b.c.d) would reach the embedded IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || s[0..6] == [0, 0, 0, 0, 0, 0]        // IPv4-compatible ::a.b.c.d
        || (s[0] == 0x64 && s[1] == 0xff9b)     // 64:ff9b::/96 and /48 NAT64
        || (s[0] & 0xfe00) == 0xfc00            // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80            // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0            // fec0::/10 site-local
        || (s[0] & 0xff00) == 0xff00            // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8)   // documentation
        || s[0] == 0x2002                       // 6to4 (embeds any IPv4)
        || (s[0] == 0x2001 && s[1] == 0)) // Teredo (embeds any IPv4)
}

/// A resolver that drops non-public addresses; a name with none left fails.
/// With `allow_private` (federation.debug) it only resolves.
#[derive(Clone)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }

    pub async fn resolve_checked(
        &self,
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        // RFC 6761 §6.3: every `*.localhost` name is the loopback address,
        // whatever DNS says. (Outside debug it is then refused below.)
        let addrs: Vec<SocketAddr> = if host == "localhost" || host.ends_with(".localhost") {
            vec![
                SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
            ]
        } else {
            tokio::net::lookup_host((host.as_str(), 0)).await?.collect()
        };
        if self.allow_private {
            return Ok(addrs);
        }
        let public: Vec<SocketAddr> = addrs.into_iter().filter(|a| is_public(a.ip())).collect();
        if public.is_empty() {
            return Err(format!("{host} resolves to no public address: refused").into());
        }
        Ok(public)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = this.resolve_checked(&host).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client for everything sent to other instances: no automatic
/// redirects (the library follows one, checked), time limits, the guarded
/// resolver, and an honest user agent.
pub fn build_client(
    user_agent: &str,
    timeout: Duration,
    allow_private: bool,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(user_agent)
        .dns_resolver(Arc::new(GuardedResolver::new(allow_private)))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn private_loopback_and_tricky_addresses_are_refused() {
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "2002:7f00:1::",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(bad)), "{bad} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for good in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "193.51.24.1",
            "2a01:e0a::1",
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(ip(good)), "{good} is public");
        }
    }

    #[tokio::test]
    async fn names_that_resolve_to_loopback_are_refused_unless_debug() {
        let guarded = GuardedResolver::new(false);
        let err = guarded
            .resolve_checked("localhost")
            .await
            .expect_err("localhost is loopback");
        assert!(err.to_string().contains("no public address"), "{err}");
        assert!(guarded.resolve_checked("localhost.").await.is_err());
        assert!(guarded.resolve_checked("evil.localhost").await.is_err());
        let debug = GuardedResolver::new(true);
        let addrs = debug
            .resolve_checked("school7.localhost")
            .await
            .expect("*.localhost is loopback");
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
        assert!(
            GuardedResolver::new(true)
                .resolve_checked("localhost")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn the_client_cannot_connect_to_a_loopback_name() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let client = build_client("test", Duration::from_secs(2), false).expect("client");
        let err = client
            .get(format!("http://localhost:{port}/"))
            .send()
            .await
            .expect_err("refused before connecting");
        let chain = format!("{err:?}");
        assert!(chain.contains("no public address"), "{chain}");
    }
}
