//! The time of one step, on its own: what `pdsim step-time`, the JavaScript API's
//! `stepTime` and the playground's topology note show, and what the calibration checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::arch::Dtype;
use crate::config::{HardwareSpec, ModelSpec};
use crate::cost::{kv_capacity_blocks, memory_budget, CostModel, Parts, StepBound, StepWork};
use crate::error::Error;
use crate::validate::{check_parallelism, check_precision, resolve_gpu, resolve_model, MAX_TOKENS};

/// Which step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// One request of `tokens` prompt tokens, no cached prefix, in one step (no chunking),
    /// producing its first token.
    Prefill {
        /// Prompt tokens.
        tokens: u32,
    },
    /// One step of `batch` sequences, each holding `context` tokens of KV including the
    /// token being generated.
    Decode {
        /// Sequences.
        batch: u32,
        /// KV tokens per sequence.
        context: u32,
    },
}

/// A step-time question: a model on an instance, and one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepTimeQuery {
    /// Catalog id, architecture or HuggingFace `config.json`.
    pub model: ModelSpec,
    /// Catalog GPU id or GPU numbers.
    pub hardware: HardwareSpec,
    /// Tensor-parallel GPUs.
    pub tp: u32,
    /// Expert-parallel GPUs (MoE only); `null`: experts sliced by `tp`. Above `tp`, the
    /// instance runs `ep / tp` attention replicas and each runs the step given.
    #[serde(default)]
    pub ep: Option<u32>,
    /// Weight format instead of the checkpoint's.
    #[serde(default)]
    pub weight_dtype: Option<Dtype>,
    /// KV-cache format instead of the checkpoint's.
    #[serde(default)]
    pub kv_dtype: Option<Dtype>,
    /// The step.
    pub step: Step,
}

/// A step's time and its parts, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepTime {
    /// The step time, in ms (GPU time; the simulator adds `engine.step_overhead_ms`).
    pub ms: f64,
    /// The step time by part, in ms.
    pub parts_ms: PartsMs,
    /// What dominates: `compute`, `memory`, `communication` or `fixed costs`.
    pub bound: StepBound,
    /// Of the step, the kernels bound by compute, in ms.
    pub compute_bound_ms: f64,
    /// Of the step, the kernels bound by memory traffic, in ms.
    pub memory_bound_ms: f64,
    /// Model name.
    pub model: String,
    /// GPU name.
    pub hardware: String,
    /// Tensor-parallel GPUs.
    pub tp: u32,
    /// Expert-parallel GPUs (1: experts sliced by TP).
    pub ep: u32,
    /// GPUs of the instance.
    pub gpus: u32,
    /// Weight format.
    pub weight_dtype: Dtype,
    /// KV-cache format.
    pub kv_dtype: Dtype,
    /// Weights per GPU, in GB.
    pub weights_per_gpu_gb: f64,
    /// KV-cache tokens the instance holds at `gpu_memory_utilization` 0.9 with vLLM's
    /// default batch limits.
    pub kv_capacity_tokens: u64,
}

/// A step's time by part, in milliseconds.
pub type PartsMs = Parts<f64>;

/// The model of a HuggingFace `config.json` file's text, named after the file (`file_stem`:
/// `DeepSeek-V3` for `DeepSeek-V3.json`) unless the config names itself: the `model` of
/// `pdsim step-time --model FILE` and of `pdsim.step_time(model=FILE)` in Python. The error
/// says what the text is not (the caller prefixes the file's name).
pub fn hf_model_of_file(text: &str, file_stem: Option<&str>) -> Result<ModelSpec, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match value {
        serde_json::Value::Object(mut map) if map.contains_key("architectures") => {
            if let Some(stem) = file_stem {
                map.entry("_name_or_path")
                    .or_insert_with(|| serde_json::Value::String(stem.to_string()));
            }
            Ok(ModelSpec::HuggingFace(map))
        }
        _ => Err("not a HuggingFace config.json (it has no \"architectures\" field)".to_string()),
    }
}

