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
mod prompt;
mod runs;
mod tier;
mod tree;

pub use index::PrefixIndex;
pub use pool::BlockPool;
pub use prompt::{Prompt, SharedPrefix};
pub use tier::TierStore;
pub use tree::{BlockTree, PrefixTree};

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
