//! Validation: every field checked before the run starts, each error naming the field and
//! what is allowed. A config that passes cannot make the engine panic or loop forever.

use crate::arch::Dtype;
use crate::config::{
    Acceptance, ArrivalProcess, Config, Decider, HardwareSpec, LengthDist, ModelSpec, PoolConfig,
    SpecMethod,
};
use crate::cost::{kv_capacity_blocks, memory_budget};
use crate::error::Error;
use crate::prefix::PrefixTree;
use crate::presets::{self, GpuParams, ModelParams, GIB};
use crate::report::Role;

pub use crate::workload::MAX_TOKENS;
/// Most instances in one pool.
pub const MAX_INSTANCES: u32 = 1024;

/// One pool, with presets resolved and its KV capacity derived.
#[derive(Clone, Debug)]
pub struct ResolvedPool {
    /// Which pool.
    pub role: Role,
    /// Instances.
    pub instances: u32,
    /// TP degree.
    pub tp: u32,
    /// Expert-parallel degree (1: experts sliced by TP).
    pub ep: u32,
    /// GPU numbers.
    pub gpu: GpuParams,
    /// KV blocks per instance.
    pub kv_blocks: u64,
    /// Price of one of its GPUs, in US dollars per hour: the pool's `usd_per_gpu_hour`,
    /// else the GPU's `usd_per_hour` (`None`: unknown).
    pub usd_per_gpu_hour: Option<f64>,
}

impl ResolvedPool {
    /// GPUs of one instance: `tp`, or `ep` when experts spread wider.
    pub fn gpus_per_instance(&self) -> u32 {
        self.tp.max(self.ep)
    }
}

/// A config that passed [`validate`], with its presets resolved: the only way to build a
/// simulation, so an engine never runs an unchecked config or numbers resolved from another
/// one.
#[derive(Clone, Debug)]
pub struct Validated<'a> {
    config: &'a Config,
    resolved: Resolved,
    /// Where the workload's nested prefix groups branch (a trace's, checked once).
    prefix_tree: PrefixTree,
}

impl<'a> Validated<'a> {
    /// The config.
    pub fn config(&self) -> &'a Config {
        self.config
    }

    /// Its model and pools, with catalog ids resolved and KV capacity derived.
    pub fn resolved(&self) -> &Resolved {
        &self.resolved
    }

    /// Where the workload's prompts' nested prefix groups branch.
    pub fn prefix_tree(&self) -> &PrefixTree {
        &self.prefix_tree
    }
}

/// The numbers a config's catalog ids and derived sizes resolve to.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// Model numbers.
    pub model: ModelParams,
    /// Pools in instance-id order: prefill, decode, unified.
    pub pools: Vec<ResolvedPool>,
    /// The draft model of speculative decoding with method `draft`.
    pub draft_model: Option<ModelParams>,
}

type Result<T> = std::result::Result<T, Error>;

fn check(ok: bool, field: &str, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(field, message()))
    }
}

fn positive(value: f64, field: &str, unit: &str) -> Result<()> {
    check(value.is_finite() && value > 0.0, field, || {
        format!("must be a finite number > 0 {unit}, got {value}")
    })
}

fn non_negative(value: f64, field: &str, unit: &str) -> Result<()> {
    check(value.is_finite() && value >= 0.0, field, || {
        format!("must be a finite number >= 0 {unit}, got {value}")
    })
}

fn fraction(value: f64, field: &str, allow_zero: bool) -> Result<()> {
    let ok = value.is_finite() && value <= 1.0 && (value > 0.0 || (allow_zero && value == 0.0));
    let range = if allow_zero { "[0, 1]" } else { "(0, 1]" };
    check(ok, field, || format!("must be in {range}, got {value}"))
}

fn in_range(value: u64, lo: u64, hi: u64, field: &str) -> Result<()> {
    check((lo..=hi).contains(&value), field, || {
        format!("must be between {lo} and {hi}, got {value}")
    })
}

