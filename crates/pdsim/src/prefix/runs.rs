//! The shared blocks a cache holds, kept per prefix group as runs instead of one entry per
//! block.
//!
//! Every holder holds a prefix of its group's blocks (blocks `0..n`), and returned blocks
//! become reusable tail first (the head, which more prompts share, is kept longest). So
//! within a group:
//! - the held blocks are `0..held`, where `held` is the longest holder's length;
//! - the reusable (cached) blocks `held..len` were returned in runs: each run is the blocks
//!   that one return released, and newer runs lie below older ones;
//! - the present blocks are `0..len`: the least recently returned block of the group is its
//!   last one, so eviction only ever shortens the group from the top.
//!
//! Across the cache, the least recently returned block is the top block of the oldest run
//! still present: eviction is a queue of runs in the order they were created. Taking,
//! returning and matching a prefix therefore cost O(1) whatever its length (plus
//! O(log holders) to keep the holders sorted), where one entry per block cost O(length),
//! and the eviction order is exactly the per-block least-recently-used one.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::SharedPrefix;

/// Blocks `lo..hi` of a group, returned together.
#[derive(Clone, Copy, Debug)]
struct Run {
    lo: u32,
    hi: u32,
    /// Creation order, unique in the cache.
    id: u64,
}

#[derive(Debug, Default)]
struct Group {
    /// Blocks present: `0..len`.
    len: u32,
    /// Lengths held, sorted (one entry per holder).
    holders: Vec<u32>,
    /// The reusable blocks `held()..len`, oldest run (highest blocks) first.
    runs: Vec<Run>,
}

impl Group {
    fn held(&self) -> u32 {
        self.holders.last().copied().unwrap_or(0)
    }
}

/// The shared blocks present in one cache (a KV pool, or the router's picture of one).
#[derive(Debug, Default)]
pub(super) struct PrefixRuns {
    groups: FxHashMap<u32, Group>,
    /// Runs as `(id, group)` in creation order; entries of runs that no longer exist are
    /// skipped when met, and dropped in bulk once they outnumber the live ones.
    queue: VecDeque<(u64, u32)>,
    next_id: u64,
    live_runs: usize,
    /// Blocks present in all groups.
    present: u64,
}

impl PrefixRuns {
    /// Blocks present.
    pub(super) fn len(&self) -> u64 {
        self.present
    }

    /// How many leading blocks of `prefix` are present.
    pub(super) fn present(&self, prefix: SharedPrefix) -> u32 {
        self.group(prefix).map_or(0, |g| g.len.min(prefix.blocks))
    }

    /// How many leading blocks of `prefix` are held.
    pub(super) fn held(&self, prefix: SharedPrefix) -> u32 {
        self.group(prefix)
            .map_or(0, |g| g.held().min(prefix.blocks))
    }

    fn group(&self, prefix: SharedPrefix) -> Option<&Group> {
        if prefix.is_empty() {
            return None;
        }
        self.groups.get(&prefix.group)
    }

    /// Adds a holder of `prefix`'s blocks; returns how many of them were not held before
    /// (new ones and reusable ones taken back).
    pub(super) fn take(&mut self, prefix: SharedPrefix) -> u32 {
        if prefix.is_empty() {
            return 0;
        }
        let n = prefix.blocks;
        let g = self.groups.entry(prefix.group).or_default();
        let before = g.held();
        let at = g.holders.partition_point(|&h| h <= n);
        g.holders.insert(at, n);
        // Reusable blocks below `n` are held again: their runs shrink from below.
        while let Some(run) = g.runs.last_mut() {
            if run.hi <= n {
                g.runs.pop();
                self.live_runs -= 1;
            } else {
                run.lo = run.lo.max(n);
                break;
            }
        }
        if n > g.len {
            self.present += u64::from(n - g.len);
            g.len = n;
        }
        n.saturating_sub(before)
    }

