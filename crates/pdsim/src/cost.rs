//! The step-time roofline and KV-capacity arithmetic of one instance.
//!
//! ```text
//! step time = max(compute, memory) + all-reduce (TP > 1) + fixed overhead
//! compute   = prefill FLOPs / (TP x peak x MFU_prefill) + decode FLOPs / (TP x peak x MFU_decode)
//!   FLOPs   = 2 x params x tokens                          (linear layers)
//!           + 4 x layers x hidden x (query, key) pairs      (attention, causal)
//! memory    = (weights + KV read + KV written) / (TP x HBM bandwidth x efficiency)
//! all-reduce= 2 per layer x (latency + 2 (TP-1)/TP x tokens x hidden x bytes / interconnect)
//! ```

use crate::presets::{GpuParams, ModelParams};
use crate::time::Nanos;

/// Latency of one all-reduce between the GPUs of an instance (NCCL ring, small message).
const ALL_REDUCE_LATENCY_S: f64 = 5e-6;

/// The work of one engine step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepWork {
    /// Prompt tokens computed this step (all chunks together).
    pub prefill_tokens: u64,
    /// Sum over chunks of causal (query, key) pairs: a chunk of `q` tokens after `p`
    /// already-computed tokens has `q x p + q (q + 1) / 2`.
    pub prefill_attention_pairs: f64,
    /// Sequences emitting one token this step.
    pub decode_seqs: u64,
    /// Sum of the context lengths the decoding sequences attend to.
    pub decode_context_tokens: u64,
}

/// Precomputed constants of one instance's roofline.
#[derive(Clone, Debug)]
pub struct CostModel {
    linear_flops_per_token: f64,
    attention_flops_per_pair: f64,
    prefill_flops_per_s: f64,
    decode_flops_per_s: f64,
    weight_bytes: f64,
    kv_bytes_per_token: f64,
    memory_bytes_per_s: f64,
    all_reduce_fixed_s: f64,
    all_reduce_s_per_token: f64,
    overhead_s: f64,
}

impl CostModel {
    /// The roofline of `model` on `tp` GPUs of kind `gpu`, with a fixed per-step overhead.
    pub fn new(model: &ModelParams, gpu: &GpuParams, tp: u32, step_overhead_ms: f64) -> Self {
        let tp_f = f64::from(tp);
        let peak = gpu.tflops * 1e12 * tp_f;
        let (all_reduce_fixed_s, all_reduce_s_per_token) = if tp > 1 {
            let reductions = 2.0 * f64::from(model.layers);
            let bytes_per_token = f64::from(model.hidden) * model.bytes_per_param;
            let ring = 2.0 * (tp_f - 1.0) / tp_f;
            (
                reductions * ALL_REDUCE_LATENCY_S,
                reductions * ring * bytes_per_token / (gpu.interconnect_gb_per_s * 1e9),
            )
        } else {
            (0.0, 0.0)
        };
        Self {
            linear_flops_per_token: 2.0 * model.params_b * 1e9,
            attention_flops_per_pair: 4.0 * f64::from(model.layers) * f64::from(model.hidden),
            prefill_flops_per_s: peak * gpu.mfu_prefill,
            decode_flops_per_s: peak * gpu.mfu_decode,
            weight_bytes: model.weight_bytes(),
            kv_bytes_per_token: model.kv_bytes_per_token() as f64,
            memory_bytes_per_s: gpu.hbm_tb_per_s * 1e12 * tp_f * gpu.bandwidth_efficiency,
            all_reduce_fixed_s,
            all_reduce_s_per_token,
            overhead_s: step_overhead_ms / 1e3,
        }
    }

    /// Duration of a step doing `work`, in nanoseconds (rounded up, at least 1).
    pub fn step_time(&self, work: &StepWork) -> Nanos {
        let prefill_flops = self.linear_flops_per_token * float(work.prefill_tokens)
            + self.attention_flops_per_pair * work.prefill_attention_pairs;
        let decode_flops = self.linear_flops_per_token * float(work.decode_seqs)
            + self.attention_flops_per_pair * float(work.decode_context_tokens);
        let compute =
            prefill_flops / self.prefill_flops_per_s + decode_flops / self.decode_flops_per_s;
        // Prefill reads back its own earlier chunks' KV about once per chunk; counted as the
        // new tokens' KV written plus the decoders' contexts read.
        let kv_tokens = float(work.decode_context_tokens + work.prefill_tokens + work.decode_seqs);
        let memory =
            (self.weight_bytes + kv_tokens * self.kv_bytes_per_token) / self.memory_bytes_per_s;
        let tokens = float(work.prefill_tokens + work.decode_seqs);
        let all_reduce = self.all_reduce_fixed_s + self.all_reduce_s_per_token * tokens;
        let seconds = compute.max(memory) + all_reduce + self.overhead_s;
        crate::time::s_to_ns(seconds).max(1)
    }
}

