//! Nested shared prefixes: which prefix group a group's leading tokens come from.
//!
//! A prefix group is a token sequence that starts at token 0, or branches off a parent
//! group: its first `start` tokens are the parent's (and so its ancestors'), then its own
//! continue. The groups form a tree (a radix tree of the prompts' shared parts: a new group
//! only where prompts branch). A prompt's shareable part is then the path from the root to
//! its group, cut at its shared length: block `i` of it belongs to the deepest group on that
//! path that starts before the block's end, and two prompts share block `i` exactly when
//! that group is the same for both (which means their paths, and so all earlier blocks,
//! agree too). The caches key block `i` by (that group, `i`), so the per-group runs of
//! `runs.rs` still hold, one per group on the path: a prompt costs O(depth), not O(blocks).
//!
//! Groups without an entry start at token 0 with no parent, so flat prefix groups (and
//! every config written before nesting) need no tree at all.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::SharedPrefix;
use crate::config::TraceRecord;

/// Where each nested group branches off its parent, in tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrefixTree {
    /// By group: (parent group, tokens taken from the parent before the group's own).
    branches: BTreeMap<u32, (u32, u32)>,
    /// Every group below `.0` without an entry branches off group `.1` at token `.2` (the
    /// generated documents under their system prompt, without one entry per group).
    below: Option<(u32, u32, u32)>,
}

impl PrefixTree {
    /// A tree with no nesting: every group starts at token 0.
    pub fn flat() -> Self {
        Self::default()
    }

    /// Makes `group` continue `parent`'s first `start` tokens.
    pub fn branch(&mut self, group: u32, parent: u32, start: u32) {
        self.branches.insert(group, (parent, start));
    }

    /// Makes every group below `groups` continue `parent`'s first `start` tokens.
    pub fn branch_all_below(&mut self, groups: u32, parent: u32, start: u32) {
        self.below = Some((groups, parent, start));
    }

    /// The parent of `group` and the tokens taken from it, if `group` is nested.
    pub fn parent(&self, group: u32) -> Option<(u32, u32)> {
        self.branches.get(&group).copied().or_else(|| {
            self.below
                .filter(|b| group < b.0)
                .map(|(_, parent, start)| (parent, start))
        })
    }

    /// The tree a trace's records describe (`prefix_parent`, `prefix_parent_tokens`), or
    /// the first record that contradicts it: its index and the message, naming the field.
    pub fn of_trace(records: &[TraceRecord]) -> Result<Self, (usize, String)> {
        let mut tree = Self::default();
        // Groups seen without a parent, and the first record of each nested group.
        let mut roots: FxHashMap<u32, usize> = FxHashMap::default();
        let mut first: FxHashMap<u32, usize> = FxHashMap::default();
        for (i, r) in records.iter().enumerate() {
            let Some(group) = r.prefix_group else {
                if r.prefix_parent.is_some() || r.prefix_parent_tokens.is_some() {
                    return Err((i, "prefix_parent: needs a prefix_group".into()));
                }
                continue;
            };
            match (r.prefix_parent, r.prefix_parent_tokens) {
                (None, None) => {
                    if let Some(&j) = first.get(&group) {
                        return Err((i, inconsistent(group, j)));
                    }
                    roots.entry(group).or_insert(i);
                }
                (Some(parent), Some(start)) => {
                    if parent == group {
                        return Err((i, format!("prefix_parent: group {group} is its own parent")));
                    }
                    if let Some(j) = roots.get(&group).or_else(|| {
                        first
                            .get(&group)
                            .filter(|_| tree.parent(group) != Some((parent, start)))
                    }) {
                        return Err((i, inconsistent(group, *j)));
                    }
                    first.entry(group).or_insert(i);
                    tree.branch(group, parent, start);
                }
                (None, Some(_)) => {
                    return Err((i, "prefix_parent_tokens: needs a prefix_parent".into()))
                }
                (Some(_), None) => {
                    return Err((i, "prefix_parent: needs prefix_parent_tokens".into()))
                }
            }
        }
        // Parents start before their children, so every path up is finite (no cycles).
        for (i, r) in records.iter().enumerate() {
            let Some(group) = r.prefix_group.filter(|g| first.get(g) == Some(&i)) else {
                continue;
            };
            let mut node = group;
            let mut start = u32::MAX;
            while let Some((parent, from)) = tree.parent(node) {
                if from >= start {
                    return Err((
                        i,
                        format!(
                            "prefix_parent_tokens: group {node} branches off group {parent} at \
                             token {from}, not before its child (token {start}); a group's \
                             parent must branch off earlier (and groups cannot form a cycle)"
                        ),
                    ));
                }
                start = from;
                node = parent;
            }
        }
        Ok(tree)
    }

