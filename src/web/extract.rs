//! Extractors that turn malformed requests into the JSON error format and
//! read bearer tokens.

use axum::{
    Json,
    extract::{FromRequest, FromRequestParts, Query, Request, rejection::JsonRejection},
    http::{StatusCode, header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{
    AppState,
    db::accounts::SignedIn,
    error::{AppError, ErrorKind},
    services::{Caller, auth},
};

/// A JSON body; every rejection becomes an [`AppError`] with the real reason.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::new(
            ErrorKind::PayloadTooLarge,
            "request body is larger than the configured limit",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            AppError::bad_request("expected a body with Content-Type: application/json")
        }
        StatusCode::UNPROCESSABLE_ENTITY => AppError::invalid(rejection.body_text()),
        _ => AppError::bad_request(rejection.body_text()),
    }
}

/// Query parameters; a malformed query is a 400 that says why.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Self(q))
            .map_err(|e| AppError::bad_request(e.body_text()))
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer_token(parts: &Parts) -> Result<Option<&str>, AppError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| AppError::unauthorized())?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
        _ => Err(AppError::unauthorized()),
    }
}

/// A request made with a valid token; 401 otherwise.
pub struct Authenticated(pub SignedIn);

impl Authenticated {
    pub fn caller(&self) -> Caller {
        Caller::Account(Box::new(self.0.clone()))
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts)?.ok_or_else(AppError::unauthorized)?;
        auth::authenticate(state, token).await.map(Self)
    }
}

/// The account of a request when it carries a token (which must then be
/// valid); `None` for anonymous requests.
pub struct MaybeAuthenticated(pub Option<SignedIn>);

impl MaybeAuthenticated {
    /// Who is looking, for the directory's visibilities.
    pub fn viewer(&self) -> crate::model::Viewer {
        crate::model::Viewer::of(self.0.as_ref())
    }

    pub fn account_id(&self) -> Option<i64> {
        self.0.as_ref().map(|a| a.id)
    }
}

impl FromRequestParts<AppState> for MaybeAuthenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match bearer_token(parts)? {
            Some(token) => auth::authenticate(state, token)
                .await
                .map(|a| Self(Some(a))),
            None => Ok(Self(None)),
        }
    }
}
