//! `POST /files`: upload a file (the raw body, with its `Content-Type`),
//! stored once per content; announcements then attach it by digest.

use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode, header},
    routing::post,
};
use serde::Serialize;

use crate::{
    AppState,
    error::{AppError, AppResult, ErrorKind},
    files::FileError,
    services::uploads,
    web::extract::Authenticated,
};

pub fn routes(max_upload: u64) -> Router<AppState> {
    // The stream is counted while it is stored; this limit only lifts the
    // router's default for this route.
    let limit = usize::try_from(max_upload.saturating_add(1)).unwrap_or(usize::MAX);
    Router::new().route("/files", post(upload).layer(DefaultBodyLimit::max(limit)))
}

#[derive(Debug, Serialize)]
struct Uploaded {
    sha256: String,
    url: String,
    media_type: String,
    size: u64,
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::TooLarge { .. } => AppError::new(ErrorKind::PayloadTooLarge, e.to_string()),
            FileError::Empty | FileError::BadMediaType(_) | FileError::TypeMismatch { .. } => {
                AppError::invalid(e.to_string())
            }
            FileError::NotFound(_) => AppError::not_found("file"),
            FileError::Upload(_) => AppError::bad_request(e.to_string()),
            FileError::Io(_) | FileError::Store(_) => AppError::internal(e),
        }
    }
}

async fn upload(
    State(state): State<AppState>,
    _auth: Authenticated,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<Uploaded>)> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::bad_request("Content-Type is required: the file's media type"))?
        .to_string();
    let limit = state.settings.limits.max_upload_bytes;
    let stored = state
        .files
        .put_stream(body.into_data_stream(), &declared, limit)
        .await?;
    uploads::keep(&state, std::slice::from_ref(&stored)).await?;
    tracing::info!(sha256 = %stored.sha256, size = stored.size, "file stored");
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            url: state.settings.url(&format!("/files/{}", stored.sha256)),
            sha256: stored.sha256,
            media_type: stored.media_type,
            size: stored.size,
        }),
    ))
}
