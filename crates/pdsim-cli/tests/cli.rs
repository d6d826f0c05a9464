//! The `pdsim` program end to end: real processes, real exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

mod common;
use common::pdsim;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn empty_config_and_every_example_run() {
    let out = pdsim(&["run", "-", "--summary"], "{}");
    assert!(out.status.success());
    assert!(stdout(&out).contains("TTFT phases, disaggregated"));
    assert!(!stdout(&out).contains("(percentiles:"));
    // Approximate percentiles say so.
    let out = pdsim(
        &["run", "-", "--summary"],
        r#"{"output": {"percentiles": "histogram"}}"#,
    );
    assert!(out.status.success());
    assert!(stdout(&out).contains("(percentiles: nearest-rank on log-linear histograms"));
    let list = stdout(&pdsim(&["example"], ""));
    let names: Vec<&str> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let all = pdsim::examples();
    assert_eq!(
        names,
        all.iter().map(|e| e.name).collect::<Vec<_>>(),
        "{list}"
    );
    for name in all.iter().filter(|e| !e.benchmark).map(|e| e.name) {
        let config = pdsim(&["example", name], "");
        assert!(config.status.success(), "{name}");
        let report = pdsim(&["run", "-"], stdout(&config));
        assert!(
            report.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&report.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&report.stdout).expect("report JSON");
        assert!(
            json["summary"]["completed"].as_u64().unwrap_or(0) > 0,
            "{name}"
        );
    }
}

