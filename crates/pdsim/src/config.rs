//! The simulation config: one type shared by the core, the CLI, the playground, its URL
//! state and the JavaScript API.
//!
//! Every field has a default, so `{}` is a valid config and produces the default
//! scenario. Unknown fields are rejected so that a typo never silently does nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config_json::merge_onto;
use crate::names::named_enum;
use crate::presets::{GpuParams, ModelParams};

/// A complete scenario: cluster, engine, policies and workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Seed of every random stream in the run.
    pub seed: u64,
    /// Model: a preset id (`"llama-3.1-8b"`, ...) or a custom model given by its numbers.
    pub model: ModelSpec,
    /// Default GPU of every pool: a preset id (`"h100-sxm"`, ...) or custom numbers.
    pub hardware: HardwareSpec,
    /// The instance pools.
    pub topology: Topology,
    /// Continuous-batching engine settings, the same on every instance.
    pub engine: EngineConfig,
    /// How requests are spread over instances.
    pub routing: RoutingConfig,
    /// When a request's prefill runs on a separate prefill instance.
    pub disaggregation: DisaggregationConfig,
    /// The link that carries KV caches from prefill to decode instances.
    pub kv_transfer: KvTransferConfig,
    /// The requests.
    pub workload: WorkloadConfig,
    /// Latency targets for goodput and SLO attainment.
    pub slo: SloConfig,
    /// Guards that stop a run with an error instead of hanging or exhausting memory.
    pub limits: Limits,
    /// What the report contains.
    pub output: OutputConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            seed: 42,
            model: ModelSpec::default(),
            hardware: HardwareSpec::default(),
            topology: Topology::default(),
            engine: EngineConfig::default(),
            routing: RoutingConfig::default(),
            disaggregation: DisaggregationConfig::default(),
            kv_transfer: KvTransferConfig::default(),
            workload: WorkloadConfig::default(),
            slo: SloConfig::default(),
            limits: Limits::default(),
            output: OutputConfig::default(),
        }
    }
}

/// A catalog model id, a model's architecture, or a HuggingFace `config.json`.
/// (`Deserialize`: `config::untagged`.)
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ModelSpec {
    /// A catalog id, one of [`crate::presets::MODEL_IDS`].
    Preset(String),
    /// A model given by its architecture.
    Custom(ModelParams),
    /// The contents of a HuggingFace `config.json` (an object with `architectures`).
    HuggingFace(serde_json::Map<String, serde_json::Value>),
}

impl Default for ModelSpec {
    fn default() -> Self {
        Self::Preset("llama-3.1-8b".into())
    }
}

/// A GPU preset id or custom GPU numbers. (`Deserialize`: `config::untagged`.)
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum HardwareSpec {
    /// A preset id, one of [`crate::presets::GPU_IDS`].
    Preset(String),
    /// A GPU given by its numbers.
    Custom(GpuParams),
}

/// `Deserialize` of the untagged enums ([`ModelSpec`], [`HardwareSpec`], [`Acceptance`]): what serde's
/// `#[serde(untagged)]` derive does (take the whole value, try each variant on it in order,
/// and say "data did not match any variant of untagged enum NAME" if none fits), with the
/// value held as a JSON value instead of serde's internal buffer. Through the buffer, the
/// architecture's and the GPU's types were compiled for one more reader, whose field names
/// come as bytes too: kilobytes of the playground's wasm (BENCHMARKS.md, "bundle"). The
/// variants see the same value either way; only an object that repeats a key differs: its
/// last value counts, as it does for every config the CLI and the JavaScript API read
/// (they parse the text into a JSON value first).
mod untagged {
    use serde::de::{Deserialize, Deserializer, Error};
    use serde_json::Value;

    use crate::config::{Acceptance, GpuParams, HardwareSpec, ModelParams, ModelSpec};

    fn no_variant<E: Error>(name: &str) -> E {
        E::custom(format_args!(
            "data did not match any variant of untagged enum {name}"
        ))
    }