/// Checks every field of `config` and resolves its presets.
pub fn validate(config: &Config) -> Result<Validated<'_>> {
    // Limits first: other checks refer to them.
    let limits = &config.limits;
    in_range(limits.max_requests, 1, u64::MAX, "limits.max_requests")?;
    in_range(limits.max_events, 1, u64::MAX, "limits.max_events")?;
    positive(limits.max_sim_time_s, "limits.max_sim_time_s", "s")?;
    let model = resolve_model(&config.model)?;
    let top_gpu = resolve_gpu(&config.hardware, "hardware")?;
    validate_engine(config)?;
    let draft_model = validate_speculative(config)?;

    let topo = &config.topology;
    let mut pools = Vec::new();
    for role in Role::IN_ORDER {
        let (pool, name) = (topo.pool(role), role.id());
        if let Some(resolved) = resolve_pool(
            config,
            role,
            pool,
            name,
            &model,
            draft_model.as_ref(),
            &top_gpu,
        )? {
            pools.push(resolved);
        }
    }
    let decode_capable = topo.decode.instances + topo.unified.instances;
    check(decode_capable > 0, "topology", || {
        "no decode-capable instance: set topology.decode.instances or topology.unified.instances to at least 1"
            .into()
    })?;
    let prefill_capable = topo.prefill.instances + topo.unified.instances;
    // Disaggregation needs a prefill-capable instance other than the decode instance.
    let can_disaggregate = topo.prefill.instances > 0
        || (topo.unified.instances >= 2)
        || (topo.unified.instances == 1 && topo.decode.instances > 0);
    check(
        config.disaggregation.decider == Decider::Never || can_disaggregate,
        "disaggregation.decider",
        || {
            format!(
            "'{}' needs a prefill-capable instance besides the decode instance, but the topology has {} \
             (prefill + unified); add topology.prefill instances, or use 'never'",
            config.disaggregation.decider.id(),
            prefill_capable
        )
        },
    )?;

    non_negative(config.routing.overlap_weight, "routing.overlap_weight", "")?;
    non_negative(
        config.routing.frontend_latency_ms,
        "routing.frontend_latency_ms",
        "ms",
    )?;
    check(
        config.routing.frontend_latency_ms <= 60_000.0,
        "routing.frontend_latency_ms",
        || {
            format!(
                "must be at most 60000 ms, got {}",
                config.routing.frontend_latency_ms
            )
        },
    )?;
    positive(
        config.kv_transfer.bandwidth_gb_per_s,
        "kv_transfer.bandwidth_gb_per_s",
        "GB/s",
    )?;
    check(
        config.kv_transfer.bandwidth_gb_per_s >= 1e-6,
        "kv_transfer.bandwidth_gb_per_s",
        || {
            format!(
                "must be at least 1e-6 GB/s (1 kB/s), got {}",
                config.kv_transfer.bandwidth_gb_per_s
            )
        },
    )?;
    non_negative(
        config.kv_transfer.base_latency_ms,
        "kv_transfer.base_latency_ms",
        "ms",
    )?;

    let prefix_tree = validate_workload(config)?;
    if let Some(ttft) = config.slo.ttft_ms {
        positive(ttft, "slo.ttft_ms", "ms")?;
    }
    if let Some(tpot) = config.slo.tpot_ms {
        positive(tpot, "slo.tpot_ms", "ms")?;
    }
    in_range(
        u64::from(config.output.timeline_buckets),
        0,
        10_000,
        "output.timeline_buckets",
    )?;
    Ok(Validated {
        prefix_tree,
        config,
        resolved: Resolved {
            model,
            pools,
            draft_model,
        },
    })
}

/// Checks `engine.kv_offload`: each tier once, with a capacity, a bandwidth and a latency.
fn validate_kv_offload(e: &crate::config::EngineConfig) -> Result<()> {
    check(
        e.kv_offload.is_empty() || e.prefix_caching,
        "engine.kv_offload",
        || "needs engine.prefix_caching (only cached blocks go down a tier)".into(),
    )?;
    for (i, tier) in e.kv_offload.iter().enumerate() {
        let field = |name: &str| format!("engine.kv_offload[{i}].{name}");
        check(
            e.kv_offload[..i].iter().all(|t| t.tier != tier.tier),
            &field("tier"),
            || format!("{} is listed twice; give each tier once", tier.tier.id()),
        )?;
        positive(tier.capacity_gb, &field("capacity_gb"), "GB")?;
        check(tier.capacity_gb <= 1e9, &field("capacity_gb"), || {
            format!("must be at most 1e9 GB, got {}", tier.capacity_gb)
        })?;
        positive(
            tier.bandwidth_gb_per_s,
            &field("bandwidth_gb_per_s"),
            "GB/s",
        )?;
        non_negative(tier.latency_ms, &field("latency_ms"), "ms")?;
        check(tier.latency_ms <= 1e6, &field("latency_ms"), || {
            format!("must be at most 1e6 ms, got {}", tier.latency_ms)
        })?;
    }
    Ok(())
}

