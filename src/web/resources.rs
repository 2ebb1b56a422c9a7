//! `/resources/{key}`: a resource as ActivityPub `Document` (or `410` with
//! a `Tombstone` once deleted), and `/resources/{key}/files/{sha256}`, the
//! download of one of its files. A remote file is served from this
//! instance's copy when it keeps one (mirroring), else the client is sent
//! to its origin. Every download is counted.

use axum::{
    Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};

use crate::{
    AppState,
    db::{files, organisations, resources, tombstones},
    error::AppError,
    federation::{
        objects::resource::document,
        routes::{activity_json, tombstone},
    },
    files::is_sha256,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/resources/{key}", get(resource))
        .route("/resources/{key}/files/{sha256}", get(download))
}

async fn resource(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    visitor: super::ui::Visitor,
) -> Result<Response, AppError> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !accept.contains("json") {
        return Ok(super::ui::resources::page(&state, visitor, &key).await);
    }
    let ap_id = state.settings.url(&format!("/resources/{key}"));
    let settings = state.settings.clone();
    let found = state
        .db
        .read(move |conn| {
            if tombstones::contains(conn, &ap_id)? {
                return Ok::<_, AppError>(Err(ap_id));
            }
            let Some(row) = resources::by_public_id(conn, &key)?.filter(|r| r.local) else {
                return Ok(Ok(None));
            };
            let files = resources::files_of(conn, &[row.id])?;
            let org = organisations::by_id(conn, row.organisation_id)?;
            let doc = document(&row, &files, &org, &settings)
                .map_err(|e| AppError::internal(e.to_string()))?;
            Ok(Ok(Some(doc)))
        })
        .await?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("activity+json") || a.contains("ld+json"));
    match found {
        Ok(Some(doc)) if wants_json => Ok(activity_json(doc)),
        Ok(Some(doc)) => Ok(axum::Json(doc).into_response()),
        Ok(None) => Err(AppError::not_found("resource")),
        Err(ap_id) => Ok(tombstone(ap_id)),
    }
}

/// `attachment; filename*=UTF-8''…`: the stored name, percent-encoded, so
/// that no header injection or path is possible.
fn disposition(name: &str) -> HeaderValue {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

async fn download(
    State(state): State<AppState>,
    Path((key, sha256)): Path<(String, String)>,
) -> Result<Response, AppError> {
    if !is_sha256(&sha256) {
        return Err(AppError::not_found("file"));
    }
    let lookup = sha256.clone();
    let (file, stored) = state
        .db
        .run(move |conn| {
            let resource = resources::by_public_id(conn, &key)?
                .ok_or_else(|| AppError::not_found("resource"))?;
            let file = resources::file(conn, resource.id, &lookup)?
                .ok_or_else(|| AppError::not_found("file"))?;
            // Ours, or a checked copy of a peer's.
            let held = resource.local || file.mirrored;
            let stored = if held {
                files::get(conn, &lookup)?
            } else {
                None
            };
            resources::count_download(conn, &file)?;
            Ok::<_, AppError>((file, stored))
        })
        .await?;
    let Some(stored) = stored else {
        let origin = file.remote_url.ok_or_else(|| AppError::not_found("file"))?;
        return Ok(Redirect::temporary(&origin).into_response());
    };
    let stream = state.files.get(&sha256).await?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    let media_type = HeaderValue::from_str(&stored.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, media_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(stored.size));
    headers.insert(header::CONTENT_DISPOSITION, disposition(&file.name));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(response)
}
