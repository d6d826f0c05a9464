//! Ranking, the best layout and the Pareto frontiers.

use std::cmp::Ordering;

use super::{exclusions, CandidateResult, Objective, Plan, PlanRequest};
use crate::error::Error;

/// Lower $ per million output tokens first; a candidate without a price last.
fn cheaper(a: &CandidateResult, b: &CandidateResult) -> Ordering {
    let key = |r: &CandidateResult| r.usd_per_m_output_tokens.unwrap_or(f64::INFINITY);
    key(a).total_cmp(&key(b))
}

/// Best first, by the objective; then higher rate per GPU, higher total rate, lower p90
/// TTFT, lower id. Every key is a total order, so the ranking never depends on input order.
fn rank(objective: Objective, a: &CandidateResult, b: &CandidateResult) -> Ordering {
    b.meets_targets
        .cmp(&a.meets_targets)
        .then_with(|| {
            if !a.meets_targets {
                return Ordering::Equal;
            }
            let first = match objective {
                Objective::Rate => Ordering::Equal,
                Objective::Cost => cheaper(a, b),
                Objective::Gpus => a
                    .candidate
                    .gpus
                    .cmp(&b.candidate.gpus)
                    .then_with(|| cheaper(a, b)),
            };
            first
                .then_with(|| b.rate_per_gpu.total_cmp(&a.rate_per_gpu))
                .then_with(|| b.rate_per_s.total_cmp(&a.rate_per_s))
                .then_with(|| a.ttft_ms.p90.total_cmp(&b.ttft_ms.p90))
        })
        .then_with(|| a.candidate.id.cmp(&b.candidate.id))
}

/// The ids of the points not dominated by another: `(id, throughput, latency)` with higher
/// throughput and lower latency better. A point is dominated when another is at least as
/// good on both axes and better on one. Returned by throughput, highest first (ties by
/// latency, then id).
pub fn frontier(points: &[(u32, f64, f64)]) -> Vec<u32> {
    let mut on: Vec<(u32, f64, f64)> = points
        .iter()
        .filter(|&&(id, x, y)| {
            !points
                .iter()
                .any(|&(other, ox, oy)| other != id && ox >= x && oy <= y && (ox > x || oy < y))
        })
        .copied()
        .collect();
    crate::sorting::sort_by(&mut on, |a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.2.total_cmp(&b.2))
            .then_with(|| a.0.cmp(&b.0))
    });
    on.into_iter().map(|(id, _, _)| id).collect()
}

/// Ranks `results` (from [`super::evaluate`], in any order, e.g. as workers finish),
/// picks the best and the frontiers of the candidates that meet the targets, and lists
/// the exclusions. The same results give the same plan whatever their order.
pub fn summarize(request: &PlanRequest, mut results: Vec<CandidateResult>) -> Result<Plan, Error> {
    let excluded = exclusions(request)?;
    crate::sorting::sort_by(&mut results, |a, b| rank(request.objective, a, b));
    let meeting: Vec<&CandidateResult> = results.iter().filter(|r| r.meets_targets).collect();
    let points = |latency: fn(&CandidateResult) -> f64| -> Vec<(u32, f64, f64)> {
        meeting
            .iter()
            .map(|r| (r.candidate.id, r.rate_per_gpu, latency(r)))
            .collect()
    };
    let frontier_ttft = frontier(&points(|r| r.ttft_ms.p90));
    let frontier_tpot = frontier(&points(|r| r.tpot_ms.p90));
    let model = crate::validate::resolve_model(&request.config.model)
        .map(|m| m.name)
        .unwrap_or_default();
    let hardware = crate::validate::resolve_gpu(&request.config.hardware, "hardware")
        .map(|g| g.name)
        .unwrap_or_default();
    let warnings = meeting
        .first()
        .map(|best| short_run(best))
        .into_iter()
        .flatten()
        .collect();
    Ok(Plan {
        model,
        hardware,
        gpus: request.gpus,
        targets: request.targets.clone(),
        objective: request.objective,
        inherited: request.inherited.clone(),
        meeting: meeting.len() as u32,
        runs: results.iter().map(|r| r.probes.len() as u64).sum(),
        best: meeting.first().map(|r| (*r).clone()),
        frontier_ttft,
        frontier_tpot,
        candidates: results,
        excluded,
        warnings,
    })
}

/// Arrivals spanning fewer than this many mean end-to-end latencies are mostly warm-up
/// and drain.
const MIN_SPAN_E2E: f64 = 10.0;
/// A 5% overload shows in TTFT only after `ttft / 5%` of arrivals; ask for this many
/// TTFT limits.
const MIN_SPAN_TTFT: f64 = 20.0;

/// A warning when the best candidate's run is too short to tell a steady state from a
/// burst: its requests arrive within a few of their own latencies.
fn short_run(best: &CandidateResult) -> Option<String> {
    let requests = best.config.workload.requests? as f64;
    let span_s = requests / best.rate_per_s;
    let e2e_s = best.e2e_ms.mean / 1e3;
    let ttft_s = best.config.slo.ttft_ms.unwrap_or(0.0) / 1e3;
    let need_s = (MIN_SPAN_E2E * e2e_s).max(MIN_SPAN_TTFT * ttft_s);
    (span_s < need_s).then(|| {
        let enough = super::round_significant(need_s * best.rate_per_s, 2);
        format!(
            "the best layout's {requests} requests arrive within {span_s:.1} s at {} req/s, less \
             than {MIN_SPAN_E2E} mean end-to-end latencies ({e2e_s:.2} s each) or \
             {MIN_SPAN_TTFT} TTFT limits: the run is mostly warm-up and drain, so the rate \
             found is a burst's rather than a steady state's, and optimistic; give \
             workload.requests at least {enough}",
            best.rate_per_s
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominated_points_are_off_the_frontier() {
        // 1 beats 0 on both axes; 2 trades throughput for latency; 3 ties 2 exactly.
        let points = [
            (0, 1.0, 50.0),
            (1, 2.0, 40.0),
            (2, 1.5, 30.0),
            (3, 1.5, 30.0),
            (4, 2.0, 45.0),
        ];
        assert_eq!(frontier(&points), vec![1, 2, 3]);
        assert!(frontier(&[]).is_empty());
    }
}
