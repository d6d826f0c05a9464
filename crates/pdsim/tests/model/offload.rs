//! KV offload tiers (`engine.kv_offload`): evicted blocks go down a tier and come back up
//! at its bandwidth before the prefill.

use pdsim::config::{KvTier, KvTierConfig, LengthDist, TraceRecord};
use pdsim::Config;

use crate::common::{ns, one_unified, prefill_chunk_ns};

fn cpu(capacity_gb: f64, bandwidth_gb_per_s: f64, latency_ms: f64) -> KvTierConfig {
    KvTierConfig {
        tier: KvTier::Cpu,
        capacity_gb,
        bandwidth_gb_per_s,
        latency_ms,
    }
}

fn record(arrival_ms: f64, input_tokens: u32, prefix: Option<u32>) -> TraceRecord {
    TraceRecord {
        arrival_ms,
        input_tokens,
        output_tokens: 1,
        prefix_group: prefix.map(|_| 1),
        prefix_tokens: prefix,
        prefix_parent: None,
        prefix_parent_tokens: None,
        session: None,
        delay_ms: None,
    }
}

/// A 512-token prefix (32 blocks of 16), then a private prompt that needs all 64 blocks of
/// HBM ((1,008 + 1) / 16, rounded up), so the prefix is evicted, then the prefix again.
fn evicting(tiers: Vec<KvTierConfig>) -> Config {
    let mut c = one_unified();
    c.engine.block_size = 16;
    c.engine.kv_cache_blocks = Some(64);
    c.engine.kv_offload = tiers;
    c.workload.trace = Some(vec![
        record(0.0, 512, Some(512)),
        record(1000.0, 1008, None),
        record(2000.0, 600, Some(512)),
    ]);
    c
}

#[test]
fn an_evicted_prefix_is_loaded_from_the_cpu_tier_at_its_bandwidth() {
    // Without a tier the third prompt recomputes everything.
    let none = pdsim::run(&evicting(Vec::new())).unwrap();
    assert_eq!(none.requests[2].cached_tokens, 0);
    assert!(none.summary.kv_tiers.is_empty(), "no tiers, no report");

    let report = pdsim::run(&evicting(vec![cpu(1.0, 10.0, 1.0)])).unwrap();
    let r = &report.requests[2];
    assert_eq!(r.cached_tokens, 512);
    // Llama-3.1-8B at TP 1: 131,072 B of KV a token, 2,097,152 B a block; 32 blocks are
    // 67,108,864 B, at 10 GB/s (10 B/ns) 6,710,886 ns, after the 1 ms latency. The load
    // is inside `prefill`: the step that admits the prompt starts with it.
    let load = 1_000_000 + 6_710_886;
    assert_eq!(
        ns(r.ttft_ms.unwrap()),
        prefill_chunk_ns(512.0, 88.0, true) + load
    );
    let b = r.breakdown_ms.as_ref().unwrap();
    assert_eq!(ns(b.prefill), ns(r.ttft_ms.unwrap()));
    let tiers = &report.summary.kv_tiers;
    assert_eq!(tiers.len(), 1);
    assert_eq!(tiers[0].tier, KvTier::Cpu);
    assert_eq!(tiers[0].hit_tokens, 512);
    assert_eq!(tiers[0].stored_bytes, 32 * 2_097_152);
    assert_eq!(tiers[0].loaded_bytes, 32 * 2_097_152);
    assert_eq!(report.summary.cached_tokens, 512);

    // A tier too small for one block keeps nothing; blocks fall to the next one.
    let mut small = cpu(1e-3, 10.0, 1.0);
    small.capacity_gb = 0.002;
    let disk = KvTierConfig {
        tier: KvTier::Disk,
        ..cpu(1.0, 1.0, 0.0)
    };
    let report = pdsim::run(&evicting(vec![small, disk])).unwrap();
    let tiers = &report.summary.kv_tiers;
    assert_eq!((tiers[0].hit_tokens, tiers[1].hit_tokens), (0, 512));
    // 67,108,864 B at 1 GB/s.
    assert_eq!(
        ns(report.requests[2].ttft_ms.unwrap()),
        prefill_chunk_ns(512.0, 88.0, true) + 67_108_864
    );
}

