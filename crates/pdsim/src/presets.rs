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
use crate::arch::{LinearAttention, LocalAttention, Mla, Moe, SparseAttention};
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
    /// Rental price of one GPU, in US dollars per hour (catalog: a public on-demand list
    /// price, see [`price_source`]); `null`: unknown, so reports give no cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_hour: Option<f64>,
    /// Board power (TDP) of one GPU, in watts, from the vendor datasheet; `null`: unknown,
    /// so reports give no energy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_w: Option<f64>,
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
        local_attention: None,
        linear_attention: None,
        sparse_attention: None,
        attention_gate: false,
        qk_norm: false,
        plain_mlp: false,
        tied_embeddings: false,
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

/// A Qwen3-generation model: per-head query and key norms.
fn qwen3(mut model: ModelParams) -> ModelParams {
    model.qk_norm = true;
    model
}

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
    qwen3(dense("Qwen3-8B", 36, 4096, 32, 8, 128, 12_288, QWEN3_VOCAB))
}

fn qwen3_14b() -> ModelParams {
    qwen3(dense(
        "Qwen3-14B",
        40,
        5120,
        40,
        8,
        128,
        17_408,
        QWEN3_VOCAB,
    ))
}

fn qwen3_32b() -> ModelParams {
    qwen3(dense(
        "Qwen3-32B",
        64,
        5120,
        64,
        8,
        128,
        25_600,
        QWEN3_VOCAB,
    ))
}

fn qwen3_30b() -> ModelParams {
    with_experts(
        qwen3(dense(
            "Qwen3-30B-A3B",
            48,
            2048,
            32,
            4,
            128,
            6144,
            QWEN3_VOCAB,
        )),
        128,
        8,
        768,
    )
}

fn qwen3_235b() -> ModelParams {
    with_experts(
        qwen3(dense(
            "Qwen3-235B-A22B",
            94,
            4096,
            64,
            4,
            128,
            12_288,
            QWEN3_VOCAB,
        )),
        128,
        8,
        1536,
    )
}

/// gpt-oss: attention in BF16, experts in MXFP4 (the checkpoint's quantization); every
/// other layer attends to a 128-token sliding window (its `layer_types`).
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
    m.local_attention = Some(LocalAttention {
        layers: layers / 2,
        window: 128,
        chunked: false,
    });
    m
}

/// Llama 4: one shared expert besides the routed ones, experts every `step`-th layer (the
/// others dense MLPs of 16,384), and three of four layers attending in 8192-token chunks.
fn llama4(name: &str, experts: u32, step: u32) -> ModelParams {
    let mut m = with_experts(
        dense(name, 48, 5120, 40, 8, 128, 16_384, 202_048),
        experts,
        1,
        8192,
    );
    if let Some(moe) = m.moe.as_mut() {
        moe.shared_intermediate = 8192;
        moe.dense_layers = 48 - 48 / step;
    }
    m.local_attention = Some(LocalAttention {
        layers: 36,
        window: 8192,
        chunked: true,
    });
    m
}

/// Sparse attention over `top_k` tokens on `layers` layers, with an indexer of `heads`
/// heads of 128.
fn with_sparse(mut model: ModelParams, layers: u32, top_k: u32, heads: u32) -> ModelParams {
    model.sparse_attention = Some(SparseAttention {
        layers,
        top_k,
        index_heads: heads,
        index_head_dim: 128,
    });
    model
}

fn glm5() -> ModelParams {
    let mut m = deepseek("GLM-5", 64, 256, 3, 154_880);
    m.layers = 78;
    m.hidden = 6144;
    m.head_dim = 96;
    m.intermediate = 12_288;
    m.mla = Some(Mla {
        q_lora_rank: 2048,
        kv_lora_rank: 512,
        qk_nope_head_dim: 192,
        qk_rope_head_dim: 64,
        v_head_dim: 256,
    });
    m.weight_dtype = Dtype::Bf16;
    with_sparse(m, 78, 2048, 32)
}

/// Kimi-K2.5's text model: Kimi-K2's shape, routed experts in INT4 (counted as the
/// 4-bit format), the rest BF16.
fn kimi_k25() -> ModelParams {
    let mut m = deepseek("Kimi-K2.5", 64, 384, 1, 163_840);
    m.weight_dtype = Dtype::Bf16;
    if let Some(moe) = m.moe.as_mut() {
        moe.dtype = Some(Dtype::Fp4);
    }
    m
}

fn minimax_m3() -> ModelParams {
    let mut m = with_experts(
        dense("MiniMax-M3", 60, 6144, 64, 4, 128, 12_288, 200_064),
        128,
        4,
        3072,
    );
    if let Some(moe) = m.moe.as_mut() {
        moe.shared_intermediate = 3072;
        moe.dense_layers = 3;
    }
    with_sparse(m, 57, 2048, 4)
}

