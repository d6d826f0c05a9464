//! The "Disaggregation & routing" section: the decider, its threshold, the routing policies
//! and the front end's latency before a request is routed.

use pdsim::config::{Decider, RoutingPolicy};
use yew::prelude::*;

use super::widgets::{input_value, select, NumberBox};
use crate::form::{Field, MAX_THRESHOLD};
use crate::state::{Action, AppState};

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

/// The disaggregation and routing section.
pub(super) fn group(state: &AppState) -> Html {
    let config = &state.settings.config;
    let on_select = |make: fn(String) -> Option<Action>| super::widgets::on_select(state, make);
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
    let threshold = config.disaggregation.threshold_tokens.min(MAX_THRESHOLD);
    let threshold_invalid = state
        .error()
        .is_some_and(|err| err.field == Field::Threshold.path());
    html! {
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
                { NumberBox { id: "frontend-latency".into(), label: "Frontend latency".into(), unit: "ms",
                    title: "routing.frontend_latency_ms: time every request spends before the router places it (API server, tokenizer, proxy). It adds the same to each time to first token and end-to-end latency, nothing to the time per output token; 0 (default) shows the engines alone; at most 60,000 ms".into(),
                    field: Field::FrontendLatency, min: "0", max: Some("60000"), step: "any" }.view(state) }
            </fieldset>
    }
}
