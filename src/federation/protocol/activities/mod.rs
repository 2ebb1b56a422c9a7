//! Activities, grouped by verb family.

pub mod following;
pub mod updating;
