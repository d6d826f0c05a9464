//! Named, ready-to-run scenarios (`pdsim example NAME`, the playground's presets).
//!
//! Pairs ending in `-disagg` / `-agg` run the same GPUs and workload with and without
//! disaggregation, so their reports can be compared directly.

use crate::config::{
    Acceptance, ArrivalConfig, ArrivalProcess, ClosedLoopConfig, Config, Decider,
    DisaggregationConfig, LengthDist, PoolConfig, PrefixConfig, RoutingPolicy, SessionConfig,
    SpecMethod, SpeculativeConfig, Topology,
};

/// One named scenario.
#[derive(Clone, Debug)]
pub struct Example {
    /// Name used on the command line and in the playground.
    pub name: &'static str,
    /// One line on what it shows.
    pub description: &'static str,
    /// The scenario.
    pub config: Config,
    /// A speed benchmark (`pdsim bench`'s 100,000 requests), not a scenario to explore: the
    /// playground's presets and the tests that run every example leave it out.
    pub benchmark: bool,
}

fn pools(prefill: u32, decode: u32, unified: u32) -> Topology {
    let pool = |instances| PoolConfig {
        instances,
        ..PoolConfig::default()
    };
    Topology {
        prefill: pool(prefill),
        decode: pool(decode),
        unified: pool(unified),
    }
}

fn decider(decider: Decider, threshold_tokens: u32) -> DisaggregationConfig {
    DisaggregationConfig {
        decider,
        threshold_tokens,
        ..DisaggregationConfig::default()
    }
}

/// The same 4 GPUs as 2 prefill + 2 decode instances that always disaggregate, or as 4
/// unified instances that never do.
fn paired(disaggregated: bool) -> Config {
    let (topology, rule) = if disaggregated {
        (pools(2, 2, 0), Decider::Always)
    } else {
        (pools(0, 0, 4), Decider::Never)
    };
    Config {
        topology,
        disaggregation: decider(rule, 0),
        ..Config::default()
    }
}

/// Long prompts with short outputs (about 10:1) for Llama-3.1-70B on 8 H100s, the case where
/// disaggregation is known to pay for ITL (llm-d): 1 prefill + 1 decode instance at TP 4, or
/// 2 unified instances at TP 4 that never disaggregate. (With the calibrated step times,
/// Llama-3.1-8B at this ratio gains nothing from it on 4 H100s: its 2,048-token prefill
/// chunks take about 45 ms, so they stall the decoders little.)
fn long_prompts(disaggregated: bool) -> Config {
    let tp4 = |instances| PoolConfig {
        instances,
        tp: 4,
        ..PoolConfig::default()
    };
    let (topology, rule) = if disaggregated {
        (
            Topology {
                prefill: tp4(1),
                decode: tp4(1),
                unified: tp4(0),
            },
            Decider::Always,
        )
    } else {
        (
            Topology {
                prefill: tp4(0),
                decode: tp4(0),
                unified: tp4(2),
            },
            Decider::Never,
        )
    };
    let mut c = Config {
        model: crate::config::ModelSpec::Preset("llama-3.1-70b".into()),
        topology,
        disaggregation: decider(rule, 0),
        ..Config::default()
    };
    c.workload.requests = Some(600);
    c.workload.arrival = ArrivalConfig {
        process: ArrivalProcess::Poisson,
        rate_per_s: 2.5,
        cv: 1.0,
    };
    c.workload.input_tokens = LengthDist::Normal {
        mean: 4096.0,
        std: 512.0,
        min: Some(1024),
        max: Some(8192),
    };
    c.workload.output_tokens = LengthDist::Normal {
        mean: 400.0,
        std: 80.0,
        min: Some(16),
        max: Some(800),
    };
    c.workload.prefix = PrefixConfig {
        groups: 0,
        tokens: 0,
        fraction: 0.0,
        system_tokens: 0,
    };
    c.slo.ttft_ms = Some(2000.0);
    c.slo.tpot_ms = Some(25.0);
    c
}

/// Short prompts with heavy prefix reuse: local prefill is cheap and hits the cache, so
/// sending prompts away only adds transfer time and idles half the GPUs (Dynamo docs).
fn short_prompts(disaggregated: bool) -> Config {
    let mut c = paired(disaggregated);
    c.routing.policy = RoutingPolicy::PrefixAware;
    c.workload.requests = Some(1500);
    c.workload.arrival = ArrivalConfig {
        process: ArrivalProcess::Poisson,
        rate_per_s: 60.0,
        cv: 1.0,
    };
    c.workload.input_tokens = LengthDist::Normal {
        mean: 768.0,
        std: 128.0,
        min: Some(256),
        max: Some(2048),
    };
    c.workload.output_tokens = LengthDist::Normal {
        mean: 256.0,
        std: 64.0,
        min: Some(16),
        max: Some(512),
    };
    c.workload.prefix = PrefixConfig {
        groups: 4,
        tokens: 640,
        fraction: 0.9,
        system_tokens: 0,
    };
    c.slo.ttft_ms = Some(500.0);
    c.slo.tpot_ms = Some(25.0);
    c
}

