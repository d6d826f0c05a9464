//! A config as JSON: merging a partial config onto another, the difference between two, the
//! list of changed fields, and fields read or written by dotted path. The one home of the
//! rule that makes partial configs work: objects merge field by field, except that a length
//! distribution naming another `dist` replaces the old one whole (its fields differ).
//!
//! The CLI, the sweep, the playground's URL state and its comparison notes, and the tests
//! all use these functions.
//!
//! Only JSON values here, no config type: `config` builds on these (a partial config is
//! merged onto the defaults), and share links (`share_link.rs`) on both.

use serde_json::{Map, Value};

use crate::error::Error;

/// Whether two objects describe different kinds of one thing (a `dist` of another name):
/// then the newer replaces the older whole instead of merging into it.
fn replaces_whole(old: &Map<String, Value>, new: &Map<String, Value>) -> bool {
    matches!((old.get("dist"), new.get("dist")), (Some(a), Some(b)) if a != b)
}

/// Deep-merges `given` onto `base`: objects merge field by field, anything else replaces.
/// [`crate::Config::from_json`] applies it to the defaults; the playground's URL state too.
pub fn merge_onto(base: &mut Value, given: Value) {
    match (base, given) {
        (Value::Object(base_map), Value::Object(given_map)) => {
            if replaces_whole(base_map, &given_map) {
                *base_map = given_map;
                return;
            }
            for (key, value) in given_map {
                match base_map.get_mut(&key) {
                    Some(slot) => merge_onto(slot, value),
                    None => {
                        base_map.insert(key, value);
                    }
                }
            }
        }
        (base, given) => *base = given,
    }
}

/// The smallest value whose [`merge_onto`] onto `base` gives `value` (`None`: they are
/// equal). Fields `value` lacks are not represented: both sides are complete configs.
pub fn diff(base: &Value, value: &Value) -> Option<Value> {
    match (base, value) {
        (Value::Object(a), Value::Object(b)) if !replaces_whole(a, b) => {
            let mut out = Map::new();
            for (key, v) in b {
                let part = match a.get(key) {
                    Some(d) => diff(d, v),
                    None => Some(v.clone()),
                };
                if let Some(part) = part {
                    out.insert(key.clone(), part);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        (a, b) if a == b => None,
        (_, b) => Some(b.clone()),
    }
}

/// One changed field: its dotted path, the old value and the new (`null` when absent).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Dotted path (`workload.arrival.rate_per_s`).
    pub path: String,
    /// The value before.
    pub old: Value,
    /// The value after.
    pub new: Value,
}

/// Every field that differs between `old` and `new`, in path order; an object replaced
/// whole (another `dist`) is one change.
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
        match (old, new) {
            (Value::Object(a), Value::Object(b)) if !replaces_whole(a, b) => {
                let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
                crate::sorting::sort_by(&mut keys, |a, b| a.cmp(b));
                keys.dedup();
                for key in keys {
                    let child = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    let null = Value::Null;
                    walk(
                        &child,
                        a.get(key).unwrap_or(&null),
                        b.get(key).unwrap_or(&null),
                        out,
                    );
                }
            }
            (a, b) if a != b => out.push(Change {
                path: path.to_string(),
                old: a.clone(),
                new: b.clone(),
            }),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out
}

/// The value at a dotted `path`, if every step exists.
pub fn get<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |node, key| node.get(key))
}

/// Replaces the value at a dotted `path`, which must exist; errors name the path so far and
/// the fields that do exist there.
pub fn set(root: &mut Value, path: &str, new: Value) -> Result<(), Error> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let so_far = parts[..=i].join(".");
        let object = node
            .as_object_mut()
            .ok_or_else(|| Error::invalid(&so_far, "is not an object, so it has no fields"))?;
        if !object.contains_key(*part) {
            let known: Vec<&str> = object.keys().map(String::as_str).collect();
            return Err(Error::invalid(
                &so_far,
                format!("no such field; known here: {}", known.join(", ")),
            ));
        }
        node = object
            .get_mut(*part)
            .ok_or_else(|| Error::invalid(&so_far, "no such field"))?;
    }
    *node = new;
    Ok(())
}

// --- Exact floats in JSON text ---------------------------------------------------------

