//! Reference step times and the agreement of the step-time model with them: the harness
//! behind the calibration test, `cargo run --release -p pdsim --example calibrate` (which
//! also fits the factors) and the table in docs/MODEL.md.
//!
//! Each reference row is one prefill (one request of `isl` tokens, no cached prefix, logits
//! for the last token) or one decode step (`batch` sequences, each holding `context` tokens
//! of KV including the one being generated) of a model on a parallel layout of one GPU kind.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Efficiency;
use crate::arch::{Dtype, ModelParams};
use crate::cost::{CostModel, StepParts, StepWork};
use crate::error::Error;
use crate::presets::{self, GpuParams};

/// The agreement band: a step within +-15% of its reference counts as agreeing.
pub const TOLERANCE: f64 = 0.15;

/// One reference step, as in `steps.jsonl`.
#[derive(Clone, Debug, Deserialize)]
pub struct Row {
    /// Reference system (`h100_sxm`, ...).
    pub system: String,
    /// HuggingFace id of the model.
    pub model: String,
    /// Parallel layout name (`tp2`, `tp8_moeep8`, `dp8_ep8`, ...).
    pub layout: String,
    /// Attention tensor-parallel degree.
    pub tp: u32,
    /// Attention data-parallel replicas.
    pub dp: u32,
    /// Expert tensor-parallel degree.
    pub moe_tp: u32,
    /// Expert-parallel degree.
    pub moe_ep: u32,
    /// Precision variant (`default`, `kv_fp8`, `w_fp8+kv_fp8`).
    pub variant: String,
    /// Weight format (`bfloat16`, `fp8`, `fp8_block`).
    pub weight_dtype: String,
    /// Expert weight format.
    pub moe_dtype: String,
    /// KV format.
    pub kv_dtype: String,
    /// `prefill` or `decode`.
    pub kind: String,
    /// Sequences (decode) or requests (prefill, always 1), per attention replica.
    pub batch: u32,
    /// Prompt tokens (prefill).
    #[serde(default)]
    pub isl: u32,
    /// KV tokens per sequence, including the one being generated (decode).
    #[serde(default)]
    pub context: u32,
    /// Step time, in ms.
    pub ms: f64,
    /// The step time by category, in ms.
    pub parts_ms: BTreeMap<String, f64>,
}

impl Row {
    /// The pdsim id of the row's GPU.
    pub fn gpu_id(&self) -> &'static str {
        match self.system.as_str() {
            "h100_sxm" => "h100-sxm",
            "h200_sxm" => "h200",
            "a100_sxm" => "a100-80g",
            "b200_sxm" => "b200",
            "l40s" => "l40s",
            _ => "",
        }
    }

    /// The model's short name (`Meta-Llama-3.1-8B`).
    pub fn model_name(&self) -> &str {
        self.model.rsplit('/').next().unwrap_or(&self.model)
    }

    /// Whether the data's README flags the row as suspect: block-scaled FP8 GEMMs on B200
    /// and L40S (timed 4-20x slower than BF16 in the packaged tables), and DeepSeek-V3's
    /// `tp8_*` layouts (the tensor-parallel all-reduce counted twice).
    pub fn is_suspect(&self) -> bool {
        let fp8_block = self.weight_dtype == "fp8_block" || self.moe_dtype == "fp8_block";
        (fp8_block && matches!(self.system.as_str(), "b200_sxm" | "l40s"))
            || (self.model_name() == "DeepSeek-V3" && self.layout.starts_with("tp8"))
    }

    /// The step as engine work: with several attention replicas (`dp`) every replica runs
    /// the row's batch.
    pub fn work(&self) -> StepWork {
        let dp = u64::from(self.dp.max(1));
        if self.kind == "prefill" {
            let isl = f64::from(self.isl);
            StepWork {
                prefill_tokens: dp * u64::from(self.isl),
                prefill_attention_pairs: dp as f64 * isl * (isl + 1.0) / 2.0,
                logit_tokens: dp,
                ..StepWork::default()
            }
        } else {
            let seqs = dp * u64::from(self.batch);
            StepWork {
                decode_seqs: seqs,
                decode_context_tokens: seqs * u64::from(self.context),
                logit_tokens: seqs,
                ..StepWork::default()
            }
        }
    }

    /// Tensor- and expert-parallel degrees as pdsim's instance takes them.
    pub fn parallelism(&self) -> (u32, u32) {
        let ep = if self.moe_ep > 1 { self.moe_ep } else { 1 };
        (self.tp, ep)
    }
}

