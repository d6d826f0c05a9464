//! Integration tests of the core, one module per behaviour (native; `tests/browser.rs`
//! runs the core in Chromium).
#![cfg(not(target_arch = "wasm32"))]
// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used)]

mod common;
mod cost;
mod determinism;
mod disaggregation;
mod fuzz;
mod invariants;
mod nested;
mod offload;
mod routing;
mod scheduler;
mod sessions;
mod single_instance;
mod speculative;
mod validation;
