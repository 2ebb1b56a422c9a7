//! `/follows`: the organisations the signed-in account follows, and
//! `/organisations/{slug}/follows`: those a local organisation follows.

use activitypub_federation::config::Data;
use axum::{Json, Router, extract::Path, http::StatusCode, routing::get};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppResult,
    services::follows::{self, FollowRequest, FollowView, Follower},
    web::extract::{ApiJson, ApiQuery, Authenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/follows", get(list).post(follow).delete(unfollow))
        .route(
            "/organisations/{slug}/follows",
            get(org_list).post(org_follow).delete(org_unfollow),
        )
}

fn created_or_pending(view: FollowView) -> (StatusCode, Json<FollowView>) {
    let status = if view.pending {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    (status, Json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    target: String,
}

async fn list(data: Data<AppState>, auth: Authenticated) -> AppResult<Json<Vec<FollowView>>> {
    Ok(Json(
        follows::list(&data, &auth.caller(), Follower::Me).await?,
    ))
}

async fn follow(
    data: Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<FollowRequest>,
) -> AppResult<(StatusCode, Json<FollowView>)> {
    let view = follows::follow(&data, &auth.caller(), Follower::Me, &body.target).await?;
    Ok(created_or_pending(view))
}

async fn unfollow(
    data: Data<AppState>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<Target>,
) -> AppResult<StatusCode> {
    follows::unfollow(&data, &auth.caller(), Follower::Me, &query.target).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn org_list(
    data: Data<AppState>,
    auth: Authenticated,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<FollowView>>> {
    let follower = Follower::Organisation(&slug);
    Ok(Json(follows::list(&data, &auth.caller(), follower).await?))
}

async fn org_follow(
    data: Data<AppState>,
    auth: Authenticated,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<FollowRequest>,
) -> AppResult<(StatusCode, Json<FollowView>)> {
    let follower = Follower::Organisation(&slug);
    let view = follows::follow(&data, &auth.caller(), follower, &body.target).await?;
    Ok(created_or_pending(view))
}

async fn org_unfollow(
    data: Data<AppState>,
    auth: Authenticated,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<Target>,
) -> AppResult<StatusCode> {
    let follower = Follower::Organisation(&slug);
    follows::unfollow(&data, &auth.caller(), follower, &query.target).await?;
    Ok(StatusCode::NO_CONTENT)
}
