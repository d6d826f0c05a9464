//! One config object's fields, read with the path that names them in errors.

use serde_json::{Map, Value};

use crate::error::Error;

/// The fields of one config object, with the path that names them in errors, and the
/// sub-objects some families keep part of their sizes in (DBRX's `attn_config` and
/// `ffn_config`), searched after it.
pub(crate) struct Fields<'a> {
    pub(super) map: &'a Map<String, Value>,
    pub(super) prefix: String,
    pub(super) nested: Vec<Fields<'a>>,
}

impl<'a> Fields<'a> {
    pub(super) fn new(map: &'a Map<String, Value>, prefix: String) -> Self {
        Fields {
            map,
            prefix,
            nested: Vec::new(),
        }
    }

    pub(super) fn field(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The first of `names` present (and not null) here or in a nested object, with its
    /// path.
    pub(super) fn first(&self, names: &[&'static str]) -> Option<(String, &Value)> {
        names
            .iter()
            .find_map(|&n| {
                self.map
                    .get(n)
                    .filter(|v| !v.is_null())
                    .map(|v| (self.field(n), v))
            })
            .or_else(|| self.nested.iter().find_map(|f| f.first(names)))
    }

    /// A per-layer list whose entries are all equal reads as that value (HunYuan writes
    /// `moe_topk: [8, 8, ...]`); one whose entries differ is refused.
    fn uniform<'v>(path: &str, v: &'v Value) -> Result<&'v Value, Error> {
        match v {
            Value::Array(items) => match items.split_first() {
                Some((first, rest)) if rest.iter().all(|x| x == first) => Ok(first),
                _ => Err(Error::invalid(
                    path,
                    format!(
                        "per-layer values that differ are not modelled; give one value, got {v}"
                    ),
                )),
            },
            _ => Ok(v),
        }
    }

    fn as_u32_at(path: &str, v: &Value) -> Result<u32, Error> {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| Error::invalid(path, format!("must be a non-negative integer, got {v}")))
    }

    pub(super) fn as_u32(&self, name: &str, v: &Value) -> Result<u32, Error> {
        Self::as_u32_at(&self.field(name), v)
    }

    /// A size that must be positive when given.
    pub(super) fn positive(&self, names: &[&'static str]) -> Result<Option<u32>, Error> {
        match self.first(names) {
            None => Ok(None),
            Some((path, v)) => match Self::uniform(&path, v)?
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
            {
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(Error::invalid(
                    path,
                    format!("must be a positive integer, got {v}"),
                )),
            },
        }
    }

    /// A count where 0 (or absence) means none.
    pub(super) fn count(&self, names: &[&'static str]) -> Result<Option<u32>, Error> {
        match self.first(names) {
            None => Ok(None),
            Some((path, v)) => {
                Ok(Some(Self::as_u32_at(&path, Self::uniform(&path, v)?)?).filter(|&n| n > 0))
            }
        }
    }

    /// A layer index (0 is the first layer, not "none").
    pub(super) fn index(&self, name: &'static str) -> Result<Option<u32>, Error> {
        match self.first(&[name]) {
            None => Ok(None),
            Some((path, v)) => Self::as_u32_at(&path, v).map(Some),
        }
    }

    /// A layer index where a negative value means "the last layer" (ERNIE's
    /// `moe_layer_end_index: -1`).
    pub(super) fn index_or_last(&self, name: &'static str) -> Result<Option<u32>, Error> {
        match self.first(&[name]) {
            None => Ok(None),
            Some((_, v)) if v.as_i64().is_some_and(|n| n < 0) => Ok(None),
            Some((path, v)) => Self::as_u32_at(&path, v).map(Some),
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
    pub(super) fn object(&self, name: &str) -> Option<Fields<'a>> {
        self.map
            .get(name)
            .and_then(Value::as_object)
            .map(|map| Fields::new(map, format!("{}{name}.", self.prefix)))
    }
}
