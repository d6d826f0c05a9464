//! `pdsim plan`: the JSON a script reads, candidates that `pdsim run` reproduces, shards
//! that merge into the unsharded plan byte for byte, and errors that name the flag.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pdsim(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pdsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pdsim");
    // A process that fails on its arguments may exit before it reads its input.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("wait")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn err(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The default scenario, 300 requests: a small, quick plan.
const CONFIG: &str = r#"{"workload": {"requests": 300}}"#;
const SMALL: [&str; 8] = [
    "--gpus",
    "3",
    "--ttft-ms",
    "150",
    "--tpot-ms",
    "11",
    "--deciders",
    "always,prefix-threshold:1024",
];

fn plan_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["plan", "-"];
    args.extend(SMALL);
    args.extend(extra);
    args
}

#[test]
fn json_candidates_carry_configs_that_pdsim_run_reproduces() {
    let text = ok(&pdsim(&plan_args(&["--json", "--tp", "1,2"]), CONFIG));
    let plan: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let candidates = plan["candidates"].as_array().expect("candidates");
    assert!(candidates.len() >= 8, "{}", candidates.len());
    for c in candidates {
        for key in [
            "config",
            "gpus",
            "rate_per_s",
            "rate_per_gpu",
            "attainment",
            "meets_targets",
            "label",
        ] {
            assert!(!c[key].is_null(), "{key} missing in {c}");
        }
        assert!(c["gpus"].as_u64().unwrap() <= 3);
        assert_eq!(
            c["config"]["workload"]["arrival"]["rate_per_s"],
            c["rate_per_s"]
        );
    }
    let best = &plan["best"];
    assert_eq!(best["meets_targets"], true);
    assert_eq!(best["id"], candidates[0]["id"]);
    // `pdsim run` on the best config: the same attainment and latencies, to the last digit.
    let config = serde_json::to_string(&best["config"]).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&ok(&pdsim(&["run", "-"], &config))).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["slo_attainment"], best["attainment"]);
    assert!(summary["slo_attainment"].as_f64().unwrap() >= 0.9);
    assert_eq!(summary["ttft_ms"], best["ttft_ms"]);
    assert_eq!(summary["tpot_ms"], best["tpot_ms"]);
    // 5% more traffic misses the targets.
    let mut more = best["config"].clone();
    let rate = best["rate_per_s"].as_f64().unwrap();
    more["workload"]["arrival"]["rate_per_s"] = best["miss"]["rate_per_s"].clone();
    assert!((best["miss"]["rate_per_s"].as_f64().unwrap() / rate - 1.05).abs() < 1e-12);
    let report: serde_json::Value =
        serde_json::from_str(&ok(&pdsim(&["run", "-"], &more.to_string()))).unwrap();
    assert!(report["summary"]["slo_attainment"].as_f64().unwrap() < 0.9);
}

