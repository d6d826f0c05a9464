//! The form's metadata: what each control of the playground edits in a [`Config`] (number
//! boxes' config paths, their text and how typed text parses into the config; the pools,
//! length distributions, link and scenario presets the selects offer) and the edits of the
//! form's buttons. The reducer ([`crate::state`]) applies it; the controls ([`crate::components::controls`])
//! lay it out. Kept apart from the state so that adding a field touches this table only.

use std::sync::OnceLock;

use pdsim::config::{
    Acceptance, Decider, DistKind, HardwareSpec, KvTier, KvTierConfig, LengthDist, ModelSpec,
    PoolConfig, SpecMethod, SpeculativeConfig,
};
use pdsim::report::Role;
use pdsim::Config;
use pdsim::Example;

/// Largest threshold the slider and the number box accept, in tokens.
pub const MAX_THRESHOLD: u32 = 8192;
/// Most requests one playground run may simulate (keeps every run interactive).
pub const MAX_REQUESTS: u64 = 50_000;

/// The scenarios of the preset menu: every example except the 100,000-request benchmark.
pub fn examples() -> &'static [Example] {
    static EXAMPLES: OnceLock<Vec<Example>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        pdsim::examples()
            .into_iter()
            .filter(|e| !e.benchmark)
            .collect()
    })
}

/// The pools as the form shows them: the core's [`Role`], in the order of a run's
/// instances, with the words the page uses for each.
pub trait PoolText {
    /// The pool's name in the form.
    fn label(self) -> &'static str;
    /// What the pool's instances do (tooltips).
    fn explain(self) -> &'static str;
}

impl PoolText for Role {
    fn label(self) -> &'static str {
        match self {
            Self::Prefill => "Prefill",
            Self::Decode => "Decode",
            Self::Unified => "Unified",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Self::Prefill => "prefill-only instances that compute disaggregated prompts",
            Self::Decode => {
                "decode instances; they also prefill the requests the decider keeps local"
            }
            Self::Unified => "aggregated instances that both prefill and decode",
        }
    }
}

/// The KV-link presets of the form: the core's table, which the lessons read too.
pub use pdsim::presets::LINKS;

/// The id of the link preset matching the config's link, or `"custom"`.
pub fn link_id(config: &Config) -> &'static str {
    let link = &config.kv_transfer;
    LINKS
        .iter()
        .find(|l| {
            l.bandwidth_gb_per_s == link.bandwidth_gb_per_s
                && l.base_latency_ms == link.base_latency_ms
        })
        .map_or("custom", |l| l.id)
}

/// The name of the scenario preset equal to the config, or `"custom"`.
pub fn example_id(config: &Config) -> &'static str {
    examples()
        .iter()
        .find(|e| e.config == *config)
        .map_or("custom", |e| e.name)
}

/// The preset id of a model or GPU spec, or `"custom"`.
pub fn model_id(config: &Config) -> &str {
    match &config.model {
        ModelSpec::Preset(id) => id,
        ModelSpec::Custom(_) | ModelSpec::HuggingFace(_) => "custom",
    }
}

/// The preset id of the top-level GPU, or `"custom"`.
pub fn gpu_id(config: &Config) -> &str {
    match &config.hardware {
        HardwareSpec::Preset(id) => id,
        HardwareSpec::Custom(_) => "custom",
    }
}

/// A number box of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// `topology.<pool>.instances`
    Instances(Role),
    /// `topology.<pool>.tp`
    Tp(Role),
    /// `disaggregation.threshold_tokens`
    Threshold,
    /// `kv_transfer.bandwidth_gb_per_s`
    Bandwidth,
    /// `kv_transfer.base_latency_ms`
    Latency,
    /// `workload.arrival.rate_per_s`
    Rate,
    /// `workload.requests`
    Requests,
    /// `seed`
    Seed,
    /// `slo.ttft_ms` (empty: none)
    SloTtft,
    /// `slo.tpot_ms` (empty: none)
    SloTpot,
    /// `workload.arrival.cv`
    Cv,
    /// `workload.prefix.groups`
    PrefixGroups,
    /// `workload.prefix.tokens`
    PrefixTokens,
    /// `workload.prefix.fraction`
    PrefixFraction,
    /// `workload.prefix.system_tokens`
    SystemTokens,
    /// A parameter of `workload.<input|output>_tokens`.
    Len(Lengths, Param),
    /// `engine.max_num_batched_tokens` (the chunk size of chunked prefill)
    ChunkTokens,
    /// `engine.max_num_seqs`
    MaxSeqs,
    /// `engine.gpu_memory_utilization`
    GpuMemory,
    /// `engine.step_overhead_ms`
    StepOverhead,
    /// `engine.step_overhead_per_seq_ms`
    SeqOverhead,
    /// `routing.frontend_latency_ms`
    FrontendLatency,
    /// `disaggregation.max_prefill_queue`
    MaxPrefillQueue,
    /// `engine.speculative.tokens` (only while speculative decoding is on)
    SpecTokens,
    /// `engine.speculative.acceptance`: one chance, or one per position separated by commas
    SpecAcceptance,
    /// `engine.kv_offload[0].capacity_gb` (only while a tier is on)
    KvCapacity,
    /// `engine.kv_offload[0].bandwidth_gb_per_s`
    KvBandwidth,
    /// `engine.kv_offload[0].latency_ms`
    KvLatency,
}

