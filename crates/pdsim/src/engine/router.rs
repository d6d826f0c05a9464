//! The router: which instance serves a request, and the deciders that choose whether to
//! disaggregate. It owns everything routing reads: the pools, the round-robin cursors and,
//! per instance, its view of the prefix cache and its books; instances never touch these,
//! they report what ended through their step outcome.

use crate::config::{Config, Decider, RoutingPolicy};
use crate::prefix::{BlockTree, PrefixIndex, SharedPrefix};
use crate::report::Role;
use std::sync::Arc;

/// The router's books for one instance: the requests it sent there and has not seen
/// leave, as Dynamo's router keeps them. A request is counted by [`Books::route`] and
/// uncounted by [`Books::release`] as one unit (its count and its prompt blocks together),
/// and its blocks to prefill by [`Books::prefill_routed`] and [`Books::prefill_ended`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Books {
    /// Requests routed here and not yet gone (the load of `least-loaded` and
    /// `prefix-aware`: queued + running + in flight).
    requests: u64,
    /// Prompt blocks of those requests (to decode, or to prefill until their KV has left).
    blocks: u64,
    /// Blocks the requests routed here to prefill had to compute (not in the prefix index
    /// when routed), until their prefill ends.
    pending_prefill_blocks: u64,
}

impl Books {
    fn route(&mut self, blocks: u64) {
        self.requests += 1;
        self.blocks += blocks;
    }

    fn release(&mut self, blocks: u64) {
        self.requests -= 1;
        self.blocks -= blocks;
    }

    fn prefill_routed(&mut self, blocks: u64) {
        self.pending_prefill_blocks += blocks;
    }

    fn prefill_ended(&mut self, blocks: u64) {
        self.pending_prefill_blocks -= blocks;
    }
}

/// What the router believes of one instance.
#[derive(Debug)]
struct View {
    /// Its prefix cache, as routing has filled it.
    index: PrefixIndex,
    books: Books,
}

/// Where a new request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The instance that decodes it (and prefills it, unless `prefill` is set).
    pub decode: u32,
    /// The prefill instance, when the decider disaggregates it.
    pub prefill: Option<u32>,
    /// Blocks its prefill instance had to compute, as the router saw it when routing
    /// (0 unless a kv-cost policy reads them); handed back by [`Router::prefill_ended`].
    pub routed_prefill_blocks: u32,
}

/// The routing policies, the deciders, the pools and the router's view of each instance.
#[derive(Debug)]
pub struct Router {
    policy: RoutingPolicy,
    prefill_policy: RoutingPolicy,
    overlap_weight: f64,
    decider: Decider,
    threshold_tokens: u32,
    max_prefill_queue: u32,
    block_size: u32,
    /// Instances that decode (unified and decode), by id.
    decode_pool: Vec<u32>,
    /// Instances that take remote prefills (prefill and unified), by id.
    prefill_pool: Vec<u32>,
    decode_cursor: usize,
    prefill_cursor: usize,
    /// By instance id.
    views: Vec<View>,
    scratch_candidates: Vec<u32>,
}

impl Router {
    /// A router over instances of `roles` (by id) whose prefix caches hold at most
    /// `kv_blocks` blocks each; nested prefix groups branch as in `tree`.
    pub fn new(config: &Config, roles: &[Role], kv_blocks: &[u64], tree: &Arc<BlockTree>) -> Self {
        let ids_where = |f: fn(Role) -> bool| {
            (0..roles.len() as u32)
                .filter(|&i| f(roles[i as usize]))
                .collect::<Vec<u32>>()
        };
        let views = kv_blocks
            .iter()
            .map(|&blocks| {
                let mut index = PrefixIndex::new(blocks);
                index.set_tree(tree);
                View {
                    index,
                    books: Books::default(),
                }
            })
            .collect();
        let routing = &config.routing;
        let disaggregation = &config.disaggregation;
        Self {
            policy: routing.policy,
            prefill_policy: routing.prefill_policy.unwrap_or(routing.policy),
            overlap_weight: routing.overlap_weight,
            decider: disaggregation.decider,
            threshold_tokens: disaggregation.threshold_tokens,
            max_prefill_queue: disaggregation.max_prefill_queue,
            block_size: config.engine.block_size,
            decode_pool: ids_where(Role::decodes),
            prefill_pool: ids_where(Role::prefills_remote),
            decode_cursor: 0,
            prefill_cursor: 0,
            views,
            scratch_candidates: Vec::new(),
        }
    }

