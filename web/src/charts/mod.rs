//! Charts of the results.

pub mod breakdown;
