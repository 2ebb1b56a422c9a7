//! `Create` and `Update` sent by their author.

pub mod article;
