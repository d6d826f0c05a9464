//! # pdsim: a deterministic simulator of prefill/decode disaggregated LLM serving
//!
//! This crate is the pure core: no I/O, no clock, no threads, no OS randomness. Simulated
//! time is an integer number of nanoseconds, randomness comes from seeded streams
//! (`rng`), and transcendental functions from `libm`, so the same [`Config`] gives a
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
//! ## The API
//! - Run: [`run`] (a [`Config`] to a [`Report`]), [`run_json`] (JSON text to JSON text),
//!   [`run_validated`] (a config [`validate()`] already checked), [`run_with_arrivals`]
//!   (the same report, with the arrivals drawn ahead on another thread:
//!   [`workload::Arrivals`]),
//!   [`validate()`] (check a config, naming the field, and resolve its catalog ids), and
//!   [`Error`].
//! - Describe: [`config`] (the scenario, shared by CLI, playground, URL state and JS API,
//!   and its JSON form: merge, diff, changes, paths), [`examples()`] and [`example()`] (the
//!   named scenarios), [`presets`] (the catalog of models and GPUs), [`arch`] (a model's architecture, and
//!   [`parse_hf_config`] for HuggingFace `config.json` files), [`workload`] (traces, and how arrivals and lengths
//!   are drawn).
//! - Read: [`report`] (every type of a report, and the nearest-rank percentile).
//! - Ask: [`step_time()`] (how long one step takes, by part), [`sweep()`] (vary one
//!   field), [`plan`] (serving layouts for a GPU budget and latency targets).
//!
//! The simulator's internals are private: the event loop, instances, the router and the
//! deciders, KV transfer (`engine`), KV pools and prefix caches (`prefix`), the step time by
//! part (`cost`), folding requests into the report (`metrics`, `samples`, `histogram`), seeded
//! streams (`rng`) and time (`time`). ARCHITECTURE.md maps them. `calibration` (per-GPU
//! factors fitted to measured step times) and `internals` (the few internal types the crate's
//! own tests and benchmarks drive directly) are public but hidden from these docs and not a
//! stable API.
#![warn(missing_docs)]

pub mod arch;
#[doc(hidden)]
pub mod calibration;
pub mod config;
mod config_json;
mod cost;
mod economics;
mod engine;
mod error;
mod examples;
mod float_fields;
mod hf_config;
mod histogram;
mod metrics;
mod names;
pub mod plan;
mod prefix;
pub mod presets;
pub mod report;
mod rng;
mod samples;
mod share_link;
mod simulate;
mod sorting;
mod step_time;
mod sweep;
mod time;
mod validate;
pub mod workload;

pub use config::Config;
// A config as JSON (merge, diff, changes, paths, exact floats) and share links: at the root,
// so that `config` does not re-export what is built on it.
pub use config_json::{
    changes, decode_floats, diff, encode_floats, get as get_path, merge_onto, set as set_path,
    Change,
};
pub use error::Error;
pub use examples::{all as examples, bench_reference, by_name as example, Example};
pub use hf_config::parse as parse_hf_config;
pub use report::Report;
pub use share_link::{
    base64url_decode, base64url_encode, config_of_share_url, config_of_share_value, share_url,
    share_value, ShareError, SHARE_VERSION,
};
pub use simulate::{run, run_json, run_validated, run_with_arrivals};
// For the playground too: its lists share the one instance of the sort (wasm size).
pub use sorting::sort_by as stable_sort_by;
pub use step_time::{hf_model_of_file, step_time, PartsMs, Step, StepTime, StepTimeQuery};
pub use sweep::{sweep, with_field, SweepRow};
pub use validate::{resolve_model, validate, Validated};

/// Internal types the crate's own tests and benchmarks drive directly: not a stable API.
#[doc(hidden)]
pub mod internals {
    pub use crate::cost::{kv_capacity_blocks, memory_budget, CostModel, StepWork};
    pub use crate::engine::Simulation;
    pub use crate::prefix::{BlockPool, SharedPrefix};
    pub use crate::samples::stat;
    pub use crate::time::{ms_to_ns, s_to_ns};
}
