//! Whether a result can be read at face value: dropped requests and an overloaded cluster,
//! said in words, so that latencies measured on the survivors of a run never pass for good
//! news. One rule for every page: the playground puts these sentences at the top of its
//! results, the lessons (through the JS API's `warnings`) under their charts.

use super::format;
use super::{DropReason, RequestStatus, Role};
use crate::config::Decider;
use crate::{Config, Report};

/// Why requests were dropped, in words, and what helps: (reason id, what happened, remedy).
const REASONS: [(DropReason, &str, &str); 2] = [
    (
        DropReason::DecodeKvFull,
        "the decode instances had no KV room for them",
        "raise decode TP, add decode instances, pick a GPU with more memory, lower the rate \
         or let requests wait for KV room (reservation policy wait)",
    ),
    (
        DropReason::PromptExceedsKv,
        "their prompts need more KV blocks than an instance holds",
        "raise TP, pick a GPU with more memory or shorten the prompts",
    ),
];

/// The sentence about dropped requests, or `None` when none were dropped.
pub fn drops(report: &Report) -> Option<String> {
    let s = &report.summary;
    if s.dropped == 0 {
        return None;
    }
    let mut reasons: Vec<(&DropReason, &u64)> = s
        .dropped_by_reason
        .iter()
        .filter(|(_, n)| **n > 0)
        .collect();
    crate::sorting::sort_by(&mut reasons, |a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let words = |reason: DropReason| {
        REASONS
            .iter()
            .find(|(r, _, _)| *r == reason)
            .map_or(("for another reason", ""), |(_, what, remedy)| {
                (*what, *remedy)
            })
    };
    let head = format!(
        "{} of {} requests dropped",
        format::count(s.dropped),
        format::count(s.injected)
    );
    let body = match reasons.as_slice() {
        [] => String::new(),
        [(&reason, _)] => {
            let (what, remedy) = words(reason);
            let id = reason.id();
            if remedy.is_empty() {
                format!(": {what} ({id})")
            } else {
                format!(": {what} ({id}); {remedy}")
            }
        }
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|(&reason, n)| {
                    let (what, id) = (words(reason).0, reason.id());
                    format!("{} because {what} ({id})", format::count(**n))
                })
                .collect();
            let remedies: Vec<&str> = many
                .iter()
                .map(|(&reason, _)| words(reason).1)
                .filter(|r| !r.is_empty())
                .collect();
            format!(": {}; {}", parts.join(", "), remedies.join("; "))
        }
    };
    Some(format!(
        "{head}{body}. Dropped requests count as SLO misses; the latencies below describe only \
         the {} completed ones.",
        format::count(s.completed)
    ))
}

/// How well the cluster kept up with the arrivals.
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    /// Requests that arrived per second, over the arrival window.
    pub offered_rps: f64,
    /// Requests completed per second of the whole run.
    pub served_rps: f64,
    /// Seconds from the last arrival to the end of the run.
    pub drain_s: f64,
    /// Median TTFT of the first and of the last fifth of the completed requests (by arrival),
    /// in ms, when the per-request records are there.
    pub ttft_trend_ms: Option<(f64, f64)>,
}

/// The median of `values` (nearest rank), sorting them.
fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    crate::sorting::sort_by(values, f64::total_cmp);
    let rank = crate::report::nearest_rank(50, values.len() as u64) as usize;
    values.get(rank - 1).copied()
}

/// The load of a run: offered and served rates, drain time and the TTFT trend.
pub fn load(config: &Config, report: &Report) -> Option<Load> {
    let s = &report.summary;
    if s.injected < 20 || s.duration_s <= 0.0 {
        return None;
    }
    // The last arrival, in s: from the records, else the trace, else the mean rate.
    let last_arrival_s = if let Some(last) = report
        .requests
        .iter()
        .map(|r| r.arrival_ms)
        .reduce(f64::max)
    {
        last / 1000.0
    } else if let Some(trace) = &config.workload.trace {
        trace.iter().map(|r| r.arrival_ms).fold(0.0, f64::max) / 1000.0
    } else if config.workload.arrival.rate_per_s > 0.0 {
        s.injected as f64 / config.workload.arrival.rate_per_s
    } else {
        return None;
    };
    if last_arrival_s <= 0.0 {
        return None;
    }
    let completed: Vec<f64> = report
        .requests
        .iter()
        .filter(|r| r.status == RequestStatus::Completed)
        .filter_map(|r| r.ttft_ms)
        .collect();
    let fifth = completed.len() / 5;
    let ttft_trend_ms = if fifth >= 5 {
        let mut early = completed.get(..fifth).unwrap_or_default().to_vec();
        let mut late = completed
            .get(completed.len() - fifth..)
            .unwrap_or_default()
            .to_vec();
        median(&mut early).zip(median(&mut late))
    } else {
        None
    };
    Some(Load {
        offered_rps: s.injected as f64 / last_arrival_s,
        served_rps: s.throughput_rps,
        drain_s: (s.duration_s - last_arrival_s).max(0.0),
        ttft_trend_ms,
    })
}

