//! The event queue, ordered by (time, insertion sequence): events at equal times run in
//! the order they were scheduled, which keeps runs reproducible.

use crate::engine::request::ReqId;
use crate::time::Nanos;

/// Something that happens at a point in simulated time.
#[derive(Clone, Copy, Debug)]
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

#[derive(Clone, Copy, Debug)]
struct Entry {
    time: Nanos,
    seq: u64,
    event: Event,
}

impl Entry {
    /// The order of events: by time, then by scheduling order (unique, so the order is
    /// total and a run is reproducible).
    #[inline]
    fn key(&self) -> (Nanos, u64) {
        (self.time, self.seq)
    }
}

/// A min-queue of events: a binary heap of small `Copy` entries, written out rather than
/// `std::collections::BinaryHeap<Reverse<_>>`, whose `pop` moved each entry through the
/// stack in pieces of different widths and stalled on reading them back (a tenth of a run's
/// time in a profile); the order is the same.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: Vec<Entry>,
    next_seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `time`.
    pub fn push(&mut self, time: Nanos, event: Event) {
        let entry = Entry {
            time,
            seq: self.next_seq,
            event,
        };
        self.next_seq += 1;
        // Sift up: parents later than the new entry move down into the hole.
        let mut i = self.heap.len();
        self.heap.push(entry);
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent].key() < entry.key() {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = entry;
    }

    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.first().map(|e| e.time)
    }

    /// Removes the earliest event.
    pub fn pop(&mut self) -> Option<(Nanos, Event)> {
        let top = *self.heap.first()?;
        let last = self.heap.pop()?;
        let n = self.heap.len();
        if n > 0 {
            // Sift the last entry down from the root: earlier children move up.
            let mut i = 0;
            loop {
                let mut child = 2 * i + 1;
                if child >= n {
                    break;
                }
                if child + 1 < n && self.heap[child + 1].key() < self.heap[child].key() {
                    child += 1;
                }
                if last.key() < self.heap[child].key() {
                    break;
                }
                self.heap[i] = self.heap[child];
                i = child;
            }
            self.heap[i] = last;
        }
        Some((top.time, top.event))
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

    #[test]
    fn pops_in_time_then_scheduling_order_like_a_sorted_list() {
        // Interleaved pushes and pops with many equal times, against a sorted reference.
        let mut q = EventQueue::default();
        let mut reference: Vec<(Nanos, u32)> = Vec::new();
        let mut x: u64 = 12345;
        for i in 0..5_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if x >> 62 == 0 && !reference.is_empty() {
                let (time, event) = q.pop().unwrap();
                let Event::StepDone(id) = event else {
                    unreachable!()
                };
                assert_eq!((time, id), reference.remove(0));
            } else {
                let time = (x >> 33) % 50;
                q.push(time, Event::StepDone(i));
                // Stable: equal times keep scheduling order.
                let at = reference.partition_point(|&(t, _)| t <= time);
                reference.insert(at, (time, i));
            }
        }
        while let Some((time, Event::StepDone(id))) = q.pop() {
            assert_eq!((time, id), reference.remove(0));
        }
        assert!(reference.is_empty());
    }
}