    /// The tree in blocks of `block_size` tokens, as the caches walk it.
    pub fn in_blocks(&self, block_size: u32) -> BlockTree {
        let block_size = block_size.max(1);
        BlockTree {
            branches: self
                .branches
                .iter()
                .map(|(&group, &(parent, start))| (group, (parent, start / block_size)))
                .collect(),
            below: self
                .below
                .map(|(groups, parent, start)| (groups, parent, start / block_size)),
        }
    }
}

fn inconsistent(group: u32, earlier: usize) -> String {
    format!(
        "prefix_parent: group {group} has a different parent (or none) in record {earlier}; \
         every record of a group must give the same prefix_parent and prefix_parent_tokens"
    )
}

/// A [`PrefixTree`] in blocks: per nested group, its parent and its first block (the first
/// block whose end lies past the branch point, so the block that straddles it is the
/// child's own).
#[derive(Clone, Debug, Default)]
pub struct BlockTree {
    branches: FxHashMap<u32, (u32, u32)>,
    /// As in [`PrefixTree`], with the first block.
    below: Option<(u32, u32, u32)>,
}

impl BlockTree {
    /// Calls `f` with the part of `prefix` in each group on its path, deepest first: blocks
    /// `first..end` of a group as `(group, end - first)`, its blocks counted from the
    /// group's first.
    #[inline]
    pub(super) fn segments(&self, prefix: SharedPrefix, mut f: impl FnMut(Segment)) {
        let mut node = prefix.group;
        let mut end = prefix.blocks;
        if self.branches.is_empty() && self.below.is_none() {
            if end > 0 {
                f(Segment {
                    part: prefix,
                    first: 0,
                });
            }
            return;
        }
        while end > 0 {
            let branch = self.branches.get(&node).copied().or_else(|| {
                self.below
                    .filter(|b| node < b.0)
                    .map(|(_, parent, first)| (parent, first))
            });
            let (parent, first) = match branch {
                Some((parent, first)) => (Some(parent), first.min(end)),
                None => (None, 0),
            };
            if end > first {
                f(Segment {
                    part: SharedPrefix {
                        group: node,
                        blocks: end - first,
                    },
                    first,
                });
            }
            let Some(parent) = parent else { break };
            end = first;
            node = parent;
        }
    }

    /// How many leading blocks of `prefix` satisfy `count`, where `count` gives a group
    /// part's leading blocks that do. The blocks present in a cache (and those held) are
    /// closed under prefixes: a block is present only if every earlier block of the prompt
    /// is (a holder holds its whole path, and a group's blocks are returned after, so
    /// evicted after, its descendants'). So the deepest part with any is the answer.
    #[inline]
    pub(super) fn leading(&self, prefix: SharedPrefix, count: impl Fn(SharedPrefix) -> u32) -> u32 {
        let mut found = None;
        self.segments(prefix, |s| {
            if found.is_none() {
                let n = count(s.part);
                if n > 0 {
                    found = Some(s.first + n);
                }
            }
        });
        found.unwrap_or(0)
    }
}

/// One group's part of a prompt's shareable blocks.
#[derive(Clone, Copy, Debug)]
pub(super) struct Segment {
    /// The group and how many of its blocks (counted from its first).
    pub part: SharedPrefix,
    /// The prompt's index of the group's first block.
    pub first: u32,
}

#[cfg(test)]
mod tests {
    use super::super::model::{xorshift, PerBlock};
    use super::super::runs::PrefixRuns;
    use super::*;

