//! The form: every control edits the [`pdsim::Config`] of the state through an [`Action`].

use pdsim::config::{
    ArrivalProcess, Config, Decider, DistKind, KvTier, ReservationPolicy, RoutingPolicy, Scheduler,
    SpecMethod,
};
use pdsim::presets::{GPU_IDS, MODEL_IDS};
use pdsim::report::Role;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::form::{self, Field, Lengths, Param, PoolText, LINKS, MAX_THRESHOLD};
use crate::model_input::{HfModelInput, StepTimeNote};
use crate::state::{use_app_state, Action, AppState};

/// What a decider does (tooltip of its select).
fn decider_help(decider: Decider) -> &'static str {
    match decider {
        Decider::Never => "never: every request prefills on its decode instance",
        Decider::Always => "always: every request prefills on a prefill instance",
        Decider::PrefixThreshold => {
            "prefix-threshold: disaggregate when uncached prompt tokens > threshold"
        }
        Decider::LengthThreshold => {
            "length-threshold: disaggregate when prompt tokens >= threshold"
        }
        Decider::Conditional => {
            "conditional: like prefix-threshold, but only while the prefill queue is short"
        }
    }
}

fn select_value(event: &Event) -> String {
    event
        .target_dyn_into::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

/// The value of the input element an event (input or change) came from.
pub(crate) fn input_value(event: &Event) -> String {
    event
        .target_dyn_into::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Properties of [`Select`].
#[derive(Properties, PartialEq)]
struct SelectProps {
    id: &'static str,
    label: &'static str,
    title: &'static str,
    /// (value, text) of every option; a `custom` option is shown disabled.
    options: Vec<(String, String)>,
    selected: String,
    onchange: Callback<Event>,
}

/// A `<select>` with a label, showing `selected` (set as the element's property after every
/// render, so that it follows the state even after the person picked an option).
#[function_component(Select)]
fn select_field(props: &SelectProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        let selected = props.selected.clone();
        use_effect(move || {
            if let Some(select) = node.cast::<HtmlSelectElement>() {
                if select.value() != selected {
                    select.set_value(&selected);
                }
            }
        });
    }
    html! {
        <div class="field">
            <label for={props.id}>{ props.label }</label>
            <select ref={node} id={props.id} title={props.title} onchange={props.onchange.clone()}>
                { for props.options.iter().map(|(value, text)| {
                    html! {
                        <option value={value.clone()} selected={*value == props.selected}
                                disabled={value == "custom"}>{ text.clone() }</option>
                    }
                }) }
            </select>
        </div>
    }
}

/// A `<select>` with a label. `options` are (value, text).
fn select(
    id: &'static str,
    label: &'static str,
    title: &'static str,
    options: Vec<(String, String)>,
    selected: &str,
    onchange: Callback<Event>,
) -> Html {
    html! { <Select {id} {label} {title} {options} selected={selected.to_owned()} {onchange} /> }
}

/// A labelled number box bound to `field`.
struct NumberBox {
    id: String,
    label: String,
    unit: &'static str,
    title: String,
    field: Field,
    min: &'static str,
    max: Option<&'static str>,
    step: &'static str,
}

impl NumberBox {
    fn view(self, state: &AppState) -> Html {
        let field = self.field;
        let oninput = {
            let state = state.clone();
            Callback::from(move |e: InputEvent| {
                state.dispatch(Action::Text(field, input_value(&e)));
            })
        };
        // "topology" errors are about the decode-capable pools.
        let invalid = state.error().is_some_and(|err| {
            err.field == field.path()
                || (err.field == "topology"
                    && matches!(field, Field::Instances(Role::Decode | Role::Unified)))
        });
        html! {
            <div class="field">
                <label for={self.id.clone()}>
                    { self.label }
                    if !self.unit.is_empty() { <span class="unit">{ format!(" ({})", self.unit) }</span> }
                </label>
                <input type="number" id={self.id} title={self.title} min={self.min}
                       max={self.max} step={self.step} inputmode="decimal"
                       aria-invalid={invalid.to_string()}
                       aria-describedby={invalid.then_some("error")}
                       value={state.settings.text(field)} {oninput} />
            </div>
        }
    }
}

/// A random seed from the browser's generator (`None` if it fails).
fn random_seed() -> Option<u64> {
    let mut bytes = [0_u8; 4];
    getrandom::getrandom(&mut bytes).ok()?;
    Some(u64::from(u32::from_le_bytes(bytes)))
}

/// The "Speculative decoding" group: the proposer (or off), its tokens and acceptance, and
/// what the last run's verify steps achieved.
fn speculative_group(state: &AppState) -> Html {
    let config = &state.settings.config;
    let spec = config.engine.speculative.as_ref();
    let onchange = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let value = select_value(&e);
            state.dispatch(Action::SetSpeculation(SpecMethod::from_id(&value)));
        })
    };
    let result = state
        .run
        .report
        .as_deref()
        .and_then(|r| r.summary.speculative.as_ref())
        .map(|s| {
            format!(
                "Last run: {:.2} tokens per verify step over {} verify steps; {:.1}% of proposals accepted.",
                s.tokens_per_step,
                s.verify_steps,
                100.0 * s.acceptance
            )
        });
    html! {
        <fieldset id="group-speculative">
            <legend>{ "Speculative decoding" }</legend>
            { select("spec-method", "Proposer",
                "engine.speculative.method: who proposes the tokens each decode step verifies (an EAGLE head, an MTP module, n-gram lookup), or off",
                form::spec_methods(config), spec.map_or("off", |s| s.method.id()), onchange) }
            if spec.is_some() {
                <div class="pair">
                    { NumberBox { id: "spec-tokens".into(), label: "Proposed tokens".into(), unit: "per step",
                        title: "engine.speculative.tokens (k): tokens proposed per sequence; each decode step verifies k + 1".into(),
                        field: Field::SpecTokens, min: "1", max: Some("16"), step: "1" }.view(state) }
                    { NumberBox { id: "spec-acceptance".into(), label: "Acceptance".into(), unit: "chance, 0–1",
                        title: "engine.speculative.acceptance: the chance a proposed token is accepted given the ones before it were (a list, one per position, can be given in the config)".into(),
                        field: Field::SpecAcceptance, min: "0", max: Some("1"), step: "0.05" }.view(state) }
                </div>
                <p class="help" id="spec-result">{ result.unwrap_or_default() }</p>
            }
        </fieldset>
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

/// The arrival processes: id, text.
/// How the arrival select shows each process.
fn arrival_text(process: ArrivalProcess) -> &'static str {
    match process {
        ArrivalProcess::Poisson => "Poisson",
        ArrivalProcess::Constant => "constant",
        ArrivalProcess::Gamma => "gamma (bursty)",
    }
}