fn dtype(name: &str) -> Dtype {
    match name {
        "fp8" => Dtype::Fp8,
        "fp8_block" => Dtype::Fp8Block,
        // Weight-only MXFP4 (gpt-oss's experts): 4-bit weights, BF16 activations.
        "w4a16_mxfp4" => Dtype::Fp4,
        _ => Dtype::Bf16,
    }
}

/// The reference data: rows and the model of each row.
#[derive(Clone, Debug)]
pub struct Reference {
    /// The rows, in file order.
    pub rows: Vec<Row>,
    /// Each row's model with the row's precision, in row order.
    pub models: Vec<ModelParams>,
}

impl Reference {
    /// Parses `steps.jsonl` with `configs`, the `config.json` of each model by short name
    /// (`Meta-Llama-3.1-8B`).
    pub fn parse(steps_jsonl: &str, configs: &BTreeMap<String, String>) -> Result<Self, Error> {
        let mut rows = Vec::new();
        let mut models = Vec::new();
        for (i, line) in steps_jsonl.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let field = format!("steps.jsonl line {}", i + 1);
            let row: Row = serde_json::from_str(line).map_err(|e| Error::invalid(&field, e))?;
            let config = configs.get(row.model_name()).ok_or_else(|| {
                Error::invalid(&field, format!("no config.json for {}", row.model))
            })?;
            let value: serde_json::Value =
                serde_json::from_str(config).map_err(|e| Error::invalid(row.model_name(), e))?;
            let mut model = crate::hf_config::parse(&value, row.model_name())?;
            model.weight_dtype = dtype(&row.weight_dtype);
            if let Some(moe) = model.moe.as_mut() {
                moe.dtype = Some(dtype(&row.moe_dtype));
            }
            model.kv_dtype = dtype(&row.kv_dtype);
            rows.push(row);
            models.push(model);
        }
        Ok(Self { rows, models })
    }

    /// The model's step time for row `i` on `gpu`, by part, in seconds.
    pub fn predict(&self, i: usize, gpu: &GpuParams) -> StepParts {
        let row = &self.rows[i];
        let (tp, ep) = row.parallelism();
        CostModel::new(&self.models[i], gpu, tp, ep, 0.0).parts(&row.work())
    }

    /// Rows that count: not suspect, with a known GPU.
    pub fn counted(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.rows.len())
            .filter(|&i| !self.rows[i].is_suspect() && !self.rows[i].gpu_id().is_empty())
    }
}

/// Agreement of one group of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Agreement {
    /// Rows within [`TOLERANCE`].
    pub within: usize,
    /// Rows in the group.
    pub rows: usize,
    /// Median of predicted / reference.
    pub median_ratio: f64,
}

impl Agreement {
    /// Share of rows within the tolerance.
    pub fn share(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.within as f64 / self.rows as f64
        }
    }
}

/// Agreement by (GPU id, kind), by (model, kind), and over all counted rows (key `("all",
/// "")`), with the catalog's factors (or `gpus`, when given, by GPU id).
pub fn agreement(
    reference: &Reference,
    gpus: &BTreeMap<String, GpuParams>,
) -> BTreeMap<(String, String), Agreement> {
    let mut ratios: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for i in reference.counted() {
        let row = &reference.rows[i];
        let Some(gpu) = gpus.get(row.gpu_id()) else {
            continue;
        };
        let ratio = reference.predict(i, gpu).total() * 1e3 / row.ms;
        for key in [
            (row.gpu_id().to_string(), row.kind.clone()),
            (row.model_name().to_string(), row.kind.clone()),
            ("all".to_string(), String::new()),
        ] {
            ratios.entry(key).or_default().push(ratio);
        }
    }
    ratios
        .into_iter()
        .map(|(key, mut r)| {
            r.sort_by(f64::total_cmp);
            let within = r.iter().filter(|x| (*x - 1.0).abs() <= TOLERANCE).count();
            let median_ratio = r[r.len() / 2];
            (
                key,
                Agreement {
                    within,
                    rows: r.len(),
                    median_ratio,
                },
            )
        })
        .collect()
}

