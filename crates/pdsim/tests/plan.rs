//! The capacity planner: rates that hold and the ones just above that do not, frontiers
//! without dominated layouts, the same plan whatever order the results come in, and
//! errors that name what to change.

use pdsim::config::Decider;
use pdsim::plan::{
    self, Bound, CandidateResult, DeciderChoice, LayoutKind, Plan, PlanRequest, Status, Targets,
};
use pdsim::Config;

/// The default scenario with fewer requests, on a small budget: quick in debug builds.
fn request(gpus: u32) -> PlanRequest {
    let mut config = Config::default();
    config.workload.requests = Some(300);
    let mut r = PlanRequest::new(config, gpus);
    r.targets = Targets {
        ttft_ms: Some(150.0),
        tpot_ms: Some(11.0),
        attainment: 0.9,
        rate_per_s: None,
    };
    r.space.tp = vec![1, 2];
    r.space.deciders = vec![
        DeciderChoice {
            decider: Decider::Always,
            threshold_tokens: None,
        },
        DeciderChoice {
            decider: Decider::PrefixThreshold,
            threshold_tokens: Some(1024),
        },
    ];
    r
}

fn planned(r: &PlanRequest) -> Plan {
    plan::plan(r).expect("a plan")
}

#[test]
fn candidates_fill_the_budget_in_a_fixed_order() {
    let r = request(6);
    let list = plan::candidates(&r).unwrap();
    assert_eq!(
        list.iter().map(|c| c.id).collect::<Vec<_>>(),
        (0..list.len() as u32).collect::<Vec<_>>()
    );
    // Aggregated first: 6 x TP1 and 3 x TP2.
    assert_eq!(list[0].kind, LayoutKind::Aggregated);
    assert_eq!((list[0].unified.instances, list[0].unified.tp), (6, 1));
    assert_eq!((list[1].unified.instances, list[1].unified.tp), (3, 2));
    for c in &list {
        assert!(c.gpus <= 6, "{} uses {} GPUs", c.label, c.gpus);
        if c.kind == LayoutKind::Disaggregated {
            assert!(
                c.prefill.instances >= 1 && c.decode.instances >= 1,
                "{}",
                c.label
            );
            // No instance of either pool could be added.
            let spare = 6 - c.gpus;
            assert!(spare < c.prefill.tp.min(c.decode.tp), "{}", c.label);
        }
    }
    // TP1/TP1: 5 splits; TP1/TP2: P = 2, 4 (D = 2, 1); TP2/TP1: D = 2, 4; TP2/TP2: 2 splits.
    let disagg = list.len() - 2;
    assert_eq!(disagg, (5 + 2 + 2 + 2) * 2);
    // The same request lists the same candidates.
    assert_eq!(plan::candidates(&r).unwrap(), list);
}

#[test]
fn the_best_rate_meets_the_targets_and_five_percent_more_misses() {
    let r = request(4);
    let p = planned(&r);
    let best = p.best.clone().expect("a layout meets these targets");
    assert!(best.meets_targets && best.status == Status::Meets && best.converged);
    assert!(best.attainment >= 0.9);
    assert_eq!(
        best.rate_per_gpu,
        best.rate_per_s / f64::from(best.candidate.gpus)
    );
    // The candidate's config, run again, gives exactly its numbers.
    let report = pdsim::run(&best.config).unwrap();
    assert_eq!(best.config.workload.arrival.rate_per_s, best.rate_per_s);
    assert_eq!(report.summary.slo_attainment, best.attainment);
    assert_eq!(report.summary.ttft_ms, best.ttft_ms);
    assert_eq!(report.summary.tpot_ms, best.tpot_ms);
    // Through JSON too, as `pdsim run` reads it.
    let text = serde_json::to_string(&best.config).unwrap();
    let again = pdsim::run(&Config::from_json(&text).unwrap()).unwrap();
    assert_eq!(again.summary, report.summary);
    // 5% more traffic misses.
    let mut more = best.config.clone();
    more.workload.arrival.rate_per_s = plan::confirm_rate(best.rate_per_s);
    assert!((more.workload.arrival.rate_per_s / best.rate_per_s - 1.05).abs() < 1e-12);
    let missed = pdsim::run(&more).unwrap();
    assert!(
        missed.summary.slo_attainment < 0.9,
        "{} at {} req/s",
        missed.summary.slo_attainment,
        more.workload.arrival.rate_per_s
    );
    let miss = best.miss.expect("the confirming run");
    assert_eq!(miss.attainment, missed.summary.slo_attainment);
    // Which target it names is the one below 90% alone.
    match best.bound_by.expect("a bound") {
        Bound::Ttft => assert!(miss.ttft_attainment < 0.9 && miss.tpot_attainment >= 0.9),
        Bound::Tpot => assert!(miss.tpot_attainment < 0.9 && miss.ttft_attainment >= 0.9),
        Bound::Both | Bound::Dropped => {}
        Bound::RateCap => panic!("the cap is far above"),
    }
    // Every other candidate that meets the targets holds at its own rate, too.
    for c in p.candidates.iter().filter(|c| c.meets_targets).take(5) {
        let report = pdsim::run(&c.config).unwrap();
        assert_eq!(
            report.summary.slo_attainment, c.attainment,
            "{}",
            c.candidate.label
        );
    }
}

