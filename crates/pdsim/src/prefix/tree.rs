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

    /// Whether no group is nested.
    pub fn is_flat(&self) -> bool {
        self.branches.is_empty() && self.below.is_none()
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