    impl<'de> Deserialize<'de> for ModelSpec {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            match Value::deserialize(deserializer)? {
                Value::String(id) => Ok(Self::Preset(id)),
                value => match ModelParams::deserialize(&value) {
                    Ok(params) => Ok(Self::Custom(params)),
                    Err(_) => match value {
                        Value::Object(map) => Ok(Self::HuggingFace(map)),
                        _ => Err(no_variant("ModelSpec")),
                    },
                },
            }
        }
    }

    impl<'de> Deserialize<'de> for HardwareSpec {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            match Value::deserialize(deserializer)? {
                Value::String(id) => Ok(Self::Preset(id)),
                value => GpuParams::deserialize(&value)
                    .map(Self::Custom)
                    .map_err(|_| no_variant("HardwareSpec")),
            }
        }
    }

    impl<'de> Deserialize<'de> for Acceptance {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let value = Value::deserialize(deserializer)?;
            if let Ok(a) = f64::deserialize(&value) {
                return Ok(Self::Uniform(a));
            }
            Vec::<f64>::deserialize(&value)
                .map(Self::PerPosition)
                .map_err(|_| no_variant("Acceptance"))
        }
    }

    #[cfg(test)]
    mod tests {
        use serde::Deserialize;
        use serde_json::{json, Map, Value};

        use super::{Acceptance, GpuParams, HardwareSpec, ModelParams, ModelSpec};

        /// serde's derived untagged readers, which these replace.
        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum DerivedModel {
            Preset(String),
            Custom(ModelParams),
            HuggingFace(Map<String, Value>),
        }

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum DerivedGpu {
            Preset(String),
            Custom(GpuParams),
        }

        fn model_text(r: Result<ModelSpec, serde_json::Error>) -> String {
            match r {
                Ok(ModelSpec::Preset(id)) => format!("preset {id}"),
                Ok(ModelSpec::Custom(p)) => format!("custom {p:?}"),
                Ok(ModelSpec::HuggingFace(m)) => format!("hf {m:?}"),
                Err(e) => format!("error {e}"),
            }
        }

        /// (The twin's errors name it by its own name.)
        fn derived_model_text(r: Result<DerivedModel, serde_json::Error>) -> String {
            model_text(r.map(|d| match d {
                DerivedModel::Preset(id) => ModelSpec::Preset(id),
                DerivedModel::Custom(p) => ModelSpec::Custom(p),
                DerivedModel::HuggingFace(m) => ModelSpec::HuggingFace(m),
            }))
            .replace("DerivedModel", "ModelSpec")
        }

        fn gpu_text(r: Result<HardwareSpec, serde_json::Error>) -> String {
            match r {
                Ok(HardwareSpec::Preset(id)) => format!("preset {id}"),
                Ok(HardwareSpec::Custom(p)) => format!("custom {p:?}"),
                Err(e) => format!("error {e}"),
            }
        }

        fn derived_gpu_text(r: Result<DerivedGpu, serde_json::Error>) -> String {
            gpu_text(r.map(|d| match d {
                DerivedGpu::Preset(id) => HardwareSpec::Preset(id),
                DerivedGpu::Custom(p) => HardwareSpec::Custom(p),
            }))
            .replace("DerivedGpu", "HardwareSpec")
        }

        #[test]
        fn the_specs_read_what_the_derived_untagged_readers_read() {
            let custom =
                serde_json::to_value(crate::presets::model("llama-3.1-8b").unwrap()).unwrap();
            let mut moe =
                serde_json::to_value(crate::presets::model("deepseek-v3").unwrap()).unwrap();
            let mut unknown = custom.clone();
            unknown["hidden"] = json!(1);
            let mut wrong_type = custom.clone();
            wrong_type["layers"] = json!("many");
            let hf: Value =
                serde_json::from_str(include_str!("../tests/data/hf-configs/DeepSeek-V3.2.json"))
                    .unwrap();
            moe["name"] = json!("mine");
            let models = [
                json!("llama-3.1-8b"),
                json!("no-such-model"),
                custom,
                moe,
                unknown,
                wrong_type,
                hf,
                json!({}),
                json!(3),
                json!(null),
                json!(true),
                json!([1, 2]),
            ];
            for value in models {
                let text = value.to_string();
                assert_eq!(
                    model_text(serde_json::from_str(&text)),
                    derived_model_text(serde_json::from_str(&text)),
                    "{text}"
                );
                assert_eq!(
                    model_text(serde_json::from_value(value.clone())),
                    derived_model_text(serde_json::from_value(value)),
                    "{text} as a value"
                );
            }
            let gpu = crate::presets::gpu("h100-sxm").unwrap();
            let mut with_factors = gpu.clone();
            with_factors.efficiency = Some(Box::new(crate::calibration::Efficiency::generic()));
            let mut bad_factor = serde_json::to_value(&with_factors).unwrap();
            bad_factor["efficiency"]["gemm_bf16"] = json!("fast");
            let gpus = [
                json!("h100-sxm"),
                serde_json::to_value(&gpu).unwrap(),
                serde_json::to_value(&with_factors).unwrap(),
                bad_factor,
                json!({"name": "x"}),
                json!(1.5),
                json!(null),
                json!(["h100-sxm"]),
            ];
            for value in gpus {
                let text = value.to_string();
                assert_eq!(
                    gpu_text(serde_json::from_str(&text)),
                    derived_gpu_text(serde_json::from_str(&text)),
                    "{text}"
                );
                assert_eq!(
                    gpu_text(serde_json::from_value(value.clone())),
                    derived_gpu_text(serde_json::from_value(value)),
                    "{text} as a value"
                );
            }
            #[derive(Deserialize, Debug)]
            #[serde(untagged)]
            enum DerivedAcceptance {
                Uniform(f64),
                PerPosition(Vec<f64>),
            }
            for text in [
                "0.7",
                "1",
                "[0.9, 0.5]",
                "[]",
                "[1, \"x\"]",
                "\"0.7\"",
                "null",
                "{}",
            ] {
                let shared = serde_json::from_str::<Acceptance>(text).map_err(|e| e.to_string());
                let derived = serde_json::from_str::<DerivedAcceptance>(text)
                    .map(|d| match d {
                        DerivedAcceptance::Uniform(a) => Acceptance::Uniform(a),
                        DerivedAcceptance::PerPosition(v) => Acceptance::PerPosition(v),
                    })
                    .map_err(|e| e.to_string().replace("DerivedAcceptance", "Acceptance"));
                assert_eq!(shared, derived, "{text}");
            }
            // Through a whole config and the path-tracking reader: the error at its field.
            let err = serde_path_to_error::deserialize::<_, crate::Config>(json!({"hardware": 7}))
                .unwrap_err();
            assert_eq!(err.path().to_string(), "hardware");
            assert_eq!(
                err.inner().to_string(),
                "data did not match any variant of untagged enum HardwareSpec"
            );
        }
    }
}

