//! One serving instance: vLLM-style continuous batching in steps.
//!
//! Each step: every decoding sequence emits one token, prompts in progress continue with a
//! chunk, then waiting requests are admitted first come, first served while the token
//! budget, the sequence cap and the KV blocks allow. When decoders need a new KV block and
//! none is free, the most recently admitted running request is preempted and recomputed
//! later. That is scheduler `mixed`; with `prefill-first` a step is prefill-only while a
//! prompt can be computed (the decoders wait), and decode-only otherwise. The decoders'
//! step counter then counts decode steps only.
//!
//! Cost: decoders are never visited one by one per step. A decoder's progress is a
//! function of the instance's step counter (`generated = joined_with + (step - joined_at)`),
//! so a step only needs aggregates: the number of decoders, the sum of their context
//! offsets, how many of them cross a block boundary this step (`phase_count`, indexed by
//! the step modulo the block size), and a heap of finishing steps. A step therefore costs
//! O(1) plus O(log n) per request that joins, finishes or is preempted.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::cost::{CostModel, StepWork};
use crate::engine::request::{DropReason, ReqId, Request, Stage, UNSET};
use crate::engine::speculative::Speculation;
use crate::prefix::{BlockPool, SharedPrefix};
use crate::report::{InstanceReport, Role};
use crate::time::Nanos;

/// Batching limits shared by all instances.
#[derive(Clone, Copy, Debug)]
pub struct BatchLimits {
    /// Most sequences per step.
    pub max_num_seqs: u32,
    /// Token budget per step.
    pub max_num_batched_tokens: u32,
    /// Tokens per KV block.
    pub block_size: u32,
    /// Scheduler `prefill-first`: prefill-only steps while a prompt can be computed.
    pub prefill_first: bool,
}

/// What happened at the end of a step, for the engine to act on.
#[derive(Debug, Default)]
pub struct StepOutcome {
    /// Disaggregated requests whose prefill part just finished (their KV must move).
    pub prefill_done: Vec<ReqId>,
    /// Requests that emitted their last token.
    pub completed: Vec<ReqId>,
    /// Tokens the step emitted after an earlier token of the same request, each one step
    /// duration after it (decoders, but not the first decode step of a disaggregated
    /// request).
    pub gap_tokens: u64,
    /// The step's duration.
    pub duration: Nanos,
    /// Output tokens the step's decoders emitted (one each, or their kept proposals plus
    /// one under speculative decoding).
    pub decode_tokens: u64,
    /// Gaps of tokens emitted by a recompute after a preemption: since the request's
    /// previous token, not one step.
    pub resumed_gaps: Vec<Nanos>,
    /// The `routed_prefill_blocks` of the requests whose prefill ended in the step, for the
    /// router's books.
    pub routed_prefill_blocks_ended: u64,
    /// Of `gap_tokens`, those of decoders that waited through prefill-only steps (scheduler
    /// `prefill-first`) since their previous token: (gap, tokens), the gap longer than the
    /// step by the prefill-only steps they waited through.
    pub stalled_gaps: Vec<(Nanos, u64)>,
}

/// Counters reported per instance.
#[derive(Clone, Copy, Debug, Default)]
pub struct InstanceStats {
    /// Time spent in steps.
    pub busy: Nanos,
    /// Steps run.
    pub steps: u64,
    /// Sum over steps of sequences in the batch.
    pub batch_seqs: u64,
    /// Prompt tokens computed.
    pub prefill_tokens: u64,
    /// Output tokens decoded.
    pub decode_tokens: u64,
    /// Requests routed here.
    pub requests: u64,
    /// Preemptions here.
    pub preemptions: u64,
    /// Elements visited by step planning and completion (requests chunked, admitted,
    /// joined, finished, preempted, plus one per step): the cost model's promise is that
    /// this grows with steps and state changes, never with steps x batch size.
    pub work: u64,
}

/// The step in progress.
#[derive(Debug, Default)]
struct Step {
    start: Nanos,
    /// (request, tokens computed this step).
    chunks: Vec<(ReqId, u32)>,
    /// Disaggregated requests whose first decode step this is.
    joined: Vec<ReqId>,
    /// What the step computes (its duration comes from this).
    work: StepWork,
    /// Whether the decoders take part (false: a prefill-only step of scheduler
    /// `prefill-first`, after which the decoders are where they were).
    decode: bool,
    /// KV loaded from offload tiers for the prompts it admits, before it computes.
    load: Nanos,
}

