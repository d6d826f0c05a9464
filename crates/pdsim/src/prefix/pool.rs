//! One instance's KV block pool, with vLLM-style reuse of released prompt blocks.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::runs::PrefixRuns;
use super::tier::TierStore;
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
    /// Whether a finished request's output blocks are cached too ([`Self::release_finished`]).
    cache_outputs: bool,
    peak_used: u64,
    /// Calls of [`Self::release`] so far.
    releases: u64,
    /// Offload tiers below HBM, highest first (a `remote` one shared by all pools).
    tiers: Vec<Rc<RefCell<TierStore>>>,
    /// KV bytes of one block on one TP rank (what each rank's link loads).
    block_bytes_per_rank: u64,
}

/// What a prompt finds below HBM: blocks per tier (in the pool's tier order) that continue
/// the ones in HBM, and the time to load them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierHit {
    /// Leading blocks present in HBM or a tier.
    pub blocks: u64,
    /// Of those, the ones each tier holds.
    pub per_tier: [u32; 3],
    /// The prefix group they belong to.
    group: u32,
    /// Time to load them all (one tier after the other).
    pub load: crate::time::Nanos,
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
            cache_outputs: false,
            peak_used: 0,
            releases: 0,
            tiers: Vec::new(),
            block_bytes_per_rank: 0,
        }
    }

    /// Sends evicted blocks down `tiers` (highest first), loaded at `block_bytes_per_rank`
    /// bytes a block per TP rank.
    pub fn set_tiers(&mut self, tiers: Vec<Rc<RefCell<TierStore>>>, block_bytes_per_rank: u64) {
        self.tiers = tiers;
        self.block_bytes_per_rank = block_bytes_per_rank;
    }

    /// Blocks its offload tiers hold at most, all together (0 without tiers).
    pub fn tier_blocks(&self) -> u64 {
        self.tiers().iter().map(|t| t.borrow().capacity()).sum()
    }

    /// Its offload tiers, highest first.
    pub fn tiers(&self) -> &[Rc<RefCell<TierStore>>] {
        &self.tiers
    }

    /// How many leading blocks of `prefix` are in HBM or, continuing them, in a tier, and
    /// what loading the tier's would take (nothing is loaded: see [`Self::load`]).
    #[inline]
    pub fn tier_hit(&self, prefix: SharedPrefix) -> TierHit {
        let hbm = self.cached_prefix(prefix) as u64;
        if self.tiers.is_empty() || !self.caching {
            return TierHit {
                blocks: hbm,
                ..TierHit::default()
            };
        }
        self.tier_hit_below(prefix, hbm)
    }

    /// [`Self::tier_hit`] with tiers, `hbm` blocks found in HBM (out of line).
    #[inline(never)]
    fn tier_hit_below(&self, prefix: SharedPrefix, hbm: u64) -> TierHit {
        let mut hit = TierHit {
            blocks: hbm,
            ..TierHit::default()
        };
        // The deepest group on the path with blocks anywhere, as `BlockTree::leading`.
        let (blocks, tiers) = (&self.blocks, &self.tiers);
        let reach = |part: SharedPrefix, per_tier: &mut [u32; 3]| {
            let mut end = blocks.present(part);
            let start = end;
            loop {
                let mut grew = false;
                for (t, tier) in tiers.iter().enumerate() {
                    if let Some(hi) = tier.borrow().extent(part.group, end) {
                        let hi = hi.min(part.blocks);
                        if hi > end {
                            per_tier[t] += hi - end;
                            end = hi;
                            grew = true;
                        }
                    }
                }
                if !grew {
                    break;
                }
            }
            (start, end)
        };
        let mut found = None;
        self.tree.segments(prefix, |s| {
            if found.is_none() {
                let mut per_tier = [0; 3];
                let (start, end) = reach(s.part, &mut per_tier);
                if end > 0 {
                    found = Some((s, start, end, per_tier));
                }
            }
        });
        let Some((segment, start, end, per_tier)) = found else {
            return hit;
        };
        // A tier's blocks count only where they continue the blocks in HBM.
        if end == start || (start == 0 && hbm < u64::from(segment.first)) {
            return hit;
        }
        hit.blocks = u64::from(segment.first + end);
        hit.per_tier = per_tier;
        hit.group = segment.part.group;
        for (tier, &n) in self.tiers.iter().zip(&per_tier) {
            if n > 0 {
                let bytes = u64::from(n) * self.block_bytes_per_rank;
                hit.load = hit.load.saturating_add(tier.borrow().load_time(bytes));
            }
        }
        hit
    }

    /// Counts the load of `hit`'s tier blocks (once the prompt's blocks are taken in HBM).
    pub fn load(&mut self, hit: &TierHit) {
        for (tier, &n) in self.tiers.iter().zip(&hit.per_tier) {
            if n > 0 {
                tier.borrow_mut().loaded(hit.group, n);
            }
        }
    }

    /// Uses `tree` for nested prefix groups (before any block is taken).
    pub fn set_tree(&mut self, tree: &Arc<BlockTree>) {
        self.tree = Arc::clone(tree);
    }

    /// Caches a finished request's output blocks as its prefix group's next blocks (with
    /// prefix caching): right when every prompt is a session turn, whose group is the
    /// conversation and whose output the next turn's prompt continues with.
    pub fn set_output_caching(&mut self, on: bool) {
        self.cache_outputs = on;
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

    /// Returns a finished request's blocks, as [`Self::release`]; with output caching, the
    /// first `kept` blocks of prompt and output (its full blocks) are returned as blocks
    /// `0..kept` of `prefix`'s group, so the next turn finds them as vLLM's prefix cache
    /// does. Its output blocks are returned first (then evicted first), as one request's
    /// blocks always are, top first.
    pub fn release_finished(&mut self, prefix: SharedPrefix, kept: u32, anonymous: u64) {
        let extra = u64::from(kept.saturating_sub(prefix.blocks)).min(anonymous);
        // (`prefix.group` is the prompt's group even when no prompt block is full.)
        if !(self.caching && self.cache_outputs) || extra == 0 {
            return self.release(prefix, anonymous);
        }
        let whole = SharedPrefix {
            group: prefix.group,
            blocks: prefix.blocks + extra as u32,
        };
        // The output's private blocks become the group's: held under `whole` for an
        // instant, then returned with the prompt's.
        self.anonymous -= extra;
        let blocks = &mut self.blocks;
        let mut taken = 0;
        self.tree
            .segments(whole, |s| taken += u64::from(blocks.take(s.part)));
        self.referenced += taken;
        self.release(whole, 0);
        self.release(prefix, anonymous - extra);
    }

    /// Drops least recently returned cached blocks until held + cached fit in the pool.
    #[inline]
    fn evict_overflow(&mut self) {
        self.peak_used = self.peak_used.max(self.used());
        let over = (self.used() + self.cached()).saturating_sub(self.total);
        if over > 0 {
            if self.tiers.is_empty() {
                self.blocks.evict(over);
            } else {
                self.offload(over);
            }
        }
    }

    /// Evicts `n` blocks from HBM down the tiers, each tier's overflow to the next (out of
    /// line: runs without tiers never come here).
    #[inline(never)]
    fn offload(&mut self, n: u64) {
        let mut ranges = Vec::new();
        self.blocks
            .evict_into(n, |group, lo, hi| ranges.push((group, lo, hi)));
        for tier in &self.tiers {
            let mut spilled = Vec::new();
            let mut tier = tier.borrow_mut();
            for (group, lo, hi) in ranges.drain(..) {
                tier.insert(group, lo, hi, &mut spilled);
            }
            ranges = spilled;
            if ranges.is_empty() {
                break;
            }
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
    fn output_caching_keeps_the_full_blocks_of_prompt_and_output() {
        // A prompt of 4 full blocks and 3 private blocks (its partial block and output);
        // prompt + output fill 6 blocks.
        for on in [false, true] {
            let mut pool = BlockPool::new(20, true);
            pool.set_output_caching(on);
            let prompt = shared(7, 4);
            assert!(pool.try_acquire(prompt, 3));
            pool.release_finished(prompt, 6, 3);
            assert_eq!(pool.used(), 0);
            let next_turn = shared(7, 9);
            assert_eq!(pool.cached_prefix(next_turn), if on { 6 } else { 4 });
            // Cached blocks are reusable space: all 20 can be taken, evicting the output
            // blocks first.
            assert!(pool.try_grow(16));
            assert_eq!(pool.cached_prefix(next_turn), 4);
            assert!(pool.try_grow(4));
            assert_eq!(pool.cached_prefix(next_turn), 0);
        }
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
