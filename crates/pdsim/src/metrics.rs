//! Turns a finished run into its [`Report`]: per-request records, statistics, pools.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::engine::request::{Request, Stage, UNSET};
use crate::engine::Outcome;
use crate::report::{
    InstanceReport, PercentileBreakdowns, Phases, PoolReport, Report, RequestRecord, RequestStatus,
    Role, Stat, Summary, TransferSummary,
};
use crate::time::{ns_to_ms, Nanos};

/// The percentile method, stated in every report.
pub const PERCENTILE_METHOD: &str = "nearest-rank on integer nanoseconds";

/// Mean and nearest-rank percentiles of `values` (nanoseconds), in milliseconds. Reorders
/// `values` (selection, not a full sort: O(n)).
pub fn stat(values: &mut [Nanos]) -> Stat {
    let n = values.len();
    if n == 0 {
        return Stat::default();
    }
    // Nearest rank: the ceil(p/100 x n)-th smallest value, as a 0-based index.
    let index = |p: usize| (p * n).div_ceil(100).max(1) - 1;
    let (i50, i90, i99) = (index(50), index(90), index(99));
    // Each selection leaves everything from its index on >= the value there, so the next
    // percentile is found in that tail alone.
    let mut nth_from = |from: usize, at: usize| {
        let tail = &mut values[from..];
        *tail.select_nth_unstable(at - from).1
    };
    let p50 = nth_from(0, i50);
    let p90 = nth_from(i50, i90);
    let p99 = nth_from(i90, i99);
    let max = values[i99..].iter().copied().max().unwrap_or(p99);
    let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
    Stat {
        count: n as u64,
        mean: sum as f64 / n as f64 / 1e6,
        p50: ns_to_ms(p50),
        p90: ns_to_ms(p90),
        p99: ns_to_ms(p99),
        max: ns_to_ms(max),
    }
}

/// The phases of the requests at the p50, p90 and p99 TTFT (nearest rank) among
/// `(ttft, request id, phases)`; reorders the slice. Equal TTFTs are ordered by request id,
/// so the chosen request is well defined.
fn breakdowns_at_percentiles(pairs: &mut [(Nanos, u64, Phases<Nanos>)]) -> PercentileBreakdowns {
    let n = pairs.len();
    if n == 0 {
        return PercentileBreakdowns::default();
    }
    let mut at = |p: usize| {
        let index = (p * n).div_ceil(100).max(1) - 1;
        let (_, _, phases) = *pairs
            .select_nth_unstable_by_key(index, |&(ttft, id, _)| (ttft, id))
            .1;
        phases.map(|&v| ns_to_ms(v))
    };
    PercentileBreakdowns {
        p50: at(50),
        p90: at(90),
        p99: at(99),
    }
}

/// The five phases of a request that got its first token, in nanoseconds. They add up to
/// `first_token - arrival` by construction.
pub fn phases_ns(r: &Request) -> Option<Phases<Nanos>> {
    let t = &r.times;
    if t.first_token == UNSET {
        return None;
    }
    let arrival = r.spec.arrival;
    Some(
        if r.disaggregated && t.transfer_end != UNSET && t.first_token_step_start >= t.transfer_end
        {
            Phases {
                prefill_queue: t.prefill_start - arrival,
                prefill: t.prefill_end - t.prefill_start,
                transfer: t.transfer_end - t.transfer_start,
                decode_queue: t.first_token_step_start - t.transfer_end,
                first_decode: t.first_token - t.first_token_step_start,
            }
        } else {
            Phases {
                prefill_queue: t.prefill_start - arrival,
                prefill: t.first_token - t.prefill_start,
                transfer: 0,
                decode_queue: 0,
                first_decode: 0,
            }
        },
    )
}

fn status(r: &Request) -> RequestStatus {
    match (r.dropped, r.stage) {
        (Some(reason), _) => match reason {
            crate::engine::request::DropReason::DecodeKvFull => RequestStatus::DroppedDecodeKvFull,
            crate::engine::request::DropReason::PromptExceedsKv => {
                RequestStatus::DroppedPromptExceedsKv
            }
        },
        (None, Stage::Done) => RequestStatus::Completed,
        _ => RequestStatus::InFlight,
    }
}

fn mean_itl_ns(r: &Request) -> Option<Nanos> {
    let t = &r.times;
    (t.completion != UNSET && r.spec.output_tokens > 1)
        .then(|| (t.completion - t.first_token) / u64::from(r.spec.output_tokens - 1))
}

