//! The command line: `serve`, `migrate`, `admin …` and `healthcheck`.
//!
//! Admin commands work on the same settings and database as the server next
//! to them, and call the same services as the API, as the operator.

use std::{
    io::{BufRead, IsTerminal, Write},
    path::PathBuf,
    time::Duration,
};

use clap::{Parser, Subcommand};

use crate::{
    AppState,
    config::{ConfigError, Settings},
    db::{self, DatabaseUrl, Db, DbError, PoolOptions},
    error::AppError,
    server::{self, ServeError},
    services::{
        Caller, accounts, auth,
        organisations::{self, AddMember, CreateOrganisation},
    },
    telemetry,
};

/// Préau: a self-hostable, federated school workspace.
#[derive(Debug, Parser)]
#[command(name = "preau", version, about, propagate_version = true)]
pub struct Cli {
    /// Settings file [default: config/preau.toml, when it exists]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (creates the database and keys on first start)
    Serve,
    /// Apply pending database migrations, then exit
    Migrate,
    /// Administer accounts, organisations, members and tokens
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The directory of schools and services
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Exit 0 when the server on this machine answers /healthz (for containers)
    Healthcheck {
        /// URL to check [default: http://<bind>/healthz]
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Create or update organisations from the ministry's "Annuaire de
    /// l'éducation" CSV (`;`-separated, UTF-8 or Latin-1); re-importing the
    /// same file changes nothing
    Import {
        /// The CSV file
        file: std::path::PathBuf,
        /// Keep only this department (`44`, `044`, `2A`…)
        #[arg(long)]
        department: Option<String>,
        /// Keep only this circonscription (its code)
        #[arg(long)]
        circonscription: Option<String>,
    },
    /// Read the directory of every peered instance now (the server also
    /// does it when peering starts and every few hours)
    Sync,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an instance admin; the password is read from a prompt, or from
    /// standard input when it is not a terminal
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// Create an organisation (academy, department, circonscription, school, service)
    CreateOrg {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// academy, department, circonscription, ecole, college, lycee, erea, service or other
        #[arg(long)]
        kind: String,
        /// School identifier: seven digits and a check letter
        #[arg(long)]
        uai: Option<String>,
        /// Slug of the parent organisation
        #[arg(long)]
        parent: Option<String>,
    },
    /// Give an account a role in an organisation
    AddMember {
        #[arg(long)]
        username: String,
        /// Organisation slug
        #[arg(long)]
        org: String,
        /// admin, advisor, director, teacher, inspector or staff
        #[arg(long)]
        role: String,
    },
    /// Federation: mode, allowed and blocked domains, peering with other instances
    #[command(subcommand)]
    Federation(FederationCommand),
    /// Print the first-run page's link, with its code, while the instance
    /// has no account
    SetupLink,
    /// Print a new API token for an account on standard output, and nothing else
    Token {
        #[arg(long)]
        username: String,
        /// A name to recognise the token by
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Show the mode, the lists, the peers and the pending peering requests
    Status,
    /// Set the federation mode: allowlist, open or closed
    Mode { mode: String },
    /// Federate with a domain (adds it to the allowlist)
    Allow {
        domain: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Never federate with a domain (and its subdomains)
    Block {
        domain: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Remove a domain's allow or block rule
    Forget { domain: String },
    /// Ask another instance to peer with this one
    Peer { domain: String },
    /// Accept a pending peering request from a domain
    Accept { domain: String },
    /// Refuse a pending peering request from a domain
    Reject { domain: String },
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("{}", describe(.0))]
    App(#[from] AppError),
    #[error("{0}")]
    Input(String),
}

/// An operator may see the cause that API clients never do.
fn describe(e: &AppError) -> String {
    match &e.cause {
        Some(cause) => format!("{}: {cause}", e.message),
        None => e.message.to_string(),
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => {
            telemetry::init(&settings.log);
            server::serve(settings).await?;
        }
        Command::Migrate => {
            telemetry::init(&settings.log);
            migrate(&settings).await?;
        }
        Command::Admin(command) => {
            telemetry::init(&crate::config::LogSettings {
                filter: "warn".into(),
                ..settings.log.clone()
            });
            let state = AppState::open(settings).await?;
            admin(&state, command).await?;
        }
        Command::Directory(DirectoryCommand::Import {
            file,
            department,
            circonscription,
        }) => {
            telemetry::init(&crate::config::LogSettings {
                filter: "warn".into(),
                ..settings.log.clone()
            });
            let state = AppState::open(settings).await?;
            let scope = crate::directory::import::Scope {
                department,
                circonscription,
            };
            super::cli_directory::import(&state, &file, scope).await?;
        }
        Command::Directory(DirectoryCommand::Sync) => {
            telemetry::init(&crate::config::LogSettings {
                filter: "warn".into(),
                ..settings.log.clone()
            });
            let state = AppState::open(settings).await?;
            super::cli_directory::sync(&state).await?;
        }
        Command::Healthcheck { url } => healthcheck(&settings, url).await?,
    }
    Ok(())
}

async fn migrate(settings: &Settings) -> Result<(), CliError> {
    let url = DatabaseUrl::parse(&settings.database.url, &settings.data_dir)?;
    let options = PoolOptions {
        size: 1,
        busy_timeout_ms: settings.database.busy_timeout_ms,
        connect_timeout: Duration::from_secs(settings.database.connect_timeout_secs),
    };
    let target = url.describe();
    let report = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, &options)?;
        db::run_migrations(&mut *db.get()?)
    })
    .await
    .map_err(|e| DbError::Task(e.to_string()))??;
    if report.applied.is_empty() {
        println!("{target}: schema is up to date");
    } else {
        println!(
            "{target}: applied {} migration(s): {}",
            report.applied.len(),
            report.applied.join(", ")
        );
    }
    Ok(())
}

async fn admin(state: &AppState, command: AdminCommand) -> Result<(), CliError> {
    let operator = Caller::Operator;
    match command {
        AdminCommand::CreateAdmin {
            username,
            display_name,
            email,
        } => {
            let password = read_password()?;
            let view = accounts::create(
                state,
                &operator,
                accounts::CreateAccount {
                    username,
                    password: Some(password),
                    display_name,
                    email,
                    is_admin: true,
                },
            )
            .await?;
            println!("created instance admin {} ({})", view.username, view.id);
        }
        AdminCommand::CreateOrg {
            slug,
            name,
            kind,
            uai,
            parent,
        } => {
            let view = organisations::create(
                state,
                &operator,
                CreateOrganisation {
                    slug,
                    name,
                    kind,
                    uai,
                    parent,
                    ..Default::default()
                },
            )
            .await?;
            println!("created organisation {} ({})", view.slug, view.id);
        }
        AdminCommand::AddMember {
            username,
            org,
            role,
        } => {
            let member =
                organisations::add_member(state, &operator, &org, AddMember { username, role })
                    .await?;
            println!("{} is {} of {org}", member.username, member.role);
        }
        AdminCommand::Federation(command) => federation(state, command).await?,
        AdminCommand::SetupLink => {
            if !crate::services::sessions::needs_setup(state).await? {
                return Err(CliError::Input(
                    "this instance already has an account: sign in, or create more \
                     accounts from the admin pages"
                        .into(),
                ));
            }
            println!("{}", crate::services::sessions::setup_link(state).await?);
        }
        AdminCommand::Token { username, name } => {
            let token = auth::create_token(state, &operator, &username, &name).await?;
            println!("{token}");
        }
    }
    Ok(())
}

async fn federation(state: &AppState, command: FederationCommand) -> Result<(), CliError> {
    use crate::services::federation_admin::{self as admin, DomainRule};
    let operator = Caller::Operator;
    crate::services::instance::ensure_keys(state).await?;
    let config = crate::federation::config(state.clone())
        .await
        .map_err(|e| CliError::Input(format!("federation: {e}")))?;
    let data = config.to_request_data();
    let rule = |domain: String, policy: &str, note: String| DomainRule {
        domain,
        policy: policy.into(),
        note,
    };
    match command {
        FederationCommand::Status => {
            let status = admin::status(state, &operator).await?;
            println!("mode: {}", status.mode);
            println!("allowlist: {}", status.allowlist.join(", "));
            println!("blocklist: {}", status.blocklist.join(", "));
            for peer in &status.peers {
                println!(
                    "peer {} ({}): we follow: {}, they follow: {}",
                    peer.domain,
                    peer.software.as_deref().unwrap_or("unknown software"),
                    peer.outgoing.unwrap_or("no"),
                    peer.incoming.unwrap_or("no"),
                );
            }
            for domain in &status.peering_requests {
                println!("peering request from {domain} (preau admin federation accept {domain})");
            }
            for lane in admin::deliveries(state, &operator).await? {
                println!(
                    "delivery to {}: {} pending{}{}, {}{}",
                    lane.domain,
                    lane.pending,
                    lane.oldest_pending
                        .map(|t| format!(" (oldest {})", t.format("%F %T")))
                        .unwrap_or_default(),
                    if lane.given_up > 0 {
                        format!(", {} given up", lane.given_up)
                    } else {
                        String::new()
                    },
                    if lane.dead {
                        "DEAD"
                    } else if lane.failures > 0 {
                        "failing"
                    } else {
                        "alive"
                    },
                    lane.last_error
                        .map(|e| format!(", last error: {e}"))
                        .unwrap_or_default(),
                );
            }
        }
        FederationCommand::Mode { mode } => {
            admin::set_mode(state, &operator, &mode).await?;
            println!("federation mode: {mode}");
        }
        FederationCommand::Allow { domain, note } => {
            admin::set_domain(state, &operator, rule(domain.clone(), "allow", note)).await?;
            println!("{domain} allowed");
        }
        FederationCommand::Block { domain, note } => {
            admin::set_domain(state, &operator, rule(domain.clone(), "block", note)).await?;
            println!("{domain} blocked");
        }
        FederationCommand::Forget { domain } => {
            admin::forget_domain(state, &operator, &domain).await?;
            println!("{domain}: rule removed");
        }
        FederationCommand::Peer { domain } => {
            admin::request_peering(&data, &operator, &domain).await?;
            println!("peering request to {domain} queued (the running server delivers it)");
        }
        FederationCommand::Accept { domain } => {
            admin::accept_peering(&data, &operator, &domain).await?;
            println!("peering with {domain} accepted; the Accept is queued");
        }
        FederationCommand::Reject { domain } => {
            admin::reject_peering(&data, &operator, &domain).await?;
            println!("peering with {domain} refused; the Reject is queued");
        }
    }
    Ok(())
}

/// Reads a password from a prompt (asked twice), or from the first line of
/// standard input when it is piped. Never from the command line, where
/// other users of the machine could read it.
fn read_password() -> Result<String, CliError> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ")
            .map_err(|e| CliError::Input(format!("cannot read the password: {e}")))?;
        let second = rpassword::prompt_password("Password (again): ")
            .map_err(|e| CliError::Input(format!("cannot read the password: {e}")))?;
        if first != second {
            return Err(CliError::Input("the two passwords differ".into()));
        }
        first
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Input(format!("cannot read the password: {e}")))?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    if password.is_empty() {
        return Err(CliError::Input(
            "no password given (type it at the prompt or pipe it on standard input)".into(),
        ));
    }
    Ok(password)
}

async fn healthcheck(settings: &Settings, url: Option<String>) -> Result<(), CliError> {
    let url = url.unwrap_or_else(|| {
        let mut addr = settings.bind;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}/healthz")
    });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .map_err(|e| CliError::Input(format!("cannot build an HTTP client: {e}")))?;
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| CliError::Input(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(CliError::Input(format!("{url}: {}", response.status())));
    }
    let _ = std::io::stdout().write_all(b"ok\n");
    Ok(())
}
