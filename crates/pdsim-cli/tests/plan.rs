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
            "--gpus: must be between 1 and 4096",
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
