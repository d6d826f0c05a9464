//! The architecture families the reader knows, as data: which `architectures` names each
//! covers, which `config.json` fields hold what, and the defaults of its `transformers`
//! configuration class for fields a config may leave out.
//!
//! Sources: the configuration classes of `transformers` (`LlamaConfig`, `Gemma3TextConfig`,
//! `FalconConfig`, ...) and vLLM's model files for the same names; a family's defaults are
//! its class's defaults.

/// How a family's attention is shaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attention {
    /// Grouped-query (or multi-head) attention: `num_key_value_heads`, default all heads.
    Gqa,
    /// Falcon: one KV head with `multi_query` (the default), `num_kv_heads` with
    /// `new_decoder_architecture`, else all heads.
    Falcon,
    /// DeepSeek's multi-head latent attention (`kv_lora_rank`, ...).
    Mla,
}

/// The dense feed-forward.
#[derive(Clone, Copy, Debug)]
pub struct Ffn {
    /// Fields of its intermediate size, first present wins.
    pub fields: &'static [&'static str],
    /// When absent: four times the hidden size (GPT-NeoX, Falcon); else the experts' size
    /// for MoE models, or refused.
    pub four_times_hidden: bool,
    /// Two matrices (up, down) instead of three (gate, up, down).
    pub plain: bool,
}

/// Which layers have experts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoeLayers {
    /// DeepSeek: from `first_k_dense_replace`, every `moe_layer_freq`-th (an integer, or a
    /// list of 0/1 per layer as MiniMax-M3 writes it).
    DeepSeek,
    /// Qwen MoE: every `decoder_sparse_step`-th layer not in `mlp_only_layers`.
    Qwen,
    /// Llama 4: every `interleave_moe_layer_step`-th layer (or the `moe_layers` list).
    Llama4,
    /// Every layer.
    All,
}

/// The shared expert(s) every token also runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shared {
    /// None.
    None,
    /// Of the size in this field (0 or absent: none; Qwen MoE).
    Size(&'static str),
    /// `n_shared_experts` experts of the size in this field (DeepSeek, MiniMax-M3).
    Count(&'static str),
    /// One, of the routed experts' size (Llama 4).
    OneExpert,
}

/// A family's mixture-of-experts fields.
#[derive(Clone, Copy, Debug)]
pub struct MoeFields {
    /// Routed experts (0 or absent: a dense model of the same family).
    pub experts: &'static [&'static str],
    /// Experts per token.
    pub top_k: &'static [&'static str],
    /// One expert's intermediate size.
    pub intermediate: &'static [&'static str],
    /// Shared experts.
    pub shared: Shared,
    /// Which layers have experts.
    pub layers: MoeLayers,
}

/// Which layers attend locally or linearly, when the config has no `layer_types` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Every layer full.
    Full,
    /// Every layer slides over `sliding_window` when the config sets one (Mistral, Phi-3).
    AllSliding,
    /// Qwen2/3: with `use_sliding_window`, the layers from `max_window_layers` slide.
    Qwen,
    /// Every other layer slides, starting with the first (Gemma 2, gpt-oss); the window's
    /// default.
    Alternating(u32),
    /// All but every `sliding_window_pattern`-th layer slide (Gemma 3: default 6); the
    /// window's default.
    EveryNthFull(u32),
    /// Llama 4: the RoPE layers (`no_rope_layers` 1, default all but every 4th) attend in
    /// chunks of `attention_chunk_size`.
    Llama4Chunked,
    /// Qwen3-Next/3.5: every `full_attention_interval`-th layer (default 4) attends fully,
    /// the others are linear (Gated DeltaNet).
    LinearEveryNthFull,
}

/// Sparse attention's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sparse {
    /// None.
    None,
    /// DeepSeek Sparse Attention (`index_topk`, `index_n_heads`, `index_head_dim`) on every
    /// layer, when `index_topk` is set.
    Dsa,
    /// MiniMax-M3's block-sparse attention (`sparse_attention_config`).
    MiniMaxBlocks,
}

