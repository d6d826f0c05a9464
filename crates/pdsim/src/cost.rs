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
//!       (layers attending to at most k keys, local windows and sparse top-k, take
//!        min(pairs, prompt tokens k) and min(context, seqs k); linear layers a per-token
//!        cost and a state read and written per decoding sequence)
//! experts = moe layers x (latency + (c^(1/s) + m^(1/s))^s),   s = e_moe_blend
//!           c = 2 (pairs + h_moe touched experts) W_expert / (peak_bf16 e_moe speedup_fmt)
//!           m = touched experts x bytes(W_expert) / (HBM e_moe_weights share_fmt)
//! all-reduce = 2 per dense layer x (latency + 2 (tp-1)/tp rows H 2 B / (link e_ar(tp)))
//! dispatch   = 2 per MoE layer x (latency + (n-1)/n tokens H 2 B / (link e_ar(n) e_dispatch))
//!              (e_dispatch: all-to-all with `ep`, gather and reduce of sliced experts without)
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

impl StepWork {
    /// The work of `count` whole prompts of `tokens` tokens each, nothing cached: every
    /// token attends to itself and those before it, and each prompt's last token gets its
    /// logits (as a step that prefills them from scratch and emits their first tokens).
    pub fn prompts(count: u64, tokens: u64) -> Self {
        let t = tokens as f64;
        Self {
            prefill_tokens: count * tokens,
            prefill_attention_pairs: count as f64 * t * (t + 1.0) / 2.0,
            logit_tokens: count,
            ..Self::default()
        }
    }
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
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
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
    /// Block-scaled FP8: the projections' and dense MLPs' GEMMs, each taking at least the
    /// per-GEMM floor (empty for the other formats).
    floored: [FlooredGemms; 3],
    /// The smallest time of one block-scaled FP8 GEMM, in seconds, up to 16 rows and past
    /// them (0 for the other formats).
    gemm_floor_s: f64,
    gemm_floor_wide_s: f64,
    /// The dense GEMMs as one roofline: every one for BF16 and per-tensor FP8 (the same
    /// format's GEMMs turn from compute- to memory-bound at the same rows, so the sum of
    /// their rooflines is the roofline of their sums); only the shared experts, router and
    /// sparse indexers beside the floored GEMMs of block-scaled FP8.
    dense_s_per_row: f64,
    dense_read_s: f64,
    /// Fixed cost the BF16 and per-tensor FP8 GEMMs add (launches), in seconds.
    gemm_fixed_s: f64,
    logits_s_per_row: f64,
    logits_read_s: f64,
    mla_s_per_row: f64,
    mla_read_s: f64,
    prefill_attention_fixed_s: f64,
    decode_attention_fixed_s: f64,
    attention_s_per_pair: f64,
    decode_attention_s_per_token: f64,
    kv_s_per_token: f64,
    /// Per-head query and key norms per token (0 without `qk_norm`).
    qk_norm_s_per_row: f64,
    /// Layers that attend to a bounded number of keys (local windows, sparse top-k).
    bounded: Vec<BoundedAttention>,
    /// KV written per new token by the bounded layers.
    bounded_kv_s_per_token: f64,
    linear_s_per_token: f64,
    linear_state_s_per_seq: f64,
    moe_layers: f64,
    experts_per_gpu: f64,
    experts: f64,
    /// `1 - top_k / experts`, the chance a routing choice misses a given expert.
    expert_miss: f64,
    expert_choices_per_token: f64,
    /// Rows each touched expert costs beyond its routed tokens.
    moe_half_rows: f64,
    /// `1 / moe_blend`, the exponent of the experts' compute and read times.
    moe_blend_power: f64,
    /// Expert compute per routed (token, expert) pair on one GPU, in seconds.
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
    /// Whether the kernel times are scaled by the two factors below (not both 1).
    scaled: bool,
    /// `1 / engine.prefill_efficiency`: kernel time per prefill token, relative.
    prefill_slowdown: f64,
    /// `1 / engine.decode_efficiency`.
    decode_slowdown: f64,
}

