//! The report of a run: what the CLI prints, the playground draws and the JS API returns.
//!
//! Latencies are in milliseconds (converted from integer nanoseconds at the very end).
//! Percentiles use the nearest-rank method: p-th percentile = the value at rank
//! `ceil(p/100 x n)` of the sorted sample.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::config::Role;
use crate::names::named_enum;

// How every page presents a report (the playground, and the lessons through the JS API): one
// rule for numbers, one for warnings, one glossary and palette for the phases.
pub mod format;
pub mod health;
pub mod phases;

/// Everything a run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Aggregate metrics.
    pub summary: Summary,
    /// One record per injected request (empty when `output.per_request` is false).
    pub requests: Vec<RequestRecord>,
    /// One record per instance.
    pub instances: Vec<InstanceReport>,
    /// Per-pool aggregates (only pools that have instances).
    pub pools: Vec<PoolReport>,
    /// Per-instance activity over time.
    pub timeline: Timeline,
}

impl Report {
    /// The JSON Schema of the report a run returns.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
    }
}

/// Mean and percentiles of a sample, in milliseconds. All zero for an empty sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stat {
    /// Number of values.
    pub count: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

/// The five phases of time to first token. They add up to TTFT exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Phases<T> {
    /// From arrival to the first step that computes any of the prompt.
    pub prefill_queue: T,
    /// From that step's start to the end of the prompt's last chunk (includes interference
    /// from co-scheduled work and any preemption stall).
    pub prefill: T,
    /// KV transfer from the prefill to the decode instance (0 when served locally).
    pub transfer: T,
    /// Waiting on the decode instance: for room to reserve the prompt's KV blocks before
    /// the transfer, then from the end of the transfer to the start of the first decode
    /// step (0 locally).
    pub decode_queue: T,
    /// The decode step that emits the first token (0 locally: the prefill step emits it).
    pub first_decode: T,
}

impl<T> Phases<T> {
    /// The phases in their fixed order, with their names.
    pub fn named(&self) -> [(&'static str, &T); 5] {
        [
            ("prefill_queue", &self.prefill_queue),
            ("prefill", &self.prefill),
            ("transfer", &self.transfer),
            ("decode_queue", &self.decode_queue),
            ("first_decode", &self.first_decode),
        ]
    }

    /// Applies `f` to every phase.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Phases<U> {
        Phases {
            prefill_queue: f(&self.prefill_queue),
            prefill: f(&self.prefill),
            transfer: f(&self.transfer),
            decode_queue: f(&self.decode_queue),
            first_decode: f(&self.first_decode),
        }
    }
}

/// What one KV offload tier did (all instances together for `cpu` and `disk`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KvTierSummary {
    /// Which tier.
    pub tier: crate::config::KvTier,
    /// Prompt tokens loaded from it instead of computed.
    pub hit_tokens: u64,
    /// KV bytes written to it (blocks evicted from the tier above), all TP ranks.
    pub stored_bytes: u64,
    /// KV bytes loaded from it into HBM, all TP ranks.
    pub loaded_bytes: u64,
}

