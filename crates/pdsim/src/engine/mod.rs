//! The discrete-event engine: arrivals, routing and deciding, instance steps, KV transfers.

mod events;
pub mod instance;
pub mod request;
pub mod router;
pub mod speculative;
mod timeline;
pub mod transfer;

use std::collections::VecDeque;

use crate::config::{Config, KvReceive, ReservationPolicy};
use crate::error::Error;
use crate::metrics::Collector;
use crate::prefix::SharedPrefix;
use crate::report::Role;
use crate::time::{ms_to_ns, s_to_ns, Nanos};
use crate::validate::Validated;
use crate::workload::{AheadReader, ArrivalBatch, RequestSpec, Workload};
use events::{Event, EventQueue};
use instance::{BatchLimits, Instance, StepOutcome};
use request::{DropReason, ReqId, Request, Stage};
use router::Router;
use timeline::TimelineRecorder;
use transfer::SharedLink;

/// Everything a finished run leaves behind, for the report builder.
#[derive(Debug)]
pub struct Outcome {
    /// Every injected request, folded in as it left.
    pub collector: Collector,
    /// Every instance.
    pub instances: Vec<Instance>,
    /// Activity timeline.
    pub timeline: crate::report::Timeline,
    /// Time of the last processed event.
    pub end: Nanos,
    /// Events processed.
    pub events: u64,
    /// The run's speculative decoding, if on.
    pub speculative: Option<crate::config::SpeculativeConfig>,
}

impl Outcome {
    /// The run's report.
    pub fn report(self) -> crate::Report {
        let instances = self.instances.iter().map(|i| i.report(self.end)).collect();
        let speculative = self.speculative_summary();
        let kv_tiers = kv_tier_summaries(&self.instances);
        crate::metrics::report(
            self.collector,
            instances,
            self.timeline,
            self.end,
            self.events,
            speculative,
            kv_tiers,
        )
    }

    /// Speculative decoding's counts over every instance, when it was on.
    fn speculative_summary(&self) -> Option<crate::report::SpeculativeSummary> {
        let spec = self.speculative.as_ref()?;
        let mut stats = speculative::SpecStats::new(spec.tokens as usize);
        for s in self.instances.iter().filter_map(|i| i.speculation.as_ref()) {
            stats.add(&s.stats);
        }
        Some(speculative::summary(spec, &stats))
    }
}

/// A simulation in progress.
#[derive(Debug)]
pub struct Simulation<'a> {
    config: &'a Config,
    /// Requests in the cluster, by slot ([`ReqId`]); a slot is reused once its request
    /// has left (completed or dropped) and been folded into `collector`, so memory follows
    /// the requests in flight, not the requests of the run.
    requests: Vec<Request>,
    /// Slots whose request has left.
    free_slots: Vec<ReqId>,
    /// Requests that arrived so far (the next arrival id).
    arrived: u64,
    collector: Collector,
    instances: Vec<Instance>,
    router: Router,
    queue: EventQueue,
    workload: Workload,
    /// The workload's arrivals when they were drawn ahead (`Arrivals`); the workload draws
    /// them otherwise.
    ahead: Option<AheadReader<'a>>,
    /// The request of the pending `Arrival` event.
    next_arrival: Option<RequestSpec>,
    /// Requests of pending `FollowUp` events, by slot, and the free slots.
    follow_ups: Vec<RequestSpec>,
    free_follow_ups: Vec<u32>,
    links: Vec<SharedLink>,
    link_bytes_per_ns: f64,
    link_base: Nanos,
    /// `routing.frontend_latency_ms`: from a request's arrival to its placement.
    frontend: Nanos,
    timeline: TimelineRecorder,
    now: Nanos,
    horizon: Option<Nanos>,
    max_time: Nanos,
    /// Per instance, disaggregated requests waiting for it to reserve KV blocks for their
    /// prompt (reservation policy `wait`), first come, first served.
    awaiting_room: Vec<VecDeque<ReqId>>,
    /// Idle instances with new work, whose next step starts once every event of the
    /// current instant has happened (so requests arriving together share a step).
    pending_kicks: Vec<u32>,
    /// Whether an instance is in `pending_kicks`.
    kick_pending: Vec<bool>,
    scratch_dropped: Vec<ReqId>,
    scratch_outcome: StepOutcome,
    scratch_finished: Vec<ReqId>,
    /// Whether finished requests' output blocks are cached (generated sessions).
    cache_outputs: bool,
}

