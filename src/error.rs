//! The application error: a kind that decides the HTTP status and the safe
//! message, and a cause that is logged but never sent to a client.

use std::borrow::Cow;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::db::DbError;

type Cause = Box<dyn std::error::Error + Send + Sync>;

/// What went wrong, as far as a client may know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    /// Well-formed input that breaks a rule (bad UAI, short password…).
    Invalid,
    /// Too many attempts; retry later.
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code of the JSON error body.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Invalid => "invalid",
            Self::TooManyRequests => "too_many_requests",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

/// The error every service and handler returns.
#[derive(Debug, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct AppError {
    pub kind: ErrorKind,
    /// Safe to show to the client.
    pub message: Cow<'static, str>,
    /// What a page says instead of `message`, in its reader's language. The
    /// API and the logs keep `message`, in English.
    pub said: Option<Said>,
    #[source]
    pub cause: Option<Cause>,
}

pub type AppResult<T> = Result<T, AppError>;

/// A translation key and the values of its placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
            said: None,
            cause: None,
        }
    }

    /// Gives the refusal its words for people: a key of
    /// `locales/*/refused.toml`, with its `{placeholders}`.
    #[must_use]
    pub fn says(
        mut self,
        key: &'static str,
        args: &[(&'static str, &dyn std::fmt::Display)],
    ) -> Self {
        self.said = Some(Said {
            key,
            args: args.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        });
        self
    }

    pub fn with_cause(mut self, cause: impl Into<Cause>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    /// Never says which part of the credentials was wrong.
    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Unauthorized, "missing or invalid credentials")
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} not found"))
    }

    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn invalid(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::new(ErrorKind::Internal, "internal error").with_cause(cause)
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Pool(_) | DbError::Busy(_) | DbError::Connect { .. } => {
                Self::new(ErrorKind::Unavailable, "database unavailable").with_cause(e)
            }
            DbError::Query(diesel::result::Error::NotFound) => {
                Self::new(ErrorKind::NotFound, "not found")
            }
            e if e.unique_violation().is_some() => Self::conflict("already exists").with_cause(e),
            e => Self::internal(e),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        DbError::Query(e).into()
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: &'a str,
    /// The refusal's translation key (`locales/*/refused.toml`), for clients
    /// that speak to people in their own language.
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<&'static str>,
    /// The values of its placeholders.
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<std::collections::BTreeMap<&'static str, &'a str>>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.kind.status();
        if status.is_server_error() {
            tracing::error!(error = %self.message, cause = ?self.cause, "request failed");
        } else if let Some(cause) = &self.cause {
            tracing::debug!(error = %self.message, %cause, "request refused");
        }
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.kind.code(),
                message: &self.message,
                refusal: self.said.as_ref().map(|s| s.key),
                values: self.said.as_ref().map(|s| {
                    s.args
                        .iter()
                        .map(|(name, value)| (*name, value.as_str()))
                        .collect()
                }),
            }),
        )
            .into_response();
        if self.kind == ErrorKind::Unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"preau\""),
            );
        }
        response
    }
}
