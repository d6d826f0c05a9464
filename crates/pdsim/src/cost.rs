//! The step time of one instance, derived from the model's architecture, and its KV capacity.
//!
//! A step runs its kernels one after another, so its time is the sum of its parts, each
//! part bound by compute or by memory on its own (a roofline per kernel kind):
//!
//! ```text
//! step  = gemm + attention + experts + all-reduce + dispatch + other + step overhead
//! gemm  = max(2 (rows + h) W_dense / (peak_w e_gemm), bytes(W_dense) / (HBM e_weights))
//!       + max(2 logit_rows V H / (peak e_gemm), bytes(V H) / (HBM e_weights)) + GEMMs x latency
//! attention = layers x latency + causal pairs x 4 heads head_dim / (peak e_attention)
//!       + max(decode compute, KV read and written / (HBM e_kv))       (MLA adds its projections)
//! experts = moe layers x (latency + max(2 (pairs + h E) W_expert / (peak e_moe),
//!                                       touched experts x bytes(W_expert) / (HBM e_moe_weights)))
//! all-reduce = 2 per dense layer x (latency + 2 (tp-1)/tp rows H 2 B / (link e_ar(tp)))
//! dispatch   = 2 per MoE layer x (latency + (n-1)/n tokens H 2 B / (link e_ar(n) e_dispatch))
//! other = layers x (latency + rows (passes_h H + passes_i I) 2 B / HBM)
//! ```
//!
//! Every quantity is per GPU: attention heads, dense weights and intermediate activations
//! split `tp` ways; experts split `ep` ways (whole experts) or `tp` ways (each expert
//! sliced). With `ep > tp` the instance holds `ep / tp` attention replicas, which share the
//! step's tokens evenly. `h` (half-efficiency rows) makes small GEMMs slower per row; the
//! touched experts are the expected number of distinct experts that `tokens x top_k` routing
//! choices hit, `E (1 - (1 - k/E)^tokens)`. The factors `e_*` and the latencies are per GPU
//! ([`crate::calibration`]); docs/MODEL.md gives the formulas with their sources.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::arch::{Dtype, ModelParams};
use crate::calibration::Efficiency;
use crate::names::named_enum;
use crate::presets::{GpuParams, GIB};
use crate::time::Nanos;

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
    /// Tokens whose logits are computed: every decoding sequence and the last token of each
    /// prompt that finishes this step.
    pub logit_tokens: u64,
    /// Proposed tokens verified this step on top of each decoding sequence's own token (k
    /// per sequence under speculative decoding, 0 without): rows of every GEMM, KV written,
    /// and queries of the decode attention, which reads each sequence's KV once for all of
    /// its `k + 1` queries.
    pub verify_tokens: u64,
}

/// The kernel parts of a step's time: in seconds per GPU in the cost model ([`StepParts`]),
/// in milliseconds in step-time answers ([`crate::step_time::PartsMs`]), one shape for both.
/// Only the answers serialize it, so its schema keeps their name and description.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    rename = "PartsMs",
    description = "A step's time by part, in milliseconds."
)]
pub struct Parts<T> {
    /// Dense matrix multiplications: projections, dense MLP, shared experts, router, logits.
    pub gemm: T,
    /// Attention kernels (with MLA's projections) and KV reads and writes.
    pub attention: T,
    /// Routed experts.
    pub moe: T,
    /// Tensor-parallel all-reduce.
    pub all_reduce: T,
    /// MoE token dispatch and combine (expert or tensor parallel).
    pub dispatch: T,
    /// Norms, rotary embedding, activation functions: fixed per layer plus activation traffic.
    pub other: T,
}

impl<T> Parts<T> {
    /// Every part through `f` (seconds to milliseconds, say).
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Parts<U> {
        Parts {
            gemm: f(self.gemm),
            attention: f(self.attention),
            moe: f(self.moe),
            all_reduce: f(self.all_reduce),
            dispatch: f(self.dispatch),
            other: f(self.other),
        }
    }
}

/// One step's time by part, in seconds per GPU.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepParts {
    /// The kernels.
    pub parts: Parts<f64>,
    /// The engine's fixed per-step overhead (scheduling, sampling).
    pub overhead: f64,
    /// Of the roofline parts, the time spent where compute was the bound.
    pub compute_bound: f64,
    /// Of the roofline parts, the time spent where memory traffic was the bound.
    pub memory_bound: f64,
}

