//! The playground's share links (`#v=1&c=<settings>`): `c` is the base64url (no padding) of
//! the JSON of only the fields that differ from [`Config::default()`]. The playground, the CLI
//! and the Python package all read and write them here.

use serde_json::Value;

use crate::config::Config;
use crate::config_json::{diff, merge_onto};
use crate::error::Error;

/// The version of the share-link format that this crate writes and reads (`v=1`).
pub const SHARE_VERSION: &str = "1";

/// Why a share link or its `c` value gives no config.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShareError {
    /// The link is not a share link of this format (no `#` part, another version).
    #[error("{0}")]
    Link(String),
    /// The settings cannot be decoded (not base64url, not UTF-8, not a JSON object).
    #[error("the settings are damaged ({0})")]
    Damaged(String),
    /// The settings decode, but the config they give is not valid; the error names the field.
    #[error("the settings are not valid: {0}")]
    Invalid(Error),
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 4648, section 5).
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Decodes base64url (padding and the standard alphabet's `+/` accepted too); the error
/// names the first character that is not base64url, counted from 1.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0_u32;
    let mut bits = 0;
    for (i, c) in text.trim_end_matches('=').bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return Err(format!("character {} is not base64url", i + 1)),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("truncated base64url".into());
    }
    Ok(out)
}

/// The `c` value of a share link of `config` (`None` for the default config, whose link
/// has no `c`). A replayed trace is data, not settings: it is left out.
pub fn share_value(config: &Config) -> Option<String> {
    let mut config = config.clone();
    config.workload.trace = None;
    let value = serde_json::to_value(&config).ok()?;
    let default = serde_json::to_value(Config::default()).ok()?;
    let part = diff(&default, &value)?;
    Some(base64url_encode(part.to_string().as_bytes()))
}

/// The config of a share link's `c` value, validated.
pub fn config_of_share_value(c: &str) -> Result<Config, ShareError> {
    let bytes = base64url_decode(c).map_err(ShareError::Damaged)?;
    let text = String::from_utf8(bytes).map_err(|_| ShareError::Damaged("not UTF-8".into()))?;
    let given: Value =
        serde_json::from_str(&text).map_err(|e| ShareError::Damaged(format!("not JSON: {e}")))?;
    if !given.is_object() {
        return Err(ShareError::Damaged("not a JSON object".into()));
    }
    let mut merged = serde_json::to_value(Config::default())
        .map_err(|e| ShareError::Invalid(Error::invalid("", e)))?;
    merge_onto(&mut merged, given);
    let text = merged.to_string();
    // Plain serde from text, not the path-tracking parser of `Config::from_value`: this is
    // the parser the playground's page already has (the other would add about 100 KB to
    // it, see `sweep::with_field`). The text is one line: the field is the last key before
    // the error's column.
    let config: Config = serde_json::from_str(&text).map_err(|e| {
        let head = text.get(..e.column().min(text.len())).unwrap_or_default();
        let key = head
            .rfind("\":")
            .and_then(|end| head.get(..end))
            .and_then(|h| h.rfind('"').map(|start| &h[start + 1..]));
        ShareError::Invalid(Error::Parse {
            field: key.unwrap_or_default().to_string(),
            message: e.to_string(),
        })
    })?;
    crate::validate::validate(&config).map_err(ShareError::Invalid)?;
    Ok(config)
}

/// The config of a whole share link (`https://.../#v=1&c=...`; other parameters, such as
/// the embed options, are ignored). A link of version 1 without `c` (or with an empty one)
/// is the default config.
pub fn config_of_share_url(url: &str) -> Result<Config, ShareError> {
    let Some((_, fragment)) = url.split_once('#') else {
        return Err(ShareError::Link(
            "not a share link: it has no #v=1&c=... part".into(),
        ));
    };
    let param = |key: &str| {
        fragment
            .split('&')
            .find_map(|p| p.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
    };
    match (param("v"), param("c")) {
        (Some(v), _) if v != SHARE_VERSION => Err(ShareError::Link(format!(
            "its version is v={v}, and this version of pdsim reads v={SHARE_VERSION}"
        ))),
        (None, Some(_)) => Err(ShareError::Link(
            "it has settings but no version (v=1)".into(),
        )),
        (None, None) => Err(ShareError::Link(
            "not a share link: its # part has no v=1".into(),
        )),
        (Some(_), None | Some("")) => Ok(Config::default()),
        (Some(_), Some(c)) => config_of_share_value(c),
    }
}

/// The share link of `config` on the playground at `base` (its address without `#`), e.g.
/// `https://pdsim.github.io/pdsim/#v=1&c=eyJzZWVkIjo3fQ`.
pub fn share_url(base: &str, config: &Config) -> String {
    let base = base.split('#').next().unwrap_or_default();
    match share_value(config) {
        Some(c) => format!("{base}#v={SHARE_VERSION}&c={c}"),
        None => format!("{base}#v={SHARE_VERSION}"),
    }
}