/// The catalog's calibrated GPUs, by id.
pub fn catalog_gpus() -> BTreeMap<String, GpuParams> {
    super::FITTED
        .iter()
        .filter_map(|(id, _)| presets::gpu(id).map(|g| (id.to_string(), g)))
        .collect()
}

/// Reference categories and the parameters fitted against each (then all against totals).
const GROUPS: &[(&str, &[&str])] = &[
    (
        "other",
        &["layer_latency_us", "hidden_passes", "intermediate_passes"],
    ),
    (
        "comm",
        &[
            "all_reduce_latency_us",
            "all_reduce_2",
            "all_reduce_4",
            "all_reduce_8",
        ],
    ),
    (
        "moe_comm",
        &["dispatch_latency_us", "dispatch", "dispatch_tp"],
    ),
    (
        "attention",
        &[
            "attention",
            "attention_latency_us_prefill",
            "attention_latency_us_decode",
            "kv_cache",
            "kv_narrow",
            "qk_norm_latency_us",
        ],
    ),
    (
        "moe",
        &[
            "moe_bf16",
            "moe_speedup_fp8",
            "moe_speedup_fp4",
            "moe_weights_bf16",
            "moe_weights_narrow",
            "moe_half_rows",
            "moe_blend",
            "moe_latency_us",
        ],
    ),
    (
        "gemm",
        &[
            "gemm_bf16",
            "gemm_fp8",
            "weights_bf16",
            "weights_fp8",
            "gemm_latency_us_bf16",
            "gemm_latency_us_fp8",
            "gemm_latency_us_fp8_block",
            "gemm_floor_jump_fp8_block",
            "gemm_half_rows",
        ],
    ),
];

fn part_of(parts: &StepParts, category: &str) -> f64 {
    match category {
        "gemm" => parts.parts.gemm,
        "attention" => parts.parts.attention,
        "moe" => parts.parts.moe,
        "comm" => parts.parts.all_reduce,
        "moe_comm" => parts.parts.dispatch,
        "other" => parts.parts.other,
        _ => parts.total(),
    }
}

/// One row's robust loss term for one category (`total` for the whole step): squared log
/// ratio capped at 0.3^2, weighted by the category's share of the step.
fn row_loss(row: &Row, parts: &StepParts, category: &str) -> f64 {
    const FLOOR_MS: f64 = 1e-3;
    let actual = if category == "total" {
        row.ms
    } else {
        row.parts_ms.get(category).copied().unwrap_or(0.0)
    };
    let predicted = part_of(parts, category) * 1e3;
    if actual <= FLOOR_MS && predicted <= FLOOR_MS {
        return 0.0;
    }
    let log_ratio = libm::log((predicted + FLOOR_MS) / (actual + FLOOR_MS));
    let weight = if category == "total" {
        1.0
    } else {
        (actual + 0.01) / row.ms
    };
    weight * (log_ratio * log_ratio).min(0.09)
}

/// Weight of the parts' losses next to the step times' in the joint pass: a factor whose
/// part is a small share of every step of a GPU (the GEMMs of Llama-3.1-70B on L40S, where
/// the all-reduce over PCIe takes 90%) would otherwise drift to whatever lowers those
/// steps' totals, and mispredict the models where that part matters.
const PART_WEIGHT: f64 = 0.25;

