//! The search space: which layouts fit the budget and the model.

use std::collections::BTreeMap;

use super::{
    check_request, Candidate, DeciderChoice, Exclusion, LayoutKind, Objective, PlanRequest,
    PoolShape,
};
use crate::config::{Config, Decider, HardwareSpec, PoolConfig, SloConfig, Topology};
use crate::error::Error;
use crate::report::Role;

/// Tensor-parallel degrees tried when the request names none.
const AUTO_TP: [u32; 4] = [1, 2, 4, 8];

/// Expert-parallel degrees tried for MoE models when the request names none.
const AUTO_EP: [u32; 3] = [2, 4, 8];

/// The pool of a candidate's config: its shape, and the request's GPU for that pool (or
/// the shape's own). A pool price given for the config's GPU stays with that GPU only.
fn pool(shape: &PoolShape, user: &PoolConfig) -> PoolConfig {
    let (hardware, price) = match &shape.hardware {
        Some(id) => (Some(HardwareSpec::Preset(id.clone())), None),
        None => (user.hardware.clone(), user.usd_per_gpu_hour),
    };
    PoolConfig {
        instances: shape.instances,
        tp: shape.tp.max(1),
        ep: shape.ep,
        hardware,
        usd_per_gpu_hour: price,
    }
}

/// The runnable config of `candidate` at `rate_per_s`: the request's config with the
/// candidate's pools and decider, the targets as `slo`, and the arrival rate.
pub fn candidate_config(request: &PlanRequest, candidate: &Candidate, rate_per_s: f64) -> Config {
    let mut config = request.config.clone();
    let user = &request.config.topology;
    config.topology = Topology {
        unified: pool(&candidate.unified, &user.unified),
        prefill: pool(&candidate.prefill, &user.prefill),
        decode: pool(&candidate.decode, &user.decode),
    };
    config.disaggregation.decider = candidate.decider;
    if let Some(t) = candidate.threshold_tokens {
        config.disaggregation.threshold_tokens = t;
    }
    config.slo = SloConfig {
        ttft_ms: request.targets.ttft_ms,
        tpot_ms: request.targets.tpot_ms,
    };
    config.workload.arrival.rate_per_s = rate_per_s;
    config
}

