//! Settings: one documented struct, its defaults, `PREAU_*` overrides and validation.
//!
//! `config/preau.toml` is the commented copy of [`Settings::default`]; a unit
//! test fails when the two drift apart.

use std::{
    collections::BTreeMap,
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

/// Errors met while reading or checking the settings.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {source}")]
    Syntax {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid setting `{key}` = {value} (from {origin}): {reason}")]
    Invalid {
        key: String,
        value: String,
        origin: String,
        reason: String,
    },
}

/// Every setting of a Préau instance. Unknown keys are refused so that a typo
/// never silently falls back to a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Public domain of the instance, with the port when it is not 443
    /// (`ent.circo-nantes.fr`, `localhost:8080`). Part of every ActivityPub id:
    /// changing it later breaks federation.
    pub domain: String,
    /// Address and port the HTTP server listens on.
    pub bind: SocketAddr,
    /// Directory for the SQLite database, keys and uploaded files.
    pub data_dir: PathBuf,
    /// The time zone of the instance's people (an IANA name, such as
    /// `Europe/Paris` or `Indian/Reunion`): pages show dates on its clock,
    /// and the times typed in forms are read on it.
    pub time_zone: chrono_tz::Tz,
    pub database: DatabaseSettings,
    pub federation: FederationSettings,
    pub delivery: DeliverySettings,
    pub limits: LimitSettings,
    pub storage: StorageSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
}

/// Where uploaded files live: a directory under `data_dir` by default, or
/// an S3-compatible object store (MinIO, Garage, a cloud provider).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// `local` (`data_dir/files`) or `s3`.
    pub backend: StorageBackend,
    /// S3 bucket (it must exist).
    pub s3_bucket: String,
    /// S3 endpoint URL; empty for AWS itself.
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Local,
    S3,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Local,
            s3_bucket: String::new(),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH`, a plain file path, or `postgres://user:pass@host/db`.
    /// Empty: the SQLite file `preau.db` inside `data_dir`.
    pub url: String,
    /// Connections kept in the pool.
    pub pool_size: u32,
    /// How long SQLite waits for a lock before giving up, in milliseconds.
    pub busy_timeout_ms: u32,
    /// How long a request waits for a free pooled connection, in seconds.
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FederationSettings {
    /// `allowlist` (only the listed domains), `open` (all but the blocklist)
    /// or `closed` (no federation).
    pub mode: FederationMode,
    /// Domains federated with in `allowlist` mode.
    pub allowlist: Vec<String>,
    /// Domains never federated with, whatever the mode.
    pub blocklist: Vec<String>,
    /// Development only: allow plain http and loopback peers. Never in production.
    pub debug: bool,
    /// Hours between two reads of each peer's directory (besides the read
    /// when peering starts and the `Update`s peers send); 0 turns it off.
    pub directory_sync_hours: f64,
}

/// The durable outbox: how deliveries are retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// Target domains delivered to at the same time by one process.
    pub lanes: usize,
    /// Wait after a domain's first failure; doubled at each failure.
    pub retry_base_secs: f64,
    /// Longest wait between two tries of a domain.
    pub retry_max_secs: f64,
    /// A domain failing for this long is marked dead.
    pub dead_after_secs: f64,
    /// A dead domain is tried again this often.
    pub dead_retry_secs: f64,
    /// An activity not delivered after this many days is given up and
    /// reported to the admins.
    pub give_up_after_days: f64,
    /// How often idle workers look for work other processes queued.
    pub poll_interval_ms: u64,
    /// How long a process holds a domain's lane without renewing it; a
    /// process that dies frees its lanes after this.
    pub lease_secs: f64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            lanes: 16,
            retry_base_secs: 60.0,
            retry_max_secs: 2.0 * 86_400.0,
            dead_after_secs: 86_400.0,
            dead_retry_secs: 12.0 * 3_600.0,
            give_up_after_days: 14.0,
            poll_interval_ms: 1_000,
            lease_secs: 60.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FederationMode {
    Allowlist,
    Open,
    Closed,
}