/// Which length distribution of the workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lengths {
    /// `workload.input_tokens`
    Input,
    /// `workload.output_tokens`
    Output,
}

impl Lengths {
    /// Config path of the distribution.
    pub fn path(self) -> &'static str {
        match self {
            Self::Input => "workload.input_tokens",
            Self::Output => "workload.output_tokens",
        }
    }

    /// The distribution in `config`.
    pub fn of(self, config: &Config) -> &LengthDist {
        match self {
            Self::Input => &config.workload.input_tokens,
            Self::Output => &config.workload.output_tokens,
        }
    }

    /// The distribution in `config`, to change.
    pub fn of_mut(self, config: &mut Config) -> &mut LengthDist {
        match self {
            Self::Input => &mut config.workload.input_tokens,
            Self::Output => &mut config.workload.output_tokens,
        }
    }
}

/// A parameter of a length distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Param {
    /// `value` (constant)
    Value,
    /// `min`
    Min,
    /// `max`
    Max,
    /// `mean`
    Mean,
    /// `std`
    Std,
}

impl Param {
    /// Name in config paths.
    pub fn id(self) -> &'static str {
        match self {
            Self::Value => "value",
            Self::Min => "min",
            Self::Max => "max",
            Self::Mean => "mean",
            Self::Std => "std",
        }
    }
}

/// The parameters the form shows for a distribution.
pub fn dist_params(dist: &LengthDist) -> &'static [Param] {
    match dist {
        LengthDist::Constant { .. } => &[Param::Value],
        LengthDist::Uniform { .. } => &[Param::Min, Param::Max],
        LengthDist::Normal { .. } | LengthDist::Lognormal { .. } => {
            &[Param::Mean, Param::Std, Param::Min, Param::Max]
        }
    }
}

/// The distribution of kind `kind` with about the same mean as `dist`.
pub fn switch_dist(dist: &LengthDist, kind: DistKind) -> LengthDist {
    let mean = match dist {
        LengthDist::Constant { value } => f64::from(*value),
        LengthDist::Uniform { min, max } => (f64::from(*min) + f64::from(*max)) / 2.0,
        LengthDist::Normal { mean, .. } | LengthDist::Lognormal { mean, .. } => *mean,
    }
    .round()
    .max(1.0);
    let whole = |v: f64| v.round().clamp(1.0, f64::from(u32::MAX)) as u32;
    match kind {
        DistKind::Constant => LengthDist::Constant { value: whole(mean) },
        DistKind::Uniform => LengthDist::Uniform {
            min: whole(mean / 2.0),
            max: whole(mean * 1.5),
        },
        DistKind::Normal => LengthDist::Normal {
            mean,
            std: (mean / 4.0).round(),
            min: Some(1),
            max: None,
        },
        DistKind::Lognormal => LengthDist::Lognormal {
            mean,
            std: (mean / 2.0).round(),
            min: Some(1),
            max: None,
        },
    }
}

/// Text of an optional number (empty for none).
fn opt_text<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

