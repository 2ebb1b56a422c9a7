//! Hand-made draft-cavage HTTP signatures, for tests and benchmarks that
//! must also sign wrongly (unsigned digest, old date, other key…).
//! Included with `#[path]` so that it is not shipped in the binary.

use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

/// Headers of a signed POST: `(name, value)` pairs to set on the request.
pub fn signed_post_headers(
    url: &url::Url,
    host: &str,
    body: &[u8],
    key_id: &str,
    key: &RsaPrivateKey,
    signed: &str,
    date: std::time::SystemTime,
) -> Vec<(&'static str, String)> {
    let date = httpdate::fmt_http_date(date);
    let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
    let lines: Vec<String> = signed
        .split(' ')
        .map(|h| match h {
            "(request-target)" => format!("(request-target): post {}", url.path()),
            "host" => format!("host: {host}"),
            "date" => format!("date: {date}"),
            "digest" => format!("digest: {digest}"),
            other => panic!("unsupported header {other}"),
        })
        .collect();
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(lines.join("\n").as_bytes()),
        )
        .expect("sign");
    let header = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{signed}\",signature=\"{}\"",
        BASE64.encode(signature)
    );
    vec![
        ("host", host.to_string()),
        ("date", date),
        ("digest", digest),
        ("signature", header),
        ("content-type", "application/activity+json".to_string()),
    ]
}