/// Qwen3.5's hybrid: 45 Gated DeltaNet layers, 15 gated full-attention layers, 512 experts.
fn qwen35_397b() -> ModelParams {
    let mut m = with_experts(
        qwen3(dense(
            "Qwen3.5-397B-A17B",
            60,
            4096,
            32,
            2,
            256,
            1024,
            248_320,
        )),
        512,
        10,
        1024,
    );
    if let Some(moe) = m.moe.as_mut() {
        moe.shared_intermediate = 1024;
    }
    m.linear_attention = Some(LinearAttention {
        layers: 45,
        key_heads: 16,
        value_heads: 64,
        key_head_dim: 128,
        value_head_dim: 128,
        conv_kernel: 4,
    });
    m.attention_gate = true;
    m
}

fn gemma3_27b() -> ModelParams {
    let mut m = dense("Gemma-3-27B", 62, 5376, 32, 16, 128, 21_504, 262_208);
    m.local_attention = Some(LocalAttention {
        layers: 52,
        window: 1024,
        chunked: false,
    });
    m.tied_embeddings = true;
    m.qk_norm = true;
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
            "kimi-k2.5" => kimi_k25(),
            "deepseek-v3.2" => with_sparse(deepseek("DeepSeek-V3.2", 128, 256, 3, 129_280), 61, 2048, 64),
            "glm-5" => glm5(),
            "minimax-m3" => minimax_m3(),
            "qwen3.5-397b-a17b" => qwen35_397b(),
            "qwen3-coder-480b" => with_experts(
                qwen3(dense("Qwen3-Coder-480B", 62, 6144, 96, 8, 128, 8192, QWEN3_VOCAB)),
                160,
                8,
                2560,
            ),
            "llama-4-scout" => llama4("Llama-4-Scout", 16, 1),
            "llama-4-maverick" => llama4("Llama-4-Maverick", 128, 2),
            "gemma-3-27b" => gemma3_27b(),
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
        usd_per_hour: economics(id).map(|e| e.0),
        power_w: economics(id).map(|e| e.1),
    })
}

// ---- Price and power (issue 25) -------------------------------------------------------

/// A GPU's price and power: (on-demand US dollars per GPU-hour, board power in W, where
/// the price comes from).
type Economics = (f64, f64, &'static str);

catalog! {
    /// Ids of the GPUs with a price and a power (every catalog GPU).
    PRICED_GPU_IDS;
    /// The on-demand price per GPU-hour, the board power (vendor datasheet TDP) and the
    /// price's source, of the catalog GPU with this id. docs/PLANNING.md lists the sources.
    fn economics -> Economics {
            "h100-sxm" => (2.99, 700.0, "Lambda on-demand H100 SXM, $2.99/GPU-hour, as quoted by Cliff Center's AMD inference economics note, 2026-05-18"),
            "h200" => (4.00, 700.0, "Mercatus-AI cloud GPU pricing, May 2026: specialty-cloud on-demand H200 SXM $3.50-4.50, midpoint"),
            "h20" => (1.50, 400.0, "no public on-demand list price found: an assumption (half of H100's, for its lower compute)"),
            "b200" => (6.03, 1000.0, "Spheron on-demand B200, $6.03/GPU-hour, 2026-03-17"),
            "b300" => (6.13, 1100.0, "Ornn GPU rental benchmark, 2026: neocloud on-demand B300 $5.00-7.25, midpoint"),
            "gb200" => (4.54, 1200.0, "Spheron on-demand GB200, $9.08 per Superchip (2 GPUs and a Grace CPU), 2026-03-17: half"),
            "a100-80g" => (1.30, 400.0, "Mercatus-AI cloud GPU pricing, May 2026: specialty-cloud on-demand A100 80GB $1.10-1.50, midpoint"),
            "l40s" => (0.86, 350.0, "RunPod on-demand L40S, $0.86/GPU-hour, in Modal's L40S price survey, August 2025"),
            "mi300x" => (1.99, 750.0, "median on-demand MI300X, $1.99/GPU-hour, Cliff Center's AMD inference economics note, 2026-05-18"),
            "mi325x" => (1.95, 1000.0, "TensorWave on-demand MI325X, $1.95/GPU-hour, Cliff Center's AMD inference economics note, 2026-05-18"),
            "mi355x" => (2.50, 1400.0, "no public on-demand list price found: an assumption (above MI325X's, below B200's)"),
    }
}

/// Where the catalog price of GPU `id` comes from (`None`: not a catalog GPU).
pub fn price_source(id: &str) -> Option<&'static str> {
    economics(id).map(|e| e.2)
}

/// Bytes in a GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

