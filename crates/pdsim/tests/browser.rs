//! The core compiled to wasm32 and run inside headless Chromium (wasm-bindgen-test): the
//! model's hand-worked numbers and its invariants hold there too. The byte-for-byte
//! comparison with the native build is `scripts/check-wasm-determinism.sh`.
#![cfg(target_arch = "wasm32")]

use pdsim::config::{Decider, PoolConfig, TraceRecord};
use pdsim::Config;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn one_request(decider: Decider, input_tokens: u32) -> Config {
    let mut c = Config::default();
    let pool = |instances| PoolConfig {
        instances,
        ..PoolConfig::default()
    };
    c.topology.prefill = pool(1);
    c.topology.decode = pool(1);
    c.disaggregation.decider = decider;
    c.workload.trace = Some(vec![TraceRecord::new(0.0, input_tokens, 4)]);
    c
}

#[wasm_bindgen_test]
fn transfer_formula_holds_in_the_browser() {
    let report = pdsim::run(&one_request(Decider::Always, 1024)).expect("runs");
    let transfer = report.requests[0]
        .breakdown_ms
        .expect("first token")
        .transfer;
    assert_eq!((transfer * 1e6).round() as u64, 5_418_710);
}

#[wasm_bindgen_test]
fn default_scenario_runs_with_all_phases_and_is_repeatable() {
    let a = pdsim::run_json("{}").expect("runs");
    let b = pdsim::run_json("{}").expect("runs");
    assert_eq!(a, b);
    let report = pdsim::run(&Config::default()).expect("runs");
    assert_eq!(report.summary.completed, report.summary.injected);
    for (name, stat) in report.summary.breakdown_ms.named() {
        assert!(stat.mean > 0.0, "{name}");
    }
    for r in &report.requests {
        let (ttft, b) = (r.ttft_ms.expect("ttft"), r.breakdown_ms.expect("phases"));
        let sum = [
            b.prefill_queue,
            b.prefill,
            b.transfer,
            b.decode_queue,
            b.first_decode,
        ]
        .iter()
        .map(|p| (p * 1e6).round() as u64)
        .sum::<u64>();
        assert_eq!(sum, (ttft * 1e6).round() as u64);
    }
}

#[wasm_bindgen_test]
fn errors_name_the_field_in_the_browser() {
    let err = pdsim::run_json(r#"{"engine": {"block_size": 0}}"#).expect_err("invalid");
    assert!(err.to_string().starts_with("engine.block_size:"), "{err}");
}