impl Default for HardwareSpec {
    fn default() -> Self {
        Self::Preset("h100-sxm".into())
    }
}

/// The three pools. Unified instances take both roles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Topology {
    /// Instances that run both prefill and decode (aggregated serving).
    pub unified: PoolConfig,
    /// Instances that only run the prefill part of disaggregated requests.
    pub prefill: PoolConfig,
    /// Instances that decode (and prefill locally the requests the decider keeps local).
    pub decode: PoolConfig,
}

impl Topology {
    /// The settings of pool `role`.
    pub fn pool(&self, role: Role) -> &PoolConfig {
        match role {
            Role::Unified => &self.unified,
            Role::Prefill => &self.prefill,
            Role::Decode => &self.decode,
        }
    }

    /// The settings of pool `role`, to change.
    pub fn pool_mut(&mut self, role: Role) -> &mut PoolConfig {
        match role {
            Role::Unified => &mut self.unified,
            Role::Prefill => &mut self.prefill,
            Role::Decode => &mut self.decode,
        }
    }
}

impl Default for Topology {
    fn default() -> Self {
        Self {
            unified: PoolConfig {
                instances: 0,
                ..PoolConfig::default()
            },
            prefill: PoolConfig {
                instances: 2,
                ..PoolConfig::default()
            },
            decode: PoolConfig {
                instances: 2,
                ..PoolConfig::default()
            },
        }
    }
}

/// One pool of identical instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PoolConfig {
    /// Number of instances in the pool (0 = no such pool).
    pub instances: u32,
    /// Tensor-parallel degree: GPUs per instance.
    pub tp: u32,
    /// Expert-parallel degree for MoE models: whole experts spread over this many GPUs (a
    /// multiple of `tp`; above `tp` the instance runs `ep / tp` attention replicas).
    /// `null`: experts are sliced by tensor parallelism over the `tp` GPUs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ep: Option<u32>,
    /// GPU of this pool; `null` uses the top-level `hardware`.
    pub hardware: Option<HardwareSpec>,
    /// Price of one of this pool's GPUs, in US dollars per hour, for `summary.cost`;
    /// `null` uses the GPU's own `usd_per_hour` (the catalog's list price).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd_per_gpu_hour: Option<f64>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            instances: 0,
            tp: 1,
            ep: None,
            hardware: None,
            usd_per_gpu_hour: None,
        }
    }
}

/// vLLM-style continuous batching settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Most sequences in one step's batch.
    pub max_num_seqs: u32,
    /// Token budget of one step (prefill chunk tokens + one per decoding sequence).
    pub max_num_batched_tokens: u32,
    /// Tokens per KV block.
    pub block_size: u32,
    /// KV blocks per instance; `null` derives them from GPU memory, weights and TP.
    pub kv_cache_blocks: Option<u64>,
    /// Share of GPU memory the engine may use for weights and KV cache (0, 1].
    pub gpu_memory_utilization: f64,
    /// Fixed CPU/launch overhead added to every step, in milliseconds.
    pub step_overhead_ms: f64,
    /// CPU time added to a step per sequence in its batch (decoders and prompt chunks), in
    /// milliseconds: the engine's per-sequence scheduling, input preparation, sampling and
    /// detokenization, which grow with the batch (vLLM V0 runs them between steps, in
    /// Python). Default 0: every step costs `step_overhead_ms` whatever its batch.
    #[serde(skip_serializing_if = "is_zero_ms")]
    pub step_overhead_per_seq_ms: f64,
    /// Speed of prompt (prefill) work relative to the calibrated step-time model, a plain
    /// multiplier: a step's kernel time for its prefill tokens is divided by it (0.8: 25%
    /// slower than modelled; 1: as modelled). `pdsim fit` fits it to measured latencies.
    #[serde(skip_serializing_if = "is_one")]
    pub prefill_efficiency: f64,
    /// The same for decode work (one token per decoding sequence). A step mixing both is
    /// scaled by each kind's share of its tokens.
    #[serde(skip_serializing_if = "is_one")]
    pub decode_efficiency: f64,
    /// Whether instances keep finished prompts' KV blocks for reuse (prefix caching).
    pub prefix_caching: bool,
    /// Speculative decoding on every decoding instance; `null` (the default): off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speculative: Option<SpeculativeConfig>,
    /// How a step is composed when prompts wait while sequences decode: `mixed` (chunked
    /// prefill sharing steps with the decodes, as vLLM V1) or `prefill-first` (prefill-only
    /// steps first, as vLLM V0 and SGLang).
    #[serde(skip_serializing_if = "Scheduler::is_mixed")]
    pub scheduler: Scheduler,
    /// KV offload tiers below HBM, highest first: blocks evicted from HBM go down a tier,
    /// and a prefix found in one is loaded before its prefill (empty: none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kv_offload: Vec<KvTierConfig>,
}

