//! The content-addressed file store: bytes are kept once per sha256,
//! behind `object_store`: a local directory by default, any S3-compatible
//! store when configured.
//!
//! An upload is streamed to a staging file while it is hashed and counted,
//! so memory does not grow with the file and nothing is left behind when it
//! is too large or refused; only then is it copied into the store under its
//! digest.

use std::{
    path::{Path as FsPath, PathBuf},
    sync::Arc,
};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream::BoxStream};
use object_store::{
    GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart, local::LocalFileSystem,
    path::Path,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Errors of the file layer.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("the content is {detected}, not the declared {declared}")]
    TypeMismatch { declared: String, detected: String },
    #[error("`{0}` is not a media type")]
    BadMediaType(String),
    #[error("no file with digest {0}")]
    NotFound(String),
    #[error("reading the upload failed: {0}")]
    Upload(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
}

/// The store. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    staging: PathBuf,
}

const CHUNK: usize = 8 * 1024 * 1024;

impl FileStore {
    /// Files under `root` (created if missing); uploads staged in
    /// `root/.staging`.
    pub fn local(root: &FsPath) -> Result<Self, FileError> {
        let staging = root.join(".staging");
        std::fs::create_dir_all(&staging)?;
        Ok(Self {
            store: Arc::new(LocalFileSystem::new_with_prefix(root)?),
            staging,
        })
    }

