//! The request id of a request: taken from `x-request-id` when a proxy set
//! one, made up otherwise (see the layers in `web::router`), echoed in the
//! response and recorded on the request's tracing span.

use axum::{body::Body, http::Request};
use tower_http::request_id::RequestId;
use tracing::Span;

/// Opens the span every log line of the request is written under.
pub fn make_span(request: &Request<Body>) -> Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        uri = %request.uri(),
    )
}
