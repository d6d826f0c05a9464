//! The scheduler setting (`engine.scheduler`): `mixed` steps against `prefill-first` ones,
//! on timelines worked out by hand from the cost model's step times.

use pdsim::config::{Decider, Scheduler};
use pdsim::internals::{CostModel, StepWork};

use crate::common::{ns, prefill_chunk_ns, traced};

fn cost() -> CostModel {
    let model = pdsim::presets::model("llama-3.1-8b").unwrap();
    let gpu = pdsim::presets::gpu("h100-sxm").unwrap();
    CostModel::new(&model, &gpu, 1, 1, 0.3)
}

/// A decode step of one sequence over `context` tokens.
fn decode_ns(context: u64) -> u64 {
    cost().step_time(&StepWork {
        decode_seqs: 1,
        decode_context_tokens: context,
        logit_tokens: 1,
        ..StepWork::default()
    })
}

#[test]
fn prefill_first_stalls_the_decoder_for_the_prompt_and_mixed_shares_the_step() {
    // A: 100 prompt tokens, 3 out, at 0. B: 1,000 prompt tokens, 1 out, at 1 ms, during A's
    // prefill step P(100).
    let trace = [(0.0, 100, 3, None), (1.0, 1000, 1, None)];
    let p100 = prefill_chunk_ns(0.0, 100.0, true);
    let p1000 = prefill_chunk_ns(0.0, 1000.0, true);
    // The mixed step: B's whole prompt and A's second token (context 101), two logit rows.
    let mixed_step = cost().step_time(&StepWork {
        prefill_tokens: 1000,
        prefill_attention_pairs: 1000.0 * 1001.0 / 2.0,
        decode_seqs: 1,
        decode_context_tokens: 101,
        logit_tokens: 2,
        ..StepWork::default()
    });

    let mixed = pdsim::run(&traced(0, 0, 1, Decider::Never, &trace)).unwrap();
    let [a, b] = [0, 1].map(|i| &mixed.requests[i]);
    assert_eq!(ns(a.ttft_ms.unwrap()), p100);
    assert_eq!(ns(a.e2e_ms.unwrap()), p100 + mixed_step + decode_ns(102));
    assert_eq!(1_000_000 + ns(b.ttft_ms.unwrap()), p100 + mixed_step);
    assert_eq!(mixed.instances[0].steps, 3);

    let mut c = traced(0, 0, 1, Decider::Never, &trace);
    c.engine.scheduler = Scheduler::PrefillFirst;
    let first = pdsim::run(&c).unwrap();
    let [a, b] = [0, 1].map(|i| &first.requests[i]);
    assert_eq!(ns(a.ttft_ms.unwrap()), p100);
    // B's prompt alone, then A's two tokens in two decode steps.
    assert_eq!(
        ns(a.e2e_ms.unwrap()),
        p100 + p1000 + decode_ns(101) + decode_ns(102)
    );
    assert_eq!(1_000_000 + ns(b.ttft_ms.unwrap()), p100 + p1000);
    assert_eq!(first.instances[0].steps, 4);
    // A's first gap holds B's prefill and its own decode step.
    assert_eq!(ns(first.summary.itl_ms.max), p1000 + decode_ns(101));
    assert_eq!(ns(mixed.summary.itl_ms.max), mixed_step);
    // B is a little sooner, A later.
    assert!(b.ttft_ms < mixed.requests[1].ttft_ms);
    assert!(a.e2e_ms > mixed.requests[0].e2e_ms);
}

