//! `/resources`: share a resource (multipart: a `meta` JSON part and one
//! or more `file` parts, each streamed to the file store), add versions,
//! delete, search; the licences allowed; and, for admins, which peers'
//! files this instance mirrors.

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Multipart, Path, State, multipart::MultipartError},
    http::StatusCode,
    routing::{get, post, put},
};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    AppState,
    error::{AppError, AppResult, ErrorKind},
    federation::mirror,
    services::{
        mirroring,
        pagination::Page,
        resources::{self, ResourceMeta, ResourceQuery, ResourceView, UploadedFile, VersionMeta},
    },
    vocabulary,
    web::extract::{ApiQuery, Authenticated, MaybeAuthenticated},
};

/// The `meta` part is a small JSON document.
const MAX_META: usize = 64 * 1024;

pub fn routes(max_upload: u64) -> Router<AppState> {
    // One request carries at most `max_upload` of files (and its meta);
    // each file is also counted while it is stored.
    let limit =
        usize::try_from(max_upload.saturating_add(MAX_META as u64 * 2)).unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/organisations/{slug}/resources",
            post(publish).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/resources", get(search))
        .route("/resources/{key}", get(show).delete(delete))
        .route(
            "/resources/{key}/versions",
            post(add_version).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/licences", get(licences))
        .route("/admin/federation/mirrors", get(mirrors))
        .route(
            "/admin/federation/mirrors/{domain}",
            put(mirror_on).delete(mirror_off),
        )
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(ErrorKind::PayloadTooLarge, "the upload is too large")
    } else {
        AppError::bad_request(format!("multipart body: {}", e.body_text()))
    }
}

/// Reads an upload: the `meta` part and every `file` part, streamed into
/// the store. On any error the files already stored for it are removed.
async fn read_upload<T: DeserializeOwned>(
    state: &AppState,
    mut multipart: Multipart,
) -> AppResult<(Option<T>, Vec<UploadedFile>)> {
    let mut meta = None;
    let mut uploaded: Vec<UploadedFile> = Vec::new();
    let limit = state.settings.limits.max_upload_bytes;
    let read = async {
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            match field.name() {
                Some("meta") => {
                    let bytes = field.bytes().await.map_err(multipart_error)?;
                    if bytes.len() > MAX_META {
                        return Err(AppError::invalid("meta: at most 64 KiB of JSON"));
                    }
                    meta = Some(
                        serde_json::from_slice(&bytes)
                            .map_err(|e| AppError::invalid(format!("meta: {e}")))?,
                    );
                }
                Some("file") => {
                    let name = field.file_name().unwrap_or("").to_string();
                    let declared = field
                        .content_type()
                        .unwrap_or("application/octet-stream")
                        .to_string();
                    let stored = state.files.put_stream(field, &declared, limit).await?;
                    uploaded.push(UploadedFile { name, stored });
                }
                other => {
                    return Err(AppError::invalid(format!(
                        "unknown part `{}`: send `meta` and `file` parts",
                        other.unwrap_or("")
                    )));
                }
            }
        }
        Ok(())
    }
    .await;
    match read {
        Ok(()) => Ok((meta, uploaded)),
        Err(e) => {
            resources::discard_unrecorded(state, &uploaded).await;
            Err(e)
        }
    }
}

async fn publish(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(slug): Path<String>,
    multipart: Multipart,
) -> AppResult<(StatusCode, Json<ResourceView>)> {
    let (meta, uploaded) = read_upload::<ResourceMeta>(&state, multipart).await?;
    let result = match meta {
        Some(meta) => {
            resources::publish(&state, &auth.caller(), &slug, meta, uploaded.clone()).await
        }
        None => Err(AppError::invalid("meta: the `meta` part is required")),
    };
    match result {
        Ok(view) => Ok((StatusCode::CREATED, Json(view))),
        Err(e) => {
            resources::discard_unrecorded(&state, &uploaded).await;
            Err(e)
        }
    }
}

async fn add_version(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(key): Path<String>,
    multipart: Multipart,
) -> AppResult<(StatusCode, Json<ResourceView>)> {
    let (meta, uploaded) = read_upload::<VersionMeta>(&state, multipart).await?;
    let meta = meta.unwrap_or_default();
    match resources::add_version(&state, &auth.caller(), &key, meta, uploaded.clone()).await {
        Ok(view) => Ok((StatusCode::CREATED, Json(view))),
        Err(e) => {
            resources::discard_unrecorded(&state, &uploaded).await;
            Err(e)
        }
    }
}

async fn show(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(key): Path<String>,
) -> AppResult<Json<ResourceView>> {
    Ok(Json(resources::get(&state, auth.viewer(), &key).await?))
}

async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(key): Path<String>,
) -> AppResult<StatusCode> {
    resources::delete(&state, &auth.caller(), &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn search(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    ApiQuery(query): ApiQuery<ResourceQuery>,
) -> AppResult<Json<Page<ResourceView>>> {
    Ok(Json(resources::search(&state, auth.viewer(), query).await?))
}

#[derive(Serialize)]
struct Licence {
    id: &'static str,
    label: &'static str,
}

async fn licences() -> Json<Vec<Licence>> {
    Json(
        vocabulary::LICENCES
            .iter()
            .map(|(id, label)| Licence { id, label })
            .collect(),
    )
}

async fn mirrors(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<Vec<String>>> {
    Ok(Json(
        mirroring::mirrored_domains(&state, &auth.caller()).await?,
    ))
}

async fn mirror_on(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(domain): Path<String>,
) -> AppResult<StatusCode> {
    let domain = mirroring::set_mirroring(&state, &auth.caller(), &domain, true).await?;
    // Copies what is already known from that peer.
    mirror::spawn(state.clone(), domain);
    Ok(StatusCode::NO_CONTENT)
}

async fn mirror_off(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(domain): Path<String>,
) -> AppResult<StatusCode> {
    mirroring::set_mirroring(&state, &auth.caller(), &domain, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
