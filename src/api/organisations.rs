//! `/organisations`: list, create, read and update organisations, and
//! manage their members.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get},
};

use crate::{
    AppState,
    error::AppResult,
    services::{
        organisations::{
            self, AddMember, CreateOrganisation, MemberView, OrganisationView, UpdateOrganisation,
        },
        pagination::{Page, PageRequest},
    },
    web::extract::{ApiJson, ApiQuery, Authenticated, MaybeAuthenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(list).post(create))
        .route("/organisations/{slug}", get(show).patch(update))
        .route(
            "/organisations/{slug}/members",
            get(members).post(add_member),
        )
        .route(
            "/organisations/{slug}/members/{username}/{role}",
            delete(remove_member),
        )
}

async fn list(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> AppResult<Json<Page<OrganisationView>>> {
    Ok(Json(
        organisations::list(&state, auth.viewer(), &page).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<CreateOrganisation>,
) -> AppResult<(StatusCode, Json<OrganisationView>)> {
    let view = organisations::create(&state, &auth.caller(), body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn show(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(slug): Path<String>,
) -> AppResult<Json<OrganisationView>> {
    Ok(Json(
        organisations::get(&state, auth.viewer(), &slug).await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<UpdateOrganisation>,
) -> AppResult<Json<OrganisationView>> {
    Ok(Json(
        organisations::update(&state, &auth.caller(), &slug, body).await?,
    ))
}

async fn members(
    State(state): State<AppState>,
    // Member lists are for signed-in accounts; the directory adds per-field
    // visibility for the public.
    _auth: Authenticated,
    Path(slug): Path<String>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> AppResult<Json<Page<MemberView>>> {
    Ok(Json(organisations::members(&state, &slug, &page).await?))
}

async fn add_member(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<AddMember>,
) -> AppResult<(StatusCode, Json<MemberView>)> {
    let view = organisations::add_member(&state, &auth.caller(), &slug, body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn remove_member(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((slug, username, role)): Path<(String, String, String)>,
) -> AppResult<StatusCode> {
    organisations::remove_member(&state, &auth.caller(), &slug, &username, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}