impl fmt::Display for FederationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allowlist => "allowlist",
            Self::Open => "open",
            Self::Closed => "closed",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Largest request body accepted by the API and the inboxes, in bytes.
    pub max_body_bytes: usize,
    /// Deepest JSON nesting accepted from a peer.
    pub max_json_depth: usize,
    /// Time allowed to answer one request, in seconds, before its body is
    /// counted (see `min_upload_bytes_per_sec`).
    pub request_timeout_secs: u64,
    /// The slowest upload waited for: a request is given
    /// `request_timeout_secs` plus its announced size at this rate.
    pub min_upload_bytes_per_sec: u64,
    /// Time allowed for one outgoing fetch or delivery, in seconds.
    pub fetch_timeout_secs: u64,
    /// Outgoing fetches one incoming activity may cause.
    pub fetch_limit: u32,
    /// Inbox requests accepted from one remote domain per minute (bursts
    /// up to as many); 0 for no limit.
    pub inbox_per_domain_per_minute: u32,
    /// Largest uploaded file (announcement attachment), in bytes.
    pub max_upload_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter, e.g. `info` or `preau=debug,tower_http=info`.
    /// The `RUST_LOG` variable wins when set.
    pub filter: String,
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// When set, `/metrics` answers only requests that carry
    /// `Authorization: Bearer <token>` (Prometheus's `authorization`
    /// setting); empty, anyone who reaches it reads it.
    pub token: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            domain: "localhost:8080".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            time_zone: chrono_tz::Europe::Paris,
            database: DatabaseSettings::default(),
            federation: FederationSettings::default(),
            delivery: DeliverySettings::default(),
            limits: LimitSettings::default(),
            storage: StorageSettings::default(),
            log: LogSettings::default(),
            metrics: MetricsSettings::default(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            pool_size: 8,
            busy_timeout_ms: 5_000,
            connect_timeout_secs: 5,
        }
    }
}

impl Default for FederationSettings {
    fn default() -> Self {
        Self {
            mode: FederationMode::Allowlist,
            allowlist: Vec::new(),
            blocklist: Vec::new(),
            debug: false,
            directory_sync_hours: 6.0,
        }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_json_depth: 128,
            request_timeout_secs: 30,
            min_upload_bytes_per_sec: 32 * 1024,
            fetch_timeout_secs: 10,
            fetch_limit: 20,
            inbox_per_domain_per_minute: 6_000,
            max_upload_bytes: 50 * 1024 * 1024,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            filter: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// How an environment value is turned into a TOML value.
#[derive(Clone, Copy)]
enum EnvKind {
    Text,
    Bool,
    Integer,
    Float,
    List,
}

/// The `PREAU_*` variables and the setting each one overrides.
const ENV_OVERRIDES: &[(&str, &str, EnvKind)] = &[
    ("PREAU_DOMAIN", "domain", EnvKind::Text),
    ("PREAU_BIND", "bind", EnvKind::Text),
    ("PREAU_DATA_DIR", "data_dir", EnvKind::Text),
    ("PREAU_TIME_ZONE", "time_zone", EnvKind::Text),
    ("PREAU_DATABASE_URL", "database.url", EnvKind::Text),
    (
        "PREAU_DATABASE_POOL_SIZE",
        "database.pool_size",
        EnvKind::Integer,
    ),
    (
        "PREAU_DATABASE_BUSY_TIMEOUT_MS",
        "database.busy_timeout_ms",
        EnvKind::Integer,
    ),
    ("PREAU_FEDERATION_MODE", "federation.mode", EnvKind::Text),
    (
        "PREAU_FEDERATION_ALLOWLIST",
        "federation.allowlist",
        EnvKind::List,
    ),
    (
        "PREAU_FEDERATION_BLOCKLIST",
        "federation.blocklist",
        EnvKind::List,
    ),
    ("PREAU_FEDERATION_DEBUG", "federation.debug", EnvKind::Bool),
    ("PREAU_STORAGE_BACKEND", "storage.backend", EnvKind::Text),
    (
        "PREAU_STORAGE_S3_BUCKET",
        "storage.s3_bucket",
        EnvKind::Text,
    ),
    (
        "PREAU_STORAGE_S3_ENDPOINT",
        "storage.s3_endpoint",
        EnvKind::Text,
    ),
    (
        "PREAU_STORAGE_S3_REGION",
        "storage.s3_region",
        EnvKind::Text,
    ),
    (
        "PREAU_STORAGE_S3_ACCESS_KEY_ID",
        "storage.s3_access_key_id",
        EnvKind::Text,
    ),
    (
        "PREAU_STORAGE_S3_SECRET_ACCESS_KEY",
        "storage.s3_secret_access_key",
        EnvKind::Text,
    ),
    (
        "PREAU_FEDERATION_DIRECTORY_SYNC_HOURS",
        "federation.directory_sync_hours",
        EnvKind::Float,
    ),
    ("PREAU_DELIVERY_LANES", "delivery.lanes", EnvKind::Integer),
    (
        "PREAU_DELIVERY_RETRY_BASE_SECS",
        "delivery.retry_base_secs",
        EnvKind::Float,
    ),
    (
        "PREAU_DELIVERY_RETRY_MAX_SECS",
        "delivery.retry_max_secs",
        EnvKind::Float,
    ),
    (
        "PREAU_DELIVERY_POLL_INTERVAL_MS",
        "delivery.poll_interval_ms",
        EnvKind::Integer,
    ),
    (
        "PREAU_DELIVERY_LEASE_SECS",
        "delivery.lease_secs",
        EnvKind::Float,
    ),
    (
        "PREAU_LIMITS_MAX_BODY_BYTES",
        "limits.max_body_bytes",
        EnvKind::Integer,
    ),
    (
        "PREAU_LIMITS_INBOX_PER_DOMAIN_PER_MINUTE",
        "limits.inbox_per_domain_per_minute",
        EnvKind::Integer,
    ),
    (
        "PREAU_LIMITS_MAX_UPLOAD_BYTES",
        "limits.max_upload_bytes",
        EnvKind::Integer,
    ),
    (
        "PREAU_LIMITS_REQUEST_TIMEOUT_SECS",
        "limits.request_timeout_secs",
        EnvKind::Integer,
    ),
    (
        "PREAU_LIMITS_MIN_UPLOAD_BYTES_PER_SEC",
        "limits.min_upload_bytes_per_sec",
        EnvKind::Integer,
    ),
    ("PREAU_LOG_FILTER", "log.filter", EnvKind::Text),
    ("PREAU_LOG_FORMAT", "log.format", EnvKind::Text),
    ("PREAU_METRICS_TOKEN", "metrics.token", EnvKind::Text),
];

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_PATH: &str = "config/preau.toml";

impl Settings {
    /// Reads the settings: defaults, then the file (the explicit one must
    /// exist, the default one may not), then the `PREAU_*` variables.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("PREAU_"))
            .collect();
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_PATH), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::from_sources(text.as_deref().map(|t| (path.as_path(), t)), &env)
    }

