//! The "Speculative decoding" section.

use pdsim::config::SpecMethod;
use yew::prelude::*;

use super::widgets::{select, select_value, NumberBox};
use crate::form::{self, Field};
use crate::state::{Action, AppState};

/// The "Speculative decoding" group: the proposer (or off), its tokens and acceptance, and
/// what the last run's verify steps achieved.
pub(super) fn group(state: &AppState) -> Html {
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
