//! Aggregated serving on one instance, checked against numbers worked out by hand.

use pdsim::config::Decider;

use crate::common::{ns, prefill_chunk_ns, traced};

#[test]
fn idle_ttft_is_one_prefill_step() {
    let report = pdsim::run(&traced(0, 0, 1, Decider::Never, &[(0.0, 1024, 1, None)])).unwrap();
    let r = &report.requests[0];
    // One step of 1,024 prompt tokens (about 22 ms on an H100) + 0.3 ms overhead.
    assert_eq!(ns(r.ttft_ms.unwrap()), prefill_chunk_ns(0.0, 1024.0, true));
    assert!(
        (20.0..25.0).contains(&r.ttft_ms.unwrap()),
        "{:?}",
        r.ttft_ms
    );
    let b = r.breakdown_ms.unwrap();
    assert_eq!(
        (b.prefill_queue, b.transfer, b.decode_queue, b.first_decode),
        (0.0, 0.0, 0.0, 0.0)
    );
    assert_eq!(report.instances[0].steps, 1);
}

#[test]
fn requests_arriving_at_the_same_instant_share_the_first_step() {
    let trace = [
        (0.0, 100, 1, None),
        (0.0, 300, 1, None),
        (20.0, 100, 1, None),
    ];
    let report = pdsim::run(&traced(0, 0, 1, Decider::Never, &trace)).unwrap();
    let model = pdsim::presets::model("llama-3.1-8b").unwrap();
    let gpu = pdsim::presets::gpu("h100-sxm").unwrap();
    let cost = pdsim::internals::CostModel::new(&model, &gpu, 1, 1, 0.3);
    // One step computes both prompts: 400 tokens, the causal pairs of each prompt
    // (100 x 101 / 2 + 300 x 301 / 2), and a logit row for each.
    let both = cost.step_time(&pdsim::internals::StepWork {
        prefill_tokens: 400,
        prefill_attention_pairs: 5050.0 + 45150.0,
        logit_tokens: 2,
        ..pdsim::internals::StepWork::default()
    });
    for r in &report.requests[..2] {
        assert_eq!(ns(r.ttft_ms.unwrap()), both);
        assert_eq!(r.breakdown_ms.unwrap().prefill_queue, 0.0);
    }
    // The third arrives after that step (about 12 ms) on an idle instance: a step of its own.
    assert!(both < 20_000_000, "{both}");
    let third = &report.requests[2];
    assert_eq!(
        ns(third.ttft_ms.unwrap()),
        prefill_chunk_ns(0.0, 100.0, true)
    );
    assert_eq!(report.instances[0].steps, 2);
}

#[test]
fn itl_counts_every_token_gap_and_tpot_each_requests_mean() {
    // Request 0 (100 tokens, 3 out) prefills alone in step 0 and emits its first token.
    // Request 1 (2,000 tokens, 2 out) arrives during it; step 1 decodes request 0 and
    // prefills request 1 (a long step d1); step 2 decodes both (a short step d2).
    let trace = [(0.0, 100, 3, None), (1.0, 2000, 2, None)];
    let report = pdsim::run(&traced(0, 0, 1, Decider::Never, &trace)).unwrap();
    let [r0, r1] = [0, 1].map(|i| &report.requests[i]);
    let step0_end = ns(r0.ttft_ms.unwrap());
    let step1_end = 1_000_000 + ns(r1.ttft_ms.unwrap());
    let step2_end = ns(r0.e2e_ms.unwrap());
    assert_eq!(step2_end, 1_000_000 + ns(r1.e2e_ms.unwrap()));
    let (d1, d2) = (step1_end - step0_end, step2_end - step1_end);
    assert!(d1 > 5 * d2, "{d1} {d2}");
    assert_eq!(report.instances[0].steps, 3);
    // Gaps, one per token after a request's first: d1 and d2 (request 0), d2 (request 1).
    // Nearest rank over 3: p50 = 2nd smallest = d2, p90 = p99 = 3rd = d1.
    let itl = &report.summary.itl_ms;
    assert_eq!(itl.count, 3);
    assert_eq!((ns(itl.p50), ns(itl.p90), ns(itl.p99)), (d2, d1, d1));
    assert_eq!(ns(itl.max), d1);
    assert!((itl.mean - (d1 + 2 * d2) as f64 / 3e6).abs() < 1e-9);
    // TPOT: request 0's mean gap (d1 + d2) / 2, request 1's d2.
    assert_eq!(ns(r0.tpot_ms.unwrap()), (d1 + d2) / 2);
    assert_eq!(ns(r1.tpot_ms.unwrap()), d2);
    let tpot = &report.summary.tpot_ms;
    assert_eq!(tpot.count, 2);
    assert_eq!((ns(tpot.p50), ns(tpot.p90)), (d2, (d1 + d2) / 2));
    // The old per-request name still holds TPOT.
}

#[test]
fn kv_capacity_of_llama_8b_on_one_h100() {
    let report = pdsim::run(&traced(0, 0, 1, Decider::Never, &[(0.0, 16, 1, None)])).unwrap();
    // (80 GiB x 0.9 - 16.06e9 B of weights - 0.34e9 B of activations - 1 GiB) / (128 KiB
    // x 16) = 28,531 blocks (worked in full in cost.rs).
    assert_eq!(report.instances[0].kv_blocks, 28_531);
}

