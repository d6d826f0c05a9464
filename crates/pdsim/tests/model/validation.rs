//! Bad input: every case names the field and what is allowed; nothing panics.

/// (config JSON, field path the error must name, fragment of the message).
const BAD_CONFIGS: &[(&str, &str, &str)] = &[
    (r#"{"sed": 1}"#, "", "unknown field `sed`"),
    (r#"{"seed": -1}"#, "seed", "invalid value"),
    (r#"{"seed": "x"}"#, "seed", "invalid type"),
    (r#"{"model": "gpt-5"}"#, "model", "unknown model 'gpt-5'"),
    (
        r#"{"model": {"layers": 0, "hidden": 64, "heads": 1, "kv_heads": 1, "head_dim": 64, "intermediate": 128}}"#,
        "model.layers",
        "between 1 and 1000",
    ),
    (
        r#"{"model": {"layers": 1, "hidden": 64, "heads": 2, "kv_heads": 3, "head_dim": 64, "intermediate": 128}}"#,
        "model.kv_heads",
        "between 1 and 2",
    ),
    (
        r#"{"model": {"layers": 1, "hidden": 64, "heads": 1, "kv_heads": 1, "head_dim": 64, "intermediate": 128, "weight_dtype": "int3"}}"#,
        "model.weight_dtype",
        "unknown variant",
    ),
    (
        r#"{"model": {"layers": 1, "hidden": 64, "heads": 1, "kv_heads": 1, "head_dim": 64, "intermediate": 128, "moe": {"experts": 8, "experts_per_token": 9, "intermediate": 64}}}"#,
        "model.moe.experts_per_token",
        "between 1 and 8",
    ),
    (
        r#"{"model": {"architectures": ["MambaForCausalLM"]}}"#,
        "model.architectures",
        "'MambaForCausalLM' is not supported",
    ),
    (
        r#"{"model": {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 4096, "num_attention_heads": 32, "num_hidden_layers": 36, "vocab_size": 151936}}"#,
        "model.intermediate_size",
        "is missing",
    ),
    (
        r#"{"model": "llama-3.1-8b-fp8", "hardware": "a100-80g"}"#,
        "topology.prefill.hardware",
        "no fp8 support",
    ),
    (
        r#"{"model": "llama-3.1-70b", "topology": {"prefill": {"tp": 8}, "decode": {"tp": 3}}}"#,
        "topology.",
        "must divide Llama-3.1-70B's 64 attention heads",
    ),
    (
        r#"{"model": "qwen3-30b-a3b", "topology": {"decode": {"tp": 2, "ep": 3}}}"#,
        "topology.decode.ep",
        "must divide Qwen3-30B-A3B's 128 experts",
    ),
    (
        r#"{"model": "qwen3-30b-a3b", "topology": {"decode": {"tp": 4, "ep": 2}}}"#,
        "topology.decode.ep",
        "multiple of tp (4)",
    ),
    (
        r#"{"topology": {"decode": {"ep": 2}}}"#,
        "topology.decode.ep",
        "needs a mixture-of-experts model",
    ),
    (
        r#"{"model": "deepseek-v3", "topology": {"decode": {"tp": 4}}}"#,
        "topology.",
        "does not fit",
    ),
    (r#"{"hardware": "tpu"}"#, "hardware", "unknown preset 'tpu'"),
    (
        r#"{"hardware": {"tflops": -1, "hbm_tb_per_s": 1, "memory_gib": 80}}"#,
        "hardware.tflops",
        "> 0",
    ),
    (
        r#"{"hardware": {"tflops": 100, "hbm_tb_per_s": 0, "memory_gib": 80}}"#,
        "hardware.hbm_tb_per_s",
        "> 0",
    ),
    (
        r#"{"topology": {"decode": {"instances": 0}}}"#,
        "topology",
        "no decode-capable instance",
    ),
    (
        r#"{"topology": {"prefill": {"instances": 0}}, "disaggregation": {"decider": "always"}}"#,
        "disaggregation.decider",
        "needs a prefill-capable instance",
    ),
    (
        r#"{"topology": {"prefill": {"instances": 0}, "decode": {"instances": 0}, "unified": {"instances": 1}}, "disaggregation": {"decider": "always"}}"#,
        "disaggregation.decider",
        "'always'",
    ),
    (
        r#"{"topology": {"decode": {"tp": 0}}}"#,
        "topology.decode.tp",
        "between 1 and 64",
    ),
    (
        r#"{"topology": {"prefill": {"instances": 5000}}}"#,
        "topology.prefill.instances",
        "between 0 and 1024",
    ),
    (
        r#"{"model": "llama-3.1-70b"}"#,
        "topology.prefill.tp",
        "does not fit",
    ),
    (
        r#"{"topology": {"decode": {"hardware": "l40s"}}, "model": "qwen3-32b"}"#,
        "topology.decode.tp",
        "does not fit",
    ),
    (
        r#"{"topology": {"unified": {"hardware": "x"}}}"#,
        "topology.unified.hardware",
        "unknown preset 'x'",
    ),
    (
        r#"{"topology": {"decode": {"gpus": 2}}}"#,
        "topology.decode",
        "unknown field `gpus`",
    ),
    (
        r#"{"engine": {"max_num_seqs": 0}}"#,
        "engine.max_num_seqs",
        "between 1 and 65536",
    ),
    (
        r#"{"engine": {"max_num_batched_tokens": 100}}"#,
        "engine.max_num_batched_tokens",
        "at least engine.max_num_seqs",
    ),
    (
        r#"{"engine": {"block_size": 0}}"#,
        "engine.block_size",
        "between 1 and 1024",
    ),
    (
        r#"{"engine": {"kv_cache_blocks": 0}}"#,
        "engine.kv_cache_blocks",
        "between 1",
    ),
    (
        r#"{"engine": {"gpu_memory_utilization": 1.2}}"#,
        "engine.gpu_memory_utilization",
        "(0, 1]",
    ),
    (
        r#"{"engine": {"step_overhead_ms": -1}}"#,
        "engine.step_overhead_ms",
        ">= 0",
    ),
    (
        r#"{"engine": {"step_overhead_per_seq_ms": -0.1}}"#,
        "engine.step_overhead_per_seq_ms",
        "in [0, 100] ms per sequence, got -0.1",
    ),
    (
        r#"{"engine": {"step_overhead_per_seq_ms": 250}}"#,
        "engine.step_overhead_per_seq_ms",
        "in [0, 100] ms per sequence, got 250",
    ),
    (
        r#"{"kv_transfer": {"receive": "later"}}"#,
        "kv_transfer.receive",
        "unknown variant `later`",
    ),
    (
        r#"{"routing": {"policy": "random"}}"#,
        "routing.policy",
        "unknown variant `random`",
    ),
    (
        r#"{"routing": {"overlap_weight": -2}}"#,
        "routing.overlap_weight",
        ">= 0",
    ),
    (
        r#"{"routing": {"frontend_latency_ms": -5}}"#,
        "routing.frontend_latency_ms",
        ">= 0 ms, got -5",
    ),
    (
        r#"{"routing": {"frontend_latency_ms": 90000}}"#,
        "routing.frontend_latency_ms",
        "at most 60000 ms",
    ),
    (
        r#"{"disaggregation": {"decider": "sometimes"}}"#,
        "disaggregation.decider",
        "unknown variant `sometimes`",
    ),
    (
        r#"{"disaggregation": {"threshold_tokens": -5}}"#,
        "disaggregation.threshold_tokens",
        "invalid value",
    ),
    (
        r#"{"kv_transfer": {"bandwidth_gb_per_s": 0}}"#,
        "kv_transfer.bandwidth_gb_per_s",
        "> 0",
    ),
    (
        r#"{"kv_transfer": {"bandwidth_gb_per_s": 1e-9}}"#,
        "kv_transfer.bandwidth_gb_per_s",
        "at least 1e-6",
    ),
    (
        r#"{"kv_transfer": {"base_latency_ms": -0.1}}"#,
        "kv_transfer.base_latency_ms",
        ">= 0",
    ),
    (
        r#"{"kv_transfer": {"contention": "yes"}}"#,
        "kv_transfer.contention",
        "invalid type",
    ),
    (
        r#"{"workload": {"requests": 0}}"#,
        "workload.requests",
        "between 1",
    ),
    (
        r#"{"workload": {"requests": null}}"#,
        "workload.requests",
        "requests, a horizon_s, or a trace",
    ),
    (
        r#"{"workload": {"requests": 3000000}}"#,
        "workload.requests",
        "limits.max_requests",
    ),
    (
        r#"{"workload": {"horizon_s": -1}}"#,
        "workload.horizon_s",
        "> 0",
    ),
    (
        r#"{"workload": {"arrival": {"rate_per_s": 0}}}"#,
        "workload.arrival.rate_per_s",
        "> 0",
    ),
    (
        r#"{"workload": {"arrival": {"rate_per_s": 1e10}}}"#,
        "workload.arrival.rate_per_s",
        "at most 1e9",
    ),
    (
        r#"{"workload": {"arrival": {"process": "gamma", "cv": 0}}}"#,
        "workload.arrival.cv",
        "between 0.01 and 100",
    ),
    (
        r#"{"workload": {"arrival": {"process": "burst"}}}"#,
        "workload.arrival.process",
        "unknown variant `burst`",
    ),
    (
        r#"{"workload": {"input_tokens": {"dist": "constant", "value": 0}}}"#,
        "workload.input_tokens.value",
        "between 1",
    ),
    (
        r#"{"workload": {"input_tokens": {"dist": "uniform", "min": 10, "max": 5}}}"#,
        "workload.input_tokens.max",
        "between 10",
    ),
    (
        r#"{"workload": {"output_tokens": {"dist": "normal", "mean": 100, "std": -1}}}"#,
        "workload.output_tokens.std",
        ">= 0",
    ),
    (
        r#"{"workload": {"output_tokens": {"dist": "lognormal", "mean": 0, "std": 1}}}"#,
        "workload.output_tokens.mean",
        "> 0",
    ),
    (
        r#"{"workload": {"input_tokens": {"dist": "normal", "mean": 100, "std": 1, "min": 50, "max": 10}}}"#,
        "workload.input_tokens.max",
        "between 50",
    ),
    (
        r#"{"workload": {"input_tokens": {"dist": "zipf"}}}"#,
        "workload.input_tokens",
        "unknown variant `zipf`",
    ),
    (
        r#"{"workload": {"input_tokens": {"dist": "constant", "value": 20000000}}}"#,
        "workload.input_tokens.value",
        "16000000",
    ),
    (
        r#"{"workload": {"prefix": {"fraction": 2}}}"#,
        "workload.prefix.fraction",
        "[0, 1]",
    ),
    (
        r#"{"workload": {"trace": []}}"#,
        "workload.trace",
        "is empty",
    ),
    (
        r#"{"workload": {"trace": [{"arrival_ms": -1, "input_tokens": 5, "output_tokens": 1}]}}"#,
        "workload.trace[0]",
        "arrival_ms",
    ),
    (
        r#"{"workload": {"trace": [{"arrival_ms": 0, "input_tokens": 5}]}}"#,
        "workload.trace[0]",
        "missing field `output_tokens`",
    ),
    (r#"{"slo": {"ttft_ms": 0}}"#, "slo.ttft_ms", "> 0"),
    (r#"{"slo": {"tpot_ms": -3}}"#, "slo.tpot_ms", "> 0"),
    (r#"{"slo": {"itl_ms": -3}}"#, "slo.tpot_ms", "> 0"),
    (
        r#"{"slo": {"itl_ms": 3, "tpot_ms": 3}}"#,
        "slo.itl_ms",
        "not both",
    ),
    (
        r#"{"limits": {"max_requests": 0}}"#,
        "limits.max_requests",
        "between 1",
    ),
    (
        r#"{"limits": {"max_sim_time_s": 0}}"#,
        "limits.max_sim_time_s",
        "> 0",
    ),
    (
        r#"{"output": {"timeline_buckets": 100000}}"#,
        "output.timeline_buckets",
        "between 0 and 10000",
    ),
    (r#"[1, 2]"#, "", "invalid type"),
    (r#"{"seed": 1"#, "", "EOF"),
];

#[test]
fn every_bad_config_names_its_field() {
    assert!(BAD_CONFIGS.len() >= 40);
    for (json, field, fragment) in BAD_CONFIGS {
        let err = match pdsim::Config::from_json(json) {
            Err(e) => e,
            Ok(config) => pdsim::validate(&config).expect_err(json),
        };
        let message = err.to_string();
        assert!(
            err.field().starts_with(field),
            "{json}: field '{}' is not '{field}' ({message})",
            err.field()
        );
        assert!(
            message.contains(fragment),
            "{json}: '{message}' lacks '{fragment}'"
        );
    }
}

#[test]
fn limits_stop_runaway_runs_with_a_clear_error() {
    let mut config = pdsim::Config::default();
    config.limits.max_events = 100;
    let err = pdsim::run(&config).unwrap_err();
    assert!(err.to_string().starts_with("limits.max_events:"), "{err}");
    assert_eq!(err.field(), "limits.max_events");
    // An overloaded cluster: arrivals far beyond capacity hit the simulated-time guard.
    let mut config = pdsim::Config::default();
    config.workload.requests = Some(2000);
    config.workload.arrival.rate_per_s = 1e9;
    config.limits.max_sim_time_s = 5.0;
    let err = pdsim::run(&config).unwrap_err();
    assert!(
        err.to_string().starts_with("limits.max_sim_time_s:"),
        "{err}"
    );
}

#[test]
fn extreme_but_valid_values_do_not_panic() {
    let cases = [
        r#"{"workload": {"requests": 50, "arrival": {"rate_per_s": 1e9}}}"#,
        r#"{"kv_transfer": {"bandwidth_gb_per_s": 1e-6}, "workload": {"requests": 3}, "disaggregation": {"decider": "always"}}"#,
        r#"{"workload": {"requests": 3, "input_tokens": {"dist": "constant", "value": 10000000}}}"#,
        r#"{"workload": {"requests": 20, "input_tokens": {"dist": "lognormal", "mean": 16000000, "std": 16000000}}}"#,
        r#"{"engine": {"block_size": 1, "kv_cache_blocks": 1}, "workload": {"requests": 5}}"#,
        r#"{"engine": {"max_num_seqs": 1, "max_num_batched_tokens": 1}, "workload": {"requests": 5}}"#,
        r#"{"workload": {"requests": 5, "arrival": {"process": "gamma", "cv": 100}}}"#,
        r#"{"workload": {"requests": 5, "arrival": {"process": "gamma", "cv": 0.01}}}"#,
        r#"{"workload": {"requests": 10, "prefix": {"groups": 1000000, "tokens": 16000000, "fraction": 1}}}"#,
    ];
    for json in cases {
        // Either a report or an error naming a field or a limit; never a panic.
        match pdsim::run_json(json) {
            Ok(report) => assert!(report.contains("\"summary\"")),
            Err(e) => assert!(e.to_string().contains(':'), "{json}: {e}"),
        }
    }
}

#[test]
fn slo_itl_ms_is_an_alias_of_tpot_ms() {
    let with = |slo: &str| {
        let config = format!(r#"{{"workload": {{"requests": 300}}, "slo": {{{slo}}}}}"#);
        pdsim::run(&pdsim::Config::from_json(&config).unwrap()).unwrap()
    };
    let tpot = with(r#""ttft_ms": 2000, "tpot_ms": 8"#);
    let alias = with(r#""ttft_ms": 2000, "itl_ms": 8"#);
    let loose = with(r#""ttft_ms": 2000"#);
    assert_eq!(
        serde_json::to_string(&tpot).unwrap(),
        serde_json::to_string(&alias).unwrap()
    );
    // The target is the per-request TPOT: attainment is the share of requests within both.
    let within = tpot
        .requests
        .iter()
        .filter(|r| {
            r.ttft_ms.is_some_and(|t| t <= 2000.0)
                && r.e2e_ms.is_some()
                && r.tpot_ms.is_none_or(|t| t <= 8.0)
        })
        .count();
    let expected = within as f64 / tpot.summary.injected as f64;
    assert!((tpot.summary.slo_attainment - expected).abs() < 1e-12);
    assert!(tpot.summary.slo_attainment < loose.summary.slo_attainment);
}