/// The next arrival: drawn ahead, or by the workload.
fn draw_arrival(
    workload: &mut Workload,
    ahead: &mut Option<AheadReader<'_>>,
) -> Option<RequestSpec> {
    match ahead {
        Some(reader) => reader.next_request(),
        None => workload.next_request(),
    }
}

impl<'a> Simulation<'a> {
    /// Builds the cluster of a validated config.
    pub fn new(validated: &Validated<'a>) -> Self {
        Self::build(validated, None)
    }

    /// Builds the cluster of a validated config whose arrivals were drawn ahead, by
    /// [`Arrivals`](crate::workload::Arrivals) of the same config.
    pub fn with_arrivals(
        validated: &Validated<'a>,
        batches: impl Iterator<Item = ArrivalBatch> + 'a,
    ) -> Self {
        Self::build(validated, Some(AheadReader::new(validated, batches)))
    }

    fn build(validated: &Validated<'a>, mut ahead: Option<AheadReader<'a>>) -> Self {
        let (config, resolved) = (validated.config(), validated.resolved());
        let engine = &config.engine;
        let limits = BatchLimits {
            max_num_seqs: engine.max_num_seqs,
            max_num_batched_tokens: engine.max_num_batched_tokens,
            block_size: engine.block_size,
            prefill_first: engine.scheduler == crate::config::Scheduler::PrefillFirst,
        };
        let mut instances: Vec<Instance> = resolved
            .pools
            .iter()
            .flat_map(|pool| (0..pool.instances).map(move |_| pool))
            .enumerate()
            .map(|(id, pool)| {
                Instance::new(
                    id as u32,
                    pool.role,
                    pool.tp,
                    pool.gpu.name.clone(),
                    resolved.model.kv_bytes_per_token_per_rank(pool.tp),
                    crate::cost::CostModel::new(
                        &resolved.model,
                        &pool.gpu,
                        pool.tp,
                        pool.ep,
                        engine.step_overhead_ms,
                    )
                    .with_efficiency(engine.prefill_efficiency, engine.decode_efficiency),
                    pool.kv_blocks,
                    engine.prefix_caching,
                    limits,
                    engine.speculative.as_ref().map(|spec| {
                        speculative::Speculation::new(
                            config.seed,
                            spec,
                            &resolved.model,
                            resolved.draft_model.as_ref(),
                            &pool.gpu,
                            pool.tp,
                            pool.ep,
                            id as u32,
                        )
                    }),
                )
                .with_seq_overhead(ms_to_ns(engine.step_overhead_per_seq_ms))
            })
            .collect();
        let n = instances.len();
        let mut queue = EventQueue::default();
        let mut workload = Workload::of(validated);
        // Nested prefix groups: the pools and the router's indexes walk the same tree.
        let tree = workload.block_tree(engine.block_size);
        // Every prompt of generated sessions is a turn whose output the next turn continues
        // with: its output blocks are cached too, as vLLM's prefix cache keeps them.
        let cache_outputs = config.workload.sessions.is_some() && config.workload.trace.is_none();
        if !engine.kv_offload.is_empty() {
            set_kv_tiers(&mut instances, &engine.kv_offload, engine.block_size);
        }
        for instance in &mut instances {
            instance.kv.set_tree(&tree);
            instance.kv.set_output_caching(cache_outputs);
        }
        let roles: Vec<Role> = instances.iter().map(|i| i.role).collect();
        // The router's view of an instance's prefix cache is as large as HBM and its offload
        // tiers together: a block routed there is still there to load, so the router and
        // the decider count it as cached.
        let kv_blocks: Vec<u64> = instances
            .iter()
            .map(|i| i.kv.total().saturating_add(i.kv.tier_blocks()))
            .collect();
        let router = Router::new(config, &roles, &kv_blocks, &tree);
        let next_arrival = draw_arrival(&mut workload, &mut ahead);
        // Every request reaches the router this long after it arrives (the same for all,
        // so arrivals keep their order).
        let frontend = ms_to_ns(config.routing.frontend_latency_ms);
        if let Some(first) = &next_arrival {
            queue.push(first.arrival.saturating_add(frontend), Event::Arrival);
        }
        Self {
            config,
            requests: Vec::new(),
            free_slots: Vec::new(),
            arrived: 0,
            collector: Collector::new(config, expected_requests(config)),
            instances,
            router,
            queue,
            workload,
            ahead,
            next_arrival,
            follow_ups: Vec::new(),
            free_follow_ups: Vec::new(),
            links: (0..n).map(|_| SharedLink::default()).collect(),
            link_bytes_per_ns: config.kv_transfer.bandwidth_gb_per_s,
            link_base: ms_to_ns(config.kv_transfer.base_latency_ms),
            frontend,
            timeline: TimelineRecorder::new(config.output.timeline_buckets, n),
            now: 0,
            horizon: config.workload.horizon_s.map(s_to_ns),
            max_time: s_to_ns(config.limits.max_sim_time_s),
            awaiting_room: (0..n).map(|_| VecDeque::new()).collect(),
            pending_kicks: Vec::with_capacity(n),
            kick_pending: vec![false; n],
            scratch_dropped: Vec::new(),
            scratch_outcome: StepOutcome::default(),
            scratch_finished: Vec::new(),
            cache_outputs,
        }
    }