#[test]
fn long_prompt_is_chunked_by_the_token_budget() {
    let report = pdsim::run(&traced(0, 0, 1, Decider::Never, &[(0.0, 5000, 1, None)])).unwrap();
    // 5,000 tokens with a 2,048-token budget: chunks of 2,048, 2,048 and 904.
    let expected = prefill_chunk_ns(0.0, 2048.0, false)
        + prefill_chunk_ns(2048.0, 2048.0, false)
        + prefill_chunk_ns(4096.0, 904.0, true);
    assert_eq!(report.instances[0].steps, 3);
    assert_eq!(ns(report.requests[0].ttft_ms.unwrap()), expected);
    assert_eq!(report.instances[0].prefill_tokens, 5000);
}

#[test]
fn kv_exhaustion_preempts_the_newest_request() {
    // Two 160-token prompts take 11 blocks each; 200 output tokens each need 23 blocks
    // at the end. With 30 blocks, the decoders outgrow memory and the newer is preempted.
    let mut config = traced(
        0,
        0,
        1,
        Decider::Never,
        &[(0.0, 160, 200, None), (0.0, 160, 200, None)],
    );
    config.engine.kv_cache_blocks = Some(30);
    let report = pdsim::run(&config).unwrap();
    assert_eq!(report.summary.completed, 2);
    assert!(report.summary.preemptions >= 1);
    assert_eq!(report.requests[0].preemptions, 0);
    assert!(report.requests[1].preemptions >= 1);
    assert_eq!(report.instances[0].preemptions, report.summary.preemptions);
    // The preempted request finishes after the other.
    assert!(report.requests[1].e2e_ms.unwrap() > report.requests[0].e2e_ms.unwrap());
}

#[test]
fn a_prompt_larger_than_the_kv_cache_is_dropped_not_stuck() {
    let mut config = traced(
        0,
        0,
        1,
        Decider::Never,
        &[(0.0, 1000, 5, None), (1.0, 100, 5, None)],
    );
    config.engine.kv_cache_blocks = Some(20);
    let report = pdsim::run(&config).unwrap();
    assert_eq!(
        report
            .summary
            .dropped_by_reason
            .get(&pdsim::report::DropReason::PromptExceedsKv),
        Some(&1)
    );
    assert_eq!(report.summary.completed, 1);
}

#[test]
fn requests_are_admitted_first_come_first_served() {
    let mut config = traced(
        0,
        0,
        1,
        Decider::Never,
        &[
            (0.0, 3000, 4, None),
            (1.0, 100, 4, None),
            (2.0, 2000, 4, None),
            (3.0, 50, 4, None),
        ],
    );
    config.engine.max_num_seqs = 1;
    let report = pdsim::run(&config).unwrap();
    let first_tokens: Vec<f64> = report
        .requests
        .iter()
        .map(|r| r.arrival_ms + r.ttft_ms.unwrap())
        .collect();
    assert!(
        first_tokens.windows(2).all(|w| w[0] < w[1]),
        "{first_tokens:?}"
    );
    // With one sequence at a time, each starts only after the previous completes.
    for pair in report.requests.windows(2) {
        let done = pair[0].arrival_ms + pair[0].e2e_ms.unwrap();
        let start = pair[1].arrival_ms + pair[1].breakdown_ms.unwrap().prefill_queue;
        assert!(start >= done - 1e-9, "{start} < {done}");
    }
}

#[test]
fn shared_prefix_prefills_only_the_uncached_tail() {
    let mut config = traced(
        0,
        0,
        1,
        Decider::Never,
        &[(0.0, 600, 2, Some(0)), (1000.0, 600, 2, Some(0))],
    );
    config.workload.prefix.tokens = 512;
    let report = pdsim::run(&config).unwrap();
    let (first, second) = (&report.requests[0], &report.requests[1]);
    assert_eq!(first.cached_tokens, 0);
    assert_eq!(second.cached_tokens, 512);
    // Only the 88 uncached tokens are computed, attending to the 512 cached ones (a
    // memory-bound step, far shorter than the whole prompt's).
    assert_eq!(
        ns(second.breakdown_ms.unwrap().prefill),
        prefill_chunk_ns(512.0, 88.0, true)
    );
    assert!(prefill_chunk_ns(512.0, 88.0, true) < prefill_chunk_ns(0.0, 600.0, true));
    assert_eq!(report.instances[0].prefill_tokens, 600 + 88);
}

#[test]
fn decode_steps_share_the_instance_with_prefill() {
    // A long prompt arriving while another request decodes makes its ITL jump: the
    // interference that disaggregation removes.
    // Four 2,048-token chunks of about 45 ms each land among 100 decode steps of about 7 ms.
    let alone = pdsim::run(&traced(0, 0, 1, Decider::Never, &[(0.0, 100, 100, None)])).unwrap();
    let mixed = pdsim::run(&traced(
        0,
        0,
        1,
        Decider::Never,
        &[(0.0, 100, 100, None), (100.0, 8000, 2, None)],
    ))
    .unwrap();
    let itl_alone = alone.requests[0].tpot_ms.unwrap();
    let itl_mixed = mixed.requests[0].tpot_ms.unwrap();
    assert!(itl_mixed > itl_alone * 1.1, "{itl_mixed} vs {itl_alone}");
}