impl Field {
    /// The config path of the field (what validation errors name).
    pub fn path(self) -> String {
        match self {
            Self::Instances(pool) => format!("topology.{}.instances", pool.id()),
            Self::Tp(pool) => format!("topology.{}.tp", pool.id()),
            Self::Threshold => "disaggregation.threshold_tokens".into(),
            Self::Bandwidth => "kv_transfer.bandwidth_gb_per_s".into(),
            Self::Latency => "kv_transfer.base_latency_ms".into(),
            Self::Rate => "workload.arrival.rate_per_s".into(),
            Self::Requests => "workload.requests".into(),
            Self::Seed => "seed".into(),
            Self::SloTtft => "slo.ttft_ms".into(),
            Self::SloTpot => "slo.tpot_ms".into(),
            Self::Cv => "workload.arrival.cv".into(),
            Self::PrefixGroups => "workload.prefix.groups".into(),
            Self::PrefixTokens => "workload.prefix.tokens".into(),
            Self::PrefixFraction => "workload.prefix.fraction".into(),
            Self::SystemTokens => "workload.prefix.system_tokens".into(),
            Self::Len(which, param) => format!("{}.{}", which.path(), param.id()),
            Self::ChunkTokens => "engine.max_num_batched_tokens".into(),
            Self::MaxSeqs => "engine.max_num_seqs".into(),
            Self::GpuMemory => "engine.gpu_memory_utilization".into(),
            Self::StepOverhead => "engine.step_overhead_ms".into(),
            Self::SeqOverhead => "engine.step_overhead_per_seq_ms".into(),
            Self::FrontendLatency => "routing.frontend_latency_ms".into(),
            Self::MaxPrefillQueue => "disaggregation.max_prefill_queue".into(),
            Self::SpecTokens => "engine.speculative.tokens".into(),
            Self::SpecAcceptance => "engine.speculative.acceptance".into(),
            Self::KvCapacity => "engine.kv_offload[0].capacity_gb".into(),
            Self::KvBandwidth => "engine.kv_offload[0].bandwidth_gb_per_s".into(),
            Self::KvLatency => "engine.kv_offload[0].latency_ms".into(),
        }
    }

    /// The field's value in `config`, as the number box shows it.
    pub fn text(self, config: &Config) -> String {
        match self {
            Self::Instances(pool) => config.topology.pool(pool).instances.to_string(),
            Self::Tp(pool) => config.topology.pool(pool).tp.to_string(),
            Self::Threshold => config.disaggregation.threshold_tokens.to_string(),
            Self::Bandwidth => config.kv_transfer.bandwidth_gb_per_s.to_string(),
            Self::Latency => config.kv_transfer.base_latency_ms.to_string(),
            Self::Rate => config.workload.arrival.rate_per_s.to_string(),
            Self::Requests => opt_text(config.workload.requests),
            Self::Seed => config.seed.to_string(),
            Self::SloTtft => opt_text(config.slo.ttft_ms),
            Self::SloTpot => opt_text(config.slo.tpot_ms),
            Self::Cv => config.workload.arrival.cv.to_string(),
            Self::PrefixGroups => config.workload.prefix.groups.to_string(),
            Self::PrefixTokens => config.workload.prefix.tokens.to_string(),
            Self::PrefixFraction => config.workload.prefix.fraction.to_string(),
            Self::SystemTokens => config.workload.prefix.system_tokens.to_string(),
            Self::ChunkTokens => config.engine.max_num_batched_tokens.to_string(),
            Self::MaxSeqs => config.engine.max_num_seqs.to_string(),
            Self::GpuMemory => config.engine.gpu_memory_utilization.to_string(),
            Self::StepOverhead => config.engine.step_overhead_ms.to_string(),
            Self::SeqOverhead => config.engine.step_overhead_per_seq_ms.to_string(),
            Self::FrontendLatency => config.routing.frontend_latency_ms.to_string(),
            Self::MaxPrefillQueue => config.disaggregation.max_prefill_queue.to_string(),
            Self::SpecTokens => opt_text(config.engine.speculative.as_ref().map(|s| s.tokens)),
            Self::KvCapacity => opt_text(config.engine.kv_offload.first().map(|t| t.capacity_gb)),
            Self::KvBandwidth => opt_text(
                config
                    .engine
                    .kv_offload
                    .first()
                    .map(|t| t.bandwidth_gb_per_s),
            ),
            Self::KvLatency => opt_text(config.engine.kv_offload.first().map(|t| t.latency_ms)),
            Self::SpecAcceptance => match config.engine.speculative.as_ref().map(|s| &s.acceptance)
            {
                Some(Acceptance::Uniform(a)) => a.to_string(),
                Some(Acceptance::PerPosition(list)) => list
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                None => String::new(),
            },
            Self::Len(which, param) => match (which.of(config), param) {
                (LengthDist::Constant { value }, Param::Value) => value.to_string(),
                (LengthDist::Uniform { min, .. }, Param::Min) => min.to_string(),
                (LengthDist::Uniform { max, .. }, Param::Max) => max.to_string(),
                (
                    LengthDist::Normal { mean, .. } | LengthDist::Lognormal { mean, .. },
                    Param::Mean,
                ) => mean.to_string(),
                (
                    LengthDist::Normal { std, .. } | LengthDist::Lognormal { std, .. },
                    Param::Std,
                ) => std.to_string(),
                (
                    LengthDist::Normal { min, .. } | LengthDist::Lognormal { min, .. },
                    Param::Min,
                ) => opt_text(*min),
                (
                    LengthDist::Normal { max, .. } | LengthDist::Lognormal { max, .. },
                    Param::Max,
                ) => opt_text(*max),
                _ => String::new(),
            },
        }
    }

