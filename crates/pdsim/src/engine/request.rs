//! A request's state while it moves through the cluster, and the timestamps of its life.

use crate::metrics::Finished;
use crate::prefix::SharedPrefix;
use crate::report::{Phases, RequestStatus};
use crate::time::Nanos;
use crate::workload::RequestSpec;

/// Slot of a request in the simulation's request table (reused once the request has left).
pub type ReqId = usize;

/// Not yet happened.
pub const UNSET: Nanos = Nanos::MAX;

/// Where a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// In an instance's waiting queue, needing prefill compute.
    Queued,
    /// Admitted, computing its prompt in chunks.
    Prefilling,
    /// Prefill part done on a prefill instance; waiting for its decode instance to reserve
    /// KV blocks for the prompt (reservation policy `wait`), its blocks held where it
    /// prefilled.
    AwaitingKvRoom,
    /// Prefill part done on a prefill instance; its KV is on the link.
    Transferring,
    /// KV arrived; waiting in the decode instance's queue with its blocks reserved.
    AwaitingDecode,
    /// In the decode batch, one token per step.
    Decoding,
    /// Emitted its last token: it has left the cluster.
    Done,
    /// Dropped, for this reason: it has left the cluster.
    Dropped(DropReason),
}

// Why a request left early: the report's type, so the engine, the records' status and
// `dropped_by_reason` name the reasons in one place.
pub use crate::report::DropReason;

/// Timestamps of a request's life (`UNSET` until they happen).
#[derive(Clone, Copy, Debug)]
pub struct Times {
    /// Start of the first step that computed any of its prompt.
    pub prefill_start: Nanos,
    /// End of the step that finished its prompt (on the prefill instance when remote).
    pub prefill_end: Nanos,
    /// KV transfer start: when the decode instance reserved the prompt's blocks
    /// (`prefill_end`, unless the request waited for room).
    pub transfer_start: Nanos,
    /// KV transfer end.
    pub transfer_end: Nanos,
    /// Start of the step that emitted the first token.
    pub first_token_step_start: Nanos,
    /// End of that step.
    pub first_token: Nanos,
    /// End of the step that emitted the last token.
    pub completion: Nanos,
}

impl Default for Times {
    fn default() -> Self {
        Self {
            prefill_start: UNSET,
            prefill_end: UNSET,
            transfer_start: UNSET,
            transfer_end: UNSET,
            first_token_step_start: UNSET,
            first_token: UNSET,
            completion: UNSET,
        }
    }
}

/// One request's simulation state.
#[derive(Clone, Debug)]
pub struct Request {
    /// What arrived.
    pub spec: RequestSpec,
    /// The prompt's shareable blocks; its other blocks are private and only counted.
    pub prefix: SharedPrefix,
    /// Where it is.
    pub stage: Stage,
    /// Whether its prefill runs on a prefill instance.
    pub disaggregated: bool,
    /// Instance of its prefill part.
    pub prefill_instance: u32,
    /// Instance that decodes it.
    pub decode_instance: u32,
    /// Tokens the current prefill must have computed (prompt, plus output on a recompute).
    pub target: u32,
    /// Tokens computed so far in the current prefill (cache hits included).
    pub computed: u32,
    /// Output tokens emitted so far (valid outside `Decoding`).
    pub generated: u32,
    /// Private (non-shareable) KV blocks held outside `Decoding`.
    pub anonymous_blocks: u64,
    /// Admission order on its current instance; newer admissions are preempted first.
    pub admit_seq: u64,
    /// Instance step counter when it joined the decode batch.
    pub decode_join_step: u64,
    /// Tokens already emitted when it joined the decode batch.
    pub decode_join_generated: u32,
    /// Prompt tokens served from the prefix cache at its (first) prefill admission.
    pub cached_tokens: u32,
    /// Recompute preemptions suffered.
    pub preemptions: u32,
    /// KV bytes of its whole prompt, all TP ranks (set when its transfer starts).
    pub prompt_kv_bytes: u64,
    /// Of those, the blocks its decode instance already held, so did not move.
    pub skipped_blocks: u32,
    /// Its timestamps.
    pub times: Times,
    /// When it emitted its last token before a preemption (`UNSET` until then).
    pub last_token_at: Nanos,
    /// Blocks counted for it in its prefill instance's `pending_prefill_blocks` (0 once its
    /// prefill ended).
    pub routed_prefill_blocks: u32,
}

impl Stage {
    /// Whether the request has left the cluster (completed or dropped).
    pub fn has_left(self) -> bool {
        matches!(self, Self::Done | Self::Dropped(_))
    }
}

