//! The "KV-cache link" section: a link preset, its bandwidth and latency, contention and what
//! a finished prefill does when its decode instance has no KV room.

use pdsim::config::ReservationPolicy;
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
            </fieldset>
    }
}