/// Every non-integer number becomes the string `"#f64:"` + its shortest decimal form, which
/// Rust's parser reads back exactly (serde_json's default parser can land one unit in the
/// last place off), so that JSON text carried between processes (`pdsim plan --shard`
/// files, the Python package's plan through an executor) gives back the very numbers.
pub fn encode_floats(value: Value) -> Value {
    match value {
        Value::Number(n) if !(n.is_i64() || n.is_u64()) => match n.as_f64() {
            Some(f) => Value::String(format!("#f64:{f}")),
            None => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(encode_floats).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, encode_floats(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The inverse of [`encode_floats`].
pub fn decode_floats(value: Value) -> Value {
    match value {
        Value::String(s) => match s
            .strip_prefix("#f64:")
            .and_then(|f| f.parse::<f64>().ok())
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) => Value::Number(n),
            None => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(decode_floats).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, decode_floats(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share_link::*;
    use crate::Config;
    use serde_json::json;

    #[test]
    fn a_distribution_of_another_kind_replaces_the_old_whole() {
        let mut base = json!({"a": {"dist": "normal", "mean": 1, "std": 2}, "b": 1});
        merge_onto(&mut base, json!({"a": {"dist": "constant", "value": 9}}));
        assert_eq!(base, json!({"a": {"dist": "constant", "value": 9}, "b": 1}));
        let d = diff(&json!({"a": {"dist": "normal", "mean": 1}}), &base).unwrap();
        assert_eq!(d, json!({"a": {"dist": "constant", "value": 9}, "b": 1}));
        let c = changes(&json!({"a": {"dist": "normal", "mean": 1}}), &base);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].path, "a");
    }

    #[test]
    fn base64url_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "{\"seed\":7}", "ÿþ\u{1}"] {
            let encoded = base64url_encode(text.as_bytes());
            assert!(!encoded.contains('=') && !encoded.contains('+'));
            assert_eq!(base64url_decode(&encoded).as_deref(), Ok(text.as_bytes()));
        }
        // RFC 4648's test vectors, section 10 (padding dropped).
        assert_eq!(base64url_encode(b"foob"), "Zm9vYg");
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_decode("Zm9vYg=="), Ok(b"foob".to_vec()));
        // 0xfb 0xff: `+/` in the standard alphabet, `-_` here.
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("+/8"), Ok(vec![0xfb, 0xff]));
        assert_eq!(
            base64url_decode("ab!c"),
            Err("character 3 is not base64url".into())
        );
        assert_eq!(base64url_decode("a"), Err("truncated base64url".into()));
    }

    #[test]
    fn a_share_link_holds_only_the_changed_fields() {
        assert_eq!(share_value(&Config::default()), None);
        let config = Config {
            seed: 7,
            ..Config::default()
        };
        // {"seed":7}
        assert_eq!(share_value(&config).as_deref(), Some("eyJzZWVkIjo3fQ"));
        let url = share_url("https://example.org/pdsim/#old", &config);
        assert_eq!(url, "https://example.org/pdsim/#v=1&c=eyJzZWVkIjo3fQ");
        assert_eq!(config_of_share_url(&url), Ok(config));
        assert_eq!(
            share_url("https://example.org/", &Config::default()),
            "https://example.org/#v=1"
        );
        assert_eq!(
            config_of_share_url("https://example.org/#v=1&embed=1"),
            Ok(Config::default())
        );
    }

    #[test]
    fn every_example_round_trips_through_a_share_link() {
        for example in crate::examples::all() {
            let url = share_url("https://example.org/", &example.config);
            let back = config_of_share_url(&format!("{url}&embed=1&hide=slo"));
            assert_eq!(back.as_ref(), Ok(&example.config), "{}", example.name);
        }
    }

    #[test]
    fn a_bad_share_link_says_what_is_wrong() {
        let damaged = config_of_share_url("x#v=1&c=!!!").unwrap_err();
        assert_eq!(
            damaged.to_string(),
            "the settings are damaged (character 1 is not base64url)"
        );
        let c = base64url_encode(br#"{"seed":"x"}"#);
        match config_of_share_value(&c) {
            Err(ShareError::Invalid(e)) => assert_eq!(e.field(), "seed"),
            other => panic!("{other:?}"),
        }
        let c = base64url_encode(br#"{"engine":{"block_size":0}}"#);
        match config_of_share_value(&c) {
            Err(ShareError::Invalid(e)) => assert_eq!(e.field(), "engine.block_size"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            config_of_share_value(&base64url_encode(b"[1]")),
            Err(ShareError::Damaged(_))
        ));
        let version = config_of_share_url("x#v=9&c=e30").unwrap_err();
        assert!(version.to_string().contains("v=9"), "{version}");
        assert!(matches!(
            config_of_share_url("https://example.org/"),
            Err(ShareError::Link(_))
        ));
    }

    #[test]
    fn encoded_floats_come_back_to_the_bit() {
        let values: [f64; 5] = [
            0.1 + 0.2,
            1.0 / 3.0,
            0.933_333_333_333_333_2,
            1e-300,
            -2.5e17,
        ];
        let value = serde_json::json!({"a": values, "n": 3, "s": "x"});
        let text = encode_floats(value.clone()).to_string();
        assert!(text.contains("\"n\":3") && text.contains("#f64:"), "{text}");
        let back = decode_floats(serde_json::from_str(&text).unwrap());
        assert_eq!(back, value);
        for (i, v) in values.iter().enumerate() {
            assert_eq!(back["a"][i].as_f64().unwrap().to_bits(), v.to_bits());
        }
    }

    #[test]
    fn set_names_the_missing_field() {
        let mut v = json!({"engine": {"block_size": 16}});
        set(&mut v, "engine.block_size", json!(32)).unwrap();
        assert_eq!(get(&v, "engine.block_size"), Some(&json!(32)));
        let err = set(&mut v, "engine.blok_size", json!(1)).unwrap_err();
        assert_eq!(err.field(), "engine.blok_size");
        assert!(err.to_string().contains("known here: block_size"), "{err}");
    }

    #[test]
    fn merging_the_diff_onto_the_defaults_gives_the_config_back() {
        // Every named example (they differ from the defaults in many fields, distributions
        // of other kinds among them), and each with a field or two moved.
        let defaults = serde_json::to_value(Config::default()).unwrap();
        for example in crate::examples::all() {
            for variant in 0..3 {
                let mut config = example.config.clone();
                if variant >= 1 {
                    config.seed += 17;
                    config.engine.block_size = 32;
                }
                if variant == 2 {
                    config.workload.input_tokens =
                        crate::config::LengthDist::Constant { value: 77 };
                }
                let value = serde_json::to_value(&config).unwrap();
                let mut merged = defaults.clone();
                if let Some(part) = diff(&defaults, &value) {
                    merge_onto(&mut merged, part);
                }
                assert_eq!(merged, value, "{} variant {variant}", example.name);
                let back = Config::from_value(merged).unwrap();
                assert_eq!(back, config, "{} variant {variant}", example.name);
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod property {
        use super::*;
        use crate::config::{Decider, LengthDist};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn diff_then_merge_is_the_identity(
                seed in any::<u64>(),
                tp in 1u32..9,
                rate in 0.1f64..500.0,
                threshold in 0u32..100_000,
                decider in 0usize..5,
                dist in 0usize..3,
                value in 1u32..50_000,
                prefix_caching in any::<bool>(),
            ) {
                let mut c = Config { seed, ..Config::default() };
                c.topology.decode.tp = tp;
                c.workload.arrival.rate_per_s = rate;
                c.disaggregation.threshold_tokens = threshold;
                c.disaggregation.decider = [Decider::Never, Decider::Always, Decider::PrefixThreshold,
                    Decider::LengthThreshold, Decider::Conditional][decider];
                c.engine.prefix_caching = prefix_caching;
                c.workload.output_tokens = match dist {
                    0 => LengthDist::Constant { value },
                    1 => LengthDist::Uniform { min: 1, max: value },
                    _ => c.workload.output_tokens.clone(),
                };
                let defaults = serde_json::to_value(Config::default()).unwrap();
                let value = serde_json::to_value(&c).unwrap();
                let mut merged = defaults.clone();
                if let Some(part) = diff(&defaults, &value) {
                    merge_onto(&mut merged, part);
                }
                prop_assert_eq!(Config::from_value(merged).unwrap(), c);
            }
        }
    }
}
