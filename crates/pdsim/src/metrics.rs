//! Turns a finished run into its [`Report`]: per-request records, statistics, pools.

use crate::config::Config;
use crate::report::{
    DropReason, InstanceReport, Phases, PoolReport, Report, RequestRecord, RequestStatus, Role,
    Summary, Timeline, TransferSummary,
};
use crate::samples::{Completed, Samples};
use crate::time::{ns_to_ms, Nanos};

/// A request that leaves the simulation, as the collector folds it: what happened to it,
/// in nanoseconds. The engine's request knows how its timestamps make these (and that the
/// five phases add up to its TTFT); the collector only counts.
#[derive(Clone, Copy, Debug)]
pub struct Finished {
    /// Arrival order from 0.
    pub id: u64,
    /// Arrival time.
    pub arrival: Nanos,
    /// Completed, dropped (and why) or still in flight.
    pub status: RequestStatus,
    /// Why it was dropped, if it was.
    pub drop_reason: Option<DropReason>,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Output tokens asked for.
    pub output_tokens: u32,
    /// Prompt tokens served from a prefix cache.
    pub cached_tokens: u32,
    /// Its prompt's prefix group, if it shares one.
    pub prefix_group: Option<u32>,
    /// Its session, if it is a turn of one.
    pub session: Option<u32>,
    /// Whether its prefill ran on a prefill instance.
    pub disaggregated: bool,
    /// Instance of its prefill part.
    pub prefill_instance: u32,
    /// Instance that decoded it.
    pub decode_instance: u32,
    /// Recompute preemptions suffered.
    pub preemptions: u32,
    /// Time to first token, if it got one.
    pub ttft: Option<Nanos>,
    /// The five phases of its TTFT, if it got a first token.
    pub phases: Option<Phases<Nanos>>,
    /// Arrival to last token, if it completed.
    pub e2e: Option<Nanos>,
    /// Mean gap between its output tokens, if it completed with two or more.
    pub tpot: Option<Nanos>,
    /// Its KV transfer's duration, if one completed.
    pub transfer: Option<Nanos>,
    /// Time its finished prefill waited for the decode instance to reserve KV blocks.
    pub kv_wait: Nanos,
    /// KV bytes moved for it and KV bytes its decode instance already held (all ranks).
    pub transfer_bytes: (u64, u64),
}

/// Folds every request into the report as it leaves the simulation (completed, dropped,
/// or still in flight at the end), so the engine can reuse its slot: what a run keeps per
/// request is its record (if asked for) and, for exact percentiles, a few samples; not its
/// simulation state. Everything folded here is order-independent (sums, counts, selections
/// with explicit tie-breaks, records placed by id), so the report does not depend on the
/// order in which requests leave.
#[derive(Debug)]
pub struct Collector {
    per_request: bool,
    slo_ttft: Option<Nanos>,
    slo_itl: Option<Nanos>,
    summary: Summary,
    good: u64,
    output_tokens: u64,
    /// Prompt tokens of completed requests (for `input_tokens_per_s` and the cost per input
    /// token).
    input_tokens: u64,
    samples: Samples,
    /// By arrival id; a placeholder until the request leaves.
    records: Vec<RequestRecord>,
}

impl Collector {
    /// A collector for a run of `config`, expecting about `expected` requests (a capacity
    /// hint: reserving avoids holding two copies while a vector doubles).
    pub fn new(config: &Config, expected: usize) -> Self {
        let per_request = config.output.per_request;
        let samples = Samples::new(config.output.percentiles, expected);
        Self {
            per_request,
            slo_ttft: config.slo.ttft_ms.map(crate::time::ms_to_ns),
            slo_itl: config.slo.itl_ms.map(crate::time::ms_to_ns),
            summary: Summary {
                percentile_method: samples.method(),
                ..Summary::default()
            },
            good: 0,
            output_tokens: 0,
            input_tokens: 0,
            samples,
            records: Vec::with_capacity(if per_request { expected } else { 0 }),
        }
    }

    /// A request arrived with arrival id `id` (ids come in order from 0).
    pub fn arrived(&mut self, id: u64) {
        self.summary.injected += 1;
        if self.per_request {
            debug_assert_eq!(id, self.records.len() as u64);
            // Filled in when the request leaves.
            self.records.push(RequestRecord {
                id,
                ..RequestRecord::default()
            });
        }
    }

    /// `tokens` output tokens were emitted, each `gap` after its request's previous token.
    #[inline]
    pub fn token_gaps(&mut self, gap: Nanos, tokens: u64) {
        self.samples.token_gaps(gap, tokens);
    }

