//! Builders shared by the test modules.

use pdsim::config::{Decider, PoolConfig, TraceRecord};
use pdsim::Config;

/// A config with the given pools, decider and a replayed trace of
/// `(arrival_ms, input_tokens, output_tokens, prefix_group)`.
pub fn traced(
    prefill: u32,
    decode: u32,
    unified: u32,
    decider: Decider,
    trace: &[(f64, u32, u32, Option<u32>)],
) -> Config {
    let mut c = Config::default();
    let pool = |instances| PoolConfig {
        instances,
        ..PoolConfig::default()
    };
    c.topology.prefill = pool(prefill);
    c.topology.decode = pool(decode);
    c.topology.unified = pool(unified);
    c.disaggregation.decider = decider;
    c.workload.trace = Some(
        trace
            .iter()
            .map(
                |&(arrival_ms, input_tokens, output_tokens, prefix_group)| TraceRecord {
                    arrival_ms,
                    input_tokens,
                    output_tokens,
                    prefix_group,
                    prefix_tokens: None,
                    prefix_parent: None,
                    prefix_parent_tokens: None,
                    session: None,
                    delay_ms: None,
                },
            )
            .collect(),
    );
    c
}

/// Nanoseconds, exactly, from a millisecond value the report produced from nanoseconds.
pub fn ns(ms: f64) -> u64 {
    (ms * 1e6).round() as u64
}

/// Step time of a prompt chunk of `q` tokens after `p` computed ones, alone on one
/// Llama-3.1-8B H100 instance with the default 0.3 ms step overhead, from the cost model
/// (whose formulas `cost.rs` and the calibration test check); `last` when the chunk ends
/// the prompt and so computes one token's logits.
pub fn prefill_chunk_ns(p: f64, q: f64, last: bool) -> u64 {
    let model = pdsim::presets::model("llama-3.1-8b").unwrap();
    let gpu = pdsim::presets::gpu("h100-sxm").unwrap();
    let cost = pdsim::internals::CostModel::new(&model, &gpu, 1, 1, 0.3);
    cost.step_time(&pdsim::internals::StepWork {
        prefill_tokens: q as u64,
        prefill_attention_pairs: q * p + q * (q + 1.0) / 2.0,
        logit_tokens: u64::from(last),
        ..pdsim::internals::StepWork::default()
    })
}

/// `instances` unified instances serving everything locally (`Decider::Never`).
pub fn unified(instances: u32) -> Config {
    let mut c = Config::default();
    c.topology.unified = PoolConfig {
        instances,
        ..PoolConfig::default()
    };
    c.topology.prefill.instances = 0;
    c.topology.decode.instances = 0;
    c.disaggregation.decider = Decider::Never;
    c
}

/// One unified instance serving everything locally.
pub fn one_unified() -> Config {
    unified(1)
}
