//! Enums whose variants have names in configs and reports, declared once.

/// Declares a fieldless enum whose variants each have one name, written once next to the
/// variant and used for everything: serde (`#[serde(rename)]`, so configs, reports and the
/// JSON Schema), `id()` (tables, the playground's selects) and `ALL` (every variant, in
/// declaration order: the order the UI lists them). Without it the names were written twice
/// (a `rename_all` and an `id()` match) and nothing tied the two.
///
/// `Serialize` is derived (list it); `Deserialize` is not (do not list it): the macro implements
/// it over [`deserialize_variant`], one visitor shared by every named enum. serde's derived
/// visitor is compiled once per enum and deserializer, which made these enums a visible part
/// of the playground's wasm (BENCHMARKS.md, "bundle"); the shared one accepts the same input
/// and gives the same errors.
///
/// ```ignore
/// named_enum! {
///     /// Which rule decides.
///     #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
///     pub enum Decider {
///         /// Every request prefills locally.
///         Never = "never",
///     }
/// }
/// ```
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $id:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $id)]
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order (the order the UI lists them).
            pub const ALL: [Self; [$($id),+].len()] = [$(Self::$variant),+];

            /// The name used in configs and reports (the serde name).
            pub fn id(self) -> &'static str {
                match self {
                    $(Self::$variant => $id,)+
                }
            }

            /// The variant named `id`, if any.
            pub fn from_id(id: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.id() == id)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const IDS: &[&str] = &[$($id),+];
                $crate::names::deserialize_variant(deserializer, stringify!($name), IDS)
                    .map(|i| Self::ALL[i])
            }
        }
    };
}

pub(crate) use named_enum;

/// The index in `ids` of the unit variant a deserializer holds, for the enum `name`: what
/// serde's derived `Deserialize` of a fieldless enum does (a variant's name, or its index in
/// binary formats; the same messages for an unknown name or a wrong type), written once.
pub(crate) fn deserialize_variant<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    name: &'static str,
    ids: &'static [&'static str],
) -> Result<usize, D::Error> {
    deserializer.deserialize_enum(name, ids, EnumVisitor { name, ids })
}

/// Visits the enum `name` (the derived visitor's `expecting` is "enum NAME").
struct EnumVisitor {
    name: &'static str,
    ids: &'static [&'static str],
}

impl<'de> serde::de::Visitor<'de> for EnumVisitor {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "enum {}", self.name)
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
        let (index, variant) = data.variant_seed(VariantIndex(self.ids))?;
        serde::de::VariantAccess::unit_variant(variant)?;
        Ok(index)
    }
}

/// A variant's identifier: its name (text or bytes) or its index.
struct VariantIndex(&'static [&'static str]);

impl<'de> serde::de::DeserializeSeed<'de> for VariantIndex {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl serde::de::Visitor<'_> for VariantIndex {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_u64<E: serde::de::Error>(self, index: u64) -> Result<usize, E> {
        match usize::try_from(index) {
            Ok(i) if i < self.0.len() => Ok(i),
            _ => Err(E::invalid_value(
                serde::de::Unexpected::Unsigned(index),
                &IndexBelow(self.0.len()),
            )),
        }
    }

    fn visit_str<E: serde::de::Error>(self, id: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|v| *v == id)
            .ok_or_else(|| E::unknown_variant(id, self.0))
    }

    fn visit_bytes<E: serde::de::Error>(self, id: &[u8]) -> Result<usize, E> {
        match self.0.iter().position(|v| v.as_bytes() == id) {
            Some(i) => Ok(i),
            None => Err(E::unknown_variant(&String::from_utf8_lossy(id), self.0)),
        }
    }
}

/// What a variant index must be ("variant index 0 <= i < N", as serde's derive says).
struct IndexBelow(usize);

impl serde::de::Expected for IndexBelow {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "variant index 0 <= i < {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::arch::Dtype;
    use crate::config::{
        ArrivalProcess, Decider, DistKind, LengthDist, Percentiles, ReservationPolicy,
        RoutingPolicy,
    };
    use crate::report::{DropReason, PercentileMethod, Role};

