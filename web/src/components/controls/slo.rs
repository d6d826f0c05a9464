//! The "Latency targets (SLO)" section.

use yew::prelude::*;

use super::widgets::NumberBox;
use crate::form::Field;
use crate::state::AppState;

/// The latency targets section.
pub(super) fn group(state: &AppState) -> Html {
    html! {
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
}
