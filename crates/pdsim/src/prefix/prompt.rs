//! A prompt's identity (whose tokens it holds) and the blocks of it that can be shared.

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
/// prefix, blocks `0..blocks` of the path that ends in `group` (see `PrefixTree`; for a
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
