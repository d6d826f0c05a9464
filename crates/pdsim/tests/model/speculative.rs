//! Speculative decoding (`engine.speculative`), checked against step times worked out from
//! the cost model and acceptance chains worked out by hand.

use pdsim::config::{Acceptance, Decider, ModelSpec, SpecMethod, SpeculativeConfig};
use pdsim::internals::{CostModel, StepWork};
use pdsim::Config;

use crate::common::{ns, traced};

fn speculative(method: SpecMethod, tokens: u32, acceptance: f64) -> Option<SpeculativeConfig> {
    Some(SpeculativeConfig {
        method,
        tokens,
        acceptance: Acceptance::Uniform(acceptance),
        draft_model: None,
    })
}

/// Llama-3.1-8B on one H100 with the default 0.3 ms step overhead (the instances of
/// [`traced`]).
fn target() -> CostModel {
    let model = pdsim::presets::model("llama-3.1-8b").unwrap();
    let gpu = pdsim::presets::gpu("h100-sxm").unwrap();
    CostModel::new(&model, &gpu, 1, 1, 0.3)
}

/// A decode step of one sequence over `context` tokens verifying `k` proposals.
fn verify_step(cost: &CostModel, context: u64, k: u64) -> u64 {
    cost.step_time(&StepWork {
        decode_seqs: 1,
        decode_context_tokens: context,
        logit_tokens: 1 + k,
        verify_tokens: k,
        ..StepWork::default()
    })
}

#[test]
fn with_every_proposal_accepted_each_step_advances_k_plus_one() {
    // 100-token prompt, 9 output tokens, k = 3, every proposal accepted, n-gram (free)
    // proposals: the prefill step emits token 1, then verify steps emit tokens 2-5 (context
    // 101) and 6-9 (context 105). Three steps.
    let mut c = traced(0, 0, 1, Decider::Never, &[(0.0, 100, 9, None)]);
    c.engine.speculative = speculative(SpecMethod::Ngram, 3, 1.0);
    let report = pdsim::run(&c).unwrap();
    let r = &report.requests[0];
    let cost = target();
    let decode = ns(r.e2e_ms.unwrap()) - ns(r.ttft_ms.unwrap());
    assert_eq!(
        decode,
        verify_step(&cost, 101, 3) + verify_step(&cost, 105, 3)
    );
    assert_eq!(report.instances[0].steps, 3);
    let s = report.summary.speculative.as_ref().unwrap();
    assert_eq!(
        (s.verify_steps, s.tokens_per_step, s.acceptance),
        (2, 4.0, 1.0)
    );
    assert_eq!(s.acceptance_by_position, vec![1.0; 3]);
    // The 8 tokens after the first came in 2 chunks: one ITL sample of one step each.
    assert_eq!(report.summary.itl_ms.count, 2);
    assert_eq!(report.instances[0].decode_tokens, 8);

    // An EAGLE head adds, per verify step, three decode steps of one layer of the target
    // with its LM head (no step overhead: they run inside the target's step).
    c.engine.speculative = speculative(SpecMethod::Eagle, 3, 1.0);
    let report = pdsim::run(&c).unwrap();
    let r = &report.requests[0];
    let model = pdsim::presets::model("llama-3.1-8b").unwrap();
    let gpu = pdsim::presets::gpu("h100-sxm").unwrap();
    let mut head = model;
    head.layers = 1;
    let head = CostModel::new(&head, &gpu, 1, 1, 0.0);
    let propose = |context: u64| {
        let one = |c: u64| {
            head.seconds(&StepWork {
                decode_seqs: 1,
                decode_context_tokens: c,
                logit_tokens: 1,
                ..StepWork::default()
            })
        };
        pdsim::internals::s_to_ns(one(context) + one(context + 1) + one(context + 2))
    };
    let decode = ns(r.e2e_ms.unwrap()) - ns(r.ttft_ms.unwrap());
    assert_eq!(
        decode,
        verify_step(&cost, 101, 3) + propose(101) + verify_step(&cost, 105, 3) + propose(105)
    );
}

