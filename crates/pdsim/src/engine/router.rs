//! Routing inside a pool, and the deciders that choose whether to disaggregate.

use crate::config::{Decider, RoutingPolicy};
use crate::engine::instance::Instance;
use crate::prefix::SharedPrefix;

/// The router's books for one instance: the requests it sent there and has not seen
/// leave, as Dynamo's router keeps them, changed only through its methods: a request is
/// counted by [`Books::route`] and uncounted by [`Books::release`] as one unit (its count
/// and its prompt blocks together), and its blocks to prefill by [`Books::prefill_routed`]
/// and [`Books::prefill_ended`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Books {
    /// Requests routed here and not yet gone (the load of `least-loaded` and
    /// `prefix-aware`: queued + running + in flight).
    pub requests: u64,
    /// Prompt blocks of those requests (to decode, or to prefill until their KV has left).
    pub blocks: u64,
    /// Blocks the requests routed here to prefill had to compute (not in the prefix index
    /// when routed), until their prefill ends.
    pub pending_prefill_blocks: u64,
}

impl Books {
    /// A request with `blocks` prompt blocks was routed here.
    pub fn route(&mut self, blocks: u64) {
        self.requests += 1;
        self.blocks += blocks;
    }

    /// A request with `blocks` prompt blocks routed here has left (or, on a prefill
    /// instance, its KV has).
    pub fn release(&mut self, blocks: u64) {
        self.requests -= 1;
        self.blocks -= blocks;
    }

    /// A request routed here to prefill has `blocks` blocks to compute.
    pub fn prefill_routed(&mut self, blocks: u64) {
        self.pending_prefill_blocks += blocks;
    }

    /// The prefill of a request routed here ended (or it left before): uncounts the blocks
    /// it had to compute and zeroes its own count of them, so they are uncounted once.
    pub fn prefill_ended(&mut self, routed: &mut u32) {
        self.pending_prefill_blocks -= u64::from(std::mem::take(routed));
    }
}

/// Picks an instance among `candidates` (non-empty) for a prompt with shareable blocks
/// `prefix`.
/// Ties always go to the lowest instance id, so routing is deterministic.
pub fn pick(
    policy: RoutingPolicy,
    candidates: &[u32],
    instances: &[Instance],
    prefix: SharedPrefix,
    overlap_weight: f64,
    cursor: &mut usize,
) -> u32 {
    match policy {
        RoutingPolicy::RoundRobin => {
            let id = candidates[*cursor % candidates.len()];
            *cursor = (*cursor + 1) % candidates.len();
            id
        }
        RoutingPolicy::LeastLoaded => {
            min_by_key(candidates, |i| instances[i as usize].books.requests)
        }
        RoutingPolicy::PrefixAware => {
            // Most cached blocks first, then least loaded: minimize (-cached, load).
            min_by_key(candidates, |i| {
                let inst = &instances[i as usize];
                (
                    std::cmp::Reverse(inst.index.matched_prefix(prefix)),
                    inst.books.requests,
                )
            })
        }
        RoutingPolicy::KvCost | RoutingPolicy::KvCostStaged => {
            // Dynamo's KV router: overlap_weight x prefill blocks + decode blocks, both from
            // what the router itself sent (queued prefills weigh as much as running ones).
            let staged = policy == RoutingPolicy::KvCostStaged;
            let cost = |i: u32| {
                let inst = &instances[i as usize];
                // (The request's private blocks are to prefill everywhere: a constant left
                // out.)
                let to_prefill = prefix.blocks as usize - inst.index.matched_prefix(prefix);
                let books = &inst.books;
                let prefill = to_prefill as u64 + books.pending_prefill_blocks;
                let decode = if staged {
                    books.blocks - books.pending_prefill_blocks.min(books.blocks)
                } else {
                    books.blocks
                };
                overlap_weight * prefill as f64 + decode as f64
            };
            let mut best = candidates[0];
            let mut best_cost = cost(best);
            for &i in &candidates[1..] {
                let c = cost(i);
                if c < best_cost {
                    best = i;
                    best_cost = c;
                }
            }
            best
        }
    }
}

fn min_by_key<K: Ord>(candidates: &[u32], key: impl Fn(u32) -> K) -> u32 {
    // `min_by_key` keeps the first minimum: candidates are in id order.
    candidates
        .iter()
        .copied()
        .min_by_key(|&i| key(i))
        .unwrap_or(candidates[0])
}

/// What a decider knows about a request.
#[derive(Clone, Copy, Debug)]
pub struct DecisionInput {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Prompt tokens not in the chosen decode instance's prefix cache (router's view).
    pub uncached_tokens: u32,
    /// Waiting requests at the prefill instance that would take the prefill part.
    pub prefill_queue_depth: usize,
}

/// Whether to run the request's prefill on a prefill instance. Boundary semantics are part
/// of the contract: `prefix-threshold` and `conditional` are strict (`>`),
/// `length-threshold` is inclusive (`>=`, so 0 means always).
pub fn disaggregate(
    decider: Decider,
    threshold: u32,
    max_prefill_queue: u32,
    input: DecisionInput,
) -> bool {
    match decider {
        Decider::Never => false,
        Decider::Always => true,
        Decider::PrefixThreshold => input.uncached_tokens > threshold,
        Decider::LengthThreshold => input.input_tokens >= threshold,
        Decider::Conditional => {
            input.uncached_tokens > threshold
                && input.prefill_queue_depth <= max_prefill_queue as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(input_tokens: u32, uncached_tokens: u32, prefill_queue_depth: usize) -> DecisionInput {
        DecisionInput {
            input_tokens,
            uncached_tokens,
            prefill_queue_depth,
        }
    }

    #[test]
    fn prefix_threshold_is_strict() {
        let d = |uncached| disaggregate(Decider::PrefixThreshold, 512, 0, input(2000, uncached, 0));
        assert!(!d(511));
        assert!(!d(512));
        assert!(d(513));
    }

    #[test]
    fn length_threshold_is_inclusive_and_zero_means_always() {
        let d = |tokens, threshold| {
            disaggregate(Decider::LengthThreshold, threshold, 0, input(tokens, 0, 0))
        };
        assert!(!d(4095, 4096));
        assert!(d(4096, 4096));
        assert!(d(1, 0));
    }

    #[test]
    fn conditional_needs_both_conditions() {
        let d = |uncached, depth| {
            disaggregate(Decider::Conditional, 1000, 4, input(5000, uncached, depth))
        };
        assert!(!d(1000, 0));
        assert!(d(1001, 4));
        assert!(!d(1001, 5));
    }

    #[test]
    fn never_and_always() {
        assert!(!disaggregate(
            Decider::Never,
            0,
            0,
            input(100_000, 100_000, 0)
        ));
        assert!(disaggregate(
            Decider::Always,
            u32::MAX,
            0,
            input(1, 0, 1_000)
        ));
    }
}
