//! The event queue, ordered by (time, insertion sequence): events at equal times run in
//! the order they were scheduled, which keeps runs reproducible.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::engine::request::ReqId;
use crate::time::Nanos;

/// Something that happens at a point in simulated time.
#[derive(Clone, Debug)]
pub enum Event {
    /// The next request of the workload arrives (the simulation holds its spec, so events
    /// stay small and the heap moves little memory).
    Arrival,
    /// A request that follows a finished one (a session's next turn, a closed-loop user's
    /// next request) arrives; the simulation holds its spec in this slot.
    FollowUp(u32),
    /// An instance finishes its step.
    StepDone(u32),
    /// A KV transfer without contention completes.
    TransferDone(ReqId),
    /// A KV transfer with contention starts moving bytes (after its base latency).
    LinkJoin(ReqId),
    /// A contended link may have finished transfers (stale unless `generation` matches).
    LinkWake {
        /// Decode instance whose link it is.
        instance: u32,
        /// The link's generation when this was scheduled.
        generation: u64,
    },
}

#[derive(Debug)]
struct Entry {
    time: Nanos,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// A min-queue of events.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    next_seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `time`.
    pub fn push(&mut self, time: Nanos, event: Event) {
        self.heap.push(Reverse(Entry {
            time,
            seq: self.next_seq,
            event,
        }));
        self.next_seq += 1;
    }

    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(|Reverse(e)| e.time)
    }

    /// Removes the earliest event.
    pub fn pop(&mut self) -> Option<(Nanos, Event)> {
        self.heap.pop().map(|Reverse(e)| (e.time, e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_keep_insertion_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::StepDone(1));
        q.push(3, Event::StepDone(2));
        q.push(5, Event::StepDone(3));
        let order: Vec<u32> = std::iter::from_fn(|| q.pop())
            .map(|(_, e)| match e {
                Event::StepDone(i) => i,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, vec![2, 1, 3]);
    }
}
