//! Replayed traces: the formats they are read from (pdsim's own records and Mooncake-style
//! block-hash lines), the one check of their records, and the requests they make.

use crate::config::TraceRecord;
use crate::prefix::{PrefixTree, Prompt};
use crate::time::Nanos;

use super::spec::{RequestSpec, MAX_TOKENS};

/// The requests a trace's records make: which arrive at their time, in time order, and
/// which follow the previous record of their session.
pub(super) fn trace_order(records: &[TraceRecord]) -> (Vec<u32>, Vec<Option<u32>>) {
    let mut follower = vec![None; records.len()];
    let mut last_of_session: std::collections::BTreeMap<u32, u32> = Default::default();
    let mut open = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let previous = r.session.and_then(|s| last_of_session.insert(s, i as u32));
        match (previous, r.delay_ms) {
            (Some(p), Some(_)) => follower[p as usize] = Some(i as u32),
            _ => open.push(i as u32),
        }
    }
    // A stable sort keeps equal times in file order.
    crate::sorting::sort_by(&mut open, |&a, &b| {
        records[a as usize]
            .arrival_ms
            .total_cmp(&records[b as usize].arrival_ms)
    });
    (open, follower)
}

/// The request of trace record `index`, arriving at `arrival`; its unshared tokens are
/// the record's own (`salt` is the record index).
pub(super) fn trace_spec(
    record: &TraceRecord,
    index: u32,
    id: u64,
    arrival: Nanos,
    default_prefix_tokens: u32,
) -> RequestSpec {
    let (group, shared_tokens) = match record.prefix_group {
        Some(g) => (
            Some(g),
            record
                .prefix_tokens
                .unwrap_or(default_prefix_tokens)
                .min(record.input_tokens),
        ),
        None => (None, 0),
    };
    RequestSpec {
        id,
        arrival,
        prompt: Prompt {
            group,
            shared_tokens,
            salt: u64::from(index),
            len: record.input_tokens.max(1),
        },
        output_tokens: record.output_tokens.max(1),
    }
}

/// A trace line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLineError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// Tokens per `hash_ids` block of block-hash traces unless a config says otherwise
/// (Mooncake's).
pub const TRACE_BLOCK_TOKENS: u32 = 512;

/// Parses a JSON Lines trace, pdsim's own format or block-hash records (see
/// [`parse_trace_jsonl_blocks`]), with blocks of [`TRACE_BLOCK_TOKENS`] tokens.
pub fn parse_trace_jsonl(text: &str) -> (Vec<TraceRecord>, Vec<TraceLineError>) {
    parse_trace_jsonl_blocks(text, TRACE_BLOCK_TOKENS)
}

/// One line of a block-hash trace (Mooncake's format, as Dynamo replays it).
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HashRecord {
    /// Optional on a session's follow-up turn with a delay (as AIPerf reads these traces).
    #[serde(default)]
    timestamp: Option<f64>,
    input_length: u32,
    output_length: u32,
    hash_ids: Vec<u64>,
    #[serde(default)]
    session_id: Option<SessionKey>,
    #[serde(default)]
    delay: Option<f64>,
    #[serde(default)]
    delay_ms: Option<f64>,
}

/// A trace's session id, a string or a number (or a boolean); `1` and `"1"` differ.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum SessionKey {
    Unsigned(u64),
    Signed(i64),
    /// The bits of a float.
    Float(u64),
    Bool(bool),
    Text(String),
}

