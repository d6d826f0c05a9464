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

/// The phases of the requests at the p50, p90 and p99 TTFT (nearest rank) among the
/// completed requests; reorders the slice. Equal TTFTs are ordered by request id,
/// so the chosen request is well defined.
fn breakdowns_at_percentiles(pairs: &mut [CompletedSample]) -> PercentileBreakdowns {
    let n = pairs.len();
    if n == 0 {
        return PercentileBreakdowns::default();
    }
    let mut at = |p: usize| {
        let index = (p * n).div_ceil(100).max(1) - 1;
        pairs
            .select_nth_unstable_by_key(index, |c| (c.ttft, c.id))
            .1
            .phases
            .map(|&v| ns_to_ms(v))
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

/// What a completed request leaves for the statistics once its state is gone.
#[derive(Clone, Copy, Debug)]
struct CompletedSample {
    ttft: Nanos,
    /// Arrival id: breaks ties between equal TTFTs.
    id: u64,
    phases: Phases<Nanos>,
    disaggregated: bool,
}

/// Folds every request into the report as it leaves the simulation (completed, dropped,
/// or still in flight at the end), so the engine can reuse its slot: what a run keeps per
/// request is its record (if asked for) and a few samples for the percentiles, not its
/// simulation state. Everything folded here is order-independent (sums, counts, selections
/// with explicit tie-breaks, records placed by id), so the report does not depend on the
/// order in which requests leave.
#[derive(Debug, Default)]
pub struct Collector {
    per_request: bool,
    slo_ttft: Option<Nanos>,
    slo_itl: Option<Nanos>,
    summary: Summary,
    dropped_by_reason: BTreeMap<String, u64>,
    good: u64,
    output_tokens: u64,
    ttft: Vec<Nanos>,
    itl: Vec<Nanos>,
    e2e: Vec<Nanos>,
    transfer_times: Vec<Nanos>,
    completed: Vec<CompletedSample>,
    /// By arrival id; a placeholder until the request leaves.
    records: Vec<RequestRecord>,
}

impl Collector {
    /// A collector for a run of `config`, expecting about `expected` requests (a capacity
    /// hint: reserving avoids holding two copies while a vector doubles).
    pub fn new(config: &Config, expected: usize) -> Self {
        let per_request = config.output.per_request;
        Self {
            per_request,
            slo_ttft: config.slo.ttft_ms.map(crate::time::ms_to_ns),
            slo_itl: config.slo.itl_ms.map(crate::time::ms_to_ns),
            summary: Summary {
                percentile_method: PERCENTILE_METHOD.into(),
                ..Summary::default()
            },
            ttft: Vec::with_capacity(expected),
            itl: Vec::with_capacity(expected),
            e2e: Vec::with_capacity(expected),
            completed: Vec::with_capacity(expected),
            records: Vec::with_capacity(if per_request { expected } else { 0 }),
            ..Self::default()
        }
    }

    /// A request arrived with arrival id `id` (ids come in order from 0).
    pub fn arrived(&mut self, id: u64) {
        self.summary.injected += 1;
        if self.per_request {
            debug_assert_eq!(id, self.records.len() as u64);
            self.records.push(RequestRecord {
                id,
                status: RequestStatus::InFlight,
                arrival_ms: 0.0,
                input_tokens: 0,
                output_tokens: 0,
                cached_tokens: 0,
                prefix_group: None,
                disaggregated: false,
                prefill_instance: 0,
                decode_instance: 0,
                preemptions: 0,
                ttft_ms: None,
                e2e_ms: None,
                itl_ms: None,
                breakdown_ms: None,
            });
        }
    }

    /// Folds in a request that leaves the simulation; its state may be dropped afterwards.
    pub fn leave(&mut self, r: &Request) {
        let summary = &mut self.summary;
        summary.preemptions += u64::from(r.preemptions);
        summary.cached_tokens += u64::from(r.cached_tokens);
        if r.disaggregated {
            summary.disaggregated += 1;
        }
        if r.times.transfer_end != UNSET {
            self.transfer_times
                .push(r.times.transfer_end - r.times.transfer_start);
            summary.transfer.bytes += r.transfer_bytes;
        }
        let st = status(r);
        let phases = phases_ns(r);
        let itl_ns = mean_itl_ns(r);
        match st {
            RequestStatus::Completed => {
                summary.completed += 1;
                self.output_tokens += u64::from(r.spec.output_tokens);
                let t = r.times.first_token - r.spec.arrival;
                self.ttft.push(t);
                self.e2e.push(r.times.completion - r.spec.arrival);
                if let Some(i) = itl_ns {
                    self.itl.push(i);
                }
                if let Some(p) = phases {
                    self.completed.push(CompletedSample {
                        ttft: t,
                        id: r.id,
                        phases: p,
                        disaggregated: r.disaggregated,
                    });
                }
                let meets_ttft = self.slo_ttft.is_none_or(|s| t <= s);
                let meets_itl = self.slo_itl.is_none_or(|s| itl_ns.is_none_or(|i| i <= s));
                if meets_ttft && meets_itl {
                    self.good += 1;
                }
            }
            RequestStatus::InFlight => summary.in_flight += 1,
            _ => {
                summary.dropped += 1;
                if let Some(reason) = r.dropped {
                    *self
                        .dropped_by_reason
                        .entry(reason.id().to_owned())
                        .or_insert(0) += 1;
                }
            }
        }
        if let Some(slot) = self.records.get_mut(r.id as usize) {
            *slot = RequestRecord {
                id: r.id,
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
            };
        }
    }

    /// Statistics of the five phases over the completed requests that `keep` selects,
    /// selected from one reused column buffer (one copy of a phase at a time).
    fn phase_stats(
        &self,
        column: &mut Vec<Nanos>,
        keep: impl Fn(&CompletedSample) -> bool,
    ) -> Phases<Stat> {
        let mut of = |get: fn(&Phases<Nanos>) -> Nanos| {
            column.clear();
            column.extend(
                self.completed
                    .iter()
                    .filter(|c| keep(c))
                    .map(|c| get(&c.phases)),
            );
            stat(column)
        };
        Phases {
            prefill_queue: of(|p| p.prefill_queue),
            prefill: of(|p| p.prefill),
            transfer: of(|p| p.transfer),
            decode_queue: of(|p| p.decode_queue),
            first_decode: of(|p| p.first_decode),
        }
    }

    /// The summary and the records of a run that ended at `end` with `events` events.
    fn finish(
        mut self,
        end: Nanos,
        events: u64,
        transfers_started: u64,
    ) -> (Summary, Vec<RequestRecord>) {
        let mut column = Vec::with_capacity(self.completed.len());
        let breakdown = self.phase_stats(&mut column, |_| true);
        let local = self.phase_stats(&mut column, |c| !c.disaggregated);
        let remote = self.phase_stats(&mut column, |c| c.disaggregated);
        drop(column);
        let mut summary = std::mem::take(&mut self.summary);
        let duration_s = end as f64 / 1e9;
        let per_s = |count: u64| {
            if duration_s > 0.0 {
                count as f64 / duration_s
            } else {
                0.0
            }
        };
        summary.dropped_by_reason = std::mem::take(&mut self.dropped_by_reason);
        summary.disaggregated_share = if summary.injected > 0 {
            summary.disaggregated as f64 / summary.injected as f64
        } else {
            0.0
        };
        summary.duration_s = duration_s;
        summary.throughput_rps = per_s(summary.completed);
        summary.output_tokens_per_s = per_s(self.output_tokens);
        summary.goodput_rps = per_s(self.good);
        summary.slo_attainment = if summary.injected > 0 {
            self.good as f64 / summary.injected as f64
        } else {
            0.0
        };
        summary.ttft_ms = stat(&mut self.ttft);
        summary.itl_ms = stat(&mut self.itl);
        summary.e2e_ms = stat(&mut self.e2e);
        summary.breakdown_ms = breakdown;
        summary.breakdown_at_ttft_ms = breakdowns_at_percentiles(&mut self.completed);
        summary.breakdown_local_ms = local;
        summary.breakdown_disaggregated_ms = remote;
        let completed_transfers = self.transfer_times.len() as u64;
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
            time_ms: stat(&mut self.transfer_times),
        };
        summary.events = events;
        (summary, self.records)
    }
}

/// Builds the report of a finished run.
pub fn build_report(outcome: Outcome) -> Report {
    let Outcome {
        collector,
        instances,
        timeline,
        end,
        events,
        transfers_started,
    } = outcome;
    let (mut summary, records) = collector.finish(end, events, transfers_started);
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