named_enum! {
    /// Role of an instance.
    #[derive(
        Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema,
    )]
    pub enum Role {
        /// Prefill and decode.
        Unified = "unified",
        /// Prefill parts of disaggregated requests only.
        Prefill = "prefill",
        /// Decode, and local prefills.
        Decode = "decode",
    }
}

impl Role {
    /// The pools in the order of a run's instance ids (prefill, decode, unified): also the
    /// order of the report's pools and of the playground's form.
    pub const IN_ORDER: [Self; 3] = [Self::Prefill, Self::Decode, Self::Unified];

    /// Whether it can run a disaggregated request's prefill part.
    pub fn prefills_remote(self) -> bool {
        matches!(self, Self::Prefill | Self::Unified)
    }

    /// Whether it can decode.
    pub fn decodes(self) -> bool {
        matches!(self, Self::Decode | Self::Unified)
    }
}

named_enum! {
    /// How a step is composed when prompts wait while sequences decode.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum Scheduler {
        /// Every step carries every decoding sequence's token and prompt chunks in the rest
        /// of the token budget (vLLM V1's chunked prefill).
        #[default]
        Mixed = "mixed",
        /// While a prompt can be computed, the step is prefill-only (the decoders wait); a
        /// prompt is split only when it exceeds the token budget (vLLM V0's and SGLang's
        /// default).
        PrefillFirst = "prefill-first",
    }
}

impl Scheduler {
    /// Whether it is the default, `mixed` (left out of printed configs).
    pub fn is_mixed(&self) -> bool {
        *self == Self::Mixed
    }
}

named_enum! {
    /// Where a KV offload tier keeps its blocks.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
    pub enum KvTier {
        /// Host memory of each instance (vLLM's CPU offload, LMCache's local CPU backend).
        Cpu = "cpu",
        /// Local disk of each instance (LMCache's local disk backend).
        Disk = "disk",
        /// One store shared by all instances (a Mooncake store, an LMCache server).
        Remote = "remote",
    }
}

/// One KV offload tier (`engine.kv_offload[i]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KvTierConfig {
    /// Which tier.
    pub tier: KvTier,
    /// Its capacity, in GB (10^9 bytes): per instance for `cpu` and `disk`, in all for
    /// `remote`.
    pub capacity_gb: f64,
    /// Its load bandwidth into one GPU, in GB/s (each TP rank loads its shard in parallel).
    pub bandwidth_gb_per_s: f64,
    /// Fixed latency of one load, in ms.
    #[serde(default)]
    pub latency_ms: f64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_num_seqs: 256,
            max_num_batched_tokens: 2048,
            block_size: 16,
            kv_cache_blocks: None,
            gpu_memory_utilization: 0.9,
            step_overhead_ms: 0.3,
            step_overhead_per_seq_ms: 0.0,
            prefill_efficiency: 1.0,
            decode_efficiency: 1.0,
            prefix_caching: true,
            speculative: None,
            scheduler: Scheduler::Mixed,
            kv_offload: Vec::new(),
        }
    }
}

/// Whether a multiplier is the neutral 1 (left out of serialized configs, so configs that
/// do not set it read and print as before).
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

/// Whether a cost is the neutral 0 (left out of serialized configs, as [`is_one`]).
fn is_zero_ms(x: &f64) -> bool {
    *x == 0.0
}

named_enum! {
    /// Who proposes the draft tokens a speculative decode step verifies.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum SpecMethod {
        /// An EAGLE head: one decoder layer on the target's hidden states and the target's LM
        /// head, run once per proposed token.
        Eagle = "eagle",
        /// A multi-token-prediction module (DeepSeek-V3's MTP): one transformer block and the
        /// shared output head, run once per proposed token.
        Mtp = "mtp",
        /// A separate, smaller draft model (`draft_model`), run once per proposed token.
        Draft = "draft",
        /// N-gram lookup in the prompt and output so far: no model, no GPU time.
        Ngram = "ngram",
    }
}

/// The chance a proposed token is accepted given that the ones before it were.
/// (`Deserialize`: `config::untagged`.)
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Acceptance {
    /// The same chance at every position, in [0, 1].
    Uniform(f64),
    /// One chance per position, `tokens` of them, each in [0, 1].
    PerPosition(Vec<f64>),
}

impl Acceptance {
    /// The chance at position `i` (0-based) of `k` proposals.
    pub fn at(&self, i: usize) -> f64 {
        match self {
            Self::Uniform(a) => *a,
            Self::PerPosition(list) => list.get(i).copied().unwrap_or(0.0),
        }
    }
}

/// Speculative decoding: each decode step verifies `tokens` proposed tokens plus one per
/// sequence and keeps the accepted ones (plus the target's own next token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeculativeConfig {
    /// Who proposes.
    pub method: SpecMethod,
    /// Tokens proposed per sequence per step (k), 1 to 16.
    pub tokens: u32,
    /// The chance a proposed token is accepted given that the ones before it were: a
    /// number, or a list of `tokens` numbers (one per position).
    pub acceptance: Acceptance,
    /// The draft model of method `draft`: a catalog id, an architecture or a HuggingFace
    /// `config.json`, as `model` accepts. Only with `draft`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_model: Option<ModelSpec>,
}