/// Aggregate metrics of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Requests that arrived.
    pub injected: u64,
    /// Requests that emitted all their output tokens.
    pub completed: u64,
    /// Requests dropped, all reasons together.
    pub dropped: u64,
    /// Drops by reason (`decode_kv_full`, `prompt_exceeds_kv`).
    pub dropped_by_reason: BTreeMap<DropReason, u64>,
    /// Requests still running when the horizon ended the run.
    pub in_flight: u64,
    /// Requests whose prefill ran on a prefill instance.
    pub disaggregated: u64,
    /// `disaggregated / injected`, in [0, 1].
    pub disaggregated_share: f64,
    /// Recompute preemptions (a request can be preempted more than once).
    pub preemptions: u64,
    /// Prompt tokens served from prefix caches.
    pub cached_tokens: u64,
    /// Simulated time from 0 to the last event, in seconds.
    pub duration_s: f64,
    /// Completed requests per second of simulated time.
    pub throughput_rps: f64,
    /// Output tokens of completed requests per second.
    pub output_tokens_per_s: f64,
    /// Time to first token of completed requests, in ms.
    pub ttft_ms: Stat,
    /// Time per output token (TPOT, as vLLM's benchmark names it): each completed
    /// request's mean gap between its output tokens, `(completion - first token) /
    /// (output tokens - 1)`, over requests with 2+ output tokens, in ms.
    pub tpot_ms: Stat,
    /// Inter-token latency (ITL, as vLLM's benchmark names it): every gap between two
    /// consecutive output tokens of a request, over every token emitted after a request's
    /// first, in ms (`count` is the number of such tokens). Until this distinction existed
    /// this field held what is now `tpot_ms`.
    pub itl_ms: Stat,
    /// End-to-end latency of completed requests, in ms.
    pub e2e_ms: Stat,
    /// Each TTFT phase over all completed requests, in ms.
    pub breakdown_ms: Phases<Stat>,
    /// Each TTFT phase over locally served completed requests, in ms.
    pub breakdown_local_ms: Phases<Stat>,
    /// Each TTFT phase over disaggregated completed requests, in ms.
    pub breakdown_disaggregated_ms: Phases<Stat>,
    /// The phases of the requests at the TTFT percentiles themselves (nearest rank): unlike
    /// per-phase percentiles, each adds up exactly to that TTFT percentile.
    pub breakdown_at_ttft_ms: PercentileBreakdowns,
    /// Completed requests meeting every configured SLO, per second.
    pub goodput_rps: f64,
    /// Share of injected requests that completed within every configured SLO, in [0, 1].
    pub slo_attainment: f64,
    /// KV transfers.
    pub transfer: TransferSummary,
    /// Per KV offload tier, in `engine.kv_offload` order (empty without tiers). Never left
    /// out of a report: the playground's worker sends reports in bincode, which reads fields
    /// by position, so a report's fields are the same whatever the config.
    #[serde(default)]
    pub kv_tiers: Vec<KvTierSummary>,
    /// Simulation events processed.
    pub events: u64,
    /// Engine steps run, all instances together.
    pub steps: u64,
    /// How percentiles are computed.
    pub percentile_method: PercentileMethod,
    /// Speculative decoding's verify steps; `null` when `engine.speculative` is off.
    #[serde(default)]
    pub speculative: Option<SpeculativeSummary>,
    /// Prompt tokens of completed requests per second (cache hits included).
    #[serde(default)]
    pub input_tokens_per_s: f64,
    /// What the layout costs (docs/PLANNING.md, Cost and energy).
    #[serde(default)]
    pub cost: CostSummary,
    /// What the layout draws (docs/PLANNING.md, Cost and energy).
    #[serde(default)]
    pub energy: EnergySummary,
}

/// What speculative decoding achieved, over every decoding instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SpeculativeSummary {
    /// Who proposed.
    pub method: crate::config::SpecMethod,
    /// Tokens proposed per sequence per verify step (k).
    pub tokens: u32,
    /// Verify steps, one per sequence per decode step (a disaggregated request's first
    /// decode step on its decode instance proposes nothing and is not one).
    pub verify_steps: u64,
    /// Mean tokens a sequence advanced per verify step: its accepted proposals plus one,
    /// capped at its output length.
    pub tokens_per_step: f64,
    /// Proposals accepted over proposals made, in [0, 1].
    pub acceptance: f64,
    /// Per position: of the verify steps that reached the proposal (every one before it
    /// accepted), the share that accepted it, in [0, 1]. Estimates the configured chances.
    pub acceptance_by_position: Vec<f64>,
}

/// The layout's cost, from each pool's GPU price: every GPU rented for the whole run, the
/// whole cost carried by the tokens served. `null` where a GPU has no price or no token was
/// served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CostSummary {
    /// Every GPU of the layout, at its pool's `usd_per_gpu_hour` or its GPU's
    /// `usd_per_hour`, in US dollars per hour.
    pub usd_per_hour: Option<f64>,
    /// `usd_per_hour` over the run's input tokens per hour (completed requests' prompts),
    /// in US dollars per million input tokens.
    pub usd_per_m_input_tokens: Option<f64>,
    /// `usd_per_hour` over the run's output tokens per hour (completed requests), in US
    /// dollars per million output tokens.
    pub usd_per_m_output_tokens: Option<f64>,
}