named_enum! {
    /// What dominates a step's time: the largest of its compute-bound kernels, its
    /// memory-bound kernels, its communication and its fixed costs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
    pub enum StepBound {
        /// Kernels limited by arithmetic (large prefills).
        Compute = "compute",
        /// Kernels limited by memory traffic: weights and KV reads (decode).
        Memory = "memory",
        /// Tensor-parallel all-reduce and MoE dispatch.
        Communication = "communication",
        /// Per-step and per-layer fixed costs (small steps).
        Fixed = "fixed costs",
    }
}

impl StepParts {
    /// The step time, in seconds.
    pub fn total(&self) -> f64 {
        let p = &self.parts;
        // In this order: the sum's rounding, so every step time, depends on it.
        p.gemm + p.attention + p.moe + p.all_reduce + p.dispatch + p.other + self.overhead
    }

    /// What dominates the step.
    pub fn bound(&self) -> StepBound {
        let comm = self.parts.all_reduce + self.parts.dispatch;
        let fixed = self.total() - self.compute_bound - self.memory_bound - comm;
        let candidates = [
            (self.compute_bound, StepBound::Compute),
            (self.memory_bound, StepBound::Memory),
            (comm, StepBound::Communication),
            (fixed, StepBound::Fixed),
        ];
        candidates
            .iter()
            .fold((f64::MIN, StepBound::Compute), |best, &(t, name)| {
                if t > best.0 {
                    (t, name)
                } else {
                    best
                }
            })
            .1
    }
}

/// Precomputed constants of one instance's step time; all times in seconds.
#[derive(Clone, Debug)]
pub struct CostModel {
    /// Attention replicas the step's tokens are spread over (`ep / tp` when larger than 1).
    replicas: f64,
    half_rows: f64,
    dense_s_per_row: f64,
    dense_read_s: f64,
    logits_s_per_row: f64,
    logits_read_s: f64,
    gemm_fixed_s: f64,
    mla_s_per_row: f64,
    mla_read_s: f64,
    prefill_attention_fixed_s: f64,
    decode_attention_fixed_s: f64,
    attention_s_per_pair: f64,
    decode_attention_s_per_token: f64,
    kv_s_per_token: f64,
    moe_layers: f64,
    experts_per_gpu: f64,
    /// `1 - top_k / experts`, the chance a routing choice misses a given expert.
    expert_miss: f64,
    expert_choices_per_token: f64,
    moe_half_pairs: f64,
    moe_s_per_pair: f64,
    expert_read_s: f64,
    moe_fixed_s: f64,
    all_reduce_fixed_s: f64,
    all_reduce_s_per_row: f64,
    dispatch_fixed_s: f64,
    dispatch_s_per_token: f64,
    other_fixed_s: f64,
    other_s_per_row: f64,
    overhead_s: f64,
}

/// Peak rate and efficiencies of the GEMM kernels for one weight format.
fn gemm_rates(gpu: &GpuParams, e: &Efficiency, dtype: Dtype) -> (f64, f64, f64, f64) {
    let peak = gpu.peak_flops(dtype).unwrap_or(gpu.tflops * 1e12);
    let (compute, read, latency_us) = match dtype {
        Dtype::Bf16 => (e.gemm_bf16, e.weights_bf16, e.gemm_latency_us_bf16),
        Dtype::Fp8 | Dtype::Fp4 => (e.gemm_fp8, e.weights_fp8, e.gemm_latency_us_fp8),
        Dtype::Fp8Block => (
            e.gemm_fp8_block,
            e.weights_fp8_block,
            e.gemm_latency_us_fp8_block,
        ),
    };
    (peak, compute, read, latency_us * 1e-6)
}

/// All-reduce bus efficiency among `gpus` GPUs (links slow down past 2 and 4 GPUs on
/// GPUs without an all-to-all switch).
fn bus_efficiency(e: &Efficiency, gpus: u32) -> f64 {
    match gpus {
        0..=2 => e.all_reduce_2,
        3..=4 => e.all_reduce_4,
        _ => e.all_reduce_8,
    }
}

