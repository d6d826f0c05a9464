//! The plain model the caches are tested against: one entry per block with its holders and
//! the time it was last returned; eviction takes the unheld block returned longest ago.

use std::collections::BTreeMap;

/// Blocks keyed by (group, index).
#[derive(Default)]
pub(super) struct PerBlock {
    pub blocks: BTreeMap<(u32, u32), (u32, u64)>,
    clock: u64,
}

impl PerBlock {
    pub fn take(&mut self, keys: &[(u32, u32)]) {
        for k in keys {
            self.blocks.entry(*k).or_insert((0, 0)).0 += 1;
        }
    }

    /// Returns a prompt's blocks, last one first; without `keep` unheld blocks leave.
    pub fn give_back(&mut self, keys: &[(u32, u32)], keep: bool) {
        for k in keys.iter().rev() {
            let Some(block) = self.blocks.get_mut(k) else {
                continue;
            };
            block.0 -= 1;
            if block.0 == 0 {
                self.clock += 1;
                block.1 = self.clock;
                if !keep {
                    self.blocks.remove(k);
                }
            }
        }
    }

    pub fn evict_oldest(&mut self) -> bool {
        let oldest = self
            .blocks
            .iter()
            .filter(|(_, b)| b.0 == 0)
            .min_by_key(|(_, b)| b.1)
            .map(|(&key, _)| key);
        oldest.is_some_and(|key| self.blocks.remove(&key).is_some())
    }

    /// How many of `keys` are present (held, with `held_only`) before the first that is not.
    pub fn leading(&self, keys: &[(u32, u32)], held_only: bool) -> u32 {
        keys.iter()
            .take_while(|k| self.blocks.get(k).is_some_and(|b| !held_only || b.0 > 0))
            .count() as u32
    }
}

/// A seeded xorshift stream: `next(n)` is below `n`.
pub(super) fn xorshift(mut state: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    }
}
