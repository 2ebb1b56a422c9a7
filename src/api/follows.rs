//! `/follows`: the organisations the signed-in account follows.

use activitypub_federation::config::Data;
use axum::{Json, Router, http::StatusCode, routing::get};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppResult,
    services::follows::{self, FollowRequest, FollowView},
    web::extract::{ApiJson, ApiQuery, Authenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/follows", get(list).post(follow).delete(unfollow))
}

async fn list(data: Data<AppState>, auth: Authenticated) -> AppResult<Json<Vec<FollowView>>> {
    Ok(Json(follows::list(&data, &auth.caller()).await?))
}

async fn follow(
    data: Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<FollowRequest>,
) -> AppResult<(StatusCode, Json<FollowView>)> {
    let view = follows::follow(&data, &auth.caller(), &body.target).await?;
    let status = if view.pending {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(view)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    target: String,
}

async fn unfollow(
    data: Data<AppState>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<Target>,
) -> AppResult<StatusCode> {
    follows::unfollow(&data, &auth.caller(), &query.target).await?;
    Ok(StatusCode::NO_CONTENT)
}