#[test]
fn output_length_is_never_overshot() {
    // 7 output tokens: token 1 from the prefill, 2-5 from the first verify step, and only 2
    // of the second step's 4 (6 and 7).
    let mut c = traced(0, 0, 1, Decider::Never, &[(0.0, 100, 7, None)]);
    c.engine.speculative = speculative(SpecMethod::Ngram, 3, 1.0);
    let report = pdsim::run(&c).unwrap();
    let s = report.summary.speculative.as_ref().unwrap();
    assert_eq!((s.verify_steps, s.tokens_per_step), (2, 3.0));
    assert_eq!(report.instances[0].decode_tokens, 6);
    assert_eq!(report.summary.completed, 1);
}

/// Ten requests of 100 prompt and 2,000 output tokens, 20 s apart (each is alone on the
/// instance: about 11 s without speculation).
fn ten_long_requests() -> Config {
    let trace: Vec<_> = (0..10)
        .map(|i| (20_000.0 * f64::from(i), 100, 2000, None))
        .collect();
    traced(0, 0, 1, Decider::Never, &trace)
}

#[test]
fn k3_a07_advances_2_533_tokens_per_step_and_tpot_falls_accordingly() {
    let plain = pdsim::run(&ten_long_requests()).unwrap();
    let mut c = ten_long_requests();
    c.engine.speculative = speculative(SpecMethod::Ngram, 3, 0.7);
    let spec = pdsim::run(&c).unwrap();
    let s = spec.summary.speculative.as_ref().unwrap();
    // 1 + 0.7 + 0.49 + 0.343 = 2.533 tokens per verify step; ~7,900 of them, whose mean has
    // a standard deviation of 0.6% (per step 1.24 tokens).
    let hand = 1.0 + 0.7 + 0.49 + 0.343;
    assert!(
        (s.tokens_per_step - hand).abs() < 0.02 * hand,
        "{} vs {hand}",
        s.tokens_per_step
    );
    // Accepted over proposed: (0.7 + 0.49 + 0.343) / 3 = 0.511; per position, 0.7 each.
    assert!(
        (s.acceptance - 1.533 / 3.0).abs() < 0.01,
        "{}",
        s.acceptance
    );
    for a in &s.acceptance_by_position {
        assert!((a - 0.7).abs() < 0.02, "{:?}", s.acceptance_by_position);
    }
    // TPOT: every step costs one verify step (at the mean context, 100 + 1,000 tokens: the
    // step time is linear in it), spread over 2.533 tokens. Without speculation: one decode
    // step per token.
    let cost = target();
    let verify = verify_step(&cost, 1100, 3) as f64 / 1e6;
    let decode = verify_step(&cost, 1100, 0) as f64 / 1e6;
    let (tpot, plain_tpot) = (spec.summary.tpot_ms.mean, plain.summary.tpot_ms.mean);
    assert!(
        (plain_tpot - decode).abs() < 0.01 * decode,
        "{plain_tpot} vs {decode}"
    );
    let want = verify / hand;
    assert!((tpot - want).abs() < 0.03 * want, "{tpot} vs {want}");
    // Verifying 4 tokens instead of 1 costs little when decode reads weights: about 2.4x.
    assert!(plain_tpot / tpot > 2.2, "{plain_tpot} / {tpot}");
    // Each ITL sample is one verify step (a chunk of 1 to 4 tokens).
    let itl = &spec.summary.itl_ms;
    assert!(
        (itl.mean - verify).abs() < 0.01 * verify,
        "{} vs {verify}",
        itl.mean
    );
    let chunks = (s.verify_steps) as f64;
    assert_eq!(itl.count as f64, chunks);
}

