//! Federation between real instances on loopback ports, in this process.

mod announcements;
mod delivery;
mod directory;
mod hostile;
mod instances;
mod protocol;
mod resources;
mod scenario;