/// Answers a step-time question; bad input names its field (`model`, `hardware`, `tp`,
/// `ep`, `weight_dtype`, `step.tokens`, ...).
pub fn step_time(query: &StepTimeQuery) -> Result<StepTime, Error> {
    let mut model = resolve_model(&query.model)?;
    if let Some(dtype) = query.weight_dtype {
        model.weight_dtype = dtype;
        if let Some(moe) = model.moe.as_mut() {
            moe.dtype = None;
        }
    }
    if let Some(dtype) = query.kv_dtype {
        if matches!(dtype, Dtype::Fp4 | Dtype::Fp8Block) {
            return Err(Error::invalid("kv_dtype", "must be bf16 or fp8"));
        }
        model.kv_dtype = dtype;
    }
    let gpu = resolve_gpu(&query.hardware, "hardware")?;
    if !(1..=64).contains(&query.tp) {
        return Err(Error::invalid(
            "tp",
            format!("must be between 1 and 64 GPUs, got {}", query.tp),
        ));
    }
    let ep = check_parallelism(&model, query.tp, query.ep, "tp", "ep")?;
    let dtype_field = if query.weight_dtype.is_some() {
        "weight_dtype"
    } else {
        "hardware"
    };
    check_precision(&model, &gpu, dtype_field)?;
    let budget = memory_budget(&model, &gpu, query.tp, ep, 0.9, 2048, 256);
    let block = 16;
    let blocks = kv_capacity_blocks(&model, block, &budget, query.tp);
    if blocks == 0 {
        return Err(Error::invalid(
            "tp",
            format!(
                "{} does not fit on {} x {}: {:.1} GB of weights per GPU leave no KV space in \
                 {:.1} GB; raise tp or ep",
                model.name,
                query.tp.max(ep),
                gpu.name,
                budget.weights / 1e9,
                budget.usable / 1e9
            ),
        ));
    }
    let replicas = u64::from(if ep > query.tp { ep / query.tp } else { 1 });
    let work = match query.step {
        Step::Prefill { tokens } => {
            if tokens == 0 || tokens > MAX_TOKENS {
                return Err(Error::invalid(
                    "step.tokens",
                    format!("must be between 1 and {MAX_TOKENS} tokens, got {tokens}"),
                ));
            }
            StepWork::prompts(replicas, u64::from(tokens))
        }
        Step::Decode { batch, context } => {
            if batch == 0 || batch > 65_536 {
                return Err(Error::invalid(
                    "step.batch",
                    format!("must be between 1 and 65536 sequences, got {batch}"),
                ));
            }
            if context == 0 || context > MAX_TOKENS {
                return Err(Error::invalid(
                    "step.context",
                    format!("must be between 1 and {MAX_TOKENS} tokens, got {context}"),
                ));
            }
            let seqs = replicas * u64::from(batch);
            StepWork {
                decode_seqs: seqs,
                decode_context_tokens: seqs * u64::from(context),
                logit_tokens: seqs,
                ..StepWork::default()
            }
        }
    };
    let parts = CostModel::new(&model, &gpu, query.tp, ep, 0.0).parts(&work);
    Ok(StepTime {
        ms: parts.total() * 1e3,
        parts_ms: parts.parts.map(|s| s * 1e3),
        bound: parts.bound(),
        compute_bound_ms: parts.compute_bound * 1e3,
        memory_bound_ms: parts.memory_bound * 1e3,
        model: model.name.clone(),
        hardware: gpu.name,
        tp: query.tp,
        ep,
        gpus: query.tp.max(ep),
        weight_dtype: model.weight_dtype,
        kv_dtype: model.kv_dtype,
        weights_per_gpu_gb: budget.weights / 1e9,
        kv_capacity_tokens: blocks * u64::from(block),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(model: &str, hardware: &str, tp: u32, step: Step) -> StepTimeQuery {
        StepTimeQuery {
            model: ModelSpec::Preset(model.into()),
            hardware: HardwareSpec::Preset(hardware.into()),
            tp,
            ep: None,
            weight_dtype: None,
            kv_dtype: None,
            step,
        }
    }

    #[test]
    fn parts_add_up_and_bad_input_names_its_field() {
        let t = step_time(&query(
            "llama-3.1-8b",
            "h100-sxm",
            1,
            Step::Prefill { tokens: 1024 },
        ))
        .unwrap();
        let p = t.parts_ms;
        let sum = p.gemm + p.attention + p.moe + p.all_reduce + p.dispatch + p.other;
        assert!((sum - t.ms).abs() < 1e-9, "{sum} vs {}", t.ms);
        // The reference puts this step at 22.1 ms (AIConfigurator, H100, vLLM).
        assert!((t.ms / 22.109 - 1.0).abs() < 0.15, "{} ms", t.ms);
        assert_eq!(t.bound, StepBound::Compute);

        let err = |q: StepTimeQuery| step_time(&q).unwrap_err().field().to_string();
        assert_eq!(
            err(query("nope", "h100-sxm", 1, Step::Prefill { tokens: 1 })),
            "model"
        );
        assert_eq!(
            err(query("llama-3.1-8b", "tpu", 1, Step::Prefill { tokens: 1 })),
            "hardware"
        );
        assert_eq!(
            err(query(
                "llama-3.1-8b",
                "h100-sxm",
                3,
                Step::Prefill { tokens: 1 }
            )),
            "tp"
        );
        assert_eq!(
            err(query(
                "llama-3.1-70b",
                "h100-sxm",
                1,
                Step::Prefill { tokens: 1 }
            )),
            "tp"
        );
        assert_eq!(
            err(query(
                "llama-3.1-8b",
                "h100-sxm",
                1,
                Step::Prefill { tokens: 0 }
            )),
            "step.tokens"
        );
        let mut fp8 = query(
            "llama-3.1-8b",
            "a100-80g",
            1,
            Step::Decode {
                batch: 8,
                context: 1024,
            },
        );
        fp8.weight_dtype = Some(Dtype::Fp8);
        assert_eq!(err(fp8), "weight_dtype");
        let mut ep = query(
            "llama-3.1-8b",
            "h100-sxm",
            1,
            Step::Decode {
                batch: 8,
                context: 1024,
            },
        );
        ep.ep = Some(2);
        assert_eq!(err(ep), "ep");
    }

    #[test]
    fn fp8_kv_halves_the_kv_read_of_a_long_decode() {
        let mut q = query(
            "llama-3.1-8b",
            "h100-sxm",
            1,
            Step::Decode {
                batch: 64,
                context: 8192,
            },
        );
        let bf16 = step_time(&q).unwrap();
        q.kv_dtype = Some(Dtype::Fp8);
        let fp8 = step_time(&q).unwrap();
        let (one, two) = (bf16.kv_capacity_tokens, fp8.kv_capacity_tokens);
        assert!((2 * one..=2 * one + 16).contains(&two), "{one} -> {two}");
        // Half the bytes, read less efficiently (the cache's scales and conversions): the
        // reference's FP8-KV attention takes 0.60 of the BF16 one (H100, 64 x 4,096).
        let ratio = fp8.parts_ms.attention / bf16.parts_ms.attention;
        assert!((0.5..0.7).contains(&ratio), "{ratio}");
    }
}
