//! Models read from a HuggingFace `config.json`.
//!
//! The field names are the `transformers` configuration classes' own. Each architecture
//! family is one entry of a table (`hf_config/families.rs`): which `architectures` names it covers,
//! which fields hold what and its class's defaults; one reader ([`parse`]) applies it. A
//! multimodal config's text model (`text_config`) is read and counted; its vision tower is
//! not part of decode cost and is left out. A field that is 0 or absent where that means
//! "none" (no shared expert, no sliding window, no dense layers) is read as none; any other
//! bad value is refused with the field's name and value.
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
        Error::invalid(
            format!("{prefix}architectures"),
            format!(
                "'{arch}' is not supported; supported: {}",
                supported().join(", ")
            ),
        )
    })?;
    // Multimodal configs (Llama 4, Gemma 3, Qwen3.5, Kimi-K2.5, MiniMax-M3) hold the text
    // model in `text_config`; only it runs per decoded token.
    let f = match outer.get("text_config").and_then(Value::as_object) {
        Some(map) => Fields {
            map,
            prefix: format!("{prefix}text_config."),
        },
        None => Fields {
            map: outer,
            prefix: prefix.clone(),
        },
    };
    let hidden = f.require(&["hidden_size", "n_embd", "d_model"], arch)?;
    let heads = f.require(&["num_attention_heads", "n_head", "num_heads"], arch)?;
    let layers = f.require(&["num_hidden_layers", "n_layer", "num_layers"], arch)?;
    let kv_heads = match family.attention {
        Attention::Falcon => {
            if f.flag("new_decoder_architecture", false)? {
                f.positive(&["num_kv_heads", "num_key_value_heads"])?
                    .unwrap_or(heads)
            } else if f.flag("multi_query", true)? {
                1
            } else {
                heads
            }
        }
        Attention::Gqa | Attention::Mla => f
            .positive(&["num_key_value_heads", "num_kv_heads", "n_head_kv"])?
            .unwrap_or(heads),
    };
    if kv_heads > heads && family.attention != Attention::Mla {
        let (name, _) = f
            .first(&["num_key_value_heads", "num_kv_heads", "n_head_kv"])
            .unwrap_or(("num_key_value_heads", &Value::Null));
        return Err(Error::invalid(
            f.field(name),
            format!("must be at most num_attention_heads ({heads}), got {kv_heads}"),
        ));
    }
    let head_dim = f.positive(&["head_dim"])?.unwrap_or(hidden / heads);
    let vocab = match (f.positive(&["vocab_size"])?, family.vocab) {
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
                    Shared::Count(size) => match f.count(&["n_shared_experts"])? {
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
    let kinds = layers::kinds(&f, family.pattern, layers)?;
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
        mla,
        moe,
        weight_dtype,
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
            let (name, _) = f
                .first(family.moe.map_or(&[], |m| m.top_k))
                .unwrap_or(("num_experts_per_tok", &Value::Null));
            return Err(Error::invalid(
                f.field(name),
                format!(
                    "must be at most the number of experts ({}), got {}",
                    m.experts, m.experts_per_token
                ),
            ));
        }
    }
    Ok(model)
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
    let kv = match q.get("kv_cache_scheme") {
        Some(Value::Object(_)) => Dtype::Fp8,
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
        "compressed-tensors" | "fbgemm_fp8" | "modelopt" => Ok((Dtype::Fp8, None)),
        // gpt-oss: experts in MXFP4, the rest in BF16.
        "mxfp4" => Ok((Dtype::Bf16, Some(Dtype::Fp4))),
        other => Err(Error::invalid(
            format!("{prefix}quantization_config.quant_method"),
            format!(
                "'{other}' is not supported; use fp8, compressed-tensors, fbgemm_fp8, modelopt or \
                 mxfp4, or remove quantization_config for BF16"
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
                    "quantization_config": {"quant_method": "gptq"}}),
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
}
