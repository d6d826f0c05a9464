//! `pdsim._pdsim`: the core's public functions for Python, JSON text in and out, so that
//! Python gets exactly the JSON the CLI prints. The `pdsim` Python package (in `python/`)
//! wraps these in the documented API; nothing here simulates anything itself.
//!
//! Every run releases the GIL ([`Python::detach`]), so threads of a Python program run
//! while a simulation does. Errors of the core become `pdsim.ConfigError`, whose message is
//! the CLI's (`field: what is allowed`) and whose `field` attribute is the field's path.

use pdsim::plan::{Candidate, CandidateResult, Objective, PlanRequest, SearchSpace, Targets};
use pdsim::Config;
use pdsim::ShareError;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value;

create_exception!(
    _pdsim,
    ConfigError,
    PyValueError,
    "A config, query or plan request the core refuses. `str(error)` is the CLI's message \
     (`field: what is allowed`); `error.field` is the field's dotted path (empty for the \
     whole input)."
);

/// A `ConfigError` about `field`.
fn config_error(py: Python<'_>, field: &str, message: String) -> PyErr {
    let err = ConfigError::new_err(message);
    // Setting an attribute of a fresh exception instance does not fail.
    let _ = err.value(py).setattr("field", field);
    err
}

fn core_error(py: Python<'_>, e: &pdsim::Error) -> PyErr {
    config_error(py, e.field(), e.to_string())
}

fn share_error(py: Python<'_>, e: &ShareError) -> PyErr {
    match e {
        ShareError::Invalid(inner) => config_error(
            py,
            inner.field(),
            format!("the share link's settings are not valid: {inner}"),
        ),
        other => config_error(py, "", format!("this link could not be used: {other}")),
    }
}

fn to_text<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn parse_config(py: Python<'_>, text: &str) -> PyResult<Config> {
    Config::from_json(text).map_err(|e| core_error(py, &e))
}

/// Runs a config (JSON text, partial configs merge onto the defaults) and returns the report
/// as JSON text: what `pdsim run` prints. The GIL is released during the run.
#[pyfunction]
fn run_json(py: Python<'_>, config: &str) -> PyResult<String> {
    let result = py.detach(|| pdsim::run_json(config));
    result.map_err(|e| core_error(py, &e))
}

/// A config (JSON text) that replays the JSON Lines trace `trace` instead of its generated
/// workload: what `pdsim run CONFIG --trace FILE` runs. Bad lines are refused all at once,
/// each as `SOURCE:LINE: message` (the CLI's words), under the field `trace`.
#[pyfunction]
fn with_trace(py: Python<'_>, config: &str, trace: &str, source: &str) -> PyResult<String> {
    let mut parsed = parse_config(py, config)?;
    let (records, errors) =
        pdsim::workload::parse_trace_jsonl_blocks(trace, parsed.workload.trace_block_tokens);
    if !errors.is_empty() {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{source}:{}: {}", e.line, e.message))
            .collect();
        let message = format!("{} bad trace line(s):\n{}", errors.len(), lines.join("\n"));
        return Err(config_error(py, "trace", message));
    }
    parsed.workload.trace = Some(records);
    to_text(&parsed)
}

/// The full config (every field, defaults filled in) of a config's JSON text, validated:
/// what `pdsim validate` accepts.
#[pyfunction]
fn resolve_config(py: Python<'_>, config: &str) -> PyResult<String> {
    let parsed = parse_config(py, config)?;
    pdsim::validate(&parsed).map_err(|e| core_error(py, &e))?;
    to_text(&parsed)
}

/// The config of a config's JSON text with the fields at the given dotted paths set to the
/// given JSON values (each path must exist; errors name it), as exact JSON text
/// ([`exact_text`]) for [`run_exact`]: a sweep's point, with the numbers the CLI's sweep
/// would run.
#[pyfunction]
fn with_fields(py: Python<'_>, config: &str, fields: Vec<(String, String)>) -> PyResult<String> {
    let parsed = parse_config(py, config)?;
    let mut value =
        serde_json::to_value(&parsed).map_err(|e| PyValueError::new_err(e.to_string()))?;
    for (path, new) in fields {
        let new: Value = serde_json::from_str(&new)
            .map_err(|e| config_error(py, &path, format!("{path}: not a JSON value: {e}")))?;
        pdsim::set_path(&mut value, &path, new).map_err(|e| core_error(py, &e))?;
    }
    let point = Config::from_value(value).map_err(|e| core_error(py, &e))?;
    exact_text(&point)
}