impl Load {
    /// Whether the cluster could not keep up: the time to first token of the last requests
    /// grew far beyond that of the first ones (queues grew to the end of the run), or, without
    /// per-request records, requests were served well below the rate they arrived at.
    pub fn overloaded(&self) -> bool {
        match self.ttft_trend_ms {
            Some((early, late)) => late > 3.0 * early && late - early > 2000.0,
            None => self.served_rps < 0.8 * self.offered_rps,
        }
    }
}

/// The sentence about an overloaded cluster, or `None` when it kept up.
pub fn overload(config: &Config, report: &Report) -> Option<String> {
    let load = load(config, report)?;
    if !load.overloaded() {
        return None;
    }
    let trend = load
        .ttft_trend_ms
        .map_or_else(String::new, |(early, late)| {
            format!(
                "; time to first token grew from {} for the first requests to {} for the last ones",
                format::duration(early),
                format::duration(late)
            )
        });
    Some(format!(
        "The cluster cannot keep up: requests arrived at {} req/s but were served at {} req/s{trend}. \
         Queues grow until the run ends, so the latencies depend on the run's length; lower the \
         rate or add instances.",
        format::rate(load.offered_rps),
        format::rate(load.served_rps),
    ))
}

/// Requests still running when a horizon ended the run.
pub fn in_flight(report: &Report) -> Option<String> {
    let s = &report.summary;
    (s.in_flight > 0).then(|| {
        format!(
            "{} of {} requests were still running when the run's time horizon ended; they are \
             not in the latencies.",
            format::count(s.in_flight),
            format::count(s.injected)
        )
    })
}

/// The latency targets of a config in words (`TTFT ≤ 1,000 ms, TPOT ≤ 12.5 ms`), or `None`
/// without any.
pub fn slo_text(config: &Config) -> Option<String> {
    let parts: Vec<String> = [("TTFT", config.slo.ttft_ms), ("TPOT", config.slo.tpot_ms)]
        .into_iter()
        .filter_map(|(what, target)| target.map(|t| format!("{what} ≤ {}", format::duration(t))))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Every warning of a result, most important first.
pub fn warnings(config: &Config, report: &Report) -> Vec<String> {
    [drops(report), overload(config, report), in_flight(report)]
        .into_iter()
        .flatten()
        .collect()
}

/// Pools with instances that did (almost) nothing, with why: e.g. the prefill pool under the
/// `never` decider.
pub fn idle_pools(config: &Config, report: &Report) -> Vec<String> {
    report
        .pools
        .iter()
        .filter(|p| p.instances > 0 && p.utilization < 0.005)
        .map(|p| {
            let gpus: u32 = report
                .instances
                .iter()
                .filter(|i| i.role == p.role)
                .map(|i| i.tp)
                .sum();
            let why = match p.role {
                Role::Prefill if config.disaggregation.decider == Decider::Never => {
                    ": the decider `never` sends it no prompts; these GPUs do nothing in this comparison"
                }
                Role::Prefill => ": the decider sent it (almost) no prompts",
                _ => ": it received (almost) no requests",
            };
            format!(
                "The {} pool ({} instances, {} GPUs) sat idle ({}% busy){why}.",
                p.role.id(),
                p.instances,
                gpus,
                format::percent(p.utilization)
            )
        })
        .collect()
}

/// A note when latency targets are set and no completed request met them (goodput 0): the
/// targets may come from a preset made for another model or GPU.
pub fn slo_note(config: &Config, report: &Report) -> Option<String> {
    let slo = slo_text(config)?;
    let s = &report.summary;
    (s.completed > 0 && s.goodput_rps == 0.0).then(|| {
        format!(
            "No completed request met the latency targets ({slo}), so goodput is 0. The targets \
             may come from a preset made for another model or GPU: change or clear them under \
             Latency targets (SLO)."
        )
    })
}

/// The notes under the warnings: idle pools, then unmet latency targets.
pub fn notes(config: &Config, report: &Report) -> Vec<String> {
    let mut notes = idle_pools(config, report);
    notes.extend(slo_note(config, report));
    notes
}
