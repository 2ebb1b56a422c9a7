//! Checks of incoming HTTP signatures (draft-cavage, `rsa-sha256` and
//! `hs2019`) done before anything is fetched or stored: the signed header
//! list, the date, the body digest, and the key owner against the activity's
//! actor. The signature itself is verified with the same normalisation crate
//! as `activitypub_federation`.

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime},
};

use axum::http::{HeaderMap, Method, Uri};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use rsa::{Pkcs1v15Sign, RsaPublicKey, pkcs8::DecodePublicKey};
use sha2::{Digest, Sha256};
use url::Url;

use super::FederationError;

/// How old a signed request may be; the same window as the library's.
pub const MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// How far ahead of our clock a sender's clock may be.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The parts of a `Signature` header we look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    pub key_id: String,
    pub algorithm: Option<String>,
    pub headers: Vec<String>,
}

fn unauthorized(reason: impl Into<String>) -> FederationError {
    FederationError::Unauthorized(reason.into())
}

/// Parses `keyId="…",algorithm="…",headers="…",signature="…"`.
pub fn parse_signature_header(value: &str) -> Result<SignatureHeader, FederationError> {
    let mut fields = BTreeMap::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| unauthorized("malformed Signature header"))?;
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| unauthorized("malformed Signature header"))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        fields.insert(name.trim().to_ascii_lowercase(), value.to_string());
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    let key_id = fields
        .remove("keyid")
        .ok_or_else(|| unauthorized("Signature header has no keyId"))?;
    if !fields.contains_key("signature") {
        return Err(unauthorized("Signature header has no signature"));
    }
    let headers = fields
        .remove("headers")
        .unwrap_or_else(|| "date".into())
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    Ok(SignatureHeader {
        key_id,
        algorithm: fields.remove("algorithm"),
        headers,
    })
}

/// The actor a key belongs to: `actor#main-key` (most servers) or
/// `actor/main-key` (GoToSocial).
pub fn key_owner(key_id: &str) -> Result<Url, FederationError> {
    let mut url = Url::parse(key_id).map_err(|_| unauthorized("keyId is not a URL"))?;
    url.set_fragment(None);
    if let Some(stripped) = url.path().strip_suffix("/main-key").map(str::to_string) {
        url.set_path(&stripped);
    }
    Ok(url)
}

/// What must be covered by the signature: the target, the host, a date
/// (or `(created)`), and on a POST the digest, or the body could be swapped.
pub fn check_signed_headers(sig: &SignatureHeader, has_body: bool) -> Result<(), FederationError> {
    let signed = |h: &str| sig.headers.iter().any(|s| s == h);
    if let Some(alg) = &sig.algorithm
        && !matches!(alg.to_ascii_lowercase().as_str(), "hs2019" | "rsa-sha256")
    {
        return Err(unauthorized(format!(
            "unsupported signature algorithm {alg}"
        )));
    }
    for required in ["(request-target)", "host"] {
        if !signed(required) {
            return Err(unauthorized(format!("`{required}` is not signed")));
        }
    }
    if !signed("date") && !signed("(created)") {
        return Err(unauthorized("neither `date` nor `(created)` is signed"));
    }
    if has_body && !signed("digest") {
        return Err(unauthorized("`digest` is not signed"));
    }
    Ok(())
}

/// The `Date` header must be recent and not from the future.
pub fn check_date(headers: &HeaderMap, now: SystemTime) -> Result<(), FederationError> {
    let Some(date) = headers.get("date") else {
        return Ok(());
    };
    let date = date
        .to_str()
        .ok()
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .ok_or_else(|| unauthorized("unreadable Date header"))?;
    if date + MAX_AGE < now {
        return Err(unauthorized("Date is too old: signature expired"));
    }
    if date > now + MAX_CLOCK_SKEW {
        return Err(unauthorized("Date is in the future"));
    }
    Ok(())
}

/// `Digest: SHA-256=<base64>` must match the body we received.
pub fn check_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), FederationError> {
    let header = headers
        .get("digest")
        .and_then(|d| d.to_str().ok())
        .ok_or_else(|| unauthorized("missing Digest header"))?;
    let expected = BASE64.encode(Sha256::digest(body));
    let matches = header.split(',').any(|part| {
        part.trim()
            .split_once('=')
            .is_some_and(|(alg, value)| alg.eq_ignore_ascii_case("sha-256") && value == expected)
    });
    if matches {
        Ok(())
    } else {
        Err(unauthorized("Digest does not match the body"))
    }
}

