//! Per-GPU efficiency factors of the step-time model, fitted to measured step times.
//!
//! The factors say how much of a GPU's datasheet rate each kind of kernel reaches, and the
//! fixed cost of each small kernel. They were fitted by `cargo run --release -p pdsim
//! --example calibrate` to AIConfigurator 0.12.0's silicon-measured step times (vLLM
//! backend; the data and its source are in `crates/pdsim/tests/data/calibration/`), which
//! also prints the agreement table of docs/MODEL.md. GPUs without reference data borrow the
//! factors of the closest calibrated GPU (`crate::presets` says which).

pub mod fit;
#[doc(hidden)]
pub mod reference;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! efficiency {
    ($( $(#[doc = $doc:literal])* $field:ident ),* $(,)?) => {
        /// Efficiency factors and fixed costs of one GPU's kernels (see docs/MODEL.md for
        /// where each enters the step time). Efficiencies are shares of the datasheet rate,
        /// in (0, 1]; latencies are in microseconds.
        // `Deserialize` is written below over `crate::float_fields`, which reads the same
        // input and gives the same errors as the derive, in less wasm.
        #[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Efficiency {
            $( $(#[doc = $doc])* pub $field: f64, )*
        }

        impl<'de> Deserialize<'de> for Efficiency {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let values = crate::float_fields::deserialize(d, "Efficiency", Self::NAMES)?;
                let mut e = Self { $($field: 0.0),* };
                for (slot, v) in e.values_mut().into_iter().zip(values) {
                    *slot = v;
                }
                Ok(e)
            }
        }

        impl Efficiency {
            /// Field names, in declaration order (the fitter and the docs table use them).
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Every factor, in [`Self::NAMES`] order, for the fitter.
            pub fn values_mut(&mut self) -> Vec<&mut f64> {
                vec![$(&mut self.$field),*]
            }

            /// Whether factor `name` is a ratio of two kernels' speeds or times (positive,
            /// not a share): the formats' speedups and the block-scaled floor's jump.
            pub fn is_ratio(name: &str) -> bool {
                name.contains("speedup") || name.contains("jump")
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
    /// Share of HBM bandwidth reached reading BF16 weights.
    weights_bf16,
    /// Share of HBM bandwidth reached reading per-tensor FP8 weights.
    weights_fp8,
    /// Fixed cost of one BF16 GEMM, in us.
    gemm_latency_us_bf16,
    /// Fixed cost of one per-tensor FP8 GEMM, in us.
    gemm_latency_us_fp8,
    /// Fixed cost of one block-scaled FP8 GEMM, in us: the least its kernel takes.
    gemm_latency_us_fp8_block,
    /// How much more that least time is past 16 rows, where the block-scaled kernels
    /// change tiles (the reference's block-FP8 GEMMs jump by half between 16 and 32 rows).
    gemm_floor_jump_fp8_block,
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
    /// How the KV cache's read and write time scales with its format's bytes per element,
    /// in (0, 1]: `(bytes / 2)^s` of a BF16 cache's time per element (1: in proportion to
    /// the bytes; less: an FP8 cache's scales and conversions cost more than its bytes
    /// save).
    kv_narrow,
    /// Fixed cost per layer of the per-head query and key norms of a prefill (models with
    /// `qk_norm`), in us.
    qk_norm_latency_us,
    /// Routed-expert (grouped) GEMMs: share of the BF16 peak reached by BF16 experts (the
    /// other formats' experts scale it by their speedup).
    moe_bf16,
    /// Speed of FP8 (per-tensor or block-scaled) expert GEMMs relative to BF16 ones: 1 when
    /// they run at the BF16 rate, up to the FP8 peak's 2 (a ratio, not a share).
    moe_speedup_fp8,
    /// Speed of FP4 (MXFP4) expert GEMMs relative to BF16 ones (1: weight-only kernels,
    /// activations in BF16, as vLLM runs gpt-oss's experts).
    moe_speedup_fp4,
    /// Share of HBM bandwidth reached reading BF16 expert weights.
    moe_weights_bf16,
    /// How an expert's weight-read time scales with its format's bytes per weight, in
    /// (0, 1]: `(bytes / 2)^s` of the BF16 experts' time per weight (1: in proportion to the
    /// bytes; less: narrow formats' scales and dequantization cost more than their bytes
    /// save). One exponent for FP8 and FP4 experts, so either format's data informs the
    /// other's.
    moe_weights_narrow,
    /// Rows each touched expert costs beyond its routed tokens (the tile it fills however
    /// few tokens reach it).
    moe_half_rows,
    /// How the experts' compute and weight-read times combine, in (0, 1]: the expert time is
    /// `(compute^(1/s) + read^(1/s))^s`; 1 adds them (no overlap), small values approach the
    /// larger of the two (full overlap).
    moe_blend,
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
    /// Fixed cost of one expert-parallel token dispatch or combine, in us.
    dispatch_latency_us,
    /// Fixed cost of one gather or reduce of the tensor-parallel experts' tokens, in us.
    dispatch_latency_us_tp,
    /// Efficiency of expert-parallel dispatch and combine (all-to-all) relative to an
    /// all-reduce of the same bytes.
    dispatch,
    /// Efficiency of the tensor-parallel experts' token gather and reduce (experts sliced
    /// over `tp`, no expert parallelism) relative to an all-reduce of the same bytes.
    dispatch_tp,
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
            weights_bf16: 0.8,
            weights_fp8: 0.7,
            gemm_latency_us_bf16: 3.0,
            gemm_latency_us_fp8: 5.0,
            gemm_latency_us_fp8_block: 20.0,
            gemm_floor_jump_fp8_block: 1.0,
            gemm_half_rows: 64.0,
            attention: 0.5,
            attention_latency_us_prefill: 40.0,
            attention_latency_us_decode: 15.0,
            kv_cache: 0.75,
            kv_narrow: 1.0,
            qk_norm_latency_us: 10.0,
            moe_bf16: 0.35,
            // Formats without their own reference data: as fast and as well read as BF16
            // experts (the measured FP8 and weight-only FP4 expert kernels are close to it).
            moe_speedup_fp8: 1.0,
            moe_speedup_fp4: 1.0,
            moe_weights_bf16: 0.8,
            moe_weights_narrow: 1.0,
            moe_half_rows: 12.0,
            moe_blend: 0.5,
            moe_latency_us: 5.0,
            all_reduce_latency_us: 8.0,
            all_reduce_2: 0.45,
            all_reduce_4: 0.6,
            all_reduce_8: 0.6,
            dispatch_latency_us: 8.0,
            dispatch_latency_us_tp: 8.0,
            dispatch: 0.3,
            dispatch_tp: 0.3,
            layer_latency_us: 8.0,
            hidden_passes: 12.0,
            intermediate_passes: 4.0,
        }
    }
}

/// The GPUs with reference data and their fitted factors, in [`Efficiency::NAMES`] order.
/// Generated by `cargo run --release -p pdsim --example calibrate -- --write` (then
/// `cargo fmt`); do not edit by hand. One exception, so that no fitted step time moved:
/// L40S's `all_reduce_8` was doubled (0.05952 to 0.119) when the step time began to halve
/// a PCIe ring's bandwidth past one socket's four GPUs (`cost::bus_efficiency`). A
/// `--write` refits every factor starting from these, and moves them all a little, as
/// every refit from a previous fit does.
// Fitted numbers: one may land near a mathematical constant (0.4342 is not log10(e)).
#[allow(clippy::approx_constant)]
// BEGIN FITTED
pub const FITTED: [(&str, [f64; 34]); 5] = [
    (
        "a100-80g",
        [
            0.882, 0.6125, 0.762, 0.7, 7.62, 5.04, 20.0, 1.0, 82.74, 0.5487, 43.53, 18.9, 0.7199,
            0.9952, 10.37, 0.3957, 1.0, 1.0, 0.9724, 1.0, 9.032, 0.9094, 6.863, 9.782, 0.4651, 0.6,
            0.5318, 7.831, 12.86, 0.2931, 0.3002, 9.192, 11.17, 3.731,
        ],
    ),
    (
        "b200",
        [
            0.7426, 0.475, 0.8934, 0.5554, 5.589, 5.893, 20.0, 1.0, 64.62, 0.5159, 35.47, 9.068,
            0.907, 0.9599, 13.86, 0.3723, 1.0, 0.5848, 0.9724, 0.9524, 12.71, 0.7388, 11.67, 7.019,
            0.3263, 0.6, 0.6, 7.938, 7.35, 0.3038, 0.3609, 8.758, 10.73, 3.83,
        ],
    ),
    (
        "h100-sxm",
        [
            0.84, 0.5819, 0.882, 0.6668, 5.032, 3.639, 63.52, 1.588, 67.95, 0.6035, 34.47, 12.96,
            0.875, 0.7256, 12.43, 0.4263, 0.9619, 0.8529, 0.9724, 0.9524, 5.228, 0.8661, 23.66,
            4.725, 0.5065, 0.614, 0.7294, 7.84, 4.571, 0.2931, 0.4268, 9.168, 10.29, 3.957,
        ],
    ),
    (
        "h200",
        [
            0.84, 0.6032, 0.882, 0.6141, 5.818, 4.935, 64.98, 1.459, 47.7, 0.6263, 35.45, 13.58,
            0.8333, 0.4799, 13.72, 0.4398, 0.8139, 0.8044, 0.9724, 0.8227, 13.69, 0.7388, 22.52,
            4.408, 0.5064, 0.6079, 0.6216, 10.22, 4.799, 0.304, 0.444, 8.89, 11.13, 3.908,
        ],
    ),
    (
        "l40s",
        [
            0.6668, 0.4861, 0.8, 0.735, 2.151, 4.927, 20.0, 1.0, 58.16, 0.4452, 43.57, 10.96,
            0.7559, 0.96, 10.01, 0.3095, 1.0, 1.478, 0.9724, 0.9524, 12.41, 0.7388, 5.673, 5.995,
            0.6, 0.1134, 0.119, 7.838, 6.582, 0.3, 0.5, 6.841, 11.01, 4.127,
        ],
    ),
];
// END FITTED
