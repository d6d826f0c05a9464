//! Speculative decoding on one instance: how many proposed tokens each verify step keeps,
//! what proposing costs, and the counts the report shows.
//!
//! A sequence in a speculative decode batch verifies `k + 1` tokens per step (its own next
//! token and `k` proposals). Proposal `i` (from 1) is accepted with chance `a_i` when every
//! one before it was, so the sequence keeps `j` proposals with chance
//! `A_j - A_{j+1}`, where `A_j = a_1 ... a_j` is the chance of keeping at least `j`, and
//! always advances by its kept proposals plus one (the target's token after the last kept
//! one): on average `1 + A_1 + ... + A_k` tokens per step. One uniform draw per sequence and
//! step, from the instance's own seeded stream, picks `j`: the number of `A_j` above it.

use crate::config::{SpecMethod, SpeculativeConfig};
use crate::cost::{CostModel, StepWork};
use crate::presets::{GpuParams, ModelParams};
use crate::report::SpeculativeSummary;
use crate::rng::{Stream, StreamId};
use crate::time::Nanos;

/// Counts of one instance's verify steps (one per sequence per step).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpecStats {
    /// Sequence verify steps.
    pub verify_steps: u64,
    /// Tokens those steps advanced their sequences by (capped at the output length).
    pub advanced_tokens: u64,
    /// Tokens proposed (`k` per verify step).
    pub proposed: u64,
    /// Proposals the target accepted (as drawn, before the cap at the output length).
    pub accepted: u64,
    /// Verify steps that reached proposal `i` (every earlier one accepted), per position.
    pub reached: Vec<u64>,
    /// Of those, the ones that accepted it, per position.
    pub accepted_at: Vec<u64>,
}

impl SpecStats {
    /// No verify steps yet, for `k` proposals per step.
    pub fn new(k: usize) -> Self {
        Self {
            reached: vec![0; k],
            accepted_at: vec![0; k],
            ..Self::default()
        }
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Self) {
        self.verify_steps += other.verify_steps;
        self.advanced_tokens += other.advanced_tokens;
        self.proposed += other.proposed;
        self.accepted += other.accepted;
        for (a, b) in self.reached.iter_mut().zip(&other.reached) {
            *a += b;
        }
        for (a, b) in self.accepted_at.iter_mut().zip(&other.accepted_at) {
            *a += b;
        }
    }
}

/// One instance's speculative decoding.
#[derive(Clone, Debug)]
pub struct Speculation {
    /// Proposals per sequence per step.
    pub k: u32,
    /// `A_j`, the chance of keeping at least `j` proposals, for `j = 1..=k`.
    at_least: Vec<f64>,
    /// The proposer's step-time model (a draft model, or one layer of the target as an
    /// EAGLE or MTP head); none for n-gram lookup.
    proposer: Option<CostModel>,
    stream: Stream,
    /// Counters.
    pub stats: SpecStats,
}

impl Speculation {
    /// The speculation of `config` on instance `instance` of `gpu` GPUs split `tp` ways,
    /// serving `model` (with the resolved `draft` model for method `draft`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        seed: u64,
        spec: &SpeculativeConfig,
        model: &ModelParams,
        draft: Option<&ModelParams>,
        gpu: &GpuParams,
        tp: u32,
        ep: u32,
        instance: u32,
    ) -> Self {
        let k = spec.tokens as usize;
        let mut at_least = Vec::with_capacity(k);
        let mut p = 1.0;
        for i in 0..k {
            p *= spec.acceptance.at(i);
            at_least.push(p);
        }
        // The proposer's own steps carry no engine overhead: they run inside the target's step.
        let proposer = match (spec.method, draft) {
            (SpecMethod::Draft, Some(d)) => Some(CostModel::new(d, gpu, tp, 1, 0.0)),
            (SpecMethod::Eagle | SpecMethod::Mtp, _) => {
                Some(CostModel::new(&head_model(model), gpu, tp, ep, 0.0))
            }
            _ => None,
        };
        Self {
            k: spec.tokens,
            at_least,
            proposer,
            stream: Stream::for_instance(seed, StreamId::Speculation, instance),
            stats: SpecStats::new(k),
        }
    }

    /// Draws the proposals one sequence keeps this step, and counts them.
    pub fn draw(&mut self) -> u32 {
        let u = self.stream.open01();
        let kept = self.at_least.iter().take_while(|&&a| u < a).count();
        let s = &mut self.stats;
        s.verify_steps += 1;
        s.proposed += u64::from(self.k);
        s.accepted += kept as u64;
        let reached = (kept + 1).min(self.k as usize);
        for r in &mut s.reached[..reached] {
            *r += 1;
        }
        for a in &mut s.accepted_at[..kept] {
            *a += 1;
        }
        kept as u32
    }

    /// Time the proposer takes to propose `k` tokens for each of `seqs` sequences whose
    /// contexts sum to `context` tokens: `k` sequential decode steps of its model, the j-th
    /// (from 0) over contexts `j` tokens longer.
    pub fn proposer_time(&self, seqs: u64, context: u64) -> Nanos {
        let Some(model) = &self.proposer else {
            return 0;
        };
        if seqs == 0 {
            return 0;
        }
        let seconds: f64 = (0..u64::from(self.k))
            .map(|j| {
                model.seconds(&StepWork {
                    decode_seqs: seqs,
                    decode_context_tokens: context + j * seqs,
                    logit_tokens: seqs,
                    ..StepWork::default()
                })
            })
            .sum();
        crate::time::s_to_ns(seconds)
    }
}