fn dominates(a: &CandidateResult, b: &CandidateResult) -> bool {
    a.rate_per_gpu > b.rate_per_gpu
        && a.ttft_ms.p90 < b.ttft_ms.p90
        && a.tpot_ms.p90 < b.tpot_ms.p90
}

#[test]
fn a_layout_worse_on_every_axis_is_never_on_the_frontier() {
    let p = planned(&request(4));
    let meeting: Vec<&CandidateResult> = p.candidates.iter().filter(|c| c.meets_targets).collect();
    assert!(meeting.len() >= 4);
    let mut dominated_pairs = 0;
    for a in &meeting {
        for b in &meeting {
            if dominates(a, b) {
                dominated_pairs += 1;
                let id = b.candidate.id;
                assert!(
                    !p.frontier_ttft.contains(&id),
                    "{} on the TTFT frontier",
                    b.candidate.label
                );
                assert!(
                    !p.frontier_tpot.contains(&id),
                    "{} on the TPOT frontier",
                    b.candidate.label
                );
            }
        }
    }
    assert!(dominated_pairs > 0, "the test needs a dominated layout");
    // And every layout off a frontier is beaten by one on it.
    for c in &meeting {
        if !p.frontier_ttft.contains(&c.candidate.id) {
            assert!(meeting
                .iter()
                .any(|f| p.frontier_ttft.contains(&f.candidate.id)
                    && f.rate_per_gpu >= c.rate_per_gpu
                    && f.ttft_ms.p90 <= c.ttft_ms.p90));
        }
    }
    // The best is the first of the ranking, and on the TTFT frontier's high end.
    let best = p.best.as_ref().unwrap();
    assert_eq!(p.candidates[0].candidate.id, best.candidate.id);
    assert!(meeting.iter().all(|c| c.rate_per_gpu <= best.rate_per_gpu));
    assert_eq!(p.frontier_ttft.first(), Some(&best.candidate.id));
}

#[test]
fn the_plan_does_not_depend_on_the_order_results_arrive_in() {
    let r = request(3);
    let list = plan::candidates(&r).unwrap();
    let results: Vec<CandidateResult> = list.iter().map(|c| plan::evaluate(&r, c)).collect();
    let forward = plan::summarize(&r, results.clone()).unwrap();
    let mut shuffled = results.clone();
    shuffled.reverse();
    shuffled.rotate_left(list.len() / 3);
    assert_eq!(plan::summarize(&r, shuffled).unwrap(), forward);
    // Evaluating a candidate again gives the same answer.
    assert_eq!(plan::evaluate(&r, &list[1]), results[1]);
    assert_eq!(
        forward.runs,
        results.iter().map(|r| r.probes.len() as u64).sum::<u64>()
    );
}

#[test]
fn targets_no_layout_meets_are_misses_with_the_reason() {
    let mut r = request(2);
    r.targets.ttft_ms = Some(1.0);
    let p = planned(&r);
    assert!(p.best.is_none());
    assert_eq!(p.meeting, 0);
    for c in &p.candidates {
        assert_eq!(c.status, Status::Misses, "{}", c.candidate.label);
        assert!(!c.meets_targets);
        assert_eq!(c.bound_by, Some(Bound::Ttft));
        let reason = c.reason.as_deref().unwrap();
        assert!(reason.contains("even at"), "{reason}");
        // Two runs and the final one: the start rate and the floor.
        assert!(c.probes.len() <= 3, "{:?}", c.probes);
    }
}

