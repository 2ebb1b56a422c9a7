//! Federation between real instances on loopback ports, in this process.

mod hostile;
mod instances;
mod protocol;
mod scenario;