/// An EAGLE or MTP head as a model: one layer of the target (an MoE layer if the target has
/// experts, as DeepSeek-V3's MTP module is), with the target's embedding and LM head.
pub fn head_model(model: &ModelParams) -> ModelParams {
    let mut head = model.clone();
    head.layers = 1;
    if let Some(moe) = &mut head.moe {
        moe.dense_layers = 0;
    }
    head
}

/// The report's speculative-decoding summary of a run whose instances counted `stats`.
pub fn summary(spec: &SpeculativeConfig, stats: &SpecStats) -> SpeculativeSummary {
    let ratio = |x: u64, of: u64| if of > 0 { x as f64 / of as f64 } else { 0.0 };
    SpeculativeSummary {
        method: spec.method,
        tokens: spec.tokens,
        verify_steps: stats.verify_steps,
        tokens_per_step: ratio(stats.advanced_tokens, stats.verify_steps),
        acceptance: ratio(stats.accepted, stats.proposed),
        acceptance_by_position: stats
            .accepted_at
            .iter()
            .zip(&stats.reached)
            .map(|(&a, &r)| ratio(a, r))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Acceptance;

    fn speculation(method: SpecMethod, acceptance: Acceptance, k: u32) -> Speculation {
        let spec = SpeculativeConfig {
            method,
            tokens: k,
            acceptance,
            draft_model: None,
        };
        let model = crate::presets::model("llama-3.1-8b").unwrap();
        let gpu = crate::presets::gpu("h100-sxm").unwrap();
        Speculation::new(42, &spec, &model, None, &gpu, 1, 1, 0)
    }

    #[test]
    fn kept_proposals_follow_the_chain_of_acceptances() {
        // k = 3, a = 0.7: keeps at least 1, 2, 3 with chance 0.7, 0.49, 0.343, so advances by
        // 1 + 0.7 + 0.49 + 0.343 = 2.533 tokens per step on average.
        let mut s = speculation(SpecMethod::Ngram, Acceptance::Uniform(0.7), 3);
        let n = 200_000;
        let advanced: u64 = (0..n).map(|_| u64::from(s.draw()) + 1).sum();
        let mean = advanced as f64 / f64::from(n);
        assert!((mean - 2.533).abs() < 0.01, "{mean}");
        let rate = s.stats.accepted as f64 / s.stats.proposed as f64;
        // Accepted over proposed: 1.533 / 3.
        assert!((rate - 1.533 / 3.0).abs() < 0.005, "{rate}");
        for (i, (&a, &r)) in s.stats.accepted_at.iter().zip(&s.stats.reached).enumerate() {
            let measured = a as f64 / r as f64;
            assert!((measured - 0.7).abs() < 0.01, "position {i}: {measured}");
        }
        // Per position: the first always accepted, the second never.
        let mut s = speculation(
            SpecMethod::Ngram,
            Acceptance::PerPosition(vec![1.0, 0.0]),
            2,
        );
        assert!((0..100).all(|_| s.draw() == 1));
        // Nothing accepted at 0; everything at 1.
        let mut s = speculation(SpecMethod::Ngram, Acceptance::Uniform(0.0), 4);
        assert!((0..100).all(|_| s.draw() == 0));
        let mut s = speculation(SpecMethod::Ngram, Acceptance::Uniform(1.0), 4);
        assert!((0..100).all(|_| s.draw() == 4));
    }

    #[test]
    fn proposers_cost_what_their_models_say() {
        let model = crate::presets::model("llama-3.1-8b").unwrap();
        let gpu = crate::presets::gpu("h100-sxm").unwrap();
        let ngram = speculation(SpecMethod::Ngram, Acceptance::Uniform(0.5), 3);
        assert_eq!(ngram.proposer_time(8, 8000), 0);
        // EAGLE: three steps of a one-layer Llama-3.1-8B with its LM head.
        let eagle = speculation(SpecMethod::Eagle, Acceptance::Uniform(0.5), 3);
        let head = CostModel::new(&head_model(&model), &gpu, 1, 1, 0.0);
        let one = |context| {
            head.seconds(&StepWork {
                decode_seqs: 8,
                decode_context_tokens: context,
                logit_tokens: 8,
                ..StepWork::default()
            })
        };
        let want = crate::time::s_to_ns(one(8000) + one(8008) + one(8016));
        assert_eq!(eagle.proposer_time(8, 8000), want);
        // Much less than a full step of the target (32 layers), more than 3/32 of one (the LM
        // head is not split by layers).
        let full = CostModel::new(&model, &gpu, 1, 1, 0.0).step_time(&StepWork {
            decode_seqs: 8,
            decode_context_tokens: 8000,
            logit_tokens: 8,
            ..StepWork::default()
        });
        assert!(want > 3 * full / 32 && want < full, "{want} vs {full}");
    }
}