    /// Parses `text` into `config`, or says what is allowed.
    pub fn apply(self, config: &mut Config, text: &str) -> Result<(), String> {
        let text = text.trim();
        let whole = |what: &str| -> Result<u32, String> {
            text.parse::<u32>()
                .map_err(|_| format!("must be a whole number of {what} (0 or more)"))
        };
        let real = |unit: &str| -> Result<f64, String> {
            match crate::number::parse_f64(text) {
                Some(v) if v.is_finite() => Ok(v),
                _ => Err(format!("must be a number in {unit}")),
            }
        };
        let optional_real = |unit: &str| -> Result<Option<f64>, String> {
            if text.is_empty() {
                Ok(None)
            } else {
                match crate::number::parse_f64(text) {
                    Some(v) if v.is_finite() => Ok(Some(v)),
                    _ => Err(format!("must be a number in {unit}, or empty for none")),
                }
            }
        };
        let optional_whole = || -> Result<Option<u32>, String> {
            if text.is_empty() {
                Ok(None)
            } else {
                text.parse::<u32>()
                    .map(Some)
                    .map_err(|_| "must be a whole number of tokens, or empty for none".to_owned())
            }
        };
        match self {
            Self::Instances(pool) => config.topology.pool_mut(pool).instances = whole("instances")?,
            Self::Tp(pool) => config.topology.pool_mut(pool).tp = whole("GPUs")?,
            Self::Threshold => {
                let v = whole("tokens")?;
                if v > MAX_THRESHOLD {
                    return Err(format!(
                        "must be between 0 and {MAX_THRESHOLD} tokens in the playground"
                    ));
                }
                config.disaggregation.threshold_tokens = v;
            }
            Self::Bandwidth => config.kv_transfer.bandwidth_gb_per_s = real("GB/s")?,
            Self::Latency => config.kv_transfer.base_latency_ms = real("ms")?,
            Self::Rate => config.workload.arrival.rate_per_s = real("requests per second")?,
            Self::Requests => {
                let n = text
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_REQUESTS).contains(n));
                match n {
                    Some(n) => config.workload.requests = Some(n),
                    None => {
                        return Err(format!(
                            "must be a whole number of requests between 1 and {MAX_REQUESTS} in the playground"
                        ))
                    }
                }
            }
            Self::Seed => {
                config.seed = text
                    .parse::<u64>()
                    .map_err(|_| "must be a whole number (0 or more)".to_owned())?;
            }
            Self::SloTtft => config.slo.ttft_ms = optional_real("ms")?,
            Self::SloTpot => config.slo.tpot_ms = optional_real("ms")?,
            Self::Cv => config.workload.arrival.cv = real("units of the mean gap")?,
            Self::PrefixGroups => config.workload.prefix.groups = whole("groups")?,
            Self::PrefixTokens => config.workload.prefix.tokens = whole("tokens")?,
            Self::PrefixFraction => config.workload.prefix.fraction = real("[0, 1]")?,
            Self::SystemTokens => config.workload.prefix.system_tokens = whole("tokens")?,
            Self::ChunkTokens => config.engine.max_num_batched_tokens = whole("tokens")?,
            Self::MaxSeqs => config.engine.max_num_seqs = whole("sequences")?,
            Self::GpuMemory => {
                config.engine.gpu_memory_utilization = real("shares of GPU memory (0 to 1]")?;
            }
            Self::StepOverhead => config.engine.step_overhead_ms = real("ms")?,
            Self::SeqOverhead => {
                config.engine.step_overhead_per_seq_ms = real("ms per sequence")?;
            }
            Self::FrontendLatency => config.routing.frontend_latency_ms = real("ms")?,
            Self::MaxPrefillQueue => config.disaggregation.max_prefill_queue = whole("requests")?,
            Self::SpecTokens | Self::SpecAcceptance => {
                let Some(spec) = config.engine.speculative.as_mut() else {
                    return Err("turn speculative decoding on first".into());
                };
                if self == Self::SpecTokens {
                    spec.tokens = whole("proposed tokens")?;
                } else {
                    spec.acceptance = parse_acceptance(text)?;
                }
            }
            Self::KvCapacity | Self::KvBandwidth | Self::KvLatency => {
                let Some(tier) = config.engine.kv_offload.first_mut() else {
                    return Err("pick a KV offload tier first".into());
                };
                match self {
                    Self::KvCapacity => tier.capacity_gb = real("GB")?,
                    Self::KvBandwidth => tier.bandwidth_gb_per_s = real("GB/s")?,
                    _ => tier.latency_ms = real("ms")?,
                }
            }
            Self::Len(which, param) => match (which.of_mut(config), param) {
                (LengthDist::Constant { value }, Param::Value) => *value = whole("tokens")?,
                (LengthDist::Uniform { min, .. }, Param::Min) => *min = whole("tokens")?,
                (LengthDist::Uniform { max, .. }, Param::Max) => *max = whole("tokens")?,
                (
                    LengthDist::Normal { mean, .. } | LengthDist::Lognormal { mean, .. },
                    Param::Mean,
                ) => *mean = real("tokens")?,
                (
                    LengthDist::Normal { std, .. } | LengthDist::Lognormal { std, .. },
                    Param::Std,
                ) => {
                    *std = real("tokens")?;
                }
                (
                    LengthDist::Normal { min, .. } | LengthDist::Lognormal { min, .. },
                    Param::Min,
                ) => {
                    *min = optional_whole()?;
                }
                (
                    LengthDist::Normal { max, .. } | LengthDist::Lognormal { max, .. },
                    Param::Max,
                ) => {
                    *max = optional_whole()?;
                }
                _ => return Err("does not apply to this distribution".into()),
            },
        }
        Ok(())
    }
}

