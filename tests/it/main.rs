//! The integration suite: one binary, so that linking stays fast.
//!
//! Runs on a fresh temporary SQLite file per test by default; with
//! `PREAU_TEST_DATABASE_URL=postgres://…` each test gets its own fresh
//! PostgreSQL database instead.

mod harness;

mod api_accounts;
mod api_announcements;
mod api_errors;
mod api_organisations;
mod audit;
mod cli;
mod directory;
mod federation;
mod migrations;
mod personal_data;
mod resources;
mod search;
mod server;
mod uploads;
mod web;
