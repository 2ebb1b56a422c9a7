//! Deletions.

pub mod delete;
