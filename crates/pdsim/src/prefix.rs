//! Prefix caching: chained block hashes, each instance's KV block pool with an LRU of
//! reusable blocks, and the router's per-instance prefix index.
//!
//! A prompt's token ids are a pure function of its [`Prompt`] identity and position (see
//! [`Prompt::token`]), so a block's content is identified by where its tokens come from
//! instead of by hashing every token: that keeps hashing at O(blocks), not O(tokens),
//! while two blocks still hash equal exactly when their tokens (and all tokens before
//! them) are equal. Hashes use a fixed mixing function, never a randomly keyed one.

use std::collections::VecDeque;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::workload::Prompt;

/// Vocabulary size used to materialize token ids (Llama 3's).
const VOCAB: u64 = 128_256;

/// SplitMix64's finalizer: a fast, fixed, well-mixing 64-bit permutation.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn combine(a: u64, b: u64) -> u64 {
    mix(a ^ mix(b).rotate_left(17))
}

const GROUP_TAG: u64 = 0x5D58_8B65_6C07_8965;
const UNIQUE_TAG: u64 = 0x2545_F491_4F6C_DD1D;

impl Prompt {
    /// The token id at `position` (for inspection and tests; the simulator never needs it).
    pub fn token(&self, position: u32) -> u32 {
        let source = match self.group {
            Some(group) if position < self.shared_tokens => combine(GROUP_TAG, u64::from(group)),
            _ => combine(UNIQUE_TAG, self.salt),
        };
        (combine(source, u64::from(position)) % VOCAB) as u32
    }

    /// Chained hashes of the prompt's full blocks of `block_size` tokens.
    pub fn block_hashes(&self, block_size: u32) -> Vec<u64> {
        self.hashes_of_first(self.len / block_size, block_size)
    }

    /// Chained hashes of the blocks another prompt can share: the full blocks inside the
    /// group's shared prefix. Every later block holds tokens of this request alone, so no
    /// other request can ever hit it; the simulator counts those blocks without hashing
    /// them, which keeps prefix caching at O(shared blocks) per request.
    pub fn shareable_block_hashes(&self, block_size: u32) -> Vec<u64> {
        let shared = if self.group.is_some() {
            self.shared_tokens.min(self.len) / block_size
        } else {
            0
        };
        self.hashes_of_first(shared, block_size)
    }

    fn hashes_of_first(&self, full_blocks: u32, block_size: u32) -> Vec<u64> {
        let mut hashes = Vec::with_capacity(full_blocks as usize);
        let mut previous = u64::from(block_size);
        for block in 0..full_blocks {
            let start = block * block_size;
            let end = start + block_size;
            let content = match self.group {
                // All tokens from the group: shared by every member.
                Some(group) if end <= self.shared_tokens => {
                    combine(combine(GROUP_TAG, u64::from(group)), u64::from(block))
                }
                // Straddles the end of the shared prefix: depends on both sources.
                Some(group) if start < self.shared_tokens => combine(
                    combine(
                        combine(GROUP_TAG, u64::from(group)),
                        u64::from(self.shared_tokens),
                    ),
                    combine(combine(UNIQUE_TAG, self.salt), u64::from(block)),
                ),
                _ => combine(combine(UNIQUE_TAG, self.salt), u64::from(block)),
            };
            previous = combine(previous, content);
            hashes.push(previous);
        }
        hashes
    }
}

/// The shareable block hashes of every (prefix group, block count) seen, computed once and
/// shared by all requests of the group: they depend on nothing else.
#[derive(Debug, Default)]
pub struct PrefixChains {
    chains: FxHashMap<(u32, u32), Rc<[u64]>>,
    empty: Rc<[u64]>,
}

impl PrefixChains {
    /// The same hashes as [`Prompt::shareable_block_hashes`], without recomputing them.
    pub fn shareable(&mut self, prompt: &Prompt, block_size: u32) -> Rc<[u64]> {
        let blocks = prompt.shared_tokens.min(prompt.len) / block_size;
        match prompt.group {
            Some(group) if blocks > 0 => Rc::clone(
                self.chains
                    .entry((group, blocks))
                    .or_insert_with(|| prompt.shareable_block_hashes(block_size).into()),
            ),
            _ => Rc::clone(&self.empty),
        }
    }
}

/// An LRU order with lazy deletion: touching appends, stale queue entries are skipped
/// when popped. Amortized O(1) per operation.
#[derive(Debug, Default)]
struct LruOrder {
    queue: VecDeque<(u64, u64)>,
    tick: u64,
    /// Whether `queue` is kept. Until the first eviction is needed only the ticks are
    /// (in the caller's map), which is all a structure that never fills up pays for.
    armed: bool,
}

impl LruOrder {
    fn touch(&mut self, hash: u64) -> u64 {
        self.tick += 1;
        if self.armed {
            self.queue.push_back((self.tick, hash));
        }
        self.tick
    }