#[derive(Default)]
struct PhaseSamples {
    prefill_queue: Vec<Nanos>,
    prefill: Vec<Nanos>,
    transfer: Vec<Nanos>,
    decode_queue: Vec<Nanos>,
    first_decode: Vec<Nanos>,
}

impl PhaseSamples {
    fn push(&mut self, p: &Phases<Nanos>) {
        self.prefill_queue.push(p.prefill_queue);
        self.prefill.push(p.prefill);
        self.transfer.push(p.transfer);
        self.decode_queue.push(p.decode_queue);
        self.first_decode.push(p.first_decode);
    }

    fn stats(mut self) -> Phases<Stat> {
        Phases {
            prefill_queue: stat(&mut self.prefill_queue),
            prefill: stat(&mut self.prefill),
            transfer: stat(&mut self.transfer),
            decode_queue: stat(&mut self.decode_queue),
            first_decode: stat(&mut self.first_decode),
        }
    }
}

/// Builds the report of a finished run.
pub fn build_report(config: &Config, outcome: Outcome) -> Report {
    let Outcome {
        requests,
        instances,
        timeline,
        end,
        events,
        transfers_started,
    } = outcome;
    let slo_ttft = config.slo.ttft_ms.map(crate::time::ms_to_ns);
    let slo_itl = config.slo.itl_ms.map(crate::time::ms_to_ns);

    let mut ttft = Vec::new();
    let mut ttft_phases = Vec::new();
    let mut itl = Vec::new();
    let mut e2e = Vec::new();
    let (mut all, mut local, mut remote) = (
        PhaseSamples::default(),
        PhaseSamples::default(),
        PhaseSamples::default(),
    );
    let mut transfer_times = Vec::new();
    let mut summary = Summary {
        percentile_method: PERCENTILE_METHOD.into(),
        ..Summary::default()
    };
    let mut dropped_by_reason = BTreeMap::new();
    let mut good = 0u64;
    let mut output_tokens = 0u64;
    let mut records = Vec::with_capacity(if config.output.per_request {
        requests.len()
    } else {
        0
    });

    for (id, r) in requests.iter().enumerate() {
        summary.injected += 1;
        summary.preemptions += u64::from(r.preemptions);
        summary.cached_tokens += u64::from(r.cached_tokens);
        if r.disaggregated {
            summary.disaggregated += 1;
        }
        if r.times.transfer_end != UNSET {
            transfer_times.push(r.times.transfer_end - r.times.transfer_start);
            summary.transfer.bytes += r.transfer_bytes;
        }
        let st = status(r);
        let phases = phases_ns(r);
        let itl_ns = mean_itl_ns(r);
        match st {
            RequestStatus::Completed => {
                summary.completed += 1;
                output_tokens += u64::from(r.spec.output_tokens);
                let t = r.times.first_token - r.spec.arrival;
                ttft.push(t);
                e2e.push(r.times.completion - r.spec.arrival);
                if let Some(i) = itl_ns {
                    itl.push(i);
                }
                if let Some(p) = &phases {
                    ttft_phases.push((t, id as u64, *p));
                    all.push(p);
                    if r.disaggregated {
                        remote.push(p);
                    } else {
                        local.push(p);
                    }
                }
                let meets_ttft = slo_ttft.is_none_or(|s| t <= s);
                let meets_itl = slo_itl.is_none_or(|s| itl_ns.is_none_or(|i| i <= s));
                if meets_ttft && meets_itl {
                    good += 1;
                }
            }
            RequestStatus::InFlight => summary.in_flight += 1,
            _ => {
                summary.dropped += 1;
                if let Some(reason) = r.dropped {
                    *dropped_by_reason.entry(reason.id().to_owned()).or_insert(0) += 1;
                }
            }
        }
        if config.output.per_request {
            records.push(RequestRecord {
                id: id as u64,
                status: st,
                arrival_ms: ns_to_ms(r.spec.arrival),
                input_tokens: r.spec.prompt.len,
                output_tokens: r.spec.output_tokens,
                cached_tokens: r.cached_tokens,
                prefix_group: r.spec.prompt.group,
                disaggregated: r.disaggregated,
                prefill_instance: r.prefill_instance,
                decode_instance: r.decode_instance,
                preemptions: r.preemptions,
                ttft_ms: (r.times.first_token != UNSET)
                    .then(|| ns_to_ms(r.times.first_token - r.spec.arrival)),
                e2e_ms: (st == RequestStatus::Completed)
                    .then(|| ns_to_ms(r.times.completion - r.spec.arrival)),
                itl_ms: itl_ns.map(ns_to_ms),
                breakdown_ms: phases.map(|p| p.map(|&v| ns_to_ms(v))),
            });
        }
    }

    let duration_s = end as f64 / 1e9;
    let per_s = |count: u64| {
        if duration_s > 0.0 {
            count as f64 / duration_s
        } else {
            0.0
        }
    };
    summary.dropped_by_reason = dropped_by_reason;
    summary.disaggregated_share = if summary.injected > 0 {
        summary.disaggregated as f64 / summary.injected as f64
    } else {
        0.0
    };
    summary.duration_s = duration_s;
    summary.throughput_rps = per_s(summary.completed);
    summary.output_tokens_per_s = per_s(output_tokens);
    summary.goodput_rps = per_s(good);
    summary.slo_attainment = if summary.injected > 0 {
        good as f64 / summary.injected as f64
    } else {
        0.0
    };
    summary.ttft_ms = stat(&mut ttft);
    summary.itl_ms = stat(&mut itl);
    summary.e2e_ms = stat(&mut e2e);
    summary.breakdown_ms = all.stats();
    summary.breakdown_at_ttft_ms = breakdowns_at_percentiles(&mut ttft_phases);
    summary.breakdown_local_ms = local.stats();
    summary.breakdown_disaggregated_ms = remote.stats();
    let completed_transfers = transfer_times.len() as u64;
    let dropped_transfers = summary
        .dropped_by_reason
        .get("decode_kv_full")
        .copied()
        .unwrap_or(0);
    summary.transfer = TransferSummary {
        started: transfers_started,
        completed: completed_transfers,
        dropped: dropped_transfers,
        in_flight: transfers_started.saturating_sub(completed_transfers + dropped_transfers),
        bytes: summary.transfer.bytes,
        time_ms: stat(&mut transfer_times),
    };
    summary.events = events;
    summary.steps = instances.iter().map(|i| i.stats.steps).sum();

    let instance_reports: Vec<InstanceReport> = instances
        .iter()
        .map(|i| {
            let s = &i.stats;
            InstanceReport {
                id: i.id,
                role: i.role,
                tp: i.tp,
                gpu: i.gpu_name.clone(),
                kv_blocks: i.kv.total(),
                busy_fraction: if end > 0 {
                    (s.busy as f64 / end as f64).min(1.0)
                } else {
                    0.0
                },
                steps: s.steps,
                mean_batch_size: if s.steps > 0 {
                    s.batch_seqs as f64 / s.steps as f64
                } else {
                    0.0
                },
                kv_peak_utilization: if i.kv.total() > 0 {
                    i.kv.peak_used() as f64 / i.kv.total() as f64
                } else {
                    0.0
                },
                prefill_tokens: s.prefill_tokens,
                decode_tokens: s.decode_tokens,
                requests: s.requests,
                preemptions: s.preemptions,
            }
        })
        .collect();
    let pools = [Role::Prefill, Role::Decode, Role::Unified]
        .into_iter()
        .filter_map(|role| {
            let busy: Vec<f64> = instance_reports
                .iter()
                .filter(|i| i.role == role)
                .map(|i| i.busy_fraction)
                .collect();
            if busy.is_empty() {
                return None;
            }
            let mean = busy.iter().sum::<f64>() / busy.len() as f64;
            let max = busy.iter().copied().fold(0.0, f64::max);
            Some(PoolReport {
                role,
                instances: busy.len() as u32,
                utilization: mean,
                load_imbalance: if mean > 0.0 { max / mean } else { 1.0 },
            })
        })
        .collect();

    Report {
        summary,
        requests: records,
        instances: instance_reports,
        pools,
        timeline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<Nanos> = (1..=10).rev().map(|x| x * 1_000_000).collect();
        let s = stat(&mut v);
        assert_eq!(
            (s.count, s.mean, s.p50, s.p90, s.p99, s.max),
            (10, 5.5, 5.0, 9.0, 10.0, 10.0)
        );
        assert_eq!(stat(&mut []), Stat::default());
        let mut one = vec![3_000_000];
        assert_eq!(stat(&mut one).p50, 3.0);
        // Against a full sort, on a shuffled sample with repeats.
        let mut sample: Vec<Nanos> = (0..1001u64).map(|i| (i * 7919) % 613 * 1000).collect();
        let mut sorted = sample.clone();
        sorted.sort_unstable();
        let at = |p: usize| ns_to_ms(sorted[(p * 1001).div_ceil(100) - 1]);
        let s = stat(&mut sample);
        assert_eq!(
            (s.p50, s.p90, s.p99, s.max),
            (at(50), at(90), at(99), ns_to_ms(sorted[1000]))
        );
    }
}
