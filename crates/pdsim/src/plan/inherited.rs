//! Which workload fields a plan took from the defaults rather than from the config: a
//! config that leaves out `workload.prefix` plans for the default scenario's shared
//! prefixes, and one that leaves out `arrival.process` for Poisson arrivals. The plan lists
//! them so that the answer's assumptions are in plain sight.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Config;

/// Where inherited values come from.
pub const DEFAULTS: &str = "pdsim's default scenario (Config::default, `pdsim example default`)";

/// One field the config did not give.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inherited {
    /// Dotted path of the field (`workload.prefix`).
    pub field: String,
    /// The value used.
    pub value: Value,
    /// Where it came from.
    pub from: String,
    /// What it does to this plan, when that is not obvious (a value the run ignores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Top-level fields, and the workload's, whose defaults shape the answer. `arrival` and
/// `prefix` are structs whose fields are looked at one by one; length distributions count
/// as one field (a given distribution replaces the default one whole).
const WORKLOAD_FIELDS: [&str; 5] = [
    "requests",
    "arrival",
    "input_tokens",
    "output_tokens",
    "prefix",
];
const BY_FIELD: [&str; 2] = ["arrival", "prefix"];

/// The fields of `written` (a config as the user wrote it, before defaults were filled in)
/// that come from the defaults: `model`, `hardware`, and the workload's request count,
/// arrivals, lengths and prefixes. `written` that is not an object inherits everything.
pub fn inherited_defaults(written: &Value) -> Vec<Inherited> {
    let defaults = serde_json::to_value(Config::default()).unwrap_or(Value::Null);
    let mut out = Vec::new();
    let mut push = |field: String, value: &Value, note: Option<String>| {
        out.push(Inherited {
            field,
            value: value.clone(),
            from: DEFAULTS.into(),
            note,
        });
    };
    for top in ["model", "hardware"] {
        if written.get(top).is_none() {
            push(top.into(), &defaults[top], None);
        }
    }
    let workload = written.get("workload");
    let process = workload
        .and_then(|w| w.get("arrival"))
        .and_then(|a| a.get("process"))
        .and_then(Value::as_str)
        .unwrap_or("poisson");
    for name in WORKLOAD_FIELDS {
        let given = workload.and_then(|w| w.get(name));
        let default = &defaults["workload"][name];
        match (given, BY_FIELD.contains(&name)) {
            (None, _) => push(format!("workload.{name}"), default, note(name, process)),
            // No request shares a prefix: its other fields do nothing.
            (Some(given), true)
                if name == "prefix"
                    && given.get("fraction").and_then(Value::as_f64) == Some(0.0) => {}
            (Some(given), true) => {
                if let Some(fields) = default.as_object() {
                    for (sub, value) in fields {
                        if given.get(sub).is_none() {
                            let path = format!("{name}.{sub}");
                            push(format!("workload.{path}"), value, note(&path, process));
                        }
                    }
                }
            }
            (Some(_), false) => {}
        }
    }
    out
}

/// What an inherited value does, where it may surprise.
fn note(path: &str, process: &str) -> Option<String> {
    match path {
        "arrival.cv" if process != "gamma" => {
            Some(format!("unused: {process} arrivals have no cv"))
        }
        "prefix" => {
            let p = Config::default().workload.prefix;
            Some(format!(
                "{:.0}% of requests share one of {} prefixes of {} tokens; give workload.prefix \
                 (e.g. {{\"fraction\": 0}}) to plan without",
                p.fraction * 100.0,
                p.groups,
                p.tokens
            ))
        }
        "arrival.rate_per_s" | "arrival" => {
            Some("only where the rate search starts; the plan finds each layout's rate".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(written: &str) -> Vec<String> {
        inherited_defaults(&serde_json::from_str(written).unwrap())
            .into_iter()
            .map(|i| i.field)
            .collect()
    }

    #[test]
    fn a_config_that_gives_a_field_does_not_inherit_it() {
        assert_eq!(
            fields("{}"),
            [
                "model",
                "hardware",
                "workload.requests",
                "workload.arrival",
                "workload.input_tokens",
                "workload.output_tokens",
                "workload.prefix"
            ]
        );
        let written = r#"{"model": "qwen3-30b-a3b", "hardware": "h100-sxm", "workload": {
            "requests": 2000, "arrival": {"rate_per_s": 10},
            "input_tokens": {"dist": "constant", "value": 4000},
            "output_tokens": {"dist": "constant", "value": 500},
            "prefix": {"fraction": 0.0}}}"#;
        let f = fields(written);
        assert!(f.contains(&"workload.arrival.process".to_string()));
        assert!(f.contains(&"workload.arrival.cv".to_string()));
        assert!(!f.iter().any(|f| f == "workload.arrival.rate_per_s"
            || f == "workload.prefix.fraction"
            || f == "workload.input_tokens"));
        // Without shared prefixes, their sizes do nothing: not listed.
        assert!(!f.iter().any(|f| f.starts_with("workload.prefix")));
        let f = fields(r#"{"workload": {"prefix": {"fraction": 0.25}}}"#);
        assert!(f.contains(&"workload.prefix.tokens".to_string()));
        assert!(!f.contains(&"workload.prefix.fraction".to_string()));
    }

    #[test]
    fn the_values_are_the_defaults_and_an_ignored_cv_says_so() {
        let all = inherited_defaults(
            &serde_json::json!({"workload": {"arrival": {"process": "poisson"}}}),
        );
        let cv = all
            .iter()
            .find(|i| i.field == "workload.arrival.cv")
            .unwrap();
        assert_eq!(
            cv.value,
            serde_json::json!(Config::default().workload.arrival.cv)
        );
        assert!(cv.note.as_deref().unwrap().contains("unused"));
        let gamma =
            inherited_defaults(&serde_json::json!({"workload": {"arrival": {"process": "gamma"}}}));
        let cv = gamma
            .iter()
            .find(|i| i.field == "workload.arrival.cv")
            .unwrap();
        assert_eq!(cv.note, None);
        let prefix = all.iter().find(|i| i.field == "workload.prefix").unwrap();
        assert_eq!(
            prefix.value["tokens"],
            serde_json::json!(Config::default().workload.prefix.tokens)
        );
    }
}
