//! Checking a plan request before any candidate runs.

use super::inputs::{check_attainment, check_gpus, check_limit, check_rate, check_requests};
use super::types::{Objective, PlanRequest};
use crate::config::Decider;
use crate::error::Error;

/// Checks the request's own fields (the config is checked with each candidate).
pub fn check_request(request: &PlanRequest) -> Result<(), Error> {
    let t = &request.targets;
    // The typed-in inputs' checks, with their messages (the CLI and the page run them on
    // what was typed; here on the request built from it).
    check_gpus(f64::from(request.gpus))?;
    check_limit(t.ttft_ms, "targets.ttft_ms")?;
    check_limit(t.tpot_ms, "targets.tpot_ms")?;
    if t.ttft_ms.is_none() && t.tpot_ms.is_none() {
        return Err(Error::invalid(
            "targets",
            "give a TTFT limit, a TPOT limit or both: without one, every rate meets the targets",
        ));
    }
    check_attainment(t.attainment)?;
    check_requests(request.config.workload.requests.map(|n| n as f64))?;
    check_rate(t.rate_per_s)?;
    if request.objective == Objective::Gpus && t.rate_per_s.is_none() {
        return Err(Error::invalid(
            "targets.rate_per_s",
            "objective 'gpus' finds the fewest GPUs for a rate: give the rate to carry, in req/s",
        ));
    }
    let s = &request.space;
    for id in &s.hardware {
        if crate::presets::gpu(id).is_none() {
            return Err(Error::invalid(
                "space.hardware",
                format!(
                    "unknown GPU '{id}'; use catalog ids: {}",
                    crate::presets::GPU_IDS.join(", ")
                ),
            ));
        }
    }
    for &ep in &s.ep {
        if !(1..=64).contains(&ep) {
            return Err(Error::invalid(
                "space.ep",
                format!("each degree must be between 1 and 64 GPUs, got {ep}"),
            ));
        }
    }
    if !s.aggregated && !s.disaggregated {
        return Err(Error::invalid(
            "space",
            "consider aggregated layouts, disaggregated ones, or both",
        ));
    }
    for &tp in &s.tp {
        if !(1..=64).contains(&tp) {
            return Err(Error::invalid(
                "space.tp",
                format!("each degree must be between 1 and 64 GPUs, got {tp}"),
            ));
        }
    }
    for d in &s.deciders {
        let threshold = d.decider.reads_threshold();
        if d.decider == Decider::Never {
            return Err(Error::invalid(
                "space.deciders",
                "'never' does not disaggregate; aggregated layouts are searched with space.aggregated",
            ));
        }
        if threshold != d.threshold_tokens.is_some() {
            return Err(Error::invalid(
                "space.deciders",
                format!(
                    "'{}' {}",
                    d.decider.id(),
                    if threshold {
                        "needs a threshold"
                    } else {
                        "takes no threshold"
                    }
                ),
            ));
        }
    }
    if !(1..=1000).contains(&s.max_probes) {
        return Err(Error::invalid(
            "space.max_probes",
            format!("must be between 1 and 1000, got {}", s.max_probes),
        ));
    }
    if s.max_candidates < 1 {
        return Err(Error::invalid("space.max_candidates", "must be at least 1"));
    }
    if !(s.rate_tolerance.is_finite() && s.rate_tolerance >= 0.001 && s.rate_tolerance <= 1.0) {
        return Err(Error::invalid(
            "space.rate_tolerance",
            format!("must be between 0.001 and 1, got {}", s.rate_tolerance),
        ));
    }
    if !(s.max_rate_per_gpu.is_finite() && s.max_rate_per_gpu > 0.0) {
        return Err(Error::invalid(
            "space.max_rate_per_gpu",
            format!(
                "must be a finite number > 0 req/s, got {}",
                s.max_rate_per_gpu
            ),
        ));
    }
    let w = &request.config.workload;
    if w.trace.is_some() {
        return Err(Error::invalid(
            "workload.trace",
            "a replayed trace has fixed arrival times, but the planner varies the arrival rate; \
             use a generated workload (requests, arrival, lengths)",
        ));
    }
    if w.closed_loop.is_some() {
        return Err(Error::invalid(
            "workload.closed_loop",
            "a closed loop sets its own arrival rate (users and think time), but the planner \
             varies the rate of open-loop arrivals; remove closed_loop, or compare user counts \
             with pdsim sweep --param workload.closed_loop.users",
        ));
    }
    let rate = w.arrival.rate_per_s;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(Error::invalid(
            "workload.arrival.rate_per_s",
            format!("must be a finite number > 0 req/s (the search starts from it), got {rate}"),
        ));
    }
    Ok(())
}