/// Robust loss of `gpu` over `rows` for one category (`total`: the step times, with every
/// part's loss at [`PART_WEIGHT`]).
fn loss(reference: &Reference, rows: &[usize], gpu: &GpuParams, category: &str) -> f64 {
    rows.iter()
        .map(|&i| {
            let (row, parts) = (&reference.rows[i], reference.predict(i, gpu));
            if category == "total" {
                row_loss(row, &parts, "total")
                    + PART_WEIGHT
                        * GROUPS
                            .iter()
                            .map(|(c, _)| row_loss(row, &parts, c))
                            .sum::<f64>()
            } else {
                row_loss(row, &parts, category)
            }
        })
        .sum()
}

/// Weight of the pull of every factor towards its round generic value
/// ([`Efficiency::generic`]), per squared log ratio, next to the rows' losses.
const PRIOR_WEIGHT: f64 = 0.1;

/// The pull towards the generic factors: a factor the data do not determine (a format or a
/// kernel no row of this GPU exercises, or one that trades off against another) stays near
/// its round value instead of drifting to whatever lowers the loss on the rows at hand.
///
/// The all-reduce bus efficiency past 4 GPUs is pulled towards the GPU's own efficiency
/// within 4 instead: adding GPUs to a ring never speeds its links up, and a GPU whose rows
/// never go past 4 GPUs (a model held out) would otherwise take a datasheet share several
/// times its measured one (L40S: 0.6 against 0.11 within 4 GPUs).
fn prior(eff: &Efficiency) -> f64 {
    let mut targets = Efficiency::generic();
    targets.all_reduce_8 = eff.all_reduce_4;
    PRIOR_WEIGHT
        * eff
            .values()
            .iter()
            .zip(&targets.values())
            .map(|(v, g)| {
                let r = libm::log(v.max(1e-6) / g.max(1e-6));
                r * r
            })
            .sum::<f64>()
}

/// Fits the efficiency factors of GPU `id` to its counted rows by coordinate descent on
/// each factor (multiplicative steps, efficiencies kept in (0, 1]): first each category's
/// own factors against that category's time, then every factor against the step times.
/// Deterministic: the same data give the same factors.
pub fn fit(reference: &Reference, id: &str, start: &GpuParams) -> GpuParams {
    let rows: Vec<usize> = reference
        .counted()
        .filter(|&i| reference.rows[i].gpu_id() == id)
        .collect();
    let mut gpu = start.clone();
    let mut eff = gpu.efficiency();
    let all: Vec<&str> = Efficiency::NAMES.to_vec();
    let mut passes: Vec<(&str, Vec<&str>, usize)> = GROUPS
        .iter()
        .map(|(category, names)| (*category, names.to_vec(), 3))
        .collect();
    passes.push(("total", all, 2));
    for (category, names, rounds) in passes {
        for _ in 0..rounds {
            for name in &names {
                let Some(index) = Efficiency::NAMES.iter().position(|n| n == name) else {
                    continue;
                };
                let is_share = !(name.contains("latency")
                    || name.contains("rows")
                    || name.contains("passes")
                    || Efficiency::is_ratio(name));
                gpu.efficiency = Some(Box::new(eff.clone()));
                let mut best = loss(reference, &rows, &gpu, category) + prior(&eff);
                for factor in [2.0, 0.5, 1.2, 1.0 / 1.2, 1.05, 1.0 / 1.05] {
                    loop {
                        let old = eff.values()[index];
                        let new = old * factor;
                        if (is_share && new > 1.0) || new < 1e-3 {
                            break;
                        }
                        *eff.values_mut()[index] = new;
                        gpu.efficiency = Some(Box::new(eff.clone()));
                        let l = loss(reference, &rows, &gpu, category) + prior(&eff);
                        if l < best - 1e-12 {
                            best = l;
                        } else {
                            *eff.values_mut()[index] = old;
                            break;
                        }
                    }
                }
            }
        }
    }
    gpu.efficiency = Some(Box::new(eff));
    gpu
}

