//! The playground's state: the config the form edits, the last result of the worker, and the
//! reducer that applies every [`Action`].
//!
//! Number boxes keep the text the person typed (a *draft*) while it does not parse, so a
//! half-typed value is never overwritten; a parse failure is reported like a validation error,
//! naming the config field.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::OnceLock;

use pdsim::config::{
    ArrivalProcess, Decider, HardwareSpec, LengthDist, ModelSpec, PoolConfig, ReservationPolicy,
    RoutingPolicy,
};
use pdsim::examples::Example;
use pdsim::sweep::SweepRow;
use pdsim::{Config, Report};
use yew::Reducible;

use pdsim_web::{SimResult, SweepResult};

/// A shared, immutable value compared by identity: two handles are equal when they point to
/// the same allocation. Reports are never changed once received, so this is exact, and it
/// keeps Yew's prop and dependency checks from comparing 50,000 request records on every
/// render.
#[derive(Debug)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        Self(Rc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Largest threshold the slider and the number box accept, in tokens.
pub const MAX_THRESHOLD: u32 = 8192;
/// Most requests one playground run may simulate (keeps every run interactive).
pub const MAX_REQUESTS: u64 = 50_000;

/// The scenarios of the preset menu: every example except the 100,000-request benchmark.
pub fn examples() -> &'static [Example] {
    static EXAMPLES: OnceLock<Vec<Example>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        pdsim::examples::all()
            .into_iter()
            .filter(|e| e.name != "bench")
            .collect()
    })
}

/// One of the three instance pools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pool {
    /// Prefill-only instances.
    Prefill,
    /// Decode instances.
    Decode,
    /// Instances that do both.
    Unified,
}

impl Pool {
    /// The pools in the order the form lists them.
    pub const ALL: [Self; 3] = [Self::Prefill, Self::Decode, Self::Unified];

    /// The pool's name in config paths.
    pub fn id(self) -> &'static str {
        match self {
            Self::Prefill => "prefill",
            Self::Decode => "decode",
            Self::Unified => "unified",
        }
    }

    /// The pool's name in the form.
    pub fn label(self) -> &'static str {
        match self {
            Self::Prefill => "Prefill",
            Self::Decode => "Decode",
            Self::Unified => "Unified",
        }
    }

    /// What the pool's instances do (tooltips).
    pub fn explain(self) -> &'static str {
        match self {
            Self::Prefill => "prefill-only instances that compute disaggregated prompts",
            Self::Decode => {
                "decode instances; they also prefill the requests the decider keeps local"
            }
            Self::Unified => "aggregated instances that both prefill and decode",
        }
    }

    fn of(self, config: &Config) -> &PoolConfig {
        match self {
            Self::Prefill => &config.topology.prefill,
            Self::Decode => &config.topology.decode,
            Self::Unified => &config.topology.unified,
        }
    }

    fn of_mut(self, config: &mut Config) -> &mut PoolConfig {
        match self {
            Self::Prefill => &mut config.topology.prefill,
            Self::Decode => &mut config.topology.decode,
            Self::Unified => &mut config.topology.unified,
        }
    }
}

/// A KV-link preset: id, label, bandwidth (GB/s), base latency (ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkPreset {
    /// Value of the select's option.
    pub id: &'static str,
    /// Text of the option.
    pub label: &'static str,
    /// Bandwidth per GPU, in GB/s.
    pub bandwidth_gb_per_s: f64,
    /// Fixed setup latency of every transfer, in ms.
    pub base_latency_ms: f64,
}

