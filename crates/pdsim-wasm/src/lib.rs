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
/** A KV-link preset of linkPresets() (GB = 1e9 bytes). */
export interface LinkPreset {
  id: string;
  name: string;
  /** What the link is sold by, per GPU and direction. */
  line_rate_gb_per_s: number;
  /** What a transfer achieves: the value for `kv_transfer.bandwidth_gb_per_s`. */
  bandwidth_gb_per_s: number;
  base_latency_ms: number;
  /** e.g. "100GbE: 10 GB/s achieved of 12.5 GB/s, 1.5 ms" */
  label: string;
}
/** One phase of time to first token, as phases() lists them. */
export interface Phase {
  /** The field of a breakdown (`prefill_queue`, ...). */
  id: string;
  name: string;
  definition: string;
  /** CSS colour, e.g. `#e69f00`. */
  colour: string;
}
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

/// The catalog: `{ models: [{ id, params_b, model }], gpus: [{ id, calibrated_as, usd_per_hour,
/// usd_per_hour_source, power_w, hardware }] }`, the core's one catalog
/// ([`pdsim::presets::catalog_json`]), the same as `pdsim catalog --json` prints.
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsError> {
    to_js(&pdsim::presets::catalog_json())
}

// ---------------------------------------------------------------------------------------------
// The playground's own rules, for pages built on this API (the lessons): numbers written the
// same way, the same config merge, the same share links, presets, phases and warnings.

/// A duration in ms as every pdsim page writes it: `"81.2 ms"`, `"1,234 ms"`, `"117.9 s"`.
#[wasm_bindgen(js_name = formatDuration)]
pub fn format_duration(ms: f64) -> String {
    pdsim::report::format::duration(ms)
}

/// A number with `decimals` decimals and thousands separators: `formatNumber(1234.5, 1)` is
/// `"1,234.5"`.
#[wasm_bindgen(js_name = formatNumber)]
pub fn format_number(value: f64, decimals: u32) -> String {
    pdsim::report::format::grouped(value, decimals.min(12) as usize)
}

/// A rate in requests per second, without its unit: `"2.50"`, `"1,234.6"`.
#[wasm_bindgen(js_name = formatRate)]
pub fn format_rate(value: f64) -> String {
    pdsim::report::format::rate(value)
}

fn json_of(value: &JsValue, what: &str) -> Result<serde_json::Value, JsError> {
    serde_json::from_str(&config_text(value)?).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// `patch` merged onto `base` by the rule configs are read with (objects merge field by
/// field, anything else replaces): `mergeConfig(example.config, { workload: { requests: 300 } })`.
#[wasm_bindgen(js_name = mergeConfig, unchecked_return_type = "ConfigInput")]
pub fn merge_config(
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] base: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] patch: &JsValue,
) -> Result<JsValue, JsError> {
    let mut merged = json_of(base, "base")?;
    pdsim::merge_onto(&mut merged, json_of(patch, "patch")?);
    to_js(&merged)
}

/// base64url without padding (RFC 4648, section 5), as the playground's `c=` carries a config.
// The same encoding as web/src/url.rs's `b64_encode`, until the share-URL encoding has its
// one home in the core (config_json).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let at = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (at(0) << 16) | (at(1) << 8) | at(2);
        for i in 0..=chunk.len() {
            let index = ((n >> (18 - 6 * i)) & 63) as usize;
            out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'A')));
        }
    }
    out
}

/// The playground's URL fragment of a config (without `#`): `v=1&c=<the fields that differ
/// from the defaults>`, what its "Copy link" writes. Checks the config first.
#[wasm_bindgen(js_name = playgroundHash)]
pub fn playground_hash(
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] config: &JsValue,
) -> Result<String, JsError> {
    let mut parsed = pdsim::Config::from_json(&config_text(config)?).map_err(|e| core_error(&e))?;
    pdsim::validate(&parsed).map_err(|e| core_error(&e))?;
    // A trace is data, not settings: links never carry it.
    parsed.workload.trace = None;
    let value =
        serde_json::to_value(&parsed).map_err(|e| JsError::new(&format!("internal: {e}")))?;
    let default = serde_json::to_value(pdsim::Config::default())
        .map_err(|e| JsError::new(&format!("internal: {e}")))?;
    Ok(match pdsim::diff(&default, &value) {
        None => "v=1".to_owned(),
        Some(part) => format!("v=1&c={}", base64url(part.to_string().as_bytes())),
    })
}

/// The KV-link presets of the playground: `[{ id, name, line_rate_gb_per_s,
/// bandwidth_gb_per_s, base_latency_ms, label }]`.
#[wasm_bindgen(js_name = linkPresets, unchecked_return_type = "LinkPreset[]")]
pub fn link_presets() -> Result<JsValue, JsError> {
    let list: Vec<serde_json::Value> = pdsim::presets::LINKS
        .iter()
        .map(|l| {
            let mut value = serde_json::to_value(l).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.insert("label".into(), l.label().into());
            }
            value
        })
        .collect();
    to_js(&list)
}

/// The five phases of time to first token, in order, with the names, definitions and
/// colours every pdsim page uses: `[{ id, name, definition, colour }]`.
#[wasm_bindgen(unchecked_return_type = "Phase[]")]
pub fn phases() -> Result<JsValue, JsError> {
    let list: Vec<serde_json::Value> = pdsim::report::phases::PHASES
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id, "name": p.name, "definition": p.definition, "colour": p.css(),
            })
        })
        .collect();
    to_js(&list)
}

fn config_and_report(
    config: &JsValue,
    report: JsValue,
) -> Result<(pdsim::Config, pdsim::Report), JsError> {
    let config = pdsim::Config::from_json(&config_text(config)?).map_err(|e| core_error(&e))?;
    let report: pdsim::Report = serde_wasm_bindgen::from_value(report)
        .map_err(|e| JsError::new(&format!("report: {e}")))?;
    Ok((config, report))
}

/// The playground's warnings about a run, most important first: dropped requests, a cluster
/// that cannot keep up with the arrivals, requests cut off by the horizon. Empty when the
/// numbers can be read at face value. `report` is what `run(config)` returned.
#[wasm_bindgen(unchecked_return_type = "string[]")]
pub fn warnings(
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] config: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Report")] report: JsValue,
) -> Result<JsValue, JsError> {
    let (config, report) = config_and_report(config, report)?;
    to_js(&pdsim::report::health::warnings(&config, &report))
}

/// The playground's notes about a run: pools that sat idle (and why), latency targets no
/// request met.
#[wasm_bindgen(unchecked_return_type = "string[]")]
pub fn notes(
    #[wasm_bindgen(unchecked_param_type = "ConfigInput | string")] config: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Report")] report: JsValue,
) -> Result<JsValue, JsError> {
    let (config, report) = config_and_report(config, report)?;
    to_js(&pdsim::report::health::notes(&config, &report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648() {
        // RFC 4648, section 10 test vectors, without padding.
        for (text, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(text.as_bytes()), encoded);
        }
        // The url-safe alphabet: 0xfb 0xff = "-_8".
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
