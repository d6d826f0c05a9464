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
/// Llama-3.1-8B H100 instance, worked from the roofline formula: the larger of compute
/// (FLOPs at 45% of 989 TFLOPs) and memory (weights + new KV at 80% of 3.35 TB/s).
pub fn prefill_chunk_ns(p: f64, q: f64) -> u64 {
    let flops = 2.0 * 8e9 * q + 4.0 * 32.0 * 4096.0 * (q * p + q * (q + 1.0) / 2.0);
    let compute = flops / (989e12 * 0.45);
    let memory = (16e9 + q * 131_072.0) / (3.35e12 * 0.8);
    let seconds = compute.max(memory) + 0.3e-3;
    (seconds * 1e9).ceil() as u64
}
