//! The "KV-cache link" section: a link preset, its bandwidth and latency, contention, what
//! a finished prefill does when its decode instance has no KV room, and whether that
//! instance keeps decoding while the KV arrives.

use pdsim::config::{KvReceive, ReservationPolicy};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::widgets::{select, NumberBox};
use crate::form::{self, Field, LINKS};
use crate::state::{Action, AppState};

/// The KV-cache link section.
pub(super) fn group(state: &AppState) -> Html {
    let config = &state.settings.config;
    let on_select = |make: fn(String) -> Option<Action>| super::widgets::on_select(state, make);
    let mut links: Vec<(String, String)> =
        LINKS.iter().map(|l| (l.id.to_owned(), l.label())).collect();
    links.push(("custom".into(), "custom".into()));

    let on_contention = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                state.dispatch(Action::SetContention(input.checked()));
            }
        })
    };

    let receive_help = match config.kv_transfer.receive {
        KvReceive::BesideSteps => {
            "beside-steps: the prompt's KV cache (the attention keys and values its prefill \
             computed, which every later token reads) arrives while the decode instance goes on \
             with its steps; the request joins the batch once it is there (vLLM V1, SGLang)."
        }
        KvReceive::InStep => {
            "in-step: the decode instance takes in the KV cache inside the step that admits the \
             request, and every request decoding there waits meanwhile: a slow link then slows \
             the output tokens too (vLLM V0). Only disaggregated requests transfer KV."
        }
    };

    html! {
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
                { select("kv-receive", "While the KV arrives",
                    "kv_transfer.receive: whether a decode instance keeps decoding while a prompt's KV cache arrives (beside-steps) or waits for it inside a step (in-step)",
                    KvReceive::ALL.iter().map(|r| (r.id().to_owned(), match r {
                        KvReceive::BesideSteps => "decoding goes on (beside-steps)",
                        KvReceive::InStep => "decoding waits (in-step)",
                    }.to_owned())).collect(),
                    config.kv_transfer.receive.id(),
                    on_select(|v| KvReceive::from_id(&v).map(Action::SetReceive))) }
                <p class="help" id="kv-receive-help">{ receive_help }</p>
            </fieldset>
    }
}
