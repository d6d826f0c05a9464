//! The catalog: models by their architecture and GPUs by their datasheet numbers, the one
//! table of published numbers the simulator uses.
//!
//! Sources: each model's HuggingFace `config.json` (layers, sizes, heads, experts, MLA ranks,
//! vocabulary, quantization), vendor datasheets for the GPUs (dense tensor FLOP/s without
//! sparsity, HBM bandwidth and capacity, GPU-to-GPU bandwidth); docs/MODEL.md lists them.
//! Efficiency factors come from [`crate::calibration`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::arch::{Dtype, ModelParams};
use crate::arch::{Mla, Moe};
use crate::calibration::{self, Efficiency};

/// A GPU, by its datasheet numbers and efficiency factors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpuParams {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Dense BF16 tensor TFLOP/s (1e12 FLOP/s).
    pub tflops: f64,
    /// Dense FP8 tensor TFLOP/s; `null`: no FP8 tensor cores.
    #[serde(default)]
    pub fp8_tflops: Option<f64>,
    /// Dense FP4 tensor TFLOP/s; `null`: no FP4 tensor cores.
    #[serde(default)]
    pub fp4_tflops: Option<f64>,
    /// HBM bandwidth, in TB/s (1e12 bytes/s).
    pub hbm_tb_per_s: f64,
    /// Memory, in GiB.
    pub memory_gib: f64,
    /// GPU-to-GPU bandwidth inside an instance (NVLink, Infinity Fabric or PCIe), in GB/s
    /// per direction, for tensor-parallel all-reduce and expert-parallel dispatch.
    #[serde(default = "default_interconnect")]
    pub interconnect_gb_per_s: f64,
    /// Kernel efficiencies; `null` uses round, uncalibrated factors.
    #[serde(default)]
    pub efficiency: Option<Box<Efficiency>>,
}

fn default_interconnect() -> f64 {
    450.0
}

impl GpuParams {
    /// Peak dense tensor FLOP/s for weights in `dtype`, if the GPU can run them: FP8 needs
    /// FP8 tensor cores; FP4 weights run on FP4 tensor cores where the GPU has them, and
    /// elsewhere weight-only (unpacked to BF16, as vLLM's MXFP4 kernels do on Hopper), at
    /// the BF16 rate.
    pub fn peak_flops(&self, dtype: Dtype) -> Option<f64> {
        let tflops = match dtype {
            Dtype::Bf16 => Some(self.tflops),
            Dtype::Fp8 | Dtype::Fp8Block => self.fp8_tflops,
            Dtype::Fp4 => self.fp4_tflops.or(Some(self.tflops)),
        };
        tflops.map(|t| t * 1e12)
    }

    /// The efficiency factors in use.
    pub fn efficiency(&self) -> Efficiency {
        self.efficiency
            .as_deref()
            .cloned()
            .unwrap_or_else(Efficiency::generic)
    }
}

/// A dense GQA model in BF16.
#[allow(clippy::too_many_arguments)]
fn dense(
    name: &str,
    layers: u32,
    hidden: u32,
    heads: u32,
    kv_heads: u32,
    head_dim: u32,
    intermediate: u32,
    vocab: u32,
) -> ModelParams {
    ModelParams {
        name: name.into(),
        layers,
        hidden,
        heads,
        kv_heads,
        head_dim,
        intermediate,
        vocab,
        mla: None,
        moe: None,
        weight_dtype: Dtype::Bf16,
        kv_dtype: Dtype::Bf16,
    }
}

/// `model` with MoE layers of `experts` experts, `top_k` per token, each of `intermediate`.
fn with_experts(
    mut model: ModelParams,
    experts: u32,
    top_k: u32,
    intermediate: u32,
) -> ModelParams {
    model.moe = Some(Moe {
        experts,
        experts_per_token: top_k,
        intermediate,
        shared_intermediate: 0,
        dense_layers: 0,
        dtype: None,
    });
    model
}

