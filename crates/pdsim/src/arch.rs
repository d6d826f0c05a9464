//! A model's architecture: the layer shapes and precisions that the step-time model and the
//! KV-capacity arithmetic derive everything from.
//!
//! One type describes every supported family: dense GQA/MHA transformers (Llama, Mistral,
//! Qwen), mixture-of-experts layers (Mixtral, Qwen3-MoE, gpt-oss, DeepSeek) and DeepSeek's
//! multi-head latent attention (MLA). Catalog entries (`crate::presets`), inline objects in a
//! config and HuggingFace `config.json` files (`crate::hf_config`) all become a
//! [`ModelParams`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::named_enum;

named_enum! {
    /// Number format of weights or KV-cache elements.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
    )]
    pub enum Dtype {
        /// 16-bit brain float (2 bytes).
        #[default]
        Bf16 = "bf16",
        /// 8-bit float with one scale per tensor (1 byte).
        Fp8 = "fp8",
        /// 8-bit float with one scale per 128 x 128 block (1 byte; DeepSeek-V3 and Qwen3 FP8
        /// checkpoints). Its GEMM kernels run at their own, measured speed.
        Fp8Block = "fp8_block",
        /// 4-bit float (MXFP4/NVFP4, half a byte plus scales): on FP4 tensor cores where the
        /// GPU has them, else weight-only (computed in BF16).
        Fp4 = "fp4",
    }
}

impl Dtype {
    /// Bytes per element.
    pub fn bytes(self) -> f64 {
        match self {
            Self::Bf16 => 2.0,
            Self::Fp8 | Self::Fp8Block => 1.0,
            // MXFP4: 4 bits per element plus one 8-bit scale per 32 elements.
            Self::Fp4 => 0.5 + 1.0 / 32.0,
        }
    }
}

/// Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2): the KV cache holds one compressed
/// latent of `kv_lora_rank + qk_rope_head_dim` elements per token and layer, shared by all
/// heads and replicated on every tensor-parallel rank.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mla {
    /// Rank of the query compression (0: queries are projected directly).
    #[serde(default)]
    pub q_lora_rank: u32,
    /// Rank of the KV latent.
    pub kv_lora_rank: u32,
    /// Per-head query/key dimension without rotary embedding.
    pub qk_nope_head_dim: u32,
    /// Per-head query/key dimension with rotary embedding (also stored in the cache).
    pub qk_rope_head_dim: u32,
    /// Per-head value dimension.
    pub v_head_dim: u32,
}

/// Mixture-of-experts feed-forward layers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Moe {
    /// Routed experts per MoE layer.
    pub experts: u32,
    /// Experts each token is routed to.
    pub experts_per_token: u32,
    /// Intermediate size of one expert.
    pub intermediate: u32,
    /// Intermediate size of the shared expert(s) every token also runs (0: none).
    #[serde(default)]
    pub shared_intermediate: u32,
    /// Leading layers with a dense feed-forward instead of experts (DeepSeek: 3).
    #[serde(default)]
    pub dense_layers: u32,
    /// Format of the expert weights; `null` uses the model's `weight_dtype`.
    #[serde(default)]
    pub dtype: Option<Dtype>,
}

/// A model, by its architecture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelParams {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Transformer layers.
    pub layers: u32,
    /// Hidden size.
    pub hidden: u32,
    /// Attention (query) heads.
    pub heads: u32,
    /// KV heads (GQA); equal to `heads` for MHA. Ignored with `mla`.
    pub kv_heads: u32,
    /// Dimension of one head.
    pub head_dim: u32,
    /// Intermediate size of the dense feed-forward layers.
    pub intermediate: u32,
    /// Vocabulary size (the embedding lookup and the logits).
    #[serde(default = "default_vocab")]
    pub vocab: u32,
    /// Multi-head latent attention instead of GQA/MHA.
    #[serde(default)]
    pub mla: Option<Mla>,
    /// Mixture-of-experts layers instead of dense feed-forward ones.
    #[serde(default)]
    pub moe: Option<Moe>,
    /// Format of the weights.
    #[serde(default)]
    pub weight_dtype: Dtype,
    /// Format of the KV cache.
    #[serde(default)]
    pub kv_dtype: Dtype,
}

fn default_vocab() -> u32 {
    128_256
}

/// Elements of the weights of one layer, by the parallel split they take.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerWeights {
    /// Attention projections (QKV and output, or MLA's down/up projections).
    pub attention: f64,
    /// Dense feed-forward (gate, up, down), for the dense layers.
    pub dense_ffn: f64,
    /// Shared expert(s) and router of a MoE layer.
    pub shared: f64,
    /// One routed expert (gate, up, down).
    pub expert: f64,
}

impl ModelParams {
    /// Layers whose feed-forward is a mixture of experts.
    pub fn moe_layers(&self) -> u32 {
        self.moe
            .as_ref()
            .map_or(0, |m| self.layers.saturating_sub(m.dense_layers))
    }

    /// Layers whose feed-forward is dense.
    pub fn dense_layers(&self) -> u32 {
        self.layers - self.moe_layers()
    }

    /// The format of the routed experts' weights.
    pub fn expert_dtype(&self) -> Dtype {
        self.moe
            .as_ref()
            .and_then(|m| m.dtype)
            .unwrap_or(self.weight_dtype)
    }

