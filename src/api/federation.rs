//! `/admin/federation`: mode, allow and block lists, peering (admins only).

use activitypub_federation::config::Data;
use axum::{
    Json, Router,
    extract::Path,
    http::StatusCode,
    routing::{delete, get, post, put},
};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppResult,
    services::federation_admin::{self, DomainRule, FederationStatus},
    web::extract::{ApiJson, Authenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/federation", get(status))
        .route("/admin/federation/deliveries", get(deliveries))
        .route("/admin/federation/mode", put(set_mode))
        .route("/admin/federation/domains", post(set_domain))
        .route("/admin/federation/domains/{domain}", delete(forget_domain))
        .route("/admin/federation/peers", post(request_peering))
        .route("/admin/federation/directory/sync", post(sync_directories))
        .route(
            "/admin/federation/peering-requests/{domain}/accept",
            post(accept_peering),
        )
        .route(
            "/admin/federation/peering-requests/{domain}/reject",
            post(reject_peering),
        )
}

async fn status(data: Data<AppState>, auth: Authenticated) -> AppResult<Json<FederationStatus>> {
    Ok(Json(federation_admin::status(&data, &auth.caller()).await?))
}

async fn sync_directories(
    data: Data<AppState>,
    auth: Authenticated,
) -> AppResult<Json<federation_admin::DirectorySyncView>> {
    Ok(Json(
        federation_admin::sync_directories(&data, &auth.caller()).await?,
    ))
}

async fn deliveries(
    data: Data<AppState>,
    auth: Authenticated,
) -> AppResult<Json<Vec<federation_admin::DeliveryView>>> {
    Ok(Json(
        federation_admin::deliveries(&data, &auth.caller()).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mode {
    mode: String,
}

async fn set_mode(
    data: Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<Mode>,
) -> AppResult<StatusCode> {
    federation_admin::set_mode(&data, &auth.caller(), &body.mode).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_domain(
    data: Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<DomainRule>,
) -> AppResult<StatusCode> {
    federation_admin::set_domain(&data, &auth.caller(), body).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn forget_domain(
    data: Data<AppState>,
    auth: Authenticated,
    Path(domain): Path<String>,
) -> AppResult<StatusCode> {
    federation_admin::forget_domain(&data, &auth.caller(), &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerRequest {
    domain: String,
}

async fn request_peering(
    data: Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<PeerRequest>,
) -> AppResult<StatusCode> {
    federation_admin::request_peering(&data, &auth.caller(), &body.domain).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn accept_peering(
    data: Data<AppState>,
    auth: Authenticated,
    Path(domain): Path<String>,
) -> AppResult<StatusCode> {
    federation_admin::accept_peering(&data, &auth.caller(), &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn reject_peering(
    data: Data<AppState>,
    auth: Authenticated,
    Path(domain): Path<String>,
) -> AppResult<StatusCode> {
    federation_admin::reject_peering(&data, &auth.caller(), &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}
