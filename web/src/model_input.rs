//! The model beyond the catalog, and what one step of it costs: a box that takes a
//! HuggingFace `config.json` (pasted, or a file dropped or chosen), and the note beside the
//! topology that says how long one prefill and one decode step take on each pool's
//! instances (the same function as `pdsim step-time`).

use pdsim::config::{Config, HardwareSpec, ModelSpec, PoolConfig};
use pdsim::{step_time, Step, StepTimeQuery};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement};
use yew::prelude::*;

use crate::format;
use crate::state::{use_app_state, Action};

/// The model of a pasted `config.json`, or what is wrong with the text.
pub fn parse_hf_config(text: &str) -> Result<ModelSpec, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("a config.json is a JSON object".into());
    };
    if !map.contains_key("architectures") {
        return Err("not a HuggingFace config.json: it has no \"architectures\" field".into());
    }
    let spec = ModelSpec::HuggingFace(map);
    // Refuse here what the run would refuse, naming the field.
    pdsim::resolve_model(&spec).map_err(|e| e.to_string())?;
    Ok(spec)
}

/// One pool's step-time line: a 1,024-token prefill on prefill-capable instances, a decode
/// step of 64 sequences at 2,048 tokens on decode-capable ones.
fn pool_line(
    config: &Config,
    name: &str,
    pool: &PoolConfig,
    prefills: bool,
    decodes: bool,
) -> Option<String> {
    if pool.instances == 0 {
        return None;
    }
    let hardware = pool
        .hardware
        .clone()
        .unwrap_or_else(|| config.hardware.clone());
    let query = |step| StepTimeQuery {
        model: config.model.clone(),
        hardware: hardware.clone(),
        tp: pool.tp,
        ep: pool.ep,
        weight_dtype: None,
        kv_dtype: None,
        step,
    };
    let mut parts = Vec::new();
    if prefills {
        let t = step_time(&query(Step::Prefill { tokens: 1024 })).ok()?;
        parts.push(format!(
            "one 1,024-token prefill: {}, {}-bound",
            format::duration(t.ms),
            t.bound.id()
        ));
    }
    if decodes {
        let t = step_time(&query(Step::Decode {
            batch: 64,
            context: 2048,
        }))
        .ok()?;
        parts.push(format!(
            "one decode step of 64 at 2k: {}, {}-bound",
            format::duration(t.ms),
            t.bound.id()
        ));
    }
    let gpu = match &hardware {
        HardwareSpec::Preset(id) => id.clone(),
        HardwareSpec::Custom(g) => g.name.clone(),
    };
    Some(format!(
        "{name} (TP {} on {gpu}): {}",
        pool.tp,
        parts.join("; ")
    ))
}

/// Properties of [`StepTimeNote`].
#[derive(Properties, PartialEq)]
pub struct StepTimeNoteProps {
    /// The config shown.
    pub config: Config,
}

/// What one step costs on each pool's instances, next to the topology.
#[function_component(StepTimeNote)]
pub fn step_time_note(props: &StepTimeNoteProps) -> Html {
    let c = &props.config;
    let t = &c.topology;
    let lines: Vec<String> = [
        pool_line(c, "Prefill", &t.prefill, true, false),
        pool_line(c, "Decode", &t.decode, true, true),
        pool_line(c, "Unified", &t.unified, true, true),
    ]
    .into_iter()
    .flatten()
    .collect();
    if lines.is_empty() {
        return html! {};
    }
    html! {
        <ul class="step-time-note" id="step-time-note"
            title="GPU time of one step, from the step-time model fitted to measured GPUs (pdsim step-time); the simulator adds the engine's step overhead">
            { for lines.into_iter().map(|l| html! { <li>{ l }</li> }) }
        </ul>
    }
}

/// "Your own model": paste a `config.json`, or drop or choose the file.
#[function_component(HfModelInput)]
pub fn hf_model_input() -> Html {
    let state = use_app_state();
    let error = use_state(|| None::<String>);
    let apply = {
        let state = state.clone();
        let error = error.clone();
        Callback::from(move |text: String| match parse_hf_config(&text) {
            Ok(spec) => {
                error.set(None);
                state.dispatch(Action::SetModelSpec(spec));
            }
            Err(e) => error.set(Some(e)),
        })
    };
    let on_paste = {
        let apply = apply.clone();
        Callback::from(move |e: InputEvent| {
            // The textarea's value (read through JS: web-sys's textarea type is not enabled).
            let text = e
                .target()
                .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            if !text.trim().is_empty() {
                apply.emit(text);
            }
        })
    };
    let read_file = {
        move |file: web_sys::File| {
            let apply = apply.clone();
            let file = gloo::file::File::from(file);
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(text) = gloo::file::futures::read_as_text(&file).await {
                    apply.emit(text);
                }
            });
        }
    };
    let on_choose = {
        let read_file = read_file.clone();
        Callback::from(move |e: Event| {
            let file = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                read_file(file);
            }
        })
    };
    let on_drop = Callback::from(move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            read_file(file);
        }
    });
    let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());
    let current = match &state.settings.config.model {
        ModelSpec::HuggingFace(map) => map
            .get("architectures")
            .and_then(|a| a.get(0))
            .and_then(|a| a.as_str())
            .map(|a| format!("In use: a config.json of {a}.")),
        _ => None,
    };
    html! {
        <details class="hf-model" ondrop={on_drop} ondragover={on_dragover}>
            <summary>{ "Your own model: a HuggingFace config.json" }</summary>
            <p class="help">
                { "Paste the model's config.json, or drop or choose the file. Read: Llama, Mistral, \
                   Qwen2/3, Qwen3-MoE, Mixtral, DeepSeek-V2/V3 (MLA) and gpt-oss; the precision comes \
                   from its quantization_config." }
            </p>
            <textarea id="hf-config" rows="4" spellcheck="false" oninput={on_paste}
                      aria-label="HuggingFace config.json" placeholder="{ \"architectures\": [...], ... }" />
            <input id="hf-config-file" type="file" accept=".json,application/json" onchange={on_choose}
                   aria-label="Choose a config.json file" />
            if let Some(e) = &*error {
                <p class="field-error" role="alert" id="hf-config-error">{ e.clone() }</p>
            }
            if let Some(note) = current {
                <p class="help" id="hf-config-in-use">{ note }</p>
            }
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_config_becomes_the_model_and_bad_ones_say_why() {
        let llama = r#"{"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
            "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 128256}"#;
        assert!(matches!(
            parse_hf_config(llama),
            Ok(ModelSpec::HuggingFace(_))
        ));
        let err = parse_hf_config(r#"{"architectures": ["MambaForCausalLM"]}"#).unwrap_err();
        assert!(
            err.contains("model.architectures") && err.contains("Mamba"),
            "{err}"
        );
        assert!(parse_hf_config("{not json")
            .unwrap_err()
            .starts_with("not JSON"));
        assert!(parse_hf_config(r#"{"hidden_size": 1}"#)
            .unwrap_err()
            .contains("architectures"));
    }

    #[test]
    fn the_note_gives_each_pool_its_step_times() {
        let config = Config::default();
        let t = &config.topology;
        let prefill = pool_line(&config, "Prefill", &t.prefill, true, false).unwrap();
        assert!(
            prefill.contains("1,024-token prefill") && prefill.contains("compute-bound"),
            "{prefill}"
        );
        let decode = pool_line(&config, "Decode", &t.decode, true, true).unwrap();
        assert!(decode.contains("memory-bound"), "{decode}");
        assert!(pool_line(&config, "Unified", &t.unified, true, true).is_none());
    }
}
