//! The HTTP surface: one axum router with the health checks, the JSON API
//! the HTML pages and feeds, wrapped in the layers every request gets.

mod deadline;
pub mod extract;
mod feeds;
mod files;
mod health;
pub mod i18n;
pub mod pages;
mod request_id;
mod resources;
pub mod ui;

use std::time::Duration;

use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use axum::{Router, extract::DefaultBodyLimit};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{AppState, api, federation};

/// Builds the whole application router.
pub fn router(state: AppState, federation: FederationConfig<AppState>) -> Router {
    let limits = &state.settings.limits;
    let body_limit = limits.max_body_bytes;
    let deadline = deadline::Deadline {
        base: Duration::from_secs(limits.request_timeout_secs),
        min_bytes_per_sec: limits.min_upload_bytes_per_sec,
        max_body_bytes: limits.max_upload_bytes.max(body_limit as u64),
    };
    Router::new()
        .merge(health::routes())
        .merge(federation::routes::routes())
        .merge(feeds::routes())
        .merge(files::routes())
        .merge(resources::routes())
        .merge(ui::routes(&state.settings))
        .nest("/api/v1", api::routes(&state.settings))
        // Unknown addresses get the page frame; the API has its own JSON one.
        .fallback(ui::not_found)
        .with_state(state)
        .layer(FederationMiddleware::new(federation))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            deadline,
            deadline::enforce,
        ))
        .layer(CatchPanicLayer::new())
        // Layers run outermost-last: the id is set before the span opens.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_id::make_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