/// The link presets of the form.
pub const LINKS: [LinkPreset; 4] = [
    LinkPreset {
        id: "nvlink",
        label: "NVLink (450 GB/s, 0.2 ms)",
        bandwidth_gb_per_s: 450.0,
        base_latency_ms: 0.2,
    },
    LinkPreset {
        id: "ib-400g",
        label: "InfiniBand 400G (45 GB/s, 1 ms)",
        bandwidth_gb_per_s: 45.0,
        base_latency_ms: 1.0,
    },
    LinkPreset {
        id: "roce-200g",
        label: "RoCE 200G (20 GB/s, 1 ms)",
        bandwidth_gb_per_s: 20.0,
        base_latency_ms: 1.0,
    },
    LinkPreset {
        id: "100gbe",
        label: "100GbE (10 GB/s, 1.5 ms)",
        bandwidth_gb_per_s: 10.0,
        base_latency_ms: 1.5,
    },
];

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
    Instances(Pool),
    /// `topology.<pool>.tp`
    Tp(Pool),
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
    /// `slo.itl_ms` (empty: none)
    SloItl,
    /// `workload.arrival.cv`
    Cv,
    /// `workload.prefix.groups`
    PrefixGroups,
    /// `workload.prefix.tokens`
    PrefixTokens,
    /// `workload.prefix.fraction`
    PrefixFraction,
    /// A parameter of `workload.<input|output>_tokens`.
    Len(Lengths, Param),
    /// `engine.max_num_batched_tokens` (the chunk size of chunked prefill)
    ChunkTokens,
    /// `engine.max_num_seqs`
    MaxSeqs,
    /// `engine.gpu_memory_utilization`
    GpuMemory,
    /// `disaggregation.max_prefill_queue`
    MaxPrefillQueue,
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

    fn of_mut(self, config: &mut Config) -> &mut LengthDist {
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

/// The kinds of length distributions: id of the select's options.
pub const DISTS: [&str; 4] = ["constant", "uniform", "normal", "lognormal"];

/// The id of a distribution's kind.
pub fn dist_id(dist: &LengthDist) -> &'static str {
    match dist {
        LengthDist::Constant { .. } => "constant",
        LengthDist::Uniform { .. } => "uniform",
        LengthDist::Normal { .. } => "normal",
        LengthDist::Lognormal { .. } => "lognormal",
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

/// The distribution of kind `id` with about the same mean as `dist`.
fn switch_dist(dist: &LengthDist, id: &str) -> Option<LengthDist> {
    let mean = match dist {
        LengthDist::Constant { value } => f64::from(*value),
        LengthDist::Uniform { min, max } => (f64::from(*min) + f64::from(*max)) / 2.0,
        LengthDist::Normal { mean, .. } | LengthDist::Lognormal { mean, .. } => *mean,
    }
    .round()
    .max(1.0);
    let whole = |v: f64| v.round().clamp(1.0, f64::from(u32::MAX)) as u32;
    match id {
        "constant" => Some(LengthDist::Constant { value: whole(mean) }),
        "uniform" => Some(LengthDist::Uniform {
            min: whole(mean / 2.0),
            max: whole(mean * 1.5),
        }),
        "normal" => Some(LengthDist::Normal {
            mean,
            std: (mean / 4.0).round(),
            min: Some(1),
            max: None,
        }),
        "lognormal" => Some(LengthDist::Lognormal {
            mean,
            std: (mean / 2.0).round(),
            min: Some(1),
            max: None,
        }),
        _ => None,
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
            Self::SloItl => "slo.itl_ms".into(),
            Self::Cv => "workload.arrival.cv".into(),
            Self::PrefixGroups => "workload.prefix.groups".into(),
            Self::PrefixTokens => "workload.prefix.tokens".into(),
            Self::PrefixFraction => "workload.prefix.fraction".into(),
            Self::Len(which, param) => format!("{}.{}", which.path(), param.id()),
            Self::ChunkTokens => "engine.max_num_batched_tokens".into(),
            Self::MaxSeqs => "engine.max_num_seqs".into(),
            Self::GpuMemory => "engine.gpu_memory_utilization".into(),
            Self::MaxPrefillQueue => "disaggregation.max_prefill_queue".into(),
        }
    }

    /// The field's value in `config`, as the number box shows it.
    pub fn text(self, config: &Config) -> String {
        match self {
            Self::Instances(pool) => pool.of(config).instances.to_string(),
            Self::Tp(pool) => pool.of(config).tp.to_string(),
            Self::Threshold => config.disaggregation.threshold_tokens.to_string(),
            Self::Bandwidth => config.kv_transfer.bandwidth_gb_per_s.to_string(),
            Self::Latency => config.kv_transfer.base_latency_ms.to_string(),
            Self::Rate => config.workload.arrival.rate_per_s.to_string(),
            Self::Requests => opt_text(config.workload.requests),
            Self::Seed => config.seed.to_string(),
            Self::SloTtft => opt_text(config.slo.ttft_ms),
            Self::SloItl => opt_text(config.slo.itl_ms),
            Self::Cv => config.workload.arrival.cv.to_string(),
            Self::PrefixGroups => config.workload.prefix.groups.to_string(),
            Self::PrefixTokens => config.workload.prefix.tokens.to_string(),
            Self::PrefixFraction => config.workload.prefix.fraction.to_string(),
            Self::ChunkTokens => config.engine.max_num_batched_tokens.to_string(),
            Self::MaxSeqs => config.engine.max_num_seqs.to_string(),
            Self::GpuMemory => config.engine.gpu_memory_utilization.to_string(),
            Self::MaxPrefillQueue => config.disaggregation.max_prefill_queue.to_string(),
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
    fn apply(self, config: &mut Config, text: &str) -> Result<(), String> {
        let text = text.trim();
        let whole = |what: &str| -> Result<u32, String> {
            text.parse::<u32>()
                .map_err(|_| format!("must be a whole number of {what} (0 or more)"))
        };
        let real = |unit: &str| -> Result<f64, String> {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(format!("must be a number in {unit}")),
            }
        };
        let optional_real = |unit: &str| -> Result<Option<f64>, String> {
            if text.is_empty() {
                Ok(None)
            } else {
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(Some(v)),
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
            Self::Instances(pool) => pool.of_mut(config).instances = whole("instances")?,
            Self::Tp(pool) => pool.of_mut(config).tp = whole("GPUs")?,
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
            Self::SloItl => config.slo.itl_ms = optional_real("ms")?,
            Self::Cv => config.workload.arrival.cv = real("units of the mean gap")?,
            Self::PrefixGroups => config.workload.prefix.groups = whole("groups")?,
            Self::PrefixTokens => config.workload.prefix.tokens = whole("tokens")?,
            Self::PrefixFraction => config.workload.prefix.fraction = real("[0, 1]")?,
            Self::ChunkTokens => config.engine.max_num_batched_tokens = whole("tokens")?,
            Self::MaxSeqs => config.engine.max_num_seqs = whole("sequences")?,
            Self::GpuMemory => {
                config.engine.gpu_memory_utilization = real("shares of GPU memory (0 to 1]")?;
            }
            Self::MaxPrefillQueue => config.disaggregation.max_prefill_queue = whole("requests")?,
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

/// An error about one config field: `field` is its path, `message` the full text
/// (`"field: what is wrong"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field (may be a prefix such as `topology`).
    pub field: String,
    /// What to show.
    pub message: String,
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The scenario the form edits.
    pub config: Config,
    /// Text of number boxes as typed, by field (absent: show the config's value).
    pub drafts: BTreeMap<Field, String>,
    /// Number boxes whose text does not parse.
    pub bad_inputs: BTreeMap<Field, FieldError>,
    /// Why `config` is invalid, if it is.
    pub invalid: Option<FieldError>,
    /// The last report the worker returned for a valid config.
    pub report: Option<Shared<Report>>,
    /// The worker's error for the latest run, if it failed.
    pub run_error: Option<String>,
    /// Id of the latest run started; results of older runs are ignored.
    pub latest_run: u64,
    /// Whether the latest run has not answered yet.
    pub running: bool,
    /// Whether the latest run has taken long enough to show a progress indicator.
    pub slow: bool,
    /// Id of the run whose report is shown (0: none yet).
    pub shown_run: u64,
    /// The pinned report and its config, compared with every new result.
    pub baseline: Option<Baseline>,
    /// The config of the latest threshold sweep asked for (see [`sweep_config`]).
    pub sweep_key: Option<Config>,
    /// The sweep's rows, once it answered for `sweep_key`.
    pub sweep: Option<Rc<Vec<SweepRow>>>,
    /// The sweep's error, if it failed.
    pub sweep_error: Option<String>,
    /// Whether the last edit was typing (a number box, a slider being dragged): its run waits
    /// for a short pause; every other edit runs at once.
    pub typing: bool,
    /// A worker crashed (a panic traps its wasm): the banner's text.
    pub fatal: Option<String>,
    /// Counts resets to the defaults (a reset re-runs even an unchanged config).
    pub epoch: u64,
    /// The replayed trace, if one was loaded.
    pub trace: Option<TraceInfo>,
}

/// A loaded trace file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceInfo {
    /// File name.
    pub name: String,
    /// Requests read.
    pub count: usize,
    /// Bad lines: line number (from 1), message.
    pub errors: Vec<(usize, String)>,
}

/// A pinned result.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    /// Its report.
    pub report: Shared<Report>,
    /// Its config.
    pub config: Config,
}

impl Default for State {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl State {
    /// The state of a fresh page showing `config`.
    pub fn new(config: Config) -> Self {
        let invalid = check(&config);
        Self {
            config,
            drafts: BTreeMap::new(),
            bad_inputs: BTreeMap::new(),
            invalid,
            report: None,
            run_error: None,
            latest_run: 0,
            running: false,
            slow: false,
            shown_run: 0,
            baseline: None,
            sweep_key: None,
            sweep: None,
            sweep_error: None,
            typing: false,
            fatal: None,
            epoch: 0,
            trace: None,
        }
    }

    /// The error to show next to the controls: a number box that does not parse first, then
    /// the config's validation error.
    pub fn error(&self) -> Option<&FieldError> {
        self.bad_inputs.values().next().or(self.invalid.as_ref())
    }

    /// Whether the config may be run.
    pub fn runnable(&self) -> bool {
        self.error().is_none()
    }

    /// Whether the result on screen is not the result of the controls' current values.
    pub fn stale(&self) -> bool {
        self.error().is_some() || self.run_error.is_some()
    }

    /// What a number box shows.
    pub fn text(&self, field: Field) -> String {
        self.drafts
            .get(&field)
            .cloned()
            .unwrap_or_else(|| field.text(&self.config))
    }

    /// Whether the first result (or error) has arrived.
    pub fn ready(&self) -> bool {
        self.report.is_some() || self.run_error.is_some()
    }

    fn set_config(&mut self, config: Config) {
        if config != self.config {
            self.invalid = check(&config);
            self.config = config;
        }
    }
}

/// GPUs of every pool together.
pub fn total_gpus(config: &Config) -> u32 {
    Pool::ALL
        .iter()
        .map(|p| p.of(config).instances.saturating_mul(p.of(config).tp))
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

/// Validates a config for the playground.
pub fn check(config: &Config) -> Option<FieldError> {
    pdsim::validate::validate(config)
        .err()
        .map(|err| FieldError {
            field: err.field().to_owned(),
            message: err.to_string(),
        })
}

/// The settings that differ between two configs: `path: old → new`, leaf by leaf, in path
/// order (outputs excluded).
pub fn config_changes(old: &Config, new: &Config) -> Vec<String> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return Vec::new();
    };
    pdsim::config_json::changes(&a, &b)
        .into_iter()
        .filter(|c| !c.path.starts_with("output."))
        .map(|c| format!("{}: {} → {}", c.path, c.old, c.new).replace('"', ""))
        .collect()
}

/// Time buckets of the instance timeline.
pub const TIMELINE_BUCKETS: u32 = 120;

/// Largest run whose per-request records (waterfall, CDFs, CSV) the page asks for: beyond
/// this the records' JSON (about 350 bytes a request) takes the page longer to decode than
/// a frame, so big runs come back with summaries only and the page never freezes.
pub const MAX_PER_REQUEST: u64 = 10_000;

/// Requests a config will inject, as far as it says.
pub fn expected_requests(config: &Config) -> u64 {
    match &config.workload.trace {
        Some(trace) => trace.len() as u64,
        None => config.workload.requests.unwrap_or(u64::MAX),
    }
}

/// The config the worker runs: the form's config with the timeline, and per-request records
/// (waterfall, CDFs) up to [`MAX_PER_REQUEST`] requests.
pub fn for_worker(config: &Config) -> Config {
    let mut config = config.clone();
    config.output.per_request = expected_requests(&config) <= MAX_PER_REQUEST;
    config.output.timeline_buckets = TIMELINE_BUCKETS;
    config
}

/// Whether the decider compares prompts with the threshold.
pub fn uses_threshold(decider: Decider) -> bool {
    matches!(
        decider,
        Decider::PrefixThreshold | Decider::LengthThreshold | Decider::Conditional
    )
}

/// The config the threshold sweep runs, or `None` when the decider has no threshold. The
/// threshold itself is zeroed (the sweep sets it), so moving the threshold does not re-run
/// the sweep; outputs the sweep does not need are off.
pub fn sweep_config(config: &Config) -> Option<Config> {
    if !uses_threshold(config.disaggregation.decider) {
        return None;
    }
    let mut config = config.clone();
    config.disaggregation.threshold_tokens = 0;
    config.output.per_request = false;
    config.output.timeline_buckets = 0;
    Some(config)
}

/// Every change of the state.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Load the scenario preset of that name.
    LoadExample(String),
    /// Replace the whole config (a planner candidate's).
    LoadConfig(Box<Config>),
    /// Pick a model preset.
    SetModel(String),
    /// Use a model given by its architecture or HuggingFace config.
    SetModelSpec(ModelSpec),
    /// Pick a GPU preset.
    SetGpu(String),
    /// Pick the disaggregation decider.
    SetDecider(Decider),
    /// Pick the routing policy.
    SetPolicy(RoutingPolicy),
    /// Pick the prefill pool's routing policy (`None`: same as decode).
    SetPrefillPolicy(Option<RoutingPolicy>),
    /// Pick the arrival process.
    SetArrival(ArrivalProcess),
    /// Pick the kind of a length distribution (by id).
    SetDist(Lengths, String),
    /// Set a new seed.
    NewSeed(u64),
    /// Pin the shown result as the baseline.
    Pin,
    /// Forget the baseline.
    Unpin,
    /// The baseline of the page's link was run: pin it (unless one was pinned meanwhile).
    PinLoaded {
        /// Its config.
        config: Box<Config>,
        /// Its report.
        report: Box<Report>,
    },
    /// Run `n` is still running after the progress delay.
    Slow(u64),
    /// A sweep of this config was asked for.
    SweepStarted(Config),
    /// The sweep of `key` answered.
    SweepFinished {
        /// Its config.
        key: Config,
        /// Its answer.
        result: Box<SweepResult>,
    },
    /// Release the threshold slider (or its keyboard step): runs at once.
    SetThreshold(u32),
    /// Drag the threshold slider: runs after a short pause.
    DragThreshold(u32),
    /// A worker crashed, with this message.
    Fatal(String),
    /// Back to the default settings (after a crash).
    Reset,
    /// Replay the JSON Lines trace of this file.
    LoadTrace {
        /// File name.
        name: String,
        /// Its text.
        text: String,
    },
    /// Stop replaying the trace.
    RemoveTrace,
    /// Pick a link preset by id.
    SetLink(String),
    /// Toggle link contention.
    SetContention(bool),
    /// What a finished prefill does when its decode instance has no KV room: wait or drop.
    SetReservation(ReservationPolicy),
    /// Text typed into a number box.
    Text(Field, String),
    /// Rebuild the layout on the same GPUs: all unified (`aggregated`) or split into prefill
    /// and decode pools.
    SameGpus {
        /// Aggregated (unified instances, decider never) or disaggregated.
        aggregated: bool,
    },
    /// The app started run `n`.
    Started(u64),
    /// Run `run` answered.
    Finished {
        /// Which run.
        run: u64,
        /// Its answer (boxed: a report is large).
        result: Box<SimResult>,
    },
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        let mut config = state.config.clone();
        match &action {
            Action::Text(..) | Action::DragThreshold(_) => state.typing = true,
            Action::Slow(_)
            | Action::SweepStarted(_)
            | Action::SweepFinished { .. }
            | Action::Started(_)
            | Action::Finished { .. }
            | Action::Fatal(_)
            | Action::Pin
            | Action::Unpin
            | Action::PinLoaded { .. } => {}
            _ => state.typing = false,
        }
        match action {
            Action::Fatal(message) => state.fatal = Some(message),
            Action::Reset => {
                let mut fresh = State::new(Config::default());
                fresh.epoch = state.epoch + 1;
                fresh.latest_run = state.latest_run;
                return Rc::new(fresh);
            }
            Action::LoadTrace { name, text } => {
                let (records, errors) = pdsim::workload::parse_trace_jsonl(&text);
                state.trace = Some(TraceInfo {
                    name,
                    count: records.len(),
                    errors: errors.into_iter().map(|e| (e.line, e.message)).collect(),
                });
                config.workload.trace = (!records.is_empty()).then_some(records);
            }
            Action::RemoveTrace => {
                state.trace = None;
                config.workload.trace = None;
            }
            Action::LoadExample(name) => {
                if let Some(example) = examples().iter().find(|e| e.name == name) {
                    config = example.config.clone();
                    state.trace = None;
                    state.drafts.clear();
                    state.bad_inputs.clear();
                }
            }
            Action::LoadConfig(loaded) => {
                config = *loaded;
                state.trace = None;
                state.drafts.clear();
                state.bad_inputs.clear();
            }
            Action::SetModel(id) => config.model = ModelSpec::Preset(id),
            Action::SetModelSpec(spec) => config.model = spec,
            Action::SetGpu(id) => config.hardware = HardwareSpec::Preset(id),
            Action::SetDecider(decider) => config.disaggregation.decider = decider,
            Action::SetPolicy(policy) => config.routing.policy = policy,
            Action::SetThreshold(tokens) | Action::DragThreshold(tokens) => {
                config.disaggregation.threshold_tokens = tokens.min(MAX_THRESHOLD);
                state.drafts.remove(&Field::Threshold);
                state.bad_inputs.remove(&Field::Threshold);
            }
            Action::SetLink(id) => {
                if let Some(link) = LINKS.iter().find(|l| l.id == id) {
                    config.kv_transfer.bandwidth_gb_per_s = link.bandwidth_gb_per_s;
                    config.kv_transfer.base_latency_ms = link.base_latency_ms;
                    for field in [Field::Bandwidth, Field::Latency] {
                        state.drafts.remove(&field);
                        state.bad_inputs.remove(&field);
                    }
                }
            }
            Action::SetContention(on) => config.kv_transfer.contention = on,
            Action::SetReservation(policy) => config.kv_transfer.reservation = policy,
            Action::SetPrefillPolicy(policy) => config.routing.prefill_policy = policy,
            Action::SetArrival(process) => config.workload.arrival.process = process,
            Action::SetDist(which, id) => {
                if let Some(dist) = switch_dist(which.of(&config), &id) {
                    *which.of_mut(&mut config) = dist;
                    for param in [
                        Param::Value,
                        Param::Min,
                        Param::Max,
                        Param::Mean,
                        Param::Std,
                    ] {
                        state.drafts.remove(&Field::Len(which, param));
                        state.bad_inputs.remove(&Field::Len(which, param));
                    }
                }
            }
            Action::NewSeed(seed) => {
                config.seed = seed;
                state.drafts.remove(&Field::Seed);
                state.bad_inputs.remove(&Field::Seed);
            }
            Action::Pin => {
                if let Some(report) = &state.report {
                    state.baseline = Some(Baseline {
                        report: report.clone(),
                        config: state.config.clone(),
                    });
                }
            }
            Action::Unpin => state.baseline = None,
            Action::PinLoaded { config, report } => {
                if state.baseline.is_some() {
                    return self;
                }
                state.baseline = Some(Baseline {
                    report: Shared::new(*report),
                    config: *config,
                });
            }
            Action::SameGpus { aggregated } => {
                same_gpus(&mut config, aggregated);
                for pool in Pool::ALL {
                    for field in [Field::Instances(pool), Field::Tp(pool)] {
                        state.drafts.remove(&field);
                        state.bad_inputs.remove(&field);
                    }
                }
            }
            Action::Slow(run) => {
                if run == state.latest_run && state.running {
                    state.slow = true;
                } else {
                    return self;
                }
            }
            Action::SweepStarted(key) => {
                state.sweep_key = Some(key);
                state.sweep = None;
                state.sweep_error = None;
            }
            Action::SweepFinished { key, result } => {
                if state.sweep_key.as_ref() != Some(&key) {
                    return self;
                }
                match *result {
                    Ok(rows) => state.sweep = Some(Rc::new(rows)),
                    Err(err) => state.sweep_error = Some(err),
                }
            }
            Action::Text(field, text) => {
                match field.apply(&mut config, &text) {
                    Ok(()) => {
                        state.bad_inputs.remove(&field);
                    }
                    Err(message) => {
                        let path = field.path();
                        state.bad_inputs.insert(
                            field,
                            FieldError {
                                message: format!("{path}: {message}"),
                                field: path,
                            },
                        );
                    }
                }
                state.drafts.insert(field, text);
            }
            Action::Started(run) => {
                state.latest_run = run;
                state.running = true;
                state.slow = false;
            }
            Action::Finished { run, result } => {
                if run != state.latest_run {
                    return self; // an older run: a newer edit superseded it
                }
                state.running = false;
                state.slow = false;
                match *result {
                    Ok(report) => {
                        state.report = Some(Shared::new(report));
                        state.shown_run = run;
                        state.run_error = None;
                    }
                    Err(err) => state.run_error = Some(err),
                }
            }
        }
        state.set_config(config);
        Rc::new(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(state: State, action: Action) -> State {
        (*Rc::new(state).reduce(action)).clone()
    }

    #[test]
    fn big_runs_come_back_without_per_request_records() {
        let mut config = Config::default();
        assert!(for_worker(&config).output.per_request);
        config.workload.requests = Some(MAX_PER_REQUEST + 1);
        assert!(!for_worker(&config).output.per_request);
        config.workload.requests = None;
        config.workload.horizon_s = Some(10.0);
        assert!(
            !for_worker(&config).output.per_request,
            "a horizon run has no known size"
        );
    }

    #[test]
    fn a_number_box_that_does_not_parse_names_its_field_and_keeps_the_text() {
        let state = reduce(State::default(), Action::Text(Field::Rate, "4x".into()));
        let err = state.error().cloned().unwrap_or_else(|| panic!("no error"));
        assert_eq!(err.field, "workload.arrival.rate_per_s");
        assert!(err
            .message
            .starts_with("workload.arrival.rate_per_s: must be a number"));
        assert_eq!(state.text(Field::Rate), "4x");
        assert_eq!(
            state.config,
            Config::default(),
            "the config keeps its last value"
        );
        assert!(state.stale() && !state.runnable());

        let state = reduce(state, Action::Text(Field::Rate, "12.5".into()));
        assert_eq!(state.config.workload.arrival.rate_per_s, 12.5);
        assert!(state.error().is_none() && state.runnable());
    }

    #[test]
    fn validation_errors_come_from_pdsim() {
        let state = reduce(
            State::default(),
            Action::Text(Field::Instances(Pool::Decode), "0".into()),
        );
        let err = state.error().cloned().unwrap_or_else(|| panic!("no error"));
        assert_eq!(err.field, "topology");
        assert!(err.message.contains("topology.decode.instances"));
    }

    #[test]
    fn slider_and_box_share_the_threshold() {
        let state = reduce(
            State::default(),
            Action::Text(Field::Threshold, "9000".into()),
        );
        assert!(state.error().is_some(), "above the playground's range");
        let state = reduce(state, Action::SetThreshold(1024));
        assert_eq!(state.config.disaggregation.threshold_tokens, 1024);
        assert_eq!(state.text(Field::Threshold), "1024");
        assert!(state.error().is_none());
    }

    #[test]
    fn presets_and_links_replace_the_config() {
        let state = reduce(
            State::default(),
            Action::LoadExample("long-prompts-agg".into()),
        );
        assert_eq!(example_id(&state.config), "long-prompts-agg");
        assert!(state.config.topology.unified.instances > 0);
        assert_eq!(state.config.topology.prefill.instances, 0);
        let state = reduce(state, Action::SetLink("ib-400g".into()));
        assert_eq!(link_id(&state.config), "ib-400g");
        assert_eq!(state.config.kv_transfer.bandwidth_gb_per_s, 45.0);
        assert_eq!(example_id(&state.config), "custom");
        assert!(examples().iter().all(|e| e.name != "bench"));
    }

    #[test]
    fn only_the_latest_run_is_shown() {
        let state = reduce(State::default(), Action::Started(1));
        let state = reduce(state, Action::Started(2));
        let old = reduce(
            state.clone(),
            Action::Finished {
                run: 1,
                result: Box::new(Err("old".into())),
            },
        );
        assert_eq!(old, state, "run 1 was superseded");
        let new = reduce(
            state,
            Action::Finished {
                run: 2,
                result: Box::new(Err("boom".into())),
            },
        );
        assert_eq!(new.run_error.as_deref(), Some("boom"));
        assert!(!new.running && new.ready() && new.stale());
    }

    #[test]
    fn new_fields_parse_and_empty_means_none() {
        let state = reduce(State::default(), Action::Text(Field::SloTtft, "250".into()));
        assert_eq!(state.config.slo.ttft_ms, Some(250.0));
        let state = reduce(state, Action::Text(Field::SloTtft, String::new()));
        assert_eq!(state.config.slo.ttft_ms, None);
        assert!(state.error().is_none());
        let state = reduce(state, Action::Text(Field::Seed, "-1".into()));
        assert_eq!(state.error().map(|e| e.field.as_str()), Some("seed"));
        let state = reduce(state, Action::NewSeed(7));
        assert_eq!(state.config.seed, 7);
        assert!(state.error().is_none(), "a new seed replaces the bad text");
        let state = reduce(
            state,
            Action::SetPrefillPolicy(Some(RoutingPolicy::RoundRobin)),
        );
        assert_eq!(
            state.config.routing.prefill_policy,
            Some(RoutingPolicy::RoundRobin)
        );
    }

    #[test]
    fn switching_a_distribution_keeps_its_mean() {
        let state = reduce(
            State::default(),
            Action::SetDist(Lengths::Input, "constant".into()),
        );
        assert_eq!(
            state.config.workload.input_tokens,
            LengthDist::Constant { value: 1024 }
        );
        assert_eq!(state.text(Field::Len(Lengths::Input, Param::Value)), "1024");
        let state = reduce(
            state,
            Action::Text(Field::Len(Lengths::Input, Param::Value), "2000".into()),
        );
        let state = reduce(state, Action::SetDist(Lengths::Input, "uniform".into()));
        assert_eq!(
            state.config.workload.input_tokens,
            LengthDist::Uniform {
                min: 1000,
                max: 3000
            }
        );
        let state = reduce(state, Action::SetDist(Lengths::Output, "normal".into()));
        assert_eq!(state.text(Field::Len(Lengths::Output, Param::Max)), "");
        assert!(state.error().is_none());
    }

    #[test]
    fn pin_keeps_the_shown_report_and_the_sweep_ignores_the_threshold() {
        let report = pdsim::run(&for_worker(&Config::default()));
        let report = report.unwrap_or_else(|e| panic!("{e}"));
        assert!(!report.requests.is_empty() && !report.timeline.instances.is_empty());
        let state = reduce(State::default(), Action::Started(1));
        let state = reduce(
            state,
            Action::Finished {
                run: 1,
                result: Box::new(Ok(report)),
            },
        );
        assert_eq!(state.shown_run, 1);
        let state = reduce(state, Action::Pin);
        assert!(state.baseline.is_some());
        assert!(reduce(state, Action::Unpin).baseline.is_none());

        let config = Config::default();
        let mut moved = config.clone();
        moved.disaggregation.threshold_tokens = 4096;
        assert_eq!(sweep_config(&config), sweep_config(&moved));
        assert!(sweep_config(&config).is_some());
        moved.disaggregation.decider = Decider::Always;
        assert_eq!(sweep_config(&moved), None);
        assert_eq!(
            config_changes(&config, &moved),
            vec![
                "disaggregation.decider: prefix-threshold → always".to_owned(),
                "disaggregation.threshold_tokens: 512 → 4096".to_owned(),
            ]
        );
    }

    #[test]
    fn same_gpus_rebuilds_the_layout_on_the_same_gpus() {
        // 2 prefill + 2 decode at TP 2 = 8 GPUs -> 4 unified at TP 2, decider never.
        let mut config = Config::default();
        config.topology.prefill.tp = 2;
        config.topology.decode.tp = 2;
        assert_eq!(total_gpus(&config), 8);
        let state = reduce(State::new(config), Action::SameGpus { aggregated: true });
        let t = &state.config.topology;
        assert_eq!((t.unified.instances, t.unified.tp), (4, 2));
        assert_eq!((t.prefill.instances, t.decode.instances), (0, 0));
        assert_eq!(state.config.disaggregation.decider, Decider::Never);
        assert_eq!(total_gpus(&state.config), 8);
        assert!(state.error().is_none());
        // And back: 2 prefill + 2 decode at TP 2, decider always.
        let state = reduce(state, Action::SameGpus { aggregated: false });
        let t = &state.config.topology;
        assert_eq!((t.prefill.instances, t.prefill.tp), (2, 2));
        assert_eq!((t.decode.instances, t.decode.tp), (2, 2));
        assert_eq!(t.unified.instances, 0);
        assert_eq!(state.config.disaggregation.decider, Decider::Always);
        assert!(state.error().is_none());
        // 3 GPUs at TP 2 leave one out; 1 GPU cannot be split and stays at 1 + 1 (TP 1).
        let mut odd = Config::default();
        odd.topology.prefill.instances = 0;
        odd.topology.decode.instances = 3;
        same_gpus(&mut odd, false);
        assert_eq!(
            (
                odd.topology.prefill.instances,
                odd.topology.decode.instances
            ),
            (1, 2)
        );
    }

    #[test]
    fn engine_knobs_parse_into_their_fields() {
        let state = reduce(
            State::default(),
            Action::Text(Field::ChunkTokens, "512".into()),
        );
        assert_eq!(state.config.engine.max_num_batched_tokens, 512);
        let state = reduce(state, Action::Text(Field::MaxSeqs, "64".into()));
        assert_eq!(state.config.engine.max_num_seqs, 64);
        let state = reduce(state, Action::Text(Field::GpuMemory, "0.8".into()));
        assert_eq!(state.config.engine.gpu_memory_utilization, 0.8);
        let state = reduce(state, Action::Text(Field::MaxPrefillQueue, "3".into()));
        assert_eq!(state.config.disaggregation.max_prefill_queue, 3);
        assert!(state.error().is_none());
        // A chunk smaller than the batch is refused by pdsim's validation, naming the field.
        let state = reduce(state, Action::Text(Field::ChunkTokens, "32".into()));
        assert_eq!(
            state.error().map(|e| e.field.as_str()),
            Some("engine.max_num_batched_tokens")
        );
    }

    #[test]
    fn typing_waits_discrete_edits_run_at_once() {
        let state = reduce(State::default(), Action::Text(Field::Rate, "12".into()));
        assert!(state.typing);
        let state = reduce(state, Action::Started(1));
        assert!(state.typing, "bookkeeping keeps the kind of the last edit");
        let state = reduce(state, Action::SetDecider(Decider::Always));
        assert!(!state.typing);
        let state = reduce(state, Action::DragThreshold(1024));
        assert!(state.typing);
        let state = reduce(state, Action::SetThreshold(1024));
        assert!(!state.typing);
    }

    #[test]
    fn traces_load_their_good_lines_and_reset_clears_everything() {
        let text = "{\"arrival_ms\": 0, \"input_tokens\": 10, \"output_tokens\": 2}\nnot json\n\n\
                    {\"arrival_ms\": 5, \"input_tokens\": 20, \"output_tokens\": 3}\n";
        let state = reduce(
            State::default(),
            Action::LoadTrace {
                name: "t.jsonl".into(),
                text: text.into(),
            },
        );
        let trace = state.trace.clone().unwrap_or_else(|| panic!("no trace"));
        assert_eq!(trace.count, 2);
        assert_eq!(trace.errors.len(), 1);
        assert_eq!(trace.errors[0].0, 2);
        assert_eq!(state.config.workload.trace.as_ref().map(Vec::len), Some(2));
        assert!(state.runnable());
        let state = reduce(state, Action::Fatal("boom".into()));
        assert_eq!(state.fatal.as_deref(), Some("boom"));
        let state = reduce(state, Action::Reset);
        assert_eq!(state.config, Config::default());
        assert!(state.fatal.is_none() && state.trace.is_none() && state.report.is_none());
        assert_eq!(state.epoch, 1);
    }
}
