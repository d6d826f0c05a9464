//! The "Topology" section: the pools (a diagram, instances and TP of each), the same-GPU
//! layouts, and the engine of every instance (batch limits, memory, CPU overheads of a step,
//! scheduler, KV offload).

use pdsim::config::{Config, Decider, KvTier, Scheduler};
use pdsim::report::Role;
use yew::prelude::*;

use super::widgets::{select, select_value, NumberBox};
use crate::form::{self, Field, PoolText};
use crate::model_input::StepTimeNote;
use crate::state::{Action, AppState};

/// Boxes of the pools: instances (one square each), TP, and the KV link between prefill and
/// decode instances.
fn topology_diagram(config: &Config, report: Option<&pdsim::Report>) -> Html {
    let t = &config.topology;
    // A pool the last result left idle (e.g. the prefill pool under the `never` decider).
    let idle = |pool: Role| {
        report.is_some_and(|r| {
            r.pools
                .iter()
                .any(|p| p.role.id() == pool.id() && p.instances > 0 && p.utilization < 0.005)
        })
    };
    let never = config.disaggregation.decider == Decider::Never;
    let pool = |pool: Role, instances: u32, tp: u32| {
        let squares = (0..instances.min(8)).map(|_| html! { <span class="gpu"></span> });
        let more = instances.saturating_sub(8);
        let idle = instances > 0 && idle(pool);
        html! {
            <div class={classes!("pool-box", pool.id(), (instances == 0).then_some("empty"), idle.then_some("idle"))}
                 id={format!("diagram-{}", pool.id())}>
                <strong>{ format!("{} ×{instances}", pool.label()) }</strong>
                <span class="tp">{ format!("TP {tp} · {} GPUs", instances * tp) }</span>
                if idle { <span class="idle-tag">{ "idle in the last result" }</span> }
                <span class="gpus" aria-hidden="true">
                    { for squares }
                    if more > 0 { <span class="more">{ format!("+{more}") }</span> }
                </span>
            </div>
        }
    };
    let link = format!("{} GB/s", config.kv_transfer.bandwidth_gb_per_s);
    let description = format!(
        "{} prefill instances (TP {}) send KV caches over a {link} link to {} decode instances (TP {}); {} unified instances (TP {}).{}",
        t.prefill.instances, t.prefill.tp, t.decode.instances, t.decode.tp, t.unified.instances, t.unified.tp,
        if never && t.prefill.instances > 0 {
            " The decider never sends prompts to the prefill pool: it idles."
        } else {
            ""
        }
    );
    html! {
        <div class="diagram" id="topology-diagram" role="img" aria-label={description.clone()} title={description}>
            <div class="disagg">
                { pool(Role::Prefill, t.prefill.instances, t.prefill.tp) }
                <div class={classes!("link", (t.prefill.instances == 0 || never).then_some("empty"))}>
                    <span class="arrow" aria-hidden="true">{ "KV →" }</span>
                    <span class="bw">{ link }</span>
                </div>
                { pool(Role::Decode, t.decode.instances, t.decode.tp) }
            </div>
            if t.unified.instances > 0 {
                { pool(Role::Unified, t.unified.instances, t.unified.tp) }
            }
        </div>
    }
}

/// The scheduler and the KV offload tier of every instance, each with a line on what it does.
fn engine_choices(state: &AppState) -> Html {
    let engine = &state.settings.config.engine;
    let on_scheduler = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(scheduler) = Scheduler::from_id(&select_value(&e)) {
                state.dispatch(Action::SetScheduler(scheduler));
            }
        })
    };
    let on_tier = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.dispatch(Action::SetKvTier(KvTier::from_id(&select_value(&e))));
        })
    };
    let scheduler_help = match engine.scheduler {
        Scheduler::Mixed => {
            "mixed: every step carries one token of each decoding request plus chunks of waiting \
             prompts, so decoding never stops (vLLM V1)."
        }
        Scheduler::PrefillFirst => {
            "prefill-first: a waiting prompt gets a step of its own and decoding pauses meanwhile, \
             so first tokens come sooner and the running requests stall (vLLM V0, SGLang)."
        }
    };
    let first = engine.kv_offload.first();
    let tier_help = match first.map(|t| t.tier) {
        None => "off: KV blocks evicted from GPU memory are gone; a prompt that needs them again is recomputed.",
        Some(KvTier::Cpu) => "cpu: evicted KV blocks go to each instance's host memory and are copied back, at the bandwidth below, when a prompt reuses them.",
        Some(KvTier::Disk) => "disk: evicted KV blocks go to each instance's local disk and are read back, at the bandwidth below, when a prompt reuses them.",
        Some(KvTier::Remote) => "remote: evicted KV blocks go to one store all instances share (as Mooncake or LMCache) and are fetched, at the bandwidth below, when a prompt reuses them.",
    };
    let mut tiers = vec![("off".to_owned(), "off".to_owned())];
    tiers.extend(
        KvTier::ALL
            .iter()
            .map(|t| (t.id().to_owned(), t.id().to_owned())),
    );
    html! {
        <>
            { select("scheduler", "Scheduler",
                "engine.scheduler: how a step is composed when prompts wait while requests decode",
                Scheduler::ALL.iter().map(|s| (s.id().to_owned(), s.id().to_owned())).collect(),
                engine.scheduler.id(), on_scheduler) }
            <p class="help" id="scheduler-help">{ scheduler_help }</p>
            { select("kv-tier", "KV offload tier",
                "engine.kv_offload: a memory below the GPU's that keeps the KV blocks the GPU evicts",
                tiers, first.map_or("off", |t| t.tier.id()), on_tier) }
            <p class="help" id="kv-tier-help">{ tier_help }</p>
            if first.is_some() {
                <div class="triple">
                    { NumberBox { id: "kv-capacity".into(), label: "Tier capacity".into(), unit: "GB",
                        title: "engine.kv_offload[0].capacity_gb: per instance for cpu and disk, in all for remote (1 GB = 1e9 bytes)".into(),
                        field: Field::KvCapacity, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "kv-bandwidth".into(), label: "Tier bandwidth".into(), unit: "GB/s",
                        title: "engine.kv_offload[0].bandwidth_gb_per_s: how fast blocks load back into one GPU".into(),
                        field: Field::KvBandwidth, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "kv-latency".into(), label: "Tier latency".into(), unit: "ms",
                        title: "engine.kv_offload[0].latency_ms: fixed time of one load".into(),
                        field: Field::KvLatency, min: "0", max: None, step: "any" }.view(state) }
                </div>
                if engine.kv_offload.len() > 1 {
                    <p class="help">{ format!("The config has {} tiers; these boxes edit the first.", engine.kv_offload.len()) }</p>
                }
            }
        </>
    }
}

