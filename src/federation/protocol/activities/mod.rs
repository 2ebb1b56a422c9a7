//! Activities, grouped by verb family.

pub mod deletion;
pub mod following;
pub mod updating;
