//! The federation layer's error: what a peer is told (status and a short
//! reason), with the cause logged.

use activitypub_federation::error::Error as LibError;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::{db::DbError, error::AppError};

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The peer's domain is not federated with (policy), or it may not do this.
    #[error("refused: {0}")]
    Refused(String),
    /// Signature missing, malformed, stale or wrong.
    #[error("signature rejected: {0}")]
    Unauthorized(String),
    /// The request or activity is malformed or inconsistent.
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("payload too large")]
    TooLarge,
    #[error("too many requests from this domain: slow down")]
    TooManyRequests,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Library(#[from] LibError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for FederationError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound,
            e => Self::Db(DbError::Query(e)),
        }
    }
}

impl From<url::ParseError> for FederationError {
    fn from(e: url::ParseError) -> Self {
        Self::Invalid(format!("bad URL: {e}"))
    }
}

impl From<serde_json::Error> for FederationError {
    fn from(e: serde_json::Error) -> Self {
        Self::Invalid(format!("bad JSON: {e}"))
    }
}

impl FederationError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::App(e) => e.kind.status(),
            Self::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Library(e) => library_status(e),
        }
    }
}

fn library_status(e: &LibError) -> StatusCode {
    match e {
        LibError::NotFound => StatusCode::NOT_FOUND,
        LibError::ActivitySignatureInvalid | LibError::ActivityBodyDigestInvalid => {
            StatusCode::UNAUTHORIZED
        }
        LibError::UrlVerificationError(_)
        | LibError::DomainResolveError(_)
        | LibError::ResolveInternalIpError(..) => StatusCode::FORBIDDEN,
        LibError::ParseReceivedActivity { .. }
        | LibError::ParseFetchedObject(..)
        | LibError::UrlParse(_)
        | LibError::WebfingerResolveFailed(_)
        | LibError::FetchWrongId(_)
        | LibError::FetchInvalidContentType(_)
        | LibError::ObjectDeleted(_) => StatusCode::BAD_REQUEST,
        LibError::RequestLimit | LibError::ResponseBodyLimit => StatusCode::BAD_REQUEST,
        _ => StatusCode::BAD_GATEWAY,
    }
}

impl IntoResponse for FederationError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "federation request failed");
        } else {
            tracing::info!(error = %self, %status, "federation request refused");
        }
        let message = match &self {
            Self::Db(_) => "internal error".to_string(),
            Self::App(e) => e.message.to_string(),
            other => other.to_string(),
        };
        (
            status,
            axum::Json(serde_json::json!({"error": status.as_str(), "message": message})),
        )
            .into_response()
    }
}
