//! A group relaying what is published in it (FEP-1b12): receiving
//! `Announce`, and building the activities a local publication sends.

pub mod receive;
pub mod relay;
pub mod resource_relay;