#[test]
fn shards_merged_equal_the_unsharded_plan_byte_for_byte() {
    let dir = std::env::temp_dir().join(format!("pdsim-plan-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let whole_json = ok(&pdsim(&plan_args(&["--json"]), CONFIG));
    let whole_table = ok(&pdsim(&plan_args(&[]), CONFIG));
    let mut files = Vec::new();
    for k in ["2/3", "3/3", "1/3"] {
        let shard = ok(&pdsim(&plan_args(&["--shard", k]), CONFIG));
        let path = dir.join(format!("shard-{}.json", &k[..1]));
        std::fs::write(&path, shard).unwrap();
        files.push(path.display().to_string());
    }
    let mut merge = vec!["plan", "merge"];
    merge.extend(files.iter().map(String::as_str));
    assert_eq!(ok(&pdsim(&merge, "")), whole_table);
    merge.push("--json");
    assert_eq!(ok(&pdsim(&merge, "")), whole_json);
    // One thread or two: the same plan.
    assert_eq!(
        ok(&pdsim(&plan_args(&["--json", "--threads", "1"]), CONFIG)),
        whole_json
    );
    // A missing slice, a repeated one, and a shard of another plan are refused.
    let e = err(&pdsim(&["plan", "merge", &files[0], &files[1]], ""));
    assert!(e.contains("missing slices: 1/3"), "{e}");
    let e = err(&pdsim(
        &["plan", "merge", &files[0], &files[0], &files[1]],
        "",
    ));
    assert!(e.contains("given twice"), "{e}");
    let other = ok(&pdsim(
        &plan_args(&["--shard", "1/3", "--attainment", "0.8"]),
        CONFIG,
    ));
    let other_path = dir.join("other.json");
    std::fs::write(&other_path, other).unwrap();
    let other_path = other_path.display().to_string();
    let e = err(&pdsim(
        &["plan", "merge", &files[0], &files[1], &other_path],
        "",
    ));
    assert!(e.contains("a shard of another plan"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_table_ranks_with_units_and_names_the_best() {
    let text = ok(&pdsim(&plan_args(&["--tp", "1"]), CONFIG));
    assert!(
        text.contains("targets TTFT <= 150 ms and TPOT <= 11 ms for 90% of requests"),
        "{text}"
    );
    assert!(text.contains("req/s/GPU"), "{text}");
    assert!(text.contains("\nbest: "), "{text}");
    assert!(text.contains("   1  "), "{text}");
}

#[test]
fn bad_input_names_the_flag() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["plan", "-", "--gpus", "0", "--ttft-ms", "100"],
            "--gpus: must be a whole number of GPUs between 1 and 4096, got 0",
        ),
        (
            &["plan", "-", "--gpus", "4"],
            "--ttft-ms/--tpot-ms: give a TTFT limit",
        ),
        (
            &["plan", "-", "--gpus", "4", "--ttft-ms=-3"],
            "--ttft-ms: must be a finite number > 0",
        ),
        (
            &[
                "plan",
                "-",
                "--gpus",
                "4",
                "--tpot-ms",
                "9",
                "--attainment",
                "2",
            ],
            "--attainment: must be in (0, 1]",
        ),
        (
            &[
                "plan",
                "-",
                "--gpus",
                "4",
                "--tpot-ms",
                "9",
                "--shard",
                "0/2",
            ],
            "--shard: expected K/N",
        ),
        (
            &[
                "plan",
                "-",
                "--gpus",
                "4",
                "--tpot-ms",
                "9",
                "--deciders",
                "sometimes",
            ],
            "--deciders: unknown decider 'sometimes'",
        ),
        (
            &[
                "plan",
                "-",
                "--gpus",
                "4",
                "--tpot-ms",
                "9",
                "--deciders",
                "always:5",
            ],
            "--deciders: 'always' takes no threshold",
        ),
        (
            &[
                "plan",
                "-",
                "--gpus",
                "64",
                "--tpot-ms",
                "9",
                "--max-candidates",
                "50",
            ],
            "--max-candidates: the search has ",
        ),
    ];
    for (args, expected) in &cases {
        let e = err(&pdsim(args, "{}"));
        assert!(e.contains(expected), "`{}`: {e}", args.join(" "));
    }
    // The model does not fit the budget: say how many GPUs it needs.
    let e = err(&pdsim(
        &["plan", "-", "--gpus", "2", "--tpot-ms", "20"],
        r#"{"model": "llama-3.1-405b-fp8"}"#,
    ));
    assert!(
        e.contains("--gpus: 2 GPUs hold no layout") && e.contains("at least 8 GPUs"),
        "{e}"
    );
    // A config error names the file and the field.
    let e = err(&pdsim(
        &["plan", "-", "--gpus", "2", "--tpot-ms", "9"],
        r#"{"engine": {"block_size": 0}}"#,
    ));
    assert!(e.contains("-: engine.block_size"), "{e}");
    // A trace cannot be replayed at other rates.
    let e = err(&pdsim(
        &["plan", "-", "--gpus", "2", "--tpot-ms", "9"],
        r#"{"workload": {"trace": [{"arrival_ms": 0, "input_tokens": 5, "output_tokens": 5}]}}"#,
    ));
    assert!(e.contains("workload.trace"), "{e}");
}

#[test]
fn targets_no_layout_meets_print_the_plan_and_fail() {
    let o = pdsim(
        &[
            "plan",
            "-",
            "--gpus",
            "2",
            "--ttft-ms",
            "1",
            "--tpot-ms",
            "11",
            "--tp",
            "1",
            "--deciders",
            "always",
        ],
        CONFIG,
    );
    let e = err(&o);
    assert!(
        e.contains("no layout of the 2 candidates meets TTFT <= 1 ms"),
        "{e}"
    );
    assert!(e.contains("loosen --ttft-ms"), "{e}");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("2 candidates miss the targets at any rate (bound by: TTFT 2)"),
        "{text}"
    );
}

fn plan_json(args: &[&str], config: &str) -> serde_json::Value {
    serde_json::from_str(&ok(&pdsim(args, config))).expect("JSON")
}

fn relative_gap(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn the_cost_objective_picks_the_cheapest_layout_and_its_price_follows_from_its_report() {
    let plan = plan_json(
        &plan_args(&["--json", "--tp", "1", "--objective", "cost"]),
        CONFIG,
    );
    assert_eq!(plan["objective"], "cost");
    let meeting: Vec<&serde_json::Value> = plan["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["meets_targets"] == true)
        .collect();
    assert!(meeting.len() >= 2, "{}", meeting.len());
    let price = |c: &serde_json::Value| c["usd_per_m_output_tokens"].as_f64().unwrap();
    let best = &plan["best"];
    assert!(meeting.iter().all(|c| price(best) <= price(c)));
    // By hand: the H100's catalog price times the GPUs of the best config's pools, over
    // the output tokens per hour of its own run.
    let catalog: serde_json::Value =
        serde_json::from_str(&ok(&pdsim(&["catalog", "--json"], ""))).unwrap();
    let h100 = catalog["gpus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "h100-sxm")
        .unwrap()["usd_per_hour"]
        .as_f64()
        .unwrap();
    let topology = &best["config"]["topology"];
    let gpus: u64 = ["unified", "prefill", "decode"]
        .iter()
        .map(|p| topology[p]["instances"].as_u64().unwrap() * topology[p]["tp"].as_u64().unwrap())
        .sum();
    assert_eq!(gpus, best["gpus"].as_u64().unwrap());
    let report: serde_json::Value =
        serde_json::from_str(&ok(&pdsim(&["run", "-"], &best["config"].to_string()))).unwrap();
    let out_per_hour = report["summary"]["output_tokens_per_s"].as_f64().unwrap() * 3600.0;
    let by_hand = h100 * gpus as f64 / out_per_hour * 1e6;
    assert!(
        relative_gap(price(best), by_hand) < 1e-12,
        "{} vs {by_hand}",
        price(best)
    );
    assert_eq!(
        report["summary"]["cost"]["usd_per_m_output_tokens"],
        best["usd_per_m_output_tokens"]
    );
    // Every row of the table shows its $ per million output tokens.
    let text = ok(&pdsim(
        &plan_args(&["--tp", "1", "--objective", "cost"]),
        CONFIG,
    ));
    assert!(
        text.contains("$/M tok") && text.contains("lowest $ per M output tokens"),
        "{text}"
    );
    assert!(
        text.contains(&format!("${:.3} per M output tokens", price(best))),
        "{text}"
    );
}

#[test]
fn the_gpus_objective_finds_the_fewest_gpus_that_carry_the_rate() {
    let plan = plan_json(
        &plan_args(&["--json", "--tp", "1", "--objective", "gpus", "--rate", "2"]),
        CONFIG,
    );
    let candidates = plan["candidates"].as_array().unwrap();
    // Layouts smaller than the budget are tried: one unified instance on one GPU.
    assert!(candidates.iter().any(|c| c["gpus"] == 1));
    let best = &plan["best"];
    let fewest = candidates
        .iter()
        .filter(|c| c["meets_targets"] == true)
        .map(|c| c["gpus"].as_u64().unwrap())
        .min()
        .unwrap();
    assert_eq!(best["gpus"].as_u64().unwrap(), fewest);
    assert!(fewest < 3);
    assert_eq!(best["config"]["workload"]["arrival"]["rate_per_s"], 2.0);
}

#[test]
fn heterogeneous_pools_are_candidates_when_several_gpus_are_offered() {
    let plan = plan_json(
        &[
            "plan",
            "-",
            "--gpus",
            "2",
            "--tp",
            "1",
            "--ttft-ms",
            "400",
            "--tpot-ms",
            "20",
            "--deciders",
            "always",
            "--layouts",
            "disaggregated",
            "--hardware",
            "h100-sxm,h200",
            "--requests",
            "60",
            "--max-probes",
            "4",
            "--json",
        ],
        CONFIG,
    );
    let candidates = plan["candidates"].as_array().unwrap();
    // Prefill and decode each on either GPU: four layouts, two of them mixed.
    assert_eq!(candidates.len(), 4);
    let mixed = candidates
        .iter()
        .find(|c| c["prefill"]["hardware"] == "h100-sxm" && c["decode"]["hardware"] == "h200")
        .expect("an H100 prefill feeding an H200 decode");
    assert_eq!(
        mixed["label"],
        "1P x TP1 H100 SXM + 1D x TP1 H200 SXM, always"
    );
    let topology = &mixed["config"]["topology"];
    assert_eq!(topology["prefill"]["hardware"], "h100-sxm");
    assert_eq!(topology["decode"]["hardware"], "h200");
    // Its price: one GPU of each at the catalog's price.
    let report: serde_json::Value =
        serde_json::from_str(&ok(&pdsim(&["run", "-"], &mixed["config"].to_string()))).unwrap();
    assert_eq!(report["summary"]["cost"]["usd_per_hour"], 2.99 + 4.0);
    assert_eq!(mixed["usd_per_hour"], 2.99 + 4.0);
}

#[test]
fn expert_parallel_candidates_appear_for_moe_models_only() {
    let args = [
        "plan",
        "-",
        "--gpus",
        "2",
        "--tp",
        "1",
        "--ttft-ms",
        "2000",
        "--tpot-ms",
        "60",
        "--layouts",
        "aggregated",
        "--requests",
        "40",
        "--max-probes",
        "3",
        "--json",
    ];
    let moe = plan_json(&args, r#"{"model": "qwen3-30b-a3b"}"#);
    let ep: Vec<&serde_json::Value> = moe["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["unified"]["ep"] == 2)
        .collect();
    assert_eq!(ep.len(), 1, "{}", moe["candidates"]);
    assert_eq!(ep[0]["label"], "agg 1 x TP1 EP2");
    assert_eq!(ep[0]["gpus"], 2);
    assert_eq!(ep[0]["config"]["topology"]["unified"]["ep"], 2);
    // A dense model gets none unless asked, and then each is left out with the reason.
    let dense = plan_json(&args, CONFIG);
    assert!(dense["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["unified"]["ep"].is_null()));
    let mut asked = args.to_vec();
    asked.extend(["--ep", "2"]);
    let dense = plan_json(&asked, CONFIG);
    let left_out = dense["excluded"].as_array().unwrap();
    assert!(
        left_out
            .iter()
            .any(|e| e["ep"] == 2 && e["reason"].as_str().unwrap().contains("mixture-of-experts")),
        "{left_out:?}"
    );
}

/// Prompts of 3,000 tokens, none shared: `always` and `prefix-threshold` below 3,000 are
/// the same run; `prefix-threshold 4096` never disaggregates.
const LONG_PROMPTS: &str = r#"{"workload": {"requests": 80,
    "input_tokens": {"dist": "constant", "value": 3000},
    "output_tokens": {"dist": "constant", "value": 50},
    "prefix": {"fraction": 0.0}}}"#;

#[test]
fn deciders_that_are_the_same_run_are_one_row() {
    let plan = plan_json(
        &[
            "plan",
            "-",
            "--gpus",
            "2",
            "--tp",
            "1",
            "--ttft-ms",
            "1000",
            "--tpot-ms",
            "30",
            "--layouts",
            "disaggregated",
            "--max-probes",
            "4",
            "--json",
            "--deciders",
            "always,prefix-threshold:256,prefix-threshold:1024,prefix-threshold:4096",
        ],
        LONG_PROMPTS,
    );
    let candidates = plan["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 2, "{candidates:?}");
    let merged = candidates
        .iter()
        .find(|c| c["decider"] == "always")
        .unwrap();
    assert_eq!(
        merged["label"],
        "1P x TP1 + 1D x TP1, always = prefix-threshold 256/1024"
    );
    assert_eq!(
        merged["stands_for"],
        serde_json::json!(["always", "prefix-threshold 256", "prefix-threshold 1024"])
    );
    // The proof holds: the config with the merged-away decider gives the same report.
    let mut other = merged["config"].clone();
    other["disaggregation"]["decider"] = "prefix-threshold".into();
    other["disaggregation"]["threshold_tokens"] = 1024.into();
    let run = |c: &serde_json::Value| {
        let r: serde_json::Value =
            serde_json::from_str(&ok(&pdsim(&["run", "-"], &c.to_string()))).unwrap();
        r["summary"].clone()
    };
    assert_eq!(run(&other), run(&merged["config"]));
    let alone = candidates
        .iter()
        .find(|c| c["threshold_tokens"] == 4096)
        .unwrap();
    assert!(alone["stands_for"].is_null());
}

#[test]
fn the_plan_names_the_workload_fields_it_inherited() {
    let text = ok(&pdsim(&plan_args(&["--tp", "1"]), CONFIG));
    for field in ["model", "hardware", "workload.prefix", "workload.arrival"] {
        assert!(
            text.contains(&format!("inherited: {field} = ")),
            "{field}: {text}"
        );
    }
    assert!(!text.contains("inherited: workload.requests"), "{text}");
    assert!(text.contains("from pdsim's default scenario"), "{text}");
    let plan = plan_json(&plan_args(&["--tp", "1", "--json"]), LONG_PROMPTS);
    let fields: Vec<&str> = plan["inherited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["model", "hardware", "workload.arrival"]);
}

#[test]
fn typed_mistakes_name_their_flag_with_the_shared_message() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--gpus", "4", "--ttft-ms", "-5"],
            "--ttft-ms: must be a finite number > 0 ms, got -5",
        ),
        (
            &["--gpus", "-3", "--ttft-ms", "100"],
            "--gpus: must be a whole number of GPUs between 1 and 4096, got -3",
        ),
        (
            &["--gpus", "2.5", "--ttft-ms", "100"],
            "--gpus: must be a whole number of GPUs between 1 and 4096, got 2.5",
        ),
        (
            &["--gpus", "4", "--ttft-ms", "100", "--requests", "0"],
            "--requests: must be a whole number of requests between 1 and 10000000, got 0",
        ),
        (
            &["--gpus", "4", "--ttft-ms", "100", "--attainment", "1.5"],
            "--attainment: must be in (0, 1], got 1.5",
        ),
        (
            &["--gpus", "4", "--ttft-ms", "100", "--tp", "3"],
            "--tp: no degree of 3 holds the model: TP3: must divide Llama-3.1-8B's 32 attention heads, got 3",
        ),
        (
            &["--gpus", "4", "--ttft-ms", "100", "--objective", "gpus"],
            "--rate: objective 'gpus' finds the fewest GPUs for a rate",
        ),
        (
            &["--gpus", "4", "--ttft-ms", "100", "--hardware", "h900"],
            "--hardware: unknown GPU 'h900'",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["plan", "-"];
        args.extend(extra);
        let e = err(&pdsim(&args, "{}"));
        assert!(e.contains(expected), "`{}`: {e}", args.join(" "));
        assert!(
            !e.contains("--gpus:") || expected.starts_with("--gpus"),
            "{e}"
        );
    }
}
