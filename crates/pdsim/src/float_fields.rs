//! `Deserialize` of a struct whose fields are all required `f64`s and that denies unknown
//! fields (the calibration's [`crate::calibration::Efficiency`], 37 of them), written once.
//!
//! serde's derived code for such a struct matches every field name in its own visitor, once
//! per deserializer (and once more for byte names, which buffered formats can give), which
//! made the one struct a couple of kilobytes of the playground's compressed wasm
//! (BENCHMARKS.md, "bundle"). This reads the same input (a map or a sequence) into the
//! fields in declaration order and gives the derived code's errors word for word.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Expected, MapAccess, SeqAccess, Visitor};

/// The values of the struct `name`'s fields `names`, in that order.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
    name: &'static str,
    names: &'static [&'static str],
) -> Result<Vec<f64>, D::Error> {
    deserializer.deserialize_struct(name, names, StructVisitor { name, names })
}

struct StructVisitor {
    name: &'static str,
    names: &'static [&'static str],
}

impl<'de> Visitor<'de> for StructVisitor {
    type Value = Vec<f64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f64>, A::Error> {
        let mut values = Vec::with_capacity(self.names.len());
        for i in 0..self.names.len() {
            match seq.next_element::<f64>()? {
                Some(v) => values.push(v),
                None => return Err(de::Error::invalid_length(i, &Elements(&self))),
            }
        }
        Ok(values)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<f64>, A::Error> {
        let mut values: Vec<Option<f64>> = vec![None; self.names.len()];
        while let Some(i) = map.next_key_seed(FieldIndex(self.names))? {
            if values[i].is_some() {
                return Err(de::Error::duplicate_field(self.names[i]));
            }
            values[i] = Some(map.next_value::<f64>()?);
        }
        values
            .iter()
            .zip(self.names)
            .map(|(v, name)| v.ok_or_else(|| de::Error::missing_field(name)))
            .collect()
    }
}

/// What a too-short sequence should have been ("struct NAME with N elements").
struct Elements<'a>(&'a StructVisitor);

impl Expected for Elements<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "struct {} with {} elements",
            self.0.name,
            self.0.names.len()
        )
    }
}

/// A field's identifier: its name (text or bytes) or its index; unknown names are errors.
struct FieldIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for FieldIndex {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<usize, E> {
        match usize::try_from(index) {
            Ok(i) if i < self.0.len() => Ok(i),
            _ => Err(E::invalid_value(
                de::Unexpected::Unsigned(index),
                &IndexBelow(self.0.len()),
            )),
        }
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|f| *f == name)
            .ok_or_else(|| E::unknown_field(name, self.0))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<usize, E> {
        match self.0.iter().position(|f| f.as_bytes() == name) {
            Some(i) => Ok(i),
            None => Err(E::unknown_field(&String::from_utf8_lossy(name), self.0)),
        }
    }
}

/// What a field index must be ("field index 0 <= i < N", as serde's derive says).
struct IndexBelow(usize);

impl Expected for IndexBelow {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "field index 0 <= i < {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    /// serde's derived `Deserialize` of a struct of the same kind, which this replaces.
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Derived {
        a: f64,
        bb: f64,
        c: f64,
    }

    const NAMES: &[&str] = &["a", "bb", "c"];

    /// The shared code on the same fields, as a type.
    #[derive(Debug)]
    struct Shared(Vec<f64>);

    impl<'de> serde::Deserialize<'de> for Shared {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::deserialize(d, "Derived", NAMES).map(Shared)
        }
    }

    fn text<T: std::fmt::Debug, E: std::fmt::Display>(r: Result<T, E>) -> String {
        match r {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => format!("error {e}"),
        }
    }

    #[test]
    fn reads_and_rejects_what_serde_derives() {
        let inputs = [
            r#"{"a": 1, "bb": 2.5, "c": -3e-7}"#,
            r#"{"c": 3, "a": 1, "bb": 2}"#,
            r#"{"a": 1, "bb": 2}"#,
            r#"{}"#,
            r#"{"a": 1, "a": 2, "bb": 2, "c": 3}"#,
            r#"{"a": 1, "b": 2, "c": 3}"#,
            r#"{"a": "1", "bb": 2, "c": 3}"#,
            r#"{"a": null, "bb": 2, "c": 3}"#,
            r#"[1, 2, 3]"#,
            r#"[1, 2]"#,
            r#"[1, 2, 3, 4]"#,
            r#"[]"#,
            "3",
            "null",
            r#""a""#,
        ];
        for json in inputs {
            let shared = text(serde_json::from_str::<Shared>(json).map(|s| s.0));
            let derived = text(serde_json::from_str::<Derived>(json).map(|d| vec![d.a, d.bb, d.c]));
            assert_eq!(shared, derived, "{json}");
            // The JSON value tree (a buffered format, as untagged enums buffer their input)
            // and the path-tracking reader configs go through.
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            let shared = text(serde_json::from_value::<Shared>(value.clone()).map(|s| s.0));
            let derived =
                text(serde_json::from_value::<Derived>(value).map(|d| vec![d.a, d.bb, d.c]));
            assert_eq!(shared, derived, "{json} as a value");
            let shared = text(
                serde_path_to_error::deserialize::<_, Shared>(
                    &mut serde_json::Deserializer::from_str(json),
                )
                .map(|s| s.0),
            );
            let derived = text(
                serde_path_to_error::deserialize::<_, Derived>(
                    &mut serde_json::Deserializer::from_str(json),
                )
                .map(|d| vec![d.a, d.bb, d.c]),
            );
            assert_eq!(shared, derived, "{json} with its path");
        }
        // By index and by bytes (formats that name fields so).
        use serde::de::value::{BytesDeserializer, Error};
        use serde::de::{DeserializeSeed, IntoDeserializer};
        for index in [0u64, 2, 3, 9] {
            let got = super::FieldIndex(NAMES)
                .deserialize(IntoDeserializer::<Error>::into_deserializer(index))
                .map_err(|e| e.to_string());
            let want = match index {
                0..=2 => Ok(index as usize),
                _ => Err(format!(
                    "invalid value: integer `{index}`, expected field index 0 <= i < 3"
                )),
            };
            assert_eq!(got, want);
        }
        let by_bytes = |b: &'static [u8]| {
            super::FieldIndex(NAMES)
                .deserialize(BytesDeserializer::<Error>::new(b))
                .map_err(|e| e.to_string())
        };
        assert_eq!(by_bytes(b"bb"), Ok(1));
        assert_eq!(
            by_bytes(b"x"),
            Err("unknown field `x`, expected one of `a`, `bb`, `c`".to_string())
        );
    }
}
