//! Acknowledgements.

pub mod read;
