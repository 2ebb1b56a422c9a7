//! `GET /files/{sha256}`: stored files, streamed. Served with their
//! recorded type, `nosniff` and a sandboxing CSP, so that an uploaded HTML
//! or SVG file cannot run script in the instance's origin.

use axum::{
    Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{AppState, db::files, error::AppError, files::is_sha256};

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/{sha256}", get(download))
}

async fn download(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Response, AppError> {
    if !is_sha256(&sha256) {
        return Err(AppError::not_found("file"));
    }
    let lookup = sha256.clone();
    let row = state
        .db
        .read(move |conn| Ok::<_, AppError>(files::get(conn, &lookup)?))
        .await?
        .ok_or_else(|| AppError::not_found("file"))?;
    let stream = state.files.get(&sha256).await?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    let media_type = HeaderValue::from_str(&row.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, media_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(row.size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    // Content-addressed: the bytes behind this URL never change.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
