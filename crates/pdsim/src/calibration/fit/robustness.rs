//! The fit's robustness, measured on planted deployments (tests only): factors planted on a
//! few configs (one instance with mixed and with prefill-first steps, and 1 prefill + 1 decode; the
//! shipped H100 step-time model and one whose kernel factors are moved by under 1%, as a
//! refit moves them), the measurements of a low-rate run made by pdsim with them, a fit
//! from the defaults, and a run at 3.5 times the rate, never seen, predicted.
//! The two `..._is_robust_on_planted_deployments` tests are the harness (ignored: minutes in release;
//! `cargo test --release -p pdsim --lib robustness -- --ignored --nocapture` prints its
//! table); [`a_fixed_set_of_planted_deployments_is_predicted`] asserts a few of its cases.

use super::*;
use crate::config::{Decider, HardwareSpec, Scheduler};

/// Measured records made by pdsim itself: 240 requests generated at `rate_per_s` (seed
/// `seed`), replayed on `config` with the planted `factors`.
pub(super) fn planted(
    config: &Config,
    factors: &Factors,
    rate_per_s: f64,
    seed: u64,
) -> Vec<Measured> {
    let mut generated = config.clone();
    generated.workload.arrival.rate_per_s = rate_per_s;
    generated.workload.requests = Some(240);
    generated.seed = seed;
    let records: Vec<Measured> = crate::run(&generated)
        .unwrap()
        .requests
        .iter()
        .map(|r| Measured {
            record: TraceRecord::new(r.arrival_ms, r.input_tokens, r.output_tokens),
            ttft_ms: 1.0,
            tpot_ms: None,
        })
        .collect();
    let mut truth = replay(config, &records);
    factors.apply(&mut truth);
    let report = crate::run(&truth).unwrap();
    report
        .requests
        .iter()
        .map(|r| Measured {
            record: records[r.id as usize].record.clone(),
            ttft_ms: r.ttft_ms.unwrap(),
            tpot_ms: r.tpot_ms,
        })
        .collect()
}

/// The summary a benchmark would print for `config` run with the planted `factors`.
pub(super) fn planted_summary(config: &Config, factors: &Factors) -> MeasuredSummary {
    let mut truth = config.clone();
    factors.apply(&mut truth);
    let report = crate::run(&summary_run(&truth)).unwrap();
    let pairs: Vec<(&str, f64)> = Statistic::ALL
        .iter()
        .map(|s| (s.name(), s.of(&report.summary)))
        .collect();
    MeasuredSummary::new(&pairs).unwrap()
}

/// The H100's kernel factors of a refit that was not kept (commit 5b9220b): each within 1%
/// of the shipped ones or equal, a step-time model a deployment's fit could as well meet.
const H100_REFIT: [f64; 34] = [
    0.84, 0.5819, 0.882, 0.6668, 5.097, 3.639, 63.52, 1.588, 67.95, 0.6035, 34.47, 12.96, 0.875,
    0.7256, 13.05, 0.4476, 0.9161, 0.8123, 0.9724, 0.9524, 5.228, 0.8661, 23.66, 4.725, 0.5065,
    0.614, 0.7294, 7.84, 4.571, 0.2931, 0.4065, 9.168, 10.29, 3.957,
];

/// Where the deployment's instances are.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// One instance that prefills and decodes.
    Unified,
    /// One prefill and one decode instance, every request disaggregated.
    OneByOne,
}

/// The step-time model under the planted factors.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Base {
    /// The shipped H100 factors.
    Shipped,
    /// [`H100_REFIT`].
    Refit,
}

/// How the measurements are given to the fit.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// Per-request records ([`fit`]).
    PerRequest,
    /// The twelve summary statistics of the run ([`fit_summary`]).
    Summary,
}

/// One planted deployment.
#[derive(Clone, Copy, Debug)]
struct Case {
    kind: Kind,
    layout: Layout,
    scheduler: Scheduler,
    base: Base,
    truth: Factors,
    seed: u64,
}

/// The rate of the run the fit sees, in requests/s (decode batches of one to about six).
const SEEN_RATE: f64 = 4.0;

/// The rate of the run predicted, never seen, in requests/s.
const UNSEEN_RATE: f64 = 14.0;