/// Mixed prompt lengths on 2 prefill + 2 decode instances with a prefix-threshold decider:
/// sweep `disaggregation.threshold_tokens` to find where sending prompts away stops paying.
fn threshold_sweep() -> Config {
    let mut c = Config {
        topology: pools(2, 2, 0),
        disaggregation: decider(Decider::PrefixThreshold, 1024),
        ..Config::default()
    };
    c.workload.requests = Some(800);
    c.workload.arrival = ArrivalConfig {
        process: ArrivalProcess::Poisson,
        rate_per_s: 30.0,
        cv: 1.0,
    };
    c.workload.input_tokens = LengthDist::Lognormal {
        mean: 1536.0,
        std: 1536.0,
        min: Some(32),
        max: Some(16384),
    };
    c.workload.output_tokens = LengthDist::Normal {
        mean: 200.0,
        std: 50.0,
        min: Some(8),
        max: Some(600),
    };
    c.workload.prefix = PrefixConfig {
        groups: 8,
        tokens: 512,
        fraction: 0.5,
        system_tokens: 0,
    };
    c
}

/// "How many prefill GPUs for my decode GPUs?": Llama-3.1-8B on H100s, ~3,000-token
/// prompts and ~300-token outputs, TTFT <= 500 ms and TPOT <= 15 ms (`slo`). Run as it is,
/// 2 prefill + 2 decode instances that always disaggregate; `pdsim plan - --gpus 8` finds
/// the split (docs/PLANNING.md).
fn pd_ratio() -> Config {
    let mut c = Config {
        topology: pools(2, 2, 0),
        disaggregation: decider(Decider::Always, 0),
        ..Config::default()
    };
    c.workload.requests = Some(2000);
    c.workload.arrival = ArrivalConfig {
        process: ArrivalProcess::Poisson,
        rate_per_s: 16.0,
        cv: 1.0,
    };
    c.workload.input_tokens = LengthDist::Normal {
        mean: 3000.0,
        std: 600.0,
        min: Some(256),
        max: Some(8192),
    };
    c.workload.output_tokens = LengthDist::Normal {
        mean: 300.0,
        std: 60.0,
        min: Some(16),
        max: Some(1024),
    };
    c.workload.prefix = PrefixConfig {
        groups: 0,
        tokens: 0,
        fraction: 0.0,
        system_tokens: 0,
    };
    c.slo.ttft_ms = Some(500.0);
    c.slo.tpot_ms = Some(15.0);
    c
}

/// The reference scenario of `pdsim bench`: 100,000 requests, prompts around 1,024 tokens,
/// outputs around 128, 4 prefill + 4 decode instances, prefix-threshold decider, 8 prefix groups.
pub fn bench_reference() -> Config {
    let mut c = Config {
        topology: pools(4, 4, 0),
        disaggregation: decider(Decider::PrefixThreshold, 512),
        ..Config::default()
    };
    c.workload.requests = Some(100_000);
    c.workload.arrival = ArrivalConfig {
        process: ArrivalProcess::Poisson,
        rate_per_s: 80.0,
        cv: 1.0,
    };
    c.workload.input_tokens = LengthDist::Normal {
        mean: 1024.0,
        std: 256.0,
        min: Some(64),
        max: Some(4096),
    };
    c.workload.output_tokens = LengthDist::Normal {
        mean: 128.0,
        std: 32.0,
        min: Some(1),
        max: Some(512),
    };
    c.workload.prefix = PrefixConfig {
        groups: 8,
        tokens: 512,
        fraction: 0.5,
        system_tokens: 0,
    };
    c.output.per_request = false;
    c
}