fn validate_engine(config: &Config) -> Result<()> {
    let e = &config.engine;
    in_range(u64::from(e.max_num_seqs), 1, 65_536, "engine.max_num_seqs")?;
    in_range(
        u64::from(e.max_num_batched_tokens),
        1,
        1 << 20,
        "engine.max_num_batched_tokens",
    )?;
    check(
        e.max_num_batched_tokens >= e.max_num_seqs,
        "engine.max_num_batched_tokens",
        || {
            format!(
            "must be at least engine.max_num_seqs ({}) so every running sequence fits in a step, got {}",
            e.max_num_seqs, e.max_num_batched_tokens
        )
        },
    )?;
    in_range(u64::from(e.block_size), 1, 1024, "engine.block_size")?;
    if let Some(blocks) = e.kv_cache_blocks {
        in_range(blocks, 1, 1 << 40, "engine.kv_cache_blocks")?;
    }
    fraction(
        e.gpu_memory_utilization,
        "engine.gpu_memory_utilization",
        false,
    )?;
    non_negative(e.step_overhead_ms, "engine.step_overhead_ms", "ms")?;
    validate_kv_offload(e)?;
    check(
        e.step_overhead_ms <= 10_000.0,
        "engine.step_overhead_ms",
        || format!("must be at most 10000 ms, got {}", e.step_overhead_ms),
    )?;
    check(
        e.step_overhead_per_seq_ms.is_finite()
            && (0.0..=100.0).contains(&e.step_overhead_per_seq_ms),
        "engine.step_overhead_per_seq_ms",
        || {
            format!(
                "must be in [0, 100] ms per sequence, got {}",
                e.step_overhead_per_seq_ms
            )
        },
    )?;
    for (value, field) in [
        (e.prefill_efficiency, "engine.prefill_efficiency"),
        (e.decode_efficiency, "engine.decode_efficiency"),
    ] {
        positive(value, field, "")?;
        check(value <= 100.0, field, || {
            format!("must be at most 100 (a speed multiplier; 1 = as modelled), got {value}")
        })?;
    }
    Ok(())
}

/// Most tokens a speculative step proposes per sequence.
pub const MAX_SPECULATIVE_TOKENS: u32 = 16;

/// Checks `engine.speculative`; returns its draft model, resolved, for method `draft`.
fn validate_speculative(config: &Config) -> Result<Option<ModelParams>> {
    let Some(spec) = &config.engine.speculative else {
        return Ok(None);
    };
    let at = "engine.speculative";
    in_range(
        u64::from(spec.tokens),
        1,
        u64::from(MAX_SPECULATIVE_TOKENS),
        &format!("{at}.tokens"),
    )?;
    match &spec.acceptance {
        Acceptance::Uniform(a) => fraction(*a, &format!("{at}.acceptance"), true)?,
        Acceptance::PerPosition(list) => {
            check(
                list.len() == spec.tokens as usize,
                &format!("{at}.acceptance"),
                || {
                    format!(
                        "a list needs one chance per proposed token: {} numbers (tokens), got {}",
                        spec.tokens,
                        list.len()
                    )
                },
            )?;
            for (i, a) in list.iter().enumerate() {
                fraction(*a, &format!("{at}.acceptance[{i}]"), true)?;
            }
        }
    }
    let field = format!("{at}.draft_model");
    match (spec.method, &spec.draft_model) {
        (SpecMethod::Draft, None) => Err(Error::invalid(
            field,
            "method 'draft' needs a draft model: a catalog id, an architecture or a HuggingFace \
             config.json, as `model` accepts",
        )),
        (SpecMethod::Draft, Some(ModelSpec::Preset(id))) => {
            presets::model(id).map(Some).ok_or_else(|| {
                Error::invalid(
                    field,
                    format!(
                        "unknown model '{id}'; use one of {}, an object with the architecture, \
                         or a HuggingFace config.json",
                        presets::MODEL_IDS.join(", ")
                    ),
                )
            })
        }
        (SpecMethod::Draft, Some(draft)) => {
            // The model checks name `model...`: the same paths under the draft's field.
            resolve_model(draft).map(Some).map_err(|e| {
                let inner = e.field().strip_prefix("model").unwrap_or(e.field());
                Error::invalid(format!("{field}{inner}"), strip_field(&e))
            })
        }
        (method, Some(_)) => Err(Error::invalid(
            field,
            format!(
                "only method 'draft' takes a draft model; '{}' proposes without one, so leave \
                 draft_model out",
                method.id()
            ),
        )),
        (_, None) => Ok(None),
    }
}