/// One instance.
#[derive(Debug)]
pub struct Instance {
    /// Index in the cluster.
    pub id: u32,
    /// Pool.
    pub role: Role,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// GPU display name.
    pub gpu_name: String,
    /// KV bytes of one token held by one TP rank (what one rank sends).
    pub kv_bytes_per_token_per_rank: u64,
    /// Its roofline.
    pub cost: CostModel,
    /// Its KV blocks and prefix cache.
    pub kv: BlockPool,
    /// Counters.
    pub stats: InstanceStats,
    waiting: VecDeque<ReqId>,
    /// Disaggregated requests whose KV has arrived, waiting to join the decode batch.
    ready: VecDeque<ReqId>,
    /// With `kv_transfer.receive: in-step`, the receive time of each of `ready`'s requests
    /// (in the same order), which the step that admits it takes on top (empty otherwise).
    ready_receive: VecDeque<Nanos>,
    prefilling: Vec<ReqId>,
    /// Running requests as (admission number, request), in admission order (the newest is
    /// preempted first). Requests that stop running are not searched for: their entries
    /// go stale (the request's admission number or stage no longer match) and are skipped
    /// when popped or dropped by an occasional compaction.
    running: Vec<(u64, ReqId)>,
    /// Requests running now (the live entries of `running`).
    running_count: u64,
    /// Admissions so far.
    admissions: u64,
    step_counter: u64,
    /// `(-step_counter) mod block_size`: the `phase_count` slot of the decoders that cross a
    /// block boundary in the next step (kept incrementally; a division per step shows up).
    boundary_phase: usize,
    decoders: u64,
    /// Sum over decoders of `input + joined_with - joined_at`: their total context at step
    /// `s` is this plus `decoders x s`.
    context_offset_sum: i64,
    /// Decoders by `(input + joined_with - joined_at) mod block_size`.
    phase_count: Vec<u64>,
    /// (step at whose end it emits its last token, admit seq, request).
    finishing: BinaryHeap<Reverse<(u64, u64, ReqId)>>,
    /// The current step (its buffers are reused from step to step); valid while `stepping`.
    step: Step,
    /// Speculative decoding, when on: its decoders are then visited one by one every step
    /// (`spec_decoders`) instead of through the aggregates above, as each advances by its
    /// own draw.
    pub speculation: Option<Box<Speculation>>,
    /// Under speculative decoding, the decoding requests, in the order they joined.
    spec_decoders: Vec<ReqId>,
    /// Scheduler `prefill-first`: time spent in prefill-only steps since the last decode
    /// step, and the decoders waiting through them as (stall already passed when they
    /// started waiting, how many), oldest first.
    stall: Nanos,
    stall_cohorts: Vec<(Nanos, u64)>,
    stepping: bool,
    /// The head of the waiting queue when it last failed to fit in KV, with the pool's
    /// release count then: until something is released it cannot fit (acquiring, growing
    /// and evicting never make room), so admission does not retry it every step.
    blocked_head: Option<(ReqId, u64)>,
    limits: BatchLimits,
    /// `engine.step_overhead_per_seq_ms` in ns: CPU time a step costs per sequence in its
    /// batch, on top of the cost model's fixed per-step overhead.
    seq_overhead: Nanos,
}