/// A Llama-3.1-8B H100 deployment serving outputs long and varied enough that the decode
/// batches grow and shrink over a run.
fn deployment(layout: Layout, scheduler: Scheduler, base: Base) -> Config {
    let mut c = Config::default();
    match layout {
        Layout::Unified => {
            c.topology.unified.instances = 1;
            c.topology.prefill.instances = 0;
            c.topology.decode.instances = 0;
            c.disaggregation.decider = Decider::Never;
        }
        Layout::OneByOne => {
            c.topology.unified.instances = 0;
            c.topology.prefill.instances = 1;
            c.topology.decode.instances = 1;
            c.disaggregation.decider = Decider::Always;
        }
    }
    c.engine.scheduler = scheduler;
    if base == Base::Refit {
        let mut gpu = crate::presets::gpu("h100-sxm").unwrap();
        let mut e = crate::calibration::Efficiency::generic();
        for (slot, value) in e.values_mut().into_iter().zip(H100_REFIT) {
            *slot = value;
        }
        gpu.efficiency = Some(Box::new(e));
        c.hardware = HardwareSpec::Custom(gpu);
    }
    c.workload.requests = Some(240);
    c.workload.output_tokens = LengthDist::Normal {
        mean: 128.0,
        std: 64.0,
        min: Some(2),
        max: Some(256),
    };
    c
}

/// What one fit found and how well it predicted the unseen rate.
#[derive(Clone, Copy, Debug)]
struct Outcome {
    found: Factors,
    /// The fit's objective on what it saw.
    in_sample: f64,
    /// Relative errors of TTFT p50, TTFT p90 and TPOT p50 at [`UNSEEN_RATE`].
    predicted: [f64; 3],
}

impl Outcome {
    /// Every prediction within 5%.
    fn predicts(&self) -> bool {
        self.predicted.iter().all(|e| e.abs() <= 0.05)
    }
}

/// Whether `found` is within 35% of the planted cost per sequence (for a planted 0, below
/// 35% of the smallest planted non-zero one, 0.03 ms).
fn cost_per_sequence_found(found: f64, planted: f64) -> bool {
    if planted == 0.0 {
        found < 0.35 * 0.03
    } else {
        (found / planted - 1.0).abs() <= 0.35
    }
}

fn run_case(case: &Case) -> Outcome {
    let config = deployment(case.layout, case.scheduler, case.base);
    let unseen_seed = case.seed + 100;
    match case.kind {
        Kind::PerRequest => {
            let measured = planted(&config, &case.truth, SEEN_RATE, case.seed);
            let fitted = fit(&config, &measured).unwrap();
            assert!(fitted.evaluations <= EVALUATIONS, "{}", fitted.evaluations);
            let unseen = planted(&config, &case.truth, UNSEEN_RATE, unseen_seed);
            let e = error(&replay(&fitted.config, &unseen), &unseen).unwrap();
            Outcome {
                found: fitted.factors,
                in_sample: fitted.after.objective,
                predicted: [e.ttft_p50, e.ttft_p90, e.tpot_p50],
            }
        }
        Kind::Summary => {
            let mut seen = config.clone();
            seen.workload.arrival.rate_per_s = SEEN_RATE;
            seen.seed = case.seed;
            let measured = planted_summary(&seen, &case.truth);
            let fitted = fit_summary(&seen, &measured).unwrap();
            assert!(fitted.evaluations <= EVALUATIONS, "{}", fitted.evaluations);
            let mut unseen = config;
            unseen.workload.arrival.rate_per_s = UNSEEN_RATE;
            unseen.seed = unseen_seed;
            let unseen_measured = planted_summary(&unseen, &case.truth);
            fitted.factors.apply(&mut unseen);
            let e = summary_error(&unseen, &unseen_measured).unwrap();
            let of = |s: Statistic| e.relative.iter().find(|r| r.0 == s).unwrap().1;
            Outcome {
                found: fitted.factors,
                in_sample: fitted.after.objective,
                predicted: [
                    of(Statistic::TtftP50),
                    of(Statistic::TtftP90),
                    of(Statistic::TpotP50),
                ],
            }
        }
    }
}

/// The planted engines besides their cost per sequence: (prefill efficiency, decode
/// efficiency, fixed step overhead in ms).
const ENGINES: [(f64, f64, f64); 2] = [(0.8, 0.9, 0.5), (1.1, 0.75, 0.15)];

/// The planted costs per sequence, in ms.
const COSTS_PER_SEQUENCE: [f64; 4] = [0.0, 0.03, 0.08, 0.15];

fn truth(engine: (f64, f64, f64), per_seq_ms: f64) -> Factors {
    Factors {
        prefill_efficiency: engine.0,
        decode_efficiency: engine.1,
        step_overhead_ms: engine.2,
        step_overhead_per_seq_ms: per_seq_ms,
        kv_bandwidth_gb_per_s: None,
        frontend_latency_ms: 0.0,
    }
}