/// An error's message without its `field: ` prefix.
fn strip_field(e: &Error) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", e.field());
    text.strip_prefix(&prefix).unwrap_or(&text).to_owned()
}

fn resolve_pool(
    config: &Config,
    role: Role,
    pool: &PoolConfig,
    name: &str,
    model: &ModelParams,
    draft_model: Option<&ModelParams>,
    top_gpu: &GpuParams,
) -> Result<Option<ResolvedPool>> {
    let field = |f: &str| format!("topology.{name}.{f}");
    in_range(
        u64::from(pool.instances),
        0,
        u64::from(MAX_INSTANCES),
        &field("instances"),
    )?;
    check(pool.tp >= 1 && pool.tp <= 64, &field("tp"), || {
        format!("must be between 1 and 64 GPUs, got {}", pool.tp)
    })?;
    let gpu = match &pool.hardware {
        Some(spec) => resolve_gpu(spec, &field("hardware"))?,
        None => top_gpu.clone(),
    };
    if let Some(price) = pool.usd_per_gpu_hour {
        non_negative(price, &field("usd_per_gpu_hour"), "US dollars per GPU-hour")?;
    }
    if pool.instances == 0 {
        return Ok(None);
    }
    let ep = check_parallelism(model, pool.tp, pool.ep, &field("tp"), &field("ep"))?;
    check_precision(model, &gpu, &field("hardware"))?;
    if let Some(draft) = draft_model {
        // The draft runs on the same GPUs, split the same `tp` ways (as vLLM runs it).
        let at = "engine.speculative.draft_model";
        // A `tp` the draft cannot split by is the pool's problem (the planner skips it).
        check_parallelism(draft, pool.tp, None, &field("tp"), at)?;
        check_precision(draft, &gpu, at)?;
    }
    let e = &config.engine;
    let kv_blocks = match e.kv_cache_blocks {
        Some(blocks) => blocks,
        None => {
            let budget = memory_budget(
                model,
                &gpu,
                pool.tp,
                ep,
                e.gpu_memory_utilization,
                e.max_num_batched_tokens,
                e.max_num_seqs,
            );
            let blocks = kv_capacity_blocks(model, e.block_size, &budget, pool.tp);
            check(blocks > 0, &field("tp"), || {
                format!(
                    "{} does not fit: per GPU, {:.1} GB of weights and {:.1} GB of activations and reserve \
                     leave no KV space in {:.1} GB ({} x {}, gpu_memory_utilization {}); raise tp or ep, \
                     or pick a larger GPU",
                    model.name,
                    budget.weights / 1e9,
                    (budget.activations + budget.reserved) / 1e9,
                    budget.usable / 1e9,
                    pool.tp.max(ep),
                    gpu.name,
                    e.gpu_memory_utilization
                )
            })?;
            blocks
        }
    };
    Ok(Some(ResolvedPool {
        role,
        instances: pool.instances,
        tp: pool.tp,
        ep,
        usd_per_gpu_hour: pool.usd_per_gpu_hour.or(gpu.usd_per_hour),
        gpu,
        kv_blocks,
    }))
}

/// Checks that `tp` and `ep` split the model's heads and experts evenly; returns the
/// expert-parallel degree (1 when experts are sliced by TP).
pub fn check_parallelism(
    model: &ModelParams,
    tp: u32,
    ep: Option<u32>,
    tp_field: &str,
    ep_field: &str,
) -> Result<u32> {
    check(model.heads % tp == 0, tp_field, || {
        format!(
            "must divide {}'s {} attention heads, got {tp}",
            model.name, model.heads
        )
    })?;
    let Some(ep) = ep else {
        return Ok(1);
    };
    in_range(u64::from(ep), 1, 1024, ep_field)?;
    let Some(moe) = &model.moe else {
        return check(ep == 1, ep_field, || {
            format!(
                "expert parallelism needs a mixture-of-experts model; {} is dense, so leave ep out",
                model.name
            )
        })
        .map(|()| 1);
    };
    check(moe.experts % ep == 0, ep_field, || {
        format!(
            "must divide {}'s {} experts, got {ep}",
            model.name, moe.experts
        )
    })?;
    check(ep % tp == 0, ep_field, || {
        format!("must be a multiple of tp ({tp}), got {ep}")
    })?;
    Ok(ep)
}

