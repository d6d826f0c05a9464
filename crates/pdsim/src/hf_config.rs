//! Models read from a HuggingFace `config.json`.
//!
//! The field names are the `transformers` configuration classes' own; each supported
//! `architectures` entry maps them onto [`ModelParams`]. Precision comes from
//! `quantization_config` (FP8 per tensor, FP8 with `weight_block_size`, MXFP4), else BF16;
//! the KV cache stays BF16 as vLLM's `kv_cache_dtype=auto` keeps it unless the
//! quantization config names an FP8 KV scheme.

use serde_json::{Map, Value};

use crate::arch::{Dtype, Mla, ModelParams, Moe};
use crate::error::Error;

/// Architectures this reader understands (the `architectures` field of `config.json`).
pub const SUPPORTED: &[&str] = &[
    "LlamaForCausalLM",
    "MistralForCausalLM",
    "Qwen2ForCausalLM",
    "Qwen3ForCausalLM",
    "Qwen3MoeForCausalLM",
    "Qwen2MoeForCausalLM",
    "MixtralForCausalLM",
    "DeepseekV3ForCausalLM",
    "DeepseekV2ForCausalLM",
    "GptOssForCausalLM",
];

/// Whether `value` looks like a HuggingFace `config.json` (it names its architectures).
pub fn is_hf_config(value: &Value) -> bool {
    value.get("architectures").is_some()
}

struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

impl Fields<'_> {
    fn field(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn opt_u32(&self, name: &str) -> Result<Option<u32>, Error> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n > 0)
                .map(Some)
                .ok_or_else(|| {
                    Error::invalid(
                        self.field(name),
                        format!("must be a positive integer, got {v}"),
                    )
                }),
        }
    }

    fn u32(&self, name: &str, architecture: &str) -> Result<u32, Error> {
        self.opt_u32(name)?.ok_or_else(|| {
            Error::invalid(
                self.field(name),
                format!("is missing; {architecture} configs need it"),
            )
        })
    }
}

/// The precision of a checkpoint's weights, from its `quantization_config`.
fn weight_dtype(
    config: &Map<String, Value>,
    prefix: &str,
) -> Result<(Dtype, Option<Dtype>), Error> {
    let Some(q) = config.get("quantization_config").and_then(Value::as_object) else {
        return Ok((Dtype::Bf16, None));
    };
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

/// Reads a HuggingFace `config.json` (already parsed) into a model; `field` names where it
/// was given (`model`, or a file path) for error messages.
pub fn parse(value: &Value, field: &str) -> Result<ModelParams, Error> {
    let map = value
        .as_object()
        .ok_or_else(|| Error::invalid(field, "a HuggingFace config.json must be a JSON object"))?;
    let prefix = format!("{field}.");
    let arch = map
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
    if !SUPPORTED.contains(&arch) {
        return Err(Error::invalid(
            format!("{prefix}architectures"),
            format!(
                "'{arch}' is not supported; supported: {}",
                SUPPORTED.join(", ")
            ),
        ));
    }
    let f = Fields {
        map,
        prefix: &prefix,
    };
    let hidden = f.u32("hidden_size", arch)?;
    let heads = f.u32("num_attention_heads", arch)?;
    let layers = f.u32("num_hidden_layers", arch)?;
    let kv_heads = f.opt_u32("num_key_value_heads")?.unwrap_or(heads);
    let head_dim = f.opt_u32("head_dim")?.unwrap_or(hidden / heads);
    let vocab = f.u32("vocab_size", arch)?;
    let (weight_dtype, expert_dtype) = weight_dtype(map, &prefix)?;
    let name = map
        .get("_name_or_path")
        .and_then(Value::as_str)
        .map_or_else(
            || arch.trim_end_matches("ForCausalLM").to_string(),
            str::to_string,
        );

    let mla = if arch.starts_with("Deepseek") {
        Some(Mla {
            q_lora_rank: f.opt_u32("q_lora_rank")?.unwrap_or(0),
            kv_lora_rank: f.u32("kv_lora_rank", arch)?,
            qk_nope_head_dim: f.u32("qk_nope_head_dim", arch)?,
            qk_rope_head_dim: f.u32("qk_rope_head_dim", arch)?,
            v_head_dim: f.u32("v_head_dim", arch)?,
        })
    } else {
        None
    };
    let moe = match arch {
        "Qwen3MoeForCausalLM" | "Qwen2MoeForCausalLM" => Some(Moe {
            experts: f.u32("num_experts", arch)?,
            experts_per_token: f.u32("num_experts_per_tok", arch)?,
            intermediate: f.u32("moe_intermediate_size", arch)?,
            shared_intermediate: f.opt_u32("shared_expert_intermediate_size")?.unwrap_or(0),
            dense_layers: 0,
            dtype: expert_dtype,
        }),
        "MixtralForCausalLM" => Some(Moe {
            experts: f.u32("num_local_experts", arch)?,
            experts_per_token: f.u32("num_experts_per_tok", arch)?,
            intermediate: f.u32("intermediate_size", arch)?,
            shared_intermediate: 0,
            dense_layers: 0,
            dtype: expert_dtype,
        }),
        "GptOssForCausalLM" => Some(Moe {
            experts: f.u32("num_local_experts", arch)?,
            experts_per_token: f
                .opt_u32("num_experts_per_tok")?
                .map_or_else(|| f.u32("experts_per_token", arch), Ok)?,
            intermediate: f.u32("intermediate_size", arch)?,
            shared_intermediate: 0,
            dense_layers: 0,
            dtype: expert_dtype,
        }),
        "DeepseekV3ForCausalLM" | "DeepseekV2ForCausalLM" => {
            let moe_intermediate = f.u32("moe_intermediate_size", arch)?;
            Some(Moe {
                experts: f.u32("n_routed_experts", arch)?,
                experts_per_token: f.u32("num_experts_per_tok", arch)?,
                intermediate: moe_intermediate,
                shared_intermediate: f.opt_u32("n_shared_experts")?.unwrap_or(0) * moe_intermediate,
                dense_layers: f.opt_u32("first_k_dense_replace")?.unwrap_or(0),
                dtype: expert_dtype,
            })
        }
        _ => None,
    };
    // MoE-only models may leave out the dense intermediate size.
    let intermediate = match (&moe, f.opt_u32("intermediate_size")?) {
        (_, Some(i)) => i,
        (Some(m), None) => m.intermediate,
        (None, None) => f.u32("intermediate_size", arch)?,
    };
    let kv_dtype = match map
        .get("quantization_config")
        .and_then(|q| q.get("kv_cache_scheme"))
    {
        Some(Value::Object(_)) => Dtype::Fp8,
        _ => Dtype::Bf16,
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
    };
    if let Some(m) = &model.moe {
        if m.experts_per_token > m.experts {
            return Err(Error::invalid(
                format!("{prefix}num_experts_per_tok"),
                format!(
                    "must be at most the number of experts ({}), got {}",
                    m.experts, m.experts_per_token
                ),
            ));
        }
    }
    Ok(model)
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
}