    /// Folds in a request that leaves the simulation.
    pub fn leave(&mut self, r: &Finished) {
        let (moved, skipped) = r.transfer_bytes;
        let summary = &mut self.summary;
        summary.preemptions += u64::from(r.preemptions);
        summary.cached_tokens += u64::from(r.cached_tokens);
        if r.disaggregated {
            summary.disaggregated += 1;
        }
        if let Some(transfer) = r.transfer {
            if r.kv_wait > 0 {
                summary.transfer.waited += 1;
            }
            self.samples.transfer(transfer, r.kv_wait);
            summary.transfer.bytes += moved;
            summary.transfer.skipped_bytes += skipped;
        }
        match r.status {
            RequestStatus::Completed => {
                summary.completed += 1;
                self.output_tokens += u64::from(r.output_tokens);
                self.input_tokens += u64::from(r.input_tokens);
                let ttft = r.ttft.unwrap_or_default();
                // A completed request always got a first token, so it has phases.
                self.samples.completed(
                    Completed {
                        ttft,
                        id: r.id,
                        phases: r.phases.unwrap_or_default(),
                        disaggregated: r.disaggregated,
                    },
                    r.e2e.unwrap_or_default(),
                    r.tpot,
                );
                let meets_ttft = self.slo_ttft.is_none_or(|s| ttft <= s);
                let meets_itl = self.slo_itl.is_none_or(|s| r.tpot.is_none_or(|i| i <= s));
                if meets_ttft && meets_itl {
                    self.good += 1;
                }
            }
            RequestStatus::InFlight => summary.in_flight += 1,
            _ => {
                summary.dropped += 1;
                if let Some(reason) = r.drop_reason {
                    *summary.dropped_by_reason.entry(reason).or_insert(0) += 1;
                }
            }
        }
        if let Some(slot) = self.records.get_mut(r.id as usize) {
            *slot = RequestRecord {
                id: r.id,
                status: r.status,
                arrival_ms: ns_to_ms(r.arrival),
                input_tokens: r.input_tokens,
                output_tokens: r.output_tokens,
                cached_tokens: r.cached_tokens,
                prefix_group: r.prefix_group,
                disaggregated: r.disaggregated,
                prefill_instance: r.prefill_instance,
                decode_instance: r.decode_instance,
                preemptions: r.preemptions,
                ttft_ms: r.ttft.map(ns_to_ms),
                e2e_ms: r.e2e.map(ns_to_ms),
                session: r.session,
                transfer_bytes: moved,
                skipped_bytes: skipped,
                tpot_ms: r.tpot.map(ns_to_ms),
                itl_ms: r.tpot.map(ns_to_ms),
                breakdown_ms: r.phases.map(|p| p.map(|&v| ns_to_ms(v))),
                kv_wait_ms: ns_to_ms(r.kv_wait),
            };
        }
    }

    /// The summary and the records of a run that ended at `end` with `events` events.
    fn finish(
        mut self,
        end: Nanos,
        events: u64,
        transfers_started: u64,
    ) -> (Summary, Vec<RequestRecord>) {
        let d = self.samples.finish();
        let mut summary = std::mem::take(&mut self.summary);
        let duration_s = end as f64 / 1e9;
        let per_s = |count: u64| {
            if duration_s > 0.0 {
                count as f64 / duration_s
            } else {
                0.0
            }
        };
        summary.disaggregated_share = if summary.injected > 0 {
            summary.disaggregated as f64 / summary.injected as f64
        } else {
            0.0
        };
        summary.duration_s = duration_s;
        summary.throughput_rps = per_s(summary.completed);
        summary.output_tokens_per_s = per_s(self.output_tokens);
        summary.input_tokens_per_s = per_s(self.input_tokens);
        summary.goodput_rps = per_s(self.good);
        summary.slo_attainment = if summary.injected > 0 {
            self.good as f64 / summary.injected as f64
        } else {
            0.0
        };
        summary.ttft_ms = d.ttft;
        summary.tpot_ms = d.tpot;
        summary.itl_ms = d.itl;
        summary.e2e_ms = d.e2e;
        let [all, local, remote] = d.breakdown;
        summary.breakdown_ms = all;
        summary.breakdown_at_ttft_ms = d.at_ttft;
        summary.breakdown_local_ms = local;
        summary.breakdown_disaggregated_ms = remote;
        // Every completed transfer left one sample.
        let completed_transfers = d.transfer.count;
        let dropped_transfers = summary
            .dropped_by_reason
            .get(&DropReason::DecodeKvFull)
            .copied()
            .unwrap_or(0);
        summary.transfer = TransferSummary {
            started: transfers_started,
            completed: completed_transfers,
            dropped: dropped_transfers,
            in_flight: transfers_started.saturating_sub(completed_transfers + dropped_transfers),
            bytes: summary.transfer.bytes,
            skipped_bytes: summary.transfer.skipped_bytes,
            time_ms: d.transfer,
            waited: summary.transfer.waited,
            kv_wait_ms: d.kv_wait,
        };
        summary.events = events;
        (summary, self.records)
    }
}

/// The report of a run that ended at `end` after `events` events: the requests folded into
/// `collector`, the instances' own reports, the pools they form and the timeline.
pub fn report(
    collector: Collector,
    instances: Vec<InstanceReport>,
    timeline: Timeline,
    end: Nanos,
    events: u64,
    transfers_started: u64,
) -> Report {
    let (mut summary, records) = collector.finish(end, events, transfers_started);
    summary.steps = instances.iter().map(|i| i.steps).sum();
    let pools = Role::IN_ORDER
        .into_iter()
        .filter_map(|role| {
            let busy: Vec<f64> = instances
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
        instances,
        pools,
        timeline,
    }
}