/// Checks that the GPU can run the model's weight and KV formats (FP8 needs FP8 tensor
/// cores; FP4 weights run weight-only where FP4 tensor cores are missing).
pub fn check_precision(model: &ModelParams, gpu: &GpuParams, field: &str) -> Result<()> {
    for dtype in [model.weight_dtype, model.expert_dtype(), model.kv_dtype] {
        check(gpu.peak_flops(dtype).is_some(), field, || {
            format!(
                "{} has no {} support, which {} needs; pick another GPU, or a BF16 model or \
                 weight_dtype",
                gpu.name,
                dtype.id(),
                model.name
            )
        })?;
    }
    Ok(())
}

/// Resolves a catalog id or a HuggingFace config, or checks an inline architecture.
pub fn resolve_model(spec: &ModelSpec) -> Result<ModelParams> {
    match spec {
        ModelSpec::Preset(id) => presets::model(id).ok_or_else(|| {
            Error::invalid(
                "model",
                format!(
                    "unknown model '{id}'; use one of {}, an object with the architecture, or a \
                     HuggingFace config.json",
                    presets::MODEL_IDS.join(", ")
                ),
            )
        }),
        ModelSpec::HuggingFace(map) => {
            let m = crate::hf_config::parse(&serde_json::Value::Object(map.clone()), "model")?;
            check_architecture(&m)?;
            Ok(m)
        }
        ModelSpec::Custom(m) => {
            check_architecture(m)?;
            let mut m = m.clone();
            if m.name.is_empty() {
                m.name = "custom model".into();
            }
            Ok(m)
        }
    }
}

/// Checks an architecture's numbers (from any source) against sane bounds.
fn check_architecture(m: &ModelParams) -> Result<()> {
    in_range(u64::from(m.layers), 1, 1000, "model.layers")?;
    in_range(u64::from(m.hidden), 1, 1 << 20, "model.hidden")?;
    in_range(u64::from(m.heads), 1, 4096, "model.heads")?;
    in_range(
        u64::from(m.kv_heads),
        1,
        u64::from(m.heads),
        "model.kv_heads",
    )?;
    in_range(u64::from(m.head_dim), 1, 4096, "model.head_dim")?;
    in_range(u64::from(m.intermediate), 1, 1 << 22, "model.intermediate")?;
    in_range(u64::from(m.vocab), 1, 1 << 24, "model.vocab")?;
    check(
        m.kv_dtype != Dtype::Fp4 && m.kv_dtype != Dtype::Fp8Block,
        "model.kv_dtype",
        || format!("must be bf16 or fp8, got {}", m.kv_dtype.id()),
    )?;
    if let Some(mla) = &m.mla {
        in_range(
            u64::from(mla.kv_lora_rank),
            1,
            1 << 16,
            "model.mla.kv_lora_rank",
        )?;
        in_range(
            u64::from(mla.qk_rope_head_dim),
            1,
            1 << 12,
            "model.mla.qk_rope_head_dim",
        )?;
        in_range(
            u64::from(mla.qk_nope_head_dim),
            1,
            1 << 12,
            "model.mla.qk_nope_head_dim",
        )?;
        in_range(
            u64::from(mla.v_head_dim),
            1,
            1 << 12,
            "model.mla.v_head_dim",
        )?;
        in_range(
            u64::from(mla.q_lora_rank),
            0,
            1 << 16,
            "model.mla.q_lora_rank",
        )?;
    }
    if let Some(moe) = &m.moe {
        in_range(u64::from(moe.experts), 1, 65_536, "model.moe.experts")?;
        in_range(
            u64::from(moe.experts_per_token),
            1,
            u64::from(moe.experts),
            "model.moe.experts_per_token",
        )?;
        in_range(
            u64::from(moe.intermediate),
            1,
            1 << 22,
            "model.moe.intermediate",
        )?;
        in_range(
            u64::from(moe.shared_intermediate),
            0,
            1 << 22,
            "model.moe.shared_intermediate",
        )?;
        in_range(
            u64::from(moe.dense_layers),
            0,
            u64::from(m.layers) - 1,
            "model.moe.dense_layers",
        )?;
    }
    Ok(())
}

