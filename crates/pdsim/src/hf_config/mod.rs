//! Models read from a HuggingFace `config.json`.
//!
//! The field names are the `transformers` configuration classes' own. Each architecture
//! family is one entry of a table (`hf_config/families.rs`): which `architectures` names it covers,
//! which fields hold what and its class's defaults; one reader ([`parse`]) applies it. A
//! multimodal config's text model (`text_config`, `llm_config` or `language_config`) is read
//! and counted; its vision tower is not part of decode cost and is left out. A wrapper
//! (LLaVA, Mistral 3, InternVL) is read by its text model's family (its `model_type`); a
//! nested text config's missing sizes take its class's defaults, else the top level's. A
//! field that is 0 or absent where that means "none" (no shared expert, no sliding window,
//! no dense layers) is read as none; any other bad value is refused with the field's name
//! and value.
//!
//! Precision comes from `quantization_config` (FP8 per tensor, FP8 with
//! `weight_block_size`, MXFP4, 4-bit compressed-tensors experts), else BF16; the KV cache
//! stays BF16 as vLLM's `kv_cache_dtype=auto` keeps it unless the quantization config names
//! an FP8 KV scheme.

mod families;
mod fields;
mod layers;

use serde_json::{Map, Value};

use crate::arch::{Dtype, Mla, ModelParams, Moe};
use crate::error::Error;

pub use families::supported;
use families::{Attention, Shared};
use fields::Fields;

/// Whether `value` looks like a HuggingFace `config.json` (it names its architectures).
pub fn is_hf_config(value: &Value) -> bool {
    value.get("architectures").is_some()
}