#[test]
fn bad_requests_name_the_field() {
    let field = |r: &PlanRequest| plan::candidates(r).unwrap_err().field().to_string();
    let mut r = request(4);
    r.gpus = 0;
    assert_eq!(field(&r), "gpus");
    let mut r = request(4);
    r.targets = Targets::default();
    assert_eq!(field(&r), "targets");
    let mut r = request(4);
    r.targets.attainment = 1.5;
    assert_eq!(field(&r), "targets.attainment");
    let mut r = request(4);
    r.targets.tpot_ms = Some(-1.0);
    assert_eq!(field(&r), "targets.tpot_ms");
    let mut r = request(4);
    r.space.deciders = vec![DeciderChoice {
        decider: Decider::PrefixThreshold,
        threshold_tokens: None,
    }];
    assert_eq!(field(&r), "space.deciders");
    let mut r = request(4);
    r.config.workload.trace = Some(Vec::new());
    assert_eq!(field(&r), "workload.trace");
    let mut r = request(4);
    r.config.workload.closed_loop = Some(pdsim::config::ClosedLoopConfig::default());
    assert_eq!(field(&r), "workload.closed_loop");
    let mut r = request(4);
    r.config.engine.block_size = 0;
    assert_eq!(field(&r), "engine.block_size");
}

#[test]
fn a_budget_too_small_says_how_many_gpus_the_model_needs() {
    let mut r = request(4);
    r.config.model = pdsim::config::ModelSpec::Preset("llama-3.1-405b-fp8".into());
    r.space.tp = Vec::new();
    let err = plan::candidates(&r).unwrap_err();
    assert_eq!(err.field(), "gpus");
    let message = err.to_string();
    assert!(message.contains("at least 8 GPUs"), "{message}");
    assert!(message.contains("does not fit"), "{message}");
    // With 8 GPUs the aggregated TP8 layout fits; the lower degrees are listed as left out.
    r.gpus = 8;
    let list = plan::candidates(&r).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].unified.tp, 8);
    let excluded = plan::exclusions(&r).unwrap();
    assert_eq!(
        excluded.iter().map(|e| e.tp).collect::<Vec<_>>(),
        vec![1, 2, 4]
    );
    assert!(excluded
        .iter()
        .all(|e| e.pool == "unified, prefill, decode"));
}

#[test]
fn a_search_over_the_cap_is_refused_before_any_run() {
    let mut r = request(64);
    r.space.tp = Vec::new();
    r.space.deciders = Vec::new();
    r.space.max_candidates = 100;
    let err = plan::candidates(&r).unwrap_err();
    assert_eq!(err.field(), "space.max_candidates");
    let message = err.to_string();
    assert!(message.contains("more than the cap of 100"), "{message}");
    let count: u64 = message
        .split("the search has ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(count > 100, "{message}");
}

/// One aggregated candidate: 2 unified TP1 instances.
fn one_candidate() -> PlanRequest {
    let mut r = request(2);
    r.space.tp = vec![1];
    r.space.disaggregated = false;
    r
}

#[test]
fn targets_met_at_every_rate_stop_at_the_rate_cap() {
    let mut r = one_candidate();
    r.targets.ttft_ms = Some(1e9);
    r.targets.tpot_ms = Some(1e9);
    r.space.max_rate_per_gpu = 50.0;
    let p = planned(&r);
    let best = p.best.expect("meets at any rate");
    assert_eq!(best.bound_by, Some(Bound::RateCap));
    assert_eq!(best.rate_per_s, 100.0);
    assert!(best
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("highest rate probed"));
    assert!(best.probes.iter().all(|p| p.rate_per_s <= 100.0));
}

#[test]
fn the_probe_cap_ends_the_search_unconverged_and_says_so() {
    let mut r = one_candidate();
    r.space.max_probes = 3;
    let c = &plan::candidates(&r).expect("one candidate")[0];
    let result = plan::evaluate(&r, c);
    assert!(!result.converged);
    // Three probes and the final run.
    assert_eq!(result.probes.len(), 4);
    let reason = result.reason.as_deref().unwrap_or("");
    assert!(reason.contains("cap of 3 runs"), "{reason}");
    // What it reports still holds: the final run is the candidate's config.
    assert!(result.meets_targets);
    let report = pdsim::run(&result.config).expect("runs");
    assert_eq!(report.summary.slo_attainment, result.attainment);
}

#[test]
fn a_workload_too_short_for_its_rate_is_flagged() {
    // 300 requests on 4 GPUs arrive within about 3 s, a few end-to-end latencies.
    let p = planned(&request(4));
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(
        p.warnings[0].contains("give workload.requests at least"),
        "{:?}",
        p.warnings
    );
    // Enough requests: no warning.
    let mut r = one_candidate();
    r.config.workload.requests = Some(3000);
    let p = planned(&r);
    assert!(p.best.is_some());
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}