impl CostModel {
    /// The step-time model of `model` on an instance of `tp` GPUs of kind `gpu` with experts
    /// over `ep` GPUs (1: experts sliced by `tp`), plus a fixed per-step overhead.
    pub fn new(
        model: &ModelParams,
        gpu: &GpuParams,
        tp: u32,
        ep: u32,
        step_overhead_ms: f64,
    ) -> Self {
        let e = gpu.efficiency();
        let tp_u = tp.max(1);
        let ep_u = ep.max(1);
        let tp = f64::from(tp_u);
        let hbm = gpu.hbm_tb_per_s * 1e12;
        let link = gpu.interconnect_gb_per_s * 1e9;
        let layers = f64::from(model.layers);
        let hidden = f64::from(model.hidden);
        let w = model.layer_weights();
        let wd = model.weight_dtype;
        let (peak_w, e_gemm, e_read, gemm_latency) = gemm_rates(gpu, &e, wd);
        let (peak16, e_gemm16, e_read16, _) = gemm_rates(gpu, &e, Dtype::Bf16);
        let moe_layers = f64::from(model.moe_layers());
        let dense_layers = f64::from(model.dense_layers());

        // Dense GEMMs per GPU (MLA projections are counted with attention, as its kernels
        // run them).
        let attention_in_gemm = if model.mla.is_some() {
            0.0
        } else {
            w.attention
        };
        let dense_weights =
            (layers * attention_in_gemm + dense_layers * w.dense_ffn + moe_layers * w.shared) / tp;
        // GEMMs that pay the per-GEMM fixed cost: the projections and dense MLPs. (MLA's
        // projections run inside its attention module; shared experts and the router
        // overlap the routed experts.)
        let gemms = if model.mla.is_some() {
            0.0
        } else {
            2.0 * layers
        } + 2.0 * dense_layers;
        let vocab_hidden = f64::from(model.vocab) * hidden / tp;

        // Attention.
        let heads = f64::from(model.heads);
        let (prefill_flops_per_pair, decode_flops_per_token, mla_weights) = match &model.mla {
            Some(m) => {
                let (kv, nope, rope, v) = (
                    f64::from(m.kv_lora_rank),
                    f64::from(m.qk_nope_head_dim),
                    f64::from(m.qk_rope_head_dim),
                    f64::from(m.v_head_dim),
                );
                // Prefill attends in the decompressed form, decode in the absorbed one
                // (queries against the latent).
                (
                    2.0 * heads * (nope + rope) + 2.0 * heads * v,
                    2.0 * heads * (kv + rope) + 2.0 * heads * kv,
                    w.attention / tp,
                )
            }
            None => {
                let hd = f64::from(model.head_dim);
                (4.0 * heads * hd, 4.0 * heads * hd, 0.0)
            }
        };
        let kv_bytes_per_token = model.kv_bytes_per_token_per_rank(tp_u) as f64;

        // Experts.
        let (experts, top_k, expert_weights) = match &model.moe {
            Some(m) => (
                f64::from(m.experts),
                f64::from(m.experts_per_token),
                w.expert,
            ),
            None => (1.0, 0.0, 0.0),
        };
        let expert_dtype = model.expert_dtype();
        let peak_moe = gpu.peak_flops(expert_dtype).unwrap_or(peak16);
        let (e_moe, e_moe_read) = if expert_dtype == Dtype::Bf16 {
            (e.moe_bf16, e.moe_weights_bf16)
        } else {
            (e.moe_fp8, e.moe_weights_fp8)
        };
        let (expert_slices, expert_split) = if ep_u > 1 {
            (1.0, f64::from(ep_u))
        } else {
            (tp, 1.0)
        };
        let expert_gpu_weights = expert_weights / expert_slices;
        let dispatch_gpus = if ep_u > 1 { ep_u } else { tp_u };
        let intermediate_per_gpu = match &model.moe {
            Some(m) => f64::from(m.intermediate) * top_k,
            None => f64::from(model.intermediate),
        } / tp;

        let ring = |gpus: u32| {
            let g = f64::from(gpus);
            2.0 * (g - 1.0) / g
        };
        let (all_reduce_fixed_s, all_reduce_s_per_row) = if tp_u > 1 && dense_layers > 0.0 {
            (
                2.0 * dense_layers * e.all_reduce_latency_us * 1e-6,
                2.0 * dense_layers * ring(tp_u) * hidden * 2.0 / (link * bus_efficiency(&e, tp_u)),
            )
        } else {
            (0.0, 0.0)
        };
        let (dispatch_fixed_s, dispatch_s_per_token) = if dispatch_gpus > 1 && moe_layers > 0.0 {
            let n = f64::from(dispatch_gpus);
            (
                2.0 * moe_layers * e.dispatch_latency_us * 1e-6,
                2.0 * moe_layers * hidden * 2.0 * (n - 1.0)
                    / n
                    / (link * bus_efficiency(&e, dispatch_gpus) * e.dispatch),
            )
        } else {
            (0.0, 0.0)
        };

        Self {
            replicas: if ep_u > tp_u {
                f64::from(ep_u / tp_u)
            } else {
                1.0
            },
            half_rows: e.gemm_half_rows,
            dense_s_per_row: 2.0 * dense_weights / (peak_w * e_gemm),
            dense_read_s: dense_weights * wd.bytes() / (hbm * e_read),
            logits_s_per_row: 2.0 * vocab_hidden / (peak16 * e_gemm16),
            logits_read_s: vocab_hidden * 2.0 / (hbm * e_read16),
            gemm_fixed_s: gemms * gemm_latency,
            mla_s_per_row: layers * 2.0 * mla_weights / (peak_w * e_gemm),
            mla_read_s: layers * mla_weights * wd.bytes() / (hbm * e_read),
            prefill_attention_fixed_s: layers * e.attention_latency_us_prefill * 1e-6,
            decode_attention_fixed_s: layers * e.attention_latency_us_decode * 1e-6,
            attention_s_per_pair: layers * prefill_flops_per_pair / tp / (peak16 * e.attention),
            decode_attention_s_per_token: layers * decode_flops_per_token
                / tp
                / (peak16 * e.attention),
            kv_s_per_token: kv_bytes_per_token / (hbm * e.kv_cache),
            moe_layers,
            experts_per_gpu: experts / expert_split,
            expert_miss: 1.0 - top_k / experts,
            expert_choices_per_token: top_k,
            moe_half_pairs: e.moe_half_rows * experts,
            moe_s_per_pair: 2.0 * expert_gpu_weights / expert_split / (peak_moe * e_moe),
            expert_read_s: expert_gpu_weights * expert_dtype.bytes() / (hbm * e_moe_read),
            moe_fixed_s: e.moe_latency_us * 1e-6,
            all_reduce_fixed_s,
            all_reduce_s_per_row,
            dispatch_fixed_s,
            dispatch_s_per_token,
            other_fixed_s: layers * e.layer_latency_us * 1e-6,
            other_s_per_row: layers
                * (e.hidden_passes * hidden + e.intermediate_passes * intermediate_per_gpu)
                * 2.0
                / hbm,
            overhead_s: step_overhead_ms / 1e3,
        }
    }