    /// Runs until no event is left or the horizon is reached.
    pub fn run(mut self) -> Result<Outcome, Error> {
        let mut events: u64 = 0;
        loop {
            // Every event of the instant `now` has happened: start the kicked steps.
            if !self.pending_kicks.is_empty() && self.queue.peek_time() != Some(self.now) {
                self.start_pending_steps();
            }
            let Some((time, event)) = self.queue.pop() else {
                // Nothing left to happen, yet prefills wait for KV room: every instance they
                // wait on is itself stuck (unified instances each holding the prompt the
                // other waits for). The oldest waiter gives up, as with policy `drop`.
                if self.break_reservation_deadlock() {
                    continue;
                }
                break;
            };
            if self.horizon.is_some_and(|h| time > h) {
                self.now = self.horizon.unwrap_or(time);
                break;
            }
            if time > self.max_time {
                return Err(Error::Limit {
                    field: "limits.max_sim_time_s".into(),
                    message: format!(
                        "the run passed {} s of simulated time; the cluster cannot keep up with \
                         the load, or raise the limit",
                        self.config.limits.max_sim_time_s
                    ),
                });
            }
            events += 1;
            if events > self.config.limits.max_events {
                return Err(Error::Limit {
                    field: "limits.max_events".into(),
                    message: format!(
                        "the run needed more than {} events; lower the request count or raise the limit",
                        self.config.limits.max_events
                    ),
                });
            }
            self.now = time;
            match event {
                Event::Arrival => {
                    let next = draw_arrival(&mut self.workload, &mut self.ahead);
                    if let Some(spec) = &next {
                        let at = spec.arrival.saturating_add(self.frontend);
                        self.queue.push(at.max(time), Event::Arrival);
                    }
                    if let Some(spec) = std::mem::replace(&mut self.next_arrival, next) {
                        self.arrive(spec);
                    }
                }
                Event::FollowUp(slot) => {
                    let spec = self.follow_ups[slot as usize];
                    self.free_follow_ups.push(slot);
                    self.arrive(spec);
                }
                Event::StepDone(instance) => self.step_done(instance as usize),
                Event::TransferDone(id) => self.transfer_done(id),
                Event::LinkJoin(id) => {
                    let moved = self.requests[id]
                        .transfer_bytes(self.config.engine.block_size)
                        .0;
                    let bytes = moved as f64
                        / f64::from(self.instances[self.requests[id].prefill_instance as usize].tp);
                    let d = self.requests[id].decode_instance as usize;
                    let wake = self.links[d].join(time, id, bytes, self.link_bytes_per_ns);
                    self.schedule_link(d, wake);
                }
                Event::LinkWake {
                    instance,
                    generation,
                } => {
                    let d = instance as usize;
                    if self.links[d].generation != generation {
                        continue;
                    }
                    let mut finished = std::mem::take(&mut self.scratch_finished);
                    let wake = self.links[d].wake(time, self.link_bytes_per_ns, &mut finished);
                    self.schedule_link(d, wake);
                    for id in finished.drain(..) {
                        self.transfer_done(id);
                    }
                    self.scratch_finished = finished;
                }
            }
        }
        let end = self.now;
        if self.requests.iter().all(|r| r.stage.has_left()) {
            // Nothing left: the router's bookkeeping is back to zero.
            debug_assert!(self.router.is_idle());
        }
        if let Some(e) = self.ahead.as_mut().and_then(AheadReader::error) {
            return Err(e);
        }
        // Whatever is still in the cluster at the end is in flight.
        let block_size = self.config.engine.block_size;
        for r in &self.requests {
            if !r.stage.has_left() {
                self.collector
                    .leave(&r.finished(block_size, self.workload.session_of(&r.spec)));
            }
        }
        Ok(Outcome {
            collector: self.collector,
            instances: self.instances,
            timeline: self.timeline.finish(end),
            end,
            events,
            speculative: self.config.engine.speculative.clone(),
        })
    }