#[test]
fn prefixes_that_outgrow_hbm_stay_in_a_cpu_tier() {
    // 40 documents of 2,000 tokens (125 blocks each, 5,000 in all) and an HBM of 1,500
    // blocks: most prefixes cannot stay in HBM.
    let mut c = one_unified();
    c.engine.kv_cache_blocks = Some(1_500);
    c.workload.requests = Some(600);
    c.workload.arrival.rate_per_s = 20.0;
    c.workload.input_tokens = LengthDist::Constant { value: 2_200 };
    c.workload.output_tokens = LengthDist::Constant { value: 20 };
    c.workload.prefix.groups = 40;
    c.workload.prefix.tokens = 2_000;
    c.workload.prefix.fraction = 1.0;
    let hbm_only = pdsim::run(&c).unwrap();
    let with_tier = |bandwidth| {
        let mut c = c.clone();
        c.engine.kv_offload = vec![cpu(100.0, bandwidth, 0.0)];
        pdsim::run(&c).unwrap()
    };
    let fast = with_tier(50.0);
    let slow = with_tier(2.0);
    let hits = |r: &pdsim::Report| r.summary.cached_tokens;
    assert!(
        hits(&fast) > hits(&hbm_only) * 2,
        "{} vs {}",
        hits(&fast),
        hits(&hbm_only)
    );
    assert!(fast.summary.kv_tiers[0].hit_tokens > 0);
    // As many hits at a lower bandwidth (within the shifts of a different timing), but
    // each load takes longer.
    let (f, s) = (hits(&fast) as f64, hits(&slow) as f64);
    assert!((f - s).abs() < 0.05 * f, "{f} vs {s}");
    assert!(
        slow.summary.ttft_ms.mean > fast.summary.ttft_ms.mean * 1.2,
        "{} vs {} ms",
        slow.summary.ttft_ms.mean,
        fast.summary.ttft_ms.mean
    );
}

#[test]
fn bad_tiers_are_refused_by_name() {
    let mut c = evicting(vec![cpu(1.0, 10.0, 0.0), cpu(2.0, 10.0, 0.0)]);
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(e.contains("engine.kv_offload[1].tier"), "{e}");
    c.engine.kv_offload = vec![cpu(1.0, 0.0, 0.0)];
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(e.contains("engine.kv_offload[0].bandwidth_gb_per_s"), "{e}");
    c.engine.kv_offload = vec![cpu(-1.0, 1.0, 0.0)];
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(e.contains("engine.kv_offload[0].capacity_gb"), "{e}");
    c.engine.kv_offload = vec![cpu(1.0, 1.0, 0.0)];
    c.engine.prefix_caching = false;
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(e.contains("engine.kv_offload"), "{e}");
    // Unknown tiers name what is allowed.
    let bad = r#"{"engine": {"kv_offload": [{"tier": "tape", "capacity_gb": 1, "bandwidth_gb_per_s": 1}]}}"#;
    let e = serde_json::from_str::<Config>(bad).unwrap_err().to_string();
    assert!(e.contains("cpu"), "{e}");
}

#[test]
fn a_remote_store_is_shared_by_all_instances_and_a_cpu_tier_is_not() {
    // Round robin over two instances: the prefix on instance 0, a private prompt on 1,
    // another on 0 (evicting the prefix there), then the prefix on instance 1.
    let mut c = crate::common::unified(2);
    c.routing.policy = pdsim::config::RoutingPolicy::RoundRobin;
    c.engine.block_size = 16;
    c.engine.kv_cache_blocks = Some(64);
    c.workload.trace = Some(vec![
        record(0.0, 512, Some(512)),
        record(500.0, 1008, None),
        record(1000.0, 1008, None),
        record(2000.0, 600, Some(512)),
    ]);
    let run = |tier| {
        let mut c = c.clone();
        c.engine.kv_offload = vec![KvTierConfig {
            tier,
            ..cpu(1.0, 10.0, 1.0)
        }];
        pdsim::run(&c).unwrap()
    };
    let cpu_only = run(KvTier::Cpu);
    assert_eq!(cpu_only.requests[3].decode_instance, 1);
    assert_eq!(cpu_only.requests[3].cached_tokens, 0);
    assert_eq!(cpu_only.summary.kv_tiers[0].stored_bytes, 32 * 2_097_152);
    let remote = run(KvTier::Remote);
    assert_eq!(remote.requests[3].cached_tokens, 512);
    // One store, counted once.
    let t = &remote.summary.kv_tiers[0];
    assert_eq!((t.tier, t.hit_tokens), (KvTier::Remote, 512));
    assert_eq!(t.stored_bytes, 32 * 2_097_152);
}
