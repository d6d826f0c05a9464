//! One instance's KV block pool, with vLLM-style reuse of released prompt blocks.

use std::sync::Arc;

use super::runs::PrefixRuns;
use super::tree::BlockTree;
use super::SharedPrefix;

/// One instance's KV blocks: blocks held by requests (shareable prompt blocks are shared
/// by (group, index); the rest are anonymous) and, with prefix caching, returned prompt
/// blocks kept for reuse until space is needed (least recently returned first), as in
/// vLLM's prefix cache.
#[derive(Debug)]
pub struct BlockPool {
    total: u64,
    referenced: u64,
    anonymous: u64,
    blocks: PrefixRuns,
    /// Where nested prefix groups branch (shared with the router's indexes).
    tree: Arc<BlockTree>,
    caching: bool,
    peak_used: u64,
    /// Calls of [`Self::release`] so far.
    releases: u64,
}

impl BlockPool {
    /// A pool of `total` blocks; `caching` keeps released prompt blocks for reuse.
    pub fn new(total: u64, caching: bool) -> Self {
        Self {
            total,
            referenced: 0,
            anonymous: 0,
            blocks: PrefixRuns::default(),
            tree: Arc::default(),
            caching,
            peak_used: 0,
            releases: 0,
        }
    }

    /// Uses `tree` for nested prefix groups (before any block is taken).
    pub fn set_tree(&mut self, tree: &Arc<BlockTree>) {
        self.tree = Arc::clone(tree);
    }

    /// Capacity, in blocks.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Blocks held by requests.
    pub fn used(&self) -> u64 {
        self.referenced + self.anonymous
    }

    /// Most blocks ever held at once.
    pub fn peak_used(&self) -> u64 {
        self.peak_used
    }

    /// Blocks that can be handed out now (free or holding only reusable cache).
    pub fn available(&self) -> u64 {
        self.total - self.used()
    }

    /// How many leading blocks of `prefix` are present (held or cached).
    pub fn cached_prefix(&self, prefix: SharedPrefix) -> usize {
        if !self.caching {
            return 0;
        }
        let blocks = &self.blocks;
        self.tree.leading(prefix, |part| blocks.present(part)) as usize
    }

    /// Takes the blocks of `prefix` (sharing those present) plus `anonymous` private
    /// blocks, or takes nothing and returns false if they do not fit.
    pub fn try_acquire(&mut self, prefix: SharedPrefix, anonymous: u64) -> bool {
        // Each shared block is either new or reusable (both take space) or already held
        // (free): when all of them fit, there is nothing to count.
        if prefix.len() + anonymous > self.available() {
            let blocks = &self.blocks;
            let present = u64::from(self.tree.leading(prefix, |part| blocks.present(part)));
            let held = u64::from(self.tree.leading(prefix, |part| blocks.held(part)));
            let revived = present - held;
            let new = prefix.len() - present;
            // Revived blocks stop being reclaimable, so they reduce what is available.
            if new + anonymous + revived > self.available() {
                return false;
            }
        }
        let blocks = &mut self.blocks;
        let mut taken = 0;
        self.tree
            .segments(prefix, |s| taken += u64::from(blocks.take(s.part)));
        self.referenced += taken;
        self.anonymous += anonymous;
        self.evict_overflow();
        true
    }

    /// How many times blocks were returned: a request that did not fit can only fit after
    /// this changes.
    pub fn release_epoch(&self) -> u64 {
        self.releases
    }

    /// Takes `n` more private blocks if they fit.
    pub fn try_grow(&mut self, n: u64) -> bool {
        if n > self.available() {
            return false;
        }
        self.anonymous += n;
        self.evict_overflow();
        true
    }