/// Runs a config given as exact JSON text (from [`with_fields`]) and returns the report's
/// summary as JSON text; the GIL is released during the run.
#[pyfunction]
fn run_exact(py: Python<'_>, config: &str) -> PyResult<String> {
    let value: Value = serde_json::from_str(config)
        .map_err(|e| config_error(py, "", format!("not an exact config: {e}")))?;
    let config = Config::from_value(pdsim::decode_floats(value)).map_err(|e| core_error(py, &e))?;
    let report = py.detach(|| pdsim::run(&config));
    let report = report.map_err(|e| core_error(py, &e))?;
    to_text(&report.summary)
}

/// The answer of a step-time query (JSON text of a `StepTimeQuery`): what
/// `pdsim step-time --json` prints. Errors name the query's field (`step.tokens`, `tp`, ...).
#[pyfunction]
fn step_time_json(py: Python<'_>, query: &str) -> PyResult<String> {
    let parsed: pdsim::StepTimeQuery = serde_json::from_str(query)
        .map_err(|e| config_error(py, "", format!("not a step-time query: {e}")))?;
    let answer = pdsim::step_time(&parsed).map_err(|e| core_error(py, &e))?;
    to_text(&answer)
}

/// The model (JSON text) of a HuggingFace `config.json` file's text, named after the file.
#[pyfunction]
#[pyo3(signature = (text, file_stem=None))]
fn hf_model_of_file(py: Python<'_>, text: &str, file_stem: Option<&str>) -> PyResult<String> {
    let spec =
        pdsim::hf_model_of_file(text, file_stem).map_err(|e| config_error(py, "model", e))?;
    to_text(&spec)
}

/// The catalog: what `pdsim catalog --json` prints.
#[pyfunction]
fn catalog_json() -> PyResult<String> {
    to_text(&pdsim::presets::catalog_json())
}

/// The named example scenarios: `[{"name", "description", "benchmark", "config"}]`.
#[pyfunction]
fn examples_json() -> PyResult<String> {
    let list: Vec<Value> = pdsim::examples()
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "name": e.name,
                "description": e.description,
                "benchmark": e.benchmark,
                "config": e.config,
            })
        })
        .collect();
    to_text(&list)
}

/// JSON text whose floats come back to the bit ([`pdsim::encode_floats`]): how plan
/// requests, candidates and results travel through Python (and between processes).
fn exact_text<T: serde::Serialize>(value: &T) -> PyResult<String> {
    let value = serde_json::to_value(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(pdsim::encode_floats(value).to_string())
}

/// The inverse of [`exact_text`].
fn from_exact<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    text: &str,
    what: &str,
) -> PyResult<T> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| config_error(py, "", format!("not a plan {what}: {e}")))?;
    serde_json::from_value(pdsim::decode_floats(value))
        .map_err(|e| config_error(py, "", format!("not a plan {what}: {e}")))
}

/// A plan request (exact JSON text, for the other plan functions), as `pdsim plan CONFIG`
/// builds it (`requests`: `--requests`): a limit not given is the config's `slo` one; `space` is the JSON of a
/// `SearchSpace` (missing fields: the defaults); `objective` is `rate`, `gpus` or `cost`
/// (`--objective`) and `rate_per_s` the rate to carry (`--rate`).
#[pyfunction]
#[pyo3(signature = (config, requests, gpus, ttft_ms, tpot_ms, attainment, space, objective, rate_per_s))]
#[allow(clippy::too_many_arguments)] // the flags of `pdsim plan`, one each
fn plan_request(
    py: Python<'_>,
    config: &str,
    requests: Option<u64>,
    gpus: u32,
    ttft_ms: Option<f64>,
    tpot_ms: Option<f64>,
    attainment: f64,
    space: &str,
    objective: &str,
    rate_per_s: Option<f64>,
) -> PyResult<String> {
    let objective = Objective::from_id(objective).ok_or_else(|| {
        config_error(
            py,
            "objective",
            format!("objective: must be rate, gpus or cost, got '{objective}'"),
        )
    })?;
    let written: Value = serde_json::from_str(config).unwrap_or(Value::Null);
    let mut inherited = pdsim::plan::inherited_defaults(&written);
    let mut config = parse_config(py, config)?;
    if let Some(n) = requests {
        config.workload.requests = Some(n);
        inherited.retain(|i| i.field != "workload.requests");
    }
    let space: SearchSpace = serde_json::from_str(space)
        .map_err(|e| config_error(py, "space", format!("space: {e}")))?;
    // Read through JSON, whatever the SLO field of a TPOT limit is called in this version.
    let slo = serde_json::to_value(&config.slo).unwrap_or_default();
    let limit = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| slo.get(*n).and_then(Value::as_f64))
    };
    let request = PlanRequest {
        targets: Targets {
            ttft_ms: ttft_ms.or_else(|| limit(&["ttft_ms"])),
            tpot_ms: tpot_ms.or_else(|| limit(&["tpot_ms", "itl_ms"])),
            attainment,
            rate_per_s,
        },
        gpus,
        space,
        config,
        objective,
        inherited,
    };
    exact_text(&request)
}