/// Reads a HuggingFace `config.json` (already parsed) into a model; `field` names where it
/// was given (`model`, or a file path) for error messages.
pub fn parse(value: &Value, field: &str) -> Result<ModelParams, Error> {
    let outer = value
        .as_object()
        .ok_or_else(|| Error::invalid(field, "a HuggingFace config.json must be a JSON object"))?;
    let prefix = format!("{field}.");
    let arch = outer
        .get("architectures")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::invalid(
                format!("{prefix}architectures"),
                "must be a list with the model class name, e.g. [\"LlamaForCausalLM\"]",
            )
        })?;
    let family = families::family(arch).ok_or_else(|| {
        let reason = families::REFUSED
            .iter()
            .find(|(name, _)| *name == arch)
            .map_or_else(
                || format!("supported: {}", supported().join(", ")),
                |(_, why)| format!("pdsim does not model it: {why}"),
            );
        Error::invalid(
            format!("{prefix}architectures"),
            format!("'{arch}' is not supported; {reason}"),
        )
    })?;
    // Multimodal configs (Llama 4, Gemma 3, Qwen3.5, Kimi-K2.5, Mistral 3, LLaVA, ...)
    // hold the text model in `text_config` (InternVL: `llm_config`; some wrappers
    // `language_config`); only it runs per decoded token.
    let nested = TEXT_CONFIGS.iter().find_map(|&key| {
        outer
            .get(key)
            .and_then(Value::as_object)
            .map(|map| (map, format!("{prefix}{key}.")))
    });
    let family = match (family.wraps, &nested) {
        (Some(default), Some((map, text_prefix))) => text_model_family(map, text_prefix, default)?,
        (Some(_), None) => {
            return Err(Error::invalid(
                format!("{prefix}text_config"),
                format!("is missing; {arch} configs hold their text model in it"),
            ))
        }
        (None, _) => family,
    };
    // A nested config leaves out what equals its class's defaults; fill them in.
    let with_defaults;
    let mut f = match &nested {
        Some((map, text_prefix)) => {
            with_defaults = class_defaults(map, family.defaults);
            Fields::new(&with_defaults, text_prefix.clone())
        }
        None => Fields::new(outer, prefix.clone()),
    };
    f.nested = family.nested.iter().filter_map(|n| f.object(n)).collect();
    // Sizes a text config has neither written nor defaulted may sit at the top level, as
    // configs that keep both write them (Qwen2.5-VL exports).
    if nested.is_some() {
        f.nested.push(Fields::new(outer, prefix.clone()));
    }
    let hidden = f.require(&["hidden_size", "n_embd", "n_embed", "d_model"], arch)?;
    let heads = f.require(
        &["num_attention_heads", "n_head", "num_heads", "n_heads"],
        arch,
    )?;
    let layers = f.require(
        &["num_hidden_layers", "n_layer", "num_layers", "n_layers"],
        arch,
    )?;
    let kv_heads = match family.attention {
        Attention::MultiQuery => {
            if f.flag("new_decoder_architecture", false)? {
                f.positive(&["num_kv_heads", "num_key_value_heads"])?
                    .unwrap_or(heads)
            } else if f.flag("multi_query", true)? {
                1
            } else {
                heads
            }
        }
        Attention::ChatGlm => {
            if f.flag("multi_query_attention", false)? {
                f.require(&["multi_query_group_num"], arch)?
            } else {
                heads
            }
        }
        Attention::Gqa | Attention::Mla => f.positive(KV_HEADS)?.unwrap_or(heads),
    };
    if kv_heads > heads && family.attention != Attention::Mla {
        let path = f
            .first(KV_HEADS)
            .map_or_else(|| f.field("num_key_value_heads"), |(path, _)| path);
        return Err(Error::invalid(
            path,
            format!("must be at most num_attention_heads ({heads}), got {kv_heads}"),
        ));
    }
    let head_dim = f
        .positive(&["head_dim", "attention_head_dim", "kv_channels"])?
        .unwrap_or(hidden / heads);
    let vocab = match (
        f.positive(&["vocab_size", "padded_vocab_size"])?,
        family.vocab,
    ) {
        (Some(v), _) | (None, Some(v)) => v,
        (None, None) => f.require(&["vocab_size"], arch)?,
    };
    let (weight_dtype, expert_dtype, kv_dtype) = precision(outer, &f, &prefix)?;
    let name = outer
        .get("_name_or_path")
        .and_then(Value::as_str)
        .map_or_else(
            || arch.trim_end_matches("ForCausalLM").to_string(),
            str::to_string,
        );

    let mla = if family.attention == Attention::Mla {
        Some(Mla {
            q_lora_rank: f.count(&["q_lora_rank"])?.unwrap_or(0),
            kv_lora_rank: f.require(&["kv_lora_rank"], arch)?,
            qk_nope_head_dim: f.require(&["qk_nope_head_dim"], arch)?,
            qk_rope_head_dim: f.require(&["qk_rope_head_dim"], arch)?,
            v_head_dim: f.require(&["v_head_dim"], arch)?,
        })
    } else {
        None
    };
    let moe = match &family.moe {
        Some(m) => match f.count(m.experts)? {
            Some(experts) => {
                let intermediate = f.require(m.intermediate, arch)?;
                let shared_intermediate = match m.shared {
                    Shared::None => 0,
                    Shared::Size(name) => f.count(&[name])?.unwrap_or(0),
                    Shared::Count(count, size) => match f.count(&[count])? {
                        Some(n) => n * f.positive(&[size])?.unwrap_or(intermediate),
                        None => 0,
                    },
                    Shared::OneExpert => intermediate,
                };
                let dense_layers = layers::dense_layers(&f, m.layers, layers)?;
                // Experts declared but on no layer (a step past the layer count): dense.
                (dense_layers < layers).then_some(Moe {
                    experts,
                    experts_per_token: f.require(m.top_k, arch)?,
                    intermediate,
                    shared_intermediate,
                    dense_layers,
                    dtype: expert_dtype,
                })
            }
            None => None,
        },
        None => None,
    };
    // MoE-only models may leave out the dense intermediate size.
    let intermediate = match (&moe, f.positive(family.ffn.fields)?) {
        (_, Some(i)) => i,
        (_, None) if family.ffn.four_times_hidden => 4 * hidden,
        (Some(m), None) => m.intermediate,
        (None, None) => f.require(family.ffn.fields, arch)?,
    };
    let kinds = layers::kinds(&f, family.pattern, family.state, layers, (heads, head_dim))?;
    let attention_gate = match family.gate {
        Some((name, default)) => f.flag(name, default)?,
        None => false,
    };
    let model = ModelParams {
        name,
        layers,
        hidden,
        heads,
        kv_heads: if mla.is_some() { heads } else { kv_heads },
        head_dim,
        intermediate,
        vocab,
        // 4-bit weights the config gives the experts (compressed-tensors), on a model
        // without experts: its linear layers are the ones quantized.
        weight_dtype: match (&moe, expert_dtype) {
            (None, Some(dtype)) => dtype,
            _ => weight_dtype,
        },
        mla,
        moe,
        kv_dtype,
        local_attention: kinds.local,
        linear_attention: kinds.linear,
        sparse_attention: layers::sparse(&f, family.sparse, layers)?,
        attention_gate,
        qk_norm: family.qk_norm,
        plain_mlp: family.ffn.plain,
        tied_embeddings: f.flag("tie_word_embeddings", family.tied)?,
    };
    if let Some(m) = &model.moe {
        if m.experts_per_token > m.experts {
            let path = f
                .first(family.moe.map_or(&[], |m| m.top_k))
                .map_or_else(|| f.field("num_experts_per_tok"), |(path, _)| path);
            return Err(Error::invalid(
                path,
                format!(
                    "must be at most the number of experts ({}), got {}",
                    m.experts, m.experts_per_token
                ),
            ));
        }
    }
    Ok(model)
}