    /// Returns blocks taken by [`Self::try_acquire`] or [`Self::try_grow`].
    pub fn release(&mut self, prefix: SharedPrefix, anonymous: u64) {
        self.releases += 1;
        // Returning more than was taken would silently make room that does not exist (a
        // preempted decoder once returned its shared blocks twice); tests run with checks.
        debug_assert!(
            anonymous <= self.anonymous,
            "returning {anonymous} private blocks, {} held",
            self.anonymous
        );
        self.anonymous -= anonymous.min(self.anonymous);
        // Deepest group first: a group's blocks are returned after its descendants', so
        // evicted after them, which keeps every cached prompt's blocks a leading run.
        let (blocks, caching) = (&mut self.blocks, self.caching);
        let mut returned = 0;
        self.tree.segments(prefix, |s| {
            returned += u64::from(blocks.give_back(s.part, caching));
        });
        self.referenced -= returned;
    }

    /// Drops least recently returned cached blocks until held + cached fit in the pool.
    fn evict_overflow(&mut self) {
        self.peak_used = self.peak_used.max(self.used());
        let over = (self.used() + self.cached()).saturating_sub(self.total);
        if over > 0 {
            self.blocks.evict(over);
        }
    }

    /// Blocks holding only reusable cache.
    fn cached(&self) -> u64 {
        self.blocks.len() - self.referenced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(group: u32, blocks: u32) -> SharedPrefix {
        SharedPrefix { group, blocks }
    }

    #[test]
    fn shares_cached_blocks_and_evicts_least_recent() {
        let mut pool = BlockPool::new(10, true);
        let first = shared(0, 4);
        assert!(pool.try_acquire(first, 1));
        assert_eq!(pool.used(), 5);
        pool.release(first, 1);
        assert_eq!((pool.used(), pool.cached_prefix(first)), (0, 4));
        // A request sharing the prefix takes the 4 cached blocks without new space.
        let second = shared(0, 4);
        assert!(pool.try_acquire(second, 2));
        assert_eq!(pool.used(), 6);
        // 4 more blocks fit; 5 do not.
        assert!(!pool.try_grow(5));
        assert!(pool.try_grow(4));
        assert_eq!(pool.available(), 0);
        pool.release(second, 6);
        // Space pressure evicts the least recently released blocks first: the tail.
        assert!(pool.try_acquire(shared(1, 8), 0));
        assert_eq!(pool.cached_prefix(second), 2);
        assert_eq!(pool.used(), 8);
        assert_eq!(pool.peak_used(), 10);
    }

    #[test]
    fn revived_blocks_count_against_what_is_available() {
        let mut pool = BlockPool::new(10, true);
        let prefix = shared(5, 4);
        assert!(pool.try_acquire(prefix, 0));
        pool.release(prefix, 0);
        assert!(pool.try_grow(6));
        // 4 cached blocks to revive + 1 new private one do not fit in the 4 left ...
        assert!(!pool.try_acquire(prefix, 1));
        assert_eq!(pool.used(), 6, "a failed acquire takes nothing");
        // ... the 4 alone do, without evicting anything.
        assert!(pool.try_acquire(prefix, 0));
        assert_eq!((pool.used(), pool.cached_prefix(prefix)), (10, 4));
        // Shared: a second holder takes no space, and one release leaves them held.
        assert!(pool.try_acquire(prefix, 0));
        pool.release(prefix, 0);
        assert_eq!(pool.used(), 10);
        let epoch = pool.release_epoch();
        pool.release(prefix, 6);
        assert_eq!((pool.used(), pool.release_epoch()), (0, epoch + 1));
    }

    #[test]
    fn without_caching_nothing_is_reused() {
        let mut pool = BlockPool::new(10, false);
        let prefix = shared(0, 4);
        assert!(pool.try_acquire(prefix, 0));
        pool.release(prefix, 0);
        assert_eq!(pool.cached_prefix(prefix), 0);
        assert_eq!(pool.available(), 10);
        assert_eq!(pool.blocks.len(), 0);
        // Held blocks are still shared while held.
        assert!(pool.try_acquire(prefix, 0) && pool.try_acquire(prefix, 0));
        assert_eq!(pool.used(), 4);
    }
}
