//! `pdsim step-time --model CONFIG.json` for the HuggingFace configs of the models people
//! serve (crates/pdsim/tests/data/hf-configs), and its refusals naming the config's field.

#![allow(clippy::unwrap_used)]

mod common;
use common::pdsim;

const DIR: &str = "crates/pdsim/tests/data/hf-configs";

#[test]
fn every_fixture_gives_prefill_and_decode_step_times() {
    // (file, TP, extra flags): Falcon-7B's 71 heads take no TP; the models past 600B
    // parameters fit on eight H200s with FP8 weights (GLM-5, DeepSeek-V3.2 as published).
    for (file, tp, extra) in [
        ("Kimi-K2.5", "8", vec![]),
        ("GLM-5", "8", vec!["--weight-dtype", "fp8"]),
        ("MiniMax-M3", "8", vec![]),
        ("Llama-4-Scout-17B-16E", "8", vec![]),
        ("Llama-4-Maverick-17B-128E", "8", vec!["--ep", "8"]),
        ("Qwen3.5-397B-A17B", "8", vec![]),
        ("DeepSeek-V3.2", "8", vec!["--kv-dtype", "fp8"]),
        ("Qwen3-Coder-480B-A35B-Instruct", "8", vec![]),
        ("opt-13b", "1", vec![]),
        ("gpt-neox-20b", "2", vec![]),
        ("falcon-7b", "1", vec![]),
        ("falcon-40b", "4", vec![]),
        ("gemma-7b", "1", vec![]),
        ("gemma-2-9b", "1", vec![]),
        ("gemma-3-27b-it", "2", vec![]),
        ("Phi-3-mini-4k-instruct", "1", vec![]),
        ("phi-4", "1", vec![]),
        ("gpt-oss-120b", "2", vec![]),
    ] {
        let path = format!("{DIR}/{file}.json");
        for step in [
            vec!["--prefill", "4096"],
            vec!["--decode", "32", "--context", "8192"],
        ] {
            let mut args = vec![
                "step-time",
                "--model",
                &path,
                "--hardware",
                "h200",
                "--tp",
                tp,
            ];
            args.extend(&extra);
            args.extend(&step);
            let out = pdsim(&args, "");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{file}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                text.starts_with(&format!("{file} on ")) && text.contains(" ms, "),
                "{file}: {text}"
            );
        }
    }
}

#[test]
fn a_bad_field_of_a_config_is_refused_by_its_name_and_value() {
    let dir = std::env::temp_dir().join(format!("pdsim-cli-hf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(DIR)
            .join("Qwen3-Coder-480B-A35B-Instruct.json"),
    )
    .unwrap();
    let mut config: serde_json::Value = serde_json::from_str(&text).unwrap();
    config["num_key_value_heads"] = 0.into();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, config.to_string()).unwrap();
    let out = pdsim(
        &[
            "step-time",
            "--model",
            bad.to_str().unwrap(),
            "--hardware",
            "h200",
            "--tp",
            "8",
            "--prefill",
            "1024",
        ],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--model: num_key_value_heads: must be a positive integer, got 0"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