    /// `id()` and serde agree by construction; this checks the construction (a serde
    /// attribute added to one of these enums, such as `rename_all`, could still override it).
    fn ids_are_serde_names<T>(all: &[T], id: impl Fn(&T) -> &'static str)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for v in all {
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{}\"", id(v)));
            assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), v);
        }
    }

    #[test]
    fn every_named_enum_serializes_as_its_id() {
        ids_are_serde_names(&Dtype::ALL, |v| v.id());
        ids_are_serde_names(&ArrivalProcess::ALL, |v| v.id());
        ids_are_serde_names(&ReservationPolicy::ALL, |v| v.id());
        ids_are_serde_names(&Percentiles::ALL, |v| v.id());
        ids_are_serde_names(&DistKind::ALL, |v| v.id());
        ids_are_serde_names(&Decider::ALL, |v| v.id());
        ids_are_serde_names(&RoutingPolicy::ALL, |v| v.id());
        ids_are_serde_names(&Role::ALL, |v| v.id());
        ids_are_serde_names(&DropReason::ALL, |v| v.id());
        ids_are_serde_names(&PercentileMethod::ALL, |v| v.id());
        assert_eq!(
            Decider::from_id("prefix-threshold"),
            Some(Decider::PrefixThreshold)
        );
        assert_eq!(Decider::from_id("prefix_threshold"), None);
    }

    /// serde's derived `Deserialize` of the same variants, which the shared one replaces.
    #[derive(serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum DerivedDecider {
        #[serde(rename = "never")]
        Never,
        #[serde(rename = "always")]
        Always,
        #[serde(rename = "prefix-threshold")]
        PrefixThreshold,
        #[serde(rename = "length-threshold")]
        LengthThreshold,
        #[serde(rename = "conditional")]
        Conditional,
    }

    fn derived_id(d: DerivedDecider) -> &'static str {
        Decider::ALL[d as usize].id()
    }

    /// Both deserializations of one input, as text: the variant's id or the error message.
    fn both<'de, D: serde::Deserializer<'de> + Clone>(d: D) -> (String, String)
    where
        D::Error: std::fmt::Display,
    {
        use serde::Deserialize;
        let shared = Decider::deserialize(d.clone()).map(Decider::id);
        let derived = DerivedDecider::deserialize(d).map(derived_id);
        let text = |r: Result<&str, D::Error>| match r {
            Ok(id) => format!("ok {id}"),
            Err(e) => format!("error {e}"),
        };
        (text(shared), text(derived))
    }

    #[test]
    fn the_shared_deserialize_accepts_and_rejects_what_serde_derives() {
        let inputs = [
            r#""never""#,
            r#""prefix-threshold""#,
            r#""prefix_threshold""#,
            r#""""#,
            "3",
            "null",
            "true",
            r#"{"always": null}"#,
            r#"{"always": 1}"#,
            r#"{"sometimes": null}"#,
            r#"["never"]"#,
        ];
        for json in inputs {
            // Text, the JSON value tree, and the path-tracking reader configs go through.
            let mut shared = serde_json::Deserializer::from_str(json);
            let mut derived = serde_json::Deserializer::from_str(json);
            let a = serde::Deserialize::deserialize(&mut shared).map(Decider::id);
            let b: Result<DerivedDecider, _> = serde::Deserialize::deserialize(&mut derived);
            assert_eq!(
                format!("{:?}", a.map_err(|e| e.to_string())),
                format!("{:?}", b.map(derived_id).map_err(|e| e.to_string())),
                "{json}"
            );
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            let (a, b) = both(&value);
            assert_eq!(a, b, "{json} as a value");
            let a = serde_path_to_error::deserialize::<_, Decider>(
                &mut serde_json::Deserializer::from_str(json),
            )
            .map(Decider::id);
            let b = serde_path_to_error::deserialize::<_, DerivedDecider>(
                &mut serde_json::Deserializer::from_str(json),
            )
            .map(derived_id);
            assert_eq!(
                format!("{:?}", a.map_err(|e| e.to_string())),
                format!("{:?}", b.map_err(|e| e.to_string())),
                "{json} with its path"
            );
        }
        // As map keys (`dropped_by_reason`; a map of `Role`s here, which are `Ord`), and by
        // index (binary formats: the worker's messages).
        #[derive(serde::Deserialize, Debug, PartialEq, Eq, PartialOrd, Ord)]
        enum DerivedRole {
            #[serde(rename = "unified")]
            Unified,
            #[serde(rename = "prefill")]
            Prefill,
            #[serde(rename = "decode")]
            Decode,
        }
        type Shared = std::collections::BTreeMap<Role, u32>;
        type Derived = std::collections::BTreeMap<DerivedRole, u32>;
        let keys = r#"{"decode": 1, "unified": 2}"#;
        let a: Shared = serde_json::from_str(keys).unwrap();
        let b: Derived = serde_json::from_str(keys).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let bad = r#"{"decod": 1}"#;
        assert_eq!(
            serde_json::from_str::<Shared>(bad).unwrap_err().to_string(),
            serde_json::from_str::<Derived>(bad)
                .unwrap_err()
                .to_string()
        );
        for index in [0u32, 2, 4, 5, 9] {
            let d =
                serde::de::IntoDeserializer::<serde::de::value::Error>::into_deserializer(index);
            let (a, b) = both(d);
            assert_eq!(a, b, "index {index}");
        }
        assert_eq!(
            serde_json::from_str::<Decider>(r#""sometimes""#)
                .unwrap_err()
                .to_string(),
            "unknown variant `sometimes`, expected one of `never`, `always`, \
             `prefix-threshold`, `length-threshold`, `conditional` at line 1 column 11"
        );
    }

    #[test]
    fn a_length_distribution_is_tagged_with_its_kind() {
        for dist in [
            LengthDist::Constant { value: 3 },
            LengthDist::Uniform { min: 1, max: 2 },
            LengthDist::Normal {
                mean: 5.0,
                std: 1.0,
                min: None,
                max: None,
            },
            LengthDist::Lognormal {
                mean: 5.0,
                std: 1.0,
                min: None,
                max: None,
            },
        ] {
            let json = serde_json::to_value(&dist).unwrap();
            assert_eq!(json["dist"], dist.kind().id());
        }
    }
}
