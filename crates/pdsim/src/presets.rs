//! Model and GPU presets: the one table of published numbers the simulator uses.
//!
//! Sources: model cards (layers, hidden size, heads, KV heads, head dim, FFN, parameters),
//! vendor datasheets (dense BF16 TFLOPs, HBM bandwidth, memory), and BLIS's calibrated
//! efficiency factors for MFU (H100 0.45/0.30, A100 0.38/0.18, L40S 0.32/0.08).
//! H200 and B200 reuse H100's factors: no published calibration exists (an assumption).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A model, by its architecture numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelParams {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Total parameters, in billions.
    pub params_b: f64,
    /// Transformer layers.
    pub layers: u32,
    /// Hidden size.
    pub hidden: u32,
    /// Attention (query) heads.
    pub heads: u32,
    /// KV heads (GQA); equal to `heads` for MHA.
    pub kv_heads: u32,
    /// Dimension of one head.
    pub head_dim: u32,
    /// Bytes per weight and per KV element (2 for BF16, 1 for FP8).
    #[serde(default = "two")]
    pub bytes_per_param: f64,
    /// MLA (DeepSeek-style) compressed KV: `kv_lora_rank + qk_rope_head_dim` per layer;
    /// when set, KV bytes use the MLA formula and are not divided by TP.
    #[serde(default)]
    pub mla_kv_dim: Option<u32>,
}

fn two() -> f64 {
    2.0
}

/// A GPU, by its datasheet numbers and efficiency factors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpuParams {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Dense BF16 TFLOPs (1e12 FLOP/s).
    pub tflops: f64,
    /// HBM bandwidth, in TB/s (1e12 bytes/s).
    pub hbm_tb_per_s: f64,
    /// Memory, in GiB.
    pub memory_gib: f64,
    /// Model FLOPs utilization reached by prefill, in (0, 1].
    pub mfu_prefill: f64,
    /// Model FLOPs utilization reached by decode, in (0, 1].
    pub mfu_decode: f64,
    /// Share of HBM bandwidth reached, in (0, 1].
    #[serde(default = "default_bw_eff")]
    pub bandwidth_efficiency: f64,
    /// GPU-to-GPU bandwidth inside an instance (NVLink or PCIe), in GB/s, for TP all-reduce.
    #[serde(default = "default_interconnect")]
    pub interconnect_gb_per_s: f64,
}

fn default_bw_eff() -> f64 {
    0.8
}

fn default_interconnect() -> f64 {
    450.0
}

/// Ids of the model presets.
pub const MODEL_IDS: [&str; 4] = ["llama-3.1-8b", "llama-3.1-70b", "qwen2.5-7b", "qwen3-32b"];

/// Ids of the GPU presets.
pub const GPU_IDS: [&str; 5] = ["h100-sxm", "h200", "a100-80g", "b200", "l40s"];

/// The model preset with this id.
pub fn model(id: &str) -> Option<ModelParams> {
    let (name, params_b, layers, hidden, heads, kv_heads, head_dim) = match id {
        "llama-3.1-8b" => ("Llama-3.1-8B", 8.0, 32, 4096, 32, 8, 128),
        "llama-3.1-70b" => ("Llama-3.1-70B", 70.6, 80, 8192, 64, 8, 128),
        "qwen2.5-7b" => ("Qwen2.5-7B", 7.6, 28, 3584, 28, 4, 128),
        "qwen3-32b" => ("Qwen3-32B", 32.8, 64, 5120, 64, 8, 128),
        _ => return None,
    };
    Some(ModelParams {
        name: name.into(),
        params_b,
        layers,
        hidden,
        heads,
        kv_heads,
        head_dim,
        bytes_per_param: 2.0,
        mla_kv_dim: None,
    })
}

