//! The router's belief of which prompt blocks each instance holds.

use std::sync::Arc;

use super::runs::PrefixRuns;
use super::tree::BlockTree;
use super::SharedPrefix;

/// Updated when a request is routed (before any compute happens), bounded by the
/// instance's capacity, least recently routed blocks forgotten first.
#[derive(Debug)]
pub struct PrefixIndex {
    capacity: u64,
    blocks: PrefixRuns,
    /// Where nested prefix groups branch (shared with the KV pools).
    tree: Arc<BlockTree>,
}

impl PrefixIndex {
    /// An empty index remembering at most `capacity` blocks.
    pub fn new(capacity: u64) -> Self {
        Self {
            capacity,
            blocks: PrefixRuns::default(),
            tree: Arc::default(),
        }
    }

    /// Uses `tree` for nested prefix groups (before anything is inserted).
    pub fn set_tree(&mut self, tree: &Arc<BlockTree>) {
        self.tree = Arc::clone(tree);
    }

    /// How many leading blocks of `prefix` the instance is believed to hold.
    pub fn matched_prefix(&self, prefix: SharedPrefix) -> usize {
        let blocks = &self.blocks;
        self.tree.leading(prefix, |part| blocks.present(part)) as usize
    }

    /// Records that the instance now holds the blocks of `prefix`: they become the most
    /// recent (taken and returned at once, so the head is the most recent of all).
    pub fn insert(&mut self, prefix: SharedPrefix) {
        let blocks = &mut self.blocks;
        self.tree.segments(prefix, |s| {
            blocks.take(s.part);
        });
        // Deepest group first, as the pool returns them (see `BlockPool::release`).
        self.tree.segments(prefix, |s| {
            blocks.give_back(s.part, true);
        });
        let over = self.blocks.len().saturating_sub(self.capacity);
        if over > 0 {
            self.blocks.evict(over);
        }
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