#[test]
fn acceptance_zero_is_no_faster_than_no_speculation() {
    let mut base = crate::common::one_unified();
    base.workload.requests = Some(200);
    let plain = pdsim::run(&base).unwrap();
    for method in [SpecMethod::Ngram, SpecMethod::Eagle, SpecMethod::Mtp] {
        let mut c = base.clone();
        c.engine.speculative = speculative(method, 3, 0.0);
        let spec = pdsim::run(&c).unwrap();
        let s = spec.summary.speculative.as_ref().unwrap();
        assert_eq!((s.tokens_per_step, s.acceptance), (1.0, 0.0));
        assert_eq!(spec.summary.completed, plain.summary.completed);
        for (field, a, b) in [
            (
                "tpot",
                spec.summary.tpot_ms.mean,
                plain.summary.tpot_ms.mean,
            ),
            ("e2e", spec.summary.e2e_ms.mean, plain.summary.e2e_ms.mean),
            (
                "duration",
                spec.summary.duration_s,
                plain.summary.duration_s,
            ),
        ] {
            assert!(a >= b, "{method:?} {field}: {a} < {b}");
        }
    }
}

#[test]
fn a_draft_model_costs_its_own_decode_steps() {
    // Llama-3.1-70B on 4 H100s, drafted by Llama-3.1-8B (TP 4 too) with k = 4, a = 0.8;
    // against the same with n-gram proposals: each verify step adds 4 decode steps of the
    // 8B model, so TPOT rises by at most that over the tokens per step.
    let mut c = traced(0, 0, 1, Decider::Never, &[(0.0, 500, 400, None)]);
    c.model = ModelSpec::Preset("llama-3.1-70b".into());
    c.topology.unified.tp = 4;
    c.engine.speculative = Some(SpeculativeConfig {
        method: SpecMethod::Draft,
        tokens: 4,
        acceptance: Acceptance::Uniform(0.8),
        draft_model: Some(ModelSpec::Preset("llama-3.1-8b".into())),
    });
    let draft = pdsim::run(&c).unwrap();
    c.engine.speculative.as_mut().unwrap().method = SpecMethod::Ngram;
    c.engine.speculative.as_mut().unwrap().draft_model = None;
    let ngram = pdsim::run(&c).unwrap();
    // Same seed, same draws: the same tokens per step.
    let (sd, sn) = (
        draft.summary.speculative.as_ref().unwrap(),
        ngram.summary.speculative.as_ref().unwrap(),
    );
    assert_eq!(sd.tokens_per_step, sn.tokens_per_step);
    let small = pdsim::presets::model("llama-3.1-8b").unwrap();
    let gpu = pdsim::presets::gpu("h100-sxm").unwrap();
    let small = CostModel::new(&small, &gpu, 4, 1, 0.0);
    let one = |context: u64| {
        small.seconds(&StepWork {
            decode_seqs: 1,
            decode_context_tokens: context,
            logit_tokens: 1,
            ..StepWork::default()
        })
    };
    let context = 700;
    let per_step_ms = (one(context) + one(context + 1) + one(context + 2) + one(context + 3)) * 1e3;
    let added = draft.summary.tpot_ms.mean - ngram.summary.tpot_ms.mean;
    let want = per_step_ms / sd.tokens_per_step;
    assert!((added - want).abs() < 0.02 * want, "{added} vs {want}");
}

#[test]
fn a_disaggregated_requests_first_decode_step_proposes_nothing() {
    // Prefilled elsewhere; on the decode instance step 1 emits token 1 (its KV just
    // arrived), then two verify steps of 4 emit tokens 2-9.
    let mut c = traced(1, 1, 0, Decider::Always, &[(0.0, 100, 9, None)]);
    c.engine.speculative = speculative(SpecMethod::Ngram, 3, 1.0);
    let report = pdsim::run(&c).unwrap();
    let s = report.summary.speculative.as_ref().unwrap();
    assert_eq!((s.verify_steps, s.tokens_per_step), (2, 4.0));
    let decode = report
        .instances
        .iter()
        .find(|i| i.decode_tokens > 0)
        .unwrap();
    assert_eq!((decode.steps, decode.decode_tokens), (3, 9));
}

