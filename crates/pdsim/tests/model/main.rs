//! Integration tests of the core, one module per behaviour.

mod common;
mod determinism;
mod disaggregation;
mod invariants;
mod single_instance;
mod validation;
