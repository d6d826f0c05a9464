//! The router's belief of which prompt blocks each instance holds.

use super::runs::PrefixRuns;
use super::SharedPrefix;

/// Updated when a request is routed (before any compute happens), bounded by the
/// instance's capacity, least recently routed blocks forgotten first.
#[derive(Debug)]
pub struct PrefixIndex {
    capacity: u64,
    blocks: PrefixRuns,
}

impl PrefixIndex {
    /// An empty index remembering at most `capacity` blocks.
    pub fn new(capacity: u64) -> Self {
        Self {
            capacity,
            blocks: PrefixRuns::default(),
        }
    }

    /// How many leading blocks of `prefix` the instance is believed to hold.
    pub fn matched_prefix(&self, prefix: SharedPrefix) -> usize {
        self.blocks.present(prefix) as usize
    }

    /// Records that the instance now holds the blocks of `prefix`: they become the most
    /// recent (taken and returned at once, so the head is the most recent of all).
    pub fn insert(&mut self, prefix: SharedPrefix) {
        self.blocks.take(prefix);
        self.blocks.give_back(prefix, true);
        while self.blocks.len() > self.capacity && self.blocks.evict_oldest() {}
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