/// The candidates of a plan request, each as exact JSON text; errors name the request's
/// field.
#[pyfunction]
fn plan_candidates(py: Python<'_>, request: &str) -> PyResult<Vec<String>> {
    let parsed: PlanRequest = from_exact(py, request, "request")?;
    let list = pdsim::plan::candidates(&parsed).map_err(|e| core_error(py, &e))?;
    list.iter().map(exact_text).collect()
}

/// One candidate's result (exact JSON text): its rate search, GIL released.
#[pyfunction]
fn plan_evaluate(py: Python<'_>, request: &str, candidate: &str) -> PyResult<String> {
    let parsed: PlanRequest = from_exact(py, request, "request")?;
    let candidate: Candidate = from_exact(py, candidate, "candidate")?;
    let result = py.detach(|| pdsim::plan::evaluate(&parsed, &candidate));
    exact_text(&result)
}

/// The plan (JSON text, as `pdsim plan --json` prints it) of a request and its candidates'
/// results, in candidate order.
#[pyfunction]
fn plan_summarize(py: Python<'_>, request: &str, results: Vec<String>) -> PyResult<String> {
    let parsed: PlanRequest = from_exact(py, request, "request")?;
    let results = results
        .into_iter()
        .map(|r| from_exact(py, &r, "result"))
        .collect::<PyResult<Vec<CandidateResult>>>()?;
    let plan = pdsim::plan::summarize(&parsed, results).map_err(|e| core_error(py, &e))?;
    to_text(&plan)
}

/// The `c` value of a config's share link (`None`: the default config).
#[pyfunction]
fn share_value(py: Python<'_>, config: &str) -> PyResult<Option<String>> {
    Ok(pdsim::share_value(&parse_config(py, config)?))
}

/// The playground link of a config at `base` (the playground's address).
#[pyfunction]
fn share_url(py: Python<'_>, base: &str, config: &str) -> PyResult<String> {
    Ok(pdsim::share_url(base, &parse_config(py, config)?))
}

/// The config (JSON text) of a playground share link.
#[pyfunction]
fn config_of_share_url(py: Python<'_>, url: &str) -> PyResult<String> {
    let config = pdsim::config_of_share_url(url).map_err(|e| share_error(py, &e))?;
    to_text(&config)
}

/// The extension module.
#[pymodule]
fn _pdsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ConfigError", m.py().get_type::<ConfigError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SHARE_VERSION", pdsim::SHARE_VERSION)?;
    m.add_function(wrap_pyfunction!(run_json, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_config, m)?)?;
    m.add_function(wrap_pyfunction!(with_trace, m)?)?;
    m.add_function(wrap_pyfunction!(with_fields, m)?)?;
    m.add_function(wrap_pyfunction!(run_exact, m)?)?;
    m.add_function(wrap_pyfunction!(step_time_json, m)?)?;
    m.add_function(wrap_pyfunction!(hf_model_of_file, m)?)?;
    m.add_function(wrap_pyfunction!(catalog_json, m)?)?;
    m.add_function(wrap_pyfunction!(examples_json, m)?)?;
    m.add_function(wrap_pyfunction!(plan_request, m)?)?;
    m.add_function(wrap_pyfunction!(plan_candidates, m)?)?;
    m.add_function(wrap_pyfunction!(plan_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(plan_summarize, m)?)?;
    m.add_function(wrap_pyfunction!(share_value, m)?)?;
    m.add_function(wrap_pyfunction!(share_url, m)?)?;
    m.add_function(wrap_pyfunction!(config_of_share_url, m)?)?;
    Ok(())
}
