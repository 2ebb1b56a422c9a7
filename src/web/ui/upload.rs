//! Forms with files (`multipart/form-data`): text fields are collected and
//! parsed like a urlencoded form, files are streamed into the store as
//! they arrive. A failed read removes the files it stored.

use axum::{
    extract::{Multipart, multipart::MultipartError},
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use crate::{
    AppState,
    error::{AppError, AppResult, ErrorKind},
    services::resources::{UploadedFile, discard_unrecorded},
};

/// Text fields are small; this bounds each one.
const MAX_FIELD: usize = 200 * 1024;

pub struct MultipartForm {
    fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(ErrorKind::PayloadTooLarge, "the upload is too large")
            .says("refused.upload_too_large", &[])
    } else {
        AppError::bad_request(format!("form: {}", e.body_text()))
            .says("refused.form_unreadable", &[])
    }
}

/// Reads a whole form; parts named `file_field` are files, and a file
/// input left empty (a part without a file name) is skipped.
pub async fn read(
    state: &AppState,
    mut multipart: Multipart,
    file_field: &str,
) -> AppResult<MultipartForm> {
    let mut form = MultipartForm {
        fields: Vec::new(),
        files: Vec::new(),
    };
    let limit = state.settings.limits.max_upload_bytes;
    let read = async {
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            let name = field.name().unwrap_or("").to_string();
            if name == file_field {
                let file_name = field.file_name().unwrap_or("").to_string();
                if file_name.is_empty() {
                    continue;
                }
                let declared = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let stored = state.files.put_stream(field, &declared, limit).await?;
                form.files.push(UploadedFile {
                    name: file_name,
                    stored,
                });
            } else {
                let text = field.text().await.map_err(multipart_error)?;
                if text.len() > MAX_FIELD {
                    return Err(AppError::invalid(format!("{name}: too long"))
                        .says("refused.field_too_long", &[("field", &name)]));
                }
                form.fields.push((name, text));
            }
        }
        Ok(())
    }
    .await;
    match read {
        Ok(()) => Ok(form),
        Err(e) => {
            discard_unrecorded(state, &form.files).await;
            Err(e)
        }
    }
}

impl MultipartForm {
    /// The text fields as a form struct (repeated names fill a `Vec`).
    pub fn parse<T: DeserializeOwned>(&self) -> AppResult<T> {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.fields)
            .finish();
        serde_html_form::from_str(&encoded).map_err(|e| {
            AppError::bad_request(format!("form: {e}")).says("refused.form_unreadable", &[])
        })
    }

    /// Removes the stored files nothing refers to (a refused form).
    pub async fn discard(&self, state: &AppState) {
        discard_unrecorded(state, &self.files).await;
    }
}