    /// Starts keeping the order, from the live `(tick, hash)` pairs (ticks are unique, so
    /// the order is exactly the one touching would have built).
    fn arm(&mut self, live: impl Iterator<Item = (u64, u64)>) {
        if !self.armed {
            let mut entries: Vec<(u64, u64)> = live.collect();
            entries.sort_unstable();
            self.queue = entries.into();
            self.armed = true;
        }
    }

    /// Pops the least recently touched hash for which `is_current(hash, tick)` holds.
    fn pop_oldest(&mut self, mut is_current: impl FnMut(u64, u64) -> bool) -> Option<u64> {
        while let Some((tick, hash)) = self.queue.pop_front() {
            if is_current(hash, tick) {
                return Some(hash);
            }
        }
        None
    }

    /// Drops stale entries once they outnumber live ones, bounding memory.
    fn compact(&mut self, live: usize, mut is_current: impl FnMut(u64, u64) -> bool) {
        if self.armed && self.queue.len() > 4 * live + 1024 {
            self.queue.retain(|&(tick, hash)| is_current(hash, tick));
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Block {
    refs: u32,
    tick: u64,
}

/// One instance's KV blocks: blocks held by requests (shareable prompt blocks are
/// reference-counted by hash; the rest are anonymous) and, with prefix caching, released
/// prompt blocks kept for reuse until space is needed (least recently used first), as in
/// vLLM's prefix cache.
#[derive(Debug)]
pub struct BlockPool {
    total: u64,
    referenced: u64,
    anonymous: u64,
    blocks: FxHashMap<u64, Block>,
    lru: LruOrder,
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
            blocks: FxHashMap::default(),
            lru: LruOrder::default(),
            caching,
            peak_used: 0,
            releases: 0,
        }
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

    /// How many leading blocks of `hashes` are present (held or cached).
    pub fn cached_prefix(&self, hashes: &[u64]) -> usize {
        if !self.caching {
            return 0;
        }
        hashes
            .iter()
            .take_while(|h| self.blocks.contains_key(h))
            .count()
    }

    /// Takes the prompt blocks `hashes` (sharing those present) plus `anonymous` private
    /// blocks, or takes nothing and returns false if they do not fit.
    pub fn try_acquire(&mut self, hashes: &[u64], anonymous: u64) -> bool {
        let mut revived = 0;
        let mut new = 0;
        for hash in hashes {
            match self.blocks.get(hash) {
                Some(block) if block.refs == 0 => revived += 1,
                Some(_) => {}
                None => new += 1,
            }
        }
        // Revived blocks stop being reclaimable, so they reduce what is available.
        if new + anonymous + revived > self.available() {
            return false;
        }
        for &hash in hashes {
            let block = self
                .blocks
                .entry(hash)
                .or_insert(Block { refs: 0, tick: 0 });
            if block.refs == 0 {
                self.referenced += 1;
            }
            block.refs += 1;
        }
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
    pub fn release(&mut self, hashes: &[u64], anonymous: u64) {
        self.releases += 1;
        self.anonymous -= anonymous.min(self.anonymous);
        // Release the tail first so the prompt's head stays cached longest.
        for hash in hashes.iter().rev() {
            let Some(block) = self.blocks.get_mut(hash) else {
                continue;
            };
            block.refs = block.refs.saturating_sub(1);
            if block.refs == 0 {
                self.referenced -= 1;
                if self.caching {
                    block.tick = self.lru.touch(*hash);
                } else {
                    self.blocks.remove(hash);
                }
            }
        }
        let blocks = &self.blocks;
        self.lru
            .compact(blocks.len(), |hash, tick| is_evictable(blocks, hash, tick));
    }

    /// Drops least recently used cached blocks until held + cached fit in the pool.
    fn evict_overflow(&mut self) {
        self.peak_used = self.peak_used.max(self.used());
        if self.used() + self.cached() <= self.total {
            return;
        }
        let blocks = &self.blocks;
        self.lru.arm(
            blocks
                .iter()
                .filter(|(_, b)| b.refs == 0)
                .map(|(&hash, b)| (b.tick, hash)),
        );
        while self.used() + self.cached() > self.total {
            let blocks = &self.blocks;
            match self
                .lru
                .pop_oldest(|hash, tick| is_evictable(blocks, hash, tick))
            {
                Some(hash) => {
                    self.blocks.remove(&hash);
                }
                None => break,
            }
        }
    }

    /// Blocks holding only reusable cache.
    fn cached(&self) -> u64 {
        self.blocks.len() as u64 - self.referenced
    }
}

fn is_evictable(blocks: &FxHashMap<u64, Block>, hash: u64, tick: u64) -> bool {
    blocks
        .get(&hash)
        .is_some_and(|b| b.refs == 0 && b.tick == tick)
}

/// The router's belief of which prompt blocks each instance holds: updated when a request
/// is routed (before any compute happens), bounded by the instance's capacity, LRU.
#[derive(Debug)]
pub struct PrefixIndex {
    capacity: usize,
    ticks: FxHashMap<u64, u64>,
    lru: LruOrder,
}

impl PrefixIndex {
    /// An empty index remembering at most `capacity` blocks.
    pub fn new(capacity: u64) -> Self {
        Self {
            capacity: capacity as usize,
            ticks: FxHashMap::default(),
            lru: LruOrder::default(),
        }
    }

    /// How many leading blocks of `hashes` the instance is believed to hold.
    pub fn matched_prefix(&self, hashes: &[u64]) -> usize {
        hashes
            .iter()
            .take_while(|h| self.ticks.contains_key(h))
            .count()
    }

    /// Records that the instance now holds `hashes`.
    pub fn insert(&mut self, hashes: &[u64]) {
        // Insert the tail first so the head is the most recent.
        for &hash in hashes.iter().rev() {
            let tick = self.lru.touch(hash);
            self.ticks.insert(hash, tick);
        }
        if self.ticks.len() > self.capacity {
            self.lru
                .arm(self.ticks.iter().map(|(&hash, &tick)| (tick, hash)));
        }
        while self.ticks.len() > self.capacity {
            let ticks = &self.ticks;
            match self
                .lru
                .pop_oldest(|hash, tick| ticks.get(&hash) == Some(&tick))
            {
                Some(hash) => {
                    self.ticks.remove(&hash);
                }
                None => break,
            }
        }
        let ticks = &self.ticks;
        self.lru
            .compact(ticks.len(), |hash, tick| ticks.get(&hash) == Some(&tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(group: Option<u32>, shared: u32, salt: u64, len: u32) -> Prompt {
        Prompt {
            group,
            shared_tokens: shared,
            salt,
            len,
        }
    }

    #[test]
    fn equal_hashes_exactly_when_tokens_and_history_are_equal() {
        let a = prompt(Some(1), 40, 10, 100);
        let b = prompt(Some(1), 40, 11, 70);
        let c = prompt(Some(2), 40, 12, 100);
        let (ha, hb, hc) = (a.block_hashes(16), b.block_hashes(16), c.block_hashes(16));
        assert_eq!((ha.len(), hb.len()), (6, 4));
        // Blocks 0 and 1 (tokens 0..32) lie inside the 40 shared tokens; block 2 straddles.
        assert_eq!(ha[..2], hb[..2]);
        assert_ne!(ha[2], hb[2]);
        assert!(ha.iter().all(|h| !hc.contains(h)));
        // The token view agrees: shared positions equal, others differ.
        assert!((0..40).all(|j| a.token(j) == b.token(j)));
        assert!((40..70).filter(|&j| a.token(j) == b.token(j)).count() < 3);
        // Block size is part of the identity.
        assert_ne!(a.block_hashes(32)[0], ha[0]);
        // Only blocks inside the shared prefix are shareable, and they are the same hashes.
        assert_eq!(a.shareable_block_hashes(16), ha[..2]);
        assert!(prompt(None, 0, 1, 100)
            .shareable_block_hashes(16)
            .is_empty());
    }

    #[test]
    fn pool_shares_cached_blocks_and_evicts_least_recent() {
        let mut pool = BlockPool::new(10, true);
        let first = prompt(Some(0), 64, 1, 64).block_hashes(16);
        assert!(pool.try_acquire(&first, 1));
        assert_eq!(pool.used(), 5);
        pool.release(&first, 1);
        assert_eq!((pool.used(), pool.cached_prefix(&first)), (0, 4));
        // A request sharing the prefix takes the 4 cached blocks without new space.
        let second = prompt(Some(0), 64, 2, 96).block_hashes(16);
        assert_eq!(pool.cached_prefix(&second), 4);
        assert!(pool.try_acquire(&second, 0));
        assert_eq!(pool.used(), 6);
        // 4 more blocks fit; 5 do not.
        assert!(!pool.try_grow(5));
        assert!(pool.try_grow(4));
        assert_eq!(pool.available(), 0);
        pool.release(&second, 4);
        // Space pressure evicts the least recently released blocks first: the tail.
        let other = prompt(None, 0, 3, 16 * 8).block_hashes(16);
        assert!(pool.try_acquire(&other, 0));
        assert_eq!(pool.cached_prefix(&second), 2);
        assert_eq!(pool.used(), 8);
    }

    #[test]
    fn without_caching_nothing_is_reused() {
        let mut pool = BlockPool::new(10, false);
        let h = prompt(Some(0), 64, 1, 64).block_hashes(16);
        assert!(pool.try_acquire(&h, 0));
        pool.release(&h, 0);
        assert_eq!(pool.cached_prefix(&h), 0);
        assert_eq!(pool.available(), 10);
    }

    #[test]
    fn index_is_bounded_and_lru() {
        let mut index = PrefixIndex::new(4);
        let a = prompt(None, 0, 1, 64).block_hashes(16);
        let b = prompt(None, 0, 2, 32).block_hashes(16);
        index.insert(&a);
        assert_eq!(index.matched_prefix(&a), 4);
        index.insert(&b);
        // The two least recent blocks of `a` (its tail) made room.
        assert_eq!(index.matched_prefix(&a), 2);
        assert_eq!(index.matched_prefix(&b), 2);
    }
}