/// Where KV head counts are written: Llama's name, Falcon's, DBRX's `attn_config`.
const KV_HEADS: &[&str] = &[
    "num_key_value_heads",
    "num_kv_heads",
    "n_head_kv",
    "kv_n_heads",
];

/// The keys multimodal configs keep their text model's config in.
const TEXT_CONFIGS: &[&str] = &["text_config", "llm_config", "language_config"];

/// The family of a wrapper's text model: its `model_type`'s, else its `architectures`',
/// else the wrapper's default text model's.
fn text_model_family(
    text: &Map<String, Value>,
    prefix: &str,
    default: &str,
) -> Result<&'static families::Family, Error> {
    if let Some(model_type) = text.get("model_type").and_then(Value::as_str) {
        return families::text_family(model_type).ok_or_else(|| {
            let known: Vec<&str> = families::TEXT_MODEL_TYPES.iter().map(|(t, _)| *t).collect();
            Error::invalid(
                format!("{prefix}model_type"),
                format!(
                    "text model '{model_type}' is not supported; supported: {}",
                    known.join(", ")
                ),
            )
        });
    }
    let by_architecture = text
        .get("architectures")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .and_then(families::family)
        .filter(|f| f.wraps.is_none());
    Ok(by_architecture
        .or_else(|| families::text_family(default))
        .unwrap_or(&families::FAMILIES[0]))
}

/// A nested config with its class's defaults filled in where it leaves a field out.
fn class_defaults(map: &Map<String, Value>, defaults: &[(&str, u32)]) -> Map<String, Value> {
    let mut filled = map.clone();
    for &(name, value) in defaults {
        filled.entry(name).or_insert_with(|| value.into());
    }
    filled
}

/// The precision of a checkpoint's weights, its experts' (when they differ) and its KV
/// cache, from its `quantization_config` (in the text config or the outer one).
fn precision(
    outer: &Map<String, Value>,
    text: &Fields,
    prefix: &str,
) -> Result<(Dtype, Option<Dtype>, Dtype), Error> {
    let (q, prefix) = match text
        .map
        .get("quantization_config")
        .and_then(Value::as_object)
    {
        Some(q) => (q, text.prefix.clone()),
        None => match outer.get("quantization_config").and_then(Value::as_object) {
            Some(q) => (q, prefix.to_string()),
            None => return Ok((Dtype::Bf16, None, Dtype::Bf16)),
        },
    };
    // compressed-tensors names an FP8 KV scheme; modelopt writes `kv_cache_quant_algo`.
    let kv = match (q.get("kv_cache_scheme"), q.get("kv_cache_quant_algo")) {
        (Some(Value::Object(_)), _) => Dtype::Fp8,
        (_, Some(Value::String(algo))) if algo.eq_ignore_ascii_case("fp8") => Dtype::Fp8,
        _ => Dtype::Bf16,
    };
    let (weights, experts) = weight_dtype(q, &prefix)?;
    Ok((weights, experts, kv))
}