/// A length distribution: kind select and its parameters.
fn lengths(state: &AppState, which: Lengths) -> Html {
    let (id, label) = match which {
        Lengths::Input => ("input", "Prompt length"),
        Lengths::Output => ("output", "Output length"),
    };
    let dist = which.of(&state.settings.config);
    let onchange = {
        let state = state.clone();
        Callback::from(move |e: Event| state.dispatch(Action::SetDist(which, select_value(&e))))
    };
    let options: Vec<(String, String)> = DistKind::ALL
        .iter()
        .map(|d| (d.id().to_owned(), d.id().to_owned()))
        .collect();
    let params = form::dist_params(dist).iter().map(|&param| {
        let optional = matches!(param, Param::Min | Param::Max)
            && matches!(dist.kind(), DistKind::Normal | DistKind::Lognormal);
        NumberBox {
            id: format!("{id}-{}", param.id()),
            label: match param {
                Param::Value => "Value".into(),
                Param::Min => "Min".into(),
                Param::Max => "Max".into(),
                Param::Mean => "Mean".into(),
                Param::Std => "Std dev".into(),
            },
            unit: "tokens",
            title: format!(
                "{} of the {} distribution, in tokens{}",
                param.id(),
                label.to_ascii_lowercase(),
                if optional { " (empty: no bound)" } else { "" }
            ),
            field: Field::Len(which, param),
            min: "0",
            max: None,
            step: "any",
        }
        .view(state)
    });
    html! {
        <div class="dist" role="group" aria-label={label}>
            <Select id={if id == "input" { "input-dist" } else { "output-dist" }}
                    label={if id == "input" { "Prompt length (tokens)" } else { "Output length (tokens)" }}
                    title="Distribution of the lengths, in tokens"
                    {options} selected={dist.kind().id().to_owned()} {onchange} />
            <div class="pair">{ for params }</div>
        </div>
    }
}

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