    /// Weight elements of one layer, by kind.
    pub fn layer_weights(&self) -> LayerWeights {
        let (h, heads, hd) = (
            f64::from(self.hidden),
            f64::from(self.heads),
            f64::from(self.head_dim),
        );
        let attention = match &self.mla {
            Some(m) => {
                let (q, kv, nope, rope, v) = (
                    f64::from(m.q_lora_rank),
                    f64::from(m.kv_lora_rank),
                    f64::from(m.qk_nope_head_dim),
                    f64::from(m.qk_rope_head_dim),
                    f64::from(m.v_head_dim),
                );
                let q_proj = if m.q_lora_rank == 0 {
                    h * heads * (nope + rope)
                } else {
                    h * q + q * heads * (nope + rope)
                };
                q_proj + h * (kv + rope) + kv * heads * (nope + v) + heads * v * h
            }
            None => h * heads * hd + 2.0 * h * f64::from(self.kv_heads) * hd + heads * hd * h,
        };
        let (shared, expert) = match &self.moe {
            Some(m) => (
                3.0 * h * f64::from(m.shared_intermediate) + h * f64::from(m.experts),
                3.0 * h * f64::from(m.intermediate),
            ),
            None => (0.0, 0.0),
        };
        LayerWeights {
            attention,
            dense_ffn: 3.0 * h * f64::from(self.intermediate),
            shared,
            expert,
        }
    }

    /// Total parameters (embedding and logits included), in billions.
    pub fn params_b(&self) -> f64 {
        let w = self.layer_weights();
        let experts = self.moe.as_ref().map_or(0.0, |m| f64::from(m.experts));
        let per_model = f64::from(self.layers) * w.attention
            + f64::from(self.dense_layers()) * w.dense_ffn
            + f64::from(self.moe_layers()) * (w.shared + experts * w.expert)
            + 2.0 * f64::from(self.vocab) * f64::from(self.hidden);
        per_model / 1e9
    }

    /// Bytes of weights one GPU holds with attention and dense layers split `tp` ways and
    /// experts split `ep` ways (or `tp` ways when `ep` is 1); embedding and logits are
    /// split by `tp` and kept in BF16.
    pub fn weight_bytes_per_gpu(&self, tp: u32, ep: u32) -> f64 {
        let w = self.layer_weights();
        let (tp, ep) = (f64::from(tp.max(1)), f64::from(ep.max(1)));
        let experts = self.moe.as_ref().map_or(0.0, |m| f64::from(m.experts));
        let expert_split = if ep > 1.0 { ep } else { tp };
        let dense = (f64::from(self.layers) * w.attention
            + f64::from(self.dense_layers()) * w.dense_ffn
            + f64::from(self.moe_layers()) * w.shared)
            / tp
            * self.weight_dtype.bytes();
        let routed = f64::from(self.moe_layers()) * experts * w.expert / expert_split
            * self.expert_dtype().bytes();
        let embeddings = 2.0 * f64::from(self.vocab) * f64::from(self.hidden) / tp * 2.0;
        dense + routed + embeddings
    }

    /// KV elements of one token in one layer across the whole instance.
    fn kv_elements_per_layer(&self) -> f64 {
        match &self.mla {
            Some(m) => f64::from(m.kv_lora_rank + m.qk_rope_head_dim),
            None => 2.0 * f64::from(self.kv_heads) * f64::from(self.head_dim),
        }
    }

    /// KV-cache bytes of one token across the whole instance (all TP ranks together).
    pub fn kv_bytes_per_token(&self) -> u64 {
        (f64::from(self.layers) * self.kv_elements_per_layer() * self.kv_dtype.bytes()) as u64
    }

    /// KV bytes of one token held (and sent) by one TP rank. GQA splits the KV heads over
    /// the ranks; with more ranks than KV heads each rank keeps one head (vLLM replicates
    /// them). MLA's latent is replicated on every rank.
    pub fn kv_bytes_per_token_per_rank(&self, tp: u32) -> u64 {
        match &self.mla {
            Some(_) => self.kv_bytes_per_token(),
            None => {
                let heads = (self.kv_heads / tp.max(1)).max(1);
                let per_layer = 2.0 * f64::from(heads) * f64::from(self.head_dim);
                (f64::from(self.layers) * per_layer * self.kv_dtype.bytes()) as u64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::presets::model;

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
        // DeepSeek-V3: 61 layers x (512 + 64) x 2 bytes = 70,272 B (~68.6 KiB) in BF16; its
        // checkpoint's catalog entry keeps BF16 KV (vLLM's default), so the same here.
        let mut ds = model("deepseek-v3").unwrap();
        ds.kv_dtype = super::Dtype::Bf16;
        assert_eq!(ds.kv_bytes_per_token(), 70_272);
        assert_eq!(ds.kv_bytes_per_token_per_rank(8), 70_272);
        let llama = model("llama-3.1-8b").unwrap();
        assert_eq!(llama.kv_bytes_per_token_per_rank(2), 65_536);
        // 8 KV heads over 16 ranks: one head per rank, 32 layers x 2 x 128 x 2 B.
        assert_eq!(llama.kv_bytes_per_token_per_rank(16), 16_384);
    }

    #[test]
    fn parameter_counts_match_the_model_cards() {
        let b = |id: &str| model(id).unwrap().params_b();
        // Published totals: 8.03B, 70.6B, 30.5B (3.3B active), 671B, 46.7B, 117B.
        for (id, published) in [
            ("llama-3.1-8b", 8.03),
            ("llama-3.1-70b", 70.6),
            ("qwen3-30b-a3b", 30.5),
            ("deepseek-v3", 671.0),
            ("mixtral-8x7b", 46.7),
            ("gpt-oss-120b", 117.0),
        ] {
            let got = b(id);
            assert!(
                (got / published - 1.0).abs() < 0.03,
                "{id}: {got:.2}B, published {published}B"
            );
        }
    }
}