    fn schedule_link(&mut self, instance: usize, wake: Option<Nanos>) {
        if let Some(at) = wake {
            let generation = self.links[instance].generation;
            self.queue.push(
                at,
                Event::LinkWake {
                    instance: instance as u32,
                    generation,
                },
            );
        }
    }

    /// Routes a new request: decode instance, decider, then (maybe) a prefill instance.
    fn arrive(&mut self, spec: RequestSpec) {
        let prefix = SharedPrefix::of(&spec.prompt, self.config.engine.block_size);
        let instances = &self.instances;
        let placement = self.router.place(prefix, spec.prompt.len, |p| {
            instances[p as usize].queue_depth()
        });
        // Ids are arrival order (follow-ups are made in completion order).
        let mut spec = spec;
        spec.id = self.arrived;
        let mut request = Request::new(spec, prefix);
        self.collector.arrived(self.arrived);
        self.arrived += 1;
        let d = placement.decode;
        request.decode_instance = d;
        request.prefill_instance = placement.prefill.unwrap_or(d);
        request.disaggregated = placement.prefill.is_some();
        request.routed_prefill_blocks = placement.routed_prefill_blocks;
        self.instances[d as usize].stats.requests += 1;
        if let Some(p) = placement.prefill {
            self.instances[p as usize].stats.requests += 1;
        }
        let target = placement.prefill.unwrap_or(d) as usize;
        let id = match self.free_slots.pop() {
            Some(slot) => {
                self.requests[slot] = request;
                slot
            }
            None => {
                self.requests.push(request);
                self.requests.len() - 1
            }
        };
        self.instances[target].enqueue(id);
        self.kick(target);
    }

    /// Starts a step on an idle instance that may have work, once every event of the
    /// current instant has happened.
    #[inline]
    fn kick(&mut self, instance: usize) {
        // A quarter of the calls find the instance busy: checked first.
        if self.instances[instance].is_stepping() || self.kick_pending[instance] {
            return;
        }
        if self.queue.peek_time() == Some(self.now) {
            // More happens at this instant (another arrival, say): start after it.
            self.kick_pending[instance] = true;
            self.pending_kicks.push(instance as u32);
        } else {
            // Events scheduled from here on are later (steps and transfers take time).
            self.start_step(instance);
        }
    }

    /// Starts the steps of the kicked instances (in the order they were kicked; starting
    /// one can kick another, which is started too).
    fn start_pending_steps(&mut self) {
        let mut k = 0;
        while k < self.pending_kicks.len() {
            let instance = self.pending_kicks[k] as usize;
            self.kick_pending[instance] = false;
            self.start_step(instance);
            k += 1;
        }
        self.pending_kicks.clear();
    }