impl Request {
    /// A request that just arrived.
    pub fn new(spec: RequestSpec, prefix: SharedPrefix) -> Self {
        Self {
            spec,
            prefix,
            stage: Stage::Queued,
            disaggregated: false,
            prefill_instance: 0,
            decode_instance: 0,
            target: spec.prompt.len,
            computed: 0,
            generated: 0,
            anonymous_blocks: 0,
            admit_seq: 0,
            decode_join_step: 0,
            decode_join_generated: 0,
            cached_tokens: 0,
            preemptions: 0,
            prompt_kv_bytes: 0,
            skipped_blocks: 0,
            times: Times::default(),
            last_token_at: UNSET,
            routed_prefill_blocks: 0,
        }
    }

    /// What the report keeps of it as it leaves the simulation (completed, dropped or cut
    /// off by the horizon), as turn `session` of a session if it is one.
    #[inline]
    pub fn finished(&self, block_size: u32, session: Option<u32>) -> Finished {
        let t = &self.times;
        let arrival = self.spec.arrival;
        let (status, drop_reason) = match self.stage {
            Stage::Dropped(reason) => (RequestStatus::from(reason), Some(reason)),
            Stage::Done => (RequestStatus::Completed, None),
            _ => (RequestStatus::InFlight, None),
        };
        let completed = status == RequestStatus::Completed;
        Finished {
            id: self.id(),
            arrival,
            status,
            drop_reason,
            input_tokens: self.input(),
            output_tokens: self.spec.output_tokens,
            cached_tokens: self.cached_tokens,
            prefix_group: self.spec.prompt.group,
            session,
            disaggregated: self.disaggregated,
            prefill_instance: self.prefill_instance,
            decode_instance: self.decode_instance,
            preemptions: self.preemptions,
            ttft: (t.first_token != UNSET).then(|| t.first_token - arrival),
            phases: self.phases(),
            e2e: completed.then(|| t.completion - arrival),
            tpot: (completed && self.spec.output_tokens > 1)
                .then(|| (t.completion - t.first_token) / u64::from(self.spec.output_tokens - 1)),
            transfer: (t.transfer_end != UNSET).then(|| t.transfer_end - t.transfer_start),
            kv_wait: if t.transfer_start != UNSET && t.prefill_end != UNSET {
                t.transfer_start - t.prefill_end
            } else {
                0
            },
            transfer_bytes: self.transfer_bytes(block_size),
        }
    }

    /// The five phases of its TTFT, if it got a first token. They add up to `first_token -
    /// arrival` by construction: each starts where the previous one ended.
    fn phases(&self) -> Option<Phases<Nanos>> {
        let t = &self.times;
        if t.first_token == UNSET {
            return None;
        }
        let arrival = self.spec.arrival;
        Some(
            if self.disaggregated
                && t.transfer_end != UNSET
                && t.first_token_step_start >= t.transfer_end
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

    /// KV bytes moved for it and KV bytes it did not need to move (all TP ranks).
    pub fn transfer_bytes(&self, block_size: u32) -> (u64, u64) {
        let blocks = self.prompt_blocks(block_size).max(1);
        let skipped = self.prompt_kv_bytes / blocks * u64::from(self.skipped_blocks);
        (self.prompt_kv_bytes - skipped, skipped)
    }

    /// Arrival order from 0 (the id in reports; the slot it occupies is its [`ReqId`]).
    pub fn id(&self) -> u64 {
        self.spec.id
    }

    /// Blocks of its prompt.
    pub fn prompt_blocks(&self, block_size: u32) -> u64 {
        u64::from(self.input()).div_ceil(u64::from(block_size))
    }

    /// Prompt length.
    pub fn input(&self) -> u32 {
        self.spec.prompt.len
    }

    /// Full blocks of its prompt and the output emitted so far (what a prefix cache that
    /// keeps generated tokens keeps of it), as a block count of its prefix group (0 without
    /// one).
    pub fn full_blocks(&self, block_size: u32) -> u32 {
        if self.spec.prompt.group.is_none() {
            return 0;
        }
        ((u64::from(self.input()) + u64::from(self.generated)) / u64::from(block_size)) as u32
    }

    /// KV blocks held while `generated` tokens have been emitted: the prompt and every
    /// emitted token, and at least the slot of the first token (reserved up front).
    pub fn blocks_for(&self, generated: u32, block_size: u32) -> u64 {
        let tokens = u64::from(self.input()) + u64::from(generated.max(1));
        tokens.div_ceil(u64::from(block_size))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_state_and_records_stay_small() {
        // Every request in flight holds one of these (its slot is reused once it leaves).
        let size = size_of::<super::Request>();
        assert!(size <= 200, "Request is {size} bytes");
        // With `output.per_request`, every request of the run keeps its record until the
        // report is serialized: the performance target is at most 200 bytes each.
        let record = size_of::<crate::report::RequestRecord>();
        assert!(record <= 200, "RequestRecord is {record} bytes");
    }
}