/// Resolves a GPU preset id or checks custom GPU numbers; `field` names where it was given.
pub fn resolve_gpu(spec: &HardwareSpec, field: &str) -> Result<GpuParams> {
    match spec {
        HardwareSpec::Preset(id) => presets::gpu(id).ok_or_else(|| {
            Error::invalid(
                field,
                format!(
                    "unknown preset '{id}'; use one of {}, or an object with the GPU's numbers",
                    presets::GPU_IDS.join(", ")
                ),
            )
        }),
        HardwareSpec::Custom(g) => {
            let f = |name: &str| format!("{field}.{name}");
            positive(g.tflops, &f("tflops"), "TFLOPs")?;
            positive(g.hbm_tb_per_s, &f("hbm_tb_per_s"), "TB/s")?;
            positive(g.memory_gib, &f("memory_gib"), "GiB")?;
            check(g.memory_gib * GIB < 1e18, &f("memory_gib"), || {
                format!("must be below 1e9 GiB, got {}", g.memory_gib)
            })?;
            for (value, name) in [(g.fp8_tflops, "fp8_tflops"), (g.fp4_tflops, "fp4_tflops")] {
                if let Some(v) = value {
                    positive(v, &f(name), "TFLOPs")?;
                }
            }
            if let Some(e) = &g.efficiency {
                for (name, value) in crate::calibration::Efficiency::NAMES.iter().zip(e.values()) {
                    let field = f(&format!("efficiency.{name}"));
                    if crate::calibration::Efficiency::is_ratio(name) {
                        // A ratio of two kernels' speeds: positive, not a share.
                        positive(value, &field, "")?;
                        check(value <= 1e3, &field, || {
                            format!("must be at most 1000, got {value}")
                        })?;
                    } else if name.contains("latency")
                        || name.contains("rows")
                        || name.contains("passes")
                    {
                        non_negative(value, &field, "")?;
                        check(value <= 1e6, &field, || {
                            format!("must be at most 1e6, got {value}")
                        })?;
                    } else {
                        fraction(value, &field, false)?;
                    }
                }
            }
            positive(g.interconnect_gb_per_s, &f("interconnect_gb_per_s"), "GB/s")?;
            if let Some(price) = g.usd_per_hour {
                non_negative(price, &f("usd_per_hour"), "US dollars per hour")?;
            }
            if let Some(power) = g.power_w {
                positive(power, &f("power_w"), "W")?;
            }
            let mut g = g.clone();
            if g.name.is_empty() {
                g.name = "custom GPU".into();
            }
            Ok(g)
        }
    }
}