    /// The time of a step doing `work`, by part.
    pub fn parts(&self, work: &StepWork) -> StepParts {
        self.compute::<true>(work)
    }

    /// `x` spread over the attention replicas. Most instances have one, and `x / 1.0` is
    /// `x`: skipping the division (four per step, each tens of cycles) changes no result.
    #[inline]
    fn per_replica(&self, x: f64) -> f64 {
        if self.replicas == 1.0 {
            x
        } else {
            x / self.replicas
        }
    }

    /// The parts of a step; with `BOUNDS`, also which bound each roofline part took (the
    /// engine, which calls this for every step, does not need that).
    fn compute<const BOUNDS: bool>(&self, work: &StepWork) -> StepParts {
        let mut p = StepParts {
            overhead: self.overhead_s,
            ..StepParts::default()
        };
        let tokens = float(work.prefill_tokens + work.decode_seqs + work.verify_tokens);
        if tokens <= 0.0 {
            return p;
        }
        let rows = self.per_replica(tokens);
        let b = &mut p;
        let logit_rows = self.per_replica(float(work.logit_tokens));
        b.parts.gemm =
            roofline::<BOUNDS>(
                b,
                self.dense_s_per_row * (rows + self.half_rows),
                self.dense_read_s,
            ) + roofline::<BOUNDS>(b, self.logits_s_per_row * logit_rows, self.logits_read_s)
                + self.gemm_fixed_s;

        let mla = if self.mla_read_s > 0.0 {
            roofline::<BOUNDS>(
                b,
                self.mla_s_per_row * (rows + self.half_rows),
                self.mla_read_s,
            )
        } else {
            0.0
        };
        let context = self.per_replica(float(work.decode_context_tokens));
        let prefill_attention = if work.prefill_tokens > 0 {
            let pairs = self.per_replica(work.prefill_attention_pairs);
            let t = self.attention_s_per_pair * pairs;
            if BOUNDS {
                b.compute_bound += t;
            }
            self.prefill_attention_fixed_s + t
        } else {
            0.0
        };
        let decode_attention = if work.decode_seqs > 0 {
            let mut compute = self.decode_attention_s_per_token * context;
            if work.verify_tokens > 0 {
                // `k + 1` queries per sequence against the same context (the few keys the
                // proposals add to each other's context are left out).
                compute *= float(work.decode_seqs + work.verify_tokens) / float(work.decode_seqs);
            }
            self.decode_attention_fixed_s
                + roofline::<BOUNDS>(b, compute, self.kv_s_per_token * context)
        } else {
            0.0
        };
        let kv_written = self.kv_s_per_token * rows;
        if BOUNDS {
            b.memory_bound += kv_written;
        }
        b.parts.attention = mla + prefill_attention + decode_attention + kv_written;

        if self.moe_layers > 0.0 {
            let pairs = tokens * self.expert_choices_per_token;
            // Expected distinct experts hit on one GPU by `tokens` routing decisions.
            let touched = self.experts_per_gpu * (1.0 - libm::pow(self.expert_miss, tokens));
            let compute = self.moe_layers * self.moe_s_per_pair * (pairs + self.moe_half_pairs);
            let memory = self.moe_layers * touched * self.expert_read_s;
            b.parts.moe =
                self.moe_layers * self.moe_fixed_s + roofline::<BOUNDS>(b, compute, memory);
        }
        p.parts.all_reduce = self.all_reduce_fixed_s + self.all_reduce_s_per_row * rows;
        p.parts.dispatch = self.dispatch_fixed_s + self.dispatch_s_per_token * tokens;
        p.parts.other = self.other_fixed_s + self.other_s_per_row * rows;
        p
    }

