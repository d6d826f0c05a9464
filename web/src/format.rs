//! Number formatting of the results: the core's rules (`pdsim::report::format`), which the JS
//! API exports to the lessons too, so every page writes a number the same way.

pub use pdsim::report::format::*;