    fn start_step(&mut self, instance: usize) {
        // The scratch buffer is lent in place, not taken out and put back (fewer moves).
        if let Some(duration) = self.instances[instance].start_step(
            self.now,
            &mut self.requests,
            &mut self.scratch_dropped,
        ) {
            self.queue.push(
                self.now.saturating_add(duration),
                Event::StepDone(instance as u32),
            );
        }
        // By index: finishing a request needs the whole simulation.
        for k in 0..self.scratch_dropped.len() {
            self.finish_dropped(self.scratch_dropped[k]);
        }
        self.scratch_dropped.clear();
    }

    fn step_done(&mut self, instance: usize) {
        let now = self.now;
        let start = self.instances[instance].step_start().unwrap_or(now);
        let (prefill, _) = self.instances[instance].step_tokens();
        self.instances[instance].finish_step(now, &mut self.requests, &mut self.scratch_outcome);
        let outcome = &mut self.scratch_outcome;
        self.router.prefill_ended(
            instance as u32,
            std::mem::take(&mut outcome.routed_prefill_blocks_ended),
        );
        self.timeline
            .step(instance, start, now, prefill, outcome.decode_tokens);
        self.collector
            .token_gaps(outcome.duration, outcome.gap_tokens);
        for gap in outcome.resumed_gaps.drain(..) {
            self.collector.token_gaps(gap, 1);
        }
        if !outcome.stalled_gaps.is_empty() {
            for (gap, tokens) in outcome.stalled_gaps.drain(..) {
                self.collector.token_gaps(gap, tokens);
            }
        }
        for k in 0..self.scratch_outcome.completed.len() {
            self.leave(self.scratch_outcome.completed[k]);
        }
        self.scratch_outcome.completed.clear();
        for k in 0..self.scratch_outcome.prefill_done.len() {
            self.start_transfer(self.scratch_outcome.prefill_done[k]);
        }
        self.scratch_outcome.prefill_done.clear();
        if !self.awaiting_room[instance].is_empty() {
            self.retry_reservations(instance);
        }
        self.kick(instance);
    }

    /// The prefill part is done: reserve KV on the decode instance and send it, or wait for
    /// room (policy `wait`), or drop the request (policy `drop`, or a prompt that can never
    /// fit).
    fn start_transfer(&mut self, id: ReqId) {
        self.collector.transfer_started();
        let block_size = self.config.engine.block_size;
        let r = &self.requests[id];
        let d = r.decode_instance as usize;
        let fits_ever = r.blocks_for(0, block_size) <= self.instances[d].kv.total();
        // Requests already waiting for this instance go first.
        if fits_ever && self.awaiting_room[d].is_empty() && self.try_reserve(id) {
            return;
        }
        if fits_ever && self.config.kv_transfer.reservation == ReservationPolicy::Wait {
            self.requests[id].stage = Stage::AwaitingKvRoom;
            self.awaiting_room[d].push_back(id);
            return;
        }
        self.drop_transfer(id);
    }

    /// Drops a request whose prefill is done for want of KV room on its decode instance.
    fn drop_transfer(&mut self, id: ReqId) {
        let r = &mut self.requests[id];
        let p = r.prefill_instance as usize;
        r.stage = Stage::Dropped(DropReason::DecodeKvFull);
        self.instances[p].kv.release(r.prefix, r.anonymous_blocks);
        r.anonymous_blocks = 0;
        self.router.released(p as u32, r.input());
        self.finish_dropped(id);
        if !self.awaiting_room[p].is_empty() {
            self.retry_reservations(p);
        }
        self.kick(p);
    }

    /// Drops the first request waiting for room on the lowest instance that has one;
    /// returns false when none waits.
    fn break_reservation_deadlock(&mut self) -> bool {
        let Some(d) = self.awaiting_room.iter().position(|q| !q.is_empty()) else {
            return false;
        };
        let Some(id) = self.awaiting_room[d].pop_front() else {
            return false;
        };
        self.drop_transfer(id);
        true
    }

    /// Starts the transfers of the requests waiting for room on `instance` that fit now, in
    /// arrival order at the reservation (the first that does not fit blocks the others).
    fn retry_reservations(&mut self, instance: usize) {
        while let Some(&id) = self.awaiting_room[instance].front() {
            if !self.try_reserve(id) {
                break;
            }
            self.awaiting_room[instance].pop_front();
        }
    }

