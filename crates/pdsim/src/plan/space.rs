//! The search space: which layouts fit the budget and the model.

use std::collections::BTreeMap;

use super::{
    check_request, Candidate, DeciderChoice, Exclusion, LayoutKind, PlanRequest, PoolShape,
};
use crate::config::{Config, Decider, PoolConfig, SloConfig, Topology};
use crate::error::Error;
use crate::report::Role;

/// Tensor-parallel degrees tried when the request names none.
const AUTO_TP: [u32; 4] = [1, 2, 4, 8];

/// The pool of a candidate's config: its shape, and the request's GPU for that pool.
fn pool(shape: PoolShape, user: &PoolConfig) -> PoolConfig {
    PoolConfig {
        instances: shape.instances,
        tp: shape.tp.max(1),
        ep: None,
        hardware: user.hardware.clone(),
        usd_per_gpu_hour: user.usd_per_gpu_hour,
    }
}

/// The runnable config of `candidate` at `rate_per_s`: the request's config with the
/// candidate's pools and decider, the targets as `slo`, and the arrival rate.
pub fn candidate_config(request: &PlanRequest, candidate: &Candidate, rate_per_s: f64) -> Config {
    let mut config = request.config.clone();
    let user = &request.config.topology;
    config.topology = Topology {
        unified: pool(candidate.unified, &user.unified),
        prefill: pool(candidate.prefill, &user.prefill),
        decode: pool(candidate.decode, &user.decode),
    };
    config.disaggregation.decider = candidate.decider;
    if let Some(t) = candidate.threshold_tokens {
        config.disaggregation.threshold_tokens = t;
    }
    config.slo = SloConfig {
        ttft_ms: request.targets.ttft_ms,
        itl_ms: request.targets.tpot_ms,
    };
    config.workload.arrival.rate_per_s = rate_per_s;
    config
}

/// Whether one instance of `role` at `tp` holds the model: `Ok(None)` when it does,
/// `Ok(Some(reason))` when it does not, `Err` when the config is wrong elsewhere.
fn fit(request: &PlanRequest, role: Role, tp: u32) -> Result<Option<String>, Error> {
    let mut config = request.config.clone();
    let shape = PoolShape { instances: 1, tp };
    config.topology = Topology {
        unified: pool(shape, request.config.topology.pool(role)),
        prefill: pool(PoolShape::default(), &PoolConfig::default()),
        decode: pool(PoolShape::default(), &PoolConfig::default()),
    };
    config.disaggregation.decider = Decider::Never;
    config.slo = SloConfig::default();
    match crate::validate::validate(&config) {
        Ok(_) => Ok(None),
        Err(Error::Invalid { field, message }) if field.starts_with("topology.") => {
            Ok(Some(message))
        }
        Err(e) => Err(e),
    }
}

/// The degrees to try: the request's, or the powers of two up to 8 within the budget.
fn degrees(request: &PlanRequest) -> Vec<u32> {
    let mut tps: Vec<u32> = if request.space.tp.is_empty() {
        AUTO_TP.to_vec()
    } else {
        request.space.tp.clone()
    };
    tps.sort_unstable();
    tps.dedup();
    tps.retain(|&tp| tp <= request.gpus);
    tps
}

/// The roles the space searches.
fn roles(request: &PlanRequest) -> Vec<Role> {
    let mut roles = Vec::new();
    if request.space.aggregated {
        roles.push(Role::Unified);
    }
    if request.space.disaggregated {
        roles.extend([Role::Prefill, Role::Decode]);
    }
    roles
}

/// Which degrees fit each role, and the exclusions of those that do not.
type Fits = (BTreeMap<Role, Vec<u32>>, Vec<Exclusion>);

fn fits(request: &PlanRequest) -> Result<Fits, Error> {
    let mut fitting: BTreeMap<Role, Vec<u32>> = BTreeMap::new();
    // (tp, reason) -> pools, so the same reason for every pool is one line.
    let mut refused: BTreeMap<(u32, String), Vec<&'static str>> = BTreeMap::new();
    for role in roles(request) {
        for tp in degrees(request) {
            match fit(request, role, tp)? {
                None => fitting.entry(role).or_default().push(tp),
                Some(reason) => refused.entry((tp, reason)).or_default().push(role.id()),
            }
        }
    }
    let excluded = refused
        .into_iter()
        .map(|((tp, reason), pools)| Exclusion {
            pool: pools.join(", "),
            tp,
            reason,
        })
        .collect();
    Ok((fitting, excluded))
}

/// The pools and degrees left out because the model does not fit them.
pub fn exclusions(request: &PlanRequest) -> Result<Vec<Exclusion>, Error> {
    check_request(request)?;
    Ok(fits(request)?.1)
}