/// Attention layers that attend to at most `keys` keys per query: a local window, or a
/// sparse top-k. Steps carry only totals, so the keys are bounded in total: a prefill's
/// pairs by `min(pairs, tokens x keys)` and a decode's keys by `min(context, seqs x keys)`,
/// exact when every sequence is shorter than `keys` or every one longer, else an upper
/// bound.
#[derive(Clone, Debug)]
struct BoundedAttention {
    keys: f64,
    s_per_pair: f64,
    decode_s_per_key: f64,
    kv_s_per_key: f64,
}

/// Passes over each token's queries and keys by the per-head norms and the rotary
/// embedding that follows them: each reads and writes them once.
const QK_NORM_PASSES: f64 = 4.0;

/// `count` GEMMs of one shape, per GPU: compute per row and weight-read time of one.
#[derive(Clone, Copy, Debug, Default)]
struct FlooredGemms {
    count: f64,
    s_per_row: f64,
    read_s: f64,
}

/// Peak rate and efficiencies of the GEMM kernels for one weight format.
fn gemm_rates(gpu: &GpuParams, e: &Efficiency, dtype: Dtype) -> (f64, f64, f64, f64) {
    let peak = gpu.peak_flops(dtype).unwrap_or(gpu.tflops * 1e12);
    let (compute, read, latency_us) = match dtype {
        Dtype::Bf16 => (e.gemm_bf16, e.weights_bf16, e.gemm_latency_us_bf16),
        Dtype::Fp8 | Dtype::Fp4 => (e.gemm_fp8, e.weights_fp8, e.gemm_latency_us_fp8),
        Dtype::Fp8Block => (
            // The same FP8 tensor cores and bytes as per-tensor weights (the scales add
            // 1/16,384 of them): computed and read at the per-tensor kernels' efficiencies;
            // the block-scaled kernels' own cost is their floor.
            e.gemm_fp8,
            e.weights_fp8,
            e.gemm_latency_us_fp8_block,
        ),
    };
    (peak, compute, read, latency_us * 1e-6)
}

/// Fastest GPU-to-GPU link that is PCIe, not NVLink or Infinity Fabric, in GB/s per
/// direction (PCIe 5.0 x16).
const PCIE_MAX_GB_PER_S: f64 = 64.0;

/// GPUs of one CPU socket in a PCIe server (8-GPU PCIe servers put four under each socket).
const PCIE_GPUS_PER_SOCKET: u32 = 4;