/// One architecture family.
#[derive(Clone, Copy, Debug)]
pub struct Family {
    /// The `architectures` names it reads.
    pub architectures: &'static [&'static str],
    /// Attention shape.
    pub attention: Attention,
    /// Dense feed-forward.
    pub ffn: Ffn,
    /// Experts, if the family has them.
    pub moe: Option<MoeFields>,
    /// Local and linear layers.
    pub pattern: Pattern,
    /// Sparse attention.
    pub sparse: Sparse,
    /// The attention-output-gate field and its default.
    pub gate: Option<(&'static str, bool)>,
    /// `tie_word_embeddings`'s default.
    pub tied: bool,
    /// Per-head query and key norms (`q_norm`, `k_norm` in the model's attention; no
    /// config field says so, the architecture does).
    pub qk_norm: bool,
    /// `vocab_size`'s default, if the class has one configs rely on (Gemma 3).
    pub vocab: Option<u32>,
}

const GATED: Ffn = Ffn {
    fields: &["intermediate_size"],
    four_times_hidden: false,
    plain: false,
};

const fn plain(fields: &'static [&'static str], four_times_hidden: bool) -> Ffn {
    Ffn {
        fields,
        four_times_hidden,
        plain: true,
    }
}

const fn gated(fields: &'static [&'static str]) -> Ffn {
    Ffn {
        fields,
        four_times_hidden: false,
        plain: false,
    }
}

/// A dense GQA family with these defaults.
const fn dense(architectures: &'static [&'static str], pattern: Pattern, tied: bool) -> Family {
    Family {
        architectures,
        attention: Attention::Gqa,
        ffn: GATED,
        moe: None,
        pattern,
        sparse: Sparse::None,
        gate: None,
        tied,
        vocab: None,
        qk_norm: false,
    }
}

const QWEN_MOE: MoeFields = MoeFields {
    experts: &["num_experts"],
    top_k: &["num_experts_per_tok"],
    intermediate: &["moe_intermediate_size"],
    shared: Shared::Size("shared_expert_intermediate_size"),
    layers: MoeLayers::Qwen,
};

const DEEPSEEK_MOE: MoeFields = MoeFields {
    experts: &["n_routed_experts"],
    top_k: &["num_experts_per_tok"],
    intermediate: &["moe_intermediate_size"],
    shared: Shared::Count("moe_intermediate_size"),
    layers: MoeLayers::DeepSeek,
};

const fn local_experts(
    top_k: &'static [&'static str],
    shared: Shared,
    layers: MoeLayers,
) -> MoeFields {
    MoeFields {
        experts: &["num_local_experts"],
        top_k,
        intermediate: &["intermediate_size"],
        shared,
        layers,
    }
}

