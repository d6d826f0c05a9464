//! Same config and seed, same bytes; a different seed, different numbers.

use pdsim::Config;

#[test]
fn same_seed_same_bytes_every_example() {
    for example in pdsim::examples().into_iter().filter(|e| !e.benchmark) {
        let json = serde_json::to_string(&example.config).unwrap();
        assert_eq!(
            pdsim::run_json(&json).unwrap(),
            pdsim::run_json(&json).unwrap(),
            "{}",
            example.name
        );
    }
}

#[test]
fn the_seed_matters() {
    let a = pdsim::run(&Config::default()).unwrap();
    let b = pdsim::run(&Config {
        seed: 7,
        ..Config::default()
    })
    .unwrap();
    assert_ne!(a.summary.ttft_ms, b.summary.ttft_ms);
}

#[test]
fn every_example_completes_all_requests() {
    for example in pdsim::examples().into_iter().filter(|e| !e.benchmark) {
        let report = pdsim::run(&example.config).unwrap();
        let s = &report.summary;
        assert_eq!(s.completed + s.dropped, s.injected, "{}", example.name);
        assert_eq!(s.dropped, 0, "{}", example.name);
    }
}

#[test]
fn empty_config_is_the_default_disaggregated_scenario() {
    let config = Config::from_json("{}").unwrap();
    assert_eq!(config, Config::default());
    let report = pdsim::run(&config).unwrap();
    let phases = &report.summary.breakdown_ms;
    // All five phases show up in the default scenario.
    for (name, stat) in phases.named() {
        assert!(stat.mean > 0.0, "{name} is zero");
    }
    assert!(report.summary.disaggregated_share > 0.2 && report.summary.disaggregated_share < 0.9);
    // The phases of the request at each TTFT percentile add up to that percentile.
    let at = &report.summary.breakdown_at_ttft_ms;
    for (phases, ttft) in [
        (&at.p50, report.summary.ttft_ms.p50),
        (&at.p90, report.summary.ttft_ms.p90),
        (&at.p99, report.summary.ttft_ms.p99),
    ] {
        let sum: u64 = phases
            .named()
            .iter()
            .map(|(_, v)| (**v * 1e6).round() as u64)
            .sum();
        assert_eq!(sum, (ttft * 1e6).round() as u64);
    }
}
