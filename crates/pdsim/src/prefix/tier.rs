//! KV offload tiers below HBM (`engine.kv_offload`): host memory, local disk, or one remote
//! store shared by all instances, as vLLM's CPU offload, LMCache and Mooncake Store keep
//! blocks HBM evicted.
//!
//! A tier keeps, per prefix group, one run of blocks `lo..hi` (HBM evicts a group's blocks
//! top first, so what it sends down is a run that grows downwards), least recently used
//! groups leaving first, top block first, into the next tier. A prompt finds in a tier the
//! blocks that continue those it found in HBM.

use rustc_hash::FxHashMap;
use std::collections::VecDeque;

use crate::config::{KvTier, KvTierConfig};
use crate::time::{ms_to_ns, Nanos};

/// One tier's blocks and counters.
#[derive(Debug)]
pub struct TierStore {
    /// Which tier.
    pub kind: KvTier,
    /// Capacity, in blocks.
    capacity: u64,
    /// Load bandwidth into one GPU, in bytes/ns (GB/s).
    bytes_per_ns: f64,
    latency: Nanos,
    /// KV bytes of one block, all TP ranks (for the counters).
    pub block_bytes: u64,
    /// Per group: blocks `lo..hi` and the stamp of its last use.
    groups: FxHashMap<u32, (u32, u32, u64)>,
    /// `(stamp, group)` in use order; entries whose stamp is no longer the group's are
    /// skipped when met.
    order: VecDeque<(u64, u32)>,
    clock: u64,
    len: u64,
    /// Blocks written to it.
    pub stored_blocks: u64,
    /// Blocks loaded from it.
    pub loaded_blocks: u64,
}

impl TierStore {
    /// An empty tier for blocks of `block_bytes` bytes (all TP ranks).
    pub fn new(config: &KvTierConfig, block_bytes: u64) -> Self {
        Self {
            kind: config.tier,
            capacity: (config.capacity_gb * 1e9 / block_bytes.max(1) as f64) as u64,
            bytes_per_ns: config.bandwidth_gb_per_s,
            latency: ms_to_ns(config.latency_ms),
            block_bytes,
            groups: FxHashMap::default(),
            order: VecDeque::new(),
            clock: 0,
            len: 0,
            stored_blocks: 0,
            loaded_blocks: 0,
        }
    }

    /// Capacity, in blocks.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Where the blocks of `group` it holds from block `from` on end, if it holds `from`.
    pub(super) fn extent(&self, group: u32, from: u32) -> Option<u32> {
        self.groups
            .get(&group)
            .filter(|&&(lo, hi, _)| lo <= from && from < hi)
            .map(|g| g.1)
    }

    /// The time to load `bytes_per_rank` bytes into each GPU of an instance.
    pub(super) fn load_time(&self, bytes_per_rank: u64) -> Nanos {
        self.latency
            .saturating_add((bytes_per_rank as f64 / self.bytes_per_ns) as Nanos)
    }

    /// Counts a load of `blocks` blocks of `group` (they stay: a copy goes up).
    pub(super) fn loaded(&mut self, group: u32, blocks: u32) {
        self.loaded_blocks += u64::from(blocks);
        self.touch(group);
    }

    fn touch(&mut self, group: u32) {
        if let Some(g) = self.groups.get_mut(&group) {
            self.clock += 1;
            g.2 = self.clock;
            self.order.push_back((self.clock, group));
        }
        if self.order.len() > 2 * self.groups.len() + 64 {
            let groups = &self.groups;
            self.order
                .retain(|&(stamp, g)| groups.get(&g).is_some_and(|e| e.2 == stamp));
        }
    }

    /// Stores blocks `lo..hi` of `group`; blocks it must drop for room go to `spill`.
    pub(super) fn insert(
        &mut self,
        group: u32,
        lo: u32,
        hi: u32,
        spill: &mut Vec<(u32, u32, u32)>,
    ) {
        if self.capacity == 0 {
            spill.push((group, lo, hi));
            return;
        }
        let entry = self.groups.entry(group).or_insert((lo, lo, 0));
        let (a, b) = (entry.0, entry.1);
        let (new_lo, new_hi) = if lo <= b && hi >= a && a < b {
            (a.min(lo), b.max(hi))
        } else {
            // Apart from what it holds of the group: the newer run replaces it.
            (lo, hi)
        };
        let before = u64::from(b - a);
        let after = u64::from(new_hi - new_lo);
        *entry = (new_lo, new_hi, entry.2);
        self.len = self.len + after - before;
        self.stored_blocks += after.saturating_sub(before);
        self.touch(group);
        while self.len > self.capacity {
            let Some(&(stamp, g)) = self.order.front() else {
                break;
            };
            let Some(e) = self.groups.get_mut(&g).filter(|e| e.2 == stamp) else {
                self.order.pop_front();
                continue;
            };
            let k = (self.len - self.capacity).min(u64::from(e.1 - e.0)) as u32;
            e.1 -= k;
            self.len -= u64::from(k);
            spill.push((g, e.1, e.1 + k));
            if e.0 == e.1 {
                self.groups.remove(&g);
                self.order.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(blocks: u64) -> TierStore {
        let config = KvTierConfig {
            tier: KvTier::Cpu,
            capacity_gb: blocks as f64 * 1e-9 * 1000.0,
            bandwidth_gb_per_s: 2.0,
            latency_ms: 0.5,
        };
        TierStore::new(&config, 1000)
    }

    #[test]
    fn runs_grow_downwards_and_the_least_recent_group_spills_top_first() {
        let mut t = tier(10);
        assert_eq!(t.capacity(), 10);
        let mut spill = Vec::new();
        // HBM evicts group 1's blocks 4..8, then 0..4: one run 0..8.
        t.insert(1, 4, 8, &mut spill);
        t.insert(1, 0, 4, &mut spill);
        assert_eq!((t.extent(1, 0), t.extent(1, 8)), (Some(8), None));
        t.insert(2, 0, 2, &mut spill);
        assert!(spill.is_empty());
        assert_eq!(t.stored_blocks, 10);
        // Full: group 1 is the least recently used, its top block goes to the next tier.
        t.insert(3, 0, 1, &mut spill);
        assert_eq!(spill, [(1, 7, 8)]);
        assert_eq!(t.extent(1, 0), Some(7));
        // A load makes group 1 the most recent: group 2 goes next.
        t.loaded(1, 7);
        spill.clear();
        t.insert(3, 1, 3, &mut spill);
        assert_eq!(spill, [(2, 0, 2)]);
        assert_eq!(t.extent(2, 0), None);
        // 1,000 bytes per rank at 2 GB/s: 500 ns after the 0.5 ms latency.
        assert_eq!(t.load_time(1000), 500_000 + 500);
    }
}
