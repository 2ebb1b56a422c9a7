//! The directory of schools and services: reading the national open data
//! ("Annuaire de l'éducation"), applying it to the organisations, and
//! searching organisations and people.

pub mod annuaire;
pub mod import;
pub mod text;
