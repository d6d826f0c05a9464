//! # pdsim: a deterministic simulator of prefill/decode disaggregated LLM serving
//!
//! This crate is the pure core: no I/O, no clock, no threads, no OS randomness. Simulated
//! time is an integer number of nanoseconds, randomness comes from seeded streams
//! ([`rng`]), and transcendental functions from `libm`, so the same [`Config`] gives a
//! byte-identical [`Report`] on every platform, native or WebAssembly.
//!
//! ```
//! let config = pdsim::Config::default();
//! let report = pdsim::run(&config).unwrap();
//! let ttft = &report.summary.ttft_ms;
//! assert!(ttft.p50 > 0.0 && ttft.p50 <= ttft.p90);
//! // The five phases of every request add up to its TTFT.
//! for r in &report.requests {
//!     if let (Some(ttft), Some(b)) = (r.ttft_ms, &r.breakdown_ms) {
//!         let sum = b.prefill_queue + b.prefill + b.transfer + b.decode_queue + b.first_decode;
//!         assert!((sum - ttft).abs() < 1e-6);
//!     }
//! }
//! ```
//!
//! ## A request's life
//!
//! ```text
//!  arrival ─► router picks a decode-capable instance D ─► decider: disaggregate?
//!               │ no (local)                                │ yes
//!               ▼                                           ▼
//!        D's waiting queue                     prefill instance P's waiting queue
//!   [prefill_queue]                                 [prefill_queue]
//!               ▼                                           ▼
//!        prefill chunks on D   ─► first token     prefill chunks on P   [prefill]
//!   [prefill]      (end of the step that                    ▼
//!                   finishes the prompt)        reserve KV blocks on D (else drop:
//!               │                                 decode_kv_full), move whole blocks
//!               ▼                                 over the link        [transfer]
//!        decode steps on D, one token each                  ▼
//!               ▼                               D's ready queue        [decode_queue]
//!           completion                                      ▼
//!                                               first decode step on D [first_decode]
//!                                                           ▼ ... completion
//! ```
//!
//! TTFT = `prefill_queue + prefill + transfer + decode_queue + first_decode`, exactly, in
//! integer nanoseconds, for local and disaggregated requests alike (local requests have
//! zero transfer, decode queue and first decode). See `docs/MODEL.md` for the model, the
//! deciders and their origins, and the assumptions.
//!
//! ## Modules
//! - [`config`]: the scenario (shared by CLI, playground, URL state, JS API), and
//!   [`config_json`] its JSON form (merge, diff, changes, paths); [`validate`]
//!   checks it and resolves [`presets`].
//! - [`workload`]: arrivals, lengths, prompts; [`prefix`]: shared prompt blocks, KV pools
//!   and prefix caches.
//! - [`arch`]: a model's architecture; [`presets`] the catalog of models and GPUs;
//!   [`hf_config`] reads HuggingFace `config.json` files.
//! - [`cost`]: the step time derived from the architecture, by part, and KV capacity;
//!   [`calibration`] holds the per-GPU efficiency factors fitted to measured step times;
//!   [`step_time`] answers "how long does this one step take".
//! - [`engine`]: the event loop, instances, routing, deciders, KV transfer.
//! - [`metrics`] builds the [`Report`] (percentiles exact or from a [`histogram`]);
//!   [`sweep`] varies one field; [`examples`] are named scenarios.
//! - [`plan`] searches serving layouts for a GPU budget and latency targets.
#![warn(missing_docs)]

pub mod arch;
pub mod calibration;
pub mod config;
pub mod config_json;
pub mod cost;
pub mod engine;
pub mod error;
pub mod examples;
pub mod hf_config;
pub mod histogram;
pub mod metrics;
mod names;
pub mod plan;
pub mod prefix;
pub mod presets;
pub mod report;
pub mod rng;
pub mod samples;
pub mod step_time;
pub mod sweep;
pub mod time;
pub mod validate;
pub mod workload;

pub use config::Config;
pub use error::Error;
pub use report::Report;

/// Validates `config` and runs the simulation it describes.
pub fn run(config: &Config) -> Result<Report, Error> {
    let resolved = validate::validate(config)?;
    let outcome = engine::Simulation::new(config, &resolved).run()?;
    Ok(outcome.report())
}

/// Parses a JSON config and runs it, returning the report as JSON: the whole pipeline that
/// the CLI, the JS API and the determinism tests share.
pub fn run_json(config_json: &str) -> Result<String, Error> {
    let config = Config::from_json(config_json)?;
    let report = run(&config)?;
    serde_json::to_string(&report).map_err(|e| Error::invalid("report", e))
}
