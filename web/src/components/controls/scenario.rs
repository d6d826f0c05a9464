//! The "Scenario" section: a preset, the model (or one's own HuggingFace config) and the GPU.

use pdsim::presets::{GPU_IDS, MODEL_IDS};
use yew::prelude::*;

use super::widgets::select;
use crate::form;
use crate::model_input::HfModelInput;
use crate::state::{Action, AppState};

/// The scenario section.
pub(super) fn group(state: &AppState) -> Html {
    let config = &state.settings.config;
    let on_select = |make: fn(String) -> Option<Action>| super::widgets::on_select(state, make);
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

    html! {
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
}
