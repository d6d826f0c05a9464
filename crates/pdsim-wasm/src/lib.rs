//! The JavaScript API of pdsim: the core compiled to WebAssembly behind a handful of
//! functions. Configs go in as plain objects (or JSON strings), reports come out as plain
//! objects; every error becomes a JS `Error` carrying the core's message, which names the
//! field. This file is the whole boundary.
//!
//! ```js
//! import init, { run, defaultConfig } from "./pdsim.js";
//! await init();
//! const report = run({ disaggregation: { decider: "always" } });
//! console.log(report.summary.ttft_ms.p90, "ms");
//! ```

use wasm_bindgen::prelude::*;

// The config and report types, generated from the core's JSON Schemas into
// pdsim-types.d.ts by scripts/build-js-api.sh.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
import type { Config, ConfigInput, Example, Report, StepTime, StepTimeQuery, SweepRow } from "./pdsim-types";
export type { Config, ConfigInput, Example, Report, StepTime, StepTimeQuery, SweepRow };
"#;

/// Converts a JS value (object or JSON string) to config JSON text.
fn config_text(config: &JsValue) -> Result<String, JsError> {
    if let Some(text) = config.as_string() {
        return Ok(text);
    }
    if config.is_undefined() || config.is_null() {
        return Ok("{}".into());
    }
    js_sys::JSON::stringify(config)
        .map(String::from)
        .map_err(|_| JsError::new("config: must be an object or a JSON string"))
}

/// A Rust value as a plain JavaScript value, built directly (serde-wasm-bindgen) rather than
/// printed as JSON text and parsed back. `json_compatible`: maps become plain objects and
/// `None` becomes `null`, so the value is the one `JSON.parse` of the JSON text would give
/// (`tests/determinism/compare.mjs` checks this for every report it compares). Integers cross
/// as numbers, exact because every integer pdsim produces stays below 2^53; a larger one
/// (only a seed given as JSON text could be) is an error rather than a rounded number.
fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("internal: {e}")))
}

fn core_error(error: &pdsim::Error) -> JsError {
    JsError::new(&error.to_string())
}

/// Runs a config (partial objects override the defaults) and returns the report.
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn run(
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] config: &JsValue,
) -> Result<JsValue, JsError> {
    let parsed = pdsim::Config::from_json(&config_text(config)?).map_err(|e| core_error(&e))?;
    to_js(&pdsim::run(&parsed).map_err(|e| core_error(&e))?)
}

/// Runs a config given as JSON text and returns the report as JSON text: byte for byte
/// what `pdsim run` prints.
#[wasm_bindgen(js_name = runJson)]
pub fn run_json(config_json: &str) -> Result<String, JsError> {
    pdsim::run_json(config_json).map_err(|e| core_error(&e))
}

/// Checks a config; returns the complete config with defaults filled in, or throws.
#[wasm_bindgen(unchecked_return_type = "Config")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] config: &JsValue,
) -> Result<JsValue, JsError> {
    let parsed = pdsim::Config::from_json(&config_text(config)?).map_err(|e| core_error(&e))?;
    pdsim::validate(&parsed).map_err(|e| core_error(&e))?;
    to_js(&parsed)
}

/// The default config (the playground's first scenario).
#[wasm_bindgen(js_name = defaultConfig, unchecked_return_type = "Config")]
pub fn default_config() -> Result<JsValue, JsError> {
    to_js(&pdsim::Config::default())
}

/// The named scenarios: `[{ name, description, config, benchmark }]`.
#[wasm_bindgen(unchecked_return_type = "Example[]")]
pub fn examples() -> Result<JsValue, JsError> {
    /// One example as JavaScript sees it.
    #[derive(serde::Serialize)]
    struct Example {
        name: &'static str,
        description: &'static str,
        config: pdsim::Config,
        benchmark: bool,
    }
    let list: Vec<Example> = pdsim::examples()
        .into_iter()
        .map(|e| Example {
            name: e.name,
            description: e.description,
            config: e.config,
            benchmark: e.benchmark,
        })
        .collect();
    to_js(&list)
}

/// Runs `config` once per value of the numeric field at `path`
/// (e.g. `"disaggregation.threshold_tokens"`): `[{ value, summary }]`.
#[wasm_bindgen(unchecked_return_type = "SweepRow[]")]
pub fn sweep(
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] config: &JsValue,
    path: &str,
    values: &[f64],
) -> Result<JsValue, JsError> {
    let parsed = pdsim::Config::from_json(&config_text(config)?).map_err(|e| core_error(&e))?;
    let rows = pdsim::sweep(&parsed, path, values).map_err(|e| core_error(&e))?;
    to_js(&rows)
}

/// The time of one step of a model on an instance, by part (what `pdsim step-time --json`
/// prints): `stepTime({ model: "llama-3.1-8b", hardware: "h100-sxm", tp: 1,
/// step: { prefill: { tokens: 1024 } } }).ms`. `model` may be a catalog id, an architecture
/// or the contents of a HuggingFace `config.json`.
#[wasm_bindgen(js_name = stepTime, unchecked_return_type = "StepTime")]
pub fn step_time(
    #[wasm_bindgen(unchecked_param_type = "StepTimeQuery | string")] query: &JsValue,
) -> Result<JsValue, JsError> {
    let text = match query.as_string() {
        Some(text) => text,
        None => js_sys::JSON::stringify(query)
            .map(String::from)
            .map_err(|_| JsError::new("query: must be an object or a JSON string"))?,
    };
    let parsed: pdsim::StepTimeQuery =
        serde_json::from_str(&text).map_err(|e| JsError::new(&format!("query: {e}")))?;
    let result = pdsim::step_time(&parsed).map_err(|e| core_error(&e))?;
    to_js(&result)
}

/// The catalog: `{ models: [{ id, name, ... }], gpus: [{ id, name, ... }] }`.
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsError> {
    let models: Vec<serde_json::Value> = pdsim::presets::MODEL_IDS
        .iter()
        .filter_map(|id| {
            pdsim::presets::model(id).map(|m| serde_json::json!({ "id": id, "model": m }))
        })
        .collect();
    let gpus: Vec<serde_json::Value> = pdsim::presets::GPU_IDS
        .iter()
        .filter_map(|id| {
            pdsim::presets::gpu(id).map(|g| serde_json::json!({ "id": id, "hardware": g }))
        })
        .collect();
    to_js(&serde_json::json!({ "models": models, "gpus": gpus }))
}
