//! Announcements: publish, edit, delete, read one, list an organisation's,
//! the home timeline, acknowledgements, reminders and categories.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    AppState,
    error::AppResult,
    services::{
        acknowledgements::{self, NotificationView, ReadReport},
        announcements::{self, AnnouncementChanges, NewAnnouncement},
        pagination::Page,
        timeline::{self, AnnouncementView, TimelineQuery},
    },
    web::extract::{ApiJson, ApiQuery, Authenticated, MaybeAuthenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/organisations/{slug}/announcements",
            get(of_organisation).post(publish),
        )
        .route("/announcements/{key}", get(show).patch(edit).delete(remove))
        .route("/announcements/{key}/read", post(acknowledge))
        .route("/announcements/{key}/reads", get(reads))
        .route("/announcements/{key}/remind", post(remind))
        .route("/timeline", get(home))
        .route("/notifications", get(notifications))
        .route("/categories", get(categories))
        .route("/admin/categories", post(add_category))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

async fn publish(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewAnnouncement>,
) -> AppResult<(StatusCode, Json<AnnouncementView>)> {
    let view = announcements::publish(&state, &auth.caller(), &slug, body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn of_organisation(
    State(state): State<AppState>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    Path(slug): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<Page<AnnouncementView>>> {
    Ok(Json(
        announcements::of_organisation(&state, reader.as_ref(), &slug, page.cursor, page.limit)
            .await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    Path(key): Path<String>,
) -> AppResult<Json<AnnouncementView>> {
    Ok(Json(
        announcements::get(&state, reader.as_ref(), &key).await?,
    ))
}

async fn edit(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<AnnouncementChanges>,
) -> AppResult<Json<AnnouncementView>> {
    Ok(Json(
        announcements::edit(&state, &auth.caller(), &key, body).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(key): Path<String>,
) -> AppResult<StatusCode> {
    announcements::delete(&state, &auth.caller(), &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn acknowledge(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(key): Path<String>,
) -> AppResult<Json<AnnouncementView>> {
    Ok(Json(
        acknowledgements::acknowledge(&state, &account, &key).await?,
    ))
}

async fn reads(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(key): Path<String>,
) -> AppResult<Json<ReadReport>> {
    Ok(Json(
        acknowledgements::report(&state, &auth.caller(), &key).await?,
    ))
}

async fn remind(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(key): Path<String>,
) -> AppResult<Json<Value>> {
    let reminded = acknowledgements::remind(&state, &auth.caller(), &key).await?;
    Ok(Json(json!({ "reminded": reminded })))
}

async fn home(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    ApiQuery(query): ApiQuery<TimelineQuery>,
) -> AppResult<Json<Page<AnnouncementView>>> {
    Ok(Json(timeline::home(&state, &account, query).await?))
}

async fn notifications(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<Page<NotificationView>>> {
    Ok(Json(
        acknowledgements::notifications(&state, &account, page.cursor, page.limit).await?,
    ))
}

async fn categories(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let all = announcements::categories(&state).await?;
    Ok(Json(Value::Array(
        all.iter()
            .map(|(slug, label)| json!({ "slug": slug, "label": label }))
            .collect(),
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCategory {
    slug: String,
    label: String,
}

async fn add_category(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewCategory>,
) -> AppResult<StatusCode> {
    announcements::add_category(&state, &auth.caller(), &body.slug, &body.label).await?;
    Ok(StatusCode::CREATED)
}
