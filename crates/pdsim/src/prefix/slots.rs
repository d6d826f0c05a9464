//! Per-group slots: a cache's entries for blocks `(group, index)`, found with one lookup
//! per group and then by index.

use rustc_hash::FxHashMap;

use super::SharedPrefix;

/// The key of block `index` of `group` in an [`LruOrder`](super::lru::LruOrder).
pub(super) fn key(group: u32, index: u32) -> u64 {
    (u64::from(group) << 32) | u64::from(index)
}

fn split(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

#[derive(Debug)]
struct Group<T> {
    slots: Vec<Option<T>>,
    present: u32,
}

/// One value per present block. A group's slots are dropped once none is present, so
/// memory follows what the cache holds, not every group ever seen.
#[derive(Debug)]
pub(super) struct GroupSlots<T> {
    groups: FxHashMap<u32, Group<T>>,
    present: usize,
}

impl<T> Default for GroupSlots<T> {
    fn default() -> Self {
        Self {
            groups: FxHashMap::default(),
            present: 0,
        }
    }
}

impl<T: Copy> GroupSlots<T> {
    /// Blocks present.
    pub(super) fn len(&self) -> usize {
        self.present
    }

    /// The value of the block with `key`, if present.
    pub(super) fn get(&self, key: u64) -> Option<T> {
        let (group, index) = split(key);
        self.groups
            .get(&group)
            .and_then(|g| g.slots.get(index as usize).copied().flatten())
    }

    /// The slots of `prefix`'s blocks (shorter when the group's tail was never stored).
    pub(super) fn prefix(&self, prefix: SharedPrefix) -> &[Option<T>] {
        match self.groups.get(&prefix.group) {
            Some(g) if !prefix.is_empty() => &g.slots[..g.slots.len().min(prefix.blocks as usize)],
            _ => &[],
        }
    }

    /// How many leading blocks of `prefix` are present.
    pub(super) fn leading(&self, prefix: SharedPrefix) -> usize {
        self.prefix(prefix)
            .iter()
            .take_while(|slot| slot.is_some())
            .count()
    }

    /// Calls `visit(key, slot)` on the slots of `prefix`'s blocks at `indices` (each below
    /// `prefix.blocks`), creating them as needed and keeping the counts of present blocks.
    pub(super) fn update(
        &mut self,
        prefix: SharedPrefix,
        indices: impl Iterator<Item = u32>,
        mut visit: impl FnMut(u64, &mut Option<T>),
    ) {
        if prefix.is_empty() {
            return;
        }
        let group = self.groups.entry(prefix.group).or_insert_with(|| Group {
            slots: Vec::new(),
            present: 0,
        });
        if group.slots.len() < prefix.blocks as usize {
            group.slots.resize(prefix.blocks as usize, None);
        }
        for index in indices {
            let slot = &mut group.slots[index as usize];
            let was = slot.is_some();
            visit(key(prefix.group, index), slot);
            match (was, slot.is_some()) {
                (false, true) => {
                    group.present += 1;
                    self.present += 1;
                }
                (true, false) => {
                    group.present -= 1;
                    self.present -= 1;
                }
                _ => {}
            }
        }
        if group.present == 0 {
            self.groups.remove(&prefix.group);
        }
    }

    /// Removes the block with `key`, if present.
    pub(super) fn remove(&mut self, key: u64) {
        let (group, index) = split(key);
        let prefix = SharedPrefix {
            group,
            blocks: index + 1,
        };
        if self.groups.contains_key(&group) {
            self.update(prefix, std::iter::once(index), |_, slot| *slot = None);
        }
    }

    /// Every present block as `(key, value)`, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, T)> + '_ {
        self.groups.iter().flat_map(|(&group, g)| {
            g.slots
                .iter()
                .enumerate()
                .filter_map(move |(index, slot)| slot.map(|v| (key(group, index as u32), v)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_presence_and_empty_groups_are_dropped() {
        let mut slots = GroupSlots::<u64>::default();
        let a = SharedPrefix {
            group: 7,
            blocks: 3,
        };
        slots.update(a, 0..3, |k, slot| *slot = Some(k));
        assert_eq!((slots.len(), slots.leading(a)), (3, 3));
        assert_eq!(slots.get(key(7, 2)), Some(key(7, 2)));
        slots.remove(key(7, 1));
        assert_eq!((slots.len(), slots.leading(a)), (2, 1));
        // A longer prefix of the same group sees only what is stored.
        let longer = SharedPrefix {
            group: 7,
            blocks: 10,
        };
        assert_eq!(slots.prefix(longer).len(), 3);
        slots.remove(key(7, 0));
        slots.remove(key(7, 2));
        slots.remove(key(7, 2));
        assert_eq!(slots.len(), 0);
        assert!(slots.groups.is_empty(), "an empty group keeps no memory");
        assert_eq!(slots.iter().count(), 0);
        // Nothing is stored for a prompt with no shareable block.
        slots.update(SharedPrefix::default(), 0..0, |_, _| unreachable!());
        assert!(slots.groups.is_empty());
    }
}