/// Whether one instance of `role` of `kind` holds the model: `Ok(None)` when it does,
/// `Ok(Some(reason))` when it does not, `Err` when the config is wrong elsewhere.
fn fit(request: &PlanRequest, role: Role, kind: &PoolShape) -> Result<Option<String>, Error> {
    let mut config = request.config.clone();
    let shape = PoolShape {
        instances: 1,
        ..kind.clone()
    };
    config.topology = Topology {
        unified: pool(&shape, request.config.topology.pool(role)),
        prefill: pool(&PoolShape::default(), &PoolConfig::default()),
        decode: pool(&PoolShape::default(), &PoolConfig::default()),
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
    crate::sorting::sort_by(&mut tps, u32::cmp);
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

/// The expert-parallel degrees to try: the request's (1 meaning none), or for a MoE
/// model 2, 4 and 8 where they divide its experts; none for a dense model unless asked
/// (then each is left out with the core's reason).
fn ep_degrees(request: &PlanRequest) -> Vec<u32> {
    let mut eps: Vec<u32> = if request.space.ep.is_empty() {
        match crate::validate::resolve_model(&request.config.model)
            .ok()
            .and_then(|m| m.moe)
        {
            Some(moe) => AUTO_EP
                .into_iter()
                .filter(|e| moe.experts % e == 0)
                .collect(),
            None => Vec::new(),
        }
    } else {
        request.space.ep.clone()
    };
    crate::sorting::sort_by(&mut eps, u32::cmp);
    eps.dedup();
    eps.retain(|&ep| ep > 1 && ep <= request.gpus);
    eps
}

/// The instance kinds to try for a pool: each TP degree (experts sliced by TP), then each
/// expert-parallel degree (attention at TP1), on each GPU of `space.hardware` (or the
/// config's).
fn kinds(request: &PlanRequest) -> Vec<PoolShape> {
    let gpus: Vec<Option<String>> = if request.space.hardware.is_empty() {
        vec![None]
    } else {
        request.space.hardware.iter().cloned().map(Some).collect()
    };
    let mut out = Vec::new();
    for hardware in &gpus {
        for tp in degrees(request) {
            out.push(PoolShape {
                instances: 1,
                tp,
                ep: None,
                hardware: hardware.clone(),
            });
        }
        for ep in ep_degrees(request) {
            out.push(PoolShape {
                instances: 1,
                tp: 1,
                ep: Some(ep),
                hardware: hardware.clone(),
            });
        }
    }
    out
}

/// Which instance kinds fit each role, and the exclusions of those that do not.
type Fits = (BTreeMap<Role, Vec<PoolShape>>, Vec<Exclusion>);

fn fits(request: &PlanRequest) -> Result<Fits, Error> {
    let mut fitting: BTreeMap<Role, Vec<PoolShape>> = BTreeMap::new();
    // (kind, reason) -> pools, so the same reason for every pool is one line.
    type Key = (u32, Option<u32>, Option<String>, String);
    let mut refused: BTreeMap<Key, Vec<&'static str>> = BTreeMap::new();
    for role in roles(request) {
        for kind in kinds(request) {
            match fit(request, role, &kind)? {
                None => fitting.entry(role).or_default().push(kind),
                Some(reason) => refused
                    .entry((kind.tp, kind.ep, kind.hardware.clone(), reason))
                    .or_default()
                    .push(role.id()),
            }
        }
    }
    let excluded = refused
        .into_iter()
        .map(|((tp, ep, hardware, reason), pools)| Exclusion {
            pool: pools.join(", "),
            tp,
            ep,
            hardware,
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

/// A pool's kind in words: `TP2`, `TP1 EP4`, with the GPU's name when the search tries
/// several GPUs.
fn kind_label(shape: &PoolShape) -> String {
    let mut label = format!("TP{}", shape.tp);
    if let Some(ep) = shape.ep {
        label.push_str(&format!(" EP{ep}"));
    }
    if let Some(id) = &shape.hardware {
        let name = crate::presets::gpu(id).map_or(id.clone(), |g| g.name);
        label.push_str(&format!(" {name}"));
    }
    label
}

/// What a decider does on this workload, where that is provable from the prompts alone:
/// the decision of a threshold decider depends on each prompt's length and its tokens not
/// in the decode instance's cache, which lie between its unshared tokens and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Decides {
    /// Every request is disaggregated (as `always`).
    All,
    /// No request is.
    None,
}

/// Each prompt's (length, tokens not shared with any other prompt), when the workload's
/// requests are a fixed list the same at every rate (a request count, no sessions or
/// closed loop, whose follow-ups carry cached context).
fn prompts(request: &PlanRequest) -> Option<Vec<(u32, u32)>> {
    let w = &request.config.workload;
    let n = w.requests?;
    if w.sessions.is_some() || w.closed_loop.is_some() || w.trace.is_some() || n > 1_000_000 {
        return None;
    }
    let tree = crate::workload::prefix_tree(w);
    let mut workload = crate::workload::Workload::new(w, request.config.seed, n, tree);
    let mut out = Vec::with_capacity(n as usize);
    while let Some(spec) = workload.next_request() {
        let p = spec.prompt;
        out.push((p.len, p.len.saturating_sub(p.shared_tokens)));
    }
    Some(out)
}

fn decides(choice: &DeciderChoice, prompts: &[(u32, u32)]) -> Option<Decides> {
    let t = choice.threshold_tokens.unwrap_or(0);
    // (every prompt disaggregated, none disaggregated)
    let (all, none) = match choice.decider {
        Decider::Always => (true, false),
        Decider::Never => (false, true),
        // Strict: disaggregated when the uncached tokens exceed the threshold.
        Decider::PrefixThreshold => (
            prompts.iter().all(|&(_, unshared)| unshared > t),
            prompts.iter().all(|&(len, _)| len <= t),
        ),
        // Inclusive: disaggregated when the prompt is at least the threshold.
        Decider::LengthThreshold => (
            prompts.iter().all(|&(len, _)| len >= t),
            prompts.iter().all(|&(len, _)| len < t),
        ),
        // Also depends on the prefill queue: provable only when no prompt passes.
        Decider::Conditional => (false, prompts.iter().all(|&(len, _)| len <= t)),
    };
    if all {
        Some(Decides::All)
    } else if none {
        Some(Decides::None)
    } else {
        None
    }
}

/// The decider settings as groups of provably identical runs, in the order of their first
/// member.
fn decider_groups(request: &PlanRequest) -> Vec<Vec<DeciderChoice>> {
    let choices = request.space.decider_choices();
    let prompts = prompts(request);
    let mut groups: Vec<(Option<Decides>, Vec<DeciderChoice>)> = Vec::new();
    for choice in choices {
        let class = prompts.as_deref().and_then(|p| decides(&choice, p));
        match groups
            .iter_mut()
            .find(|(c, _)| class.is_some() && *c == class)
        {
            Some((_, members)) => members.push(choice),
            None => groups.push((class, vec![choice])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// A group's deciders in words, thresholds of one rule together: `always = prefix-threshold
/// 256/1024`.
fn group_label(group: &[DeciderChoice]) -> String {
    let mut parts: Vec<(Decider, Vec<String>)> = Vec::new();
    for choice in group {
        let t = choice.threshold_tokens.map(|t| t.to_string());
        match parts.last_mut() {
            Some((d, ts)) if *d == choice.decider && t.is_some() => ts.extend(t),
            _ => parts.push((choice.decider, t.into_iter().collect())),
        }
    }
    parts
        .into_iter()
        .map(|(d, ts)| {
            if ts.is_empty() {
                d.id().to_owned()
            } else {
                format!("{} {}", d.id(), ts.join("/"))
            }
        })
        .collect::<Vec<_>>()
        .join(" = ")
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
    // Objective `gpus` asks for the fewest GPUs: every layout up to the budget, not only
    // those that fill it.
    let every_size = request.objective == Objective::Gpus;
    let mut list = Vec::new();
    let none = PoolShape::default();
    if let Some(kinds) = fitting.get(&Role::Unified) {
        for kind in kinds {
            let most = n / kind.gpus_per_instance();
            let counts = if every_size { 1..=most } else { most..=most };
            for instances in counts.filter(|&i| i > 0) {
                let unified = PoolShape {
                    instances,
                    ..kind.clone()
                };
                list.push(Candidate {
                    id: 0,
                    label: format!("agg {} x {}", unified.instances, kind_label(kind)),
                    kind: LayoutKind::Aggregated,
                    gpus: unified.gpus(),
                    unified,
                    prefill: none.clone(),
                    decode: none.clone(),
                    decider: Decider::Never,
                    threshold_tokens: None,
                    stands_for: Vec::new(),
                });
            }
        }
    }
    let empty = Vec::new();
    let prefill_kinds = fitting.get(&Role::Prefill).unwrap_or(&empty);
    let decode_kinds = fitting.get(&Role::Decode).unwrap_or(&empty);
    let groups = decider_groups(request);
    for kind_p in prefill_kinds {
        for kind_d in decode_kinds {
            let (g_p, g_d) = (kind_p.gpus_per_instance(), kind_d.gpus_per_instance());
            let smallest = g_p.min(g_d);
            for p in 1..=n / g_p {
                let left = n - p * g_p;
                let most = left / g_d;
                if most == 0 || (!every_size && left - most * g_d >= smallest) {
                    continue;
                }
                let counts = if every_size { 1..=most } else { most..=most };
                for d in counts {
                    let prefill = PoolShape {
                        instances: p,
                        ..kind_p.clone()
                    };
                    let decode = PoolShape {
                        instances: d,
                        ..kind_d.clone()
                    };
                    for group in &groups {
                        let choice = &group[0];
                        let stands_for = if group.len() > 1 {
                            group.iter().map(decider_label).collect()
                        } else {
                            Vec::new()
                        };
                        let deciders = group_label(group);
                        list.push(Candidate {
                            id: 0,
                            label: format!(
                                "{p}P x {} + {d}D x {}, {deciders}",
                                kind_label(kind_p),
                                kind_label(kind_d)
                            ),
                            kind: LayoutKind::Disaggregated,
                            unified: none.clone(),
                            gpus: prefill.gpus() + decode.gpus(),
                            prefill: prefill.clone(),
                            decode: decode.clone(),
                            decider: choice.decider,
                            threshold_tokens: choice.threshold_tokens,
                            stands_for,
                        });
                    }
                }
            }
        }
    }
    if list.is_empty() {
        return Err(no_layout(request, &excluded));
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

/// The error of a search with no layout: the degrees asked for (`--tp`, `--ep`) when none
/// of them fits the model, else the budget.
fn no_layout(request: &PlanRequest, excluded: &[Exclusion]) -> Error {
    let s = &request.space;
    let asked_fit = kinds(request).iter().any(|k| {
        roles(request)
            .into_iter()
            .any(|role| matches!(fit(request, role, k), Ok(None)))
    });
    if !asked_fit && (!s.tp.is_empty() || !s.ep.is_empty()) {
        let field = if s.tp.is_empty() {
            "space.ep"
        } else {
            "space.tp"
        };
        let asked: Vec<String> = s.tp.iter().chain(&s.ep).map(u32::to_string).collect();
        let why = excluded
            .iter()
            .map(|e| {
                format!(
                    "TP{}{}: {}",
                    e.tp,
                    e.ep.map_or(String::new(), |ep| format!(" EP{ep}")),
                    e.reason
                )
            })
            .collect::<Vec<_>>();
        let why = if why.is_empty() {
            format!("each is more than the budget of {} GPUs", request.gpus)
        } else {
            why.join("; ")
        };
        return Error::invalid(
            field,
            format!("no degree of {} holds the model: {why}", asked.join(", ")),
        );
    }
    budget_too_small(request, excluded)
}

/// The error of a budget that holds no layout, with the smallest degree that would fit.
fn budget_too_small(request: &PlanRequest, excluded: &[Exclusion]) -> Error {
    let n = request.gpus;
    let smallest = [1u32, 2, 4, 8, 16, 32, 64].into_iter().find(|&tp| {
        let kind = PoolShape {
            instances: 1,
            tp,
            ep: None,
            hardware: None,
        };
        matches!(fit(request, Role::Unified, &kind), Ok(None))
    });
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
