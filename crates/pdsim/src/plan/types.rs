//! What a plan asks for and what it answers: the request, the candidates and their results.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::inherited::Inherited;
use crate::config::{Config, Decider};
use crate::report::Stat;

/// Most GPUs a plan may budget.
pub const MAX_GPUS: u32 = 4096;

/// What to plan for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// The scenario: model, GPU, engine settings, routing and workload. Its topology and
    /// decider are replaced by each candidate's, its arrival rate by the rate probed, its
    /// `slo` by the targets. Pools keep their `hardware`.
    pub config: Config,
    /// GPUs a layout may use at most.
    pub gpus: u32,
    /// Latency targets.
    #[serde(default)]
    pub targets: Targets,
    /// Which layouts to consider, and the search's caps.
    #[serde(default)]
    pub space: SearchSpace,
    /// What "best" means: the most requests per second per GPU, the fewest GPUs for a
    /// target rate, or the lowest cost per output token.
    #[serde(default)]
    pub objective: Objective,
    /// The workload fields the config did not give, which the plan took from the
    /// defaults ([`inherited_defaults`](super::inherited_defaults) of the config as written); listed with the plan.
    #[serde(default)]
    pub inherited: Vec<Inherited>,
}

/// What the planner optimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// The most requests per second per GPU within the targets (each candidate's highest
    /// rate, by a rate search).
    #[default]
    Rate,
    /// The fewest GPUs that carry `targets.rate_per_s` within the targets (every layout up
    /// to the budget, each run once at that rate); ties: lower cost.
    Gpus,
    /// The lowest US dollars per million output tokens within the targets, each candidate
    /// at its highest rate.
    Cost,
}

impl Objective {
    /// Its name on the command line and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Self::Rate => "rate",
            Self::Gpus => "gpus",
            Self::Cost => "cost",
        }
    }

    /// The objective named `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        [Self::Rate, Self::Gpus, Self::Cost]
            .into_iter()
            .find(|o| o.id() == id)
    }
}

impl PlanRequest {
    /// A request with the default targets and search space.
    pub fn new(config: Config, gpus: u32) -> Self {
        Self {
            config,
            gpus,
            targets: Targets::default(),
            space: SearchSpace::default(),
            objective: Objective::default(),
            inherited: Vec::new(),
        }
    }
}

/// Latency targets: the share of all requests that must meet both limits (a dropped or
/// unfinished request is a miss).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    /// Time to first token limit, in ms.
    pub ttft_ms: Option<f64>,
    /// Time per output token limit, in ms: a request's mean gap between output tokens
    /// (the report's per-request `tpot_ms`).
    pub tpot_ms: Option<f64>,
    /// Share of requests, in (0, 1], that must complete within both limits.
    pub attainment: f64,
    /// Arrival rate a layout must carry, in requests per second (objective `gpus` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<f64>,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            ttft_ms: None,
            tpot_ms: None,
            attainment: 0.9,
            rate_per_s: None,
        }
    }
}

/// One decider setting to try on disaggregated layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeciderChoice {
    /// The rule (`never` is not a disaggregated layout, and is refused).
    pub decider: Decider,
    /// Its threshold, in tokens (threshold deciders only; `null` for `always`).
    #[serde(default)]
    pub threshold_tokens: Option<u32>,
}

/// The layouts to consider and the search's caps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSpace {
    /// Consider aggregated layouts (unified instances, no disaggregation).
    pub aggregated: bool,
    /// Consider disaggregated layouts (prefill and decode pools).
    pub disaggregated: bool,
    /// Tensor-parallel degrees to try; empty: the powers of two up to 8 that divide the
    /// model's attention heads and fit the budget.
    pub tp: Vec<u32>,
    /// Decider settings of disaggregated layouts; empty: `always`, and `prefix-threshold`
    /// at 256, 1,024 and 4,096 tokens.
    pub deciders: Vec<DeciderChoice>,
    /// Most candidates a search may have; a larger space is refused before any run.
    pub max_candidates: u32,
    /// Most simulation runs for one candidate's rate search.
    pub max_probes: u32,
    /// The rate search stops when the lowest failing rate is within this share of the
    /// highest passing one.
    pub rate_tolerance: f64,
    /// Highest arrival rate probed, per GPU of the layout, in requests per second.
    pub max_rate_per_gpu: f64,
    /// GPUs (catalog ids) to try for each pool, so prefill and decode may differ (an H100
    /// prefill pool feeding an H200 decode pool); empty: each pool's GPU of the config.
    pub hardware: Vec<String>,
    /// Expert-parallel degrees to try for MoE models (instances of `ep` GPUs, attention at
    /// TP1, whole experts spread over the GPUs); empty: 2, 4 and 8 where they divide the
    /// experts and fit the budget; `[1]`: none. Dense models get none.
    pub ep: Vec<u32>,
}