/// The layout's energy, from a utilisation model: each GPU draws 15% of its board power
/// (`power_w`) between steps and all of it during its instance's steps. `null` where a GPU
/// has no `power_w` or no token was served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnergySummary {
    /// Mean power of every GPU of the layout over the run, in W: per GPU, `power_w x
    /// (0.15 + 0.85 x its instance's busy_fraction)`.
    pub avg_power_w: Option<f64>,
    /// `avg_power_w` over output tokens per second, in joules per output token.
    pub joules_per_output_token: Option<f64>,
}

/// The five phases of the request at each TTFT percentile, in ms (all zero without requests).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PercentileBreakdowns {
    /// The request at the median TTFT.
    pub p50: Phases<f64>,
    /// The request at the 90th percentile TTFT.
    pub p90: Phases<f64>,
    /// The request at the 99th percentile TTFT.
    pub p99: Phases<f64>,
}

/// KV transfer totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TransferSummary {
    /// Transfers attempted (completed + dropped + still running or waiting for room).
    pub started: u64,
    /// Transfers that delivered their KV.
    pub completed: u64,
    /// Transfers refused because the decode instance could not reserve the KV blocks.
    pub dropped: u64,
    /// Transfers still moving when the horizon ended the run
    /// (`started = completed + dropped + in_flight`).
    pub in_flight: u64,
    /// Bytes delivered, all TP ranks together: only the prompt blocks the decode instance
    /// did not already hold.
    pub bytes: u64,
    /// Bytes of delivered prompts that did not move because the decode instance already
    /// held or had cached their blocks.
    pub skipped_bytes: u64,
    /// Duration of each completed transfer, in ms.
    pub time_ms: Stat,
    /// Completed transfers whose request waited for the decode instance to reserve KV
    /// blocks (reservation policy `wait`).
    pub waited: u64,
    /// Per completed transfer, how long its finished prefill waited for the decode
    /// instance to reserve KV blocks before the transfer could start, in ms (counted in the
    /// `decode_queue` phase).
    pub kv_wait_ms: Stat,
}

/// How a request ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Emitted all its output tokens.
    Completed,
    /// The decode instance could not reserve KV blocks for the transferred prompt.
    DroppedDecodeKvFull,
    /// The prompt needs more KV blocks than the instance has.
    DroppedPromptExceedsKv,
    /// Still running when the horizon ended the run.
    #[default]
    InFlight,
}

named_enum! {
    /// Why a request left early (the keys of `dropped_by_reason`).
    #[derive(
        Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema,
    )]
    pub enum DropReason {
        /// The decode instance could not reserve KV blocks for the transferred prompt.
        DecodeKvFull = "decode_kv_full",
        /// The prompt needs more KV blocks than the instance has.
        PromptExceedsKv = "prompt_exceeds_kv",
    }
}

impl From<DropReason> for RequestStatus {
    fn from(reason: DropReason) -> Self {
        match reason {
            DropReason::DecodeKvFull => Self::DroppedDecodeKvFull,
            DropReason::PromptExceedsKv => Self::DroppedPromptExceedsKv,
        }
    }
}

named_enum! {
    /// How a report's percentiles were computed (`output.percentiles`), stated in words.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum PercentileMethod {
        /// Every value kept (`exact`).
        #[default]
        Exact = "nearest-rank on integer nanoseconds",
        /// Log-linear histograms (`histogram`).
        Histogram = "nearest-rank on log-linear histograms of integer nanoseconds (1,024 buckets per power of two; within 0.05%)",
    }
}

