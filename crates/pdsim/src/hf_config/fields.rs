//! One config object's fields, read with the path that names them in errors.

use serde_json::{Map, Value};

use crate::error::Error;

/// The fields of one config object, with the path that names them in errors.
pub(crate) struct Fields<'a> {
    pub(super) map: &'a Map<String, Value>,
    pub(super) prefix: String,
}

impl Fields<'_> {
    pub(super) fn field(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The first of `names` present (and not null), with its name.
    pub(super) fn first(&self, names: &[&'static str]) -> Option<(&'static str, &Value)> {
        names
            .iter()
            .find_map(|&n| self.map.get(n).filter(|v| !v.is_null()).map(|v| (n, v)))
    }

    pub(super) fn as_u32(&self, name: &str, v: &Value) -> Result<u32, Error> {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                Error::invalid(
                    self.field(name),
                    format!("must be a non-negative integer, got {v}"),
                )
            })
    }

    /// A size that must be positive when given.
    pub(super) fn positive(&self, names: &[&'static str]) -> Result<Option<u32>, Error> {
        match self.first(names) {
            None => Ok(None),
            Some((name, v)) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(Error::invalid(
                    self.field(name),
                    format!("must be a positive integer, got {v}"),
                )),
            },
        }
    }

    /// A count where 0 (or absence) means none.
    pub(super) fn count(&self, names: &[&'static str]) -> Result<Option<u32>, Error> {
        match self.first(names) {
            None => Ok(None),
            Some((name, v)) => Ok(Some(self.as_u32(name, v)?).filter(|&n| n > 0)),
        }
    }

    pub(super) fn require(&self, names: &[&'static str], architecture: &str) -> Result<u32, Error> {
        self.positive(names)?.ok_or_else(|| {
            Error::invalid(
                self.field(names[0]),
                format!("is missing; {architecture} configs need it"),
            )
        })
    }

    pub(super) fn flag(&self, name: &str, default: bool) -> Result<bool, Error> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(Error::invalid(
                self.field(name),
                format!("must be true or false, got {v}"),
            )),
        }
    }

    /// A list of non-negative integers (`moe_layer_freq`, `no_rope_layers`, ...).
    pub(super) fn u32_list(&self, name: &str) -> Result<Option<Vec<u32>>, Error> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| self.as_u32(&format!("{name}[{i}]"), v))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(Error::invalid(
                self.field(name),
                format!("must be a list of integers, got {v}"),
            )),
        }
    }

    /// A nested object (`sparse_attention_config`), with its own path.
    pub(super) fn object(&self, name: &str) -> Option<Fields<'_>> {
        self.map
            .get(name)
            .and_then(Value::as_object)
            .map(|map| Fields {
                map,
                prefix: format!("{}{name}.", self.prefix),
            })
    }
}