/// Runs `cases`, prints one line per case and a summary per kind, and returns the outcomes.
fn report(cases: &[Case]) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for case in cases {
        let o = run_case(case);
        let f = o.found;
        println!(
            "{:?} {:?} {:?} {:?} seed {} planted pe {} de {} o {} q {} | found pe {:.3} de {:.3} \
             o {:.4} q {:.4} fe {:.1} | in-sample {:.4} | unseen TTFT p50 {:+.3} p90 {:+.3} \
             TPOT p50 {:+.3} {}",
            case.kind,
            case.layout,
            case.scheduler,
            case.base,
            case.seed,
            case.truth.prefill_efficiency,
            case.truth.decode_efficiency,
            case.truth.step_overhead_ms,
            case.truth.step_overhead_per_seq_ms,
            f.prefill_efficiency,
            f.decode_efficiency,
            f.step_overhead_ms,
            f.step_overhead_per_seq_ms,
            f.frontend_latency_ms,
            o.in_sample,
            o.predicted[0],
            o.predicted[1],
            o.predicted[2],
            if o.predicts() { "ok" } else { "MISS" },
        );
        outcomes.push(o);
    }
    for kind in [Kind::PerRequest, Kind::Summary] {
        let of_kind: Vec<(&Case, &Outcome)> = cases
            .iter()
            .zip(&outcomes)
            .filter(|(c, _)| c.kind == kind)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        let n = of_kind.len();
        let count =
            |p: &dyn Fn(&Case, &Outcome) -> bool| of_kind.iter().filter(|(c, o)| p(c, o)).count();
        let within = |i: usize| count(&|_, o: &Outcome| o.predicted[i].abs() <= 0.05);
        println!(
            "{kind:?}: {n} cases; within 5%: TTFT p50 {}, TTFT p90 {}, TPOT p50 {}, all three {}; \
             cost per sequence within 35% {}; median |TPOT p50 error| {:.3}",
            within(0),
            within(1),
            within(2),
            count(&|_, o| o.predicts()),
            count(&|c, o| cost_per_sequence_found(
                o.found.step_overhead_per_seq_ms,
                c.truth.step_overhead_per_seq_ms
            )),
            {
                let mut e: Vec<f64> = of_kind.iter().map(|(_, o)| o.predicted[2].abs()).collect();
                e.sort_by(f64::total_cmp);
                e[e.len() / 2]
            },
        );
    }
    outcomes
}

/// Every planted case of the harness, of one fit kind.
fn all_cases(kind: Kind) -> Vec<Case> {
    let mut cases = Vec::new();
    // (Disaggregated, the scheduler does not matter: the prefill instance runs no decodes
    // and the decode instance no prompts.)
    for (layout, scheduler) in [
        (Layout::Unified, Scheduler::Mixed),
        (Layout::Unified, Scheduler::PrefillFirst),
        (Layout::OneByOne, Scheduler::Mixed),
    ] {
        {
            for base in [Base::Shipped, Base::Refit] {
                for engine in ENGINES {
                    for q in COSTS_PER_SEQUENCE {
                        for seed in [1, 2] {
                            cases.push(Case {
                                kind,
                                layout,
                                scheduler,
                                base,
                                truth: truth(engine, q),
                                seed,
                            });
                        }
                    }
                }
            }
        }
    }
    cases
}

#[test]
#[ignore = "the harness: minutes in release; run with --ignored --nocapture"]
fn the_per_request_fit_is_robust_on_planted_deployments() {
    report(&all_cases(Kind::PerRequest));
}

#[test]
#[ignore = "the harness: minutes in release; run with --ignored --nocapture"]
fn the_summary_fit_is_robust_on_planted_deployments() {
    report(&all_cases(Kind::Summary));
}

#[test]
fn a_fixed_set_of_planted_deployments_is_predicted() {
    // Two of the harness's cases that the search missed when it looked for the cost per
    // sequence along a valley anchored on the overhead found without it: per-request
    // records of one instance whose step-time model is the refit H100's (found then:
    // 0.0006 ms per sequence; at 3.5 times the rate TTFT p50 -8%, TPOT p50 -12%), and the
    // summary of a 1 prefill + 1 decode deployment (found then: 0 ms, TPOT p50 -15%).
    let cases = [
        Case {
            kind: Kind::PerRequest,
            layout: Layout::Unified,
            scheduler: Scheduler::Mixed,
            base: Base::Refit,
            truth: truth(ENGINES[0], 0.08),
            seed: 1,
        },
        Case {
            kind: Kind::Summary,
            layout: Layout::OneByOne,
            scheduler: Scheduler::Mixed,
            base: Base::Shipped,
            truth: truth(ENGINES[0], 0.15),
            seed: 1,
        },
    ];
    for (case, o) in cases.iter().zip(report(&cases)) {
        assert!(o.predicts(), "{case:?} {o:?}");
        assert!(
            cost_per_sequence_found(
                o.found.step_overhead_per_seq_ms,
                case.truth.step_overhead_per_seq_ms
            ),
            "{case:?} {o:?}"
        );
    }
}
