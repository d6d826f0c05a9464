//! Enums whose variants have names in configs and reports, declared once.

/// Declares a fieldless enum whose variants each have one name, written once next to the
/// variant and used for everything: serde (`#[serde(rename)]`, so configs, reports and the
/// JSON Schema), `id()` (tables, the playground's selects) and `ALL` (every variant, in
/// declaration order: the order the UI lists them). Without it the names were written twice
/// (a `rename_all` and an `id()` match) and nothing tied the two.
///
/// ```ignore
/// named_enum! {
///     /// Which rule decides.
///     #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    };
}

pub(crate) use named_enum;

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