    /// Reserves the prompt's KV blocks (plus the first token's slot) on the decode
    /// instance, as vLLM does for `WAITING_FOR_REMOTE_KVS`, and starts moving the KV;
    /// returns false, changing nothing, when they do not fit now.
    fn try_reserve(&mut self, id: ReqId) -> bool {
        let now = self.now;
        let block_size = self.config.engine.block_size;
        let r = &mut self.requests[id];
        let d = r.decode_instance as usize;
        let p = r.prefill_instance as usize;
        let reserve = r.blocks_for(0, block_size);
        let anonymous = reserve - r.prefix.len();
        // Blocks the decode instance already holds or has cached need not move (vLLM's
        // NIXL connector, Dynamo and Inference Lab send only the missing ones).
        let present = self.instances[d].kv.cached_prefix(r.prefix) as u64;
        if !self.instances[d].kv.try_acquire(r.prefix, anonymous) {
            return false;
        }
        r.times.transfer_start = now;
        // Whole blocks of the prompt; each TP rank of the sender moves its shard in parallel.
        let blocks = r.prompt_blocks(block_size) - present;
        let sender = &self.instances[p];
        let bytes_per_block =
            u64::from(block_size) * sender.kv_bytes_per_token_per_rank * u64::from(sender.tp);
        let per_rank = blocks * u64::from(block_size) * sender.kv_bytes_per_token_per_rank;
        r.prompt_kv_bytes = (blocks + present) * bytes_per_block;
        r.skipped_blocks = present as u32;
        r.stage = Stage::Transferring;
        if self.config.kv_transfer.receive == KvReceive::InStep {
            // No transfer beside the steps: the decode instance receives the KV inside the
            // step that admits the request (`transfer_done` hands it over at once).
            self.queue.push(now, Event::TransferDone(id));
        } else if self.config.kv_transfer.contention {
            self.queue
                .push(now.saturating_add(self.link_base), Event::LinkJoin(id));
        } else {
            let duration = self
                .link_base
                .saturating_add(transfer::solo_time(per_rank as f64, self.link_bytes_per_ns));
            self.queue
                .push(now.saturating_add(duration), Event::TransferDone(id));
        }
        true
    }

    fn transfer_done(&mut self, id: ReqId) {
        let now = self.now;
        let r = &mut self.requests[id];
        r.times.transfer_end = now;
        r.stage = Stage::AwaitingDecode;
        let (p, d) = (r.prefill_instance as usize, r.decode_instance as usize);
        // The prefill instance keeps the prompt only as reusable cache from now on.
        self.instances[p].kv.release(r.prefix, r.anonymous_blocks);
        r.anonymous_blocks = 0;
        self.router.released(p as u32, r.input());
        self.timeline.transfer_in(d, now);
        if self.config.kv_transfer.receive == KvReceive::InStep {
            let moved = r.transfer_bytes(self.config.engine.block_size).0;
            let per_rank = moved as f64 / f64::from(self.instances[p].tp);
            let receive = self
                .link_base
                .saturating_add(transfer::solo_time(per_rank, self.link_bytes_per_ns));
            self.instances[d].enqueue_receiving(id, receive);
        } else {
            self.instances[d].enqueue_ready(id);
        }
        if !self.awaiting_room[p].is_empty() {
            self.retry_reservations(p);
        }
        self.kick(p);
        self.kick(d);
    }

    /// A request whose stage says why it was dropped leaves.
    fn finish_dropped(&mut self, id: ReqId) {
        let r = &self.requests[id];
        debug_assert!(matches!(r.stage, Stage::Dropped(_)), "{:?}", r.stage);
        if r.disaggregated
            && r.stage == Stage::Dropped(DropReason::PromptExceedsKv)
            && r.times.transfer_start == request::UNSET
        {
            // Dropped by its prefill instance, which counted it too.
            let p = r.prefill_instance as usize;
            self.router.released(p as u32, r.input());
        }
        self.leave(id);
    }