// ---------------------------------------------------------------------------------------------
// KV-link presets: the interconnects the playground and the lessons offer, one table for both
// (the JS API's `linkPresets()`). `bandwidth_gb_per_s` is what a transfer achieves (the value
// put in `kv_transfer.bandwidth_gb_per_s`), below the line rate a link is sold by: effective
// speeds and setup latencies from /work/shared/PD_REFERENCE.md ("Effective link speeds"), line
// rates from the link names (100 Gb/s = 12.5 GB/s; NVLink 4: 900 GB/s both ways per GPU).

/// A KV-link preset (GB = 1e9 bytes).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LinkPreset {
    /// Stable id (the playground's select value).
    pub id: &'static str,
    /// The link's name.
    pub name: &'static str,
    /// Line rate per GPU and direction, in GB/s.
    pub line_rate_gb_per_s: f64,
    /// Bandwidth a KV transfer achieves, in GB/s (`kv_transfer.bandwidth_gb_per_s`).
    pub bandwidth_gb_per_s: f64,
    /// Fixed setup latency of every transfer, in ms (`kv_transfer.base_latency_ms`).
    pub base_latency_ms: f64,
}

impl LinkPreset {
    /// The preset as a person reads it: `100GbE: 10 GB/s achieved of 12.5 GB/s, 1.5 ms`.
    pub fn label(&self) -> String {
        let gb = |x: f64| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x}")
            }
        };
        format!(
            "{}: {} GB/s achieved of {} GB/s, {} ms",
            self.name,
            gb(self.bandwidth_gb_per_s),
            gb(self.line_rate_gb_per_s),
            gb(self.base_latency_ms)
        )
    }
}

/// The KV-link presets, fastest first.
pub const LINKS: [LinkPreset; 4] = [
    LinkPreset {
        id: "nvlink",
        name: "NVLink",
        line_rate_gb_per_s: 450.0,
        bandwidth_gb_per_s: 450.0,
        base_latency_ms: 0.2,
    },
    LinkPreset {
        id: "ib-400g",
        name: "InfiniBand 400G",
        line_rate_gb_per_s: 50.0,
        bandwidth_gb_per_s: 45.0,
        base_latency_ms: 1.0,
    },
    LinkPreset {
        id: "roce-200g",
        name: "RoCE 200G",
        line_rate_gb_per_s: 25.0,
        bandwidth_gb_per_s: 20.0,
        base_latency_ms: 1.0,
    },
    LinkPreset {
        id: "100gbe",
        name: "100GbE",
        line_rate_gb_per_s: 12.5,
        bandwidth_gb_per_s: 10.0,
        base_latency_ms: 1.5,
    },
];

/// The link preset `id`.
pub fn link(id: &str) -> Option<LinkPreset> {
    LINKS.iter().find(|l| l.id == id).copied()
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn link_line_rates_follow_their_names_and_transfers_stay_below_them() {
        // 100 Gb/s / 8 bits = 12.5 GB/s; 200 Gb/s = 25; 400 Gb/s = 50.
        assert_eq!(link("100gbe").map(|l| l.line_rate_gb_per_s), Some(12.5));
        assert_eq!(link("roce-200g").map(|l| l.line_rate_gb_per_s), Some(25.0));
        assert_eq!(link("ib-400g").map(|l| l.line_rate_gb_per_s), Some(50.0));
        assert!(LINKS
            .iter()
            .all(|l| l.bandwidth_gb_per_s <= l.line_rate_gb_per_s));
        assert_eq!(
            link("100gbe").map(|l| l.label()).as_deref(),
            Some("100GbE: 10 GB/s achieved of 12.5 GB/s, 1.5 ms")
        );
        assert_eq!(link("token-ring"), None);
    }
}

/// The whole catalog as one JSON object, what `pdsim catalog --json` prints and
/// `pdsim.catalog()` returns: `{"models": [{"id", "params_b", "model"}], "gpus": [{"id",
/// "calibrated_as", "usd_per_hour", "usd_per_hour_source", "power_w", "hardware"}]}`, in
/// catalog order (`params_b`: parameters, in billions).
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
                serde_json::json!({
                    "id": id,
                    "calibrated_as": calibrated_as(id),
                    "usd_per_hour": g.usd_per_hour,
                    "usd_per_hour_source": price_source(id),
                    "power_w": g.power_w,
                    "hardware": g
                })
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
    fn every_catalog_gpu_has_a_price_power_and_source() {
        assert_eq!(PRICED_GPU_IDS, GPU_IDS);
        for id in GPU_IDS {
            let g = gpu(id).unwrap();
            assert!(g.usd_per_hour.is_some_and(|p| p > 0.0), "{id}");
            assert!(g.power_w.is_some_and(|w| w >= 300.0), "{id}");
            assert!(price_source(id).is_some_and(|s| !s.is_empty()));
        }
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