    /// Builds the settings from a file's text and a set of variables; pure so
    /// that tests need not touch the process environment.
    pub fn from_sources(
        file: Option<(&Path, &str)>,
        env: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let mut table = toml::Table::new();
        let mut origins: BTreeMap<String, String> = BTreeMap::new();
        let file_origin = file
            .map(|(p, _)| p.display().to_string())
            .unwrap_or_else(|| "defaults".into());
        if let Some((path, text)) = file {
            table = text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError::Syntax {
                    path: path.to_path_buf(),
                    source: Box::new(e),
                })?;
        }
        for (var, key, kind) in ENV_OVERRIDES {
            let Some(raw) = env.get(*var) else { continue };
            let value = env_value(var, key, raw, *kind)?;
            set_path(&mut table, key, value);
            origins.insert((*key).to_string(), (*var).to_string());
        }
        if let Some(unknown) = env
            .keys()
            .find(|k| !ENV_OVERRIDES.iter().any(|(var, _, _)| var == k) && !is_ignored_env(k))
        {
            tracing::warn!(variable = %unknown, "unknown PREAU_* variable ignored");
        }

        let settings: Settings =
            serde_path_to_error::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
                let key = e.path().to_string();
                let value = lookup_path(&table, &key)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "(unknown key)".into());
                ConfigError::Invalid {
                    origin: origins.get(&key).cloned().unwrap_or(file_origin.clone()),
                    key,
                    value,
                    reason: e.into_inner().to_string(),
                }
            })?;
        settings.validate(|key| origins.get(key).cloned().unwrap_or(file_origin.clone()))?;
        Ok(settings)
    }

    fn validate(&self, origin: impl Fn(&str) -> String) -> Result<(), ConfigError> {
        let invalid = |key: &str, value: &dyn fmt::Display, reason: &str| ConfigError::Invalid {
            key: key.into(),
            value: format!("\"{value}\""),
            origin: origin(key),
            reason: reason.into(),
        };
        if let Err(reason) = validate_domain(&self.domain) {
            return Err(invalid("domain", &self.domain, &reason));
        }
        if self.database.pool_size == 0 {
            return Err(invalid("database.pool_size", &0, "must be at least 1"));
        }
        let d = &self.delivery;
        for (key, value) in [
            ("delivery.retry_base_secs", d.retry_base_secs),
            ("delivery.retry_max_secs", d.retry_max_secs),
            ("delivery.dead_after_secs", d.dead_after_secs),
            ("delivery.dead_retry_secs", d.dead_retry_secs),
            ("delivery.give_up_after_days", d.give_up_after_days),
            ("delivery.lease_secs", d.lease_secs),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(invalid(key, &value, "must be a positive number"));
            }
        }
        if self.storage.backend == StorageBackend::S3 && self.storage.s3_bucket.trim().is_empty() {
            return Err(invalid(
                "storage.s3_bucket",
                &"",
                "is required when storage.backend is s3",
            ));
        }
        let hours = self.federation.directory_sync_hours;
        if !(hours.is_finite() && hours >= 0.0) {
            return Err(invalid(
                "federation.directory_sync_hours",
                &hours,
                "must be 0 (off) or a positive number",
            ));
        }
        if d.lanes == 0 {
            return Err(invalid("delivery.lanes", &0, "must be at least 1"));
        }
        if self.limits.min_upload_bytes_per_sec == 0 {
            return Err(invalid(
                "limits.min_upload_bytes_per_sec",
                &0,
                "must be at least 1",
            ));
        }
        if self.limits.max_body_bytes < 1024 {
            return Err(invalid(
                "limits.max_body_bytes",
                &self.limits.max_body_bytes,
                "must be at least 1024",
            ));
        }
        for (key, list) in [
            ("federation.allowlist", &self.federation.allowlist),
            ("federation.blocklist", &self.federation.blocklist),
        ] {
            for domain in list {
                if let Err(reason) = validate_domain(domain) {
                    return Err(invalid(key, domain, &reason));
                }
            }
        }
        Ok(())
    }

    /// URL scheme of this instance's ids: plain http only in debug mode.
    pub fn scheme(&self) -> &'static str {
        if self.federation.debug {
            "http"
        } else {
            "https"
        }
    }

    /// Absolute URL of a path on this instance (`/orgs/x` → `https://domain/orgs/x`).
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme(), self.domain, path)
    }
}