    /// A random tree of 8 groups: group g > 0 branches off a smaller one, after it starts.
    fn random_tree(next: &mut impl FnMut(u64) -> u64) -> (PrefixTree, Vec<u32>) {
        let mut tree = PrefixTree::flat();
        let mut start = vec![0u32];
        for g in 1..8u32 {
            if next(4) == 0 {
                start.push(0);
                continue;
            }
            let parent = next(u64::from(g)) as u32;
            let from = start[parent as usize] + 1 + next(60) as u32;
            tree.branch(g, parent, from);
            start.push(from);
        }
        (tree, start)
    }

    /// The group whose tokens sit at `position` of a prompt whose path ends in `group`.
    fn source(tree: &PrefixTree, mut group: u32, position: u32) -> u32 {
        while let Some((parent, start)) = tree.parent(group) {
            if position >= start {
                break;
            }
            group = parent;
        }
        group
    }

    #[test]
    fn blocks_are_shared_exactly_when_their_tokens_and_all_before_them_are() {
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20 {
            let (tree, _) = random_tree(&mut next);
            let bs = [4, 16][next(2) as usize];
            let blocks = tree.in_blocks(bs);
            let prompts: Vec<SharedPrefix> = (0..12)
                .map(|_| SharedPrefix {
                    group: next(8) as u32,
                    blocks: 1 + next(50) as u32,
                })
                .collect();
            // Per block: its key from the tree walk, and the sources of all its tokens and
            // every token before it (what a chained hash of the tokens depends on).
            let mut all = Vec::new();
            for p in &prompts {
                for (i, key) in keys(&blocks, *p).into_iter().enumerate() {
                    let end = (i as u32 + 1) * bs;
                    let history: Vec<u32> = (0..end).map(|t| source(&tree, p.group, t)).collect();
                    all.push((key, history));
                }
            }
            for (i, (key_a, hist_a)) in all.iter().enumerate() {
                for (key_b, hist_b) in &all[..i] {
                    assert_eq!(key_a == key_b, hist_a == hist_b, "{key_a:?} {key_b:?}");
                }
            }
        }
    }

    /// A prompt's blocks as the model keys them: (the group covering each, its index).
    fn keys(tree: &BlockTree, prefix: SharedPrefix) -> Vec<(u32, u32)> {
        let mut keys = vec![(0, 0); prefix.blocks as usize];
        tree.segments(prefix, |s| {
            for i in s.first..s.first + s.part.blocks {
                keys[i as usize] = (s.part.group, i);
            }
        });
        keys
    }

    #[test]
    fn a_cache_of_nested_groups_behaves_like_one_entry_per_block() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        for _ in 0..10 {
            let (tree, _) = random_tree(&mut next);
            let tree = tree.in_blocks(8);
            let (mut runs, mut model) = (PrefixRuns::default(), PerBlock::default());
            let mut taken: Vec<SharedPrefix> = Vec::new();
            for _ in 0..2_000 {
                let prefix = SharedPrefix {
                    group: next(8) as u32,
                    blocks: 1 + next(14) as u32,
                };
                let prefix_keys = keys(&tree, prefix);
                match next(10) {
                    0..=3 => {
                        tree.segments(prefix, |s| {
                            runs.take(s.part);
                        });
                        model.take(&prefix_keys);
                        taken.push(prefix);
                    }
                    4..=6 if !taken.is_empty() => {
                        let back = taken.swap_remove(next(taken.len() as u64) as usize);
                        tree.segments(back, |s| {
                            runs.give_back(s.part, true);
                        });
                        model.give_back(&keys(&tree, back), true);
                    }
                    _ => {
                        let k = next(6);
                        let evicted = (0..k).take_while(|_| model.evict_oldest()).count();
                        assert_eq!(runs.evict(k), evicted as u64);
                    }
                }
                assert_eq!(runs.len(), model.blocks.len() as u64);
                // Matching any prompt: the leading blocks present, and those held.
                let present = tree.leading(prefix, |part| runs.present(part));
                let held = tree.leading(prefix, |part| runs.held(part));
                assert_eq!(present, model.leading(&prefix_keys, false), "{prefix:?}");
                assert_eq!(held, model.leading(&prefix_keys, true), "{prefix:?}");
            }
        }
    }
}
