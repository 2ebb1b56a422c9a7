//! Activities, grouped by verb family.

pub mod following;
