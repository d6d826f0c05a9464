//! A model's architecture: the layer shapes and precisions that the step-time model and the
//! KV-capacity arithmetic derive everything from.
//!
//! One type describes every supported family: dense GQA/MHA transformers (Llama, Mistral,
//! Qwen, OPT, GPT-NeoX, Falcon, Gemma, Phi), mixture-of-experts layers (Mixtral, Qwen3-MoE,
//! gpt-oss, DeepSeek, Llama 4), DeepSeek's multi-head latent attention (MLA), and layers that
//! do not keep a full KV cache or do not attend to all of it: sliding-window and chunked
//! local attention ([`LocalAttention`]), linear attention ([`LinearAttention`]) and sparse
//! attention ([`SparseAttention`]). Catalog entries (`crate::presets`), inline objects in a
//! config and HuggingFace `config.json` files (`crate::hf_config`) all become a
//! [`ModelParams`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::named_enum;

named_enum! {
    /// Number format of weights or KV-cache elements.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, JsonSchema,
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
    /// Layers with a dense feed-forward instead of experts (DeepSeek: the first 3; Llama 4
    /// Maverick: every other one).
    #[serde(default)]
    pub dense_layers: u32,
    /// Format of the expert weights; `null` uses the model's `weight_dtype`.
    #[serde(default)]
    pub dtype: Option<Dtype>,
}

/// Layers that attend only to recent tokens and keep only those in their KV cache:
/// sliding-window layers (Mistral, Gemma 2/3, gpt-oss) or chunked local layers (Llama 4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalAttention {
    /// Layers of this kind (the others attend to every token).
    pub layers: u32,
    /// The window (or chunk), in tokens: the most a layer keeps and attends to.
    pub window: u32,
    /// Chunked (Llama 4): a token attends to the tokens before it in its own chunk of
    /// `window`, half a chunk on average, instead of the last `window` tokens.
    #[serde(default, skip_serializing_if = "is_false")]
    pub chunked: bool,
}

/// Linear-attention layers (Gated DeltaNet: Qwen3-Next, Qwen3.5): a fixed-size state per
/// sequence (one `key_head_dim x value_head_dim` matrix per value head, plus a short
/// convolution's last inputs) instead of a KV cache that grows with the context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinearAttention {
    /// Layers of this kind.
    pub layers: u32,
    /// Query/key heads.
    pub key_heads: u32,
    /// Value heads (the state has one matrix per value head).
    pub value_heads: u32,
    /// Dimension of one key head.
    pub key_head_dim: u32,
    /// Dimension of one value head.
    pub value_head_dim: u32,
    /// Width of the short causal convolution over the projected inputs.
    #[serde(default = "default_conv_kernel")]
    pub conv_kernel: u32,
}

fn default_conv_kernel() -> u32 {
    4
}

/// Sparse attention (DeepSeek-V3.2's DSA, GLM-5, MiniMax-M3's block-sparse MSA): a small
/// indexer scores every cached token and the attention attends only the `top_k` best. The
/// cache keeps every token, plus one index key of `index_head_dim` per token and layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SparseAttention {
    /// Layers that attend sparsely (the others attend to every token).
    pub layers: u32,
    /// Tokens each query attends to.
    pub top_k: u32,
    /// Query heads of the indexer.
    pub index_heads: u32,
    /// Dimension of the indexer's heads (and of the index key cached per token).
    pub index_head_dim: u32,
}