named_enum! {
    /// Routing policy inside one pool.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum RoutingPolicy {
        /// Cycle through the pool's instances.
        RoundRobin = "round-robin",
        /// Fewest outstanding requests (queued + running + in flight); ties to the lowest id.
        LeastLoaded = "least-loaded",
        /// Most cached prompt blocks in the router's prefix index; ties to the least loaded.
        PrefixAware = "prefix-aware",
        /// Dynamo's KV-router cost: `overlap_weight x prefill blocks + decode blocks`, minimum
        /// wins. Prefill blocks are the request's blocks not in the instance's prefix index
        /// plus the uncached blocks of the requests routed there whose prefill has not ended;
        /// decode blocks are the prompt blocks of every request routed there and not gone.
        KvCost = "kv-cost",
        /// `kv-cost` with Dynamo's staged decode term: a routed request's uncached blocks
        /// count in the prefill term until its prefill ends, and only then in the decode term.
        KvCostStaged = "kv-cost-staged",
    }
}

/// How requests are spread over instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    /// Policy that picks the decode-capable instance of every request.
    pub policy: RoutingPolicy,
    /// Policy inside the prefill pool; `null` uses `policy`.
    pub prefill_policy: Option<RoutingPolicy>,
    /// Weight of the blocks still to prefill in the `kv-cost` policy.
    pub overlap_weight: f64,
    /// Fixed time, in ms, from a request's arrival until the router places it: what the
    /// API server, tokenizer and proxy in front of the engines take. It is part of TTFT
    /// (in its prefill-queue phase) and of the end-to-end latency, not of TPOT.
    pub frontend_latency_ms: f64,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            policy: RoutingPolicy::LeastLoaded,
            prefill_policy: None,
            overlap_weight: 1.0,
            frontend_latency_ms: 0.0,
        }
    }
}

named_enum! {
    /// Which rule decides to disaggregate a request.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum Decider {
        /// Every request prefills on its decode instance.
        Never = "never",
        /// Every request prefills on a prefill instance.
        Always = "always",
        /// Disaggregate iff uncached prompt tokens `>` threshold (strict).
        PrefixThreshold = "prefix-threshold",
        /// Disaggregate iff prompt tokens `>=` threshold (inclusive; 0 = always).
        LengthThreshold = "length-threshold",
        /// Disaggregate iff uncached tokens `>` threshold AND the chosen prefill queue holds at
        /// most `max_prefill_queue` requests.
        Conditional = "conditional",
    }
}

impl Decider {
    /// Whether the decider reads `disaggregation.threshold_tokens` (the one list of them:
    /// the planner, the playground's slider and its threshold sweep ask here).
    pub fn reads_threshold(self) -> bool {
        match self {
            Self::Never | Self::Always => false,
            Self::PrefixThreshold | Self::LengthThreshold | Self::Conditional => true,
        }
    }
}

/// When a request's prefill runs on a separate prefill instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DisaggregationConfig {
    /// The rule.
    pub decider: Decider,
    /// Threshold of the threshold deciders, in tokens.
    pub threshold_tokens: u32,
    /// `conditional` only: deepest prefill queue (waiting requests) that still accepts work.
    pub max_prefill_queue: u32,
}

impl Default for DisaggregationConfig {
    fn default() -> Self {
        Self {
            decider: Decider::PrefixThreshold,
            threshold_tokens: 512,
            max_prefill_queue: 8,
        }
    }
}

/// The KV-transfer link between prefill and decode instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KvTransferConfig {
    /// Link bandwidth per GPU, in GB/s (decimal: 1 GB = 1e9 bytes).
    pub bandwidth_gb_per_s: f64,
    /// Fixed setup latency of every transfer, in milliseconds.
    pub base_latency_ms: f64,
    /// Whether concurrent transfers into one decode instance share its ingress bandwidth.
    pub contention: bool,
    /// What a finished prefill does when its decode instance cannot reserve KV blocks for
    /// the prompt: `wait` until it can (vLLM, Dynamo), or `drop` the request.
    pub reservation: ReservationPolicy,
    /// When the decode instance takes in a prompt's KV: `beside-steps` (the transfer runs
    /// beside its steps and the request joins the batch once it has arrived, as vLLM V1's
    /// connectors and SGLang do) or `in-step` (the decode instance receives it inside the
    /// step that admits the request, the running decodes waiting, as vLLM V0's KV connectors
    /// do in their model runner).
    #[serde(skip_serializing_if = "KvReceive::is_beside_steps")]
    pub receive: KvReceive,
}

named_enum! {
    /// When a decode instance takes in a disaggregated prompt's KV.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum KvReceive {
        /// The transfer runs beside the decode instance's steps; the request joins the batch
        /// once its KV has arrived.
        #[default]
        BesideSteps = "beside-steps",
        /// The decode instance receives the KV inside the step that admits the request
        /// (`base_latency_ms` + bytes per rank / bandwidth added to that step): every
        /// request decoding there waits through it.
        InStep = "in-step",
    }
}

impl KvReceive {
    /// Whether it is the default, `beside-steps` (left out of printed configs).
    pub fn is_beside_steps(&self) -> bool {
        *self == Self::BesideSteps
    }
}