    /// Duration of a step doing `work`, in seconds (not rounded).
    pub fn seconds(&self, work: &StepWork) -> f64 {
        // Through the `BOUNDS` copy (the same total): a second caller of the engine's copy
        // kept it from being inlined into the step loop (5% more instructions per run).
        self.compute::<true>(work).total()
    }

    /// Duration of a step doing `work`, in nanoseconds (rounded up, at least 1).
    pub fn step_time(&self, work: &StepWork) -> Nanos {
        crate::time::s_to_ns(self.compute::<false>(work).total()).max(1)
    }
}

/// The larger of a kernel's compute and memory times, counted in the step's bound when
/// `BOUNDS`.
fn roofline<const BOUNDS: bool>(parts: &mut StepParts, compute: f64, memory: f64) -> f64 {
    if compute >= memory {
        if BOUNDS {
            parts.compute_bound += compute;
        }
        compute
    } else {
        if BOUNDS {
            parts.memory_bound += memory;
        }
        memory
    }
}

/// A token count as f64, through i64: the same value as `x as f64` for counts below 2^63
/// (token counts are far below), and one instruction instead of several on x86-64, in the
/// function every step calls.
fn float(x: u64) -> f64 {
    debug_assert!(x < 1 << 63);
    x as i64 as f64
}

/// Memory vLLM keeps outside the weights and the KV cache on each GPU besides activations:
/// CUDA context, CUDA graphs, NCCL buffers (about 1 GiB in vLLM's startup logs).
pub const RESERVED_BYTES_PER_GPU: f64 = GIB;

