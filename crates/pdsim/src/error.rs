//! Errors a person can act on: each names the field and what is allowed.

use std::fmt;

/// Why a config could not be parsed, validated or run. Every variant names the field it is
/// about ([`Error::field`]); more variants may come, so match with a wildcard arm.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The JSON does not match the config's shape.
    #[error("{}", with_field(field, message))]
    Parse {
        /// Path of the offending field (`workload.arrival.rate_per_s`), empty for the root.
        field: String,
        /// What was wrong.
        message: String,
    },
    /// A value is out of its allowed range, or the combination is impossible.
    #[error("{field}: {message}")]
    Invalid {
        /// Path of the offending field.
        field: String,
        /// What is allowed.
        message: String,
    },
    /// The run hit one of `limits` and was stopped.
    #[error("{field}: {message}")]
    Limit {
        /// Path of the limit (`limits.max_events`).
        field: String,
        /// What happened and how to raise the limit.
        message: String,
    },
}

fn with_field(field: &str, message: &str) -> String {
    if field.is_empty() {
        message.to_owned()
    } else {
        format!("{field}: {message}")
    }
}

impl Error {
    /// An [`Error::Invalid`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// The path of the field the error is about (empty for the config as a whole).
    pub fn field(&self) -> &str {
        match self {
            Self::Parse { field, .. } | Self::Invalid { field, .. } | Self::Limit { field, .. } => {
                field
            }
        }
    }
}