/// The form.
#[function_component(Controls)]
pub fn controls() -> Html {
    let state = &use_app_state();
    let config = &state.settings.config;
    let on_select = |make: fn(String) -> Option<Action>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(action) = make(select_value(&e)) {
                state.dispatch(action);
            }
        })
    };

    // Scenario presets.
    let mut scenarios: Vec<(String, String)> = form::examples()
        .iter()
        .map(|e| (e.name.to_owned(), e.name.to_owned()))
        .collect();
    scenarios.push(("custom".into(), "custom (edited)".into()));
    // A replayed trace makes the settings differ from every preset.
    let scenario = if state.settings.records().is_some() {
        "custom"
    } else {
        form::example_id(config)
    };
    let scenario_help = form::examples()
        .iter()
        .find(|e| e.name == scenario)
        .map_or("the controls differ from every preset", |e| e.description);

    let presets = |ids: &[&str], current: &str| {
        let mut options: Vec<(String, String)> = ids
            .iter()
            .map(|id| ((*id).to_owned(), (*id).to_owned()))
            .collect();
        if !ids.contains(&current) {
            options.push(("custom".into(), "custom".into()));
        }
        options
    };

    let deciders = Decider::ALL
        .iter()
        .map(|d| (d.id().to_owned(), d.id().to_owned()))
        .collect();
    let policies = RoutingPolicy::ALL
        .iter()
        .map(|p| (p.id().to_owned(), p.id().to_owned()))
        .collect();
    let mut prefill_policies: Vec<(String, String)> =
        vec![("same".to_owned(), "same as decode".to_owned())];
    prefill_policies.extend(
        RoutingPolicy::ALL
            .iter()
            .map(|p| (p.id().to_owned(), p.id().to_owned())),
    );
    let arrivals = ArrivalProcess::ALL
        .iter()
        .map(|p| (p.id().to_owned(), arrival_text(*p).to_owned()))
        .collect();
    let arrival = config.workload.arrival.process.id();
    let new_seed = {
        let state = state.clone();
        Callback::from(move |_| {
            if let Some(seed) = random_seed() {
                state.dispatch(Action::NewSeed(seed));
            }
        })
    };
    let mut links: Vec<(String, String)> =
        LINKS.iter().map(|l| (l.id.to_owned(), l.label())).collect();
    links.push(("custom".into(), "custom".into()));

    // Dragging the slider waits for a pause; releasing it (`change`) runs at once.
    let on_slider = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(tokens) = input_value(&e).parse::<u32>() {
                state.dispatch(Action::DragThreshold(tokens));
            }
        })
    };
    let on_slider_change = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Ok(tokens) = input_value(&e).parse::<u32>() {
                state.dispatch(Action::SetThreshold(tokens));
            }
        })
    };
    let view = crate::url::view();
    let shown = |group: &str| !view.hides(group);
    let on_contention = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                state.dispatch(Action::SetContention(input.checked()));
            }
        })
    };

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

    let threshold = config.disaggregation.threshold_tokens.min(MAX_THRESHOLD);
    let threshold_invalid = state
        .error()
        .is_some_and(|err| err.field == Field::Threshold.path());

    html! {
        <form class="controls" aria-label="Scenario" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            if shown("scenario") {
            <fieldset id="group-scenario">
                <legend>{ "Scenario" }</legend>
                { select("scenario", "Preset", scenario_help, scenarios, scenario,
                    on_select(|v| Some(Action::LoadExample(v)))) }
                <p class="help">{ scenario_help }</p>
                { select("model", "Model", "The served model (catalog id; `pdsim catalog` lists them)",
                    presets(MODEL_IDS, form::model_id(config)), form::model_id(config),
                    on_select(|v| (v != "custom").then_some(Action::SetModel(v)))) }
                <HfModelInput />
                { select("gpu", "GPU", "The GPU of every instance (preset)",
                    presets(GPU_IDS, form::gpu_id(config)), form::gpu_id(config),
                    on_select(|v| Some(Action::SetGpu(v)))) }
            </fieldset>
            }

            if shown("topology") {
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
                { engine_choices(state) }
            </fieldset>
            }

            if shown("speculative") {
                { speculative_group(state) }
            }

            if shown("disagg") {
            <fieldset id="group-disagg">
                <legend>{ "Disaggregation & routing" }</legend>
                { select("decider", "Decider",
                    "Which rule sends a request's prefill to a prefill instance",
                    deciders, config.disaggregation.decider.id(),
                    on_select(|v| Decider::from_id(&v).map(Action::SetDecider))) }
                <p class="help">{ decider_help(config.disaggregation.decider) }</p>
                if config.disaggregation.decider == Decider::Conditional {
                    { NumberBox { id: "max-prefill-queue".into(), label: "Prefill queue limit".into(), unit: "requests",
                        title: "disaggregation.max_prefill_queue: the conditional decider disaggregates only while the chosen prefill instance has at most this many requests waiting".into(),
                        field: Field::MaxPrefillQueue, min: "0", max: None, step: "1" }.view(state) }
                }
                <div class="field">
                    <label for="threshold">{ "Threshold" }<span class="unit">{ " (tokens)" }</span></label>
                    <div class="range-pair">
                        <label for="threshold-range" class="visually-hidden">{ "Threshold slider (tokens)" }</label>
                        <input type="range" id="threshold-range" min="0" max={MAX_THRESHOLD.to_string()} step="16"
                               title="Threshold of the threshold deciders, in prompt tokens (0 to 8192)"
                               value={threshold.to_string()} oninput={on_slider} onchange={on_slider_change} />
                        <input type="number" id="threshold" min="0" max={MAX_THRESHOLD.to_string()} step="1"
                               title="Threshold of the threshold deciders, in prompt tokens (0 to 8192)"
                               aria-invalid={threshold_invalid.to_string()}
                               value={state.settings.text(Field::Threshold)}
                               oninput={
                                   let state = state.clone();
                                   Callback::from(move |e: InputEvent| state.dispatch(Action::Text(Field::Threshold, input_value(&e))))
                               } />
                    </div>
                </div>
                { select("policy", "Routing policy",
                    "How requests are spread over the instances of a pool",
                    policies, config.routing.policy.id(),
                    on_select(|v| RoutingPolicy::from_id(&v).map(Action::SetPolicy))) }
                { select("prefill-policy", "Prefill pool routing",
                    "How disaggregated prompts are spread over the prefill instances",
                    prefill_policies, config.routing.prefill_policy.map_or("same", RoutingPolicy::id),
                    on_select(|v| Some(Action::SetPrefillPolicy(RoutingPolicy::from_id(&v))))) }
            </fieldset>
            }

            if shown("slo") {
            <fieldset id="group-slo">
                <legend>{ "Latency targets (SLO)" }</legend>
                <div class="pair">
                    { NumberBox { id: "slo-ttft".into(), label: "TTFT target".into(), unit: "ms",
                        title: "A request meets the SLO only if its time to first token is at most this (empty: no target)".into(),
                        field: Field::SloTtft, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "slo-tpot".into(), label: "TPOT target".into(), unit: "ms",
                        title: "A request meets the SLO only if its time per output token (TPOT: the mean gap between its output tokens) is at most this (empty: no target)".into(),
                        field: Field::SloTpot, min: "0", max: None, step: "any" }.view(state) }
                </div>
                <p class="help">{ "Empty: no target. Goodput counts the requests that meet both." }</p>
            </fieldset>
            }

            if shown("link") {
            <fieldset id="group-link">
                <legend>{ "KV-cache link" }</legend>
                { select("link", "Link preset",
                    "Sets bandwidth and latency of a common interconnect",
                    links, form::link_id(config),
                    on_select(|v| Some(Action::SetLink(v)))) }
                <div class="pair">
                    { NumberBox { id: "bandwidth".into(), label: "Bandwidth".into(), unit: "GB/s",
                        title: "KV-transfer bandwidth per GPU, in GB/s (1 GB = 1e9 bytes)".into(),
                        field: Field::Bandwidth, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "latency".into(), label: "Base latency".into(), unit: "ms",
                        title: "Fixed setup latency of every KV transfer, in milliseconds".into(),
                        field: Field::Latency, min: "0", max: None, step: "any" }.view(state) }
                </div>
                <div class="field checkbox">
                    <input type="checkbox" id="contention" checked={config.kv_transfer.contention}
                           title="Concurrent transfers into one decode instance share its ingress bandwidth"
                           onchange={on_contention} />
                    <label for="contention">{ "Contention (shared ingress)" }</label>
                </div>
                { select("reservation", "When a decode instance has no KV room",
                    "kv_transfer.reservation: a finished prefill waits on its prefill instance until the decode instance can reserve KV blocks for it (wait, as vLLM and Dynamo), or the request is dropped (drop, reason decode_kv_full)",
                    ReservationPolicy::ALL.iter().map(|r| (r.id().to_owned(), match r {
                        ReservationPolicy::Wait => "wait for room (queue)",
                        ReservationPolicy::Drop => "drop the request",
                    }.to_owned())).collect(),
                    config.kv_transfer.reservation.id(),
                    on_select(|v| ReservationPolicy::from_id(&v).map(Action::SetReservation))) }
            </fieldset>
            }

            if shown("workload") {
            <fieldset id="group-workload">
                <legend>{ "Workload" }</legend>
                <div class="pair">
                    { NumberBox { id: "rate".into(), label: "Arrival rate".into(), unit: "req/s",
                        title: "Mean request arrival rate, in requests per second".into(),
                        field: Field::Rate, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "requests".into(), label: "Requests".into(), unit: "count",
                        title: format!("Number of simulated requests (at most {} here)", form::MAX_REQUESTS),
                        field: Field::Requests, min: "1", max: Some("50000"), step: "1" }.view(state) }
                </div>
                <div class="pair">
                    { select("arrival", "Arrival process",
                        "How arrival times are spread: Poisson (random, CV 1), constant (evenly spaced), gamma (CV set beside)",
                        arrivals, arrival,
                        on_select(|v| ArrivalProcess::from_id(&v).map(Action::SetArrival))) }
                    { NumberBox { id: "cv".into(), label: "Burstiness CV".into(), unit: "gamma only",
                        title: "Coefficient of variation of the gaps between arrivals (gamma process only; 1 = Poisson, higher = burstier)".into(),
                        field: Field::Cv, min: "0", max: None, step: "any" }.view(state) }
                </div>
                { lengths(state, Lengths::Input) }
                { lengths(state, Lengths::Output) }
                <div class="triple">
                    { NumberBox { id: "prefix-groups".into(), label: "Prefix groups".into(), unit: "count",
                        title: "Number of distinct shared prefixes (e.g. system prompts); 0 = none".into(),
                        field: Field::PrefixGroups, min: "0", max: None, step: "1" }.view(state) }
                    { NumberBox { id: "prefix-tokens".into(), label: "Shared".into(), unit: "tokens",
                        title: "Length of each shared prefix, in tokens".into(),
                        field: Field::PrefixTokens, min: "0", max: None, step: "1" }.view(state) }
                    { NumberBox { id: "prefix-fraction".into(), label: "Fraction".into(), unit: "0–1",
                        title: "Share of requests that start with a shared prefix, from 0 to 1".into(),
                        field: Field::PrefixFraction, min: "0", max: Some("1"), step: "0.05" }.view(state) }
                </div>
                <div class="pair">
                    { NumberBox { id: "system-tokens".into(), label: "System prompt".into(), unit: "tokens",
                        title: "Tokens every request starts with (one system prompt shared by all), before its group's shared prefix: nested sharing. 0 = none".into(),
                        field: Field::SystemTokens, min: "0", max: None, step: "1" }.view(state) }
                </div>
                <TraceInput />
                <div class="seed-row">
                    { NumberBox { id: "seed".into(), label: "Seed".into(), unit: "",
                        title: "Seed of the random workload: the same seed gives the same requests".into(),
                        field: Field::Seed, min: "0", max: None, step: "1" }.view(state) }
                    <button type="button" id="new-seed" onclick={new_seed}
                            title="Draw a new random seed (another sample of the same workload)">{ "New seed" }</button>
                </div>
            </fieldset>
            }
        </form>
    }
}

