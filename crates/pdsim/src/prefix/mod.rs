//! Prefix caching: which prompt blocks two requests share, each instance's KV block pool
//! with an LRU of reusable blocks, and the router's per-instance prefix index.
//!
//! A prompt's token ids are a pure function of its [`Prompt`] identity and position (see
//! [`Prompt::token`]), so a block's content is identified by where its tokens come from.
//! Only blocks inside a prompt's shared prefix can ever be shared (every later token
//! belongs to one request alone). A shared prefix is a path in a tree of prefix groups
//! ([`PrefixTree`]: a system prompt, then one of several documents, ...; flat groups are
//! one-node paths), and block `i` is identified by (the group on the path that covers it,
//! `i`): the caches key blocks by that pair ([`SharedPrefix`] names the deepest group and
//! the block count) and never hash tokens. The private blocks of a prompt are only counted.
//! Because every request holds a leading run of each group's blocks, a cache keeps each
//! group as a few runs, not one entry per block (`runs.rs`): sharing, returning and
//! matching a prompt's prefix cost O(1) per group on its path.

mod index;
#[cfg(test)]
mod model;
mod pool;
mod runs;
mod tier;
mod tree;

pub use index::PrefixIndex;
pub use pool::{BlockPool, TierHit};
pub use tier::TierStore;
pub use tree::{BlockTree, PrefixTree};

/// Who a prompt's tokens belong to. Token ids are a pure function of this identity and the
/// position, so two prompts share a block exactly when they share its tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// Prefix group, if any: positions below `shared_tokens` carry the group's tokens.
    pub group: Option<u32>,
    /// Leading tokens shared with the group (0 without a group).
    pub shared_tokens: u32,
    /// Identity of the unshared tokens (the request id).
    pub salt: u64,
    /// Prompt length, in tokens.
    pub len: u32,
}

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

    /// Chained hashes of the prompt's full blocks of `block_size` tokens: equal for two
    /// blocks exactly when their tokens and all tokens before them are equal. The caches
    /// do not hash (see [`SharedPrefix`]); this is the identity they are tested against.
    pub fn block_hashes(&self, block_size: u32) -> Vec<u64> {
        let full_blocks = self.len / block_size;
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

/// The blocks of a prompt another prompt can share: the full blocks inside its shared
/// prefix, blocks `0..blocks` of the path that ends in `group` (see [`PrefixTree`]; for a
/// flat group, of the group's own token sequence).
///
/// A block's chained hash depends on its tokens and all tokens before it; inside a shared
/// prefix those are the group's, so two shareable blocks hash equal exactly when they have
/// the same group and index (`shared_blocks_are_identified_by_group_and_index` checks this
/// against [`Prompt::block_hashes`]). Keying the caches by the pair instead of the hash
/// means no hashing and no allocation per request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SharedPrefix {
    /// The deepest prefix group of the path (meaningless when `blocks` is 0).
    pub group: u32,
    /// How many leading blocks are shareable.
    pub blocks: u32,
}

impl SharedPrefix {
    /// The shareable blocks of `prompt` with blocks of `block_size` tokens.
    pub fn of(prompt: &Prompt, block_size: u32) -> Self {
        match prompt.group {
            Some(group) => Self {
                group,
                blocks: prompt.shared_tokens.min(prompt.len) / block_size,
            },
            None => Self::default(),
        }
    }

    /// The number of shareable blocks, for block arithmetic.
    pub fn len(self) -> u64 {
        u64::from(self.blocks)
    }

    /// Whether no block is shareable.
    pub fn is_empty(self) -> bool {
        self.blocks == 0
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
    }

    #[test]
    fn shared_blocks_are_identified_by_group_and_index() {
        // Prompts of three groups with different shared lengths, prompt lengths and salts,
        // and ungrouped ones; every pair of blocks, by hash and by (group, index).
        let mut prompts = Vec::new();
        for salt in 0..24_u64 {
            let group = (salt % 4 != 3).then_some((salt % 3) as u32);
            let shared = [0, 16, 40, 100, 160][(salt % 5) as usize];
            let len = 20 + (salt as u32 * 37) % 200;
            prompts.push(prompt(group, shared.min(len), salt, len));
        }
        for block_size in [16, 32] {
            let mut blocks = Vec::new();
            for p in &prompts {
                let shared = SharedPrefix::of(p, block_size);
                let hashes = p.block_hashes(block_size);
                for (index, &hash) in hashes.iter().enumerate() {
                    let shareable = (index as u32) < shared.blocks;
                    blocks.push((hash, shareable.then_some((shared.group, index))));
                }
            }
            let shareable = blocks.iter().filter(|b| b.1.is_some()).count();
            assert!(shareable >= 20, "{shareable} shareable blocks");
            for (i, &(hash_a, id_a)) in blocks.iter().enumerate() {
                for &(hash_b, id_b) in &blocks[..i] {
                    match (id_a, id_b) {
                        (Some(a), Some(b)) => assert_eq!(hash_a == hash_b, a == b),
                        // A block outside every shared prefix is never equal to another.
                        _ => assert_ne!(hash_a, hash_b),
                    }
                }
            }
        }
        assert_eq!(SharedPrefix::of(&prompt(None, 0, 1, 100), 16).len(), 0);
        assert_eq!(SharedPrefix::of(&prompt(Some(3), 40, 1, 100), 16).blocks, 2);
    }
}
