//! Turns a finished run into its [`Report`]: per-request records, statistics, pools.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::report::{
    CostSummary, DropReason, EnergySummary, InstanceReport, KvTierSummary, Phases, PoolReport,
    Report, RequestRecord, RequestStatus, Role, SpeculativeSummary, Summary, Timeline,
    TransferSummary,
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
    slo_tpot: Option<Nanos>,
    counts: Counts,
    samples: Samples,
    /// By arrival id; a placeholder until the request leaves.
    records: Vec<RequestRecord>,
}

/// What the collector counts as requests leave; the summary is built from these once, at
/// the end.
#[derive(Debug, Default)]
struct Counts {
    injected: u64,
    completed: u64,
    dropped_by_reason: BTreeMap<DropReason, u64>,
    in_flight: u64,
    disaggregated: u64,
    preemptions: u64,
    cached_tokens: u64,
    /// Output tokens of completed requests.
    output_tokens: u64,
    /// Prompt tokens of completed requests (for `input_tokens_per_s` and the cost per input
    /// token).
    input_tokens: u64,
    /// Completed requests within every SLO.
    good: u64,
    transfers: TransferCounts,
}

/// The KV transfers: counted here only.
#[derive(Debug, Default)]
struct TransferCounts {
    started: u64,
    completed: u64,
    /// Completed transfers whose request waited for KV room.
    waited: u64,
    bytes: u64,
    skipped_bytes: u64,
}

impl Collector {
    /// A collector for a run of `config`, expecting about `expected` requests (a capacity
    /// hint: reserving avoids holding two copies while a vector doubles).
    pub fn new(config: &Config, expected: usize) -> Self {
        let per_request = config.output.per_request;
        Self {
            per_request,
            slo_ttft: config.slo.ttft_ms.map(crate::time::ms_to_ns),
            slo_tpot: config.slo.tpot_ms.map(crate::time::ms_to_ns),
            counts: Counts::default(),
            samples: Samples::new(config.output.percentiles, expected),
            records: Vec::with_capacity(if per_request { expected } else { 0 }),
        }
    }

    /// A request arrived with arrival id `id` (ids come in order from 0).
    pub fn arrived(&mut self, id: u64) {
        self.counts.injected += 1;
        if self.per_request {
            debug_assert_eq!(id, self.records.len() as u64);
            // Filled in when the request leaves.
            self.records.push(RequestRecord {
                id,
                ..RequestRecord::default()
            });
        }
    }

    /// A KV transfer was attempted (it may complete, be dropped or still be running at the
    /// end).
    pub fn transfer_started(&mut self) {
        self.counts.transfers.started += 1;
    }

    /// `tokens` output tokens were emitted, each `gap` after its request's previous token.
    #[inline]
    pub fn token_gaps(&mut self, gap: Nanos, tokens: u64) {
        self.samples.token_gaps(gap, tokens);
    }

    /// Folds in a request that leaves the simulation.
    pub fn leave(&mut self, r: &Finished) {
        let (moved, skipped) = r.transfer_bytes;
        let counts = &mut self.counts;
        counts.preemptions += u64::from(r.preemptions);
        counts.cached_tokens += u64::from(r.cached_tokens);
        if r.disaggregated {
            counts.disaggregated += 1;
        }
        if let Some(transfer) = r.transfer {
            let transfers = &mut counts.transfers;
            transfers.completed += 1;
            if r.kv_wait > 0 {
                transfers.waited += 1;
            }
            transfers.bytes += moved;
            transfers.skipped_bytes += skipped;
            self.samples.transfer(transfer, r.kv_wait);
        }
        match r.status {
            RequestStatus::Completed => {
                counts.completed += 1;
                counts.output_tokens += u64::from(r.output_tokens);
                counts.input_tokens += u64::from(r.input_tokens);
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
                let meets_tpot = self.slo_tpot.is_none_or(|s| r.tpot.is_none_or(|i| i <= s));
                if meets_ttft && meets_tpot {
                    counts.good += 1;
                }
            }
            RequestStatus::InFlight => counts.in_flight += 1,
            _ => {
                if let Some(reason) = r.drop_reason {
                    *counts.dropped_by_reason.entry(reason).or_insert(0) += 1;
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
                breakdown_ms: r.phases.map(|p| p.map(|&v| ns_to_ms(v))),
                kv_wait_ms: ns_to_ms(r.kv_wait),
            };
        }
    }

    /// The summary and the records of a run that ended at `end` after `events` events and
    /// `steps` engine steps (with what speculative decoding and the KV offload tiers did).
    fn finish(
        self,
        end: Nanos,
        events: u64,
        steps: u64,
        speculative: Option<SpeculativeSummary>,
        kv_tiers: Vec<KvTierSummary>,
    ) -> (Summary, Vec<RequestRecord>) {
        let percentile_method = self.samples.method();
        let d = self.samples.finish();
        let c = self.counts;
        let duration_s = end as f64 / 1e9;
        let per_s = |count: u64| {
            if duration_s > 0.0 {
                count as f64 / duration_s
            } else {
                0.0
            }
        };
        let share = |count: u64| {
            if c.injected > 0 {
                count as f64 / c.injected as f64
            } else {
                0.0
            }
        };
        let [all, local, remote] = d.breakdown;
        let transfers = &c.transfers;
        let dropped_transfers = c
            .dropped_by_reason
            .get(&DropReason::DecodeKvFull)
            .copied()
            .unwrap_or(0);
        let summary = Summary {
            injected: c.injected,
            completed: c.completed,
            dropped: c.dropped_by_reason.values().sum(),
            in_flight: c.in_flight,
            disaggregated: c.disaggregated,
            disaggregated_share: share(c.disaggregated),
            preemptions: c.preemptions,
            cached_tokens: c.cached_tokens,
            duration_s,
            throughput_rps: per_s(c.completed),
            output_tokens_per_s: per_s(c.output_tokens),
            input_tokens_per_s: per_s(c.input_tokens),
            // Filled from the layout's prices and power by `economics::fill`.
            cost: CostSummary::default(),
            energy: EnergySummary::default(),
            ttft_ms: d.ttft,
            tpot_ms: d.tpot,
            itl_ms: d.itl,
            e2e_ms: d.e2e,
            breakdown_ms: all,
            breakdown_local_ms: local,
            breakdown_disaggregated_ms: remote,
            breakdown_at_ttft_ms: d.at_ttft,
            goodput_rps: per_s(c.good),
            slo_attainment: share(c.good),
            transfer: TransferSummary {
                started: transfers.started,
                completed: transfers.completed,
                dropped: dropped_transfers,
                in_flight: transfers
                    .started
                    .saturating_sub(transfers.completed + dropped_transfers),
                bytes: transfers.bytes,
                skipped_bytes: transfers.skipped_bytes,
                time_ms: d.transfer,
                waited: transfers.waited,
                kv_wait_ms: d.kv_wait,
            },
            events,
            steps,
            percentile_method,
            speculative,
            kv_tiers,
            dropped_by_reason: c.dropped_by_reason,
        };
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
    speculative: Option<SpeculativeSummary>,
    kv_tiers: Vec<KvTierSummary>,
) -> Report {
    let steps = instances.iter().map(|i| i.steps).sum();
    let (summary, records) = collector.finish(end, events, steps, speculative, kv_tiers);
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