/// The trace picker and drop zone of the workload group.
#[function_component(TraceInput)]
fn trace_input() -> Html {
    let state = &use_app_state();
    // The reader of the file being read (dropping it cancels the read).
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let dragging = use_state(|| false);
    let load = {
        let state = state.clone();
        move |file: web_sys::File| {
            let name = file.name();
            let state = state.clone();
            let file = gloo::file::File::from(file);
            *reader.borrow_mut() =
                Some(gloo::file::callbacks::read_as_text(
                    &file,
                    move |text| match text {
                        Ok(text) => state.dispatch(Action::LoadTrace { name, text }),
                        Err(err) => gloo::console::warn!(format!("cannot read {name}: {err}")),
                    },
                ));
        }
    };
    let onchange = {
        let load = load.clone();
        Callback::from(move |e: Event| {
            let input = e.target_dyn_into::<HtmlInputElement>();
            if let Some(file) = input
                .as_ref()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            {
                load(file);
            }
            if let Some(input) = input {
                input.set_value("");
            }
        })
    };
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let ondrop = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            if let Some(file) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                load(file);
            }
        })
    };
    let remove = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::RemoveTrace))
    };
    html! {
        <div id="trace-drop" class={classes!("trace", dragging.then_some("dragging"))}
             {ondragover} {ondragleave} {ondrop}>
            <label for="trace-file">{ "Replay a trace (JSON Lines)" }</label>
            <input type="file" id="trace-file" accept=".jsonl,.ndjson,.json,.txt"
                   title="One request per line: {\"arrival_ms\": 0, \"input_tokens\": 2048, \"output_tokens\": 128}"
                   {onchange} />
            <p class="help">{ "…or drop the file here. Its requests replace the generated workload." }</p>
            if let Some(trace) = &state.settings.trace {
                <p id="trace-status" role="status">
                    { if trace.errors.is_empty() {
                        format!("trace: {} requests", trace.count)
                    } else {
                        // As the CLI does: a file with a bad line is refused whole.
                        format!("trace refused: {} bad line(s), fix them and load it again", trace.errors.len())
                    } }
                    { " " }
                    <button type="button" id="remove-trace" onclick={remove}>{ "remove trace" }</button>
                </p>
                <p class="help">
                    { format!("Replaying {}: its arrivals and lengths replace the rate, request count and \
                       length settings. The trace is not part of the page's link.", trace.name) }
                </p>
                if !trace.errors.is_empty() {
                    <ul id="trace-errors" class="error">
                        { for trace.errors.iter().take(20).map(|(line, message)| html! {
                            <li>{ format!("line {line}: {message}") }</li>
                        }) }
                        if trace.errors.len() > 20 {
                            <li>{ format!("… and {} more", trace.errors.len() - 20) }</li>
                        }
                    </ul>
                }
            }
        </div>
    }
}