    /// A request has left the cluster (completed or dropped): fold it into the report and
    /// free its slot. Nothing may refer to the slot afterwards except stale entries of an
    /// instance's finishing heap, which check the request's instance and admission order.
    fn leave(&mut self, id: ReqId) {
        let r = &mut self.requests[id];
        let d = r.decode_instance as usize;
        self.router.released(d as u32, r.input());
        // Dropped before its prefill ended.
        let routed = std::mem::take(&mut r.routed_prefill_blocks);
        self.router
            .prefill_ended(r.prefill_instance, u64::from(routed));
        let r = &self.requests[id];
        if self.cache_outputs && r.stage == Stage::Done && self.config.engine.prefix_caching {
            // The router learns of the cached output blocks as of stored blocks (Dynamo's KV
            // events), so the session's next turn is routed where its conversation is.
            let kept = SharedPrefix {
                blocks: r.full_blocks(self.config.engine.block_size),
                ..r.prefix
            };
            self.router.learned(d as u32, kept);
        }
        let session = self.workload.session_of(&r.spec);
        self.collector
            .leave(&r.finished(self.config.engine.block_size, session));
        self.free_slots.push(id);
        if self.workload.has_follow_ups() {
            let r = &self.requests[id];
            let completed = r.stage == Stage::Done;
            if let Some(next) = self.workload.follow_up(&r.spec, completed, self.now) {
                let slot = match self.free_follow_ups.pop() {
                    Some(slot) => {
                        self.follow_ups[slot as usize] = next;
                        slot
                    }
                    None => {
                        self.follow_ups.push(next);
                        (self.follow_ups.len() - 1) as u32
                    }
                };
                self.queue.push(
                    next.arrival.saturating_add(self.frontend),
                    Event::FollowUp(slot),
                );
            }
        }
    }
}

/// Gives every instance the offload tiers of `tiers` (one `remote` store shared by all).
fn set_kv_tiers(
    instances: &mut [Instance],
    tiers: &[crate::config::KvTierConfig],
    block_size: u32,
) {
    use std::{cell::RefCell, rc::Rc};
    let block_bytes =
        |i: &Instance| u64::from(block_size) * i.kv_bytes_per_token_per_rank * u64::from(i.tp);
    let first = instances.first().map_or(0, block_bytes);
    let remote = tiers
        .iter()
        .find(|t| t.tier == crate::config::KvTier::Remote)
        .map(|t| Rc::new(RefCell::new(crate::prefix::TierStore::new(t, first))));
    for instance in instances {
        let bytes = block_bytes(instance);
        let stores: Vec<_> = tiers
            .iter()
            .map(|t| match (&remote, t.tier) {
                (Some(remote), crate::config::KvTier::Remote) => Rc::clone(remote),
                _ => Rc::new(RefCell::new(crate::prefix::TierStore::new(t, bytes))),
            })
            .collect();
        instance.kv.set_tiers(
            stores,
            u64::from(block_size) * instance.kv_bytes_per_token_per_rank,
        );
    }
}

/// What each offload tier did, all instances together (a shared `remote` store once).
fn kv_tier_summaries(instances: &[Instance]) -> Vec<crate::report::KvTierSummary> {
    let Some(first) = instances.first() else {
        return Vec::new();
    };
    (0..first.kv.tiers().len())
        .map(|t| {
            let kind = first.kv.tiers()[t].borrow().kind;
            let shared = kind == crate::config::KvTier::Remote;
            let (mut hit, mut stored, mut loaded) = (0, 0, 0);
            for instance in instances
                .iter()
                .take(if shared { 1 } else { instances.len() })
            {
                let tier = instance.kv.tiers()[t].borrow();
                hit += tier.loaded_blocks * u64::from(instance.limits().block_size);
                stored += tier.stored_blocks * tier.block_bytes;
                loaded += tier.loaded_blocks * tier.block_bytes;
            }
            crate::report::KvTierSummary {
                tier: kind,
                hit_tokens: hit,
                stored_bytes: stored,
                loaded_bytes: loaded,
            }
        })
        .collect()
}

/// Requests a run will inject, as far as the config says (capped, for reservation only).
fn expected_requests(config: &Config) -> usize {
    let n = config.expected_requests().unwrap_or(0);
    n.min(config.limits.max_requests).min(1 << 21) as usize
}