    /// Files in an S3-compatible bucket; uploads staged in
    /// `staging_root/.staging` (a local directory: the digest must be known
    /// before the object is named).
    pub fn s3(
        settings: &crate::config::StorageSettings,
        staging_root: &FsPath,
    ) -> Result<Self, FileError> {
        let staging = staging_root.join(".staging");
        std::fs::create_dir_all(&staging)?;
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.s3_bucket)
            .with_region(&settings.s3_region);
        let endpoint = settings.s3_endpoint.trim();
        if !endpoint.is_empty() {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if !settings.s3_access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&settings.s3_access_key_id)
                .with_secret_access_key(&settings.s3_secret_access_key);
        }
        Ok(Self {
            store: Arc::new(builder.build()?),
            staging,
        })
    }

    fn location(sha256: &str) -> Path {
        Path::from(format!(
            "sha256/{}/{}/{sha256}",
            &sha256[..2],
            &sha256[2..4]
        ))
    }

    /// Streams an upload into the store. `declared` is the client's media
    /// type; it must agree with what the first bytes say.
    pub async fn put_stream<S, E>(
        &self,
        mut body: S,
        declared: &str,
        limit: u64,
    ) -> Result<Stored, FileError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let declared = normalize_media_type(declared)?;
        let staged = tempfile::NamedTempFile::new_in(&self.staging)?;
        let mut file = tokio::fs::File::from_std(staged.reopen()?);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head: Vec<u8> = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| FileError::Upload(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                // `staged` is removed when dropped.
                return Err(FileError::TooLarge { limit });
            }
            if head.len() < 8192 {
                head.extend_from_slice(&chunk[..chunk.len().min(8192 - head.len())]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        if size == 0 {
            return Err(FileError::Empty);
        }
        check_content(&declared, &head)?;
        let sha256 = hex(&hasher.finalize());
        let location = Self::location(&sha256);
        if self.store.head(&location).await.is_err() {
            let mut reader = tokio::fs::File::open(staged.path()).await?;
            let mut upload = WriteMultipart::new_with_chunk_size(
                self.store.put_multipart(&location).await?,
                CHUNK,
            );
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                let n = reader.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                upload.wait_for_capacity(4).await?;
                upload.write(&buf[..n]);
            }
            upload.finish().await?;
        }
        Ok(Stored {
            sha256,
            size,
            media_type: declared,
        })
    }

    /// Whether the store holds the bytes of a digest.
    pub async fn exists(&self, sha256: &str) -> Result<bool, FileError> {
        if !is_sha256(sha256) {
            return Ok(false);
        }
        match self.store.head(&Self::location(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes a stored file (one that nothing refers to).
    pub async fn delete(&self, sha256: &str) -> Result<(), FileError> {
        if !is_sha256(sha256) {
            return Err(FileError::NotFound(sha256.to_string()));
        }
        match self.store.delete(&Self::location(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The bytes of a stored file, as a stream. A local file is read in
    /// 256 KiB chunks (object_store's own stream reads 8 KiB at a time,
    /// which held downloads to about 140 MB/s).
    pub async fn get(
        &self,
        sha256: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, FileError>>, FileError> {
        if !is_sha256(sha256) {
            return Err(FileError::NotFound(sha256.to_string()));
        }
        let found = match self.store.get(&Self::location(sha256)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(FileError::NotFound(sha256.into()));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(match found.payload {
            GetResultPayload::File(file, _) => {
                let file = tokio::fs::File::from_std(file);
                tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024)
                    .map(|chunk| chunk.map_err(FileError::from))
                    .boxed()
            }
            GetResultPayload::Stream(stream) => {
                stream.map(|chunk| chunk.map_err(FileError::from)).boxed()
            }
        })
    }
}

/// Lower-case hex of a digest. Every signed-in request hashes its
/// session secret, so this writes digits instead of formatting each byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

pub fn is_sha256(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `type/subtype` in lower case, without parameters.
fn normalize_media_type(value: &str) -> Result<String, FileError> {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let valid = essence.split_once('/').is_some_and(|(t, s)| {
        !t.is_empty()
            && !s.is_empty()
            && essence
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/.+-_".contains(&b))
    });
    if !valid {
        return Err(FileError::BadMediaType(value.to_string()));
    }
    Ok(match essence.as_str() {
        "image/jpg" => "image/jpeg".into(),
        _ => essence,
    })
}

/// Refuses a file whose first bytes say it is something else than declared:
/// a declared type we can recognise must be recognised, and content we
/// recognise must be what was declared.
fn check_content(declared: &str, head: &[u8]) -> Result<(), FileError> {
    // "Some bytes": the client does not know either; the file is served as
    // such, with `nosniff`, whatever it holds.
    if declared == "application/octet-stream" {
        return Ok(());
    }
    let detected = infer::get(head).map(|t| t.mime_type());
    let mismatch = |detected: &str| FileError::TypeMismatch {
        declared: declared.to_string(),
        detected: detected.to_string(),
    };
    match detected {
        Some(found) if found == declared => Ok(()),
        // Office documents are zip files: either name is accepted for them.
        Some("application/zip") if declared.starts_with("application/vnd.") => Ok(()),
        Some(found) => Err(mismatch(found)),
        None if infer::is_mime_supported(declared) => Err(mismatch("unrecognised content")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&[u8]]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::copy_from_slice(p)))
                .collect::<Vec<_>>(),
        )
    }

    async fn read_all(store: &FileStore, sha: &str) -> Vec<u8> {
        let mut stream = store.get(sha).await.expect("stored");
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.expect("chunk"));
        }
        out
    }

    #[test]
    fn hex_writes_lower_case_digits_two_per_byte() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[tokio::test]
    async fn same_bytes_are_stored_once_under_their_digest() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        let first = store
            .put_stream(chunks(&[b"Bonjour ", b"les CM2"]), "text/plain", 1024)
            .await
            .expect("stored");
        assert_eq!(
            first.sha256,
            hex(&Sha256::digest(b"Bonjour les CM2")),
            "digest of the whole content"
        );
        assert_eq!(first.size, 15);
        let again = store
            .put_stream(
                chunks(&[b"Bonjour les CM2"]),
                "text/plain; charset=utf-8",
                1024,
            )
            .await
            .expect("stored again");
        assert_eq!(again, first);
        assert_eq!(read_all(&store, &first.sha256).await, b"Bonjour les CM2");
        let staged = std::fs::read_dir(dir.path().join(".staging"))
            .expect("staging")
            .count();
        assert_eq!(staged, 0, "staging files are removed");
    }

    #[tokio::test]
    async fn too_large_and_lying_uploads_leave_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        let big = store
            .put_stream(chunks(&[b"0123456789", b"0123456789"]), "text/plain", 15)
            .await;
        assert!(
            matches!(big, Err(FileError::TooLarge { limit: 15 })),
            "{big:?}"
        );
        let fake_pdf = store
            .put_stream(chunks(&[b"just text"]), "application/pdf", 1024)
            .await;
        assert!(
            matches!(fake_pdf, Err(FileError::TypeMismatch { .. })),
            "{fake_pdf:?}"
        );
        let png_as_text = store
            .put_stream(
                chunks(&[b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"]),
                "text/plain",
                1024,
            )
            .await;
        assert!(
            matches!(png_as_text, Err(FileError::TypeMismatch { .. })),
            "{png_as_text:?}"
        );
        let bad_type = store.put_stream(chunks(&[b"x"]), "not a type", 1024).await;
        assert!(
            matches!(bad_type, Err(FileError::BadMediaType(_))),
            "{bad_type:?}"
        );
        let staged = std::fs::read_dir(dir.path().join(".staging"))
            .expect("staging")
            .count();
        assert_eq!(staged, 0, "nothing staged is left");
        assert!(!dir.path().join("sha256").exists(), "nothing stored");
        let unknown = store
            .put_stream(
                chunks(&[b"\x00\x1f\x3e opaque"]),
                "application/octet-stream",
                1024,
            )
            .await;
        assert!(
            unknown.is_ok(),
            "bytes of no known type are accepted as such: {unknown:?}"
        );
    }

    #[tokio::test]
    async fn unknown_and_malformed_digests_are_not_found() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        assert!(matches!(
            store.get("../../etc/passwd").await,
            Err(FileError::NotFound(_))
        ));
        let absent = "0".repeat(64);
        assert!(matches!(
            store.get(&absent).await,
            Err(FileError::NotFound(_))
        ));
    }
}