/// All-reduce bus efficiency among `gpus` GPUs of kind `gpu` (links slow down past 2 and 4
/// GPUs on GPUs without an all-to-all switch). On PCIe GPUs a ring past one socket's GPUs
/// crosses to the other socket, where GPUs do not reach each other's memory directly: the
/// collective library stages the bytes through host memory, so each byte crosses PCIe
/// twice and the ring moves half the bytes per second of the fitted factor.
fn bus_efficiency(e: &Efficiency, gpu: &GpuParams, gpus: u32) -> f64 {
    let share = match gpus {
        0..=2 => e.all_reduce_2,
        3..=4 => e.all_reduce_4,
        _ => e.all_reduce_8,
    };
    if gpu.interconnect_gb_per_s <= PCIE_MAX_GB_PER_S && gpus > PCIE_GPUS_PER_SOCKET {
        share / 2.0
    } else {
        share
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
            f64::from(model.sparse_layers()) * w.indexer
        } else {
            model.attention_weights(&w)
        };
        // GEMMs that take at least the per-GEMM floor: the projections (input and output,
        // taken as two GEMMs of half the weights each) and the dense MLPs (gate and up
        // together, then down). A small GEMM costs its kernel's floor whatever its size; a
        // large one its compute or weight read. (MLA's projections run inside its attention
        // module; shared experts and the router overlap the routed experts.)
        let ffn_matrices = if model.plain_mlp { 2.0 } else { 3.0 };
        let projections = if model.mla.is_some() {
            FlooredGemms::default()
        } else {
            FlooredGemms {
                count: 2.0 * layers,
                s_per_row: model.attention_weights(&w) / (2.0 * layers) / tp,
                read_s: 0.0,
            }
        };
        let shapes = [
            projections,
            FlooredGemms {
                count: dense_layers,
                s_per_row: (ffn_matrices - 1.0) / ffn_matrices * w.dense_ffn / tp,
                read_s: 0.0,
            },
            FlooredGemms {
                count: dense_layers,
                s_per_row: w.dense_ffn / ffn_matrices / tp,
                read_s: 0.0,
            },
        ];
        let is_floored = wd == Dtype::Fp8Block;
        // Each shape's elements per GPU, as compute per row and weight-read time.
        let floored = shapes.map(|g| FlooredGemms {
            count: if is_floored { g.count } else { 0.0 },
            s_per_row: 2.0 * g.s_per_row / (peak_w * e_gemm),
            read_s: g.s_per_row * wd.bytes() / (hbm * e_read),
        });
        let unfloored_in_gemm = if model.mla.is_some() {
            attention_in_gemm
        } else {
            0.0
        };
        let shaped: f64 = shapes.iter().map(|g| g.count * g.s_per_row).sum();
        let gemm_count: f64 = shapes.iter().map(|g| g.count).sum();
        let dense_weights = (unfloored_in_gemm + moe_layers * w.shared) / tp
            + if is_floored { 0.0 } else { shaped };
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
        // Layers by the keys they attend to: every cached token (and the sparse layers'
        // indexers, which score every one), a local window, or a sparse top-k.
        let attention_rate = peak16 * e.attention;
        // An FP8 cache at `(bytes / 2)^(1 - s)` of the BF16 cache's efficiency: its time per
        // element `(bytes / 2)^s` of BF16's.
        let kv_rate = hbm
            * e.kv_cache
            * if model.kv_dtype == Dtype::Bf16 {
                1.0
            } else {
                libm::pow(model.kv_dtype.bytes() / 2.0, 1.0 - e.kv_narrow)
            };
        let sparse_layers = model.sparse_layers();
        let all_keys_layers = f64::from(model.full_cache_layers() - sparse_layers);
        let (index_flops_per_pair, index_bytes) = match &model.sparse_attention {
            Some(s) => (
                2.0 * f64::from(sparse_layers)
                    * f64::from(s.index_heads)
                    * f64::from(s.index_head_dim),
                model.index_kv_bytes_per_token() as f64,
            ),
            None => (0.0, 0.0),
        };
        let kv_bytes_per_token = if model.local_attention.is_none() && sparse_layers == 0 {
            model.kv_bytes_per_token_per_rank(tp_u) as f64
        } else {
            model.kv_bytes_in_layers_per_rank(model.full_cache_layers() - sparse_layers, tp_u)
                as f64
                + index_bytes
        };
        let mut bounded = Vec::new();
        if let Some(s) = &model.sparse_attention {
            if sparse_layers > 0 {
                let n = f64::from(sparse_layers);
                bounded.push(BoundedAttention {
                    keys: f64::from(s.top_k),
                    s_per_pair: n * prefill_flops_per_pair / tp / attention_rate,
                    decode_s_per_key: n * decode_flops_per_token / tp / attention_rate,
                    kv_s_per_key: model.kv_bytes_in_layers_per_rank(sparse_layers, tp_u) as f64
                        / kv_rate,
                });
            }
        }
        if let Some(l) = &model.local_attention {
            let n = f64::from(model.local_layers());
            // A chunked layer attends to half a chunk on average.
            let keys = f64::from(l.window) * if l.chunked { 0.5 } else { 1.0 };
            bounded.push(BoundedAttention {
                keys,
                s_per_pair: n * prefill_flops_per_pair / tp / attention_rate,
                decode_s_per_key: n * decode_flops_per_token / tp / attention_rate,
                kv_s_per_key: model.kv_bytes_in_layers_per_rank(model.local_layers(), tp_u) as f64
                    / kv_rate,
            });
        }
        let bounded_kv_s_per_token = bounded.iter().map(|b| b.kv_s_per_key).sum::<f64>();
        // Per-head query and key norms (Qwen3, Gemma 3): a kernel per attention layer in a
        // prefill (its fixed cost fitted) and its traffic, every token's queries and keys on
        // this GPU read and written, then again by the rotary embedding after it (not
        // fitted: a fitted count absorbs the attention kernel's own misses).
        let (qk_norm_fixed_s, qk_norm_s_per_row) = if model.qk_norm && model.mla.is_none() {
            let attention_layers = f64::from(model.layers - model.linear_layers());
            let qk_per_gpu = (heads / tp + (f64::from(model.kv_heads) / tp).max(1.0))
                * f64::from(model.head_dim);
            (
                attention_layers * e.qk_norm_latency_us * 1e-6,
                attention_layers * QK_NORM_PASSES * qk_per_gpu * 2.0 / hbm,
            )
        } else {
            (0.0, 0.0)
        };
        // Gated DeltaNet per token and value head: the state times the key, its rank-one
        // update and the query times the state, 2 key_dim value_dim FLOPs each; a decoding
        // sequence reads and writes its state once per step.
        let (linear_s_per_token, linear_state_s_per_seq) = match &model.linear_attention {
            Some(l) if model.linear_layers() > 0 => (
                f64::from(model.linear_layers())
                    * 6.0
                    * f64::from(l.value_heads)
                    * f64::from(l.key_head_dim)
                    * f64::from(l.value_head_dim)
                    / tp
                    / attention_rate,
                2.0 * model.sequence_bytes_per_rank(tp_u).state / kv_rate,
            ),
            _ => (0.0, 0.0),
        };

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
        // Expert kernels of every format are measured against the BF16 ones: a format with
        // no reference data of its own runs (by the generic factors) as BF16 experts do, at
        // its own bytes per weight.
        let speedup = match expert_dtype {
            Dtype::Bf16 => 1.0,
            Dtype::Fp8 | Dtype::Fp8Block => e.moe_speedup_fp8,
            Dtype::Fp4 => e.moe_speedup_fp4,
        };
        // Read time per weight `(bytes / 2)^s` of BF16's: the share of the BF16 read
        // efficiency at the format's own bytes is `(bytes / 2)^(1 - s)`.
        let read_share = libm::pow(expert_dtype.bytes() / 2.0, 1.0 - e.moe_weights_narrow);
        let (e_moe, e_moe_read) = (e.moe_bf16 * speedup, e.moe_weights_bf16 * read_share);
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
                2.0 * dense_layers * ring(tp_u) * hidden * 2.0
                    / (link * bus_efficiency(&e, gpu, tp_u)),
            )
        } else {
            (0.0, 0.0)
        };
        let (dispatch_fixed_s, dispatch_s_per_token) = if dispatch_gpus > 1 && moe_layers > 0.0 {
            let n = f64::from(dispatch_gpus);
            // Whole experts over `ep` GPUs exchange tokens all-to-all; experts sliced over
            // `tp` gather the tokens and reduce the outputs, a different collective.
            let (latency_us, e_dispatch) = if ep_u > 1 {
                (e.dispatch_latency_us, e.dispatch)
            } else {
                (e.dispatch_latency_us_tp, e.dispatch_tp)
            };
            (
                2.0 * moe_layers * latency_us * 1e-6,
                2.0 * moe_layers * hidden * 2.0 * (n - 1.0)
                    / n
                    / (link * bus_efficiency(&e, gpu, dispatch_gpus) * e_dispatch),
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
            floored,
            // Block-scaled FP8 kernels (activations quantized per token group, a scale per
            // 128 x 128 weight block) cost about 60 us at the least on Hopper whatever the
            // GEMM's size, which hides a small GEMM's weight read; the other formats'
            // kernels add a few microseconds of launch to their roofline.
            gemm_floor_s: if is_floored { gemm_latency } else { 0.0 },
            gemm_floor_wide_s: if is_floored {
                gemm_latency * e.gemm_floor_jump_fp8_block
            } else {
                0.0
            },
            gemm_fixed_s: if is_floored {
                0.0
            } else {
                gemm_count * gemm_latency
            },
            dense_s_per_row: 2.0 * dense_weights / (peak_w * e_gemm),
            dense_read_s: dense_weights * wd.bytes() / (hbm * e_read),
            logits_s_per_row: 2.0 * vocab_hidden / (peak16 * e_gemm16),
            logits_read_s: vocab_hidden * 2.0 / (hbm * e_read16),
            mla_s_per_row: layers * 2.0 * mla_weights / (peak_w * e_gemm),
            mla_read_s: layers * mla_weights * wd.bytes() / (hbm * e_read),
            prefill_attention_fixed_s: layers * e.attention_latency_us_prefill * 1e-6
                + qk_norm_fixed_s,
            decode_attention_fixed_s: layers * e.attention_latency_us_decode * 1e-6,
            attention_s_per_pair: all_keys_layers * prefill_flops_per_pair / tp / attention_rate
                + index_flops_per_pair / attention_rate,
            decode_attention_s_per_token: all_keys_layers * decode_flops_per_token
                / tp
                / attention_rate
                + index_flops_per_pair / attention_rate,
            kv_s_per_token: kv_bytes_per_token / kv_rate,
            qk_norm_s_per_row,
            bounded,
            bounded_kv_s_per_token,
            linear_s_per_token,
            linear_state_s_per_seq,
            moe_layers,
            experts_per_gpu: experts / expert_split,
            experts,
            expert_miss: 1.0 - top_k / experts,
            expert_choices_per_token: top_k,
            moe_half_rows: e.moe_half_rows,
            moe_blend_power: 1.0 / e.moe_blend,
            moe_s_per_pair: 2.0 * expert_gpu_weights / (peak16 * e_moe),
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
            scaled: false,
            prefill_slowdown: 1.0,
            decode_slowdown: 1.0,
        }
    }

    /// The same model with prefill and decode work `prefill` and `decode` times as fast as
    /// calibrated (`engine.prefill_efficiency`, `engine.decode_efficiency`): a step's kernel
    /// time is divided by its tokens' mean efficiency; the per-step overhead is not scaled.
    pub fn with_efficiency(mut self, prefill: f64, decode: f64) -> Self {
        self.scaled = prefill != 1.0 || decode != 1.0;
        self.prefill_slowdown = 1.0 / prefill;
        self.decode_slowdown = 1.0 / decode;
        self
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
        let gemm_rows = rows + self.half_rows;
        let mut gemm = roofline::<BOUNDS>(b, self.dense_s_per_row * gemm_rows, self.dense_read_s)
            + self.gemm_fixed_s;
        if self.gemm_floor_s > 0.0 {
            gemm += self.floored_gemms::<BOUNDS>(b, rows, gemm_rows);
        }
        b.parts.gemm =
            gemm + roofline::<BOUNDS>(b, self.logits_s_per_row * logit_rows, self.logits_read_s);

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
            let mut t = self.attention_s_per_pair * pairs;
            if !self.bounded.is_empty() || self.linear_s_per_token > 0.0 {
                let prompt = self.per_replica(float(work.prefill_tokens));
                for g in &self.bounded {
                    t += g.s_per_pair * pairs.min(prompt * g.keys);
                }
                t += self.linear_s_per_token * prompt;
            }
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
            let mut t = self.decode_attention_fixed_s
                + roofline::<BOUNDS>(b, compute, self.kv_s_per_token * context);
            if !self.bounded.is_empty() || self.linear_s_per_token > 0.0 {
                let seqs = self.per_replica(float(work.decode_seqs));
                for g in &self.bounded {
                    let keys = context.min(seqs * g.keys);
                    t += roofline::<BOUNDS>(b, g.decode_s_per_key * keys, g.kv_s_per_key * keys);
                }
                t += roofline::<BOUNDS>(
                    b,
                    self.linear_s_per_token * seqs,
                    self.linear_state_s_per_seq * seqs,
                );
            }
            t
        } else {
            0.0
        };
        let kv_written = if self.bounded.is_empty() {
            (self.kv_s_per_token + self.qk_norm_s_per_row) * rows
        } else {
            (self.kv_s_per_token + self.bounded_kv_s_per_token + self.qk_norm_s_per_row) * rows
        };
        if BOUNDS {
            b.memory_bound += kv_written;
        }
        b.parts.attention = mla + prefill_attention + decode_attention + kv_written;

        if self.moe_layers > 0.0 {
            // Routed (token, expert) pairs landing on one GPU's experts.
            let pairs =
                tokens * self.expert_choices_per_token * self.experts_per_gpu / self.experts;
            // Expected distinct experts hit on one GPU by `tokens` routing decisions.
            let touched = self.experts_per_gpu * (1.0 - libm::pow(self.expert_miss, tokens));
            // Each touched expert's GEMM runs at least a tile of rows: few tokens per expert
            // run at a low efficiency, many approach the peak share smoothly.
            let compute =
                self.moe_layers * self.moe_s_per_pair * (pairs + self.moe_half_rows * touched);
            let memory = self.moe_layers * touched * self.expert_read_s;
            b.parts.moe = self.moe_layers * self.moe_fixed_s
                + blend::<BOUNDS>(b, compute, memory, self.moe_blend_power);
        }
        p.parts.all_reduce = self.all_reduce_fixed_s + self.all_reduce_s_per_row * rows;
        p.parts.dispatch = self.dispatch_fixed_s + self.dispatch_s_per_token * tokens;
        p.parts.other = self.other_fixed_s + self.other_s_per_row * rows;
        if self.scaled {
            // Each token's work at its kind's speed: the step's kernels by the tokens' mean.
            let s = (float(work.prefill_tokens) * self.prefill_slowdown
                + float(work.decode_seqs) * self.decode_slowdown)
                / tokens;
            p.parts = p.parts.map(|x| x * s);
            p.compute_bound *= s;
            p.memory_bound *= s;
        }
        p
    }

    /// The block-scaled FP8 GEMMs one by one, each at least its floor; `rows` per replica,
    /// `gemm_rows` with the half-efficiency rows.
    fn floored_gemms<const BOUNDS: bool>(
        &self,
        b: &mut StepParts,
        rows: f64,
        gemm_rows: f64,
    ) -> f64 {
        let floor = if rows > 16.0 {
            self.gemm_floor_wide_s
        } else {
            self.gemm_floor_s
        };
        let mut gemm = 0.0;
        for g in &self.floored {
            if g.count > 0.0 {
                let t = roofline::<BOUNDS>(b, g.s_per_row * gemm_rows, g.read_s);
                gemm += g.count * t.max(floor);
                if BOUNDS {
                    // The roofline counted one GEMM's time in its bound: count them all
                    // (what the floor adds counts as fixed cost).
                    let extra = (g.count - 1.0) * t;
                    if g.s_per_row * gemm_rows >= g.read_s {
                        b.compute_bound += extra;
                    } else {
                        b.memory_bound += extra;
                    }
                }
            }
        }
        gemm
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

/// The experts' time from their compute and weight-read times: `(c^p + m^p)^(1/p)` with
/// `p = 1 / moe_blend` >= 1, between their sum (`p = 1`, no overlap) and the larger of the
/// two (large `p`). Real grouped-GEMM kernels overlap the two only partly, so the time rises
/// smoothly with the tokens per expert instead of turning a sharp roofline corner. Counted
/// in the bound of the larger of the two when `BOUNDS`.
fn blend<const BOUNDS: bool>(parts: &mut StepParts, compute: f64, memory: f64, p: f64) -> f64 {
    let (hi, lo) = if compute >= memory {
        (compute, memory)
    } else {
        (memory, compute)
    };
    // Scaled by the larger time, so the powers stay in [0, 1] and cannot overflow.
    let t = if hi > 0.0 {
        hi * libm::pow(1.0 + libm::pow(lo / hi, p), 1.0 / p)
    } else {
        0.0
    };
    if BOUNDS {
        if compute >= memory {
            parts.compute_bound += t;
        } else {
            parts.memory_bound += t;
        }
    }
    t
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
    /// Held per running sequence whatever its length, for `max_num_seqs` sequences:
    /// linear-attention states and the windowed layers' KV of a full window (see
    /// [`sequence_reserve`]); 0 for models whose layers all keep every token.
    pub sequence_state: f64,
    /// Left for the KV cache counted per token (negative: the model does not fit).
    pub kv_cache: f64,
}

/// Memory set aside per GPU for what sequences hold whatever their length, out of `free`
/// bytes: `max_num_seqs` linear-attention states (vLLM keeps one per running sequence),
/// and the windowed layers' KV. That KV is at most a full window per sequence, and never
/// more than its share of the cache it shares with the full-cache layers (a token's
/// windowed KV takes `w / (f + w)` of its bytes, and the window only caps that), so the
/// lesser of the two.
pub fn sequence_reserve(model: &ModelParams, tp: u32, max_num_seqs: u32, free: f64) -> f64 {
    let seq = model.sequence_bytes_per_rank(tp);
    let seqs = f64::from(max_num_seqs);
    let state = seqs * seq.state;
    if seq.window <= 0.0 {
        return state;
    }
    let full = model.kv_bytes_per_token_per_rank(tp) as f64;
    let windowed = model.kv_bytes_in_layers_per_rank(model.windowed_kv_layers(), tp) as f64;
    let share = (free - state).max(0.0) * windowed / (full + windowed);
    state + (seqs * seq.window).min(share)
}

/// Per-GPU memory of `model` on `tp` GPUs (experts over `ep`) of kind `gpu`, the way vLLM
/// sizes its KV cache: `memory x utilization - weights - activation peak - reserve`, less
/// what sequences hold whatever their length (`sequence_reserve`).
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
    let free = usable - weights - activations - reserved;
    let sequence_state = if model.windowed_kv_layers() == 0 && model.linear_layers() == 0 {
        0.0
    } else {
        sequence_reserve(model, tp, max_num_seqs, free)
    };
    MemoryBudget {
        usable,
        weights,
        activations,
        reserved,
        sequence_state,
        kv_cache: free - sequence_state,
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
        StepWork::prompts(1, tokens)
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
    fn a_pcie_ring_past_one_socket_moves_half_the_bytes_per_second() {
        let m = model("llama-3.1-70b").unwrap();
        let work = prefill(2048);
        // The all-reduce time per ring byte (2 (tp-1)/tp of the rows' bytes) from 4 to 8
        // GPUs, with the same bus efficiency at both.
        let per_ring_byte = |g: &GpuParams, tp: u32| {
            let t = CostModel::new(&m, g, tp, 1, 0.0)
                .parts(&work)
                .parts
                .all_reduce;
            let ring = 2.0 * f64::from(tp - 1) / f64::from(tp);
            t / ring
        };
        let flat = |mut g: GpuParams| {
            let mut e = g.efficiency();
            e.all_reduce_8 = e.all_reduce_4;
            e.all_reduce_latency_us = 0.0;
            g.efficiency = Some(Box::new(e));
            g
        };
        let pcie = flat(gpu("l40s").unwrap());
        let ratio = per_ring_byte(&pcie, 8) / per_ring_byte(&pcie, 4);
        assert!((ratio - 2.0).abs() < 1e-9, "{ratio}");
        let nvlink = flat(gpu("h100-sxm").unwrap());
        let ratio = per_ring_byte(&nvlink, 8) / per_ring_byte(&nvlink, 4);
        assert!((ratio - 1.0).abs() < 1e-9, "{ratio}");
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
