//! An LRU order with lazy deletion, shared by the block pool and the prefix index.

use std::collections::VecDeque;

/// Keys in the order they were last touched. Touching appends; entries made stale by a
/// later touch or a removal are skipped when popped (the owner says which entries are
/// current). Amortized O(1) per operation.
#[derive(Debug, Default)]
pub(super) struct LruOrder {
    queue: VecDeque<(u64, u64)>,
    tick: u64,
    /// Whether `queue` is kept. Until the first eviction is needed only the ticks are
    /// (in the owner's slots), which is all a structure that never fills up pays for.
    armed: bool,
}

impl LruOrder {
    /// Records a touch of `key`; returns its tick (unique, increasing, never 0).
    pub(super) fn touch(&mut self, key: u64) -> u64 {
        self.tick += 1;
        if self.armed {
            self.queue.push_back((self.tick, key));
        }
        self.tick
    }

    /// Starts keeping the order, from the live `(tick, key)` pairs (ticks are unique, so
    /// the order is exactly the one touching would have built, whatever order they come in).
    pub(super) fn arm(&mut self, live: impl Iterator<Item = (u64, u64)>) {
        if !self.armed {
            let mut entries: Vec<(u64, u64)> = live.collect();
            entries.sort_unstable();
            self.queue = entries.into();
            self.armed = true;
        }
    }

    /// Pops the least recently touched key for which `is_current(key, tick)` holds.
    pub(super) fn pop_oldest(
        &mut self,
        mut is_current: impl FnMut(u64, u64) -> bool,
    ) -> Option<u64> {
        while let Some((tick, key)) = self.queue.pop_front() {
            if is_current(key, tick) {
                return Some(key);
            }
        }
        None
    }

    /// Drops stale entries once they outnumber live ones, bounding memory.
    pub(super) fn compact(&mut self, live: usize, mut is_current: impl FnMut(u64, u64) -> bool) {
        if self.armed && self.queue.len() > 4 * live + 1024 {
            self.queue.retain(|&(tick, key)| is_current(key, tick));
        }
    }
}