/// Variables that configure the test harness or benchmarks, not the server.
fn is_ignored_env(name: &str) -> bool {
    name.starts_with("PREAU_TEST_") || name.starts_with("PREAU_BENCH_")
}

/// A domain as written in ids: host name or address, optional port, no scheme or path.
fn validate_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("must not be empty".into());
    }
    if domain.contains("://") || domain.contains('/') {
        return Err("write the domain alone, without scheme or path (e.g. ent.example.fr)".into());
    }
    match url::Url::parse(&format!("http://{domain}/")) {
        Ok(u) if u.host_str().is_some() && u.username().is_empty() => Ok(()),
        _ => Err("is not a valid host name".into()),
    }
}

fn env_value(var: &str, key: &str, raw: &str, kind: EnvKind) -> Result<toml::Value, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        key: key.into(),
        value: format!("\"{raw}\""),
        origin: var.into(),
        reason: reason.into(),
    };
    Ok(match kind {
        EnvKind::Text => toml::Value::String(raw.into()),
        EnvKind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => toml::Value::Boolean(true),
            "false" | "0" | "no" | "off" | "" => toml::Value::Boolean(false),
            _ => return Err(invalid("expected true or false")),
        },
        EnvKind::Integer => raw
            .trim()
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| invalid("expected a whole number"))?,
        EnvKind::Float => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(toml::Value::Float)
            .ok_or_else(|| invalid("expected a number"))?,
        EnvKind::List => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.into()))
                .collect(),
        ),
    })
}

fn set_path(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut current = table;
    for part in parts {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else {
            return;
        };
        current = next;
    }
    current.insert(last.to_string(), value);
}