/// The weights' and the experts' precision from a `quantization_config`.
fn weight_dtype(q: &Map<String, Value>, prefix: &str) -> Result<(Dtype, Option<Dtype>), Error> {
    let method = q.get("quant_method").and_then(Value::as_str).unwrap_or("");
    match method {
        "fp8" => Ok((
            if q.get("weight_block_size").is_some_and(|b| !b.is_null()) {
                Dtype::Fp8Block
            } else {
                Dtype::Fp8
            },
            None,
        )),
        // compressed-tensors FP8 checkpoints (e.g. the "-FP8" Llama builds): per tensor or
        // per channel; both run per-tensor-style kernels.
        // Kimi-K2's and K2.5's INT4 routed experts (group-quantized, the rest BF16) take
        // about the bytes of the 4-bit format.
        "compressed-tensors" if four_bit_weights(q) => Ok((Dtype::Bf16, Some(Dtype::Fp4))),
        "compressed-tensors" | "fbgemm_fp8" => Ok((Dtype::Fp8, None)),
        // NVIDIA ModelOpt checkpoints: FP8, or NVFP4 (`quant_algo`).
        "modelopt" => match q.get("quant_algo").and_then(Value::as_str) {
            None => Ok((Dtype::Fp8, None)),
            Some(algo) if algo.eq_ignore_ascii_case("fp8") => Ok((Dtype::Fp8, None)),
            Some(algo) if algo.eq_ignore_ascii_case("nvfp4") => Ok((Dtype::Fp4, None)),
            Some(other) => Err(Error::invalid(
                format!("{prefix}quantization_config.quant_algo"),
                format!("'{other}' is not supported; use FP8 or NVFP4"),
            )),
        },
        // AWQ and GPTQ: integer weights with one scale per group, computed in BF16;
        // 4 bits take about the bytes of the 4-bit format, 8 bits those of FP8.
        "awq" | "gptq" | "awq_marlin" | "gptq_marlin" => match q.get("bits") {
            Some(bits) if bits.as_u64() == Some(4) => Ok((Dtype::Fp4, None)),
            Some(bits) if bits.as_u64() == Some(8) => Ok((Dtype::Fp8, None)),
            Some(bits) => Err(Error::invalid(
                format!("{prefix}quantization_config.bits"),
                format!("must be 4 or 8 for {method}, got {bits}"),
            )),
            None => Err(Error::invalid(
                format!("{prefix}quantization_config.bits"),
                format!("is missing; {method} configs need it (4 or 8)"),
            )),
        },
        // gpt-oss: experts in MXFP4, the rest in BF16.
        "mxfp4" => Ok((Dtype::Bf16, Some(Dtype::Fp4))),
        other => Err(Error::invalid(
            format!("{prefix}quantization_config.quant_method"),
            format!(
                "'{other}' is not supported; use fp8, compressed-tensors, fbgemm_fp8, modelopt, \
                 mxfp4, awq or gptq, or remove quantization_config for BF16"
            ),
        )),
    }
}

