//! HuggingFace `config.json` files of models people serve (tests/data/hf-configs, field
//! values of the published configs; SOURCE.md there names them) read into architectures
//! whose parameter totals match the model cards, whose layer kinds are counted, and whose
//! KV bytes and attention cost reach the KV capacity and the step time.

// Reads its fixtures from disk, which the wasm32 test runner does not offer.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use pdsim::arch::ModelParams;
use pdsim::config::{HardwareSpec, ModelSpec};
use pdsim::internals::{kv_capacity_blocks, memory_budget, CostModel, StepWork};
use pdsim::presets::gpu;
use pdsim::{step_time, Step, StepTimeQuery};

fn config(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hf-configs")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn fixture(name: &str) -> ModelParams {
    pdsim::parse_hf_config(&config(name), "model").unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every fixture with its model card's published total, in billions of parameters.
const CARDS: &[(&str, f64)] = &[
    // moonshotai/Kimi-K2.5: "Total Parameters 1T" (the text model; its 400M vision
    // encoder is not counted here).
    ("Kimi-K2.5", 1000.0),
    // zai-org/GLM-5: 744B total, 40B active.
    ("GLM-5", 744.0),
    // MiniMaxAI/MiniMax-M3: "Total Parameters ~428B", 23B activated.
    ("MiniMax-M3", 428.0),
    // meta-llama/Llama-4-Scout-17B-16E: 109B total (17B active).
    ("Llama-4-Scout-17B-16E", 109.0),
    // meta-llama/Llama-4-Maverick-17B-128E: 400B total (17B active).
    ("Llama-4-Maverick-17B-128E", 400.0),
    // Qwen/Qwen3.5-397B-A17B: 397B total, 17B activated.
    ("Qwen3.5-397B-A17B", 397.0),
    // deepseek-ai/DeepSeek-V3.2: 685B on the card, of which 14B are the multi-token
    // prediction module, which serving without speculative decoding does not run.
    ("DeepSeek-V3.2", 685.0),
    // Qwen/Qwen3-Coder-480B-A35B-Instruct: 480B total, 35B activated.
    ("Qwen3-Coder-480B-A35B-Instruct", 480.0),
    // facebook/opt-13b: 13B.
    ("opt-13b", 13.0),
    // EleutherAI/gpt-neox-20b: 20B (20.6B in its paper).
    ("gpt-neox-20b", 20.6),
    // tiiuae/falcon-7b: 7B; tiiuae/falcon-40b: 40B.
    ("falcon-7b", 7.0),
    ("falcon-40b", 40.0),
    // google/gemma-7b: 8.54B in the Gemma report (7B on the card's name).
    ("gemma-7b", 8.54),
    // google/gemma-2-9b: 9.24B (8.32B non-embedding + 0.92B embedding, Gemma 2 report).
    ("gemma-2-9b", 9.24),
    // google/gemma-3-27b-it: the text model, 1,416M embedding + 25,600M non-embedding
    // (Gemma 3 report; its 417M vision encoder is not counted).
    ("gemma-3-27b-it", 27.016),
    // microsoft/Phi-3-mini-4k-instruct: 3.8B; microsoft/phi-4: 14B (14.7B).
    ("Phi-3-mini-4k-instruct", 3.8),
    ("phi-4", 14.7),
    // openai/gpt-oss-120b: 117B.
    ("gpt-oss-120b", 117.0),
    // Multimodal wrappers, text model counted, vision tower not (the cards' totals include
    // it): mistralai/Mistral-Small-3.1-24B-Instruct-2503 "24 billion parameters" (text
    // 23.6B); llava-hf/llava-1.5-7b-hf 7.06B (its Vicuna-7B text model 6.7B);
    // Qwen/Qwen2.5-VL-72B-Instruct 73.4B; Qwen/Qwen3-VL-8B-Instruct 8.77B (text 8.2B);
    // Qwen/Qwen3-VL-235B-A22B-Instruct 236B (22B activated).
    ("Mistral-Small-3.1-24B-Instruct-2503", 24.0),
    ("llava-1.5-7b-hf", 7.06),
    ("Qwen2.5-VL-72B-Instruct", 73.4),
    ("Qwen3-VL-8B-Instruct", 8.77),
    ("Qwen3-VL-235B-A22B-Instruct", 236.0),
    // CohereForAI/c4ai-command-r-v01: 35B; CohereLabs/c4ai-command-a-03-2025: 111B.
    ("c4ai-command-r-v01", 35.0),
    ("c4ai-command-a-03-2025", 111.0),
    // ibm-granite/granite-3.3-8b-instruct 8.17B; granite-3.1-3b-a800m-instruct 3.3B (800M
    // active); granite-4.0-h-small 32B (9B active).
    ("granite-3.3-8b-instruct", 8.17),
    ("granite-3.1-3b-a800m-instruct", 3.3),
    ("granite-4.0-h-small", 32.0),
    // allenai/OLMo-2-1124-13B 13.7B; allenai/OLMo-7B-0424-hf 6.89B; allenai/OLMoE-1B-7B-0924
    // 6.9B total (1.3B active).
    ("OLMo-2-1124-13B", 13.7),
    ("OLMo-7B-0424-hf", 6.89),
    ("OLMoE-1B-7B-0924", 6.9),
    // internlm/internlm2_5-7b-chat 7.74B; internlm/internlm3-8b-instruct 8.8B.
    ("internlm2_5-7b-chat", 7.74),
    ("internlm3-8b-instruct", 8.8),
    // bigcode/starcoder2-15b 16B; bigcode/starcoder 15.5B.
    ("starcoder2-15b", 16.0),
    ("starcoder", 15.5),
    // openai-community/gpt2-xl 1.5B; bigscience/bloom 176B.
    ("gpt2-xl", 1.5),
    ("bloom", 176.0),
    // LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct 7.8B; LGAI-EXAONE/EXAONE-4.0-32B 32B (30.95B
    // without embeddings).
    ("EXAONE-3.5-7.8B-Instruct", 7.8),
    ("EXAONE-4.0-32B", 32.0),
    // microsoft/phi-2 2.7B; microsoft/Phi-3.5-MoE-instruct 42B (6.6B active).
    ("phi-2", 2.7),
    ("Phi-3.5-MoE-instruct", 42.0),
    // THUDM/GLM-4-32B-0414 32B; THUDM/glm-4-9b-chat-hf 9.4B.
    ("GLM-4-32B-0414", 32.0),
    ("glm-4-9b-chat-hf", 9.4),
    // databricks/dbrx-instruct: 132B total, 36B active.
    ("dbrx-instruct", 132.0),
    // baidu/ERNIE-4.5-0.3B-PT 0.36B; baidu/ERNIE-4.5-21B-A3B-PT 21B total, 3B activated.
    ("ERNIE-4.5-0.3B-PT", 0.36),
    ("ERNIE-4.5-21B-A3B-PT", 21.0),
    // tencent/Hunyuan-A13B-Instruct 80B total, 13B active; tencent/Hunyuan-7B-Instruct 7B.
    ("Hunyuan-A13B-Instruct", 80.0),
    ("Hunyuan-7B-Instruct", 7.0),
    // ByteDance-Seed/Seed-OSS-36B-Instruct 36B; baichuan-inc/Baichuan2-13B-Chat 13B.
    ("Seed-OSS-36B-Instruct", 36.0),
    ("Baichuan2-13B-Chat", 13.0),
    // THUDM/chatglm3-6b 6B (ChatGLMModel's own field names); EleutherAI/gpt-j-6b 6B;
    // stabilityai/stablelm-2-1_6b 1.6B; allenai/Olmo-3-1025-7B 7B;
    // OpenGVLab/InternVL3-8B 8B (a Qwen2.5-7B text model in `llm_config`, its 0.3B
    // InternViT not counted).
    ("chatglm3-6b", 6.0),
    ("gpt-j-6b", 6.0),
    ("stablelm-2-1_6b", 1.6),
    ("Olmo-3-1025-7B", 7.0),
    ("InternVL3-8B", 8.0),
    // MiniMaxAI/MiniMax-M1-80k: 456B total, 45.9B activated; HuggingFaceTB/SmolLM3-3B 3B.
    ("MiniMax-M1-80k", 456.0),
    ("SmolLM3-3B", 3.0),
    // google/gemma-3-12b-it and -4b-it, the text models of the Gemma 3 report's table:
    // 1,012M embedding + 10,759M non-embedding, 675M + 3,209M (their 417M vision encoder is
    // not counted). Their text configs leave out what equals Gemma3TextConfig's defaults.
    ("gemma-3-12b-it", 11.771),
    ("gemma-3-4b-it", 3.884),
    // zai-org/GLM-4.5V: its text model is GLM-4.5-Air's, "106B parameters, 12B active"
    // (the vision encoder not counted).
    ("GLM-4.5V", 106.0),
    // deepseek-ai/deepseek-moe-16b-base: 16.4B total (DeepSeekMoE paper), multi-head
    // attention with DeepSeek's expert fields.
    ("deepseek-moe-16b-base", 16.4),
];

#[test]
fn parameter_totals_are_within_ten_percent_of_the_model_cards() {
    for &(name, card) in CARDS {
        let got = fixture(name).params_b();
        assert!(
            (got / card - 1.0).abs() < 0.10,
            "{name}: {got:.2}B counted, {card}B on the card"
        );
    }
}

/// The fixtures' counted totals next to their cards', as docs/MODEL.md quotes them.
fn card_table() -> String {
    let mut out = String::from(
        "| fixture | `architectures` | counted | model card | KV per token (BF16) |\n|---|---|---|---|---|\n",
    );
    for &(name, card) in CARDS {
        let arch = config(name)["architectures"][0]
            .as_str()
            .unwrap()
            .to_string();
        let m = fixture(name);
        out.push_str(&format!(
            "| {name} | `{arch}` | {:.2} B | {card} B | {} B |\n",
            m.params_b(),
            m.kv_bytes_per_token()
        ));
    }
    out
}

#[test]
fn the_card_table_in_model_md_is_current() {
    // PDSIM_BLESS_DOCS=1 rewrites it.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/MODEL.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (open, close) = ("<!-- hf-cards -->\n", "<!-- /hf-cards -->");
    let start = doc.find(open).expect("MODEL.md has no <!-- hf-cards -->") + open.len();
    let end = doc.find(close).unwrap();
    let fresh = card_table();
    if std::env::var_os("PDSIM_BLESS_DOCS").is_some() {
        std::fs::write(&path, format!("{}{fresh}{}", &doc[..start], &doc[end..])).unwrap();
    } else {
        assert_eq!(
            &doc[start..end],
            fresh,
            "docs/MODEL.md's hf-cards table is stale"
        );
    }
}

#[test]
fn layer_kinds_are_counted_from_the_configs() {
    // Llama 4: every 4th layer is a global NoPE layer, the others attend in 8192-token
    // chunks; Scout has experts in all 48 layers, Maverick in every other one.
    let scout = fixture("Llama-4-Scout-17B-16E");
    let local = scout.local_attention.as_ref().unwrap();
    assert_eq!(
        (local.layers, local.window, local.chunked),
        (36, 8192, true)
    );
    assert_eq!(scout.moe_layers(), 48);
    assert_eq!(scout.moe.as_ref().unwrap().shared_intermediate, 8192);
    let maverick = fixture("Llama-4-Maverick-17B-128E");
    assert_eq!((maverick.moe_layers(), maverick.dense_layers()), (24, 24));
    assert_eq!(maverick.intermediate, 16_384);
    // Qwen3.5: 3 Gated DeltaNet layers to 1 full-attention layer; 15 keep a KV cache.
    let qwen = fixture("Qwen3.5-397B-A17B");
    assert_eq!(qwen.linear_attention.as_ref().unwrap().layers, 45);
    assert_eq!(qwen.full_cache_layers(), 15);
    assert!(qwen.attention_gate);
    // Gemma 2 alternates 4096-token sliding layers with global ones; Gemma 3 has five
    // 1024-token sliding layers to each global one (62 layers: 52 and 10).
    let g2 = fixture("gemma-2-9b").local_attention.unwrap();
    assert_eq!((g2.layers, g2.window), (21, 4096));
    let g3 = fixture("gemma-3-27b-it");
    assert_eq!(g3.local_attention.as_ref().unwrap().layers, 52);
    assert_eq!(g3.vocab, 262_208, "Gemma3TextConfig's default vocabulary");
    assert!(g3.tied_embeddings);
    // DeepSeek-V3.2 and GLM-5: sparse attention over 2048 tokens on every layer.
    let ds = fixture("DeepSeek-V3.2");
    let sparse = ds.sparse_attention.as_ref().unwrap();
    assert_eq!(
        (sparse.layers, sparse.top_k, sparse.index_heads),
        (61, 2048, 64)
    );
    assert_eq!(ds.moe_layers(), 58);
    // MiniMax-M3: 16 blocks of 128 tokens on its 57 sparse layers, experts from layer 3.
    let mm = fixture("MiniMax-M3");
    let sparse = mm.sparse_attention.as_ref().unwrap();
    assert_eq!((sparse.layers, sparse.top_k), (57, 2048));
    assert_eq!(mm.dense_layers(), 3);
    // OPT, GPT-NeoX and Falcon have two-matrix MLPs; Falcon-7B one KV head, 40B eight.
    assert!(fixture("opt-13b").plain_mlp && fixture("gpt-neox-20b").plain_mlp);
    assert_eq!(fixture("falcon-7b").kv_heads, 1);
    assert_eq!(fixture("falcon-40b").kv_heads, 8);
    // Kimi-K2.5: the DeepSeek-V3 text model inside text_config, INT4 routed experts.
    let kimi = fixture("Kimi-K2.5");
    assert_eq!((kimi.layers, kimi.dense_layers()), (61, 1));
    assert_eq!(kimi.moe.as_ref().unwrap().experts, 384);
    assert_eq!(kimi.expert_dtype(), pdsim::arch::Dtype::Fp4);
}

#[test]
fn the_other_served_families_read_their_own_fields() {
    // Wrappers: the text config's model_type picks the text family; LLaVA-1.5's text
    // config is mostly LlamaConfig's defaults (4096 hidden, 11008 intermediate, 32 layers).
    let llava = fixture("llava-1.5-7b-hf");
    assert_eq!(
        (llava.hidden, llava.intermediate, llava.layers, llava.vocab),
        (4096, 11_008, 32, 32_064)
    );
    // Mistral Small 3.1: `sliding_window: null` is no window, not MistralConfig's 4096.
    let small = fixture("Mistral-Small-3.1-24B-Instruct-2503");
    assert!(small.local_attention.is_none());
    assert_eq!((small.head_dim, small.kv_heads), (128, 8));
    // Command A and EXAONE 4: three 4096-token sliding layers to each global one (a count
    // of 4, or the string "LLLG"): 48 of 64.
    for name in ["c4ai-command-a-03-2025", "EXAONE-4.0-32B"] {
        let local = fixture(name).local_attention.unwrap();
        assert_eq!((local.layers, local.window), (48, 4096), "{name}");
    }
    // Granite 4.0-H: 36 Mamba-2 layers keep a state, the 4 attention layers a KV cache
    // (4 x 2 x 8 x 128 x 2 B); the state is 128 heads x 64 x 128 per layer.
    let granite = fixture("granite-4.0-h-small");
    let mamba = granite.linear_attention.as_ref().unwrap();
    assert_eq!(
        (
            mamba.layers,
            mamba.value_heads,
            mamba.value_head_dim,
            mamba.key_head_dim
        ),
        (36, 128, 64, 128)
    );
    assert_eq!(granite.kv_bytes_per_token(), 16_384);
    let moe = granite.moe.as_ref().unwrap();
    assert_eq!((moe.experts, moe.shared_intermediate), (72, 1536));
    // DBRX: the KV heads and experts from attn_config and ffn_config.
    let dbrx = fixture("dbrx-instruct");
    assert_eq!(dbrx.kv_heads, 8);
    let moe = dbrx.moe.as_ref().unwrap();
    assert_eq!(
        (moe.experts, moe.experts_per_token, moe.intermediate),
        (16, 4, 10_752)
    );
    // ERNIE 4.5: experts from layer 1 to 27, two shared experts of their size.
    let ernie = fixture("ERNIE-4.5-21B-A3B-PT");
    assert_eq!(
        (
            ernie.dense_layers(),
            ernie.moe.as_ref().unwrap().shared_intermediate
        ),
        (1, 3072)
    );
    // HunYuan: per-layer lists of one value read as it; attention_head_dim.
    let hunyuan = fixture("Hunyuan-A13B-Instruct");
    let moe = hunyuan.moe.as_ref().unwrap();
    assert_eq!(
        (
            moe.experts_per_token,
            moe.intermediate,
            moe.shared_intermediate
        ),
        (8, 3072, 3072)
    );
    assert_eq!(hunyuan.head_dim, 128);
    // StarCoder (GPTBigCode): one KV head; StarCoder2 slides on every layer; GPT-2 and
    // BLOOM: 4 x hidden two-matrix MLPs.
    assert_eq!(fixture("starcoder").kv_heads, 1);
    assert_eq!(
        fixture("starcoder2-15b").local_attention.unwrap().layers,
        40
    );
    let bloom = fixture("bloom");
    assert!(bloom.plain_mlp && bloom.intermediate == 4 * 14_336);
    // ChatGLM3: two KV groups (multi_query_group_num), padded_vocab_size, num_layers.
    let glm = fixture("chatglm3-6b");
    assert_eq!(
        (glm.kv_heads, glm.vocab, glm.layers, glm.intermediate),
        (2, 65_024, 28, 13_696)
    );
    // OLMo 3: 24 of 32 layers slide over 4096 tokens; InternVL: the llm_config's Qwen2.
    assert_eq!(
        fixture("Olmo-3-1025-7B").local_attention.unwrap().layers,
        24
    );
    // Without layer_types, Olmo3Config's rule: the same 24.
    let mut olmo = config("Olmo-3-1025-7B");
    olmo.as_object_mut().unwrap().remove("layer_types");
    let by_rule = pdsim::parse_hf_config(&olmo, "model").unwrap();
    assert_eq!(by_rule.local_attention.unwrap().layers, 24);
    assert_eq!(fixture("InternVL3-8B").hidden, 3584);
    // Gemma 3 12B/4B: head_dim 256, 4B's 8 heads and 4 KV heads from Gemma3TextConfig's
    // defaults (hidden / heads would give 240 and, for 4B, no heads at all).
    let g12 = fixture("gemma-3-12b-it");
    assert_eq!((g12.head_dim, g12.vocab), (256, 262_208));
    assert_eq!(g12.kv_bytes_per_token(), 8 * 2 * 8 * 256 * 2);
    let g4 = fixture("gemma-3-4b-it");
    assert_eq!((g4.heads, g4.kv_heads, g4.head_dim), (8, 4, 256));
    assert_eq!(g4.local_attention.unwrap().window, 1024);
    // MiniMax-M1: 70 lightning-attention layers keep a 128 x 128 state per head; the 10
    // softmax layers the KV cache (10 x 2 x 8 x 128 x 2 B).
    let m1 = fixture("MiniMax-M1-80k");
    let lightning = m1.linear_attention.as_ref().unwrap();
    assert_eq!(
        (
            lightning.layers,
            lightning.value_heads,
            lightning.key_head_dim
        ),
        (70, 64, 128)
    );
    assert_eq!(m1.kv_bytes_per_token(), 40_960);
    // Qwen3-VL MoE: the text model's experts.
    assert_eq!(fixture("Qwen3-VL-235B-A22B-Instruct").moe_layers(), 94);
}

#[test]
fn hybrids_pdsim_does_not_model_are_refused_with_the_reason() {
    for (arch, field) in [
        ("JambaForCausalLM", "mamba_d_state"),
        ("NemotronHForCausalLM", "hybrid_override_pattern"),
        ("MllamaForConditionalGeneration", "cross_attention_layers"),
        ("DeciLMForCausalLM", "block_configs"),
    ] {
        let err = pdsim::parse_hf_config(&serde_json::json!({"architectures": [arch]}), "model")
            .unwrap_err();
        assert_eq!(err.field(), "model.architectures");
        assert!(err.to_string().contains(field), "{err}");
    }
    // Per-layer values that differ are refused by name and value.
    let mut bad = config("Hunyuan-A13B-Instruct");
    bad["moe_topk"][3] = 2.into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.moe_topk");
    assert!(err.to_string().contains("differ"), "{err}");
    // A wrapper's text model of a family pdsim does not read.
    let mut bad = config("llava-1.5-7b-hf");
    bad["text_config"]["model_type"] = "vicuna".into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.text_config.model_type");
    assert!(err.to_string().contains("vicuna"), "{err}");
    // A Mamba-2 hybrid's layer_types: mamba or attention.
    let mut bad = config("granite-4.0-h-small");
    bad["layer_types"][0] = "linear_attention".into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.layer_types[0]");
    // EXAONE's pattern string: L and G only.
    let mut bad = config("EXAONE-4.0-32B");
    bad["sliding_window_pattern"] = "LLXG".into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.sliding_window_pattern");
    // MiniMax-M1's attn_type_list: 0 or 1 per layer.
    let mut bad = config("MiniMax-M1-80k");
    bad["attn_type_list"][7] = 2.into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.attn_type_list[7]");
    // DBRX: a bad nested field is named with its sub-object.
    let mut bad = config("dbrx-instruct");
    bad["attn_config"]["kv_n_heads"] = 0.into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.attn_config.kv_n_heads");
}

#[test]
fn zero_means_none_and_bad_fields_are_named_with_their_value() {
    // Qwen3-Coder-480B-A35B: shared_expert_intermediate_size 0 is "no shared expert".
    let coder = fixture("Qwen3-Coder-480B-A35B-Instruct");
    assert_eq!(coder.moe.as_ref().unwrap().shared_intermediate, 0);
    let mut bad = config("Qwen3-Coder-480B-A35B-Instruct");
    bad["num_key_value_heads"] = 0.into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.num_key_value_heads");
    assert!(err.to_string().contains("got 0"), "{err}");
    // Nested: the path names text_config.
    let mut bad = config("Llama-4-Scout-17B-16E");
    bad["text_config"]["num_local_experts"] = serde_json::json!(-3);
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.text_config.num_local_experts");
    assert!(err.to_string().contains("-3"), "{err}");
    let mut bad = config("Qwen3.5-397B-A17B");
    bad["text_config"]["layer_types"][2] = "mamba".into();
    let err = pdsim::parse_hf_config(&bad, "model").unwrap_err();
    assert_eq!(err.field(), "model.text_config.layer_types[2]");
    assert!(err.to_string().contains("mamba"), "{err}");
}

#[test]
fn only_layers_that_keep_every_token_count_towards_kv_bytes_per_token() {
    // Gemma-3-27B: 10 global layers x 2 x 16 KV heads x 128 x 2 B = 81,920 B per token
    // (all 62 layers would be 507,904 B).
    assert_eq!(fixture("gemma-3-27b-it").kv_bytes_per_token(), 81_920);
    // Qwen3.5-397B: 15 full-attention layers x 2 x 2 x 256 x 2 B = 30,720 B; the linear
    // layers hold a fixed state per sequence instead: 45 x (64 x 128 x 128 + (2 x 2048 +
    // 8192) x 3) x 2 B = 97,689,600 B on one GPU.
    let qwen = fixture("Qwen3.5-397B-A17B");
    assert_eq!(qwen.kv_bytes_per_token(), 30_720);
    assert_eq!(qwen.sequence_bytes_per_rank(1).state, 97_689_600.0);
    // DeepSeek-V3.2: the MLA latent of all 61 layers (576 x 2 B) plus the 128-element
    // index key of each: 61 x (1152 + 256) = 85,888 B.
    assert_eq!(fixture("DeepSeek-V3.2").kv_bytes_per_token(), 85_888);
    // Llama 4: the 12 global layers: 12 x 2 x 8 x 128 x 2 B = 49,152 B.
    assert_eq!(
        fixture("Llama-4-Scout-17B-16E").kv_bytes_per_token(),
        49_152
    );
    // Phi-3-mini slides on every layer: no layer keeps every token, so its windowed layers
    // count per token (an upper bound past the 2047-token window).
    assert_eq!(
        fixture("Phi-3-mini-4k-instruct").kv_bytes_per_token(),
        32 * 2 * 32 * 96 * 2
    );
}

#[test]
fn kv_capacity_counts_full_layers_per_token_and_sets_aside_windows_and_states() {
    // Gemma-3-27B on one H200: the per-token cache counts its 10 global layers; the 52
    // sliding layers' windows are set aside for the running sequences, at most their
    // share of the cache (52 / 62 of a token's bytes).
    let g3 = fixture("gemma-3-27b-it");
    let h200 = gpu("h200").unwrap();
    let budget = memory_budget(&g3, &h200, 1, 1, 0.9, 2048, 256);
    let free = budget.usable - budget.weights - budget.activations - budget.reserved;
    let windows: f64 = 256.0 * 1024.0 * 52.0 * 2.0 * 16.0 * 128.0 * 2.0;
    let share = free * 425_984.0 / 507_904.0;
    assert_eq!(budget.sequence_state, windows.min(share));
    assert_eq!(budget.kv_cache, free - budget.sequence_state);
    let blocks = kv_capacity_blocks(&g3, 16, &budget, 1);
    assert_eq!(blocks, (budget.kv_cache / (81_920.0 * 16.0)) as u64);
    // 256 sequences' windows would take more than the sliding layers' share, so the share
    // is set aside: as many tokens as counting every layer per token (within a block).
    assert_eq!(budget.sequence_state, share);
    let every_layer = (free / (507_904.0 * 16.0)) as u64;
    assert!(blocks.abs_diff(every_layer) <= 1, "{blocks} {every_layer}");
    // With 32 sequences the windows fit in their share, and the cache holds far more.
    let budget = memory_budget(&g3, &h200, 1, 1, 0.9, 2048, 32);
    assert_eq!(budget.sequence_state, windows / 8.0);
    assert!(kv_capacity_blocks(&g3, 16, &budget, 1) > 3 * every_layer);
    // Qwen3.5 on 8 H200s: 256 linear states set aside.
    let qwen = fixture("Qwen3.5-397B-A17B");
    let budget = memory_budget(&qwen, &h200, 8, 1, 0.9, 2048, 256);
    assert_eq!(
        budget.sequence_state,
        256.0 * qwen.sequence_bytes_per_rank(8).state
    );
}

fn decode(seqs: u64, context: u64) -> StepWork {
    StepWork {
        decode_seqs: seqs,
        decode_context_tokens: seqs * context,
        logit_tokens: seqs,
        ..StepWork::default()
    }
}

fn prefill(tokens: u64) -> StepWork {
    StepWork::prompts(1, tokens)
}

#[test]
fn bounded_layers_stop_growing_with_the_context() {
    let h200 = gpu("h200").unwrap();
    // Sparse attention: past its 2048 tokens DeepSeek-V3.2's attention grows only by the
    // indexer's pass over the index keys; with the sparsity dropped (DeepSeek-V3) it grows
    // by the whole latent read. Compare the growth from 16k to 64k tokens of context.
    let ds32 = fixture("DeepSeek-V3.2");
    let mut ds3 = ds32.clone();
    ds3.sparse_attention = None;
    let growth = |m: &ModelParams| {
        let cost = CostModel::new(m, &h200, 8, 1, 0.0);
        cost.parts(&decode(32, 65_536)).parts.attention
            - cost.parts(&decode(32, 16_384)).parts.attention
    };
    assert!(
        growth(&ds32) < 0.5 * growth(&ds3),
        "{} {}",
        growth(&ds32),
        growth(&ds3)
    );
    // Below the top-k every key is attended either way, and the indexer only adds.
    let short = |m: &ModelParams| {
        CostModel::new(m, &h200, 8, 1, 0.0)
            .parts(&decode(32, 1024))
            .parts
            .attention
    };
    assert!(short(&ds32) >= short(&ds3));
    // Sliding windows: Gemma-3's prefill attention of a 32k prompt, with its windows, is
    // a fraction of the same model with every layer global (a sixth of the layers keep
    // quadratic pairs).
    let g3 = fixture("gemma-3-27b-it");
    let mut global = g3.clone();
    global.local_attention = None;
    let attention = |m: &ModelParams| {
        CostModel::new(m, &h200, 1, 1, 0.0)
            .parts(&prefill(32_768))
            .parts
            .attention
    };
    let ratio = attention(&g3) / attention(&global);
    assert!(ratio < 0.3 && ratio > 10.0 / 62.0, "{ratio}");
    // Linear attention: Qwen3.5's decode attention at 64k context is far below the same
    // layers attending fully.
    let qwen = fixture("Qwen3.5-397B-A17B");
    let mut full = qwen.clone();
    full.linear_attention = None;
    let at = |m: &ModelParams| {
        CostModel::new(m, &h200, 8, 1, 0.0)
            .parts(&decode(64, 65_536))
            .parts
            .attention
    };
    assert!(at(&qwen) < 0.5 * at(&full), "{} {}", at(&qwen), at(&full));
}

#[test]
fn every_fixture_gives_step_times() {
    for &(name, _) in CARDS {
        let mut map = match config(name) {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        map.insert("_name_or_path".into(), name.into());
        let model = ModelSpec::HuggingFace(map);
        let heads = fixture(name).heads;
        // Falcon-7B's 71 heads split over no TP but 1; the largest models need FP8
        // weights to fit on eight H200s.
        let tp = if heads % 8 == 0 { 8 } else { 1 };
        for step in [
            Step::Prefill { tokens: 4096 },
            Step::Decode {
                batch: 32,
                context: 8192,
            },
        ] {
            let query = StepTimeQuery {
                model: model.clone(),
                hardware: HardwareSpec::Preset("h200".into()),
                tp,
                ep: None,
                weight_dtype: (fixture(name).params_b() > 600.0).then_some(pdsim::arch::Dtype::Fp8),
                kv_dtype: None,
                step,
            };
            let t = step_time(&query).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(t.ms > 0.0 && t.ms.is_finite(), "{name}: {} ms", t.ms);
            assert!(t.kv_capacity_tokens > 0, "{name}");
        }
    }
}

#[test]
fn the_gpt_oss_catalog_entry_reads_like_its_config() {
    // Its layer_types alternate 128-token sliding layers with full ones: 18 of 36.
    let mut read = fixture("gpt-oss-120b");
    read.name = "gpt-oss-120b".into();
    assert_eq!(read, pdsim::presets::model("gpt-oss-120b").unwrap());
    // 18 full layers x 2 x 8 KV heads x 64 x 2 B.
    assert_eq!(read.kv_bytes_per_token(), 18 * 2 * 8 * 64 * 2);
}

#[test]
fn the_new_catalog_entries_read_like_their_configs() {
    for (id, file) in [
        ("kimi-k2.5", "Kimi-K2.5"),
        ("deepseek-v3.2", "DeepSeek-V3.2"),
        ("glm-5", "GLM-5"),
        ("minimax-m3", "MiniMax-M3"),
        ("qwen3.5-397b-a17b", "Qwen3.5-397B-A17B"),
        ("qwen3-coder-480b", "Qwen3-Coder-480B-A35B-Instruct"),
        ("llama-4-scout", "Llama-4-Scout-17B-16E"),
        ("llama-4-maverick", "Llama-4-Maverick-17B-128E"),
        ("gemma-3-27b", "gemma-3-27b-it"),
    ] {
        let entry = pdsim::presets::model(id).unwrap();
        let mut read = fixture(file);
        read.name.clone_from(&entry.name);
        if read.mla.is_some() {
            // MLA models have no head_dim of their own (the reader takes hidden / heads,
            // the DeepSeek catalog entries 128); only the activation estimate uses it.
            read.head_dim = entry.head_dim;
        }
        assert_eq!(read, entry, "{id}");
    }
}

#[test]
fn experts_on_no_layer_read_as_a_dense_model() {
    // Qwen MoE with decoder_sparse_step past the layer count: no layer has experts.
    let mut c = config("Qwen3-Coder-480B-A35B-Instruct");
    c["decoder_sparse_step"] = 100.into();
    let m = pdsim::parse_hf_config(&c, "model").unwrap();
    assert!(m.moe.is_none() && m.intermediate == 8192);
    // Every other layer (Llama 4 Maverick's interleave): half of them.
    c["decoder_sparse_step"] = 2.into();
    assert_eq!(
        pdsim::parse_hf_config(&c, "model").unwrap().moe_layers(),
        31
    );
}