named_enum! {
    /// What happens when the decode instance has no room for a transferred prompt's KV.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum ReservationPolicy {
        /// Keep the prompt on the prefill instance until the decode instance has room (as
        /// vLLM's `WAITING_FOR_REMOTE_KVS` and Dynamo do); requests wait first come, first
        /// served.
        #[default]
        Wait = "wait",
        /// Drop the request at once (reason `decode_kv_full`).
        Drop = "drop",
    }
}

impl Default for KvTransferConfig {
    fn default() -> Self {
        Self {
            bandwidth_gb_per_s: 25.0,
            base_latency_ms: 0.05,
            contention: false,
            reservation: ReservationPolicy::Wait,
            receive: KvReceive::BesideSteps,
        }
    }
}

/// The requests of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadConfig {
    /// Number of requests; `null` with a horizon means "until the horizon".
    pub requests: Option<u64>,
    /// Simulated time after which no request arrives and the run stops, in seconds.
    pub horizon_s: Option<f64>,
    /// Arrival process.
    pub arrival: ArrivalConfig,
    /// Prompt length distribution, in tokens.
    pub input_tokens: LengthDist,
    /// Output length distribution, in tokens.
    pub output_tokens: LengthDist,
    /// Shared prompt prefixes.
    pub prefix: PrefixConfig,
    /// A recorded trace to replay instead of the generated arrivals and lengths.
    pub trace: Option<Vec<TraceRecord>>,
    /// Tokens per block of a block-hash trace's `hash_ids` (read when the trace is parsed;
    /// Mooncake's traces use 512).
    pub trace_block_tokens: u32,
    /// Multi-turn sessions (generated workloads only); `null`: every request stands alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<SessionConfig>,
    /// Closed-loop arrivals instead of `arrival` (generated workloads only); `null`: open
    /// loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_loop: Option<ClosedLoopConfig>,
}

/// A closed loop: a fixed number of users, each sending its next request (or session, with
/// `sessions`) a think time after its previous one completed or was dropped; all start at
/// time 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ClosedLoopConfig {
    /// Concurrent users.
    pub users: u32,
    /// Mean think time between requests (or sessions) of a user, in ms (exponential; 0 = at
    /// once).
    pub think_time_ms: f64,
}

impl Default for ClosedLoopConfig {
    fn default() -> Self {
        Self {
            users: 16,
            think_time_ms: 1000.0,
        }
    }
}

/// Multi-turn sessions: each arrival of the arrival process starts a session whose turns
/// follow one another. A later turn's prompt is the previous turn's prompt and output plus
/// new user tokens, and it arrives a think time after the previous turn completed, so
/// prefix caches and deciders see the conversation's reuse. Each session is its own prefix
/// group (`workload.prefix` is not used).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Turns per session (at least 1).
    pub turns: LengthDist,
    /// New user tokens of every turn after the first (the first turn's prompt is drawn from
    /// `workload.input_tokens`).
    pub new_tokens: LengthDist,
    /// Mean think time between a turn's completion and the next turn's arrival, in ms
    /// (exponential; 0 = at once).
    pub think_time_ms: f64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            turns: LengthDist::Uniform { min: 2, max: 6 },
            new_tokens: LengthDist::Lognormal {
                mean: 200.0,
                std: 150.0,
                min: Some(8),
                max: Some(4096),
            },
            think_time_ms: 5000.0,
        }
    }
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            requests: Some(400),
            horizon_s: None,
            arrival: ArrivalConfig::default(),
            input_tokens: LengthDist::Lognormal {
                mean: 1024.0,
                std: 768.0,
                min: Some(16),
                max: Some(8192),
            },
            output_tokens: LengthDist::Normal {
                mean: 128.0,
                std: 32.0,
                min: Some(1),
                max: Some(512),
            },
            prefix: PrefixConfig::default(),
            trace: None,
            trace_block_tokens: 512,
            sessions: None,
            closed_loop: None,
        }
    }
}

named_enum! {
    /// Arrival process kind.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum ArrivalProcess {
        /// Exponential inter-arrival times.
        Poisson = "poisson",
        /// Evenly spaced arrivals.
        Constant = "constant",
        /// Gamma inter-arrival times with coefficient of variation `cv` (bursty when `cv > 1`).
        Gamma = "gamma",
    }
}

/// Arrival process and rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ArrivalConfig {
    /// Kind of process.
    pub process: ArrivalProcess,
    /// Mean arrival rate, in requests per second.
    pub rate_per_s: f64,
    /// Coefficient of variation of inter-arrival times (`gamma` only).
    pub cv: f64,
}

impl Default for ArrivalConfig {
    fn default() -> Self {
        Self {
            process: ArrivalProcess::Poisson,
            rate_per_s: 40.0,
            cv: 2.0,
        }
    }
}

/// A length distribution in tokens. Sampled values are rounded and clamped to `[min, max]`
/// (and never below 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum LengthDist {
    /// Always `value`.
    Constant {
        /// The length.
        value: u32,
    },
    /// Uniform integers in `[min, max]`.
    Uniform {
        /// Smallest length.
        min: u32,
        /// Largest length.
        max: u32,
    },
    /// Normal with the given mean and standard deviation, clamped.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
        /// Optional lower clamp.
        #[serde(default)]
        min: Option<u32>,
        /// Optional upper clamp.
        #[serde(default)]
        max: Option<u32>,
    },
    /// Lognormal whose own mean and standard deviation (not the underlying normal's) are given.
    Lognormal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
        /// Optional lower clamp.
        #[serde(default)]
        min: Option<u32>,
        /// Optional upper clamp.
        #[serde(default)]
        max: Option<u32>,
    },
}