#[test]
fn kv_under_pressure_preempts_and_every_request_completes() {
    // Few KV blocks: verify steps reserve k + 1 slots, so decoders are preempted and
    // recomputed; every block comes back (the pool checks releases in debug builds).
    let mut c = crate::common::one_unified();
    c.workload.requests = Some(300);
    c.engine.kv_cache_blocks = Some(600);
    c.engine.speculative = speculative(SpecMethod::Eagle, 5, 0.6);
    let report = pdsim::run(&c).unwrap();
    assert_eq!(report.summary.completed, 300);
    assert!(report.summary.preemptions > 0);
    let again = pdsim::run(&c).unwrap();
    assert_eq!(
        serde_json::to_string(&report).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
    c.seed += 1;
    let other = pdsim::run(&c).unwrap();
    assert_ne!(report.summary.speculative, other.summary.speculative);
}

#[test]
fn off_is_null_in_the_report() {
    // The field stays (reports keep one shape, which the playground's bincode needs), null.
    let report = pdsim::run(&crate::common::one_unified()).unwrap();
    assert_eq!(report.summary.speculative, None);
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(json.matches("\"speculative\"").count(), 1);
    assert!(json.contains("\"speculative\":null"));
}

#[test]
fn bad_settings_are_refused_by_field() {
    let cases = [
        (
            r#"{"method": "eagle", "tokens": 0, "acceptance": 0.5}"#,
            "engine.speculative.tokens",
        ),
        (
            r#"{"method": "eagle", "tokens": 17, "acceptance": 0.5}"#,
            "engine.speculative.tokens",
        ),
        (
            r#"{"method": "eagle", "tokens": 3, "acceptance": 1.5}"#,
            "engine.speculative.acceptance",
        ),
        (
            r#"{"method": "eagle", "tokens": 3, "acceptance": [0.5, 0.5]}"#,
            "engine.speculative.acceptance",
        ),
        (
            r#"{"method": "eagle", "tokens": 2, "acceptance": [0.5, -1]}"#,
            "engine.speculative.acceptance[1]",
        ),
        (
            r#"{"method": "draft", "tokens": 3, "acceptance": 0.5}"#,
            "engine.speculative.draft_model",
        ),
        (
            r#"{"method": "draft", "tokens": 3, "acceptance": 0.5, "draft_model": "nope"}"#,
            "engine.speculative.draft_model",
        ),
        (
            r#"{"method": "mtp", "tokens": 3, "acceptance": 0.5, "draft_model": "llama-3.1-8b"}"#,
            "engine.speculative.draft_model",
        ),
        (
            r#"{"method": "draft", "tokens": 3, "acceptance": 0.5, "draft_model": {"layers": 0, "hidden": 64, "heads": 8, "kv_heads": 8, "head_dim": 8, "intermediate": 128}}"#,
            "engine.speculative.draft_model.layers",
        ),
    ];
    for (spec, field) in cases {
        let json = format!(r#"{{"engine": {{"speculative": {spec}}}}}"#);
        let err = pdsim::run_json(&json).unwrap_err();
        assert_eq!(err.field(), field, "{spec}: {err}");
    }
    // Unknown methods are refused by the parser, naming the field.
    let err = pdsim::run_json(
        r#"{"engine": {"speculative": {"method": "medusa", "tokens": 3, "acceptance": 0.5}}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("engine.speculative"), "{err}");
}

#[test]
fn the_planner_simulates_candidates_with_the_speculation() {
    let mut config = crate::common::one_unified();
    config.workload.requests = Some(200);
    config.engine.speculative = speculative(SpecMethod::Eagle, 3, 0.7);
    let mut request = pdsim::plan::PlanRequest::new(config.clone(), 2);
    request.targets.tpot_ms = Some(20.0);
    let candidates = pdsim::plan::candidates(&request).unwrap();
    let candidate = pdsim::plan::candidate_config(&request, &candidates[0], 5.0);
    assert_eq!(candidate.engine, config.engine);
    // And it matters: the same candidate without speculation decodes slower.
    let mut plain = candidate.clone();
    plain.engine.speculative = None;
    let (with, without) = (pdsim::run(&candidate).unwrap(), pdsim::run(&plain).unwrap());
    assert!(with.summary.tpot_ms.mean < 0.6 * without.summary.tpot_ms.mean);
}
