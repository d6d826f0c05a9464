//! The invariants of PD serving (after BLIS's INV-PD list), over many generated configs.

use pdsim::config::{Decider, LengthDist, RoutingPolicy};
use pdsim::report::{RequestStatus, Role};
use pdsim::Config;
use proptest::prelude::*;

use crate::common::ns;

/// A small random scenario: any topology, decider, routing, link and workload shape.
pub fn arb_config() -> impl Strategy<Value = Config> {
    let deciders = prop::sample::select(Decider::ALL.to_vec());
    let policies = prop::sample::select(RoutingPolicy::ALL.to_vec());
    (
        (0u32..3, 0u32..3, 0u32..3, deciders, 0u32..2048, 0u32..6),
        (
            policies.clone(),
            policies,
            any::<bool>(),
            1.0f64..100.0,
            0.0f64..2.0,
        ),
        (
            5u64..60,
            1.0f64..200.0,
            16u32..4000,
            1u32..200,
            0u32..4,
            0u32..1024,
        ),
        (
            prop::option::of(20u64..600),
            1u32..64,
            any::<u64>(),
            any::<bool>(),
        ),
    )
        .prop_map(|(topo, link, load, engine)| {
            let (prefill, decode, unified, decider, threshold, max_queue) = topo;
            let (policy, prefill_policy, contention, bandwidth, latency) = link;
            let (requests, rate, input_max, output_max, groups, prefix_tokens) = load;
            let (kv_blocks, max_seqs, seed, caching) = engine;
            let mut c = Config {
                seed,
                ..Config::default()
            };
            c.topology.prefill.instances = prefill;
            c.topology.decode.instances = decode.max(u32::from(unified == 0));
            c.topology.unified.instances = unified;
            c.disaggregation.decider = decider;
            c.disaggregation.threshold_tokens = threshold;
            c.disaggregation.max_prefill_queue = max_queue;
            c.routing.policy = policy;
            c.routing.prefill_policy = Some(prefill_policy);
            c.kv_transfer.contention = contention;
            c.kv_transfer.bandwidth_gb_per_s = bandwidth;
            c.kv_transfer.base_latency_ms = latency;
            c.workload.requests = Some(requests);
            c.workload.arrival.rate_per_s = rate;
            c.workload.input_tokens = LengthDist::Uniform {
                min: 1,
                max: input_max,
            };
            c.workload.output_tokens = LengthDist::Uniform {
                min: 1,
                max: output_max,
            };
            c.workload.prefix.groups = groups;
            c.workload.prefix.tokens = prefix_tokens;
            c.engine.kv_cache_blocks = kv_blocks;
            c.engine.max_num_seqs = max_seqs;
            c.engine.prefix_caching = caching;
            c
        })
}

/// Checks every invariant on one run; returns the report JSON for determinism checks.
pub fn check_invariants(config: &Config) -> Option<String> {
    let Ok(report) = pdsim::run(config) else {
        return None;
    };
    let s = &report.summary;
    // Conservation: every injected request ends completed, dropped, or in flight.
    assert_eq!(s.injected, s.completed + s.dropped + s.in_flight);
    assert_eq!(s.in_flight, 0, "no horizon: everything must finish");
    assert_eq!(
        s.transfer.started,
        s.transfer.completed + s.transfer.dropped
    );
    assert_eq!(s.dropped, s.dropped_by_reason.values().sum::<u64>());
    assert_eq!(report.requests.len() as u64, s.injected);
    if s.dropped == 0 {
        // ITL counts every token after a request's first; its gaps add up to the time
        // between each request's first and last token.
        let tokens: u64 = report
            .requests
            .iter()
            .map(|r| u64::from(r.output_tokens - 1))
            .sum();
        assert_eq!(s.itl_ms.count, tokens);
        let gaps: f64 = report
            .requests
            .iter()
            .map(|r| r.e2e_ms.unwrap() - r.ttft_ms.unwrap())
            .sum();
        let itl_sum = s.itl_ms.mean * s.itl_ms.count as f64;
        assert!(
            (itl_sum - gaps).abs() <= 1e-6 * gaps.max(1.0),
            "{itl_sum} vs {gaps}"
        );
    }
    for r in &report.requests {
        let prefill_role = report.instances[r.prefill_instance as usize].role;
        let decode_role = report.instances[r.decode_instance as usize].role;
        // Pool exclusivity.
        assert!(
            decode_role.decodes(),
            "decoded on a {prefill_role:?} instance"
        );
        if r.disaggregated {
            assert!(prefill_role.prefills_remote());
            assert_ne!(r.prefill_instance, r.decode_instance);
        } else {
            assert_eq!(r.prefill_instance, r.decode_instance);
            assert_ne!(decode_role, Role::Prefill);
        }
        match r.status {
            RequestStatus::Completed => {
                let ttft = r.ttft_ms.unwrap();
                let b = r.breakdown_ms.unwrap();
                // The five phases add up to TTFT exactly (integer nanoseconds).
                let sum = ns(b.prefill_queue)
                    + ns(b.prefill)
                    + ns(b.transfer)
                    + ns(b.decode_queue)
                    + ns(b.first_decode);
                assert_eq!(sum, ns(ttft), "request {}: {b:?} vs {ttft}", r.id);
                // Causality: every phase non-negative, TTFT <= E2E.
                assert!([
                    b.prefill_queue,
                    b.prefill,
                    b.transfer,
                    b.decode_queue,
                    b.first_decode
                ]
                .iter()
                .all(|&p| p >= 0.0));
                assert!(ttft <= r.e2e_ms.unwrap());
                if !r.disaggregated {
                    assert_eq!(
                        (b.transfer, b.decode_queue, b.first_decode),
                        (0.0, 0.0, 0.0)
                    );
                } else if r.preemptions == 0 {
                    assert!(b.first_decode > 0.0);
                }
                assert!(r.cached_tokens < r.input_tokens);
            }
            RequestStatus::DroppedDecodeKvFull => assert!(r.disaggregated),
            RequestStatus::DroppedPromptExceedsKv => {}
            RequestStatus::InFlight => unreachable!(),
        }
    }
    for i in &report.instances {
        assert!(i.kv_peak_utilization <= 1.0 + 1e-12);
        if i.role == Role::Prefill {
            assert_eq!(i.decode_tokens, 0, "a prefill instance decoded");
        }
    }
    Some(serde_json::to_string(&report).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_and_runs_are_deterministic(config in arb_config()) {
        if let Some(first) = check_invariants(&config) {
            let second = pdsim::run_json(&serde_json::to_string(&config).unwrap()).unwrap();
            prop_assert_eq!(first, second);
        }
    }
}
