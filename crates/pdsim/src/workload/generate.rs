//! Generated requests: the arrival process, sampled lengths and prefix-group membership.

use crate::config::{ArrivalProcess, LengthDist, PrefixConfig, WorkloadConfig};
use crate::prefix::{PrefixTree, Prompt};
use crate::rng::Stream;
use crate::time::Nanos;

use super::spec::{RequestSpec, MAX_TOKENS};

#[derive(Debug)]
pub(super) struct Generator {
    pub(super) config: WorkloadConfig,
    pub(super) arrivals: Stream,
    pub(super) inputs: Stream,
    pub(super) outputs: Stream,
    pub(super) groups: Stream,
    pub(super) clock_ns: f64,
}

impl Generator {
    pub(super) fn next(&mut self, id: u64) -> RequestSpec {
        let arrival = &self.config.arrival;
        let mean_gap_ns = 1e9 / arrival.rate_per_s;
        let closed_loop = self.config.closed_loop.is_some();
        // The first request arrives at 0; every later one after a sampled gap (a closed
        // loop's users all start at 0).
        if id > 0 && !closed_loop {
            self.clock_ns += match arrival.process {
                ArrivalProcess::Poisson => self.arrivals.exponential(mean_gap_ns),
                ArrivalProcess::Constant => mean_gap_ns,
                ArrivalProcess::Gamma => {
                    let shape = 1.0 / (arrival.cv * arrival.cv);
                    self.arrivals.gamma(shape, mean_gap_ns / shape)
                }
            };
        }
        let len = sample_length(&self.config.input_tokens, &mut self.inputs);
        let output_tokens = sample_length(&self.config.output_tokens, &mut self.outputs);
        let prefix = &self.config.prefix;
        // Always draw both numbers so membership does not shift the stream.
        let member = self.groups.open01() < prefix.fraction;
        let group = self.groups.below(u64::from(prefix.groups.max(1))) as u32;
        // With a system prompt, a member shares it and then its group's tokens (the group
        // branches off the system prompt's group, numbered `groups`); others share it alone.
        let system = prefix.system_tokens;
        let (group, shared_tokens) = if prefix.groups > 0 && prefix.tokens > 0 && member {
            (Some(group), system.saturating_add(prefix.tokens).min(len))
        } else if system > 0 {
            (Some(prefix.groups), system.min(len))
        } else {
            (None, 0)
        };
        RequestSpec {
            id,
            arrival: self.clock_ns as Nanos,
            prompt: Prompt {
                group,
                shared_tokens,
                salt: id,
                len,
            },
            output_tokens,
        }
    }
}

/// The groups of generated prompts: with a system prompt, every group branches off the
/// system prompt's group (numbered `groups`) after its tokens.
fn generated_tree(prefix: &PrefixConfig) -> PrefixTree {
    let mut tree = PrefixTree::flat();
    if prefix.system_tokens > 0 && prefix.tokens > 0 {
        tree.branch_all_below(prefix.groups, prefix.groups, prefix.system_tokens);
    }
    tree
}

/// The groups of generated sessions: every conversation is its own group (numbered from 0),
/// which with a system prompt branches off the system prompt's group (the last number, which
/// no session reaches) after its tokens.
fn session_tree(prefix: &PrefixConfig) -> PrefixTree {
    let mut tree = PrefixTree::flat();
    if prefix.system_tokens > 0 {
        tree.branch_all_below(u32::MAX, u32::MAX, prefix.system_tokens);
    }
    tree
}

/// Draws a length in tokens: rounded, clamped to the distribution's bounds, at least 1.
pub fn sample_length(dist: &LengthDist, stream: &mut Stream) -> u32 {
    let (value, min, max) = match *dist {
        LengthDist::Constant { value } => (f64::from(value), None, None),
        LengthDist::Uniform { min, max } => {
            let span = u64::from(max.saturating_sub(min)) + 1;
            (f64::from(min) + stream.below(span) as f64, None, None)
        }
        LengthDist::Normal {
            mean,
            std,
            min,
            max,
        } => (mean + std * stream.standard_normal(), min, max),
        LengthDist::Lognormal {
            mean,
            std,
            min,
            max,
        } => {
            // Parameters of the underlying normal from the lognormal's own mean and std.
            let sigma2 = libm::log(1.0 + (std * std) / (mean * mean));
            let mu = libm::log(mean) - sigma2 / 2.0;
            (
                libm::exp(mu + libm::sqrt(sigma2) * stream.standard_normal()),
                min,
                max,
            )
        }
    };
    let lo = f64::from(min.unwrap_or(1).max(1));
    // Never above the validated maximum, so token arithmetic cannot overflow.
    let hi = f64::from(max.unwrap_or(MAX_TOKENS).min(MAX_TOKENS));
    libm::round(value).clamp(lo, hi.max(lo)) as u32
}

/// Where the nested prefix groups of `workload`'s generated prompts branch (see
/// [`generated_tree`] and [`session_tree`]).
pub(crate) fn prefix_tree(workload: &WorkloadConfig) -> PrefixTree {
    if workload.sessions.is_some() {
        session_tree(&workload.prefix)
    } else {
        generated_tree(&workload.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamId;

    #[test]
    fn lengths_respect_clamps() {
        let dist = LengthDist::Normal {
            mean: 100.0,
            std: 500.0,
            min: Some(10),
            max: Some(200),
        };
        let mut s = Stream::new(1, StreamId::InputLengths);
        let v: Vec<u32> = (0..10_000).map(|_| sample_length(&dist, &mut s)).collect();
        assert!(v.iter().all(|&x| (10..=200).contains(&x)));
        assert!(v.contains(&10) && v.contains(&200));
        let uni = LengthDist::Uniform { min: 3, max: 5 };
        let u: Vec<u32> = (0..1000).map(|_| sample_length(&uni, &mut s)).collect();
        assert!(u.iter().all(|&x| (3..=5).contains(&x)) && u.contains(&3) && u.contains(&5));
    }

    #[test]
    fn lognormal_has_the_requested_mean() {
        let dist = LengthDist::Lognormal {
            mean: 1000.0,
            std: 500.0,
            min: None,
            max: None,
        };
        let mut s = Stream::new(5, StreamId::InputLengths);
        let n = 100_000;
        let mean = (0..n)
            .map(|_| f64::from(sample_length(&dist, &mut s)))
            .sum::<f64>()
            / f64::from(n);
        assert!((mean - 1000.0).abs() < 10.0, "{mean}");
    }
}
