//! `/directory`: search of organisations (local and from peers) and of the
//! people of this instance. Anonymous requests see public entries; a token
//! shows what its account may see.

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};

use crate::{
    AppState,
    error::AppResult,
    services::{
        directory::{self, OrganisationEntry, OrganisationQuery, PeopleQuery, PersonEntry},
        pagination::Page,
    },
    web::extract::{ApiQuery, MaybeAuthenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/directory/organisations", get(organisations))
        .route("/directory/people", get(people))
        .route("/directory/people/{username}", get(person))
}

async fn organisations(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    ApiQuery(query): ApiQuery<OrganisationQuery>,
) -> AppResult<Json<Page<OrganisationEntry>>> {
    Ok(Json(
        directory::organisations(&state, auth.viewer(), query).await?,
    ))
}

async fn people(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    ApiQuery(query): ApiQuery<PeopleQuery>,
) -> AppResult<Json<Page<PersonEntry>>> {
    Ok(Json(directory::people(&state, auth.viewer(), query).await?))
}

async fn person(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(username): Path<String>,
) -> AppResult<Json<PersonEntry>> {
    Ok(Json(
        directory::person(&state, auth.viewer(), auth.account_id(), &username).await?,
    ))
}