/// Checks the workload; returns where its prompts' nested prefix groups branch (a trace's
/// records checked once here, so the workload never rebuilds the tree).
fn validate_workload(config: &Config) -> Result<PrefixTree> {
    let w = &config.workload;
    let tree = match (&w.trace, w.requests, w.horizon_s) {
        (Some(trace), _, _) => {
            check(!trace.is_empty(), "workload.trace", || {
                "is empty; give at least one record or remove it".into()
            })?;
            check(
                trace.len() as u64 <= config.limits.max_requests,
                "workload.trace",
                || {
                    format!(
                        "has {} records, more than limits.max_requests ({})",
                        trace.len(),
                        config.limits.max_requests
                    )
                },
            )?;
            crate::workload::check_trace(trace)
                .map_err(|(i, m)| Error::invalid(format!("workload.trace[{i}]"), m))?
        }
        (None, None, None) => {
            return Err(Error::invalid(
                "workload.requests",
                "give a number of requests, a horizon_s, or a trace",
            ));
        }
        (None, requests, _) => {
            if let Some(n) = requests {
                in_range(n, 1, config.limits.max_requests, "workload.requests").map_err(|_| {
                    Error::invalid(
                        "workload.requests",
                        format!(
                            "must be between 1 and limits.max_requests ({}), got {n}",
                            config.limits.max_requests
                        ),
                    )
                })?;
            }
            crate::workload::prefix_tree(w)
        }
    };
    if let Some(h) = w.horizon_s {
        positive(h, "workload.horizon_s", "s")?;
        check(
            h <= config.limits.max_sim_time_s,
            "workload.horizon_s",
            || {
                format!(
                    "must be at most limits.max_sim_time_s ({} s), got {h}",
                    config.limits.max_sim_time_s
                )
            },
        )?;
    }
    positive(
        w.arrival.rate_per_s,
        "workload.arrival.rate_per_s",
        "requests/s",
    )?;
    check(
        w.arrival.rate_per_s <= 1e9,
        "workload.arrival.rate_per_s",
        || {
            format!(
                "must be at most 1e9 requests/s, got {}",
                w.arrival.rate_per_s
            )
        },
    )?;
    if w.arrival.process == ArrivalProcess::Gamma {
        check(
            w.arrival.cv.is_finite() && (0.01..=100.0).contains(&w.arrival.cv),
            "workload.arrival.cv",
            || {
                format!(
                    "must be between 0.01 and 100 for the gamma process, got {}",
                    w.arrival.cv
                )
            },
        )?;
    }
    validate_length(&w.input_tokens, "workload.input_tokens")?;
    validate_length(&w.output_tokens, "workload.output_tokens")?;
    in_range(
        u64::from(w.trace_block_tokens),
        1,
        u64::from(MAX_TOKENS),
        "workload.trace_block_tokens",
    )?;
    let think = |value: f64, field: &str| {
        check(
            value.is_finite() && value >= 0.0 && value <= config.limits.max_sim_time_s * 1e3,
            field,
            || format!("must be a number of ms between 0 and limits.max_sim_time_s, got {value}"),
        )
    };
    if let Some(sessions) = &w.sessions {
        check(w.trace.is_none(), "workload.sessions", || {
            "applies to generated workloads only; remove it or the trace".into()
        })?;
        validate_length(&sessions.turns, "workload.sessions.turns")?;
        validate_length(&sessions.new_tokens, "workload.sessions.new_tokens")?;
        think(sessions.think_time_ms, "workload.sessions.think_time_ms")?;
    }
    if let Some(closed) = &w.closed_loop {
        check(w.trace.is_none(), "workload.closed_loop", || {
            "applies to generated workloads only; remove it or the trace".into()
        })?;
        let most = config.limits.max_requests.min(1_000_000);
        in_range(
            u64::from(closed.users),
            1,
            most,
            "workload.closed_loop.users",
        )
        .map_err(|_| {
            Error::invalid(
                "workload.closed_loop.users",
                format!(
                    "must be between 1 and {most} (limits.max_requests, at most 1,000,000), got {}",
                    closed.users
                ),
            )
        })?;
        think(closed.think_time_ms, "workload.closed_loop.think_time_ms")?;
    }
    in_range(
        u64::from(w.prefix.groups),
        0,
        1_000_000,
        "workload.prefix.groups",
    )?;
    in_range(
        u64::from(w.prefix.tokens),
        0,
        u64::from(MAX_TOKENS),
        "workload.prefix.tokens",
    )?;
    in_range(
        u64::from(w.prefix.system_tokens),
        0,
        u64::from(MAX_TOKENS),
        "workload.prefix.system_tokens",
    )?;
    fraction(w.prefix.fraction, "workload.prefix.fraction", true)?;
    Ok(tree)
}

fn validate_length(dist: &LengthDist, field: &str) -> Result<()> {
    let f = |name: &str| format!("{field}.{name}");
    let max = u64::from(MAX_TOKENS);
    let clamps = |min: Option<u32>, max_clamp: Option<u32>| -> Result<()> {
        if let Some(lo) = min {
            in_range(u64::from(lo), 1, max, &f("min"))?;
        }
        if let Some(hi) = max_clamp {
            in_range(u64::from(hi), u64::from(min.unwrap_or(1)), max, &f("max"))?;
        }
        Ok(())
    };
    match *dist {
        LengthDist::Constant { value } => in_range(u64::from(value), 1, max, &f("value")),
        LengthDist::Uniform { min, max: hi } => {
            in_range(u64::from(min), 1, max, &f("min"))?;
            in_range(u64::from(hi), u64::from(min), max, &f("max"))
        }
        LengthDist::Normal {
            mean,
            std,
            min,
            max: hi,
        }
        | LengthDist::Lognormal {
            mean,
            std,
            min,
            max: hi,
        } => {
            positive(mean, &f("mean"), "tokens")?;
            check(mean <= f64::from(MAX_TOKENS), &f("mean"), || {
                format!("must be at most {MAX_TOKENS} tokens, got {mean}")
            })?;
            non_negative(std, &f("std"), "tokens")?;
            check(std <= f64::from(MAX_TOKENS), &f("std"), || {
                format!("must be at most {MAX_TOKENS} tokens, got {std}")
            })?;
            clamps(min, hi)
        }
    }
}