fn is_false(b: &bool) -> bool {
    !*b
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
    /// Sliding-window or chunked local layers; `null`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_attention: Option<LocalAttention>,
    /// Linear-attention layers; `null`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_attention: Option<LinearAttention>,
    /// Sparse (top-k) attention layers; `null`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparse_attention: Option<SparseAttention>,
    /// The query projection also yields a gate on the attention output (Qwen3-Next,
    /// Qwen3.5): twice its width.
    #[serde(default, skip_serializing_if = "is_false")]
    pub attention_gate: bool,
    /// Each head's queries and keys are RMS-normalised before the rotary embedding (Qwen3,
    /// Qwen3-Next, Gemma 3): per-head norm kernels over every token's queries and keys.
    #[serde(default, skip_serializing_if = "is_false")]
    pub qk_norm: bool,
    /// Feed-forward of two matrices (up, down: OPT, GPT-NeoX, Falcon) instead of the gated
    /// three (gate, up, down).
    #[serde(default, skip_serializing_if = "is_false")]
    pub plain_mlp: bool,
    /// The logits reuse the embedding matrix (counted, and held, once).
    #[serde(default, skip_serializing_if = "is_false")]
    pub tied_embeddings: bool,
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
    /// The projections of one linear-attention layer (instead of `attention`).
    pub linear: f64,
    /// The indexer of one sparse-attention layer (besides `attention`).
    pub indexer: f64,
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

    /// Sliding-window or chunked local layers.
    pub fn local_layers(&self) -> u32 {
        self.local_attention
            .as_ref()
            .map_or(0, |l| l.layers.min(self.layers))
    }

    /// Linear-attention layers.
    pub fn linear_layers(&self) -> u32 {
        self.linear_attention
            .as_ref()
            .map_or(0, |l| l.layers.min(self.layers - self.local_layers()))
    }

    /// Layers whose KV cache keeps every token: all but the local and linear ones.
    pub fn full_cache_layers(&self) -> u32 {
        self.layers - self.local_layers() - self.linear_layers()
    }

    /// Of the full-cache layers, those that attend only to their indexer's top-k tokens.
    pub fn sparse_layers(&self) -> u32 {
        self.sparse_attention
            .as_ref()
            .map_or(0, |s| s.layers.min(self.full_cache_layers()))
    }

    /// Layers whose KV counts per token towards the cache. The full-cache layers; in a
    /// model with none (every layer local: Mistral-7B-v0.1, Phi-3-mini), the local ones,
    /// as the engine's cache is counted per token (an upper bound past the window).
    pub fn per_token_kv_layers(&self) -> u32 {
        match self.full_cache_layers() {
            0 => self.local_layers(),
            n => n,
        }
    }

    /// Local layers whose KV is bounded by their window (none when they count per token).
    pub fn windowed_kv_layers(&self) -> u32 {
        if self.full_cache_layers() == 0 {
            0
        } else {
            self.local_layers()
        }
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
            None if self.attention_gate => {
                2.0 * h * heads * hd + 2.0 * h * f64::from(self.kv_heads) * hd + heads * hd * h
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
        // Gated DeltaNet: q, k, v and the output gate z in, the decay and beta per value
        // head, the convolution over q, k, v, and the output projection.
        let linear = self.linear_attention.as_ref().map_or(0.0, |l| {
            let keys = f64::from(l.key_heads) * f64::from(l.key_head_dim);
            let values = f64::from(l.value_heads) * f64::from(l.value_head_dim);
            h * (2.0 * keys + 2.0 * values + 2.0 * f64::from(l.value_heads))
                + (2.0 * keys + values) * f64::from(l.conv_kernel)
                + values * h
        });
        // The indexer: its queries from the query latent (MLA with q_lora) or the hidden
        // state, one key head, and a weight per head.
        let indexer = self.sparse_attention.as_ref().map_or(0.0, |s| {
            let q_in = match &self.mla {
                Some(m) if m.q_lora_rank > 0 => f64::from(m.q_lora_rank),
                _ => h,
            };
            let (ih, id) = (f64::from(s.index_heads), f64::from(s.index_head_dim));
            q_in * ih * id + h * id + h * ih
        });
        let ffn_matrices = if self.plain_mlp { 2.0 } else { 3.0 };
        LayerWeights {
            attention,
            dense_ffn: ffn_matrices * h * f64::from(self.intermediate),
            shared,
            expert,
            linear,
            indexer,
        }
    }

    /// Weight elements of every layer's attention: the attention layers' projections, the
    /// linear-attention layers' and the sparse layers' indexers.
    pub fn attention_weights(&self, w: &LayerWeights) -> f64 {
        let attention = f64::from(self.layers - self.linear_layers()) * w.attention;
        match (self.linear_layers(), self.sparse_layers()) {
            (0, 0) => attention,
            (linear, sparse) => {
                attention + f64::from(linear) * w.linear + f64::from(sparse) * w.indexer
            }
        }
    }

    /// Embedding and logit weights: one matrix when tied, else two.
    fn embedding_weights(&self) -> f64 {
        let copies = if self.tied_embeddings { 1.0 } else { 2.0 };
        copies * f64::from(self.vocab) * f64::from(self.hidden)
    }

    /// Total parameters (embedding and logits included), in billions.
    pub fn params_b(&self) -> f64 {
        let w = self.layer_weights();
        let experts = self.moe.as_ref().map_or(0.0, |m| f64::from(m.experts));
        let per_model = self.attention_weights(&w)
            + f64::from(self.dense_layers()) * w.dense_ffn
            + f64::from(self.moe_layers()) * (w.shared + experts * w.expert)
            + self.embedding_weights();
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
        let dense = (self.attention_weights(&w)
            + f64::from(self.dense_layers()) * w.dense_ffn
            + f64::from(self.moe_layers()) * w.shared)
            / tp
            * self.weight_dtype.bytes();
        let routed = f64::from(self.moe_layers()) * experts * w.expert / expert_split
            * self.expert_dtype().bytes();
        let embeddings = self.embedding_weights() / tp * 2.0;
        dense + routed + embeddings
    }

    /// KV elements of one token in one layer on one of `tp` ranks. GQA splits the KV heads
    /// over the ranks; with more ranks than KV heads each rank keeps one head (vLLM
    /// replicates them). MLA's latent is replicated on every rank.
    fn kv_elements_per_layer_per_rank(&self, tp: u32) -> f64 {
        match &self.mla {
            Some(m) => f64::from(m.kv_lora_rank + m.qk_rope_head_dim),
            None => {
                let heads = (self.kv_heads / tp.max(1)).max(1);
                2.0 * f64::from(heads) * f64::from(self.head_dim)
            }
        }
    }

    /// KV bytes of one token in `layers` attention layers, on one of `tp` ranks.
    pub fn kv_bytes_in_layers_per_rank(&self, layers: u32, tp: u32) -> u64 {
        (f64::from(layers) * self.kv_elements_per_layer_per_rank(tp) * self.kv_dtype.bytes()) as u64
    }

    /// Bytes of the sparse layers' index keys of one token (one head per layer, replicated
    /// on every rank).
    pub fn index_kv_bytes_per_token(&self) -> u64 {
        self.sparse_attention.as_ref().map_or(0, |s| {
            (f64::from(self.sparse_layers()) * f64::from(s.index_head_dim) * self.kv_dtype.bytes())
                as u64
        })
    }

    /// KV-cache bytes of one token across the whole instance (all TP ranks together), in
    /// the layers that keep every token ([`Self::per_token_kv_layers`]).
    pub fn kv_bytes_per_token(&self) -> u64 {
        self.kv_bytes_in_layers_per_rank(self.per_token_kv_layers(), 1)
            + self.index_kv_bytes_per_token()
    }

    /// KV bytes of one token held (and sent) by one TP rank, in the layers that keep every
    /// token.
    pub fn kv_bytes_per_token_per_rank(&self, tp: u32) -> u64 {
        self.kv_bytes_in_layers_per_rank(self.per_token_kv_layers(), tp)
            + self.index_kv_bytes_per_token()
    }

    /// Bytes one sequence holds on one of `tp` ranks whatever its length, at most: the
    /// windowed layers' KV of a full window (`window`) and the linear-attention state
    /// (`state`, BF16 as vLLM keeps it by default).
    pub fn sequence_bytes_per_rank(&self, tp: u32) -> SequenceBytes {
        let window = self.local_attention.as_ref().map_or(0.0, |l| {
            f64::from(l.window)
                * self.kv_bytes_in_layers_per_rank(self.windowed_kv_layers(), tp) as f64
        });
        let state = self.linear_attention.as_ref().map_or(0.0, |l| {
            let tp = tp.max(1);
            let value_heads = f64::from((l.value_heads / tp).max(1));
            let matrices = value_heads * f64::from(l.key_head_dim) * f64::from(l.value_head_dim);
            let conv_channels =
                f64::from(2 * l.key_heads * l.key_head_dim + l.value_heads * l.value_head_dim)
                    / f64::from(tp);
            let conv = conv_channels * f64::from(l.conv_kernel.saturating_sub(1));
            f64::from(self.linear_layers()) * (matrices + conv) * Dtype::Bf16.bytes()
        });
        SequenceBytes { window, state }
    }
}

/// Memory one sequence holds whatever its length, in bytes (see
/// [`ModelParams::sequence_bytes_per_rank`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SequenceBytes {
    /// The windowed layers' KV of one full window.
    pub window: f64,
    /// The linear-attention layers' state.
    pub state: f64,
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
