//! The state every request handler, service and CLI command works with.

use std::sync::Arc;

use crate::{
    config::{Settings, StorageBackend},
    db::{self, DatabaseUrl, Db, DbError, PoolOptions},
    files::FileStore,
    services::{
        announcements::Categories,
        directory_copies::ProfileCopies,
        kept_copy::KeptCopy,
        modules::Modules,
        statistics::{REPORT_KEPT_FOR, Statistics, Tally},
        throttle::{DomainRateLimit, LoginThrottle},
    },
};

/// Settings, database pool and in-memory guards, shared by every request
/// of the process. A clone is one reference count: each request clones
/// the state several times (extractors, readers), and cloning each of a
/// dozen fields was a measurable part of a page.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What an [`AppState`] shares; its fields are read through the state.
pub struct Shared {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub login_throttle: LoginThrottle,
    pub inbox_limit: DomainRateLimit,
    /// Uploaded files, by content.
    pub files: FileStore,
    /// Which modules are switched on, and the announcement categories
    /// (built-in and added), as this process last read them.
    pub modules: KeptCopy<Modules>,
    pub categories: KeptCopy<Categories>,
    /// Federation traffic not yet added to the weekly counters.
    pub tally: Tally,
    /// The statistics page's figures, as this process last computed them.
    pub statistics: KeptCopy<Statistics>,
    /// Organisation profiles, checked against the directory's version.
    pub profiles: ProfileCopies,
}

impl AppState {
    /// Opens the database named by the settings and applies pending
    /// migrations (refusing a schema newer than this binary).
    pub async fn open(settings: Settings) -> Result<Self, DbError> {
        let url = DatabaseUrl::parse(&settings.database.url, &settings.data_dir)?;
        let options = PoolOptions {
            size: settings.database.pool_size,
            busy_timeout_ms: settings.database.busy_timeout_ms,
            connect_timeout: std::time::Duration::from_secs(settings.database.connect_timeout_secs),
        };
        let db = tokio::task::spawn_blocking(move || -> Result<Db, DbError> {
            let db = Db::connect(&url, &options)?;
            let report = db::run_migrations(&mut *db.get()?)?;
            for version in &report.applied {
                tracing::info!(%version, "migration applied");
            }
            Ok(db)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))??;
        let files_dir = settings.data_dir.join("files");
        let files = match settings.storage.backend {
            StorageBackend::Local => FileStore::local(&files_dir)
                .map_err(|e| DbError::Setup(format!("file store {}: {e}", files_dir.display())))?,
            StorageBackend::S3 => FileStore::s3(&settings.storage, &files_dir).map_err(|e| {
                DbError::Setup(format!(
                    "S3 file store (bucket {}): {e}",
                    settings.storage.s3_bucket
                ))
            })?,
        };
        Ok(Self(Arc::new(Shared {
            files,
            inbox_limit: DomainRateLimit::new(settings.limits.inbox_per_domain_per_minute),
            settings: Arc::new(settings),
            db,
            login_throttle: LoginThrottle::default(),
            modules: KeptCopy::default(),
            categories: KeptCopy::default(),
            tally: Tally::default(),
            statistics: KeptCopy::trusted_for(REPORT_KEPT_FOR),
            profiles: ProfileCopies::default(),
        })))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