impl std::fmt::Display for SessionKey {
    /// As the id appears in JSON.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsigned(n) => write!(f, "{n}"),
            Self::Signed(n) => write!(f, "{n}"),
            Self::Float(bits) => write!(f, "{:?}", f64::from_bits(*bits)),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Text(s) => write!(f, "{s:?}"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for SessionKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SessionKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_u64<E>(self, v: u64) -> Result<SessionKey, E> {
                Ok(SessionKey::Unsigned(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<SessionKey, E> {
                Ok(SessionKey::Signed(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<SessionKey, E> {
                Ok(SessionKey::Float(v.to_bits()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<SessionKey, E> {
                Ok(SessionKey::Bool(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<SessionKey, E> {
                Ok(SessionKey::Text(v.to_owned()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Parses a JSON Lines trace. Blank lines are skipped; bad lines are reported with their
/// line number and field, and a trace with any bad line gives no records (it is refused
/// whole, by the CLI and the playground alike).
///
/// The format is detected from the first record: pdsim's own (`arrival_ms`,
/// `input_tokens`, `output_tokens`, optional `prefix_group`, `prefix_tokens`,
/// `prefix_parent` and `prefix_parent_tokens`), or block-hash records `{"timestamp": ms,
/// "input_length": n, "output_length": n, "hash_ids": [...]}` whose `hash_ids` list the
/// prompt's blocks of `block_tokens` tokens (the last one possibly partial): equal leading
/// ids are a shared prefix. Block-hash records become pdsim records whose prefix groups
/// (nested where shared prefixes branch into others, see docs/MODEL.md, Traces)
/// give every pair of prompts exactly their common leading blocks.
pub fn parse_trace_jsonl_blocks(
    text: &str,
    block_tokens: u32,
) -> (Vec<TraceRecord>, Vec<TraceLineError>) {
    let first = text.lines().find(|l| !l.trim().is_empty());
    let is_hash = first
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .is_some_and(|v| v.get("hash_ids").is_some() || v.get("timestamp").is_some());
    if is_hash {
        parse_hash_trace(text, block_tokens.max(1))
    } else {
        parse_pdsim_trace(text)
    }
}

/// What a block-hash line leaves once read: its values and where its path ends in the trie.
struct HashLine {
    timestamp: f64,
    input_length: u32,
    output_length: u32,
    session: Option<u32>,
    delay: Option<f64>,
    /// The trie node of its last block.
    end: u32,
}

/// The trie of the lines' blocks: node 0 is the root, node `n` has a parent, a depth (its
/// block count) and the number of lines whose path passes it.
struct BlockTrie {
    children: rustc_hash::FxHashMap<(u32, u64), u32>,
    parent: Vec<u32>,
    depth: Vec<u32>,
    count: Vec<u32>,
}

impl BlockTrie {
    fn new() -> Self {
        Self {
            children: rustc_hash::FxHashMap::default(),
            parent: vec![0],
            depth: vec![0],
            count: vec![0],
        }
    }

    /// Adds a line's path; returns its last node.
    fn insert(&mut self, hash_ids: &[u64]) -> u32 {
        let mut node = 0;
        for &h in hash_ids {
            let next = self.parent.len() as u32;
            let child = *self.children.entry((node, h)).or_insert(next);
            if child == next {
                self.parent.push(node);
                self.depth.push(self.depth[node as usize] + 1);
                self.count.push(0);
            }
            self.count[child as usize] += 1;
            node = child;
        }
        node
    }

    /// The prefix groups of the shared nodes (passed by two or more lines): a chain of
    /// shared nodes is one group, and a new group starts only where shared paths branch (a
    /// node's first shared child continues its group, any later one branches off it).
    /// Returns, per node, its group (`u32::MAX` if unshared), and per group its parent and
    /// branch block, if nested.
    fn groups(&self) -> (Vec<u32>, Vec<Option<(u32, u32)>>) {
        let n = self.parent.len();
        let mut group = vec![u32::MAX; n];
        let mut continued = vec![false; n];
        let mut groups = Vec::new();
        // Parents come before their children in node order.
        for t in 1..n {
            if self.count[t] < 2 {
                continue;
            }
            let p = self.parent[t] as usize;
            if p != 0 && !continued[p] {
                continued[p] = true;
                group[t] = group[p];
            } else {
                group[t] = groups.len() as u32;
                groups.push((p != 0).then(|| (group[p], self.depth[p])));
            }
        }
        (group, groups)
    }
}

/// Reads a block-hash line in its plain form (the fields each once, numbers without
/// exponents or signs, strings without escapes) into `record`, reusing its `hash_ids`; false
/// for anything else, which serde then reads (and names the field of, if it is wrong). The
/// values are the ones serde gives: integers as they are, and a decimal number is its
/// digits divided by a power of ten, both exact, so the one rounding is the correct one
/// (the fast path takes no number serde would round differently).
fn read_plain_hash_line(line: &str, record: &mut HashRecord) -> bool {
    let mut s = Scanner {
        bytes: line.as_bytes(),
        at: 0,
    };
    let mut seen = 0u8;
    const KEYS: [&[u8]; 7] = [
        b"timestamp\"",
        b"input_length\"",
        b"output_length\"",
        b"hash_ids\"",
        b"session_id\"",
        b"delay\"",
        b"delay_ms\"",
    ];
    let mut field = |s: &mut Scanner<'_>, record: &mut HashRecord| -> Option<()> {
        let bit = match s.key(&KEYS)? {
            0 => {
                record.timestamp = Some(s.decimal()?);
                1
            }
            1 => {
                record.input_length = u32::try_from(s.integer()?).ok()?;
                2
            }
            2 => {
                record.output_length = u32::try_from(s.integer()?).ok()?;
                4
            }
            3 => {
                record.hash_ids.clear();
                s.expect(b'[')?;
                if !s.next_is(b']') {
                    loop {
                        record.hash_ids.push(s.integer()?);
                        if !s.next_is(b',') {
                            break;
                        }
                    }
                    s.expect(b']')?;
                }
                8
            }
            4 => {
                record.session_id = Some(if s.peek()? == b'"' {
                    SessionKey::Text(s.string()?.to_owned())
                } else {
                    SessionKey::Unsigned(s.integer()?)
                });
                16
            }
            5 => {
                record.delay = Some(s.decimal()?);
                32
            }
            6 => {
                record.delay_ms = Some(s.decimal()?);
                64
            }
            _ => return None,
        };
        // A field given twice is serde's error to report.
        (seen & bit == 0).then(|| seen |= bit)
    };
    record.timestamp = None;
    record.session_id = None;
    record.delay = None;
    record.delay_ms = None;
    let read = (|| {
        s.expect(b'{')?;
        loop {
            field(&mut s, record)?;
            if !s.next_is(b',') {
                break;
            }
        }
        s.expect(b'}')?;
        s.end()
    })();
    // The three required fields (a follow-up turn may leave out its timestamp).
    read.is_some() && seen & 14 == 14
}

/// The bytes of one JSON line, read from `at`.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after any space.
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    /// Takes `c` if it is next.
    fn next_is(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.next_is(c).then_some(())
    }

    /// Nothing but space is left.
    fn end(&mut self) -> Option<()> {
        (self.peek().is_none()).then_some(())
    }

    /// The bytes of a string up to its closing quote, if it has no escape.
    fn raw_string(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let rest = &self.bytes[self.at..];
        let len = rest.iter().position(|&c| c == b'"' || c == b'\\')?;
        if rest[len] != b'"' {
            return None;
        }
        self.at += len + 1;
        Some(&rest[..len])
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        let raw = self.raw_string()?;
        if raw.iter().any(|&c| c < 0x20) {
            return None;
        }
        std::str::from_utf8(raw).ok()
    }

    /// A known object key (its index in `keys`, each given with its closing quote, told
    /// apart by their first byte and length) and its colon.
    fn key(&mut self, keys: &[&[u8]]) -> Option<usize> {
        self.expect(b'"')?;
        let rest = &self.bytes[self.at..];
        let first = *rest.first()?;
        let k = keys
            .iter()
            .position(|k| k[0] == first && rest.starts_with(k))?;
        self.at += keys[k].len();
        self.expect(b':')?;
        Some(k)
    }

    /// Digits (no sign, no leading zero), with the count; None on overflow.
    fn digits(&mut self) -> Option<(u64, u32)> {
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(&c) = self.bytes.get(self.at) {
            if !c.is_ascii_digit() {
                break;
            }
            value = value.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            self.at += 1;
        }
        let count = (self.at - start) as u32;
        Some((value, count))
    }

    /// A non-negative integer.
    fn integer(&mut self) -> Option<u64> {
        self.skip_space();
        let first = *self.bytes.get(self.at)?;
        let (value, count) = self.digits()?;
        // JSON has no leading zeros; a fraction or an exponent makes it no integer.
        if count == 0 || (first == b'0' && count > 1) {
            return None;
        }
        match self.bytes.get(self.at) {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(value),
        }
    }

    /// A non-negative number without exponent, with at most 6 decimals and a significand
    /// up to 2^53: exact as an integer over a power of ten.
    fn decimal(&mut self) -> Option<f64> {
        const POW10: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
        self.skip_space();
        let first = *self.bytes.get(self.at)?;
        let (whole, count) = self.digits()?;
        if count == 0 || (first == b'0' && count > 1) {
            return None;
        }
        let (mut significand, mut scale) = (whole, 1);
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            let (fraction, n) = self.digits()?;
            scale = *POW10.get(n as usize).filter(|_| n > 0)?;
            significand = significand.checked_mul(scale)?.checked_add(fraction)?;
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) || significand > 1 << 53 {
            return None;
        }
        Some(significand as f64 / scale as f64)
    }
}

/// The message for a block-hash line serde refused, naming the field where it can.
fn hash_line_error(line: &str) -> String {
    // serde's position is within the line; the line number is given already.
    fn without_position(message: &str) -> &str {
        message
            .rfind(" at line ")
            .map_or(message, |at| &message[..at])
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let err = match serde_path_to_error::deserialize::<_, HashRecord>(&mut de) {
        Ok(_) => {
            return de.end().map_or_else(
                |e| without_position(&e.to_string()).to_owned(),
                |()| "not a block-hash record".into(),
            )
        }
        Err(err) => err,
    };
    let path = err.path().to_string();
    let inner = err.inner().to_string();
    let inner = without_position(&inner);
    if path == "." {
        inner.to_owned()
    } else {
        format!("{path}: {inner}")
    }
}

fn parse_hash_trace(text: &str, block_tokens: u32) -> (Vec<TraceRecord>, Vec<TraceLineError>) {
    let mut errors = Vec::new();
    // About 150 bytes a line: one allocation in the common case.
    let mut lines: Vec<HashLine> = Vec::with_capacity(text.len() / 128);
    let mut trie = BlockTrie::new();
    // The line being read; its `hash_ids` buffer is reused from line to line.
    let mut record = HashRecord::default();
    // Sessions numbered in order of first appearance, with the arrival of the last turn
    // that arrives at its timestamp.
    let mut sessions: rustc_hash::FxHashMap<SessionKey, (u32, f64)> = Default::default();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        if !read_plain_hash_line(line, &mut record) {
            record = match serde_json::from_str(line) {
                Ok(r) => r,
                Err(_) => {
                    // Read again, slowly, for the failing field's path.
                    errors.push(TraceLineError {
                        line: line_no,
                        message: hash_line_error(line),
                    });
                    continue;
                }
            };
        }
        if let Err(message) = check_hash_record(&record, block_tokens) {
            errors.push(TraceLineError {
                line: line_no,
                message,
            });
            continue;
        }
        let delay = record.delay.or(record.delay_ms);
        let mut refuse = |message: String| {
            errors.push(TraceLineError {
                line: line_no,
                message,
            });
        };
        if let (Some(t), Some(_)) = (record.timestamp, delay) {
            let field = if record.delay.is_some() {
                "delay"
            } else {
                "delay_ms"
            };
            refuse(format!(
                "{field}: given with a timestamp ({t}); a turn with a delay arrives that many ms \
                 after the previous turn of its session ends, a turn with a timestamp at that \
                 time: give one of them"
            ));
            continue;
        }
        let missing = || {
            "timestamp: missing; only a session's follow-up turn with a delay (session_id and \
             delay) may leave it out"
                .to_owned()
        };
        // The arrival of a turn with a timestamp; a delayed turn's record keeps its
        // session's last one (the replay times it from the turn before instead).
        let (session, timestamp) = match record.session_id.take() {
            None => match record.timestamp {
                Some(t) => (None, t),
                None => {
                    refuse(missing());
                    continue;
                }
            },
            Some(key) => match sessions.get_mut(&key) {
                Some(entry) => {
                    match record.timestamp {
                        // A turn that arrives at its timestamp must not precede the last one.
                        Some(t) => {
                            if t < entry.1 {
                                refuse(format!(
                                    "timestamp: {t} is before the previous turn of session {key} \
                                     ({}); the turns of a session must come in order",
                                    entry.1
                                ));
                            }
                            entry.1 = t;
                        }
                        None if delay.is_none() => {
                            refuse(missing());
                            continue;
                        }
                        None => {}
                    }
                    (Some(entry.0), entry.1)
                }
                None => {
                    let Some(t) = record.timestamp else {
                        refuse(format!(
                            "timestamp: missing on the first turn of session {key}; a session's \
                             first turn arrives at its timestamp (a delay counts from the turn \
                             before)"
                        ));
                        continue;
                    };
                    let next = sessions.len() as u32;
                    sessions.insert(key, (next, t));
                    (Some(next), t)
                }
            },
        };
        let end = trie.insert(&record.hash_ids);
        lines.push(HashLine {
            timestamp,
            input_length: record.input_length,
            output_length: record.output_length,
            session,
            delay,
            end,
        });
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let (group_of, groups) = trie.groups();
    let records = lines
        .iter()
        .map(|l| {
            // The deepest shared node of the line's path.
            let mut node = l.end;
            while node != 0 && trie.count[node as usize] < 2 {
                node = trie.parent[node as usize];
            }
            let shared_tokens = (u64::from(trie.depth[node as usize]) * u64::from(block_tokens))
                .min(u64::from(l.input_length)) as u32;
            let group = (node != 0).then(|| group_of[node as usize]);
            let branch = group.and_then(|g| groups[g as usize]);
            TraceRecord {
                arrival_ms: l.timestamp,
                input_tokens: l.input_length,
                output_tokens: l.output_length,
                prefix_group: group,
                prefix_tokens: group.map(|_| shared_tokens),
                prefix_parent: branch.map(|b| b.0),
                prefix_parent_tokens: branch.map(|b| {
                    (u64::from(b.1) * u64::from(block_tokens)).min(u64::from(u32::MAX)) as u32
                }),
                session: l.session,
                delay_ms: l.delay,
            }
        })
        .collect();
    (records, errors)
}

fn check_hash_record(r: &HashRecord, block_tokens: u32) -> Result<(), String> {
    if let Some(t) = r.timestamp.filter(|t| !(t.is_finite() && *t >= 0.0)) {
        return Err(format!(
            "timestamp: must be a finite number of ms >= 0, got {t}"
        ));
    }
    if r.input_length == 0 {
        return Err("input_length: must be at least 1".into());
    }
    if r.output_length == 0 {
        return Err("output_length: must be at least 1".into());
    }
    let blocks = u64::from(r.input_length).div_ceil(u64::from(block_tokens));
    if r.hash_ids.len() as u64 != blocks {
        return Err(format!(
            "hash_ids: {} blocks for input_length {} (blocks of {block_tokens} tokens, workload.trace_block_tokens): expected {blocks}",
            r.hash_ids.len(),
            r.input_length
        ));
    }
    match (&r.session_id, r.delay.or(r.delay_ms)) {
        (None, Some(_)) => Err(
            "delay: needs a session_id (a delay counts from the previous \
                                turn of the same session)"
                .into(),
        ),
        (_, Some(d)) if !(d.is_finite() && d >= 0.0) => Err(format!(
            "delay: must be a finite number of ms >= 0, got {d}"
        )),
        _ => Ok(()),
    }
}

fn parse_pdsim_trace(text: &str) -> (Vec<TraceRecord>, Vec<TraceLineError>) {
    let mut records = Vec::new();
    // The line of each record.
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<TraceRecord>(line) {
            Ok(record) => match check_trace_record(&record) {
                Ok(()) => {
                    records.push(record);
                    lines.push(line_no);
                }
                Err(message) => errors.push(TraceLineError {
                    line: line_no,
                    message,
                }),
            },
            Err(err) => errors.push(TraceLineError {
                line: line_no,
                message: err.to_string(),
            }),
        }
    }
    // Nested groups must describe one tree.
    if let Err((i, message)) = PrefixTree::of_trace(&records) {
        errors.push(TraceLineError {
            line: lines[i],
            message,
        });
        crate::sorting::sort_by(&mut errors, |a, b| a.line.cmp(&b.line));
    }
    // A file with a bad line is refused whole (a replay of part of it would be another
    // workload), as block-hash traces are.
    if !errors.is_empty() {
        records.clear();
    }
    (records, errors)
}

/// The one check of a trace's records (a config's `workload.trace`): each record's values
/// ([`check_trace_record`]) and the prefix tree they describe, which it returns; or the
/// first bad record's index and the message, naming the field.
pub(crate) fn check_trace(records: &[TraceRecord]) -> Result<PrefixTree, (usize, String)> {
    for (i, record) in records.iter().enumerate() {
        check_trace_record(record).map_err(|m| (i, m))?;
    }
    PrefixTree::of_trace(records)
}

/// Checks one trace record's values; the message names the field.
pub fn check_trace_record(record: &TraceRecord) -> Result<(), String> {
    if !(record.arrival_ms.is_finite() && record.arrival_ms >= 0.0) {
        return Err(format!(
            "arrival_ms: must be a finite number >= 0, got {}",
            record.arrival_ms
        ));
    }
    if record.input_tokens == 0 {
        return Err("input_tokens: must be at least 1".into());
    }
    if record.output_tokens == 0 {
        return Err("output_tokens: must be at least 1".into());
    }
    if record.input_tokens > MAX_TOKENS || record.output_tokens > MAX_TOKENS {
        return Err(format!("lengths must be at most {MAX_TOKENS} tokens"));
    }
    match (record.session, record.delay_ms) {
        (None, Some(_)) => Err(
            "delay_ms: needs a session (a delay counts from the previous \
                                record of the same session)"
                .into(),
        ),
        (_, Some(d)) if !(d.is_finite() && d >= 0.0) => Err(format!(
            "delay_ms: must be a finite number of ms >= 0, got {d}"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::collect;
    use super::*;
    use crate::config::WorkloadConfig;

    #[test]
    fn block_hash_traces_share_exactly_their_common_leading_blocks() {
        // Blocks of 512 tokens. Lines 1-3 start with blocks 1, 2 (a shared system prompt and
        // document), line 2 extends line 1 (a conversation), line 4 is alone.
        let text = "{\"timestamp\": 0, \"input_length\": 1100, \"output_length\": 10, \"hash_ids\": [1, 2, 3]}\n\
                    {\"timestamp\": 5.5, \"input_length\": 2000, \"output_length\": 20, \"hash_ids\": [1, 2, 3, 4], \"session_id\": \"a\"}\n\
                    \n\
                    {\"timestamp\": 7, \"input_length\": 1024, \"output_length\": 5, \"hash_ids\": [1, 2]}\n\
                    {\"timestamp\": 9, \"input_length\": 300, \"output_length\": 5, \"hash_ids\": [8]}\n";
        let (records, errors) = parse_trace_jsonl(text);
        assert_eq!(errors, vec![]);
        let shared: Vec<(Option<u32>, Option<u32>)> = records
            .iter()
            .map(|r| (r.prefix_group, r.prefix_tokens))
            .collect();
        // Line 1 shares 3 blocks with line 2 (its partial third block: all 1,100 tokens),
        // line 2 shares 3 (1,536 tokens), line 4 shares 2 with both (1,024), line 5 nothing.
        assert_eq!(
            shared,
            [
                (Some(0), Some(1100)),
                (Some(0), Some(1536)),
                (Some(0), Some(1024)),
                (None, None)
            ]
        );
        assert_eq!(
            (
                records[1].arrival_ms,
                records[1].input_tokens,
                records[1].output_tokens
            ),
            (5.5, 2000, 20)
        );
        // Blocks of 1,024 tokens: line 2 then has 2 blocks, not 4.
        let (_, errors) = parse_trace_jsonl_blocks(text, 1024);
        assert!(
            errors[0].message.starts_with("hash_ids: 3 blocks"),
            "{errors:?}"
        );
    }

    #[test]
    fn block_hash_trace_errors_name_line_and_field() {
        let lines = [
            "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}",
            "{\"timestamp\": -1, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}",
            "{\"timestamp\": 1, \"output_length\": 1, \"hash_ids\": [1]}",
            "{\"timestamp\": 1, \"input_length\": -3, \"output_length\": 1, \"hash_ids\": [1]}",
            "{\"timestamp\": 1, \"input_length\": 1100, \"output_length\": 1, \"hash_ids\": [1, 2]}",
            "{\"timestamp\": 1, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1], \"delay\": 5}",
            "{\"timestamp\": 1, \"input_length\": 10, \"output_length\": 0, \"hash_ids\": [1]}",
        ];
        let (_, errors) = parse_trace_jsonl(&lines.join("\n"));
        let got: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| (e.line, e.message.split(':').next().unwrap_or("")))
            .collect();
        assert_eq!(
            got,
            [
                (2, "timestamp"),
                (3, "missing field `input_length`"),
                (4, "input_length"),
                (5, "hash_ids"),
                (6, "delay"),
                (7, "output_length")
            ]
        );
        // Nested sharing: [1, 2, 3] twice, then [1, 2, 4] twice branch below block 2: the
        // second pair's group continues the first's 1,024 tokens.
        let nested = "{\"timestamp\": 0, \"input_length\": 1536, \"output_length\": 1, \"hash_ids\": [1, 2, 3]}\n\
                      {\"timestamp\": 0, \"input_length\": 1536, \"output_length\": 1, \"hash_ids\": [1, 2, 3]}\n\
                      {\"timestamp\": 0, \"input_length\": 1536, \"output_length\": 1, \"hash_ids\": [1, 2, 4]}\n\
                      {\"timestamp\": 0, \"input_length\": 1536, \"output_length\": 1, \"hash_ids\": [1, 2, 4]}\n";
        let (records, errors) = parse_trace_jsonl(nested);
        assert_eq!(errors, vec![]);
        // (The groups of a larger tree are checked in tests/model/nested.rs.)
        let last = &records[3];
        assert_eq!(
            (
                last.prefix_group,
                last.prefix_parent,
                last.prefix_parent_tokens
            ),
            (Some(1), Some(0), Some(1024))
        );
        assert_eq!(
            (records[0].prefix_group, records[0].prefix_parent),
            (Some(0), None)
        );
        // Trailing text after a record, and a session id of the wrong type.
        let bad = "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1]}\n\
                   {\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1]} x\n\
                   {\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1], \"session_id\": [2]}\n";
        let (_, errors) = parse_trace_jsonl(bad);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[1].line), (2, 3));
        assert!(
            errors[0].message.starts_with("trailing characters"),
            "{errors:?}"
        );
        assert!(errors[1].message.starts_with("session_id:"), "{errors:?}");
    }

    #[test]
    fn plain_block_hash_lines_read_as_serde_reads_them() {
        // Read fast when plain, by serde otherwise: the same values either way.
        let lines = [
            r#"{"timestamp": 9.018, "input_length": 1382, "output_length": 76, "hash_ids": [1, 2, 3], "session_id": 0}"#,
            r#"{"timestamp":0.1,"input_length":1,"output_length":1,"hash_ids":[18446744073709551615],"delay":2108.768,"session_id":"a b"}"#,
            r#" { "hash_ids" : [ ] , "timestamp" : 1200.0 , "input_length" : 7 , "output_length" : 3 , "delay_ms" : 0.000001 } "#,
            r#"{"timestamp": 123456.789012, "input_length": 4294967295, "output_length": 1, "hash_ids": [0, 10]}"#,
            r#"{"timestamp": 9007199254740993, "input_length": 1, "output_length": 1, "hash_ids": [1]}"#,
            r#"{"timestamp": 1e3, "input_length": 1, "output_length": 1, "hash_ids": [1], "session_id": -4}"#,
            r#"{"timestamp": 0.30000000000000004, "input_length": 1, "output_length": 1, "hash_ids": [1], "session_id": "A"}"#,
            r#"{"timestamp": 5, "input_length": 1, "output_length": 1, "hash_ids": [1], "delay": null}"#,
        ];
        let mut fast = 0;
        for line in lines {
            let serde: HashRecord = serde_json::from_str(line).unwrap();
            let mut record = HashRecord::default();
            if !read_plain_hash_line(line, &mut record) {
                continue;
            }
            fast += 1;
            assert_eq!(
                record.timestamp.map(f64::to_bits),
                serde.timestamp.map(f64::to_bits),
                "{line}"
            );
            assert_eq!(
                (record.input_length, record.output_length, &record.hash_ids),
                (serde.input_length, serde.output_length, &serde.hash_ids),
            );
            assert_eq!(record.session_id, serde.session_id, "{line}");
            assert_eq!(
                record.delay.map(f64::to_bits),
                serde.delay.map(f64::to_bits)
            );
            assert_eq!(
                record.delay_ms.map(f64::to_bits),
                serde.delay_ms.map(f64::to_bits)
            );
        }
        assert_eq!(fast, 4, "the first four lines are plain");
        // Not plain, so serde's to refuse: a key twice, an unknown key, a missing field, a
        // fraction where an integer goes, a leading zero.
        for bad in [
            r#"{"timestamp": 1, "timestamp": 2, "input_length": 1, "output_length": 1, "hash_ids": [1]}"#,
            r#"{"timestamp": 1, "input_length": 1, "output_length": 1, "hash_ids": [1], "x": 1}"#,
            r#"{"timestamp": 1, "input_length": 1, "hash_ids": [1]}"#,
            r#"{"timestamp": 1, "input_length": 1.5, "output_length": 1, "hash_ids": [1]}"#,
            r#"{"timestamp": 01, "input_length": 1, "output_length": 1, "hash_ids": [1]}"#,
        ] {
            assert!(
                !read_plain_hash_line(bad, &mut HashRecord::default()),
                "{bad}"
            );
            assert!(serde_json::from_str::<HashRecord>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trace_reports_bad_lines_and_refuses_the_file() {
        let good = "{\"arrival_ms\": 0, \"input_tokens\": 100, \"output_tokens\": 5}\n\
                    \n\
                    {\"arrival_ms\": 1, \"input_tokens\": 50, \"output_tokens\": 2, \"prefix_group\": 3}\n";
        let bad = format!(
            "{good}not json\n{{\"arrival_ms\": 2, \"input_tokens\": 0, \"output_tokens\": 5}}\n"
        );
        let (records, errors) = parse_trace_jsonl(&bad);
        assert!(
            records.is_empty(),
            "a file with a bad line is refused whole"
        );
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert!(errors[1].message.starts_with("input_tokens:"));
        let (records, errors) = parse_trace_jsonl(good);
        assert!(errors.is_empty());
        let mut w = WorkloadConfig {
            trace: Some(records),
            ..WorkloadConfig::default()
        };
        w.prefix.tokens = 32;
        let reqs = collect(&w, 0);
        // Replayed in time order, prefix group carried over.
        assert_eq!(reqs[0].arrival, 0);
        assert_eq!(reqs[1].arrival, 1_000_000);
        assert_eq!(reqs[1].prompt.group, Some(3));
        assert_eq!(reqs[1].prompt.shared_tokens, 32);
    }

    #[test]
    fn a_follow_up_turn_with_a_delay_needs_no_timestamp_and_takes_none() {
        let turn = |fields: &str| {
            format!("{{\"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]{fields}}}")
        };
        let first = turn(", \"timestamp\": 4, \"session_id\": \"s\"");
        // A follow-up turn with a delay and no timestamp, as AIPerf reads Mooncake traces.
        let follow = turn(", \"session_id\": \"s\", \"delay\": 250");
        let (records, errors) = parse_trace_jsonl(&format!("{first}\n{follow}\n"));
        assert_eq!(errors, vec![]);
        assert_eq!(records[1].delay_ms, Some(250.0));
        assert_eq!(records[1].session, Some(0));
        // Its record keeps the session's last arrival (the replay times it by the delay).
        assert_eq!(records[1].arrival_ms, 4.0);
        // Refused whole, naming the line and the field: both given (`delay` or `delay_ms`);
        // none given (not a follow-up turn, or without a delay).
        let cases = [
            (
                turn(", \"timestamp\": 5, \"session_id\": \"s\", \"delay\": 250"),
                "delay:",
            ),
            (
                turn(", \"timestamp\": 5, \"session_id\": \"s\", \"delay_ms\": 1"),
                "delay_ms:",
            ),
            (turn(", \"session_id\": \"s\""), "timestamp: missing;"),
            (turn(""), "timestamp: missing;"),
            (
                turn(", \"session_id\": \"new\", \"delay\": 3"),
                "timestamp: missing on the first turn of session \"new\"",
            ),
        ];
        for (line, field) in cases {
            let text = format!("{first}\n{line}\n{follow}\n");
            let (records, errors) = parse_trace_jsonl(&text);
            assert!(records.is_empty(), "{line}");
            assert_eq!(errors.len(), 1, "{line}: {errors:?}");
            assert_eq!(errors[0].line, 2);
            assert!(errors[0].message.starts_with(field), "{line}: {errors:?}");
        }
    }
}
