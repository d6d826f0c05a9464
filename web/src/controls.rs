//! The form: every control edits the [`pdsim::Config`] of the state through an [`Action`].

use pdsim::config::{Decider, RoutingPolicy};
use pdsim::presets::{GPU_IDS, MODEL_IDS};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::{self, Action, Field, Pool, State, LINKS, MAX_THRESHOLD};

/// Properties of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// The page's state (read only here).
    pub state: UseReducerHandle<State>,
}

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

fn input_value(event: &InputEvent) -> String {
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
    id: &'static str,
    label: String,
    unit: &'static str,
    title: String,
    field: Field,
    min: &'static str,
    max: Option<&'static str>,
    step: &'static str,
}

impl NumberBox {
    fn view(self, state: &UseReducerHandle<State>) -> Html {
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
                    && matches!(field, Field::Instances(Pool::Decode | Pool::Unified)))
        });
        html! {
            <div class="field">
                <label for={self.id}>
                    { self.label }
                    if !self.unit.is_empty() { <span class="unit">{ format!(" ({})", self.unit) }</span> }
                </label>
                <input type="number" id={self.id} title={self.title} min={self.min}
                       max={self.max} step={self.step} inputmode="decimal"
                       aria-invalid={invalid.to_string()}
                       aria-describedby={invalid.then_some("error")}
                       value={state.text(field)} {oninput} />
            </div>
        }
    }
}

/// The form.
#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let state = &props.state;
    let config = &state.config;
    let on_select = |make: fn(String) -> Option<Action>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(action) = make(select_value(&e)) {
                state.dispatch(action);
            }
        })
    };

    // Scenario presets.
    let mut scenarios: Vec<(String, String)> = state::examples()
        .iter()
        .map(|e| (e.name.to_owned(), e.name.to_owned()))
        .collect();
    scenarios.push(("custom".into(), "custom (edited)".into()));
    let scenario = state::example_id(config);
    let scenario_help = state::examples()
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
    let mut links: Vec<(String, String)> = LINKS
        .iter()
        .map(|l| (l.id.to_owned(), l.label.to_owned()))
        .collect();
    links.push(("custom".into(), "custom".into()));

    let on_slider = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(tokens) = input_value(&e).parse::<u32>() {
                state.dispatch(Action::SetThreshold(tokens));
            }
        })
    };
    let on_contention = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                state.dispatch(Action::SetContention(input.checked()));
            }
        })
    };

    let pool_rows = Pool::ALL.iter().map(|&pool| {
        let instances = NumberBox {
            id: match pool {
                Pool::Prefill => "prefill-instances",
                Pool::Decode => "decode-instances",
                Pool::Unified => "unified-instances",
            },
            label: format!("{} instances", pool.label()),
            unit: "count",
            title: format!("Number of {}", pool.explain()),
            field: Field::Instances(pool),
            min: "0",
            max: Some("1024"),
            step: "1",
        };
        let tp = NumberBox {
            id: match pool {
                Pool::Prefill => "prefill-tp",
                Pool::Decode => "decode-tp",
                Pool::Unified => "unified-tp",
            },
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

    let threshold = config.disaggregation.threshold_tokens.min(MAX_THRESHOLD);
    let threshold_invalid = state
        .error()
        .is_some_and(|err| err.field == Field::Threshold.path());

    html! {
        <form class="controls" aria-label="Scenario" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <fieldset>
                <legend>{ "Scenario" }</legend>
                { select("scenario", "Preset", scenario_help, scenarios, scenario,
                    on_select(|v| Some(Action::LoadExample(v)))) }
                <p class="help">{ scenario_help }</p>
                { select("model", "Model", "The served model (preset)",
                    presets(&MODEL_IDS, state::model_id(config)), state::model_id(config),
                    on_select(|v| Some(Action::SetModel(v)))) }
                { select("gpu", "GPU", "The GPU of every instance (preset)",
                    presets(&GPU_IDS, state::gpu_id(config)), state::gpu_id(config),
                    on_select(|v| Some(Action::SetGpu(v)))) }
            </fieldset>

            <fieldset>
                <legend>{ "Topology" }</legend>
                { for pool_rows }
            </fieldset>

            <fieldset>
                <legend>{ "Disaggregation & routing" }</legend>
                { select("decider", "Decider",
                    "Which rule sends a request's prefill to a prefill instance",
                    deciders, config.disaggregation.decider.id(),
                    on_select(|v| Decider::ALL.into_iter().find(|d| d.id() == v).map(Action::SetDecider))) }
                <p class="help">{ decider_help(config.disaggregation.decider) }</p>
                <div class="field">
                    <label for="threshold">{ "Threshold" }<span class="unit">{ " (tokens)" }</span></label>
                    <div class="range-pair">
                        <label for="threshold-range" class="visually-hidden">{ "Threshold slider (tokens)" }</label>
                        <input type="range" id="threshold-range" min="0" max={MAX_THRESHOLD.to_string()} step="16"
                               title="Threshold of the threshold deciders, in prompt tokens (0 to 8192)"
                               value={threshold.to_string()} oninput={on_slider} />
                        <input type="number" id="threshold" min="0" max={MAX_THRESHOLD.to_string()} step="1"
                               title="Threshold of the threshold deciders, in prompt tokens (0 to 8192)"
                               aria-invalid={threshold_invalid.to_string()}
                               value={state.text(Field::Threshold)}
                               oninput={
                                   let state = state.clone();
                                   Callback::from(move |e: InputEvent| state.dispatch(Action::Text(Field::Threshold, input_value(&e))))
                               } />
                    </div>
                </div>
                { select("policy", "Routing policy",
                    "How requests are spread over the instances of a pool",
                    policies, config.routing.policy.id(),
                    on_select(|v| RoutingPolicy::ALL.into_iter().find(|p| p.id() == v).map(Action::SetPolicy))) }
            </fieldset>

            <fieldset>
                <legend>{ "KV-cache link" }</legend>
                { select("link", "Link preset",
                    "Sets bandwidth and latency of a common interconnect",
                    links, state::link_id(config),
                    on_select(|v| Some(Action::SetLink(v)))) }
                <div class="pair">
                    { NumberBox { id: "bandwidth", label: "Bandwidth".into(), unit: "GB/s",
                        title: "KV-transfer bandwidth per GPU, in GB/s (1 GB = 1e9 bytes)".into(),
                        field: Field::Bandwidth, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "latency", label: "Base latency".into(), unit: "ms",
                        title: "Fixed setup latency of every KV transfer, in milliseconds".into(),
                        field: Field::Latency, min: "0", max: None, step: "any" }.view(state) }
                </div>
                <div class="field checkbox">
                    <input type="checkbox" id="contention" checked={config.kv_transfer.contention}
                           title="Concurrent transfers into one decode instance share its ingress bandwidth"
                           onchange={on_contention} />
                    <label for="contention">{ "Contention (shared ingress)" }</label>
                </div>
            </fieldset>

            <fieldset>
                <legend>{ "Workload" }</legend>
                <div class="pair">
                    { NumberBox { id: "rate", label: "Arrival rate".into(), unit: "req/s",
                        title: "Mean request arrival rate, in requests per second".into(),
                        field: Field::Rate, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "requests", label: "Requests".into(), unit: "count",
                        title: format!("Number of simulated requests (at most {} here)", state::MAX_REQUESTS),
                        field: Field::Requests, min: "1", max: Some("50000"), step: "1" }.view(state) }
                </div>
            </fieldset>
        </form>
    }
}
