//! Préau: a self-hostable, federated school workspace.
//!
//! One binary runs one instance; instances federate over ActivityPub.
//! `services` hold what the application does, `api` and `web` expose it over
//! HTTP, `cli` from the command line, `db` stores it.

pub mod api;
pub mod cli;
mod cli_directory;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod federation;
pub mod files;
pub mod html;
pub mod model;
pub mod server;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod vocabulary;
pub mod web;

pub use error::{AppError, AppResult};

// glibc's allocator spent a fifth of the CPU of a loaded timeline in its
// locks and consolidation (perf, benches/timeline.rs); mimalloc's
// per-thread heaps do not. Set here rather than in main.rs so that the
// benchmarks and tests run with the allocator production uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
pub use state::AppState;
