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
    /// Falcon and GPTBigCode: one KV head with `multi_query` (the default),
    /// `num_kv_heads` with Falcon's `new_decoder_architecture`, else all heads.
    MultiQuery,
    /// ChatGLM: `multi_query_group_num` KV heads with `multi_query_attention`, else all
    /// heads.
    ChatGlm,
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
    /// ERNIE 4.5: the layers from `moe_layer_start_index` (default 1) to
    /// `moe_layer_end_index` (negative or absent: the last layer) whose number (from 1) is
    /// a multiple of `moe_layer_interval`.
    Ernie,
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
    /// As many experts as the first field (0 or absent: none) of the size in the second
    /// (DeepSeek's `n_shared_experts`, MiniMax-M3, ERNIE's `moe_num_shared_experts`,
    /// HunYuan's `num_shared_expert`).
    Count(&'static str, &'static str),
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
    /// All but every `sliding_window_pattern`-th layer slide: the window's default and the
    /// pattern's (Gemma 3: 6, Cohere 2: 4). EXAONE 4 writes the pattern as a string of
    /// `L` (local) and `G` (global) repeated over the layers.
    EveryNthFull(u32, u32),
    /// Llama 4: the RoPE layers (`no_rope_layers` 1, default all but every 4th) attend in
    /// chunks of `attention_chunk_size`.
    Llama4Chunked,
    /// Qwen3-Next/3.5: every `full_attention_interval`-th layer (default 4) attends fully,
    /// the others are linear (Gated DeltaNet).
    LinearEveryNthFull,
    /// MiniMax-M1/Text-01: `attn_type_list`, one entry per layer, 0 linear (lightning)
    /// and 1 full attention; every layer full without it.
    AttnTypeList,
}

/// The fields of the layers that keep a fixed state instead of a KV cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Gated DeltaNet (`linear_num_key_heads`, ...; Qwen3-Next, Qwen3.5).
    GatedDeltaNet,
    /// Mamba-2 (`mamba_n_heads` heads of `mamba_d_head` x `mamba_d_state`, `mamba_n_groups`
    /// groups of B and C, a `mamba_d_conv` convolution; Granite 4.0-H): the same shape of
    /// state and projections as Gated DeltaNet, one `d_head x d_state` matrix per head.
    Mamba2,
    /// Lightning attention (MiniMax-M1/Text-01): per head a `head_dim x head_dim` state, the
    /// query/key/value/gate projections of the attention heads, no convolution.
    Lightning,
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
    /// The layers with a fixed state: which fields describe it.
    pub state: State,
    /// Sub-objects that hold some of the sizes (DBRX's `attn_config`, `ffn_config`).
    pub nested: &'static [&'static str],
    /// The configuration class's defaults for sizes a nested `text_config` leaves out
    /// (transformers writes a sub-config's fields only where they differ from its class's
    /// defaults: LLaVA-1.5's text model is mostly `LlamaConfig`'s).
    pub defaults: &'static [(&'static str, u32)],
    /// A wrapper whose text model is another family's: the text config's `model_type`
    /// picks it ([`TEXT_MODEL_TYPES`]), this one when it has none.
    pub wraps: Option<&'static str>,
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
        state: State::GatedDeltaNet,
        nested: &[],
        defaults: &[],
        wraps: None,
        qk_norm: false,
    }
}

/// A multimodal wrapper whose text model is read by the family of its text config's
/// `model_type` (`default` when it has none).
const fn wrapper(architectures: &'static [&'static str], default: &'static str) -> Family {
    Family {
        wraps: Some(default),
        ..dense(architectures, Pattern::Full, false)
    }
}

/// `LlamaConfig`'s defaults (vocabulary, sizes, layers, heads).
const LLAMA_DEFAULTS: &[(&str, u32)] = &[
    ("vocab_size", 32_000),
    ("hidden_size", 4096),
    ("intermediate_size", 11_008),
    ("num_hidden_layers", 32),
    ("num_attention_heads", 32),
];

/// `Gemma3TextConfig`'s defaults: Gemma 3's `text_config` leaves out what equals them
/// (gemma-3-12b-it writes no `head_dim`, gemma-3-4b-it no head counts either).
const GEMMA3_DEFAULTS: &[(&str, u32)] = &[
    ("vocab_size", 262_208),
    ("hidden_size", 2304),
    ("intermediate_size", 9216),
    ("num_hidden_layers", 26),
    ("num_attention_heads", 8),
    ("num_key_value_heads", 4),
    ("head_dim", 256),
    ("sliding_window", 4096),
];

