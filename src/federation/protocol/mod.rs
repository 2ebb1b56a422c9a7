//! Wire types only: what Préau sends and accepts as JSON. No database, no
//! behaviour; `objects` and `activities` give them meaning.

pub mod activities;
pub mod actors;
pub mod collections;
pub mod context;
pub mod objects;