/// One request's life.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestRecord {
    /// Id, in arrival order from 0.
    pub id: u64,
    /// How it ended.
    pub status: RequestStatus,
    /// Arrival time, in ms.
    pub arrival_ms: f64,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Output tokens.
    pub output_tokens: u32,
    /// Prompt tokens served from the prefix cache of the instance that prefilled it.
    pub cached_tokens: u32,
    /// Prefix group, if any.
    pub prefix_group: Option<u32>,
    /// Whether its prefill ran on a prefill instance.
    pub disaggregated: bool,
    /// Instance that ran its prefill (the decode instance when local).
    pub prefill_instance: u32,
    /// Instance that decoded it.
    pub decode_instance: u32,
    /// Times it was preempted.
    pub preemptions: u32,
    /// Time to first token, in ms (`null` if it never got one).
    pub ttft_ms: Option<f64>,
    /// End-to-end latency, in ms (`null` unless completed).
    pub e2e_ms: Option<f64>,
    /// Session (conversation) it belongs to: a trace's session number (in order of first
    /// appearance), or a generated session's prefix group; `null` outside sessions.
    pub session: Option<u32>,
    /// KV bytes moved to its decode instance, all TP ranks (0 when served locally).
    pub transfer_bytes: u64,
    /// KV bytes of its prompt its decode instance already held, so did not move.
    pub skipped_bytes: u64,
    /// Time per output token: its mean gap between output tokens, in ms (`null` unless
    /// completed with 2 tokens or more).
    pub tpot_ms: Option<f64>,
    /// The five TTFT phases, in ms (`null` if it never got a first token).
    pub breakdown_ms: Option<Phases<f64>>,
    /// How long its finished prefill waited for the decode instance to reserve KV blocks
    /// before the transfer started, in ms (part of `decode_queue`; 0 when it did not wait).
    pub kv_wait_ms: f64,
}

/// One instance's activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstanceReport {
    /// Id (index into `instances`).
    pub id: u32,
    /// Pool.
    pub role: Role,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// GPU name.
    pub gpu: String,
    /// KV capacity, in blocks.
    pub kv_blocks: u64,
    /// Share of the run's duration spent in steps, in [0, 1].
    pub busy_fraction: f64,
    /// Steps run.
    pub steps: u64,
    /// Mean sequences per step.
    pub mean_batch_size: f64,
    /// Highest share of KV blocks in use by running or waiting requests, in [0, 1].
    pub kv_peak_utilization: f64,
    /// Prompt tokens computed (cache hits excluded).
    pub prefill_tokens: u64,
    /// Output tokens decoded.
    pub decode_tokens: u64,
    /// Requests routed here (as prefill or decode instance).
    pub requests: u64,
    /// Recompute preemptions here.
    pub preemptions: u64,
}

/// Aggregates of one pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PoolReport {
    /// Which pool.
    pub role: Role,
    /// Instances in it.
    pub instances: u32,
    /// Mean busy fraction of its instances, in [0, 1].
    pub utilization: f64,
    /// Busiest instance's busy fraction over the mean (1 = perfectly balanced).
    pub load_imbalance: f64,
}

/// Per-instance activity in equal time buckets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timeline {
    /// Width of a bucket, in ms.
    pub bucket_ms: f64,
    /// One series per instance, in instance order.
    pub instances: Vec<InstanceSeries>,
}

/// One instance's activity per bucket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstanceSeries {
    /// Share of the bucket spent in steps, in [0, 1].
    pub busy: Vec<f64>,
    /// Prompt tokens computed in the bucket.
    pub prefill_tokens: Vec<u64>,
    /// Output tokens decoded in the bucket.
    pub decode_tokens: Vec<u64>,
    /// KV transfers that finished arriving at this instance in the bucket.
    pub transfers_in: Vec<u64>,
}

/// The nearest rank of percentile `p` among `n` sorted values: the 1-based rank
/// `ceil(p/100 x n)`, at least 1 (an empty sample has no percentile; callers check
/// `n > 0`). Every percentile pdsim reports goes through it. In `u64`, so `p x n` cannot
/// overflow in wasm32's 32-bit `usize` where it does not natively.
pub fn nearest_rank(p: u64, n: u64) -> u64 {
    (p * n).div_ceil(100).max(1)
}