/// Every family, one entry each.
pub const FAMILIES: &[Family] = &[
    dense(&["LlamaForCausalLM"], Pattern::Full, false),
    dense(
        &["MistralForCausalLM", "Phi3ForCausalLM"],
        Pattern::AllSliding,
        false,
    ),
    dense(&["Qwen2ForCausalLM"], Pattern::Qwen, false),
    Family {
        qk_norm: true,
        ..dense(&["Qwen3ForCausalLM"], Pattern::Qwen, false)
    },
    dense(&["GemmaForCausalLM"], Pattern::Full, true),
    dense(&["Gemma2ForCausalLM"], Pattern::Alternating(4096), true),
    Family {
        vocab: Some(262_208),
        qk_norm: true,
        ..dense(
            &["Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"],
            Pattern::EveryNthFull(6),
            true,
        )
    },
    Family {
        ffn: plain(&["ffn_dim"], false),
        ..dense(&["OPTForCausalLM"], Pattern::Full, true)
    },
    Family {
        ffn: plain(&["intermediate_size"], true),
        ..dense(&["GPTNeoXForCausalLM"], Pattern::Full, false)
    },
    Family {
        attention: Attention::Falcon,
        ffn: plain(&["ffn_hidden_size"], true),
        ..dense(&["FalconForCausalLM", "RWForCausalLM"], Pattern::Full, true)
    },
    Family {
        moe: Some(QWEN_MOE),
        ..dense(&["Qwen2MoeForCausalLM"], Pattern::Qwen, false)
    },
    Family {
        moe: Some(QWEN_MOE),
        qk_norm: true,
        ..dense(&["Qwen3MoeForCausalLM"], Pattern::Qwen, false)
    },
    Family {
        moe: Some(QWEN_MOE),
        gate: Some(("attn_output_gate", true)),
        qk_norm: true,
        ..dense(
            &[
                "Qwen3NextForCausalLM",
                "Qwen3_5MoeForConditionalGeneration",
                "Qwen3_5MoeForCausalLM",
                "Qwen3_5ForConditionalGeneration",
                "Qwen3_5ForCausalLM",
            ],
            Pattern::LinearEveryNthFull,
            false,
        )
    },
    Family {
        moe: Some(local_experts(
            &["num_experts_per_tok"],
            Shared::None,
            MoeLayers::All,
        )),
        ..dense(&["MixtralForCausalLM"], Pattern::AllSliding, false)
    },
    Family {
        moe: Some(local_experts(
            &["num_experts_per_tok", "experts_per_token"],
            Shared::None,
            MoeLayers::All,
        )),
        ..dense(&["GptOssForCausalLM"], Pattern::Alternating(128), false)
    },
    Family {
        moe: Some(local_experts(
            &["num_experts_per_tok"],
            Shared::None,
            MoeLayers::All,
        )),
        ..dense(&["MiniMaxM2ForCausalLM"], Pattern::Full, false)
    },
    Family {
        ffn: gated(&["dense_intermediate_size"]),
        moe: Some(local_experts(
            &["num_experts_per_tok"],
            Shared::Count("shared_intermediate_size"),
            MoeLayers::DeepSeek,
        )),
        sparse: Sparse::MiniMaxBlocks,
        gate: Some(("attention_output_gate", false)),
        ..dense(
            &[
                "MiniMaxM3ForCausalLM",
                "MiniMaxM3SparseForCausalLM",
                "MiniMaxM3ForConditionalGeneration",
                "MiniMaxM3SparseForConditionalGeneration",
            ],
            Pattern::Full,
            false,
        )
    },
    Family {
        ffn: gated(&["intermediate_size_mlp", "intermediate_size"]),
        moe: Some(local_experts(
            &["num_experts_per_tok"],
            Shared::OneExpert,
            MoeLayers::Llama4,
        )),
        ..dense(
            &["Llama4ForConditionalGeneration", "Llama4ForCausalLM"],
            Pattern::Llama4Chunked,
            false,
        )
    },
    Family {
        moe: Some(DEEPSEEK_MOE),
        ..dense(&["Glm4MoeForCausalLM"], Pattern::Full, false)
    },
    Family {
        attention: Attention::Mla,
        moe: Some(DEEPSEEK_MOE),
        sparse: Sparse::Dsa,
        ..dense(
            &[
                "DeepseekV2ForCausalLM",
                "DeepseekV3ForCausalLM",
                "DeepseekV32ForCausalLM",
                "GlmMoeDsaForCausalLM",
                "KimiK25ForConditionalGeneration",
                "KimiVLForConditionalGeneration",
            ],
            Pattern::Full,
            false,
        )
    },
];

/// The family that reads `architecture`.
pub fn family(architecture: &str) -> Option<&'static Family> {
    FAMILIES
        .iter()
        .find(|f| f.architectures.contains(&architecture))
}

/// Every `architectures` name the reader understands.
pub fn supported() -> Vec<&'static str> {
    FAMILIES
        .iter()
        .flat_map(|f| f.architectures.iter().copied())
        .collect()
}