/// An acceptance as typed: one chance, or one per position separated by commas.
fn parse_acceptance(text: &str) -> Result<Acceptance, String> {
    let chances: Option<Vec<f64>> = text
        .split(',')
        .map(|part| crate::number::parse_f64(part.trim()).filter(|v| v.is_finite()))
        .collect();
    match chances {
        Some(list) if list.len() == 1 => Ok(Acceptance::Uniform(list[0])),
        Some(list) => Ok(Acceptance::PerPosition(list)),
        None => {
            Err("must be a chance in [0, 1], or one per proposed token separated by commas".into())
        }
    }
}

/// The proposers the form offers: the config's names, `off` for none. A draft model is only
/// set in a config (its model is not a form choice), so `draft` shows only when a config has it.
pub fn spec_methods(config: &Config) -> Vec<(String, String)> {
    let mut options = vec![("off".to_owned(), "off".to_owned())];
    for method in SpecMethod::ALL {
        let has_draft = config
            .engine
            .speculative
            .as_ref()
            .is_some_and(|s| s.method == method);
        if method != SpecMethod::Draft || has_draft {
            options.push((method.id().to_owned(), method.id().to_owned()));
        }
    }
    options
}

/// Turns speculative decoding on with `method` (3 tokens accepted at 0.7 each when it was
/// off, the settings kept when it was on), or off (`None`).
pub fn set_speculation(config: &mut Config, method: Option<SpecMethod>) {
    config.engine.speculative = method.map(|method| {
        let mut spec = config
            .engine
            .speculative
            .take()
            .unwrap_or(SpeculativeConfig {
                method,
                tokens: 3,
                acceptance: Acceptance::Uniform(0.7),
                draft_model: None,
            });
        spec.method = method;
        if method != SpecMethod::Draft {
            spec.draft_model = None;
        }
        spec
    });
}

