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

/// Settings, database pool and in-memory guards. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub login_throttle: Arc<LoginThrottle>,
    pub inbox_limit: Arc<DomainRateLimit>,
    /// Uploaded files, by content.
    pub files: FileStore,
    /// Which modules are switched on, and the announcement categories
    /// (built-in and added), as this process last read them.
    pub modules: Arc<KeptCopy<Modules>>,
    pub categories: Arc<KeptCopy<Categories>>,
    /// Federation traffic not yet added to the weekly counters.
    pub tally: Arc<Tally>,
    /// The statistics page's figures, as this process last computed them.
    pub statistics: Arc<KeptCopy<Statistics>>,
    /// Organisation profiles, checked against the directory's version.
    pub profiles: Arc<ProfileCopies>,
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
        Ok(Self {
            files,
            inbox_limit: Arc::new(DomainRateLimit::new(
                settings.limits.inbox_per_domain_per_minute,
            )),
            settings: Arc::new(settings),
            db,
            login_throttle: Arc::default(),
            modules: Arc::default(),
            categories: Arc::default(),
            tally: Arc::default(),
            statistics: Arc::new(KeptCopy::trusted_for(REPORT_KEPT_FOR)),
            profiles: Arc::default(),
        })
    }
}