/// The factors fitted without `model`'s rows (a short name, `Qwen3-30B-A3B`), by GPU id:
/// every GPU starts from the round [`Efficiency::generic`] factors, not the shipped ones
/// (which have seen the model), so nothing of the held-out model leaks into the fit.
pub fn fit_without(reference: &Reference, model: &str) -> BTreeMap<String, GpuParams> {
    let keep: Vec<usize> = (0..reference.rows.len())
        .filter(|&i| reference.rows[i].model_name() != model)
        .collect();
    let training = Reference {
        rows: keep.iter().map(|&i| reference.rows[i].clone()).collect(),
        models: keep.iter().map(|&i| reference.models[i].clone()).collect(),
    };
    catalog_gpus()
        .into_iter()
        .map(|(id, mut gpu)| {
            gpu.efficiency = Some(Box::new(Efficiency::generic()));
            let once = fit(&training, &id, &gpu);
            let fitted = fit(&training, &id, &once);
            (id, fitted)
        })
        .collect()
}

/// Agreement of each model's rows with the factors fitted without it ([`fit_without`]), by
/// (model, kind), in model order; the MoE models' together under `("MoE", "")` and the dense
/// ones' under `("dense", "")`.
pub fn holdout(reference: &Reference) -> BTreeMap<(String, String), Agreement> {
    let mut names: Vec<&str> = reference.rows.iter().map(Row::model_name).collect();
    names.sort_unstable();
    names.dedup();
    let mut table = BTreeMap::new();
    let mut pooled: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for name in names {
        let gpus = fit_without(reference, name);
        let is_moe = reference
            .rows
            .iter()
            .position(|r| r.model_name() == name)
            .is_some_and(|i| reference.models[i].moe.is_some());
        for ((group, kind), a) in agreement(reference, &gpus) {
            if group == name {
                let pool = pooled
                    .entry(if is_moe { "MoE" } else { "dense" })
                    .or_default();
                pool.0 += a.within;
                pool.1 += a.rows;
                table.insert((group, kind), a);
            }
        }
    }
    for (group, (within, rows)) in pooled {
        table.insert(
            (group.to_string(), String::new()),
            Agreement {
                within,
                rows,
                median_ratio: f64::NAN,
            },
        );
    }
    table
}

/// The hold-out table ([`holdout`]) as Markdown.
pub fn holdout_markdown(table: &BTreeMap<(String, String), Agreement>) -> String {
    let mut out = String::from(
        "| held-out model | kind | steps | within +-15% | median predicted / reference |\n|---|---|---:|---:|---:|\n",
    );
    let pooled = |g: &str| g == "MoE" || g == "dense";
    let mut keys: Vec<&(String, String)> = table.keys().collect();
    keys.sort_by_key(|(g, kind)| (pooled(g), g.clone(), kind.clone()));
    for key in keys {
        let a = table[key];
        let median = if a.median_ratio.is_nan() {
            String::new()
        } else {
            format!("{:.2}", a.median_ratio)
        };
        let group = if pooled(&key.0) {
            format!("**all {}**", key.0)
        } else {
            key.0.clone()
        };
        out.push_str(&format!(
            "| {group} | {} | {} | {:.1}% | {median} |\n",
            key.1,
            a.rows,
            100.0 * a.share(),
        ));
    }
    out
}

/// The agreement table as Markdown: one row per GPU and kind, then per model and kind,
/// then all counted rows.
pub fn markdown_table(table: &BTreeMap<(String, String), Agreement>) -> String {
    let mut out = String::from(
        "| group | kind | steps | within +-15% | median predicted / reference |\n|---|---|---:|---:|---:|\n",
    );
    let is_gpu = |k: &str| presets::GPU_IDS.contains(&k);
    let mut keys: Vec<&(String, String)> = table.keys().collect();
    keys.sort_by_key(|(g, kind)| (g == "all", !is_gpu(g), g.clone(), kind.clone()));
    for key in keys {
        let a = table[key];
        out.push_str(&format!(
            "| {} | {} | {} | {:.1}% | {:.2} |\n",
            if key.0 == "all" { "**all**" } else { &key.0 },
            key.1,
            a.rows,
            100.0 * a.share(),
            a.median_ratio
        ));
    }
    out
}
