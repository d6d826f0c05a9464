//! The router's belief of which prompt blocks each instance holds.

use super::lru::LruOrder;
use super::slots::GroupSlots;
use super::SharedPrefix;

/// Updated when a request is routed (before any compute happens), bounded by the
/// instance's capacity, least recently routed blocks forgotten first.
#[derive(Debug)]
pub struct PrefixIndex {
    capacity: usize,
    /// Each remembered block's last touch.
    ticks: GroupSlots<u64>,
    lru: LruOrder,
}

impl PrefixIndex {
    /// An empty index remembering at most `capacity` blocks.
    pub fn new(capacity: u64) -> Self {
        Self {
            capacity: capacity as usize,
            ticks: GroupSlots::default(),
            lru: LruOrder::default(),
        }
    }

    /// How many leading blocks of `prefix` the instance is believed to hold.
    pub fn matched_prefix(&self, prefix: SharedPrefix) -> usize {
        self.ticks.leading(prefix)
    }

    /// Records that the instance now holds the blocks of `prefix`.
    pub fn insert(&mut self, prefix: SharedPrefix) {
        let lru = &mut self.lru;
        // Insert the tail first so the head is the most recent.
        self.ticks
            .update(prefix, (0..prefix.blocks).rev(), |key, slot| {
                *slot = Some(lru.touch(key));
            });
        if self.ticks.len() > self.capacity {
            self.lru
                .arm(self.ticks.iter().map(|(key, tick)| (tick, key)));
        }
        while self.ticks.len() > self.capacity {
            let ticks = &self.ticks;
            match self
                .lru
                .pop_oldest(|key, tick| ticks.get(key) == Some(tick))
            {
                Some(key) => self.ticks.remove(key),
                None => break,
            }
        }
        let ticks = &self.ticks;
        self.lru
            .compact(ticks.len(), |key, tick| ticks.get(key) == Some(tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_bounded_and_lru() {
        let mut index = PrefixIndex::new(4);
        let a = SharedPrefix {
            group: 0,
            blocks: 4,
        };
        let b = SharedPrefix {
            group: 1,
            blocks: 2,
        };
        index.insert(a);
        assert_eq!(index.matched_prefix(a), 4);
        index.insert(b);
        // The two least recent blocks of `a` (its tail) made room.
        assert_eq!(index.matched_prefix(a), 2);
        assert_eq!(index.matched_prefix(b), 2);
        // Routing `a` again makes its head the most recent: `b` goes next.
        index.insert(SharedPrefix {
            group: 0,
            blocks: 3,
        });
        assert_eq!(index.matched_prefix(a), 3);
        assert_eq!(index.matched_prefix(b), 1);
    }
}