impl Default for SearchSpace {
    fn default() -> Self {
        Self {
            aggregated: true,
            disaggregated: true,
            tp: Vec::new(),
            deciders: Vec::new(),
            max_candidates: 2000,
            max_probes: 30,
            rate_tolerance: 0.02,
            max_rate_per_gpu: 1000.0,
            hardware: Vec::new(),
            ep: Vec::new(),
        }
    }
}

impl SearchSpace {
    /// The decider settings searched: the given ones, or the defaults.
    pub fn decider_choices(&self) -> Vec<DeciderChoice> {
        if !self.deciders.is_empty() {
            return self.deciders.clone();
        }
        let threshold = |t| DeciderChoice {
            decider: Decider::PrefixThreshold,
            threshold_tokens: Some(t),
        };
        vec![
            DeciderChoice {
                decider: Decider::Always,
                threshold_tokens: None,
            },
            threshold(256),
            threshold(1024),
            threshold(4096),
        ]
    }
}

/// Aggregated (unified instances) or disaggregated (prefill and decode pools).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutKind {
    /// Unified instances that prefill and decode; decider `never`.
    Aggregated,
    /// Prefill and decode pools; the decide sends prompts away.
    Disaggregated,
}

/// A pool of a candidate: instances, their tensor- and expert-parallel degrees, their GPU.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoolShape {
    /// Instances.
    pub instances: u32,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Expert-parallel degree (GPUs per instance when set); absent: experts sliced by TP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ep: Option<u32>,
    /// GPU (catalog id) of the pool; absent: the config's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<String>,
}

impl PoolShape {
    /// GPUs of one instance.
    pub fn gpus_per_instance(&self) -> u32 {
        self.tp.max(self.ep.unwrap_or(1))
    }

    /// GPUs of the pool.
    pub fn gpus(&self) -> u32 {
        self.instances * self.gpus_per_instance()
    }
}

/// One layout to evaluate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Candidate {
    /// Index in the list of [`candidates`](super::candidates), from 0 (stable for a given request).
    pub id: u32,
    /// A short human name (`"3P x TP2 + 2D x TP4, always"`).
    pub label: String,
    /// Aggregated or disaggregated.
    pub kind: LayoutKind,
    /// Unified instances (aggregated layouts).
    pub unified: PoolShape,
    /// Prefill instances (disaggregated layouts).
    pub prefill: PoolShape,
    /// Decode instances (disaggregated layouts).
    pub decode: PoolShape,
    /// The decider.
    pub decider: Decider,
    /// The decider's threshold, in tokens (`null`: the config's, unused by this decider).
    pub threshold_tokens: Option<u32>,
    /// GPUs the layout uses.
    pub gpus: u32,
    /// The decider settings this candidate stands for, its own first, when others are
    /// provably the same run on this workload (every prompt above, or every prompt at or
    /// below, each of their thresholds): one row instead of several identical ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stands_for: Vec<String>,
}

/// How a candidate's search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It meets the targets up to the rate found.
    Meets,
    /// It misses the targets even at the lowest rate probed (requests nearly alone).
    Misses,
    /// A run failed (a limit, or a config the core refuses); `reason` says which.
    Error,
}

/// Which target stopped the rate from rising.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// Too many requests over the TTFT limit.
    Ttft,
    /// Too many requests over the TPOT limit.
    Tpot,
    /// Each limit alone holds, both together do not; or each alone fails.
    Both,
    /// Dropped (decode KV full) or unfinished requests alone exceed the allowed misses.
    Dropped,
    /// Nothing: the targets still hold at the highest rate probed (`max_rate_per_gpu`).
    RateCap,
}

/// One run of the rate search.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Probe {
    /// Arrival rate, in requests per second.
    pub rate_per_s: f64,
    /// Share of requests that met both targets.
    pub attainment: f64,
}

/// Why a rate misses: each target's attainment alone, from the run's per-request records.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Miss {
    /// Arrival rate of the run, in requests per second.
    pub rate_per_s: f64,
    /// Share of requests that met both targets.
    pub attainment: f64,
    /// Share of requests that completed within the TTFT limit.
    pub ttft_attainment: f64,
    /// Share of requests that completed within the TPOT limit.
    pub tpot_attainment: f64,
    /// Share of requests dropped or unfinished.
    pub dropped_share: f64,
}

