//! Per-GPU efficiency factors of the step-time model, fitted to measured step times.
//!
//! The factors say how much of a GPU's datasheet rate each kind of kernel reaches, and the
//! fixed cost of each small kernel. They were fitted by `cargo run --release -p pdsim
//! --example calibrate` to AIConfigurator 0.12.0's silicon-measured step times (vLLM
//! backend; the data and its source are in `crates/pdsim/tests/data/calibration/`), which
//! also prints the agreement table of docs/MODEL.md. GPUs without reference data borrow the
//! factors of the closest calibrated GPU (`crate::presets` says which).

#[doc(hidden)]
pub mod reference;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! efficiency {
    ($( $(#[doc = $doc:literal])* $field:ident ),* $(,)?) => {
        /// Efficiency factors and fixed costs of one GPU's kernels (see docs/MODEL.md for
        /// where each enters the step time). Efficiencies are shares of the datasheet rate,
        /// in (0, 1]; latencies are in microseconds.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Efficiency {
            $( $(#[doc = $doc])* pub $field: f64, )*
        }

        impl Efficiency {
            /// Field names, in declaration order (the fitter and the docs table use them).
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Every factor, in [`Self::NAMES`] order, for the fitter.
            pub fn values_mut(&mut self) -> Vec<&mut f64> {
                vec![$(&mut self.$field),*]
            }

            /// Every factor, in [`Self::NAMES`] order.
            pub fn values(&self) -> Vec<f64> {
                vec![$(self.$field),*]
            }
        }
    };
}

efficiency! {
    /// Dense BF16 GEMMs: share of peak FLOP/s reached by large GEMMs.
    gemm_bf16,
    /// Per-tensor FP8 GEMMs: share of the FP8 peak.
    gemm_fp8,
    /// Block-scaled FP8 GEMMs: share of the FP8 peak.
    gemm_fp8_block,
    /// Share of HBM bandwidth reached reading BF16 weights.
    weights_bf16,
    /// Share of HBM bandwidth reached reading per-tensor FP8 weights.
    weights_fp8,
    /// Share of HBM bandwidth reached reading block-scaled FP8 weights.
    weights_fp8_block,
    /// Fixed cost of one BF16 GEMM, in us.
    gemm_latency_us_bf16,
    /// Fixed cost of one per-tensor FP8 GEMM, in us.
    gemm_latency_us_fp8,
    /// Fixed cost of one block-scaled FP8 GEMM, in us.
    gemm_latency_us_fp8_block,
    /// Rows (tokens) at which a GEMM reaches half its large-GEMM efficiency.
    gemm_half_rows,
    /// Prefill attention (flash attention): share of the BF16 peak.
    attention,
    /// Fixed cost of the prefill attention kernel of one layer, in us.
    attention_latency_us_prefill,
    /// Fixed cost of the decode attention kernel of one layer, in us.
    attention_latency_us_decode,
    /// Share of HBM bandwidth reached reading and writing the KV cache.
    kv_cache,
    /// Routed-expert (grouped) GEMMs in BF16: share of the BF16 peak.
    moe_bf16,
    /// Routed-expert GEMMs in FP8 (per tensor or block-scaled): share of the FP8 peak.
    moe_fp8,
    /// Share of HBM bandwidth reached reading BF16 expert weights.
    moe_weights_bf16,
    /// Share of HBM bandwidth reached reading FP8 expert weights.
    moe_weights_fp8,
    /// Tokens per expert at which expert GEMMs reach half their efficiency.
    moe_half_rows,
    /// Fixed cost of the expert kernels of one layer, in us.
    moe_latency_us,
    /// Fixed cost of one all-reduce, in us.
    all_reduce_latency_us,
    /// All-reduce bus efficiency within 2 GPUs: share of the interconnect bandwidth.
    all_reduce_2,
    /// All-reduce bus efficiency within 3 or 4 GPUs.
    all_reduce_4,
    /// All-reduce bus efficiency within more than 4 GPUs.
    all_reduce_8,
    /// Fixed cost of one MoE token dispatch or combine, in us.
    dispatch_latency_us,
    /// Efficiency of MoE dispatch and combine relative to an all-reduce of the same bytes.
    dispatch,
    /// Fixed cost per layer of the small operators (norms, rotary, activation), in us.
    layer_latency_us,
    /// Passes over each token's hidden state by the small operators, in HBM traffic.
    hidden_passes,
    /// Passes over each token's intermediate activations (activation function).
    intermediate_passes,
}

/// The fitted factors of the GPU with reference data `id` (one of [`FITTED`]'s ids).
pub fn fitted(id: &str) -> Option<Efficiency> {
    let (_, values) = FITTED.iter().find(|(gpu, _)| *gpu == id)?;
    let mut e = Efficiency::generic();
    for (slot, value) in e.values_mut().into_iter().zip(values) {
        *slot = *value;
    }
    Some(e)
}

impl Efficiency {
    /// Round, uncalibrated factors for a GPU given only by its datasheet numbers.
    pub fn generic() -> Self {
        Self {
            gemm_bf16: 0.8,
            gemm_fp8: 0.6,
            gemm_fp8_block: 0.5,
            weights_bf16: 0.8,
            weights_fp8: 0.7,
            weights_fp8_block: 0.6,
            gemm_latency_us_bf16: 3.0,
            gemm_latency_us_fp8: 5.0,
            gemm_latency_us_fp8_block: 20.0,
            gemm_half_rows: 64.0,
            attention: 0.5,
            attention_latency_us_prefill: 40.0,
            attention_latency_us_decode: 15.0,
            kv_cache: 0.75,
            moe_bf16: 0.35,
            moe_fp8: 0.3,
            moe_weights_bf16: 0.8,
            moe_weights_fp8: 0.6,
            moe_half_rows: 12.0,
            moe_latency_us: 5.0,
            all_reduce_latency_us: 8.0,
            all_reduce_2: 0.45,
            all_reduce_4: 0.6,
            all_reduce_8: 0.6,
            dispatch_latency_us: 8.0,
            dispatch: 0.3,
            layer_latency_us: 8.0,
            hidden_passes: 12.0,
            intermediate_passes: 4.0,
        }
    }
}

/// The GPUs with reference data and their fitted factors, in [`Efficiency::NAMES`] order.
/// Generated by `cargo run --release -p pdsim --example calibrate -- --write` (then
/// `cargo fmt`); do not edit by hand.
// BEGIN FITTED
pub const FITTED: [(&str, [f64; 29]); 5] = [
    (
        "h100-sxm",
        [
            0.84, 0.5686, 0.6666, 0.84, 0.6667, 0.9527, 2.127, 3.455, 55.58, 112.1, 0.6737, 34.12,
            13.89, 0.8, 0.3023, 0.4, 0.882, 0.5, 11.67, 6.048, 6.529, 0.4375, 0.6946, 0.7464, 7.02,
            0.2931, 8.75, 11.43, 5.065,
        ],
    ),
    (
        "h200",
        [
            0.882, 0.6349, 0.6431, 0.8, 0.7818, 0.9526, 2.778, 9.849, 60.48, 132.7, 0.5628, 29.17,
            14.07, 0.7619, 0.3545, 0.08795, 0.8103, 0.5375, 13.68, 4.147, 3.385, 0.4061, 0.7202,
            0.9874, 10.37, 0.5512, 7.034, 13.07, 4.062,
        ],
    ),
    (
        "a100-80g",
        [
            0.882, 0.7, 0.35, 0.7257, 0.7, 0.3, 5.971, 2.0, 20.0, 81.68, 0.6112, 69.1, 16.67,
            0.6911, 0.3174, 0.4, 0.882, 0.5, 4.001, 0.001002, 8.554, 0.3828, 0.4936, 0.4221, 20.46,
            0.201, 10.64, 5.442, 3.78,
        ],
    ),
    (
        "b200",
        [
            0.7619, 0.5428, 0.35, 0.882, 0.8103, 0.3, 2.78, 8.707, 20.0, 64.81, 0.5557, 44.1,
            8.636, 0.8707, 0.35, 0.4, 0.84, 0.5, 16.21, 1.114, 10.37, 0.3393, 0.6, 0.6, 10.0,
            0.2756, 12.45, 20.74, 5.514,
        ],
    ),
    (
        "l40s",
        [
            0.635, 0.4861, 0.35, 0.7619, 0.7, 0.3, 0.08269, 2.88, 20.0, 0.001025, 0.4572, 90.29,
            0.02362, 0.7256, 0.7524, 0.4, 0.9261, 0.5, 50.18, 0.001025, 0.4028, 0.4762, 0.1134,
            0.05952, 3.78, 0.4762, 1.688, 11.03, 4.073,
        ],
    ),
];
// END FITTED