/// A token count as f64, through i64: the same value as `x as f64` for counts below 2^63
/// (token counts are far below), and one instruction instead of several on x86-64, in the
/// function every step calls.
fn float(x: u64) -> f64 {
    debug_assert!(x < 1 << 63);
    x as i64 as f64
}

/// KV blocks an instance can hold: the memory left after the weights, at the engine's
/// memory-utilization factor, divided by the bytes of one block.
pub fn kv_capacity_blocks(
    model: &ModelParams,
    gpu: &GpuParams,
    tp: u32,
    utilization: f64,
    block_size: u32,
) -> u64 {
    let usable = f64::from(tp) * gpu.memory_gib * crate::presets::GIB * utilization;
    let left = usable - model.weight_bytes();
    let block_bytes = model.kv_bytes_per_token() as f64 * f64::from(block_size);
    if left <= 0.0 || block_bytes <= 0.0 {
        0
    } else {
        libm::floor(left / block_bytes) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{gpu, model};

    #[test]
    fn kv_capacity_of_llama_8b_on_one_h100() {
        // (80 GiB x 0.9 - 8.0e9 params x 2 B) / (131,072 B x 16 tokens)
        // = (77,309,411,328 - 16,000,000,000) / 2,097,152 = 29,234.4 -> 29,234 blocks.
        let blocks = kv_capacity_blocks(
            &model("llama-3.1-8b").unwrap(),
            &gpu("h100-sxm").unwrap(),
            1,
            0.9,
            16,
        );
        assert_eq!(blocks, 29_234);
        // 70B (141.2 GB of weights) does not fit on one H100 at all, but does on four.
        let big = model("llama-3.1-70b").unwrap();
        assert_eq!(
            kv_capacity_blocks(&big, &gpu("h100-sxm").unwrap(), 1, 0.9, 16),
            0
        );
        assert!(kv_capacity_blocks(&big, &gpu("h100-sxm").unwrap(), 4, 0.9, 16) > 10_000);
    }

    #[test]
    fn prefill_of_1024_tokens_on_h100_is_compute_bound() {
        let m = model("llama-3.1-8b").unwrap();
        let cost = CostModel::new(&m, &gpu("h100-sxm").unwrap(), 1, 0.3);
        let pairs = 1024.0 * 1025.0 / 2.0;
        let work = StepWork {
            prefill_tokens: 1024,
            prefill_attention_pairs: pairs,
            ..StepWork::default()
        };
        // Worked by hand: FLOPs = 2 x 8e9 x 1024 + 4 x 32 x 4096 x 524,800 = 1.66590e13;
        // / (989e12 x 0.45) = 37.431 ms; memory (16e9 + 1024 x 131,072 B) / 2.68e12 B/s
        // = 6.02 ms is smaller; + 0.3 ms overhead = 37.731 ms.
        let expected_s =
            (2.0 * 8e9 * 1024.0 + 4.0 * 32.0 * 4096.0 * pairs) / (989e12 * 0.45) + 0.3e-3;
        let got = cost.step_time(&work);
        assert_eq!(got, libm::ceil(expected_s * 1e9) as u64);
        assert!((37.7e6..37.8e6).contains(&(got as f64)), "{got}");
    }

    #[test]
    fn decode_is_memory_bound_and_tp_adds_all_reduce() {
        let m = model("llama-3.1-8b").unwrap();
        let h100 = gpu("h100-sxm").unwrap();
        let work = StepWork {
            decode_seqs: 32,
            decode_context_tokens: 32 * 1000,
            ..StepWork::default()
        };
        let tp1 = CostModel::new(&m, &h100, 1, 0.0).step_time(&work);
        let memory_s = (16e9 + 32.0 * 1001.0 * 131_072.0) / (3.35e12 * 0.8);
        assert_eq!(tp1, libm::ceil(memory_s * 1e9) as u64);
        let tp2 = CostModel::new(&m, &h100, 2, 0.0).step_time(&work);
        assert!(tp2 < tp1 && tp2 > tp1 / 2, "tp2 {tp2} tp1 {tp1}");
    }
}
