//! Routing policies across instances.

use pdsim::config::{Decider, RoutingPolicy};

/// Four unified instances, no prefix reuse, Poisson arrivals at `rate` req/s.
fn no_reuse(rate: f64, policy: RoutingPolicy) -> pdsim::Report {
    let mut c = crate::common::unified(4);
    c.workload.requests = Some(3000);
    c.workload.arrival.rate_per_s = rate;
    c.workload.prefix.groups = 0;
    c.routing.policy = policy;
    pdsim::run(&c).unwrap()
}

#[test]
fn kv_cost_does_not_herd_without_prefix_reuse() {
    // With nothing to reuse, the overlap term is equal everywhere and the load terms
    // decide. Counting only allocated KV blocks, queued requests weighed nothing and
    // consecutive arrivals piled onto one instance (TTFT p90 95.8 ms against 72.4 ms at
    // 60 req/s, 203.5 against 111.0 at 100 req/s); counting queued prefill blocks and the
    // blocks the router sent, kv-cost stays within 10% of least-loaded.
    for rate in [60.0, 100.0] {
        let least = no_reuse(rate, RoutingPolicy::LeastLoaded)
            .summary
            .ttft_ms
            .p90;
        for policy in [RoutingPolicy::KvCost, RoutingPolicy::KvCostStaged] {
            let kv = no_reuse(rate, policy).summary.ttft_ms.p90;
            assert!(
                kv <= 1.1 * least,
                "{} at {rate} req/s: TTFT p90 {kv} ms against least-loaded {least} ms",
                policy.id()
            );
        }
    }
}

#[test]
fn kv_cost_counts_queued_prefills_of_arrivals_at_the_same_instant() {
    // Eight equal prompts at once on four idle instances: nothing is allocated when each
    // is routed, so only the router's own counts spread them, two per instance.
    let trace: Vec<_> = (0..8).map(|_| (0.0, 1000, 4, None)).collect();
    for policy in [RoutingPolicy::KvCost, RoutingPolicy::KvCostStaged] {
        let mut c = crate::common::traced(0, 0, 4, Decider::Never, &trace);
        c.routing.policy = policy;
        let report = pdsim::run(&c).unwrap();
        let per_instance: Vec<u64> = report.instances.iter().map(|i| i.requests).collect();
        assert_eq!(per_instance, [2, 2, 2, 2], "{}", policy.id());
        let order: Vec<u32> = report.requests.iter().map(|r| r.decode_instance).collect();
        assert_eq!(order, [0, 1, 2, 3, 0, 1, 2, 3]);
    }
}

#[test]
fn a_frontend_latency_shifts_every_ttft_by_itself_and_leaves_tpot_alone() {
    // A fixed delay before the router shifts every arrival by the same amount, so the
    // cluster sees the same load a constant later: each TTFT and end-to-end latency grows by
    // exactly the delay (in the prefill-queue phase), TPOT and placement stay.
    let mut c = crate::common::unified(2);
    c.workload.requests = Some(400);
    c.workload.arrival.rate_per_s = 20.0;
    c.output.per_request = true;
    let before = pdsim::run(&c).unwrap();
    c.routing.frontend_latency_ms = 125.0;
    let after = pdsim::run(&c).unwrap();
    assert_eq!(before.requests.len(), after.requests.len());
    for (b, a) in before.requests.iter().zip(&after.requests) {
        assert_eq!(a.arrival_ms, b.arrival_ms);
        assert_eq!(a.decode_instance, b.decode_instance);
        assert_eq!(a.tpot_ms, b.tpot_ms);
        let (bt, at) = (b.ttft_ms.unwrap(), a.ttft_ms.unwrap());
        assert!((at - bt - 125.0).abs() < 1e-6, "TTFT {bt} ms -> {at} ms");
        let (bq, aq) = (
            b.breakdown_ms.unwrap().prefill_queue,
            a.breakdown_ms.unwrap().prefill_queue,
        );
        assert!(
            (aq - bq - 125.0).abs() < 1e-6,
            "prefill queue {bq} ms -> {aq} ms"
        );
    }
    assert!((after.summary.ttft_ms.p50 - before.summary.ttft_ms.p50 - 125.0).abs() < 1e-6);
    assert_eq!(after.summary.tpot_ms, before.summary.tpot_ms);
}
