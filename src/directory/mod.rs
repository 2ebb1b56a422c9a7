//! The directory of schools and services: reading the national open data
//! ("Annuaire de l'éducation") and applying it to the organisations.

pub mod annuaire;
pub mod import;
