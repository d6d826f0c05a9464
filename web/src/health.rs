//! Whether a result can be read at face value: dropped requests and an overloaded cluster,
//! said in words at the top of the results (an element with `role="alert"`), so that
//! latencies measured on the survivors of a run never pass for good news.

use pdsim::report::{DropReason, RequestStatus, Role};
use pdsim::{Config, Report};

use crate::format;

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
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
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
    values.sort_by(f64::total_cmp);
    let rank = pdsim::report::nearest_rank(50, values.len() as u64) as usize;
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
                Role::Prefill if config.disaggregation.decider == pdsim::config::Decider::Never => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use pdsim::config::{HardwareSpec, ModelSpec};

    /// Llama-3.1-70B on 2 prefill + 2 decode H100s at TP 2, ~4k-token prompts at 9 req/s,
    /// reservation policy `drop`: the decode instances run out of KV room for the transferred
    /// prompts.
    pub(crate) fn dropping() -> Config {
        let mut c = pdsim::example("long-prompts-disagg")
            .map(|e| e.config)
            .unwrap_or_default();
        c.model = ModelSpec::Preset("llama-3.1-70b".into());
        c.hardware = HardwareSpec::Preset("h100-sxm".into());
        c.topology.prefill.tp = 2;
        c.topology.decode.tp = 2;
        // Drop (not wait) when a decode instance has no KV room for a transferred prompt.
        c.kv_transfer.reservation = pdsim::config::ReservationPolicy::Drop;
        c.workload.arrival.rate_per_s = 9.0;
        c.output.per_request = true;
        c
    }

    fn run(config: &Config) -> Report {
        pdsim::run(config).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn drops_are_said_with_count_reason_and_remedy() {
        let mut report = Report {
            summary: pdsim::report::Summary {
                injected: 600,
                completed: 399,
                dropped: 201,
                ..Default::default()
            },
            requests: Vec::new(),
            instances: Vec::new(),
            pools: Vec::new(),
            timeline: pdsim::report::Timeline::default(),
        };
        report
            .summary
            .dropped_by_reason
            .insert(DropReason::DecodeKvFull, 201);
        assert_eq!(
            drops(&report).as_deref(),
            Some(
                "201 of 600 requests dropped: the decode instances had no KV room for them \
                 (decode_kv_full); raise decode TP, add decode instances, pick a GPU with more \
                 memory, lower the rate or let requests wait for KV room (reservation policy \
                 wait). Dropped requests count as SLO misses; the latencies below describe only \
                 the 399 completed ones."
            )
        );
        report
            .summary
            .dropped_by_reason
            .insert(DropReason::PromptExceedsKv, 1200);
        report.summary.dropped = 1401;
        report.summary.injected = 1800;
        let text = drops(&report).unwrap_or_default();
        assert!(
            text.starts_with(
                "1,401 of 1,800 requests dropped: 1,200 because their prompts need more KV \
                 blocks than an instance holds (prompt_exceeds_kv), 201 because the decode"
            ),
            "{text}"
        );
        report.summary.dropped = 0;
        assert_eq!(drops(&report), None);
    }

    #[test]
    fn the_dropping_70b_scenario_warns_and_the_default_does_not() {
        let report = run(&dropping());
        assert!(report.summary.dropped > 0, "the scenario drops requests");
        let all = warnings(&dropping(), &report).join(" ");
        assert!(all.contains("requests dropped"), "{all}");
        let default = Config::default();
        let report = run(&crate::state::for_worker(&default));
        assert_eq!(warnings(&default, &report), Vec::<String>::new());
    }

    #[test]
    fn an_overloaded_cluster_is_named_and_a_light_one_is_not() {
        // 70B on 4 unified H100s at TP 2 with 4k-token prompts at 9 req/s: far beyond capacity.
        let mut config = dropping();
        config.topology.prefill.instances = 0;
        config.topology.decode.instances = 0;
        config.topology.unified.instances = 4;
        config.topology.unified.tp = 2;
        config.disaggregation.decider = pdsim::config::Decider::Never;
        let report = run(&config);
        let heavy = load(&config, &report).unwrap_or_else(|| panic!("no load"));
        assert!(heavy.overloaded(), "{heavy:?}");
        let text = overload(&config, &report).unwrap_or_default();
        assert!(
            text.starts_with("The cluster cannot keep up: requests arrived at "),
            "{text}"
        );

        // The same at 0.2 req/s keeps up.
        config.workload.arrival.rate_per_s = 0.2;
        config.workload.requests = Some(60);
        let report = run(&config);
        let light = load(&config, &report).unwrap_or_else(|| panic!("no load"));
        assert!(!light.overloaded(), "{light:?}");
    }

    #[test]
    fn slo_targets_are_said_in_words() {
        let mut config = Config::default();
        assert_eq!(slo_text(&config), None);
        config.slo.ttft_ms = Some(1000.0);
        config.slo.tpot_ms = Some(12.5);
        assert_eq!(
            slo_text(&config).as_deref(),
            Some("TTFT ≤ 1,000 ms, TPOT ≤ 12.5 ms")
        );
    }

    #[test]
    fn unmet_targets_are_noted() {
        let mut config = crate::state::for_worker(&Config::default());
        config.slo.tpot_ms = Some(0.001);
        let report = run(&config);
        let notes = notes(&config, &report);
        assert_eq!(
            notes,
            vec![
                "No completed request met the latency targets (TPOT ≤ 0.001 ms), so goodput is \
                  0. The targets may come from a preset made for another model or GPU: change or \
                  clear them under Latency targets (SLO)."
                    .to_owned()
            ]
        );
        config.slo.tpot_ms = Some(10_000.0);
        assert_eq!(slo_note(&config, &run(&config)), None);
    }

    #[test]
    fn an_idle_prefill_pool_is_noted() {
        let mut config = crate::state::for_worker(&Config::default());
        config.disaggregation.decider = pdsim::config::Decider::Never;
        let report = run(&config);
        let notes = idle_pools(&config, &report);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("The prefill pool (2 instances, 2 GPUs) sat idle (0.0% busy)"),
            "{}",
            notes[0]
        );
        config.disaggregation.decider = pdsim::config::Decider::Always;
        assert_eq!(idle_pools(&config, &run(&config)), Vec::<String>::new());
    }

    /// Prints the load of every example (calibration of [`Load::overloaded`]):
    /// `cargo test -p pdsim-web loads -- --nocapture --ignored`.
    #[test]
    #[ignore = "prints numbers for calibration"]
    fn loads() {
        for example in pdsim::examples() {
            let config = crate::state::for_worker(&example.config);
            let report = run(&config);
            println!(
                "{}: dropped {} {:?} overloaded {:?}",
                example.name,
                report.summary.dropped,
                load(&config, &report),
                load(&config, &report).map(|l| l.overloaded())
            );
        }
        let config = dropping();
        let report = run(&config);
        println!(
            "70b: {:?} {:?}",
            report.summary.dropped_by_reason,
            load(&config, &report)
        );
    }
}