/// Activation memory of the largest step on one GPU, as vLLM's profiling run finds it:
/// `max_num_batched_tokens` rows of hidden states, attention and MLP intermediates in BF16,
/// and the logits of up to `max_num_seqs` rows in FP32.
pub fn activation_peak_bytes(
    model: &ModelParams,
    tp: u32,
    max_num_batched_tokens: u32,
    max_num_seqs: u32,
) -> f64 {
    let tp = f64::from(tp.max(1));
    let rows = f64::from(max_num_batched_tokens);
    let intermediate = match &model.moe {
        Some(m) => f64::from(m.intermediate) * f64::from(m.experts_per_token),
        None => f64::from(model.intermediate),
    };
    let qkv = f64::from(model.heads + 2 * model.kv_heads) * f64::from(model.head_dim);
    let per_row = (4.0 * f64::from(model.hidden) + (qkv + 2.0 * intermediate) / tp) * 2.0;
    let logits =
        f64::from(max_num_seqs.min(max_num_batched_tokens)) * f64::from(model.vocab) / tp * 4.0;
    rows * per_row + logits
}

/// What an instance's GPU memory holds, per GPU, in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryBudget {
    /// GPU memory times the utilization vLLM may use.
    pub usable: f64,
    /// Weights this GPU holds.
    pub weights: f64,
    /// Peak activations of the largest step.
    pub activations: f64,
    /// Fixed reserve ([`RESERVED_BYTES_PER_GPU`]).
    pub reserved: f64,
    /// Left for the KV cache (negative: the model does not fit).
    pub kv_cache: f64,
}

/// Per-GPU memory of `model` on `tp` GPUs (experts over `ep`) of kind `gpu`, the way vLLM
/// sizes its KV cache: `memory x utilization - weights - activation peak - reserve`.
pub fn memory_budget(
    model: &ModelParams,
    gpu: &GpuParams,
    tp: u32,
    ep: u32,
    utilization: f64,
    max_num_batched_tokens: u32,
    max_num_seqs: u32,
) -> MemoryBudget {
    let usable = gpu.memory_gib * GIB * utilization;
    let weights = model.weight_bytes_per_gpu(tp, ep);
    let activations = activation_peak_bytes(model, tp, max_num_batched_tokens, max_num_seqs);
    let reserved = RESERVED_BYTES_PER_GPU;
    MemoryBudget {
        usable,
        weights,
        activations,
        reserved,
        kv_cache: usable - weights - activations - reserved,
    }
}