/// DeepSeek-V3's architecture (also R1's and, with other counts, Kimi-K2's).
fn deepseek(name: &str, heads: u32, experts: u32, dense_layers: u32, vocab: u32) -> ModelParams {
    let mut m = dense(name, 61, 7168, heads, heads, 128, 18_432, vocab);
    m.mla = Some(Mla {
        q_lora_rank: 1536,
        kv_lora_rank: 512,
        qk_nope_head_dim: 128,
        qk_rope_head_dim: 64,
        v_head_dim: 128,
    });
    m.moe = Some(Moe {
        experts,
        experts_per_token: 8,
        intermediate: 2048,
        shared_intermediate: 2048,
        dense_layers,
        dtype: None,
    });
    m.weight_dtype = Dtype::Fp8Block;
    m
}

fn quantized(mut model: ModelParams, dtype: Dtype, suffix: &str) -> ModelParams {
    model.weight_dtype = dtype;
    model.name.push_str(suffix);
    model
}

const LLAMA_VOCAB: u32 = 128_256;
const QWEN3_VOCAB: u32 = 151_936;

fn llama_8b() -> ModelParams {
    dense("Llama-3.1-8B", 32, 4096, 32, 8, 128, 14_336, LLAMA_VOCAB)
}

fn llama_70b() -> ModelParams {
    dense("Llama-3.1-70B", 80, 8192, 64, 8, 128, 28_672, LLAMA_VOCAB)
}

fn llama_405b() -> ModelParams {
    dense(
        "Llama-3.1-405B",
        126,
        16_384,
        128,
        8,
        128,
        53_248,
        LLAMA_VOCAB,
    )
}

fn qwen3_8b() -> ModelParams {
    dense("Qwen3-8B", 36, 4096, 32, 8, 128, 12_288, QWEN3_VOCAB)
}

fn qwen3_14b() -> ModelParams {
    dense("Qwen3-14B", 40, 5120, 40, 8, 128, 17_408, QWEN3_VOCAB)
}

fn qwen3_32b() -> ModelParams {
    dense("Qwen3-32B", 64, 5120, 64, 8, 128, 25_600, QWEN3_VOCAB)
}

fn qwen3_30b() -> ModelParams {
    with_experts(
        dense("Qwen3-30B-A3B", 48, 2048, 32, 4, 128, 6144, QWEN3_VOCAB),
        128,
        8,
        768,
    )
}

fn qwen3_235b() -> ModelParams {
    with_experts(
        dense("Qwen3-235B-A22B", 94, 4096, 64, 4, 128, 12_288, QWEN3_VOCAB),
        128,
        8,
        1536,
    )
}

/// gpt-oss: attention in BF16, experts in MXFP4 (the checkpoint's quantization).
fn gpt_oss(name: &str, layers: u32, experts: u32) -> ModelParams {
    let mut m = with_experts(
        dense(name, layers, 2880, 64, 8, 64, 2880, 201_088),
        experts,
        4,
        2880,
    );
    if let Some(moe) = m.moe.as_mut() {
        moe.dtype = Some(Dtype::Fp4);
    }
    m
}

