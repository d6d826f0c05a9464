//! Turns a finished run into its [`Report`]: per-request records, statistics, pools.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::engine::request::{Request, Stage, UNSET};
use crate::engine::Outcome;
use crate::report::{
    DropReason, InstanceReport, Phases, PoolReport, Report, RequestRecord, RequestStatus, Role,
    Summary, TransferSummary,
};
use crate::samples::{Completed, Samples};
use crate::time::{ns_to_ms, Nanos};

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
                // Waiting on the decode instance: for room to reserve the prompt's KV
                // before the transfer, and for a batch slot after it.
                decode_queue: (t.transfer_start - t.prefill_end)
                    + (t.first_token_step_start - t.transfer_end),
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
        (Some(reason), _) => reason.into(),
        (None, Stage::Done) => RequestStatus::Completed,
        _ => RequestStatus::InFlight,
    }
}

fn tpot_ns(r: &Request) -> Option<Nanos> {
    let t = &r.times;
    (t.completion != UNSET && r.spec.output_tokens > 1)
        .then(|| (t.completion - t.first_token) / u64::from(r.spec.output_tokens - 1))
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
    block_size: u32,
    slo_ttft: Option<Nanos>,
    slo_itl: Option<Nanos>,
    summary: Summary,
    dropped_by_reason: BTreeMap<DropReason, u64>,
    good: u64,
    output_tokens: u64,
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
            block_size: config.engine.block_size,
            slo_ttft: config.slo.ttft_ms.map(crate::time::ms_to_ns),
            slo_itl: config.slo.itl_ms.map(crate::time::ms_to_ns),
            summary: Summary {
                percentile_method: samples.method(),
                ..Summary::default()
            },
            dropped_by_reason: BTreeMap::new(),
            good: 0,
            output_tokens: 0,
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

    /// Folds in a request that leaves the simulation; its state may be dropped afterwards.
    pub fn leave(&mut self, r: &Request, session: Option<u32>) {
        let (moved, skipped) = r.transfer_bytes(self.block_size);
        let summary = &mut self.summary;
        summary.preemptions += u64::from(r.preemptions);
        summary.cached_tokens += u64::from(r.cached_tokens);
        if r.disaggregated {
            summary.disaggregated += 1;
        }
        if r.times.transfer_end != UNSET {
            let waited = r.times.transfer_start - r.times.prefill_end;
            if waited > 0 {
                summary.transfer.waited += 1;
            }
            self.samples
                .transfer(r.times.transfer_end - r.times.transfer_start, waited);
            summary.transfer.bytes += moved;
            summary.transfer.skipped_bytes += skipped;
        }
        let st = status(r);
        let phases = phases_ns(r);
        let tpot_ns = tpot_ns(r);
        match st {
            RequestStatus::Completed => {
                summary.completed += 1;
                self.output_tokens += u64::from(r.spec.output_tokens);
                let t = r.times.first_token - r.spec.arrival;
                // A completed request always got a first token, so it has phases.
                self.samples.completed(
                    Completed {
                        ttft: t,
                        id: r.id(),
                        phases: phases.unwrap_or_default(),
                        disaggregated: r.disaggregated,
                    },
                    r.times.completion - r.spec.arrival,
                    tpot_ns,
                );
                let meets_ttft = self.slo_ttft.is_none_or(|s| t <= s);
                let meets_itl = self.slo_itl.is_none_or(|s| tpot_ns.is_none_or(|i| i <= s));
                if meets_ttft && meets_itl {
                    self.good += 1;
                }
            }
            RequestStatus::InFlight => summary.in_flight += 1,
            _ => {
                summary.dropped += 1;
                if let Some(reason) = r.dropped {
                    *self.dropped_by_reason.entry(reason).or_insert(0) += 1;
                }
            }
        }
        if let Some(slot) = self.records.get_mut(r.id() as usize) {
            *slot = RequestRecord {
                id: r.id(),
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
                session,
                transfer_bytes: moved,
                skipped_bytes: skipped,
                tpot_ms: tpot_ns.map(ns_to_ms),
                itl_ms: tpot_ns.map(ns_to_ms),
                breakdown_ms: phases.map(|p| p.map(|&v| ns_to_ms(v))),
                kv_wait_ms: if r.times.transfer_start != UNSET && r.times.prefill_end != UNSET {
                    ns_to_ms(r.times.transfer_start - r.times.prefill_end)
                } else {
                    0.0
                },
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
        summary.dropped_by_reason = self
            .dropped_by_reason
            .iter()
            .map(|(reason, &n)| (reason.id().to_owned(), n))
            .collect();
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
        let dropped_transfers = self
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