/// Verifies the signature with an actor's public key (PEM).
pub fn verify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    public_key_pem: &str,
    require_digest: bool,
) -> Result<bool, FederationError> {
    let mut config = http_signature_normalization::Config::new().set_expiration(MAX_AGE);
    if require_digest {
        config = config.require_digest();
    }
    let map: BTreeMap<String, String> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let unverified = config
        .begin_verify(method.as_str(), path, map)
        .map_err(|e| unauthorized(e.to_string()))?;
    let key = RsaPublicKey::from_public_key_pem(public_key_pem)
        .map_err(|_| unauthorized("the actor's public key is unreadable"))?;
    Ok(unverified.verify(|signature, signing_string| {
        let Ok(signature) = BASE64.decode(signature) else {
            return false;
        };
        key.verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing_string.as_bytes()),
            &signature,
        )
        .is_ok()
    }))
}

/// Whether JSON nests deeper than `max` (arrays and objects), read without
/// building the value, so that a hostile body costs nothing.
pub fn json_too_deep(body: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0_usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_headers_parse_and_key_ids_map_to_actors() {
        let sig = parse_signature_header(
            r#"keyId="https://a.example/users/x#main-key",algorithm="hs2019",headers="(request-target) host date digest",signature="abc=""#,
        )
        .expect("parses");
        assert_eq!(sig.key_id, "https://a.example/users/x#main-key");
        assert_eq!(sig.headers, ["(request-target)", "host", "date", "digest"]);
        assert!(check_signed_headers(&sig, true).is_ok());
        assert_eq!(
            key_owner(&sig.key_id).expect("url").as_str(),
            "https://a.example/users/x"
        );
        assert_eq!(
            key_owner("https://gts.example/users/x/main-key")
                .expect("url")
                .as_str(),
            "https://gts.example/users/x"
        );
    }

    #[test]
    fn unsigned_digest_host_or_target_is_refused() {
        for (headers, missing) in [
            ("(request-target) host date", "digest"),
            ("(request-target) date digest", "host"),
            ("host date digest", "(request-target)"),
            ("(request-target) host digest", "date"),
        ] {
            let sig = parse_signature_header(&format!(
                r#"keyId="https://a.example/u#k",headers="{headers}",signature="x""#
            ))
            .expect("parses");
            let err = check_signed_headers(&sig, true)
                .expect_err(missing)
                .to_string();
            assert!(err.contains(missing), "{err}");
        }
        let hmac = parse_signature_header(
            r#"keyId="k",algorithm="hmac-sha256",headers="(request-target) host date digest",signature="x""#,
        )
        .expect("parses");
        assert!(check_signed_headers(&hmac, true).is_err());
        assert!(parse_signature_header(r#"algorithm="hs2019",signature="x""#).is_err());
    }

    #[test]
    fn dates_must_be_fresh_and_digests_must_match() {
        let now = SystemTime::now();
        let mut headers = HeaderMap::new();
        headers.insert(
            "date",
            httpdate::fmt_http_date(now - Duration::from_secs(2 * 3600))
                .parse()
                .expect("header"),
        );
        assert!(check_date(&headers, now).is_err(), "two hours old");
        headers.insert(
            "date",
            httpdate::fmt_http_date(now + Duration::from_secs(3600))
                .parse()
                .expect("header"),
        );
        assert!(check_date(&headers, now).is_err(), "an hour ahead");
        headers.insert(
            "date",
            httpdate::fmt_http_date(now).parse().expect("header"),
        );
        assert!(check_date(&headers, now).is_ok());

        let body = br#"{"type":"Follow"}"#;
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        headers.insert("digest", digest.parse().expect("header"));
        assert!(check_digest(&headers, body).is_ok());
        assert!(check_digest(&headers, br#"{"type":"Undo"}"#).is_err());
    }

    #[test]
    fn deep_json_is_detected_without_parsing() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(json_too_deep(deep.as_bytes(), 128));
        let shallow = r#"{"a":[{"b":"[[[[[[[[[[[[[[["}]}"#;
        assert!(!json_too_deep(shallow.as_bytes(), 3));
        assert!(json_too_deep(shallow.as_bytes(), 2));
    }
}