named_enum! {
    /// The kind of a [`LengthDist`]: its `dist` tag in configs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum DistKind {
        /// [`LengthDist::Constant`].
        Constant = "constant",
        /// [`LengthDist::Uniform`].
        Uniform = "uniform",
        /// [`LengthDist::Normal`].
        Normal = "normal",
        /// [`LengthDist::Lognormal`].
        Lognormal = "lognormal",
    }
}

impl LengthDist {
    /// Its kind (the `dist` tag it is written with).
    pub fn kind(&self) -> DistKind {
        match self {
            Self::Constant { .. } => DistKind::Constant,
            Self::Uniform { .. } => DistKind::Uniform,
            Self::Normal { .. } => DistKind::Normal,
            Self::Lognormal { .. } => DistKind::Lognormal,
        }
    }
}

/// Shared prompt prefixes: `groups` groups whose requests start with the same `tokens` tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PrefixConfig {
    /// Number of prefix groups (0 = no shared prefixes).
    pub groups: u32,
    /// Shared leading tokens of every request in a group.
    pub tokens: u32,
    /// Share of requests that belong to a group, in [0, 1].
    pub fraction: f64,
    /// Leading tokens every request shares (a system prompt) before its group's `tokens`:
    /// nested sharing, the system prompt and then one of `groups` documents. 0: none.
    #[serde(skip_serializing_if = "is_zero")]
    pub system_tokens: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Default for PrefixConfig {
    fn default() -> Self {
        Self {
            groups: 4,
            tokens: 512,
            fraction: 0.5,
            system_tokens: 0,
        }
    }
}

/// One request of a replayed trace (one JSON Lines record).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceRecord {
    /// Arrival time since the start, in milliseconds.
    pub arrival_ms: f64,
    /// Prompt length, in tokens.
    pub input_tokens: u32,
    /// Output length, in tokens.
    pub output_tokens: u32,
    /// Prefix group; requests of a group share their first `prefix_tokens` tokens.
    #[serde(default)]
    pub prefix_group: Option<u32>,
    /// Shared leading tokens; `null` uses `workload.prefix.tokens`.
    #[serde(default)]
    pub prefix_tokens: Option<u32>,
    /// Nested sharing: the prefix group whose first `prefix_parent_tokens` tokens this
    /// group's prompts start with, before the group's own (a shared system prompt, then a
    /// document). Every record of a group gives the same parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_parent: Option<u32>,
    /// With `prefix_parent`: how many leading tokens come from the parent group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_parent_tokens: Option<u32>,
    /// Session (conversation) it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u32>,
    /// With a session: arrive this many ms after the previous record of the same session
    /// completed, instead of at `arrival_ms` (ignored on a session's first record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<f64>,
}

impl TraceRecord {
    /// A plain record: a prompt of `input_tokens` arriving at `arrival_ms`, answered with
    /// `output_tokens`, in no prefix group or session.
    pub fn new(arrival_ms: f64, input_tokens: u32, output_tokens: u32) -> Self {
        Self {
            arrival_ms,
            input_tokens,
            output_tokens,
            prefix_group: None,
            prefix_tokens: None,
            prefix_parent: None,
            prefix_parent_tokens: None,
            session: None,
            delay_ms: None,
        }
    }
}

/// Latency targets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SloConfig {
    /// Time-to-first-token target, in milliseconds.
    pub ttft_ms: Option<f64>,
    /// Target of each request's time per output token (TPOT: its mean gap between output
    /// tokens, as vLLM's benchmark names it), in milliseconds. `itl_ms` is accepted as an
    /// alias with the same meaning (its name in configs before TPOT and ITL were told apart);
    /// a config may give one of the two, not both.
    #[serde(alias = "itl_ms")]
    pub tpot_ms: Option<f64>,
}

/// Guards against runs that would hang or exhaust memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Most requests a run may inject.
    pub max_requests: u64,
    /// Most events a run may process.
    pub max_events: u64,
    /// Longest simulated time, in seconds.
    pub max_sim_time_s: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_requests: 2_000_000,
            max_events: 500_000_000,
            max_sim_time_s: 7.0 * 24.0 * 3600.0,
        }
    }
}

/// What the report contains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// Whether the report lists every request (about 150 bytes each while the run lasts).
    pub per_request: bool,
    /// How percentiles are computed: exactly, or from histograms whose memory does not grow
    /// with the number of requests (with `per_request: false`, a run's memory then follows
    /// only the requests in flight).
    pub percentiles: Percentiles,
    /// Number of time buckets of the per-instance activity timeline (0 = none).
    pub timeline_buckets: u32,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            per_request: true,
            percentiles: Percentiles::Exact,
            timeline_buckets: 120,
        }
    }
}

named_enum! {
    /// How the report's percentiles are computed.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
    pub enum Percentiles {
        /// Nearest rank over every value (8 bytes per value and distribution until the end).
        #[default]
        Exact = "exact",
        /// Nearest rank over log-linear histograms (1,024 buckets per power of two): within
        /// 0.05% of the exact value, in memory independent of the number of requests. The
        /// breakdown at a TTFT percentile is then that of a request in the percentile's
        /// bucket.
        Histogram = "histogram",
    }
}

