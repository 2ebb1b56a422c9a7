//! Préau: a self-hostable, federated school workspace.
//!
//! One binary runs one instance; instances federate over ActivityPub.
//! `services` hold what the application does, `api` and `web` expose it over
//! HTTP, `cli` from the command line, `db` stores it.

pub mod api;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod federation;
pub mod files;
pub mod html;
pub mod model;
pub mod server;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod web;

pub use error::{AppError, AppResult};
pub use state::AppState;
