//! Sweeps: run one config many times, varying one numeric field given by its path.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::Error;
use crate::report::Summary;

/// One sweep point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SweepRow {
    /// The value the field was set to.
    pub value: f64,
    /// The run's summary.
    pub summary: Summary,
}

/// Returns `config` with the field at the dotted `path` (e.g.
/// `disaggregation.threshold_tokens`) set to `value`. The result is parsed back through
/// the config type, so a wrong path or a value of the wrong type is an error that names
/// the field.
pub fn with_field(config: &Config, path: &str, value: f64) -> Result<Config, Error> {
    let mut json = serde_json::to_value(config).map_err(|e| Error::invalid(path, e))?;
    let current = crate::config_json::get(&json, path);
    if current.is_some_and(|v| !(v.is_number() || v.is_null())) {
        return Err(Error::invalid(path, "is not a numeric field"));
    }
    // Integers stay integers so that integer fields accept them.
    let number = if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serde_json::Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value)
            .map(serde_json::Value::Number)
            .ok_or_else(|| Error::invalid(path, format!("{value} is not a finite number")))?
    };
    crate::config_json::set(&mut json, path, number)?;
    // Only the field at `path` changed, so a failure is about it: plain serde from text is
    // enough, and is the parser the playground's worker already has for its messages (the
    // path-tracking one of `Config::from_json`, or one reading a JSON value, would each add
    // about 100 KB of parsing code to it).
    serde_json::from_str(&json.to_string()).map_err(|e| Error::invalid(path, e))
}

/// Runs `config` once per value of the field at `path`.
pub fn sweep(config: &Config, path: &str, values: &[f64]) -> Result<Vec<SweepRow>, Error> {
    values
        .iter()
        .map(|&value| {
            let point = with_field(config, path, value)?;
            let mut report = crate::run(&point)?;
            report.requests.clear();
            Ok(SweepRow {
                value,
                summary: report.summary,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_nested_fields_and_names_bad_paths() {
        let c = with_field(&Config::default(), "disaggregation.threshold_tokens", 256.0).unwrap();
        assert_eq!(c.disaggregation.threshold_tokens, 256);
        let c = with_field(&Config::default(), "workload.arrival.rate_per_s", 2.5).unwrap();
        assert_eq!(c.workload.arrival.rate_per_s, 2.5);
        let err = with_field(&Config::default(), "disaggregation.treshold", 1.0).unwrap_err();
        assert!(
            err.to_string()
                .contains("disaggregation.treshold: no such field"),
            "{err}"
        );
        let err = with_field(&Config::default(), "routing.policy", 1.0).unwrap_err();
        assert!(err.to_string().contains("not a numeric field"), "{err}");
        let err = with_field(&Config::default(), "engine.block_size", 1.5).unwrap_err();
        assert!(err.to_string().contains("engine.block_size"), "{err}");
    }
}