impl Instance {
    /// An idle instance.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: u32,
        role: Role,
        tp: u32,
        gpu_name: String,
        kv_bytes_per_token_per_rank: u64,
        cost: CostModel,
        kv_blocks: u64,
        prefix_caching: bool,
        limits: BatchLimits,
        speculation: Option<Speculation>,
    ) -> Self {
        Self {
            id,
            role,
            tp,
            gpu_name,
            kv_bytes_per_token_per_rank,
            cost,
            kv: BlockPool::new(kv_blocks, prefix_caching),
            stats: InstanceStats::default(),
            waiting: VecDeque::new(),
            ready: VecDeque::new(),
            ready_receive: VecDeque::new(),
            prefilling: Vec::new(),
            running: Vec::new(),
            running_count: 0,
            admissions: 0,
            step_counter: 0,
            boundary_phase: 0,
            decoders: 0,
            context_offset_sum: 0,
            phase_count: vec![0; limits.block_size as usize],
            finishing: BinaryHeap::new(),
            step: Step::default(),
            speculation: speculation.map(Box::new),
            spec_decoders: Vec::new(),
            stall: 0,
            stall_cohorts: Vec::new(),
            stepping: false,
            blocked_head: None,
            limits,
            seq_overhead: 0,
        }
    }

    /// The same instance with `ns` of CPU time per sequence in each step's batch
    /// (`engine.step_overhead_per_seq_ms`).
    pub fn with_seq_overhead(mut self, ns: Nanos) -> Self {
        self.seq_overhead = ns;
        self
    }

    /// Requests waiting for admission.
    pub fn queue_depth(&self) -> usize {
        self.waiting.len() + self.ready.len()
    }

    /// Adds a request that needs prefill to the back of the waiting queue.
    pub fn enqueue(&mut self, id: ReqId) {
        self.waiting.push_back(id);
    }

    /// Adds a disaggregated request whose KV has arrived to the decode queue.
    pub fn enqueue_ready(&mut self, id: ReqId) {
        self.ready.push_back(id);
    }

    /// Adds a disaggregated request whose KV this instance receives in the step that
    /// admits it, taking `receive` (`kv_transfer.receive: in-step`).
    pub fn enqueue_receiving(&mut self, id: ReqId, receive: Nanos) {
        self.ready.push_back(id);
        self.ready_receive.push_back(receive);
    }

    /// Plans and starts the next step at `now` if idle and there is work; returns its
    /// duration. Requests dropped while planning are appended to `dropped`.
    pub fn start_step(
        &mut self,
        now: Nanos,
        reqs: &mut [Request],
        dropped: &mut Vec<ReqId>,
    ) -> Option<Nanos> {
        if self.stepping {
            return None;
        }
        let step = &mut self.step;
        step.start = now;
        step.chunks.clear();
        step.joined.clear();
        step.work = StepWork::default();
        step.load = 0;
        let s = self.step_counter;
        if self.running.len() as u64 > 2 * self.running_count + 64 {
            self.running.retain(|&(seq, id)| is_running(&reqs[id], seq));
        }
        if self.limits.prefill_first && !(self.prefilling.is_empty() && self.waiting.is_empty()) {
            if let Some(duration) = self.start_prefill_only_step(now, reqs, dropped) {
                return Some(duration);
            }
        }
        self.step.decode = true;

        // Decoders that cross a block boundary this step need one block each (under
        // speculation: the blocks of all the tokens each verifies).
        if self.speculation.is_some() {
            self.reserve_verify_slots(now, reqs);
        } else {
            loop {
                let need = self.phase_count[self.boundary_phase];
                if need == 0 || self.kv.try_grow(need) {
                    break;
                }
                if !self.preempt_newest(now, reqs) {
                    break;
                }
            }
        }
        // Each decoder's tokens of this step count against the budget (k + 1 under
        // speculation, as vLLM counts the proposals it schedules).
        let verify_per_seq = self.speculation.as_ref().map_or(0, |s| u64::from(s.k));
        let mut budget = u64::from(self.limits.max_num_batched_tokens)
            .saturating_sub(self.decoders * (1 + verify_per_seq));
        let mut seqs = self.running_count;

        self.continue_prefills(reqs, &mut budget);

        // Most steps have nobody to admit (a decode batch running on). A decode step of
        // `prefill-first` admits no prompt: none could be computed a moment ago.
        if !(self.ready.is_empty() && self.waiting.is_empty()) {
            let prompts_too = !self.limits.prefill_first;
            self.admit(now, reqs, &mut budget, &mut seqs, dropped, prompts_too);
        }

        let decode_seqs = self.decoders;
        let step = &mut self.step;
        self.stats.work += 1 + step.chunks.len() as u64 + step.joined.len() as u64;
        if step.chunks.is_empty() && decode_seqs == 0 {
            return None;
        }
        let work = &mut step.work;
        work.decode_seqs = decode_seqs;
        work.logit_tokens += decode_seqs;
        work.decode_context_tokens =
            (self.context_offset_sum + (self.decoders * s) as i64).max(0) as u64;
        // One call of the cost model (so it stays inlined here, in the step loop).
        let mut proposer = 0;
        if let Some(spec) = &self.speculation {
            // Joined this step: their first decode step has nothing proposed yet.
            let verifying = decode_seqs - step.joined.len() as u64;
            let context: u64 = self
                .spec_decoders
                .iter()
                .map(|&id| u64::from(reqs[id].input() + reqs[id].generated))
                .sum();
            work.decode_context_tokens = context;
            work.verify_tokens = verifying * u64::from(spec.k);
            work.logit_tokens += work.verify_tokens;
            let joined_context: u64 = step
                .joined
                .iter()
                .map(|&id| u64::from(reqs[id].input()))
                .sum();
            proposer = spec.proposer_time(verifying, context - joined_context);
            self.stats.work += decode_seqs;
        } else {
            self.stats.decode_tokens += decode_seqs;
        }
        let batch = decode_seqs + step.chunks.len() as u64;
        let duration = (self.cost.step_time(work) + proposer + batch * self.seq_overhead)
            .saturating_add(step.load);
        self.stats.busy += duration;
        self.stats.steps += 1;
        self.stats.batch_seqs += seqs;
        self.stats.prefill_tokens += work.prefill_tokens;
        self.stepping = true;
        Some(duration)
    }

    /// Gives the prompts already being prefilled their next chunks, first come first, out
    /// of `budget` tokens (mixed and prefill-only steps alike).
    #[inline]
    fn continue_prefills(&mut self, reqs: &[Request], budget: &mut u64) {
        for &id in &self.prefilling {
            if *budget == 0 {
                break;
            }
            let r = &reqs[id];
            let chunk = u64::from(r.target - r.computed).min(*budget) as u32;
            *budget -= u64::from(chunk);
            add_chunk(&mut self.step.work, r.computed, chunk, r.target);
            self.step.chunks.push((id, chunk));
        }
    }

    /// Scheduler `prefill-first`: starts a prefill-only step if a prompt can be computed
    /// (prompts in progress continue, waiting ones are admitted, with the whole token
    /// budget; the decoders wait). Returns its duration, or `None`, having changed nothing,
    /// when no prompt can be computed now.
    #[inline(never)]
    fn start_prefill_only_step(
        &mut self,
        now: Nanos,
        reqs: &mut [Request],
        dropped: &mut Vec<ReqId>,
    ) -> Option<Nanos> {
        let mut budget = u64::from(self.limits.max_num_batched_tokens);
        let mut seqs = self.running_count;
        self.continue_prefills(reqs, &mut budget);
        if !self.waiting.is_empty() {
            self.admit_waiting(now, reqs, &mut budget, &mut seqs, dropped);
        }
        if self.step.chunks.is_empty() {
            return None;
        }
        self.step.decode = false;
        self.stats.work += 1 + self.step.chunks.len() as u64;
        let work = &self.step.work;
        let duration =
            self.cost.step_time(work) + self.step.chunks.len() as u64 * self.seq_overhead;
        self.stats.busy += duration;
        self.stats.steps += 1;
        self.stats.batch_seqs += self.step.chunks.len() as u64;
        self.stats.prefill_tokens += work.prefill_tokens;
        self.stepping = true;
        Some(duration)
    }

    /// Admits requests while budget, sequence cap and KV allow: first those whose KV
    /// already arrived (they hold their blocks, so admitting them first frees memory
    /// soonest), then (with `prompts_too`) waiting requests first come, first served; a
    /// waiting request that does not fit in KV blocks the ones behind it.
    fn admit(
        &mut self,
        now: Nanos,
        reqs: &mut [Request],
        budget: &mut u64,
        seqs: &mut u64,
        dropped: &mut Vec<ReqId>,
        prompts_too: bool,
    ) {
        let max_seqs = u64::from(self.limits.max_num_seqs);
        while *seqs < max_seqs && *budget > 0 {
            let Some(id) = self.ready.pop_front() else {
                break;
            };
            if let Some(receive) = self.ready_receive.pop_front() {
                // The KV lands inside this step: its decoders wait through it.
                self.step.load = self.step.load.saturating_add(receive);
            }
            *budget -= 1;
            *seqs += 1;
            let r = &mut reqs[id];
            r.times.first_token_step_start = now;
            self.step.joined.push(id);
            self.join_decoders(id, r, 0, true);
        }
        if prompts_too {
            self.admit_waiting(now, reqs, budget, seqs, dropped);
        }
    }

    /// Admits waiting requests, first come, first served, while budget, sequence cap and KV
    /// allow; a request that does not fit in KV blocks the ones behind it.
    #[inline(always)]
    fn admit_waiting(
        &mut self,
        now: Nanos,
        reqs: &mut [Request],
        budget: &mut u64,
        seqs: &mut u64,
        dropped: &mut Vec<ReqId>,
    ) {
        let max_seqs = u64::from(self.limits.max_num_seqs);
        let bs = self.limits.block_size;
        while *seqs < max_seqs && *budget > 0 {
            let Some(&id) = self.waiting.front() else {
                break;
            };
            if self.blocked_head == Some((id, self.kv.release_epoch())) {
                // It did not fit, and nothing was released since: it still does not fit.
                break;
            }
            let r = &mut reqs[id];
            let blocks = r.blocks_for(r.generated + 1, bs);
            if blocks > self.kv.total() {
                self.waiting.pop_front();
                r.stage = Stage::Dropped(DropReason::PromptExceedsKv);
                dropped.push(id);
                continue;
            }
            // Blocks in HBM, or in an offload tier and loaded before the prefill.
            let hit = self.kv.tier_hit(r.prefix);
            let cached_blocks = hit.blocks;
            let anonymous = blocks - r.prefix.len();
            if !self.kv.try_acquire(r.prefix, anonymous) {
                self.blocked_head = Some((id, self.kv.release_epoch()));
                break;
            }
            if hit.load > 0 {
                // The load holds the step that admits it: inside the request's `prefill`.
                self.kv.load(&hit);
                self.step.load = self.step.load.saturating_add(hit.load);
            }
            self.waiting.pop_front();
            // At least one prompt token is always computed, even on a full cache hit.
            let cached = (cached_blocks * u64::from(bs)).min(u64::from(r.target) - 1) as u32;
            if r.times.prefill_start == UNSET {
                r.cached_tokens = cached;
                r.times.prefill_start = now;
            }
            r.computed = cached;
            r.anonymous_blocks = anonymous;
            r.stage = Stage::Prefilling;
            r.admit_seq = self.start_running(id);
            let chunk = u64::from(r.target - r.computed).min(*budget) as u32;
            *budget -= u64::from(chunk);
            *seqs += 1;
            add_chunk(&mut self.step.work, r.computed, chunk, r.target);
            self.step.chunks.push((id, chunk));
            self.prefilling.push(id);
        }
    }

    /// Puts `r` in the decode batch from decode step `step_counter + join_offset` on, with
    /// `generated` tokens already emitted; `admitted_now` when it starts running here (a
    /// disaggregated request whose KV arrived).
    fn join_decoders(&mut self, id: ReqId, r: &mut Request, join_offset: u64, admitted_now: bool) {
        let joined_at = self.step_counter + join_offset;
        let bs = u64::from(self.limits.block_size);
        r.stage = Stage::Decoding;
        r.decode_join_step = joined_at;
        r.decode_join_generated = r.generated;
        if admitted_now {
            // A disaggregated request joining now: admission order starts here.
            r.admit_seq = self.start_running(id);
        }
        if self.speculation.is_some() {
            // What it holds now: its prompt and every token emitted (and the first's slot).
            r.anonymous_blocks = r.blocks_for(r.generated, self.limits.block_size) - r.prefix.len();
            self.decoders += 1;
            self.spec_decoders.push(id);
            return;
        }
        let offset = i64::from(r.input()) + i64::from(r.generated) - joined_at as i64;
        self.context_offset_sum += offset;
        self.decoders += 1;
        self.phase_count[offset.rem_euclid(bs as i64) as usize] += 1;
        let last_step = joined_at + u64::from(r.spec.output_tokens - r.generated) - 1;
        self.finishing.push(Reverse((last_step, r.admit_seq, id)));
    }

    /// Takes `r` out of the decode batch at step `s`, returning the tokens it has emitted.
    fn leave_decoders(&mut self, r: &Request, s: u64) -> u32 {
        let bs = self.limits.block_size as i64;
        let offset =
            i64::from(r.input()) + i64::from(r.decode_join_generated) - r.decode_join_step as i64;
        self.context_offset_sum -= offset;
        self.decoders -= 1;
        self.phase_count[offset.rem_euclid(bs) as usize] -= 1;
        r.decode_join_generated + (s - r.decode_join_step) as u32
    }

    /// Under speculative decoding: grows every decoder's KV to hold all the tokens its
    /// verify step may keep (`k + 1`, never past its output length), preempting the newest
    /// running requests while they do not fit.
    #[inline(never)]
    fn reserve_verify_slots(&mut self, now: Nanos, reqs: &mut [Request]) {
        let k = self.speculation.as_ref().map_or(0, |s| s.k);
        let bs = self.limits.block_size;
        let verify_blocks = |r: &Request| {
            r.blocks_for((r.generated + k + 1).min(r.spec.output_tokens), bs) - r.prefix.len()
        };
        loop {
            let need: u64 = self
                .spec_decoders
                .iter()
                .map(|&id| verify_blocks(&reqs[id]).saturating_sub(reqs[id].anonymous_blocks))
                .sum();
            if need == 0 || self.kv.try_grow(need) {
                break;
            }
            if !self.preempt_newest(now, reqs) {
                return;
            }
        }
        for &id in &self.spec_decoders {
            let r = &mut reqs[id];
            r.anonymous_blocks = r.anonymous_blocks.max(verify_blocks(r));
        }
    }

    /// Under speculative decoding, at the end of step `s`: advances every decoder by its
    /// kept proposals plus one (a disaggregated request's first decode step: by its first
    /// token), returns the blocks of the rejected ones and completes those that reached their
    /// output length. Returns the tokens emitted.
    #[inline(never)]
    fn advance_spec_decoders(
        &mut self,
        now: Nanos,
        reqs: &mut [Request],
        outcome: &mut StepOutcome,
    ) -> u64 {
        let Some(mut spec) = self.speculation.take() else {
            return 0;
        };
        let bs = self.limits.block_size;
        let mut emitted = 0;
        let mut i = 0;
        while i < self.spec_decoders.len() {
            let id = self.spec_decoders[i];
            let r = &mut reqs[id];
            let left = r.spec.output_tokens - r.generated;
            let advance = if r.generated == 0 {
                1
            } else {
                let advance = (spec.draw() + 1).min(left);
                spec.stats.advanced_tokens += u64::from(advance);
                advance
            };
            r.generated += advance;
            emitted += u64::from(advance);
            if r.generated >= r.spec.output_tokens {
                self.spec_decoders.swap_remove(i);
                self.decoders -= 1;
                self.running_count -= 1;
                self.stats.work += 1;
                self.kv.release(r.prefix, r.anonymous_blocks);
                r.anonymous_blocks = 0;
                r.times.completion = now;
                r.stage = Stage::Done;
                outcome.completed.push(id);
                continue;
            }
            let keep = r.blocks_for(r.generated, bs) - r.prefix.len();
            if keep < r.anonymous_blocks {
                // The slots of the rejected proposals.
                self.kv
                    .release(SharedPrefix::default(), r.anonymous_blocks - keep);
                r.anonymous_blocks = keep;
            }
            i += 1;
        }
        self.speculation = Some(spec);
        emitted
    }

    /// At the first decode step after prefill-only steps: the gaps of the decoders that
    /// waited through them (the step plus the stall each waited through), as many as still
    /// emit (preemption takes the newest first).
    #[inline(never)]
    fn stalled_gaps(&mut self, outcome: &mut StepOutcome) {
        let mut left = outcome.gap_tokens;
        for &(passed, n) in &self.stall_cohorts {
            let n = n.min(left);
            left -= n;
            if n > 0 {
                outcome
                    .stalled_gaps
                    .push((outcome.duration + self.stall - passed, n));
            }
        }
        outcome.gap_tokens = left;
        self.stall = 0;
        self.stall_cohorts.clear();
    }

    /// Records that `id` starts running here; returns its admission number. Numbers are
    /// unique across the cluster (this instance's id in the low bits), so an entry of
    /// `running` is current exactly when its request still carries its number and runs.
    fn start_running(&mut self, id: ReqId) -> u64 {
        let seq = (self.admissions << INSTANCE_BITS) | u64::from(self.id);
        self.admissions += 1;
        self.running.push((seq, id));
        self.running_count += 1;
        seq
    }

    /// Removes and returns the most recently admitted running request.
    fn pop_newest_running(&mut self, reqs: &[Request]) -> Option<ReqId> {
        while let Some((seq, id)) = self.running.pop() {
            if is_running(&reqs[id], seq) {
                self.running_count -= 1;
                return Some(id);
            }
        }
        None
    }

    /// Preempts the most recently admitted running request (recompute: its blocks are
    /// freed and it goes back to the front of the queue). Returns false if none runs.
    fn preempt_newest(&mut self, now: Nanos, reqs: &mut [Request]) -> bool {
        let Some(id) = self.pop_newest_running(reqs) else {
            return false;
        };
        let bs = self.limits.block_size;
        let s = self.step_counter;
        let r = &mut reqs[id];
        let anonymous = match r.stage {
            Stage::Decoding if self.speculation.is_some() => {
                self.spec_decoders.retain(|&d| d != id);
                self.decoders -= 1;
                // Its last token came at the end of the previous step, which is now.
                r.last_token_at = now;
                r.anonymous_blocks
            }
            Stage::Decoding => {
                let generated = self.leave_decoders(r, s);
                r.generated = generated;
                // Its last token came at the end of the previous step, which is now.
                r.last_token_at = now;
                r.blocks_for(generated, bs) - r.prefix.len()
            }
            _ => {
                self.prefilling.retain(|&p| p != id);
                r.anonymous_blocks
            }
        };
        self.kv.release(r.prefix, anonymous);
        r.anonymous_blocks = 0;
        r.target = r.input() + r.generated;
        r.computed = 0;
        r.stage = Stage::Queued;
        r.preemptions += 1;
        self.stats.preemptions += 1;
        self.stats.work += 1;
        self.waiting.push_front(id);
        true
    }

    /// Finishes the running step at `now`.
    #[inline]
    pub fn finish_step(&mut self, now: Nanos, reqs: &mut [Request], outcome: &mut StepOutcome) {
        if !self.stepping {
            return;
        }
        self.stepping = false;
        let s = self.step_counter;
        let bs = self.limits.block_size;
        outcome.duration = now - self.step.start;
        outcome.gap_tokens = self.step.work.decode_seqs - self.step.joined.len() as u64;
        for &id in &self.step.joined {
            reqs[id].times.first_token = now;
        }
        // A prefill-only step moves no decoder.
        let decode_step = self.step.decode;
        let decoders_before = self.decoders;
        if decode_step && !self.stall_cohorts.is_empty() {
            self.stalled_gaps(outcome);
        }
        outcome.decode_tokens = if self.speculation.is_some() && decode_step {
            let emitted = self.advance_spec_decoders(now, reqs, outcome);
            self.stats.decode_tokens += emitted;
            emitted
        } else {
            self.step.work.decode_seqs
        };
        // Decoders whose last token is this step's.
        while let Some(&Reverse((last, seq, id))) = self.finishing.peek() {
            if last > s || !decode_step {
                break;
            }
            self.finishing.pop();
            self.stats.work += 1;
            let r = &reqs[id];
            if r.stage != Stage::Decoding || r.admit_seq != seq || r.decode_instance != self.id {
                // Preempted since, or its slot now holds another request: a stale entry.
                // (Admission order is unique per instance, so the instance check suffices.)
                continue;
            }
            let generated = self.leave_decoders(r, s + 1);
            let r = &mut reqs[id];
            r.generated = generated;
            self.running_count -= 1;
            let kept = r.full_blocks(bs);
            self.kv
                .release_finished(r.prefix, kept, r.blocks_for(generated, bs) - r.prefix.len());
            r.times.completion = now;
            r.stage = Stage::Done;
            outcome.completed.push(id);
        }
        // Taken out while the loop changes the decode batch; put back to keep its buffer.
        let mut chunks = std::mem::take(&mut self.step.chunks);
        for (id, chunk) in chunks.drain(..) {
            let r = &mut reqs[id];
            r.computed += chunk;
            if r.computed < r.target {
                continue;
            }
            if r.disaggregated
                && r.prefill_instance == self.id
                && r.stage == Stage::Prefilling
                && r.generated == 0
            {
                // The prefill part is done; blocks stay held until the KV has left.
                self.running_count -= 1;
                outcome.routed_prefill_blocks_ended +=
                    u64::from(std::mem::take(&mut r.routed_prefill_blocks));
                r.times.prefill_end = now;
                r.stage = Stage::Transferring;
                outcome.prefill_done.push(id);
                continue;
            }
            r.generated += 1;
            if r.times.first_token == UNSET {
                outcome.routed_prefill_blocks_ended +=
                    u64::from(std::mem::take(&mut r.routed_prefill_blocks));
                r.times.prefill_end = now;
                r.times.first_token_step_start = self.step.start;
                r.times.first_token = now;
            } else {
                // A recompute after a preemption emits its next token.
                outcome.resumed_gaps.push(now - r.last_token_at);
            }
            if r.generated >= r.spec.output_tokens {
                self.running_count -= 1;
                self.kv
                    .release_finished(r.prefix, r.full_blocks(bs), r.anonymous_blocks);
                r.anonymous_blocks = 0;
                r.times.completion = now;
                r.stage = Stage::Done;
                outcome.completed.push(id);
            } else {
                // From the next decode step on (after a prefill-only step, that is the
                // step the decoders did not take).
                self.join_decoders(id, r, u64::from(decode_step), false);
            }
        }
        self.prefilling
            .retain(|&id| reqs[id].stage == Stage::Prefilling);
        if !decode_step {
            // The decoders wait through this step: those here before it, and those that
            // joined at its end (their wait starts now).
            if self.stall_cohorts.is_empty() && decoders_before > 0 {
                self.stall_cohorts.push((0, decoders_before));
            }
            self.stall += outcome.duration;
            if self.decoders > decoders_before {
                self.stall_cohorts
                    .push((self.stall, self.decoders - decoders_before));
            }
        }
        if decode_step {
            self.step_counter += 1;
            self.boundary_phase = self
                .boundary_phase
                .checked_sub(1)
                .unwrap_or(self.limits.block_size as usize - 1);
        }
        self.step.chunks = chunks;
    }

    /// Its line in the report of a run that ended at `end`.
    pub fn report(&self, end: Nanos) -> InstanceReport {
        let s = &self.stats;
        let ratio = |x: f64, of: f64| if of > 0.0 { x / of } else { 0.0 };
        InstanceReport {
            id: self.id,
            role: self.role,
            tp: self.tp,
            gpu: self.gpu_name.clone(),
            kv_blocks: self.kv.total(),
            busy_fraction: ratio(s.busy as f64, end as f64).min(1.0),
            steps: s.steps,
            mean_batch_size: ratio(s.batch_seqs as f64, s.steps as f64),
            kv_peak_utilization: ratio(self.kv.peak_used() as f64, self.kv.total() as f64),
            prefill_tokens: s.prefill_tokens,
            decode_tokens: s.decode_tokens,
            requests: s.requests,
            preemptions: s.preemptions,
        }
    }

    /// Its batching limits.
    pub fn limits(&self) -> BatchLimits {
        self.limits
    }

    /// Whether a step is running.
    pub fn is_stepping(&self) -> bool {
        self.stepping
    }

    /// Start time of the running step.
    pub fn step_start(&self) -> Option<Nanos> {
        self.stepping.then_some(self.step.start)
    }

    /// Prompt and output tokens of the running step, for the timeline.
    pub fn step_tokens(&self) -> (u64, u64) {
        if self.stepping {
            (self.step.work.prefill_tokens, self.step.work.decode_seqs)
        } else {
            (0, 0)
        }
    }
}

/// Low bits of an admission number that hold the instance id.
const INSTANCE_BITS: u32 = 12;
const _: () = assert!(3 * crate::validate::MAX_INSTANCES <= 1 << INSTANCE_BITS);

/// Whether the `running` entry `(seq, r)` is current.
fn is_running(r: &Request, seq: u64) -> bool {
    r.admit_seq == seq && matches!(r.stage, Stage::Prefilling | Stage::Decoding)
}

/// Adds a prefill chunk of `chunk` tokens after `done` computed ones, of a prompt of
/// `target` tokens: the chunk that finishes the prompt computes one token's logits.
fn add_chunk(work: &mut StepWork, done: u32, chunk: u32, target: u32) {
    let (p, q) = (f64::from(done), f64::from(chunk));
    work.prefill_tokens += u64::from(chunk);
    work.logit_tokens += u64::from(done + chunk == target);
    work.prefill_attention_pairs += q * p + q * (q + 1.0) / 2.0;
}