impl Config {
    /// Requests a run of this config will inject, as far as the config says: the trace's
    /// records, else `workload.requests`; `None` when neither bounds them (the horizon or
    /// `limits.max_requests` ends the run). The engine sizes its buffers by it and the
    /// playground decides from it whether to ask for per-request records.
    pub fn expected_requests(&self) -> Option<u64> {
        match &self.workload.trace {
            Some(trace) => Some(trace.len() as u64),
            None => self.workload.requests,
        }
    }

    /// Parses a JSON config, naming the field of the first error (`workload.arrival.rate_per_s: ...`).
    ///
    /// A partial object overrides only the fields it names: `{"topology": {"decode": {"tp": 2}}}`
    /// keeps the default number of decode instances. Strings, arrays, `null` and length
    /// distributions of another `dist` replace the default whole.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let given: serde_json::Value =
            serde_json::from_str(text).map_err(|e| crate::Error::Parse {
                field: String::new(),
                message: e.to_string(),
            })?;
        Self::from_value(given)
    }

    /// [`Config::from_json`] for an already parsed JSON value.
    pub fn from_value(given: serde_json::Value) -> Result<Self, crate::Error> {
        if !given.is_object() {
            return Err(crate::Error::Parse {
                field: String::new(),
                message: format!("invalid type: the config must be a JSON object, got {given}"),
            });
        }
        let mut given = given;
        rename_alias(&mut given, "slo", "itl_ms", "tpot_ms")?;
        let mut merged = serde_json::to_value(Self::default()).unwrap_or_default();
        merge_onto(&mut merged, given);
        // Preset-or-object fields are untagged enums, whose own errors say only "did not
        // match any variant": check their object form first for a precise message.
        if !merged
            .get("model")
            .is_some_and(crate::hf_config::is_hf_config)
        {
            check_spec::<ModelParams>(&merged, &["model"], "a model catalog id")?;
        }
        check_spec::<GpuParams>(&merged, &["hardware"], "a GPU preset id")?;
        for pool in ["unified", "prefill", "decode"] {
            check_spec::<GpuParams>(&merged, &["topology", pool, "hardware"], "a GPU preset id")?;
        }
        parse_at::<Self>(merged, "")
    }

    /// The JSON Schema of the config.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
    }
}

fn parse_at<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, crate::Error> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let field = match (prefix.is_empty(), path == ".") {
            (true, true) => String::new(),
            (true, false) => path,
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{path}"),
        };
        crate::Error::Parse {
            field,
            message: err.into_inner().to_string(),
        }
    })
}

fn check_spec<T: serde::de::DeserializeOwned>(
    root: &serde_json::Value,
    path: &[&str],
    what: &str,
) -> Result<(), crate::Error> {
    let Some(value) = path.iter().try_fold(root, |node, key| node.get(key)) else {
        return Ok(());
    };
    let field = path.join(".");
    match value {
        serde_json::Value::String(_) | serde_json::Value::Null => Ok(()),
        serde_json::Value::Object(_) => parse_at::<T>(value.clone(), &field).map(|_| ()),
        other => Err(crate::Error::Parse {
            field,
            message: format!(
                "invalid type: expected {what} (a string) or an object of numbers, got {other}"
            ),
        }),
    }
}

/// Renames `section.alias` to `section.name` in a given (partial) config, so the alias
/// overrides the default of `name` when merged onto the defaults; both given is refused.
fn rename_alias(
    given: &mut serde_json::Value,
    section: &str,
    alias: &str,
    name: &str,
) -> Result<(), crate::Error> {
    let Some(object) = given.get_mut(section).and_then(|s| s.as_object_mut()) else {
        return Ok(());
    };
    let Some(value) = object.remove(alias) else {
        return Ok(());
    };
    if object.contains_key(name) {
        return Err(crate::Error::Parse {
            field: format!("{section}.{alias}"),
            message: format!("an alias of `{section}.{name}`: give one of the two, not both"),
        });
    }
    object.insert(name.to_owned(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_objects_override_only_what_they_name() {
        let c = Config::from_json(r#"{"topology": {"decode": {"tp": 2}}}"#).unwrap();
        assert_eq!(c.topology.decode.tp, 2);
        assert_eq!(
            c.topology.decode.instances,
            Topology::default().decode.instances
        );
        let c = Config::from_json(
            r#"{"workload": {"input_tokens": {"dist": "constant", "value": 9}}}"#,
        )
        .unwrap();
        assert_eq!(c.workload.input_tokens, LengthDist::Constant { value: 9 });
        let c = Config::from_json(r#"{"workload": {"output_tokens": {"mean": 50}}}"#).unwrap();
        assert!(
            matches!(c.workload.output_tokens, LengthDist::Normal { mean, std, .. } if mean == 50.0 && std == 32.0)
        );
        let err = Config::from_json(r#"{"engine": {"max_num_seq": 2}}"#).unwrap_err();
        assert_eq!(err.field(), "engine.max_num_seq");
        assert!(
            err.to_string().contains("unknown field `max_num_seq`"),
            "{err}"
        );
    }
}