/// A KV offload tier as the form first adds it: host memory behind PCIe 5 (about 25 GB/s
/// achieved of 64), a local NVMe disk (about 6 GB/s), a remote store over a 200 Gb/s RDMA
/// NIC (about 20 GB/s achieved of 25).
fn new_tier(tier: KvTier) -> KvTierConfig {
    let (capacity_gb, bandwidth_gb_per_s, latency_ms) = match tier {
        KvTier::Cpu => (256.0, 25.0, 0.05),
        KvTier::Disk => (2000.0, 6.0, 0.1),
        KvTier::Remote => (10_000.0, 20.0, 1.0),
    };
    KvTierConfig {
        tier,
        capacity_gb,
        bandwidth_gb_per_s,
        latency_ms,
    }
}

/// Puts the first KV offload tier on `tier` (its numbers set for the kind when there was
/// none, kept when there was one), or removes every tier (`None`). Further tiers, which only
/// a config sets, are kept unless they are of the same kind.
pub fn set_kv_tier(config: &mut Config, tier: Option<KvTier>) {
    let tiers = &mut config.engine.kv_offload;
    match tier {
        None => tiers.clear(),
        Some(tier) => {
            match tiers.first_mut() {
                Some(first) => first.tier = tier,
                None => tiers.push(new_tier(tier)),
            }
            let mut index = 0;
            tiers.retain(|t| {
                index += 1;
                index == 1 || t.tier != tier
            });
            // Offloading keeps evicted prefixes: it needs the prefix cache.
            config.engine.prefix_caching = true;
        }
    }
}

/// GPUs of every pool together.
pub fn total_gpus(config: &Config) -> u32 {
    Role::IN_ORDER
        .iter()
        .map(|&p| {
            let pool = config.topology.pool(p);
            pool.instances.saturating_mul(pool.tp)
        })
        .fold(0, u32::saturating_add)
}