/// A catalog as one table: its list of ids and its lookup by id are both generated from
/// it, so they cannot disagree (they were two lists of the same ids).
macro_rules! catalog {
    (
        $(#[$ids_meta:meta])*
        $ids:ident;
        $(#[$fn_meta:meta])*
        $vis:vis fn $lookup:ident -> $ty:ty {
            $($id:literal => $value:expr,)+
        }
    ) => {
        $(#[$ids_meta])*
        pub const $ids: &[&str] = &[$($id),+];

        $(#[$fn_meta])*
        $vis fn $lookup(id: &str) -> Option<$ty> {
            Some(match id {
                $($id => $value,)+
                _ => return None,
            })
        }
    };
}

catalog! {
    /// Ids of the model catalog.
    MODEL_IDS;
    /// The catalog model with this id.
    pub fn model -> ModelParams {
            "llama-3.1-8b" => llama_8b(),
            "llama-3.1-8b-fp8" => quantized(llama_8b(), Dtype::Fp8, " FP8"),
            "llama-3.1-70b" => llama_70b(),
            "llama-3.1-70b-fp8" => quantized(llama_70b(), Dtype::Fp8, " FP8"),
            "llama-3.3-70b" => dense("Llama-3.3-70B", 80, 8192, 64, 8, 128, 28_672, LLAMA_VOCAB),
            "llama-3.1-405b" => llama_405b(),
            "llama-3.1-405b-fp8" => quantized(llama_405b(), Dtype::Fp8, " FP8"),
            "mistral-7b" => dense("Mistral-7B-v0.3", 32, 4096, 32, 8, 128, 14_336, 32_768),
            "qwen2.5-7b" => dense("Qwen2.5-7B", 28, 3584, 28, 4, 128, 18_944, 152_064),
            "qwen3-8b" => qwen3_8b(),
            "qwen3-8b-fp8" => quantized(qwen3_8b(), Dtype::Fp8Block, "-FP8"),
            "qwen3-14b" => qwen3_14b(),
            "qwen3-14b-fp8" => quantized(qwen3_14b(), Dtype::Fp8Block, "-FP8"),
            "qwen3-32b" => qwen3_32b(),
            "qwen3-32b-fp8" => quantized(qwen3_32b(), Dtype::Fp8Block, "-FP8"),
            "qwen3-30b-a3b" => qwen3_30b(),
            "qwen3-30b-a3b-fp8" => quantized(qwen3_30b(), Dtype::Fp8Block, "-FP8"),
            "qwen3-235b-a22b" => qwen3_235b(),
            "qwen3-235b-a22b-fp8" => quantized(qwen3_235b(), Dtype::Fp8Block, "-FP8"),
            "mixtral-8x7b" => with_experts(
                dense("Mixtral-8x7B", 32, 4096, 32, 8, 128, 14_336, 32_000),
                8,
                2,
                14_336,
            ),
            "gpt-oss-20b" => gpt_oss("gpt-oss-20b", 24, 32),
            "gpt-oss-120b" => gpt_oss("gpt-oss-120b", 36, 128),
            "deepseek-v3" => deepseek("DeepSeek-V3", 128, 256, 3, 129_280),
            "deepseek-r1" => deepseek("DeepSeek-R1", 128, 256, 3, 129_280),
            "kimi-k2" => deepseek("Kimi-K2", 64, 384, 1, 163_840),
    }
}

/// Which calibrated GPU's efficiency factors an uncalibrated GPU borrows (itself when it
/// has reference data).
pub fn calibrated_as(id: &str) -> &'static str {
    match id {
        "h200" => "h200",
        "b200" | "b300" | "gb200" => "b200",
        "a100-80g" => "a100-80g",
        "l40s" => "l40s",
        // H20, and AMD's GPUs: no reference data; H100's factors (an assumption).
        _ => "h100-sxm",
    }
}

/// A GPU's datasheet: (name, BF16, FP8, FP4 dense TFLOP/s, HBM TB/s, memory GiB,
/// interconnect GB/s).
type Datasheet = (&'static str, f64, Option<f64>, Option<f64>, f64, f64, f64);

catalog! {
    /// Ids of the GPU catalog.
    GPU_IDS;
    /// The datasheet of the catalog GPU with this id.
    fn datasheet -> Datasheet {
            "h100-sxm" => ("H100 SXM", 989.0, Some(1979.0), None, 3.35, 80.0, 450.0),
            "h200" => ("H200 SXM", 989.0, Some(1979.0), None, 4.8, 141.0, 450.0),
            "h20" => ("H20", 148.0, Some(296.0), None, 4.0, 96.0, 450.0),
            "b200" => (
                "B200",
                2250.0,
                Some(4500.0),
                Some(9000.0),
                7.7,
                180.0,
                900.0,
            ),
            "b300" => (
                "B300",
                2250.0,
                Some(4500.0),
                Some(13_500.0),
                8.0,
                270.0,
                900.0,
            ),
            "gb200" => (
                "GB200",
                2500.0,
                Some(5000.0),
                Some(10_000.0),
                8.0,
                186.0,
                900.0,
            ),
            "a100-80g" => ("A100 SXM 80G", 312.0, None, None, 2.039, 80.0, 300.0),
            "l40s" => ("L40S", 362.0, Some(733.0), None, 0.864, 44.99, 32.0),
            "mi300x" => ("MI300X", 1307.0, Some(2615.0), None, 5.3, 192.0, 448.0),
            "mi325x" => ("MI325X", 1307.0, Some(2615.0), None, 6.0, 256.0, 448.0),
            "mi355x" => (
                "MI355X",
                2500.0,
                Some(5000.0),
                Some(10_000.0),
                8.0,
                288.0,
                1075.0,
            ),
    }
}

/// The catalog GPU with this id.
pub fn gpu(id: &str) -> Option<GpuParams> {
    let (name, tflops, fp8, fp4, hbm_tb_per_s, memory_gib, interconnect) = datasheet(id)?;
    Some(GpuParams {
        name: name.into(),
        tflops,
        fp8_tflops: fp8,
        fp4_tflops: fp4,
        hbm_tb_per_s,
        memory_gib,
        interconnect_gb_per_s: interconnect,
        efficiency: calibration::fitted(calibrated_as(id)).map(Box::new),
    })
}

/// Bytes in a GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The whole catalog as one JSON object, what `pdsim catalog --json` prints and
/// `pdsim.catalog()` returns: `{"models": [{"id", "params_b", "model"}], "gpus": [{"id",
/// "calibrated_as", "hardware"}]}`, in catalog order (`params_b`: parameters, in billions).
pub fn catalog_json() -> serde_json::Value {
    let models: Vec<serde_json::Value> = MODEL_IDS
        .iter()
        .filter_map(|id| {
            model(id).map(|m| serde_json::json!({"id": id, "params_b": m.params_b(), "model": m}))
        })
        .collect();
    let gpus: Vec<serde_json::Value> = GPU_IDS
        .iter()
        .filter_map(|id| {
            gpu(id).map(|g| {
                serde_json::json!({"id": id, "calibrated_as": calibrated_as(id), "hardware": g})
            })
        })
        .collect();
    serde_json::json!({"models": models, "gpus": gpus})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_id_resolves_and_the_catalog_is_large_enough() {
        assert!(MODEL_IDS.iter().all(|id| model(id).is_some()));
        assert!(GPU_IDS.iter().all(|id| gpu(id).is_some()));
        assert!(MODEL_IDS.len() >= 20 && GPU_IDS.len() >= 8);
        assert!(model("gpt-5").is_none());
        // Every GPU has fitted factors, its own or borrowed.
        assert!(GPU_IDS
            .iter()
            .all(|id| gpu(id).unwrap().efficiency.is_some()));
    }

    #[test]
    fn fp8_rates_exist_only_where_the_hardware_has_them() {
        let a100 = gpu("a100-80g").unwrap();
        assert_eq!(a100.peak_flops(Dtype::Fp8), None);
        assert_eq!(
            gpu("h100-sxm").unwrap().peak_flops(Dtype::Fp8),
            Some(1979e12)
        );
        // FP4 weights on Hopper: weight-only, at the BF16 rate; on B200 its FP4 tensor cores.
        assert_eq!(
            gpu("h100-sxm").unwrap().peak_flops(Dtype::Fp4),
            Some(989e12)
        );
        assert_eq!(gpu("b200").unwrap().peak_flops(Dtype::Fp4), Some(9000e12));
    }
}