/// The topology section.
pub(super) fn group(state: &AppState) -> Html {
    let config = &state.settings.config;
    let pool_rows = Role::IN_ORDER.iter().map(|&pool| {
        let instances = NumberBox {
            id: format!("{}-instances", pool.id()),
            label: format!("{} instances", pool.label()),
            unit: "count",
            title: format!("Number of {}", pool.explain()),
            field: Field::Instances(pool),
            min: "0",
            max: Some("1024"),
            step: "1",
        };
        let tp = NumberBox {
            id: format!("{}-tp", pool.id()),
            label: format!("{} TP", pool.label()),
            unit: "GPUs",
            title: format!(
                "Tensor-parallel degree of the {} pool: GPUs per instance",
                pool.id()
            ),
            field: Field::Tp(pool),
            min: "1",
            max: Some("64"),
            step: "1",
        };
        html! { <div class="pair">{ instances.view(state) }{ tp.view(state) }</div> }
    });

    let same_gpus = |aggregated: bool| {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::SameGpus { aggregated }))
    };
    let gpus = form::total_gpus(config);
    let gpu_total = format!(
        "{gpus} GPUs in all. The two buttons rebuild this layout on the same {gpus} GPUs, for a fair comparison (pin one first)."
    );

    html! {
            <fieldset id="group-topology">
                <legend>{ "Topology" }</legend>
                { topology_diagram(config, state.run.report.as_deref()) }
                <StepTimeNote config={config.clone()} />
                { for pool_rows }
                <div class="fair">
                    <button type="button" id="same-gpus-agg" onclick={same_gpus(true)}
                            title="Put every GPU of this layout into unified instances (decider never), at the TP of the decode (or unified) pool">
                        { "Same GPUs, aggregated" }
                    </button>
                    <button type="button" id="same-gpus-disagg" onclick={same_gpus(false)}
                            title="Split every GPU of this layout into prefill and decode instances (half each, decider always), at the same TP">
                        { "Same GPUs, disaggregated" }
                    </button>
                </div>
                <p class="help" id="gpu-total">{ gpu_total }</p>
                <div class="triple" role="group" aria-label="Engine of every instance">
                    { NumberBox { id: "chunk-tokens".into(), label: "Chunk size".into(), unit: "tokens",
                        title: "engine.max_num_batched_tokens: the token budget of one step (prefill chunk tokens + one per decoding sequence). Smaller chunks stall decoding less but prefill slower".into(),
                        field: Field::ChunkTokens, min: "1", max: None, step: "256" }.view(state) }
                    { NumberBox { id: "max-seqs".into(), label: "Max sequences".into(), unit: "per step",
                        title: "engine.max_num_seqs: the most requests in one step's batch".into(),
                        field: Field::MaxSeqs, min: "1", max: Some("65536"), step: "1" }.view(state) }
                    { NumberBox { id: "gpu-memory".into(), label: "GPU memory".into(), unit: "share, 0–1",
                        title: "engine.gpu_memory_utilization: share of each GPU's memory the engine may use for weights and KV cache; the rest of that share after the weights is KV cache".into(),
                        field: Field::GpuMemory, min: "0.05", max: Some("1"), step: "0.01" }.view(state) }
                </div>
                <div class="pair" role="group" aria-label="CPU time of every step">
                    { NumberBox { id: "step-overhead".into(), label: "Step overhead".into(), unit: "ms",
                        title: "engine.step_overhead_ms: CPU and kernel-launch time added to every step (one pass of the model over its batch), whatever the batch holds".into(),
                        field: Field::StepOverhead, min: "0", max: Some("10000"), step: "any" }.view(state) }
                    { NumberBox { id: "seq-overhead".into(), label: "Overhead per sequence".into(), unit: "ms",
                        title: "engine.step_overhead_per_seq_ms: CPU time a step adds for each request in its batch (scheduling, sampling, turning tokens into text), so a full batch steps slower than a small one. 0 (default): a step costs the same whatever its batch; vLLM V0, which does this work in Python between steps, fitted at 0.077 ms on an H100 (docs/ACCURACY.md). 0 to 100 ms".into(),
                        field: Field::SeqOverhead, min: "0", max: Some("100"), step: "any" }.view(state) }
                </div>
                { engine_choices(state) }
            </fieldset>
    }
}