/// Multi-turn chat: 48 users in a closed loop, each holding conversations of 2-8 turns
/// (a new ~150-token message per turn, ~3 s to think), on 2 prefill + 2 decode H100s with
/// prefix-aware routing and a prefix-threshold decider at 512 tokens: a first turn's long
/// prompt is prefilled remotely, a follow-up finds its conversation cached on its decode
/// instance and stays local.
fn multi_turn_chat() -> Config {
    let mut c = Config {
        topology: pools(2, 2, 0),
        disaggregation: decider(Decider::PrefixThreshold, 512),
        ..Config::default()
    };
    c.routing.policy = RoutingPolicy::PrefixAware;
    c.workload.requests = Some(1500);
    c.workload.closed_loop = Some(ClosedLoopConfig {
        users: 48,
        think_time_ms: 3000.0,
    });
    c.workload.sessions = Some(SessionConfig {
        turns: LengthDist::Uniform { min: 2, max: 8 },
        new_tokens: LengthDist::Lognormal {
            mean: 150.0,
            std: 100.0,
            min: Some(8),
            max: Some(2048),
        },
        think_time_ms: 3000.0,
    });
    c.workload.input_tokens = LengthDist::Lognormal {
        mean: 1500.0,
        std: 800.0,
        min: Some(64),
        max: Some(8192),
    };
    c.workload.output_tokens = LengthDist::Normal {
        mean: 250.0,
        std: 80.0,
        min: Some(16),
        max: Some(800),
    };
    c
}

/// Chat-length requests on 2 unified H100 instances of Llama-3.1-8B with an EAGLE head
/// proposing 3 tokens accepted at 0.7 each: about 2.5 tokens per verify step, so TPOT falls
/// by about half against the same load without speculation.
fn speculative_decoding() -> Config {
    let mut c = Config {
        topology: pools(0, 0, 2),
        disaggregation: decider(Decider::Never, 0),
        ..Config::default()
    };
    c.workload.requests = Some(400);
    c.workload.arrival.rate_per_s = 8.0;
    c.workload.input_tokens = LengthDist::Lognormal {
        mean: 800.0,
        std: 400.0,
        min: Some(32),
        max: Some(4096),
    };
    c.workload.output_tokens = LengthDist::Normal {
        mean: 300.0,
        std: 100.0,
        min: Some(16),
        max: Some(1000),
    };
    c.engine.speculative = Some(SpeculativeConfig {
        method: SpecMethod::Eagle,
        tokens: 3,
        acceptance: Acceptance::Uniform(0.7),
        draft_model: None,
    });
    c
}

/// Every named scenario, the default first.
pub fn all() -> Vec<Example> {
    vec![
        Example {
            name: "default",
            description: "2 prefill + 2 decode H100s, Llama-3.1-8B, prefix-threshold 512: all five TTFT phases",
            config: Config::default(),
            benchmark: false,
        },
        Example {
            name: "long-prompts-disagg",
            description: "Llama-3.1-70B, ~4k-token prompts, ~400-token outputs at 2.5 req/s on 8 H100s as 1 prefill + 1 decode at TP 4: lower ITL",
            config: long_prompts(true),
            benchmark: false,
        },
        Example {
            name: "long-prompts-agg",
            description: "the same load on 2 unified instances at TP 4: lower TTFT, but prefills stall decoders",
            config: long_prompts(false),
            benchmark: false,
        },
        Example {
            name: "short-prompts-disagg",
            description: "short prompts with 90% prefix reuse, always disaggregated: small transfers (the shared prefixes are already on the decode side), still more latency",
            config: short_prompts(true),
            benchmark: false,
        },
        Example {
            name: "short-prompts-agg",
            description: "the same load on 4 unified instances with prefix-aware routing: local prefill wins",
            config: short_prompts(false),
            benchmark: false,
        },
        Example {
            name: "threshold-sweep",
            description: "mixed prompt lengths; sweep disaggregation.threshold_tokens to find the crossover",
            config: threshold_sweep(),
            benchmark: false,
        },
        Example {
            name: "pd-ratio",
            description: "how many prefill GPUs for my decode GPUs? ~3k-token prompts with TTFT and TPOT targets; plan it with pdsim plan - --gpus 8",
            config: pd_ratio(),
            benchmark: false,
        },
        Example {
            name: "multi-turn-chat",
            description: "48 chat users in a closed loop, 2-8 turns each: first turns prefill remotely, follow-ups find their conversation cached and stay local",
            config: multi_turn_chat(),
            benchmark: false,
        },
        Example {
            name: "speculative-decoding",
            description: "EAGLE speculation on 2 unified H100s (3 tokens proposed, each accepted at 0.7): ~2.5 tokens per verify step, TPOT about halved",
            config: speculative_decoding(),
            benchmark: false,
        },
        Example {
            name: "bench",
            description: "the 100,000-request reference scenario of pdsim bench (summary only)",
            config: bench_reference(),
            benchmark: true,
        },
    ]
}

/// The scenario called `name`.
pub fn by_name(name: &str) -> Option<Example> {
    all().into_iter().find(|e| e.name == name)
}