    /// Removes a holder of `prefix`'s blocks (one that [`Self::take`] added). The blocks
    /// nobody holds any more become reusable (`keep`) or leave. Returns how many there were.
    pub(super) fn give_back(&mut self, prefix: SharedPrefix, keep: bool) -> u32 {
        if prefix.is_empty() {
            return 0;
        }
        let Some(g) = self.groups.get_mut(&prefix.group) else {
            return 0;
        };
        let before = g.held();
        let holder = g.holders.binary_search(&prefix.blocks);
        debug_assert!(holder.is_ok(), "{prefix:?} returned but not held");
        if let Ok(at) = holder {
            g.holders.remove(at);
        }
        let after = g.held();
        if after < before {
            if keep {
                let id = self.next_id;
                self.next_id += 1;
                g.runs.push(Run {
                    lo: after,
                    hi: before,
                    id,
                });
                self.live_runs += 1;
                self.queue.push_back((id, prefix.group));
            } else {
                // Without reuse nothing is cached: the present blocks are the held ones.
                self.present -= u64::from(g.len - after);
                g.len = after;
            }
        }
        if g.len == 0 && g.holders.is_empty() {
            self.groups.remove(&prefix.group);
        }
        self.compact();
        before - after
    }

    /// Evicts the least recently returned reusable block; false if there is none.
    #[cfg(test)]
    pub(super) fn evict_oldest(&mut self) -> bool {
        self.evict(1) == 1
    }

    /// Evicts up to `n` reusable blocks, least recently returned first; returns how many.
    /// A run gives up its blocks at once (top first), so this costs O(runs), not O(n): a
    /// pool making room for a long prompt evicts hundreds of blocks.
    pub(super) fn evict(&mut self, n: u64) -> u64 {
        self.evict_into(n, |_, _, _| {})
    }

    /// [`Self::evict`], telling `evicted` each group's blocks `lo..hi` that left (a KV pool
    /// sends them down to its offload tiers).
    #[inline]
    pub(super) fn evict_into(&mut self, mut n: u64, mut evicted: impl FnMut(u32, u32, u32)) -> u64 {
        let wanted = n;
        while n > 0 {
            let Some(&(id, group)) = self.queue.front() else {
                break;
            };
            let g = self
                .groups
                .get_mut(&group)
                .filter(|g| g.runs.first().is_some_and(|run| run.id == id));
            // The oldest live run is the oldest of its group, so a live front entry is
            // always its group's first run; anything else is a run that no longer exists.
            let Some(g) = g else {
                self.queue.pop_front();
                continue;
            };
            let run = &mut g.runs[0];
            let k = (run.hi - run.lo).min(u32::try_from(n).unwrap_or(u32::MAX));
            run.hi -= k;
            evicted(group, run.hi, run.hi + k);
            g.len -= k;
            self.present -= u64::from(k);
            n -= u64::from(k);
            if run.lo == run.hi {
                g.runs.remove(0);
                self.live_runs -= 1;
                self.queue.pop_front();
                if g.len == 0 && g.holders.is_empty() {
                    self.groups.remove(&group);
                }
            }
        }
        wanted - n
    }

