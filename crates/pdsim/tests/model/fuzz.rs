//! Structured fuzzing, run for a fixed number of cases in the test command: arbitrary
//! bytes, and valid configs with fields replaced by hostile values, go through parsing,
//! validation and a bounded run. Whatever comes in, the result is a report or an error
//! naming a field; never a panic, never a hang.

use std::cell::Cell;

use pdsim::Config;
use proptest::prelude::*;
use serde_json::{json, Value};

thread_local! {
    /// Cases that got past validation into the engine, on this test's thread (each test
    /// runs on its own thread, so tests running in parallel do not add to each other's
    /// count; `fuzz_reaches_the_engine` reads it).
    static SIMULATED: Cell<u64> = const { Cell::new(0) };
}

/// Cases per property; the README quotes these numbers. `PDSIM_FUZZ_CASES` raises both
/// (a soak run: `PDSIM_FUZZ_CASES=1000000 cargo test --release -p pdsim --test model fuzz`).
fn cases(default: u32) -> u32 {
    std::env::var("PDSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
const BYTE_CASES: u32 = 3000;
const MUTATION_CASES: u32 = 3000;

/// Every leaf path of a JSON value, as key lists.
fn leaf_paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                prefix.push(key.clone());
                leaf_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => out.push(prefix.clone()),
    }
}

fn set_path(root: &mut Value, path: &[String], new: Value) {
    let mut node = root;
    for key in path {
        match node.get_mut(key) {
            Some(child) => node = child,
            None => return,
        }
    }
    *node = new;
}

fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            json!(0),
            json!(-1),
            json!(1),
            json!(1e9),
            json!(1e-9),
            json!(1e308),
            json!(-1e308),
            json!(18_446_744_073_709_551_615u64),
            json!(4_294_967_295u64),
            json!(16_000_000),
            json!(0.5),
            json!("x"),
            json!("always"),
            json!("h100-sxm"),
            json!(null),
            json!(true),
            json!([]),
            json!({}),
            json!({"dist": "constant", "value": 1}),
            json!({"dist": "lognormal", "mean": 1e7, "std": 1e7}),
        ]),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        // Plausible values too, so that many cases get past validation into the engine.
        (1u64..5000).prop_map(Value::from),
        (0.01f64..100.0).prop_map(Value::from),
    ]
}

/// Runs a config text through everything a user's input meets, with tight limits so
/// every case stays fast; panics propagate and fail the property.
fn exercise(text: &str) {
    let Ok(mut config) = Config::from_json(text) else {
        return;
    };
    if pdsim::validate(&config).is_err() {
        return;
    }
    SIMULATED.with(|n| n.set(n.get() + 1));
    config.limits.max_events = config.limits.max_events.min(200_000);
    config.limits.max_requests = config.limits.max_requests.min(300);
    if config.workload.requests.is_some_and(|n| n > 300) {
        config.workload.requests = Some(300);
    }
    if let Err(e) = pdsim::run(&config) {
        assert!(e.to_string().contains(':'), "an error without a field: {e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(BYTE_CASES), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(MUTATION_CASES), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_field_values_never_panic(
        base in prop::sample::select(pdsim::examples().into_iter().filter(|e| !e.benchmark).map(|e| e.config).collect::<Vec<_>>()),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), hostile_value()), 1..5),
    ) {
        let mut value = serde_json::to_value(&base).unwrap();
        let mut paths = Vec::new();
        leaf_paths(&value, &mut Vec::new(), &mut paths);
        for (index, new) in mutations {
            let path = index.get(&paths).clone();
            set_path(&mut value, &path, new);
        }
        value["workload"]["requests"] = json!(60);
        exercise(&value.to_string());
    }
}

#[test]
fn fuzz_reaches_the_engine() {
    // A mutation run of its own, so the count does not depend on test order, from a fixed
    // seed, so it does not depend on the run either (every config field added lowers the share
    // of single mutations that stay valid: with a random seed the count wandered around the
    // threshold).
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(
        ProptestConfig {
            cases: 500,
            failure_persistence: None,
            ..ProptestConfig::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let before = SIMULATED.with(Cell::get);
    let strategy = (any::<prop::sample::Index>(), hostile_value());
    runner
        .run(&strategy, |(index, new)| {
            let mut value = serde_json::to_value(Config::default()).unwrap();
            let mut paths = Vec::new();
            leaf_paths(&value, &mut Vec::new(), &mut paths);
            let path: &Vec<String> = index.get(&paths);
            set_path(&mut value, path, new);
            value["workload"]["requests"] = json!(60);
            exercise(&value.to_string());
            Ok(())
        })
        .unwrap();
    let simulated = SIMULATED.with(Cell::get) - before;
    eprintln!("fuzz: {simulated} of 500 single-field mutations were valid and simulated");
    // Most single hostile values are rejected, but a real share (a tenth) must reach the
    // engine.
    assert!(simulated >= 50, "only {simulated} cases reached the engine");
}