/// One candidate's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CandidateResult {
    /// The layout.
    #[serde(flatten)]
    pub candidate: Candidate,
    /// How the search ended.
    pub status: Status,
    /// Whether it meets the targets at `rate_per_s`.
    pub meets_targets: bool,
    /// Why it misses or failed, or a note on the search (probe cap, rate cap).
    pub reason: Option<String>,
    /// Which target stops the rate from rising (or why it misses at the lowest rate).
    pub bound_by: Option<Bound>,
    /// Highest arrival rate found that meets the targets (for a miss, the lowest probed).
    pub rate_per_s: f64,
    /// `rate_per_s / gpus`.
    pub rate_per_gpu: f64,
    /// Output tokens per second of the run at `rate_per_s`, per GPU.
    pub output_tokens_per_s_per_gpu: f64,
    /// The layout's price, in US dollars per hour (`summary.cost.usd_per_hour` of the run).
    pub usd_per_hour: Option<f64>,
    /// US dollars per million output tokens of the run at `rate_per_s`
    /// (`summary.cost.usd_per_m_output_tokens`).
    pub usd_per_m_output_tokens: Option<f64>,
    /// Joules per output token of that run (`summary.energy.joules_per_output_token`).
    pub joules_per_output_token: Option<f64>,
    /// Share of requests meeting both targets at `rate_per_s`.
    pub attainment: f64,
    /// TTFT of completed requests at `rate_per_s`, in ms.
    pub ttft_ms: Stat,
    /// TPOT (mean inter-token gap) of completed requests at `rate_per_s`, in ms.
    pub tpot_ms: Stat,
    /// End-to-end latency of completed requests at `rate_per_s`, in ms.
    pub e2e_ms: Stat,
    /// The run that missed just above `rate_per_s` (`rate_per_s` x 1.05), with each
    /// target's attainment; for a miss, the run at the lowest rate.
    pub miss: Option<Miss>,
    /// Whether the search narrowed the rate to `rate_tolerance` within `max_probes`.
    pub converged: bool,
    /// Every run of the search, in order.
    pub probes: Vec<Probe>,
    /// The runnable scenario: the request's config with this layout, the targets as `slo`
    /// and the arrival rate set to `rate_per_s`. `pdsim run` on it gives these numbers.
    pub config: Config,
}

/// A tensor-parallel degree that cannot hold the model, for one pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Exclusion {
    /// Which pool (`unified`, `prefill` or `decode`).
    pub pool: String,
    /// The degree.
    pub tp: u32,
    /// The expert-parallel degree, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ep: Option<u32>,
    /// The GPU (catalog id), when the search tries several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<String>,
    /// Why.
    pub reason: String,
}

/// The answer: every candidate ranked, the best, the frontiers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    /// Model name.
    pub model: String,
    /// GPU name (of the config's top-level hardware).
    pub hardware: String,
    /// The budget.
    pub gpus: u32,
    /// The targets.
    pub targets: Targets,
    /// What the ranking optimizes.
    pub objective: Objective,
    /// Workload fields taken from the defaults, not from the config.
    pub inherited: Vec<Inherited>,
    /// Candidates that meet the targets.
    pub meeting: u32,
    /// Simulation runs, all candidates together.
    pub runs: u64,
    /// The first of `candidates`: for objective `rate` the highest rate per GPU that meets
    /// the targets (ties: higher total rate, then lower p90 TTFT, then lower id); for `cost`
    /// the lowest $ per million output tokens (ties: as `rate`); for `gpus` the fewest GPUs
    /// (ties: lower $ per million output tokens, then as `rate`).
    pub best: Option<CandidateResult>,
    /// Ids of the candidates on the frontier of rate per GPU (higher is better) against
    /// p90 TTFT (lower is better), best rate first.
    pub frontier_ttft: Vec<u32>,
    /// The same against p90 TPOT.
    pub frontier_tpot: Vec<u32>,
    /// Every candidate: those meeting the targets ranked as `best`, then the others by id.
    pub candidates: Vec<CandidateResult>,
    /// Pools and degrees left out because the model does not fit.
    pub excluded: Vec<Exclusion>,
    /// What makes the answer less trustworthy (a workload too short for its rate).
    pub warnings: Vec<String>,
}