    /// Routes a new request of `prompt_tokens` tokens whose shareable blocks are `prefix`:
    /// its decode instance, the decider, then (maybe) a prefill instance, whose waiting
    /// requests `queue_depth` tells (the conditional decider reads it). Books the request
    /// on the instances it goes to.
    pub fn place(
        &mut self,
        prefix: SharedPrefix,
        prompt_tokens: u32,
        queue_depth: impl Fn(u32) -> usize,
    ) -> Placement {
        let block_size = self.block_size;
        let weight = self.overlap_weight;
        let d = pick(
            self.policy,
            &self.decode_pool,
            &self.views,
            prefix,
            weight,
            &mut self.decode_cursor,
        );
        let cached_blocks = self.views[d as usize].index.matched_prefix(prefix) as u64;
        let uncached =
            u64::from(prompt_tokens).saturating_sub(cached_blocks * u64::from(block_size)) as u32;
        let mut candidates = std::mem::take(&mut self.scratch_candidates);
        candidates.clear();
        candidates.extend(self.prefill_pool.iter().copied().filter(|&p| p != d));
        // The prefill instance is chosen before deciding (the conditional decider looks at
        // its queue), but a round-robin cursor only advances when it is really used.
        let mut cursor = self.prefill_cursor;
        let prefill = (!candidates.is_empty()).then(|| {
            pick(
                self.prefill_policy,
                &candidates,
                &self.views,
                prefix,
                weight,
                &mut cursor,
            )
        });
        self.scratch_candidates = candidates;
        let remote = prefill.filter(|&p| {
            disaggregate(
                self.decider,
                self.threshold_tokens,
                self.max_prefill_queue,
                DecisionInput {
                    input_tokens: prompt_tokens,
                    uncached_tokens: uncached,
                    prefill_queue_depth: queue_depth(p),
                },
            )
        });
        if remote.is_some() {
            self.prefill_cursor = cursor;
        }
        let prompt_blocks = u64::from(prompt_tokens).div_ceil(u64::from(block_size));
        // What the target must compute, as the router sees it (before this routing); only
        // the kv-cost policies read it.
        let kv_cost =
            |p: RoutingPolicy| matches!(p, RoutingPolicy::KvCost | RoutingPolicy::KvCostStaged);
        let to_prefill = match remote {
            _ if !(kv_cost(self.policy) || kv_cost(self.prefill_policy)) => 0,
            None => prompt_blocks - cached_blocks,
            Some(p) => prompt_blocks - self.views[p as usize].index.matched_prefix(prefix) as u64,
        };
        let target = remote.unwrap_or(d) as usize;
        self.views[target].books.prefill_routed(to_prefill);
        for i in [Some(d), remote].into_iter().flatten() {
            let view = &mut self.views[i as usize];
            view.index.insert(prefix);
            view.books.route(prompt_blocks);
        }
        Placement {
            decode: d,
            prefill: remote,
            routed_prefill_blocks: to_prefill as u32,
        }
    }

    /// A request with `prompt_tokens` prompt tokens routed to `instance` has left it (or,
    /// on a prefill instance, its KV has).
    pub fn released(&mut self, instance: u32, prompt_tokens: u32) {
        let blocks = u64::from(prompt_tokens).div_ceil(u64::from(self.block_size));
        self.views[instance as usize].books.release(blocks);
    }

    /// Prefills routed to `instance` ended (or their requests left before), handing back
    /// the `routed_prefill_blocks` of their placements.
    pub fn prefill_ended(&mut self, instance: u32, blocks: u64) {
        self.views[instance as usize].books.prefill_ended(blocks);
    }

    /// `instance` now holds the blocks of `prefix` (a finished turn's prompt and output, told
    /// as stored blocks, as Dynamo's KV events tell its router).
    pub fn learned(&mut self, instance: u32, prefix: SharedPrefix) {
        self.views[instance as usize].index.insert(prefix);
    }

    /// Whether every request the router sent has been seen leaving.
    pub fn is_idle(&self) -> bool {
        self.views.iter().all(|v| v.books == Books::default())
    }
}

/// Picks an instance among `candidates` (non-empty) for a prompt with shareable blocks
/// `prefix`.
/// Ties always go to the lowest instance id, so routing is deterministic.
fn pick(
    policy: RoutingPolicy,
    candidates: &[u32],
    instances: &[View],
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
struct DecisionInput {
    /// Prompt tokens.
    input_tokens: u32,
    /// Prompt tokens not in the chosen decode instance's prefix cache (router's view).
    uncached_tokens: u32,
    /// Waiting requests at the prefill instance that would take the prefill part.
    prefill_queue_depth: usize,
}

/// Whether to run the request's prefill on a prefill instance. Boundary semantics are part
/// of the contract: `prefix-threshold` and `conditional` are strict (`>`),
/// `length-threshold` is inclusive (`>=`, so 0 means always).
fn disaggregate(
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