/// KV blocks an instance can hold: each GPU's KV memory ([`memory_budget`]) divided by the
/// bytes one block takes on one GPU (FP8 KV halves them, so doubles the blocks).
pub fn kv_capacity_blocks(
    model: &ModelParams,
    block_size: u32,
    budget: &MemoryBudget,
    tp: u32,
) -> u64 {
    let block_bytes = model.kv_bytes_per_token_per_rank(tp) as f64 * f64::from(block_size);
    if budget.kv_cache <= 0.0 || block_bytes <= 0.0 {
        0
    } else {
        libm::floor(budget.kv_cache / block_bytes) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{gpu, model};

    fn prefill(tokens: u64) -> StepWork {
        let t = tokens as f64;
        StepWork {
            prefill_tokens: tokens,
            prefill_attention_pairs: t * (t + 1.0) / 2.0,
            logit_tokens: 1,
            ..StepWork::default()
        }
    }

    #[test]
    fn kv_capacity_of_llama_8b_on_one_h100() {
        // Worked by hand: 80 GiB x 0.9 = 77,309,411,328 B; weights 8,029,995,008 params
        // (32 x (4096 x 6144 + 4096 x 4096 + 3 x 4096 x 14,336) + 2 x 128,256 x 4096) x 2 B =
        // 16,059,990,016 B; activations 2048 rows x (4 x 4096 + 6144 + 2 x 14,336) x 2 B
        // + 256 x 128,256 x 4 B = 209,715,200 + 131,334,144 = 341,049,344 B; reserve 1 GiB
        // = 1,073,741,824 B. Left: 59,834,630,144 B / (131,072 B x 16) = 28,531.4 blocks.
        let m = model("llama-3.1-8b").unwrap();
        let h100 = gpu("h100-sxm").unwrap();
        let budget = memory_budget(&m, &h100, 1, 1, 0.9, 2048, 256);
        assert_eq!(budget.weights, 16_059_990_016.0);
        assert_eq!(budget.activations, 341_049_344.0);
        assert_eq!(kv_capacity_blocks(&m, 16, &budget, 1), 28_531);
        // FP8 KV doubles the blocks (within one for the rounding).
        let mut fp8 = m;
        fp8.kv_dtype = Dtype::Fp8;
        assert_eq!(kv_capacity_blocks(&fp8, 16, &budget, 1), 57_062);
        // 70B (141 GB of weights) does not fit on one H100, but does on four.
        let big = model("llama-3.1-70b").unwrap();
        let one = memory_budget(&big, &h100, 1, 1, 0.9, 2048, 256);
        assert_eq!(kv_capacity_blocks(&big, 16, &one, 1), 0);
        let four = memory_budget(&big, &h100, 4, 1, 0.9, 2048, 256);
        assert!(kv_capacity_blocks(&big, 16, &four, 4) > 10_000);
    }

    #[test]
    fn prefill_is_compute_bound_and_decode_memory_bound() {
        let m = model("llama-3.1-8b").unwrap();
        let cost = CostModel::new(&m, &gpu("h100-sxm").unwrap(), 1, 1, 0.0);
        let p = cost.parts(&prefill(4096));
        assert_eq!(p.bound(), StepBound::Compute);
        let d = cost.parts(&StepWork {
            decode_seqs: 64,
            decode_context_tokens: 64 * 2048,
            logit_tokens: 64,
            ..StepWork::default()
        });
        assert_eq!(d.bound(), StepBound::Memory);
        assert!((p.total() - p.parts.gemm - p.parts.attention - p.parts.other).abs() < 1e-12);
    }

    #[test]
    fn logits_are_computed_only_for_tokens_that_produce_one() {
        let m = model("llama-3.1-8b").unwrap();
        let cost = CostModel::new(&m, &gpu("h100-sxm").unwrap(), 1, 1, 0.0);
        let last_only = cost.parts(&prefill(8192));
        let every_token = cost.parts(&StepWork {
            logit_tokens: 8192,
            ..prefill(8192)
        });
        // 8192 x 2 x 128,256 x 4096 FLOPs more: about 9% of the step.
        let extra = every_token.parts.gemm - last_only.parts.gemm;
        assert!(extra > 0.05 * last_only.total(), "{extra}");
    }

    #[test]
    fn tp_adds_all_reduce_and_moe_touches_only_routed_experts() {
        let m = model("llama-3.1-70b").unwrap();
        let h100 = gpu("h100-sxm").unwrap();
        let work = prefill(2048);
        let tp4 = CostModel::new(&m, &h100, 4, 1, 0.0).parts(&work);
        let tp8 = CostModel::new(&m, &h100, 8, 1, 0.0).parts(&work);
        assert!(tp4.parts.all_reduce > 0.0 && tp8.total() < tp4.total());
        // One decoding token of Qwen3-30B-A3B reads 8 of 128 experts per layer; 256 read
        // nearly all of them.
        let moe = model("qwen3-30b-a3b").unwrap();
        let cost = CostModel::new(&moe, &h100, 1, 1, 0.0);
        let decode = |n: u64| {
            cost.parts(&StepWork {
                decode_seqs: n,
                decode_context_tokens: n * 1024,
                logit_tokens: n,
                ..StepWork::default()
            })
            .parts
            .moe
        };
        assert!(
            decode(256) > 5.0 * decode(1),
            "{} {}",
            decode(256),
            decode(1)
        );
    }

    #[test]
    fn expert_parallel_spreads_whole_experts_and_adds_dispatch() {
        let ds = model("deepseek-v3").unwrap();
        let h200 = gpu("h200").unwrap();
        let work = StepWork {
            decode_seqs: 64,
            decode_context_tokens: 64 * 2048,
            logit_tokens: 64,
            ..StepWork::default()
        };
        let tp8 = CostModel::new(&ds, &h200, 8, 1, 0.0).parts(&work);
        let ep8 = CostModel::new(&ds, &h200, 8, 8, 0.0).parts(&work);
        assert!(tp8.parts.dispatch > 0.0 && ep8.parts.dispatch > 0.0);
        assert!(tp8.parts.moe > 0.0 && ep8.parts.moe > 0.0);
    }
}
