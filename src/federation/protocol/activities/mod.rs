//! Activities, grouped by verb family.

pub mod announce;
pub mod create_or_update;
pub mod deletion;
pub mod following;
pub mod reading;
pub mod updating;