#[test]
fn prefill_first_splits_a_prompt_only_past_the_token_budget() {
    // A decodes (100 prompt tokens, 3 out); B's 3,000-token prompt arrives at 1 ms. With the
    // default budget of 2,048 tokens, B takes two prefill-only steps (2,048 then 952 tokens)
    // and A waits for both.
    let trace = [(0.0, 100, 3, None), (1.0, 3000, 1, None)];
    let mut c = traced(0, 0, 1, Decider::Never, &trace);
    c.engine.scheduler = Scheduler::PrefillFirst;
    let report = pdsim::run(&c).unwrap();
    let [a, b] = [0, 1].map(|i| &report.requests[i]);
    let p100 = prefill_chunk_ns(0.0, 100.0, true);
    let chunks = prefill_chunk_ns(0.0, 2048.0, false) + prefill_chunk_ns(2048.0, 952.0, true);
    assert_eq!(1_000_000 + ns(b.ttft_ms.unwrap()), p100 + chunks);
    assert_eq!(
        ns(a.e2e_ms.unwrap()),
        p100 + chunks + decode_ns(101) + decode_ns(102)
    );
    assert_eq!(report.instances[0].steps, 5);
    // A 2,048-token prompt fits the budget: one step.
    let mut c = traced(0, 0, 1, Decider::Never, &[(0.0, 2048, 1, None)]);
    c.engine.scheduler = Scheduler::PrefillFirst;
    let report = pdsim::run(&c).unwrap();
    assert_eq!(report.instances[0].steps, 1);
}

#[test]
fn prefill_first_serves_a_loaded_cluster_to_the_end() {
    // Every request completes under load, with and without speculation, and the default
    // config prints no scheduler.
    for speculative in [false, true] {
        let mut c = crate::common::unified(2);
        c.workload.requests = Some(300);
        c.workload.arrival.rate_per_s = 30.0;
        c.engine.kv_cache_blocks = Some(2000);
        c.engine.scheduler = Scheduler::PrefillFirst;
        if speculative {
            c.engine.speculative = Some(pdsim::config::SpeculativeConfig {
                method: pdsim::config::SpecMethod::Mtp,
                tokens: 2,
                acceptance: pdsim::config::Acceptance::Uniform(0.8),
                draft_model: None,
            });
        }
        let report = pdsim::run(&c).unwrap();
        assert_eq!(report.summary.completed, 300, "speculative {speculative}");
    }
    let json = serde_json::to_string(&pdsim::Config::default()).unwrap();
    assert!(!json.contains("scheduler"), "{json}");
    let err = pdsim::run_json(r#"{"engine": {"scheduler": "prefill-last"}}"#).unwrap_err();
    assert!(err.to_string().contains("engine.scheduler"), "{err}");
}

#[test]
fn a_cost_per_sequence_adds_to_each_step_per_sequence_in_its_batch() {
    // The trace above, with 0.1 ms per sequence of a step's batch: a prompt chunk and a
    // decoding sequence count one each, in mixed and prefill-only steps alike.
    let trace = [(0.0, 100, 3, None), (1.0, 1000, 1, None)];
    let per_seq = 100_000;
    for (scheduler, steps_of_a, b_before_its_token) in [
        // A's prefill (1), the mixed step of B's prompt and A's token (2), A's last (1).
        (Scheduler::Mixed, [1, 2, 1].as_slice(), [1, 2].as_slice()),
        // A's prefill, B's prefill-only step, A's two decode steps: one sequence each.
        (Scheduler::PrefillFirst, &[1, 1, 1, 1], &[1, 1]),
    ] {
        let mut c = traced(0, 0, 1, Decider::Never, &trace);
        c.engine.scheduler = scheduler;
        let without = pdsim::run(&c).unwrap();
        c.engine.step_overhead_per_seq_ms = 0.1;
        let with = pdsim::run(&c).unwrap();
        let seqs = |steps: &[u64]| steps.iter().sum::<u64>() * per_seq;
        let (a0, a1) = (&without.requests[0], &with.requests[0]);
        assert_eq!(
            ns(a1.e2e_ms.unwrap()) - ns(a0.e2e_ms.unwrap()),
            seqs(steps_of_a),
            "{scheduler:?}"
        );
        let (b0, b1) = (&without.requests[1], &with.requests[1]);
        assert_eq!(
            ns(b1.ttft_ms.unwrap()) - ns(b0.ttft_ms.unwrap()),
            seqs(b_before_its_token),
            "{scheduler:?}"
        );
        assert_eq!(with.instances[0].steps, without.instances[0].steps);
    }
}