/// Rebuilds the topology on the same GPUs: `aggregated`, all of them in unified instances
/// (decider `never`) at the TP of the decode pool (else of the unified, else of the prefill
/// pool); else split in half into prefill and decode instances at the TP of the unified pool
/// (else of the decode pool), with the decider `always` if it was `never`. GPUs that do not
/// fill a whole instance are left out.
pub fn same_gpus(config: &mut Config, aggregated: bool) {
    let gpus = total_gpus(config);
    let t = &config.topology;
    let tp_of = |pools: &[&PoolConfig]| {
        pools
            .iter()
            .find(|p| p.instances > 0)
            .map_or(1, |p| p.tp.max(1))
    };
    if aggregated {
        let tp = tp_of(&[&t.decode, &t.unified, &t.prefill]);
        config.topology.unified.instances = (gpus / tp).max(1);
        config.topology.unified.tp = tp;
        config.topology.prefill.instances = 0;
        config.topology.decode.instances = 0;
        config.disaggregation.decider = Decider::Never;
    } else {
        let mut tp = tp_of(&[&t.unified, &t.decode, &t.prefill]);
        if gpus / tp < 2 {
            tp = 1;
        }
        let instances = (gpus / tp).max(2);
        config.topology.prefill.instances = instances / 2;
        config.topology.decode.instances = instances - instances / 2;
        config.topology.prefill.tp = tp;
        config.topology.decode.tp = tp;
        config.topology.unified.instances = 0;
        if config.disaggregation.decider == Decider::Never {
            config.disaggregation.decider = Decider::Always;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every number box of the form, for the distributions of `config`.
    fn fields(config: &Config) -> Vec<Field> {
        let mut fields: Vec<Field> = Role::IN_ORDER
            .into_iter()
            .flat_map(|pool| [Field::Instances(pool), Field::Tp(pool)])
            .collect();
        fields.extend([
            Field::Threshold,
            Field::Bandwidth,
            Field::Latency,
            Field::Rate,
            Field::Requests,
            Field::Seed,
            Field::SloTtft,
            Field::SloTpot,
            Field::Cv,
            Field::PrefixGroups,
            Field::PrefixTokens,
            Field::PrefixFraction,
            Field::SystemTokens,
            Field::ChunkTokens,
            Field::MaxSeqs,
            Field::GpuMemory,
            Field::StepOverhead,
            Field::SeqOverhead,
            Field::FrontendLatency,
            Field::MaxPrefillQueue,
        ]);
        if config.engine.speculative.is_some() {
            // Shown only while speculative decoding is on.
            fields.extend([Field::SpecTokens, Field::SpecAcceptance]);
        }
        if !config.engine.kv_offload.is_empty() {
            fields.extend([Field::KvCapacity, Field::KvBandwidth, Field::KvLatency]);
        }
        for which in [Lengths::Input, Lengths::Output] {
            let params = dist_params(which.of(config));
            fields.extend(params.iter().map(|&param| Field::Len(which, param)));
        }
        fields
    }

    #[test]
    fn every_box_shows_a_text_that_parses_back_to_the_same_config() {
        for example in examples() {
            let mut config = example.config.clone();
            config.workload.requests = Some(1000);
            config.slo.ttft_ms = Some(250.5);
            for field in fields(&config) {
                let text = field.text(&config);
                let mut back = config.clone();
                let applied = field.apply(&mut back, &text);
                assert_eq!(applied, Ok(()), "{}: {text:?}", field.path());
                assert_eq!(back, config, "{} of {}", field.path(), example.name);
            }
        }
    }

    #[test]
    fn a_kv_tier_turns_on_with_its_kind_numbers_and_its_boxes_edit_it() {
        let mut config = Config::default();
        assert_eq!(
            Field::KvCapacity.apply(&mut config, "10"),
            Err("pick a KV offload tier first".into())
        );
        config.engine.prefix_caching = false;
        set_kv_tier(&mut config, Some(KvTier::Cpu));
        assert_eq!(config.engine.kv_offload, vec![new_tier(KvTier::Cpu)]);
        assert!(
            config.engine.prefix_caching,
            "a tier needs the prefix cache"
        );
        assert!(pdsim::validate(&config).is_ok());
        assert_eq!(Field::KvBandwidth.apply(&mut config, "2.5"), Ok(()));
        assert_eq!(Field::KvBandwidth.text(&config), "2.5");
        assert_eq!(Field::KvCapacity.text(&config), "256");
        // Another kind keeps the numbers typed; a second tier of that kind goes.
        config.engine.kv_offload.push(new_tier(KvTier::Disk));
        set_kv_tier(&mut config, Some(KvTier::Disk));
        assert_eq!(config.engine.kv_offload.len(), 1);
        assert_eq!(config.engine.kv_offload[0].tier, KvTier::Disk);
        assert_eq!(config.engine.kv_offload[0].bandwidth_gb_per_s, 2.5);
        for field in fields(&config) {
            let mut back = config.clone();
            assert_eq!(field.apply(&mut back, &field.text(&config)), Ok(()));
            assert_eq!(back, config, "{}", field.path());
        }
        set_kv_tier(&mut config, None);
        assert!(config.engine.kv_offload.is_empty());
    }

    #[test]
    fn speculation_turns_on_with_defaults_and_takes_a_list_of_chances() {
        let mut config = Config::default();
        assert_eq!(
            Field::SpecTokens.apply(&mut config, "4"),
            Err("turn speculative decoding on first".into())
        );
        set_speculation(&mut config, Some(SpecMethod::Eagle));
        assert_eq!(Field::SpecAcceptance.text(&config), "0.7");
        assert_eq!(Field::SpecAcceptance.apply(&mut config, "0.9, 0.5"), Ok(()));
        let spec = config.engine.speculative.clone().unwrap();
        assert_eq!(spec.acceptance, Acceptance::PerPosition(vec![0.9, 0.5]));
        assert_eq!(Field::SpecAcceptance.text(&config), "0.9, 0.5");
        // Another method keeps the settings; off removes them.
        set_speculation(&mut config, Some(SpecMethod::Mtp));
        let mtp = config.engine.speculative.clone().unwrap();
        assert_eq!((mtp.method, mtp.tokens), (SpecMethod::Mtp, 3));
        assert!(Field::SpecAcceptance.apply(&mut config, "0.5, x").is_err());
        set_speculation(&mut config, None);
        assert_eq!(config.engine.speculative, None);
        assert!(!spec_methods(&config).iter().any(|(id, _)| id == "draft"));
    }

    #[test]
    fn a_switched_distribution_shows_only_its_parameters() {
        let config = Config::default();
        for kind in DistKind::ALL {
            let dist = switch_dist(Lengths::Input.of(&config), kind);
            assert_eq!(dist.kind(), kind);
            let mut switched = config.clone();
            *Lengths::Input.of_mut(&mut switched) = dist;
            for field in fields(&switched) {
                let mut back = switched.clone();
                assert_eq!(field.apply(&mut back, &field.text(&switched)), Ok(()));
            }
        }
    }
}