/// Whether a compressed-tensors config quantizes its weights to 4 bits.
fn four_bit_weights(q: &Map<String, Value>) -> bool {
    q.get("config_groups")
        .and_then(Value::as_object)
        .is_some_and(|groups| {
            groups.values().any(|g| {
                g.get("weights")
                    .and_then(|w| w.get("num_bits"))
                    .and_then(Value::as_u64)
                    == Some(4)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_llama_config_reads_like_the_catalog_entry() {
        let config = json!({
            "architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
            "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
            "vocab_size": 128256, "torch_dtype": "bfloat16"
        });
        let mut m = parse(&config, "model").unwrap();
        m.name = "Llama-3.1-8B".into();
        assert_eq!(m, crate::presets::model("llama-3.1-8b").unwrap());
    }

    #[test]
    fn unsupported_architectures_and_missing_fields_are_named() {
        let err = parse(&json!({"architectures": ["MambaForCausalLM"]}), "model").unwrap_err();
        assert_eq!(err.field(), "model.architectures");
        assert!(err.to_string().contains("MambaForCausalLM"), "{err}");
        let err = parse(
            &json!({"architectures": ["Qwen3ForCausalLM"], "hidden_size": 4096, "num_attention_heads": 32,
                    "num_hidden_layers": 36, "vocab_size": 151936}),
            "model",
        )
        .unwrap_err();
        assert_eq!(err.field(), "model.intermediate_size");
        let err = parse(
            &json!({"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 1,
                    "num_attention_heads": 32, "num_hidden_layers": 32, "vocab_size": 1,
                    "quantization_config": {"quant_method": "bitsandbytes"}}),
            "model",
        )
        .unwrap_err();
        assert_eq!(err.field(), "model.quantization_config.quant_method");
    }

    #[test]
    fn zero_is_none_where_none_is_meant_and_refused_elsewhere() {
        let mistral = |window: Value| {
            json!({"architectures": ["MistralForCausalLM"], "hidden_size": 4096,
                   "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32,
                   "num_key_value_heads": 8, "vocab_size": 32000, "sliding_window": window})
        };
        // Mistral-7B-v0.1 slides over 4096 tokens on every layer; 0 or null: no window.
        let v01 = parse(&mistral(4096.into()), "model").unwrap();
        assert_eq!(v01.local_attention.unwrap().layers, 32);
        assert!(parse(&mistral(0.into()), "model")
            .unwrap()
            .local_attention
            .is_none());
        assert!(parse(&mistral(Value::Null), "model")
            .unwrap()
            .local_attention
            .is_none());
        // DeepSeek-V2-Lite style: q_lora_rank 0 (queries projected directly), no shared
        // expert, no dense first layers.
        let ds = json!({"architectures": ["DeepseekV2ForCausalLM"], "hidden_size": 2048,
            "intermediate_size": 10944, "num_attention_heads": 16, "num_hidden_layers": 27,
            "vocab_size": 102400, "q_lora_rank": 0, "kv_lora_rank": 512, "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64, "v_head_dim": 128, "n_routed_experts": 64,
            "num_experts_per_tok": 6, "moe_intermediate_size": 1408, "n_shared_experts": 0,
            "first_k_dense_replace": 0});
        let m = parse(&ds, "model").unwrap();
        assert_eq!(m.mla.unwrap().q_lora_rank, 0);
        let moe = m.moe.unwrap();
        assert_eq!((moe.shared_intermediate, moe.dense_layers), (0, 0));
        // A head count of 0 means nothing: refused by name and value.
        let mut bad = mistral(Value::Null);
        bad["num_attention_heads"] = 0.into();
        let err = parse(&bad, "model").unwrap_err();
        assert_eq!(
            err.to_string(),
            "model.num_attention_heads: must be a positive integer, got 0"
        );
    }

    #[test]
    fn class_defaults_fill_only_a_nested_text_config() {
        // LLaVA's text config leaves out what equals LlamaConfig's defaults.
        let llava = json!({"architectures": ["LlavaForConditionalGeneration"],
            "text_config": {"model_type": "llama", "vocab_size": 32064}});
        let m = parse(&llava, "model").unwrap();
        assert_eq!(
            (m.hidden, m.intermediate, m.layers, m.heads),
            (4096, 11_008, 32, 32)
        );
        // A top-level config is written in full: a missing size is refused, not defaulted.
        let err = parse(
            &json!({"architectures": ["LlamaForCausalLM"], "vocab_size": 32064}),
            "model",
        )
        .unwrap_err();
        assert_eq!(err.field(), "model.hidden_size");
        // A wrapper without its text config names the field.
        let err = parse(
            &json!({"architectures": ["Mistral3ForConditionalGeneration"]}),
            "model",
        )
        .unwrap_err();
        assert_eq!(err.field(), "model.text_config");
        // Mistral 3's text model defaults to Mistral's family (a 4096-token window when
        // the text config leaves `sliding_window` out, MistralConfig's default).
        let small = json!({"architectures": ["Mistral3ForConditionalGeneration"],
            "text_config": {"hidden_size": 5120, "num_hidden_layers": 40}});
        let m = parse(&small, "model").unwrap();
        assert_eq!(m.local_attention.unwrap().window, 4096);
    }

    #[test]
    fn a_size_the_text_config_lacks_is_taken_from_the_top_level() {
        let vl = json!({"architectures": ["Qwen2_5_VLForConditionalGeneration"],
            "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
            "num_hidden_layers": 28, "num_key_value_heads": 4, "vocab_size": 152064,
            "text_config": {"hidden_size": 3584, "num_hidden_layers": 28}});
        let m = parse(&vl, "model").unwrap();
        assert_eq!((m.intermediate, m.heads, m.kv_heads), (18_944, 28, 4));
        // A bad top-level value is named by its own path.
        let mut bad = vl;
        bad["num_key_value_heads"] = 0.into();
        let err = parse(&bad, "model").unwrap_err();
        assert_eq!(err.field(), "model.num_key_value_heads");
    }

    #[test]
    fn quantized_checkpoints_read_their_weight_bytes() {
        let llama = |q: Value| {
            json!({"architectures": ["LlamaForCausalLM"], "hidden_size": 4096,
                "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32,
                "num_key_value_heads": 8, "vocab_size": 128256, "quantization_config": q})
        };
        let read = |q: Value| parse(&llama(q), "model");
        // AWQ and GPTQ 4-bit weights, computed in BF16: the 4-bit format's bytes.
        let awq = json!({"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm"});
        assert_eq!(read(awq).unwrap().weight_dtype, Dtype::Fp4);
        let gptq = json!({"quant_method": "gptq", "bits": 8, "group_size": 128});
        assert_eq!(read(gptq).unwrap().weight_dtype, Dtype::Fp8);
        let err = read(json!({"quant_method": "gptq", "bits": 3})).unwrap_err();
        assert_eq!(err.field(), "model.quantization_config.bits");
        assert!(err.to_string().contains("got 3"), "{err}");
        // compressed-tensors W4A16 on a dense model: its linear layers are 4-bit (on an MoE
        // model, Kimi-K2.5's, only the experts).
        let w4a16 = json!({"quant_method": "compressed-tensors", "config_groups": {"group_0":
            {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "int"}}}});
        let m = read(w4a16).unwrap();
        assert_eq!((m.weight_dtype, m.expert_dtype()), (Dtype::Fp4, Dtype::Fp4));
        // ModelOpt NVFP4 with an FP8 KV cache.
        let nvfp4 = json!({"quant_method": "modelopt", "quant_algo": "NVFP4",
            "kv_cache_quant_algo": "FP8", "group_size": 16});
        let m = read(nvfp4).unwrap();
        assert_eq!((m.weight_dtype, m.kv_dtype), (Dtype::Fp4, Dtype::Fp8));
        let err = read(json!({"quant_method": "modelopt", "quant_algo": "W4A8_AWQ"})).unwrap_err();
        assert_eq!(err.field(), "model.quantization_config.quant_algo");
    }

    #[test]
    fn ernie_expert_layers_run_from_start_to_end() {
        let ernie = |end: Value| {
            json!({"architectures": ["Ernie4_5_MoeForCausalLM"], "hidden_size": 2560,
                "intermediate_size": 12288, "num_attention_heads": 20, "num_hidden_layers": 28,
                "vocab_size": 103424, "moe_num_experts": 64, "moe_k": 6,
                "moe_intermediate_size": 1536, "moe_layer_start_index": 1,
                "moe_layer_end_index": end, "moe_layer_interval": 2})
        };
        // Layers 1, 3, ..., 27 (the 2nd, 4th, ..., 28th; end -1: the last layer); up to 9:
        // 1, 3, 5, 7, 9. From layer 2 still the odd ones: 3, 5, ..., 27; from layer 0 to
        // layer 0 none (the first layer is the 1st, not a multiple of 2).
        assert_eq!(
            parse(&ernie((-1).into()), "model").unwrap().moe_layers(),
            14
        );
        assert_eq!(parse(&ernie(9.into()), "model").unwrap().moe_layers(), 5);
        let mut from2 = ernie((-1).into());
        from2["moe_layer_start_index"] = 2.into();
        assert_eq!(parse(&from2, "model").unwrap().moe_layers(), 13);
        let mut first_only = ernie(0.into());
        first_only["moe_layer_start_index"] = 0.into();
        assert!(parse(&first_only, "model").unwrap().moe.is_none());
        first_only["moe_layer_interval"] = 1.into();
        assert_eq!(parse(&first_only, "model").unwrap().moe_layers(), 1);
        let err = parse(&ernie("last".into()), "model").unwrap_err();
        assert_eq!(err.field(), "model.moe_layer_end_index");
    }
}