fn lookup_path<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn no_file_and_no_variables_gives_the_documented_defaults() {
        let s = Settings::from_sources(None, &env(&[])).expect("defaults are valid");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.domain, "localhost:8080");
        assert_eq!(s.data_dir, PathBuf::from("data"));
        assert_eq!(s.federation.mode, FederationMode::Allowlist);
        assert!(!s.federation.debug);
    }

    #[test]
    fn shipped_config_file_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CONFIG_PATH);
        let text = std::fs::read_to_string(&path).expect("config/preau.toml exists");
        let from_file =
            Settings::from_sources(Some((&path, &text)), &env(&[])).expect("shipped file parses");
        assert_eq!(from_file, Settings::default());

        // Every key of the struct must be written (uncommented) in the file.
        let file_table: toml::Table = text.parse().expect("toml");
        let default_table = toml::Table::try_from(Settings::default()).expect("serialise");
        fn keys(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
            for (k, v) in t {
                let key = format!("{prefix}{k}");
                match v {
                    toml::Value::Table(inner) => keys(inner, &format!("{key}."), out),
                    _ => out.push(key),
                }
            }
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        keys(&file_table, "", &mut a);
        keys(&default_table, "", &mut b);
        a.sort();
        b.sort();
        assert_eq!(a, b, "config/preau.toml must list every setting");
    }

    #[test]
    fn variables_override_the_file() {
        let text = "domain = \"file.example\"\n[federation]\nmode = \"open\"\n";
        let s = Settings::from_sources(
            Some((Path::new("x.toml"), text)),
            &env(&[
                ("PREAU_DOMAIN", "env.example"),
                ("PREAU_FEDERATION_DEBUG", "true"),
                ("PREAU_BIND", "0.0.0.0:9000"),
                ("PREAU_DATABASE_URL", "postgres://u@h/db"),
                ("PREAU_DATA_DIR", "/srv/preau"),
                ("PREAU_FEDERATION_ALLOWLIST", "a.example, b.example"),
            ]),
        )
        .expect("valid");
        assert_eq!(s.domain, "env.example");
        assert_eq!(s.federation.mode, FederationMode::Open);
        assert!(s.federation.debug);
        assert_eq!(s.bind.port(), 9000);
        assert_eq!(s.database.url, "postgres://u@h/db");
        assert_eq!(s.data_dir, PathBuf::from("/srv/preau"));
        assert_eq!(s.federation.allowlist, vec!["a.example", "b.example"]);
    }

    #[test]
    fn a_bad_value_in_the_file_names_key_value_and_file() {
        let text = "[federation]\nmode = \"opne\"\n";
        let err = Settings::from_sources(Some((Path::new("my.toml"), text)), &env(&[]))
            .expect_err("invalid mode")
            .to_string();
        assert!(err.contains("federation.mode"), "{err}");
        assert!(err.contains("opne"), "{err}");
        assert!(err.contains("my.toml"), "{err}");
    }

    #[test]
    fn a_bad_variable_names_the_variable() {
        let err = Settings::from_sources(None, &env(&[("PREAU_FEDERATION_DEBUG", "maybe")]))
            .expect_err("invalid bool")
            .to_string();
        assert!(err.contains("PREAU_FEDERATION_DEBUG"), "{err}");
        assert!(err.contains("maybe"), "{err}");

        let err = Settings::from_sources(None, &env(&[("PREAU_BIND", "nowhere")]))
            .expect_err("invalid bind")
            .to_string();
        assert!(err.contains("bind") && err.contains("nowhere"), "{err}");
        assert!(err.contains("PREAU_BIND"), "{err}");
    }

    #[test]
    fn a_time_zone_is_an_iana_name() {
        let s = Settings::from_sources(None, &env(&[("PREAU_TIME_ZONE", "Indian/Reunion")]))
            .expect("a zone");
        assert_eq!(s.time_zone, chrono_tz::Indian::Reunion);
        let err = Settings::from_sources(
            Some((Path::new("z.toml"), "time_zone = \"Paris\"\n")),
            &env(&[]),
        )
        .expect_err("not a zone")
        .to_string();
        assert!(err.contains("time_zone") && err.contains("Paris"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_domains_are_refused() {
        let err =
            Settings::from_sources(Some((Path::new("c.toml"), "domian = \"x\"\n")), &env(&[]))
                .expect_err("typo")
                .to_string();
        assert!(err.contains("domian"), "{err}");

        let err = Settings::from_sources(None, &env(&[("PREAU_DOMAIN", "https://x.fr/")]))
            .expect_err("scheme in domain")
            .to_string();
        assert!(
            err.contains("domain") && err.contains("https://x.fr/"),
            "{err}"
        );
    }

    #[test]
    fn a_request_deadline_that_cannot_be_met_is_refused_at_start() {
        let err = Settings::from_sources(
            None,
            &env(&[("PREAU_LIMITS_MIN_UPLOAD_BYTES_PER_SEC", "0")]),
        )
        .expect_err("no upload could ever finish")
        .to_string();
        assert!(
            err.contains("limits.min_upload_bytes_per_sec")
                && err.contains("PREAU_LIMITS_MIN_UPLOAD_BYTES_PER_SEC"),
            "{err}"
        );
        let set = Settings::from_sources(
            None,
            &env(&[
                ("PREAU_LIMITS_REQUEST_TIMEOUT_SECS", "45"),
                ("PREAU_LIMITS_MIN_UPLOAD_BYTES_PER_SEC", "65536"),
            ]),
        )
        .expect("valid");
        assert_eq!(
            (
                set.limits.request_timeout_secs,
                set.limits.min_upload_bytes_per_sec
            ),
            (45, 65536)
        );
    }

    #[test]
    fn broken_toml_reports_the_file() {
        let err = Settings::from_sources(Some((Path::new("b.toml"), "domain = ")), &env(&[]))
            .expect_err("syntax")
            .to_string();
        assert!(err.contains("b.toml"), "{err}");
    }
}