    /// Drops the queue entries of runs that no longer exist once they outnumber live ones.
    fn compact(&mut self) {
        if self.queue.len() > 2 * self.live_runs + 64 {
            let groups = &self.groups;
            self.queue.retain(|&(id, group)| {
                groups
                    .get(&group)
                    .is_some_and(|g| g.runs.iter().any(|run| run.id == id))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{xorshift, PerBlock};
    use super::*;

    fn p(group: u32, blocks: u32) -> SharedPrefix {
        SharedPrefix { group, blocks }
    }

    #[test]
    fn holders_keep_blocks_and_returns_make_them_reusable_top_first() {
        let mut runs = PrefixRuns::default();
        assert_eq!(runs.take(p(1, 8)), 8);
        assert_eq!(runs.take(p(1, 3)), 0, "a shorter holder shares held blocks");
        assert_eq!((runs.present(p(1, 10)), runs.held(p(1, 10))), (8, 8));
        // The longest holder leaves: blocks 3..8 are reusable, 0..3 still held.
        assert_eq!(runs.give_back(p(1, 8), true), 5);
        assert_eq!(
            (runs.present(p(1, 8)), runs.held(p(1, 8)), runs.len()),
            (8, 3, 8)
        );
        // Eviction takes the top block first.
        assert!(runs.evict_oldest());
        assert_eq!(runs.present(p(1, 8)), 7);
        // Taking 5 blocks takes back 3..5 (and 0..3 are held already).
        assert_eq!(runs.take(p(1, 5)), 2);
        assert_eq!(runs.held(p(1, 8)), 5);
        // Blocks 5..7 remain reusable; two evictions empty the cache's reusable part.
        assert!(runs.evict_oldest() && runs.evict_oldest());
        assert!(!runs.evict_oldest());
        assert_eq!(runs.len(), 5);
        assert_eq!(runs.give_back(p(1, 5), true), 2);
        assert_eq!(runs.give_back(p(1, 3), true), 3);
        assert_eq!((runs.len(), runs.held(p(1, 5))), (5, 0));

        // Without reuse (a pool without prefix caching), returned blocks leave at once.
        let mut runs = PrefixRuns::default();
        runs.take(p(2, 4));
        runs.take(p(2, 2));
        assert_eq!(runs.give_back(p(2, 4), false), 2);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs.give_back(p(2, 2), false), 2);
        assert_eq!(runs.len(), 0);
        assert!(runs.groups.is_empty() && !runs.evict_oldest());
    }

    /// A group's blocks `0..n`, as the model keys them.
    fn keys(prefix: SharedPrefix) -> Vec<(u32, u32)> {
        (0..prefix.blocks).map(|k| (prefix.group, k)).collect()
    }

    #[test]
    fn runs_behave_exactly_like_one_entry_per_block() {
        for keep in [true, false] {
            let (mut runs, mut model) = (PrefixRuns::default(), PerBlock::default());
            let mut taken: Vec<SharedPrefix> = Vec::new();
            let mut next = xorshift(0x2545_F491_4F6C_DD1D);
            for _ in 0..5_000 {
                match next(10) {
                    0..=3 => {
                        let prefix = p(next(4) as u32, 1 + next(12) as u32);
                        runs.take(prefix);
                        model.take(&keys(prefix));
                        taken.push(prefix);
                    }
                    4..=6 if !taken.is_empty() => {
                        let prefix = taken.swap_remove(next(taken.len() as u64) as usize);
                        runs.give_back(prefix, keep);
                        model.give_back(&keys(prefix), keep);
                    }
                    7 => {
                        // Bulk eviction is that many single ones.
                        let k = next(20);
                        let evicted = (0..k).take_while(|_| model.evict_oldest()).count();
                        assert_eq!(runs.evict(k), evicted as u64);
                    }
                    _ => assert_eq!(runs.evict_oldest(), model.evict_oldest()),
                }
                assert_eq!(runs.len(), model.blocks.len() as u64);
                for group in 0..4 {
                    let all = p(group, 13);
                    assert_eq!(runs.present(all), model.leading(&keys(all), false));
                    assert_eq!(runs.held(all), model.leading(&keys(all), true));
                }
            }
        }
    }

    #[test]
    fn eviction_follows_the_order_blocks_were_returned_in_across_groups() {
        let mut runs = PrefixRuns::default();
        for group in 0..3 {
            runs.take(p(group, 4));
        }
        // Returned in the order 2, 0, 1: group 2's blocks go first, top block first.
        for group in [2, 0, 1] {
            runs.give_back(p(group, 4), true);
        }
        let mut order = Vec::new();
        while runs.evict_oldest() {
            order.push((0..3).map(|g| runs.present(p(g, 4))).collect::<Vec<_>>());
        }
        assert_eq!(order[0], [4, 4, 3]);
        assert_eq!(order[3], [4, 4, 0]);
        assert_eq!(order[4], [3, 4, 0]);
        assert_eq!(order.last().map(Vec::as_slice), Some(&[0, 0, 0][..]));
        assert!(runs.groups.is_empty(), "empty groups keep no memory");
    }

    #[test]
    fn taking_back_part_of_a_run_keeps_the_rest_in_its_place_in_the_order() {
        let mut runs = PrefixRuns::default();
        runs.take(p(0, 6));
        runs.give_back(p(0, 6), true); // run A: 0..6
        runs.take(p(1, 2));
        runs.give_back(p(1, 2), true); // run B: group 1, 0..2
        runs.take(p(0, 2));
        runs.give_back(p(0, 2), true); // run C: 0..2, and A shrinks to 2..6
                                       // Oldest first: what is left of A (4 blocks), then B, then C.
        let evictions = |runs: &mut PrefixRuns, k: usize| {
            for _ in 0..k {
                assert!(runs.evict_oldest());
            }
        };
        evictions(&mut runs, 4);
        assert_eq!((runs.present(p(0, 6)), runs.present(p(1, 2))), (2, 2));
        evictions(&mut runs, 2);
        assert_eq!((runs.present(p(0, 6)), runs.present(p(1, 2))), (2, 0));
        evictions(&mut runs, 2);
        assert_eq!((runs.len(), runs.queue.len()), (0, 0));
    }
}