/// `MistralConfig`'s defaults (Mistral-7B-v0.1's shape, sliding over 4096 tokens).
const MISTRAL_DEFAULTS: &[(&str, u32)] = &[
    ("vocab_size", 32_000),
    ("hidden_size", 4096),
    ("intermediate_size", 14_336),
    ("num_hidden_layers", 32),
    ("num_attention_heads", 32),
    ("num_key_value_heads", 8),
    ("sliding_window", 4096),
];

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
    shared: Shared::Count("n_shared_experts", "moe_intermediate_size"),
    layers: MoeLayers::DeepSeek,
};

/// Experts on every layer, of `intermediate_size` (Granite MoE, OLMoE).
const fn every_layer(experts: &'static [&'static str], shared: Shared) -> MoeFields {
    MoeFields {
        experts,
        top_k: &["num_experts_per_tok"],
        intermediate: &["intermediate_size"],
        shared,
        layers: MoeLayers::All,
    }
}

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
    // Llama-shaped dense models whose configs use Llama's field names: InternLM 2/3,
    // OLMo 1/2, Granite (its logit/residual multipliers change no shape), GLM-4 (-0414 and
    // the `-hf` conversions), Baichuan 2, Seed-OSS, ERNIE 4.5, HunYuan dense, EXAONE 3.
    Family {
        defaults: LLAMA_DEFAULTS,
        ..dense(
            &[
                "LlamaForCausalLM",
                "InternLM2ForCausalLM",
                "InternLM3ForCausalLM",
                "OlmoForCausalLM",
                "Olmo2ForCausalLM",
                "GraniteForCausalLM",
                "GlmForCausalLM",
                "Glm4ForCausalLM",
                "BaichuanForCausalLM",
                "SeedOssForCausalLM",
                "StableLmForCausalLM",
                "SmolLM3ForCausalLM",
                "Ernie4_5ForCausalLM",
                "HunYuanDenseV1ForCausalLM",
                "ExaoneForCausalLM",
            ],
            Pattern::Full,
            false,
        )
    },
    Family {
        defaults: MISTRAL_DEFAULTS,
        ..dense(
            &["MistralForCausalLM", "Phi3ForCausalLM"],
            Pattern::AllSliding,
            false,
        )
    },
    // Multimodal wrappers: Mistral Small 3.x (a Mistral text model), LLaVA (a Llama
    // one unless its text config says otherwise), InternVL (`llm_config`).
    wrapper(&["Mistral3ForConditionalGeneration"], "mistral"),
    wrapper(
        &[
            "LlavaForConditionalGeneration",
            "LlavaNextForConditionalGeneration",
            "LlavaOnevisionForConditionalGeneration",
            "InternVLChatModel",
        ],
        "llama",
    ),
    // Qwen2/3 and their vision-language models (the text model at the top level, or in
    // `text_config` as newer exports write it).
    // Qwen3's attention normalises each head's queries and keys (`qk_norm`); Qwen2's does not.
    dense(
        &[
            "Qwen2ForCausalLM",
            "Qwen2VLForConditionalGeneration",
            "Qwen2_5_VLForConditionalGeneration",
        ],
        Pattern::Qwen,
        false,
    ),
    Family {
        qk_norm: true,
        ..dense(
            &["Qwen3ForCausalLM", "Qwen3VLForConditionalGeneration"],
            Pattern::Qwen,
            false,
        )
    },
    // Command R/R+ (tied embeddings); Command R7B and A: three 4096-token sliding layers
    // to each global one.
    dense(&["CohereForCausalLM"], Pattern::Full, true),
    dense(
        &["Cohere2ForCausalLM"],
        Pattern::EveryNthFull(4096, 4),
        true,
    ),
    // EXAONE 4.0: `sliding_window_pattern` "LLLG".
    dense(
        &["Exaone4ForCausalLM"],
        Pattern::EveryNthFull(4096, 4),
        false,
    ),
    dense(&["GemmaForCausalLM"], Pattern::Full, true),
    dense(&["Gemma2ForCausalLM"], Pattern::Alternating(4096), true),
    Family {
        vocab: Some(262_208),
        defaults: GEMMA3_DEFAULTS,
        qk_norm: true,
        ..dense(
            &["Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"],
            Pattern::EveryNthFull(4096, 6),
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
        attention: Attention::MultiQuery,
        ffn: plain(&["ffn_hidden_size"], true),
        ..dense(&["FalconForCausalLM", "RWForCausalLM"], Pattern::Full, true)
    },
    // StarCoder / SantaCoder: one KV head (`multi_query`), `n_inner` (4 x `n_embd` when
    // null).
    Family {
        attention: Attention::MultiQuery,
        ffn: plain(&["n_inner"], true),
        ..dense(&["GPTBigCodeForCausalLM"], Pattern::Full, true)
    },
    // GPT-2 and BLOOM: multi-head, a 4 x hidden two-matrix MLP, tied embeddings.
    Family {
        ffn: plain(&["n_inner"], true),
        ..dense(
            &["GPT2LMHeadModel", "BloomForCausalLM"],
            Pattern::Full,
            true,
        )
    },
    // StarCoder2: GQA, a two-matrix MLP, `sliding_window` on every layer.
    Family {
        ffn: plain(&["intermediate_size"], false),
        ..dense(&["Starcoder2ForCausalLM"], Pattern::AllSliding, true)
    },
    // GPT-J: multi-head, `n_inner` (4 x `n_embd` when null), untied.
    Family {
        ffn: plain(&["n_inner"], true),
        ..dense(&["GPTJForCausalLM"], Pattern::Full, false)
    },
    // ChatGLM 2/3 and GLM-4's first release: their own field names (`num_layers`,
    // `ffn_hidden_size`, `padded_vocab_size`, `multi_query_group_num`).
    Family {
        attention: Attention::ChatGlm,
        ffn: gated(&["ffn_hidden_size"]),
        ..dense(
            &["ChatGLMModel", "ChatGLMForConditionalGeneration"],
            Pattern::Full,
            false,
        )
    },
    // OLMo 3: three 4096-token sliding layers to each full one (its `layer_types`, or
    // `Olmo3Config`'s rule when a config has none).
    dense(&["Olmo3ForCausalLM"], Pattern::EveryNthFull(4096, 4), false),
    // Phi-1/1.5/2: multi-head, a two-matrix MLP.
    Family {
        ffn: plain(&["intermediate_size"], true),
        ..dense(&["PhiForCausalLM"], Pattern::Full, false)
    },
    Family {
        moe: Some(QWEN_MOE),
        ..dense(&["Qwen2MoeForCausalLM"], Pattern::Qwen, false)
    },
    Family {
        moe: Some(QWEN_MOE),
        qk_norm: true,
        ..dense(
            &["Qwen3MoeForCausalLM", "Qwen3VLMoeForConditionalGeneration"],
            Pattern::Qwen,
            false,
        )
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
        ..dense(
            &["MixtralForCausalLM", "PhiMoEForCausalLM"],
            Pattern::AllSliding,
            false,
        )
    },
    // Granite MoE (with a shared expert of `shared_intermediate_size`: Granite MoE
    // Shared) and OLMoE: experts on every layer, of `intermediate_size`.
    Family {
        moe: Some(every_layer(
            &["num_local_experts"],
            Shared::Size("shared_intermediate_size"),
        )),
        ..dense(
            &["GraniteMoeForCausalLM", "GraniteMoeSharedForCausalLM"],
            Pattern::Full,
            false,
        )
    },
    Family {
        moe: Some(every_layer(&["num_experts"], Shared::None)),
        ..dense(&["OlmoeForCausalLM"], Pattern::Full, false)
    },
    // Granite 4.0-H: Mamba-2 layers with a few attention layers (`layer_types`), experts
    // (`num_local_experts` 0: dense) with a shared one.
    Family {
        moe: Some(every_layer(
            &["num_local_experts"],
            Shared::Size("shared_intermediate_size"),
        )),
        ffn: gated(&["shared_intermediate_size", "intermediate_size"]),
        state: State::Mamba2,
        ..dense(&["GraniteMoeHybridForCausalLM"], Pattern::Full, false)
    },
    // DBRX: the sizes in `attn_config` (`kv_n_heads`) and `ffn_config` (16 experts of
    // `ffn_hidden_size`, `moe_top_k`).
    Family {
        moe: Some(MoeFields {
            experts: &["moe_num_experts"],
            top_k: &["moe_top_k"],
            intermediate: &["ffn_hidden_size"],
            shared: Shared::None,
            layers: MoeLayers::All,
        }),
        nested: &["attn_config", "ffn_config"],
        ..dense(&["DbrxForCausalLM"], Pattern::Full, false)
    },
    // ERNIE 4.5 MoE: experts from `moe_layer_start_index`, shared ones of the experts'
    // size.
    Family {
        moe: Some(MoeFields {
            experts: &["moe_num_experts"],
            top_k: &["moe_k"],
            intermediate: &["moe_intermediate_size"],
            shared: Shared::Count("moe_num_shared_experts", "moe_intermediate_size"),
            layers: MoeLayers::Ernie,
        }),
        ..dense(&["Ernie4_5_MoeForCausalLM"], Pattern::Full, true)
    },
    // HunYuan MoE (Hunyuan-A13B): per-layer lists of equal values, shared experts of
    // `moe_intermediate_size`.
    Family {
        moe: Some(MoeFields {
            experts: &["num_experts"],
            top_k: &["moe_topk"],
            intermediate: &["moe_intermediate_size"],
            shared: Shared::Count("num_shared_expert", "moe_intermediate_size"),
            layers: MoeLayers::All,
        }),
        ..dense(&["HunYuanMoEV1ForCausalLM"], Pattern::Full, true)
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
    // MiniMax-M1 and Text-01: seven lightning-attention layers to each softmax one
    // (`attn_type_list`), 32 experts on every layer.
    Family {
        moe: Some(local_experts(
            &["num_experts_per_tok"],
            Shared::None,
            MoeLayers::All,
        )),
        state: State::Lightning,
        ..dense(
            &["MiniMaxM1ForCausalLM", "MiniMaxText01ForCausalLM"],
            Pattern::AttnTypeList,
            false,
        )
    },
    Family {
        ffn: gated(&["dense_intermediate_size"]),
        moe: Some(local_experts(
            &["num_experts_per_tok"],
            Shared::Count("n_shared_experts", "shared_intermediate_size"),
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
        ..dense(
            &[
                "Glm4MoeForCausalLM",
                "Glm4vMoeForConditionalGeneration",
                "DeepseekForCausalLM",
            ],
            Pattern::Full,
            false,
        )
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

/// A text config's `model_type` and the architecture whose family reads it, for the
/// text models of multimodal wrappers.
pub const TEXT_MODEL_TYPES: &[(&str, &str)] = &[
    ("llama", "LlamaForCausalLM"),
    ("mistral", "MistralForCausalLM"),
    ("ministral3", "MistralForCausalLM"),
    ("qwen2", "Qwen2ForCausalLM"),
    ("qwen3", "Qwen3ForCausalLM"),
    ("qwen3_moe", "Qwen3MoeForCausalLM"),
    ("gemma", "GemmaForCausalLM"),
    ("gemma2", "Gemma2ForCausalLM"),
    ("phi3", "Phi3ForCausalLM"),
    ("internlm2", "InternLM2ForCausalLM"),
    ("granite", "GraniteForCausalLM"),
    ("olmo2", "Olmo2ForCausalLM"),
    ("internlm3", "InternLM3ForCausalLM"),
    ("glm4", "Glm4ForCausalLM"),
    ("cohere2", "Cohere2ForCausalLM"),
];

/// Architectures people serve that pdsim refuses on purpose, with the field and reason.
pub const REFUSED: &[(&str, &str)] = &[
    (
        "JambaForCausalLM",
        "its Mamba-1 layers (mamba_d_state, mamba_expand) keep a per-channel state that \
         pdsim's linear-attention layers do not describe",
    ),
    (
        "NemotronHForCausalLM",
        "its hybrid_override_pattern gives each layer one block (Mamba-2, attention or MLP), \
         while pdsim's layers pair an attention block with a feed-forward one",
    ),
    (
        "DeciLMForCausalLM",
        "its block_configs give each layer its own attention (or none) and feed-forward \
         width (Llama-Nemotron Super/Ultra), which one set of layer sizes cannot describe",
    ),
    (
        "MllamaForConditionalGeneration",
        "its cross-attention layers (cross_attention_layers) attend to image tokens, which \
         pdsim does not model",
    ),
    (
        "FalconH1ForCausalLM",
        "its layers run attention and Mamba-2 side by side (mamba_d_ssm), which pdsim does not \
         model",
    ),
];

/// The family that reads `architecture`.
pub fn family(architecture: &str) -> Option<&'static Family> {
    FAMILIES
        .iter()
        .find(|f| f.architectures.contains(&architecture))
}

/// The family of a text config's `model_type`, if pdsim reads it.
pub fn text_family(model_type: &str) -> Option<&'static Family> {
    TEXT_MODEL_TYPES
        .iter()
        .find(|(t, _)| *t == model_type)
        .and_then(|(_, arch)| family(arch))
}

/// Every `architectures` name the reader understands.
pub fn supported() -> Vec<&'static str> {
    FAMILIES
        .iter()
        .flat_map(|f| f.architectures.iter().copied())
        .collect()
}
