//! The error contract: JSON bodies, status codes, what a client is told.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::json;

use crate::harness::TestApp;

/// `/metrics` is open by default; with `metrics.token` set it answers only
/// that bearer token, and an account's API token is not it.
#[tokio::test]
async fn metrics_answer_only_their_token_when_one_is_set() {
    let open = TestApp::new().await;
    assert_eq!(open.get("/metrics", None).await.status, StatusCode::OK);

    let app = TestApp::with_settings(|s| s.metrics.token = "jeton-de-supervision".into()).await;
    let admin = app.admin().await;
    for token in [None, Some("jeton-de-supervisio"), Some(admin.as_str())] {
        let refused = app.get("/metrics", token).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert!(refused.headers.contains_key(header::WWW_AUTHENTICATE));
    }
    let read = app.get("/metrics", Some("jeton-de-supervision")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(
        read.headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/plain")),
        "{:?}",
        read.headers
    );
}

#[tokio::test]
async fn bad_tokens_are_401_without_saying_what_was_wrong() {
    let app = TestApp::new().await;
    let real = app.admin().await;
    let mut bodies = Vec::new();
    for header_value in [
        None,
        Some("Bearer preau_notarealtoken".to_string()),
        Some("Bearer garbage".to_string()),
        Some(format!("Basic {real}")),
        Some(format!("Bearer {real}x")),
    ] {
        let mut request = Request::builder().uri("/api/v1/accounts/me");
        if let Some(v) = header_value {
            request = request.header(header::AUTHORIZATION, v);
        }
        let reply = app
            .send(request.body(Body::empty()).expect("request"))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.headers.contains_key(header::WWW_AUTHENTICATE));
        bodies.push(reply.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert_eq!(
        bodies[0],
        json!({"error": "unauthorized", "message": "missing or invalid credentials"})
    );
}

#[tokio::test]
async fn an_oversize_body_is_413_and_nothing_is_stored() {
    let app = TestApp::with_settings(|s| s.limits.max_body_bytes = 4096).await;
    let admin = app.admin().await;
    let big = "x".repeat(5000);
    let reply = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "big", "name": "Big", "kind": "ecole", "description": big}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(reply.error_code(), "payload_too_large");

    // The same without Content-Length (chunked): still refused.
    let body =
        json!({"slug": "big", "name": "Big", "kind": "ecole", "description": "y".repeat(5000)})
            .to_string();
    let stream = futures_body(body.into_bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/organisations")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(stream)
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );

    assert_eq!(
        app.get("/api/v1/organisations/big", None).await.status,
        StatusCode::NOT_FOUND
    );
}

/// A body with no known length, as a chunked upload would be.
fn futures_body(bytes: Vec<u8>) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(1000).map(|c| Ok(c.to_vec())).collect();
    Body::from_stream(futures::stream::iter(chunks))
}

#[tokio::test]
async fn malformed_json_and_wrong_content_types_are_400_with_a_reason() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/organisations")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"slug\": "))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.error_code(), "bad_request");

    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/organisations")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body["message"]
            .as_str()
            .expect("msg")
            .contains("application/json")
    );

    let unknown_field = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "a1", "name": "A", "kind": "ecole", "colour": "red"}),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown_field.body["message"]
            .as_str()
            .expect("msg")
            .contains("colour")
    );

    // A refusal with words for people names them, for clients that
    // translate.
    let nameless = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "a1", "name": "", "kind": "ecole"}),
        )
        .await;
    assert_eq!(
        nameless.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nameless.body
    );
    assert_eq!(nameless.body["refusal"], "refused.organisation_name");
    let kind = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "a1", "name": "A", "kind": "fusee"}),
        )
        .await;
    assert_eq!(
        kind.body["refusal"], "refused.kind_unknown",
        "{}",
        kind.body
    );
    assert_eq!(kind.body["values"], json!({"kind": "fusee"}));
    let slug = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "A B", "name": "A", "kind": "ecole"}),
        )
        .await;
    assert_eq!(
        slug.body["refusal"], "refused.slug_invalid",
        "{}",
        slug.body
    );
}

#[tokio::test]
async fn unknown_paths_are_json_404s_and_responses_carry_a_request_id() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
    assert!(reply.headers.contains_key("x-request-id"));

    let request = Request::builder()
        .uri("/healthz")
        .header("x-request-id", "from-the-proxy-42")
        .body(Body::empty())
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-request-id"], "from-the-proxy-42");

    let missing = app.get("/api/v1/organisations/nope", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body["message"]
            .as_str()
            .expect("msg")
            .contains("nope")
    );
}

#[tokio::test]
async fn readiness_reports_the_database() {
    let app = TestApp::new().await;
    let reply = app.get("/readyz", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let expected = if app.db.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    assert_eq!(reply.body["database"], expected);
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

/// A body sent in `parts` chunks, one every `gap`, with its length
/// announced up front as a browser's upload has.
fn trickled(total: usize, parts: usize, gap: std::time::Duration) -> (Body, usize) {
    let chunk = total / parts;
    let chunks: Vec<Vec<u8>> = (0..parts)
        .map(|i| {
            let size = if i + 1 == parts {
                total - chunk * i
            } else {
                chunk
            };
            vec![b'a'; size]
        })
        .collect();
    let stream =
        futures_util::StreamExt::then(futures_util::stream::iter(chunks), move |c| async move {
            tokio::time::sleep(gap).await;
            Ok::<_, std::io::Error>(bytes::Bytes::from(c))
        });
    (Body::from_stream(stream), total)
}

#[tokio::test]
async fn an_upload_is_given_the_time_its_size_needs_and_no_more() {
    // One second for any request, plus one second per thousand bytes.
    let app = TestApp::with_settings(|s| {
        s.limits.request_timeout_secs = 1;
        s.limits.min_upload_bytes_per_sec = 1_000;
    })
    .await;
    let token = app.admin().await;
    let send = |body: Body, length: usize| {
        Request::post("/api/v1/files")
            .header(header::HOST, app.state.settings.domain.as_str())
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "text/plain")
            .header(header::CONTENT_LENGTH, length)
            .body(body)
            .expect("request")
    };
    let gap = std::time::Duration::from_millis(600);

    // 3,000 bytes over about 1.8 s: past the base second, within the 4 s
    // its size earns. A single timeout of 1 s refused it.
    let (body, length) = trickled(3_000, 3, gap);
    let kept = app.send(send(body, length)).await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.body);

    // 600 bytes earn 1 s more: the same pace, 3 s in all, is too slow.
    let (body, length) = trickled(600, 5, gap);
    let cut = app.send(send(body, length)).await;
    assert_eq!(cut.status, StatusCode::REQUEST_TIMEOUT, "{}", cut.body);
}