/// The GPU preset with this id.
pub fn gpu(id: &str) -> Option<GpuParams> {
    let (name, tflops, hbm_tb_per_s, memory_gib, mfu_prefill, mfu_decode, interconnect) = match id {
        "h100-sxm" => ("H100 SXM", 989.0, 3.35, 80.0, 0.45, 0.30, 450.0),
        "h200" => ("H200 SXM", 989.0, 4.8, 141.0, 0.45, 0.30, 450.0),
        "a100-80g" => ("A100 SXM 80G", 312.0, 2.039, 80.0, 0.38, 0.18, 300.0),
        "b200" => ("B200", 2250.0, 7.7, 180.0, 0.45, 0.30, 900.0),
        // L40S has no NVLink: PCIe Gen4 x16.
        "l40s" => ("L40S", 362.0, 0.864, 48.0e9 / GIB, 0.32, 0.08, 32.0),
        _ => return None,
    };
    Some(GpuParams {
        name: name.into(),
        tflops,
        hbm_tb_per_s,
        memory_gib,
        mfu_prefill,
        mfu_decode,
        bandwidth_efficiency: default_bw_eff(),
        interconnect_gb_per_s: interconnect,
    })
}

/// Bytes in a GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

impl ModelParams {
    /// KV-cache bytes of one token across the whole instance (all TP ranks together).
    pub fn kv_bytes_per_token(&self) -> u64 {
        let per_layer = match self.mla_kv_dim {
            Some(dim) => f64::from(dim),
            None => 2.0 * f64::from(self.kv_heads) * f64::from(self.head_dim),
        };
        (f64::from(self.layers) * per_layer * self.bytes_per_param) as u64
    }

    /// KV bytes of one token held (and sent) by one TP rank: GQA shards KV heads across
    /// ranks when they divide evenly; MLA's compressed KV is replicated on every rank.
    pub fn kv_bytes_per_token_per_rank(&self, tp: u32) -> u64 {
        let sharded = self.mla_kv_dim.is_none() && tp > 0 && self.kv_heads % tp == 0;
        if sharded {
            self.kv_bytes_per_token() / u64::from(tp)
        } else {
            self.kv_bytes_per_token()
        }
    }

    /// Bytes of all weights.
    pub fn weight_bytes(&self) -> f64 {
        self.params_b * 1e9 * self.bytes_per_param
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_bytes_per_token_match_the_reference_table() {
        let kib = |id: &str| model(id).unwrap().kv_bytes_per_token() / 1024;
        assert_eq!(model("llama-3.1-8b").unwrap().kv_bytes_per_token(), 131_072);
        assert_eq!(kib("llama-3.1-70b"), 320);
        assert_eq!(kib("qwen2.5-7b"), 56);
        assert_eq!(kib("qwen3-32b"), 256);
    }

    #[test]
    fn mla_kv_is_not_divided_by_tp() {
        // DeepSeek-V3: 61 layers x (512 + 64) x 2 bytes = 70,272 B (~68.6 KiB).
        let ds = ModelParams {
            name: "DeepSeek-V3".into(),
            params_b: 671.0,
            layers: 61,
            hidden: 7168,
            heads: 128,
            kv_heads: 128,
            head_dim: 128,
            bytes_per_param: 2.0,
            mla_kv_dim: Some(576),
        };
        assert_eq!(ds.kv_bytes_per_token(), 70_272);
        assert_eq!(ds.kv_bytes_per_token_per_rank(8), 70_272);
        let llama = model("llama-3.1-8b").unwrap();
        assert_eq!(llama.kv_bytes_per_token_per_rank(2), 65_536);
        // 8 KV heads cannot be sharded 16 ways: replicated.
        assert_eq!(llama.kv_bytes_per_token_per_rank(16), 131_072);
    }

    #[test]
    fn every_listed_id_resolves() {
        assert!(MODEL_IDS.iter().all(|id| model(id).is_some()));
        assert!(GPU_IDS.iter().all(|id| gpu(id).is_some()));
        assert!(model("gpt-5").is_none());
    }
}