#[test]
fn bad_input_exits_non_zero_naming_the_field() {
    let out = pdsim(
        &["run", "-"],
        r#"{"workload": {"arrival": {"rate_per_s": -3}}}"#,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("workload.arrival.rate_per_s"), "{err}");
    let out = pdsim(&["validate", "-"], r#"{"routing": {"policy": "random"}}"#);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown variant `random`"));
    let out = pdsim(&["example", "nope"], "");
    assert!(!out.status.success());
    let out = pdsim(&["validate", "-"], "{}");
    assert!(out.status.success());
}

#[test]
fn sweep_prints_one_row_per_value() {
    let out = pdsim(
        &[
            "sweep",
            "-",
            "--param",
            "disaggregation.threshold_tokens",
            "--values",
            "0,512,100000",
        ],
        r#"{"workload": {"requests": 60}}"#,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert!(rows[0].starts_with("disaggregation.threshold_tokens,ttft_p50_ms"));
    // Threshold 0 disaggregates nearly everything, 100000 nothing.
    let share = |row: &str| {
        row.split(',')
            .nth(9)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(-1.0)
    };
    assert!(share(rows[1]) > 0.9 && share(rows[3]) == 0.0, "{text}");
}

#[test]
fn trace_replay_reports_bad_lines() {
    let dir = std::env::temp_dir().join(format!("pdsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let trace = dir.join("trace.jsonl");
    std::fs::write(
        &trace,
        "{\"arrival_ms\": 0, \"input_tokens\": 100, \"output_tokens\": 3}\n{oops}\n",
    )
    .expect("write");
    let out = pdsim(
        &["run", "-", "--trace", trace.to_str().unwrap_or_default()],
        "{}",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("trace.jsonl:2:"));
    std::fs::write(
        &trace,
        "{\"arrival_ms\": 0, \"input_tokens\": 100, \"output_tokens\": 3}\n",
    )
    .expect("write");
    let out = pdsim(
        &["run", "-", "--trace", trace.to_str().unwrap_or_default()],
        "{}",
    );
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(json["summary"]["injected"], 1);
}

#[test]
fn a_mooncake_follow_up_turn_takes_a_delay_or_a_timestamp_not_both() {
    let dir = std::env::temp_dir().join(format!("pdsim-cli-turns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let trace = dir.join("turns.jsonl");
    let first = r#"{"timestamp": 0, "input_length": 600, "output_length": 3, "hash_ids": [1, 2], "session_id": "a"}"#;
    // The follow-up turn has a delay and no timestamp, as AIPerf reads Mooncake traces.
    let follow = r#"{"input_length": 900, "output_length": 3, "hash_ids": [1, 2], "session_id": "a", "delay": 100}"#;
    std::fs::write(&trace, format!("{first}\n{follow}\n")).expect("write");
    let run = || {
        pdsim(
            &["run", "-", "--trace", trace.to_str().unwrap_or_default()],
            "{}",
        )
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(json["summary"]["completed"], 2);
    // Both on one record: the file is refused, naming the line and the field.
    let both = follow.replace("\"delay\"", "\"timestamp\": 5, \"delay\"");
    std::fs::write(&trace, format!("{first}\n{both}\n")).expect("write");
    let out = run();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("turns.jsonl:2: delay: given with a timestamp"),
        "{err}"
    );
}

#[test]
fn block_hash_traces_replay_with_their_shared_prefixes() {
    let dir = std::env::temp_dir().join(format!("pdsim-cli-hash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let trace = dir.join("mooncake.jsonl");
    // Lines 1 and 2 share blocks 1, 2, 3 (line 1's third block is partial: 1,100 tokens in
    // all); line 3 shares nothing.
    std::fs::write(
        &trace,
        "{\"timestamp\": 0, \"input_length\": 1100, \"output_length\": 2, \"hash_ids\": [1, 2, 3]}\n\
         {\"timestamp\": 1000, \"input_length\": 2000, \"output_length\": 2, \"hash_ids\": [1, 2, 3, 4]}\n\
         {\"timestamp\": 2000, \"input_length\": 300, \"output_length\": 2, \"hash_ids\": [8]}\n",
    )
    .expect("write");
    let config = r#"{"topology": {"unified": {"instances": 1}, "prefill": {"instances": 0},
        "decode": {"instances": 0}}, "disaggregation": {"decider": "never"}}"#;
    let out = pdsim(
        &["run", "-", "--trace", trace.to_str().unwrap_or_default()],
        config,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let cached: Vec<u64> = (0..3)
        .map(|i| json["requests"][i]["cached_tokens"].as_u64().unwrap_or(99))
        .collect();
    // The second prompt finds the first one's full 16-token blocks: 1,100 / 16 = 68 blocks.
    assert_eq!(cached, [0, 1088, 0]);
    assert_eq!(json["requests"][1]["arrival_ms"], 1000.0);
    // A bad line is named with its field.
    std::fs::write(
        &trace,
        "{\"timestamp\": 0, \"input_length\": 1100, \"output_length\": 2, \"hash_ids\": [1]}\n",
    )
    .expect("write");
    let out = pdsim(
        &["run", "-", "--trace", trace.to_str().unwrap_or_default()],
        config,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mooncake.jsonl:1: hash_ids: 1 blocks for input_length 1100"),
        "{err}"
    );
}

#[test]
fn schema_describes_the_config() {
    let out = pdsim(&["schema"], "");
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema JSON");
    assert!(
        schema["properties"]["disaggregation"].is_object(),
        "{schema}"
    );
}

#[test]
fn step_time_answers_for_catalog_ids_and_huggingface_configs() {
    let out = pdsim(
        &[
            "step-time",
            "--model",
            "llama-3.1-8b",
            "--hardware",
            "h100-sxm",
            "--tp",
            "1",
            "--prefill",
            "1024",
            "--json",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ms = t["ms"].as_f64().unwrap();
    let parts: f64 = t["parts_ms"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((parts - ms).abs() < 1e-9 && ms > 10.0 && ms < 40.0, "{t}");
    assert_eq!(t["bound"], "compute");

    // The five reference models' config.json, decode and prefill, with EP for the MoE ones.
    let configs = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pdsim/tests/data/calibration/hf-configs");
    for (file, extra) in [
        ("Meta-Llama-3.1-8B.json", vec![]),
        ("Meta-Llama-3.1-70B.json", vec![]),
        ("Qwen3-32B-FP8.json", vec![]),
        ("Qwen3-30B-A3B.json", vec!["--ep", "8"]),
        ("DeepSeek-V3.json", vec!["--ep", "8", "--kv-dtype", "fp8"]),
    ] {
        let path = configs.join(file);
        let path = path.to_str().unwrap();
        for step in [
            vec!["--prefill", "2048"],
            vec!["--decode", "32", "--context", "4096"],
        ] {
            let mut args = vec![
                "step-time",
                "--model",
                path,
                "--hardware",
                "h200",
                "--tp",
                "8",
            ];
            args.extend(&extra);
            args.extend(&step);
            let out = pdsim(&args, "");
            assert!(
                out.status.success(),
                "{file}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = stdout(&out);
            assert!(
                text.contains(" ms, ") && text.contains("-bound"),
                "{file}: {text}"
            );
        }
    }
}

#[test]
fn step_time_refuses_bad_input_naming_the_flag() {
    let dir = std::env::temp_dir().join(format!("pdsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mamba = dir.join("mamba.json");
    std::fs::write(&mamba, r#"{"architectures": ["MambaForCausalLM"]}"#).unwrap();
    let cases = [
        (
            "--model gpt-5 --hardware h100-sxm --tp 1",
            "--model: unknown model 'gpt-5'",
        ),
        (
            "--model MAMBA --hardware h100-sxm --tp 1",
            "MambaForCausalLM' is not supported",
        ),
        (
            "--model llama-3.1-8b --hardware a100-80g --tp 1 --weight-dtype fp8",
            "--weight-dtype: A100 SXM 80G has no fp8 support",
        ),
        (
            "--model qwen3-30b-a3b --hardware h100-sxm --tp 1 --ep 3",
            "--ep: must divide",
        ),
        (
            "--model deepseek-v3 --hardware h100-sxm --tp 2",
            "--tp: DeepSeek-V3 does not fit",
        ),
    ];
    for (args, message) in cases {
        let mut full = vec!["step-time", "--prefill", "8"];
        full.extend(args.split_whitespace().map(|a| {
            if a == "MAMBA" {
                mamba.to_str().unwrap()
            } else {
                a
            }
        }));
        let out = pdsim(&full, "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(message),
            "{full:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn catalog_lists_at_least_20_models_and_8_gpus_and_a_closed_pipe_ends_quietly() {
    let out = pdsim(&["catalog", "--json"], "");
    let c: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(c["models"].as_array().unwrap().len() >= 20);
    assert!(c["gpus"].as_array().unwrap().len() >= 8);
    // A reader that closes the pipe before the report (about 170 KB, more than a pipe
    // buffers) is written: exit status 0, nothing on stderr.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pdsim"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.stdin.take().unwrap().write_all(b"{}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn two_processes_give_byte_identical_reports() {
    // Determinism across processes (not only two runs in one): a fresh process has fresh
    // allocations, hash seeds and stack addresses, none of which may reach the report.
    for name in ["default", "threshold-sweep", "short-prompts-disagg"] {
        let config = stdout(&pdsim(&["example", name], ""));
        let first = pdsim(&["run", "-"], &config);
        let second = pdsim(&["run", "-"], &config);
        assert!(first.status.success(), "{name}");
        assert_eq!(first.stdout, second.stdout, "{name}");
    }
}

#[test]
fn fit_recovers_a_planted_factor_and_prints_a_runnable_config() {
    let dir = std::env::temp_dir().join(format!("pdsim-cli-fit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    // Measured records made by pdsim itself with decode 1.25 times as fast as modelled.
    let planted = r#"{"engine": {"decode_efficiency": 1.25},
                      "workload": {"requests": 80, "arrival": {"rate_per_s": 10},
                                   "prefix": {"groups": 0}}}"#;
    let report = pdsim(&["run", "-"], planted);
    assert!(report.status.success());
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).expect("report");
    let lines: Vec<String> = json["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| {
            serde_json::json!({
                "arrival_ms": r["arrival_ms"], "input_tokens": r["input_tokens"],
                "output_tokens": r["output_tokens"], "ttft_ms": r["ttft_ms"],
                "tpot_ms": r["tpot_ms"],
            })
            .to_string()
        })
        .collect();
    // The same deployment at the default factors (its workload is replaced by the records).
    let config = r#"{"workload": {"prefix": {"groups": 0}}}"#;
    let measured = dir.join("measured.jsonl");
    std::fs::write(&measured, lines.join("\n") + "\n").expect("write");
    let path = measured.to_str().unwrap_or_default();
    let out = pdsim(&["fit", "-", "--measured", path], config);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("engine.decode_efficiency") && stderr.contains("before:"),
        "{stderr}"
    );
    let fitted: serde_json::Value = serde_json::from_slice(&out.stdout).expect("config JSON");
    let decode = fitted["engine"]["decode_efficiency"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((decode / 1.25 - 1.0).abs() < 0.1, "{decode}: {stderr}");
    // Usable as is by `pdsim run`.
    let run = pdsim(&["run", "-", "--summary"], &out.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // A bad record is refused with its line and field.
    std::fs::write(&measured, format!("{}\n{{\"arrival_ms\": 1}}\n", lines[0])).expect("write");
    let out = pdsim(&["fit", "-", "--measured", path], "{}");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2: input_tokens"), "{stderr}");
}

#[test]
fn fit_to_a_summary_recovers_a_planted_decode_efficiency() {
    let dir = std::env::temp_dir().join(format!("pdsim-cli-fit-summary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    // A benchmark's summary made by pdsim itself with decode 1.25 times as fast as modelled.
    let workload =
        r#""workload": {"requests": 80, "arrival": {"rate_per_s": 10}, "prefix": {"groups": 0}}"#;
    let planted = format!(r#"{{"engine": {{"decode_efficiency": 1.25}}, {workload}}}"#);
    let report = pdsim(&["run", "-"], planted.as_bytes());
    assert!(report.status.success());
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).expect("report");
    let s = &json["summary"];
    let summary = serde_json::json!({
        "ttft_p50_ms": s["ttft_ms"]["p50"], "ttft_p90_ms": s["ttft_ms"]["p90"],
        "tpot_mean_ms": s["tpot_ms"]["mean"], "tpot_p50_ms": s["tpot_ms"]["p50"],
    });
    let path = dir.join("summary.json");
    std::fs::write(&path, summary.to_string()).expect("write");
    let path = path.to_str().unwrap_or_default();
    let config = format!("{{{workload}}}");
    let out = pdsim(&["fit", "-", "--measured-summary", path], config.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("tpot_p50_ms"), "{stderr}");
    let fitted: serde_json::Value = serde_json::from_slice(&out.stdout).expect("config JSON");
    let decode = fitted["engine"]["decode_efficiency"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((decode / 1.25 - 1.0).abs() < 0.1, "{decode}: {stderr}");
    // A statistic pdsim does not know is refused by name.
    std::fs::write(dir.join("bad.json"), r#"{"ttft_p95_ms": 3}"#).expect("write");
    let bad = dir.join("bad.json");
    let out = pdsim(
        &[
            "fit",
            "-",
            "--measured-summary",
            bad.to_str().unwrap_or_default(),
        ],
        b"{}",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ttft_p95_ms"));
}