fn decider_label(choice: &DeciderChoice) -> String {
    match choice.threshold_tokens {
        Some(t) => format!("{} {t}", choice.decider.id()),
        None => choice.decider.id().to_owned(),
    }
}

/// Every layout of the search, in a fixed order (ids from 0): aggregated by degree, then
/// disaggregated by prefill degree, decode degree, prefill instances and decider.
///
/// A disaggregated layout uses every split of the budget that leaves fewer spare GPUs than
/// the smaller pool's degree (so no instance could be added); an aggregated one the most
/// unified instances that fit. Errors: a request field out of range, a config the core
/// refuses, a budget that holds no layout, a space over `space.max_candidates`.
pub fn candidates(request: &PlanRequest) -> Result<Vec<Candidate>, Error> {
    check_request(request)?;
    let (fitting, excluded) = fits(request)?;
    let n = request.gpus;
    let mut list = Vec::new();
    let none = PoolShape::default();
    if let Some(tps) = fitting.get(&Role::Unified) {
        for &tp in tps {
            let unified = PoolShape {
                instances: n / tp,
                tp,
            };
            list.push(Candidate {
                id: 0,
                label: format!("agg {} x TP{tp}", unified.instances),
                kind: LayoutKind::Aggregated,
                unified,
                prefill: none,
                decode: none,
                decider: Decider::Never,
                threshold_tokens: None,
                gpus: unified.gpus(),
            });
        }
    }
    let empty = Vec::new();
    let prefill_tps = fitting.get(&Role::Prefill).unwrap_or(&empty);
    let decode_tps = fitting.get(&Role::Decode).unwrap_or(&empty);
    let choices = request.space.decider_choices();
    for &tp_p in prefill_tps {
        for &tp_d in decode_tps {
            let smallest = tp_p.min(tp_d);
            for p in 1..=n / tp_p {
                let left = n - p * tp_p;
                let d = left / tp_d;
                if d == 0 || left - d * tp_d >= smallest {
                    continue;
                }
                let prefill = PoolShape {
                    instances: p,
                    tp: tp_p,
                };
                let decode = PoolShape {
                    instances: d,
                    tp: tp_d,
                };
                for choice in &choices {
                    list.push(Candidate {
                        id: 0,
                        label: format!(
                            "{p}P x TP{tp_p} + {d}D x TP{tp_d}, {}",
                            decider_label(choice)
                        ),
                        kind: LayoutKind::Disaggregated,
                        unified: none,
                        prefill,
                        decode,
                        decider: choice.decider,
                        threshold_tokens: choice.threshold_tokens,
                        gpus: prefill.gpus() + decode.gpus(),
                    });
                }
            }
        }
    }
    if list.is_empty() {
        return Err(budget_too_small(request, &excluded));
    }
    let cap = request.space.max_candidates;
    if list.len() > cap as usize {
        return Err(Error::invalid(
            "space.max_candidates",
            format!(
                "the search has {} candidates (up to {} runs), more than the cap of {cap}; \
                 narrow the tensor-parallel degrees, the deciders or the layouts, or raise the cap",
                list.len(),
                list.len() as u64 * u64::from(request.space.max_probes)
            ),
        ));
    }
    for (i, c) in list.iter_mut().enumerate() {
        c.id = i as u32;
    }
    Ok(list)
}

/// The error of a budget that holds no layout, with the smallest degree that would fit.
fn budget_too_small(request: &PlanRequest, excluded: &[Exclusion]) -> Error {
    let n = request.gpus;
    let smallest = [1u32, 2, 4, 8, 16, 32, 64]
        .into_iter()
        .find(|&tp| matches!(fit(request, Role::Unified, tp), Ok(None)));
    let model = crate::validate::resolve_model(&request.config.model)
        .map(|m| m.name)
        .unwrap_or_else(|_| "the model".into());
    let why = excluded
        .iter()
        .max_by_key(|e| e.tp)
        .map(|e| format!(" (at TP{}: {})", e.tp, e.reason))
        .unwrap_or_default();
    let need = match smallest {
        Some(tp) if request.space.aggregated => format!(
            "an instance of {model} needs at least {tp} GPUs, so an aggregated layout {tp} and a \
             disaggregated one {}",
            2 * tp
        ),
        Some(tp) => format!(
            "an instance of {model} needs at least {tp} GPUs, so a disaggregated layout {}",
            2 * tp
        ),
        None => format!("{model} fits no instance of up to 64 GPUs"),
    };
    Error::invalid(
        "gpus",
        format!("{n} GPUs hold no layout of the search: {need}{why}"),
    )
}
