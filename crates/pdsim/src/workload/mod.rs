//! Requests: arrival times, lengths and prompt identities, generated lazily from the seed
//! (so memory does not grow with the number of requests, `generate.rs`) or replayed from a
//! trace (`trace.rs`, which also reads the trace formats).

mod ahead;
mod generate;
mod spec;
mod trace;

pub(crate) use ahead::AheadReader;
pub use ahead::ArrivalBatch;

/// Who a prompt's tokens belong to (it lives with the prefix caches that key blocks by it).
pub use crate::prefix::Prompt;
pub(crate) use generate::prefix_tree;
pub use generate::sample_length;
pub use spec::{RequestSpec, MAX_TOKENS};
pub(crate) use trace::check_trace;
pub use trace::{
    check_trace_record, parse_trace_jsonl, parse_trace_jsonl_blocks, TraceLineError,
    TRACE_BLOCK_TOKENS,
};

use crate::config::{SessionConfig, TraceRecord, WorkloadConfig};
use crate::prefix::{BlockTree, PrefixTree};
use crate::rng::{Stream, StreamId};
use crate::time::{ms_to_ns, Nanos};
use generate::Generator;
use trace::{trace_order, trace_spec};

/// Produces the requests of a run: the arrival process's in arrival order
/// ([`Workload::next_request`]), and, with sessions or a closed loop, the requests that
/// follow a finished one ([`Workload::follow_up`]).
#[derive(Debug)]
pub struct Workload {
    source: Source,
    /// Requests produced so far (also the unshared tokens' identity of the next one).
    next_id: u64,
    max_requests: u64,
    /// Requests the arrival process itself produces (closed loop: one per user; open-loop
    /// sessions: one per session), and how many it did.
    open_requests: u64,
    opened: u64,
    horizon: Option<Nanos>,
    prefix_tokens: u32,
    closed_loop: Option<ClosedLoop>,
    sessions: Option<Sessions>,
    /// Whether any request can follow a finished one.
    follow_ups: bool,
    /// Where nested prefix groups branch.
    tree: PrefixTree,
}

#[derive(Debug)]
struct ClosedLoop {
    users: u32,
    think_ns: f64,
    thinks: Stream,
}

/// Generated multi-turn sessions.
#[derive(Debug)]
struct Sessions {
    config: SessionConfig,
    stream: Stream,
    /// Turns still to come, by session slot (a session prompt's `salt`).
    turns_left: Vec<u32>,
    free: Vec<u32>,
    /// The next session's prefix group.
    next_group: u32,
}

impl Sessions {
    /// Makes `spec` the first turn of a new session.
    fn start(&mut self, spec: &mut RequestSpec) {
        let turns = sample_length(&self.config.turns, &mut self.stream);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.turns_left[slot as usize] = turns - 1;
                slot
            }
            None => {
                self.turns_left.push(turns - 1);
                (self.turns_left.len() - 1) as u32
            }
        };
        // The whole conversation is the session's: every token is shared with later turns.
        spec.prompt = Prompt {
            group: Some(self.next_group),
            shared_tokens: spec.prompt.len,
            salt: u64::from(slot),
            len: spec.prompt.len,
        };
        self.next_group = self.next_group.wrapping_add(1);
    }

    fn end(&mut self, slot: u32) {
        self.turns_left[slot as usize] = 0;
        self.free.push(slot);
    }
}

/// A think time of mean `mean_ns`, in nanoseconds.
fn think(stream: &mut Stream, mean_ns: f64) -> Nanos {
    if mean_ns > 0.0 {
        stream.exponential(mean_ns) as Nanos
    } else {
        0
    }
}

#[derive(Debug)]
enum Source {
    Generated(Box<Generator>),
    Trace {
        /// In file order.
        records: Vec<TraceRecord>,
        /// The records that arrive at their time, in time order (file order at equal times).
        open: Vec<u32>,
        next: usize,
        /// Per record, the next record of its session if that one waits for it (`delay_ms`).
        follower: Vec<Option<u32>>,
    },
}

impl Workload {
    /// The requests described by a validated `config`, at most `max_requests` of them,
    /// whose prompts' nested prefix groups branch as `tree` (the one validation found) says.
    pub fn new(config: &WorkloadConfig, seed: u64, max_requests: u64, tree: PrefixTree) -> Self {
        // A trace replays all its records; otherwise `requests` (unbounded with a horizon).
        let requests = match (&config.trace, config.requests) {
            (Some(_), _) => u64::MAX,
            (None, Some(n)) => n,
            (None, None) => {
                if config.horizon_s.is_some() {
                    u64::MAX
                } else {
                    0
                }
            }
        };
        let horizon = config.horizon_s.map(|s| ms_to_ns(s * 1000.0));
        let source = match &config.trace {
            Some(records) => {
                let (open, follower) = trace_order(records);
                Source::Trace {
                    records: records.clone(),
                    open,
                    next: 0,
                    follower,
                }
            }
            None => Source::Generated(Box::new(Generator {
                config: config.clone(),
                arrivals: Stream::new(seed, StreamId::Arrivals),
                inputs: Stream::new(seed, StreamId::InputLengths),
                outputs: Stream::new(seed, StreamId::OutputLengths),
                groups: Stream::new(seed, StreamId::PrefixGroups),
                clock_ns: 0.0,
            })),
        };
        let generated = config.trace.is_none();
        let closed_loop = config
            .closed_loop
            .as_ref()
            .filter(|_| generated)
            .map(|c| ClosedLoop {
                users: c.users,
                think_ns: c.think_time_ms * 1e6,
                thinks: Stream::new(seed, StreamId::ThinkTimes),
            });
        // `requests` counts every request; with open-loop sessions it counts sessions, whose
        // later turns only `limits.max_requests` bounds.
        let open_sessions = closed_loop.is_none() && generated && config.sessions.is_some();
        let (open_requests, max_requests) = match &closed_loop {
            Some(c) => (u64::from(c.users), requests.min(max_requests)),
            None if open_sessions => (requests.min(max_requests), max_requests),
            None => (requests.min(max_requests), requests.min(max_requests)),
        };
        let follow_ups = closed_loop.is_some()
            || (generated && config.sessions.is_some())
            || matches!(&source, Source::Trace { follower, .. }
                if follower.iter().any(Option::is_some));
        Self {
            tree,
            follow_ups,
            source,
            next_id: 0,
            max_requests,
            open_requests: open_requests.min(max_requests),
            opened: 0,
            horizon,
            prefix_tokens: config.prefix.tokens,
            closed_loop,
            sessions: config
                .sessions
                .clone()
                .filter(|_| generated)
                .map(|config| Sessions {
                    config,
                    stream: Stream::new(seed, StreamId::Sessions),
                    turns_left: Vec::new(),
                    free: Vec::new(),
                    next_group: 0,
                }),
        }
    }

    /// The requests of `validated`'s workload.
    pub(crate) fn of(validated: &crate::Validated<'_>) -> Self {
        let config = validated.config();
        Self::new(
            &config.workload,
            config.seed,
            config.limits.max_requests,
            validated.prefix_tree().clone(),
        )
    }

    /// Whether every request comes from the arrival process alone, drawn from the seed:
    /// nothing follows a finished request and no trace is replayed (see [`Arrivals`]).
    pub(crate) fn draws_independently(&self) -> bool {
        matches!(self.source, Source::Generated(_)) && !self.follow_ups
    }

    /// Where the prompts' nested prefix groups branch, in blocks of `block_size` tokens (for
    /// the caches).
    pub fn block_tree(&self, block_size: u32) -> std::sync::Arc<BlockTree> {
        std::sync::Arc::new(self.tree.in_blocks(block_size))
    }

    /// The session `spec` belongs to, if any (see `RequestRecord::session`).
    pub fn session_of(&self, spec: &RequestSpec) -> Option<u32> {
        match &self.source {
            Source::Trace { records, .. } => records.get(spec.prompt.salt as usize)?.session,
            Source::Generated(_) if self.sessions.is_some() => spec.prompt.group,
            Source::Generated(_) => None,
        }
    }

    /// Whether finished requests can bring new ones ([`Workload::follow_up`]).
    pub fn has_follow_ups(&self) -> bool {
        self.follow_ups
    }

    /// What follows `spec`, which left at `now` (`completed`, or dropped): the session's
    /// next turn, or in a closed loop its user's next request; `None` when nothing
    /// follows (or the request cap or the horizon is reached).
    pub fn follow_up(
        &mut self,
        spec: &RequestSpec,
        completed: bool,
        now: Nanos,
    ) -> Option<RequestSpec> {
        if let Source::Trace {
            records, follower, ..
        } = &self.source
        {
            // The next turn of its session waits for it (completed or dropped).
            let next = (*follower.get(spec.prompt.salt as usize)?)?;
            let record = &records[next as usize];
            let delay = ms_to_ns(record.delay_ms.unwrap_or(0.0));
            let spec = trace_spec(
                record,
                next,
                self.next_id,
                now.saturating_add(delay),
                self.prefix_tokens,
            );
            if self.horizon.is_some_and(|h| spec.arrival > h) || self.next_id >= self.max_requests {
                return None;
            }
            self.next_id += 1;
            return Some(spec);
        }
        if let Some(sessions) = &mut self.sessions {
            let slot = spec.prompt.salt as u32;
            let left = sessions.turns_left.get(slot as usize).copied().unwrap_or(0);
            if completed && left > 0 && self.next_id < self.max_requests {
                let new = sample_length(&sessions.config.new_tokens, &mut sessions.stream);
                let output_tokens = match &mut self.source {
                    Source::Generated(g) => sample_length(&g.config.output_tokens, &mut g.outputs),
                    Source::Trace { .. } => spec.output_tokens,
                };
                let gap = think(&mut sessions.stream, sessions.config.think_time_ms * 1e6);
                let len =
                    (u64::from(spec.prompt.len) + u64::from(spec.output_tokens) + u64::from(new))
                        .min(u64::from(MAX_TOKENS)) as u32;
                let next = RequestSpec {
                    id: self.next_id,
                    arrival: now.saturating_add(gap),
                    prompt: Prompt {
                        len,
                        shared_tokens: len,
                        ..spec.prompt
                    },
                    output_tokens,
                };
                if self.horizon.is_none_or(|h| next.arrival <= h) {
                    sessions.turns_left[slot as usize] = left - 1;
                    self.next_id += 1;
                    return Some(next);
                }
            }
            if (slot as usize) < sessions.turns_left.len() {
                sessions.end(slot);
            }
        }
        let closed = self.closed_loop.as_mut()?;
        let gap = think(&mut closed.thinks, closed.think_ns);
        if self.next_id >= self.max_requests {
            return None;
        }
        let Source::Generated(generator) = &mut self.source else {
            return None;
        };
        let mut next = generator.next(self.next_id);
        next.arrival = now.saturating_add(gap);
        if self.horizon.is_some_and(|h| next.arrival > h) {
            return None;
        }
        if let Some(sessions) = &mut self.sessions {
            sessions.start(&mut next);
        }
        self.next_id += 1;
        Some(next)
    }

    /// The next request, or `None` when the workload is exhausted.
    pub fn next_request(&mut self) -> Option<RequestSpec> {
        if self.opened >= self.open_requests || self.next_id >= self.max_requests {
            return None;
        }
        self.opened += 1;
        let id = self.next_id;
        let spec = match &mut self.source {
            Source::Generated(generator) => generator.next(id),
            Source::Trace {
                records,
                open,
                next,
                ..
            } => {
                let index = *open.get(*next)?;
                *next += 1;
                let record = &records[index as usize];
                trace_spec(
                    record,
                    index,
                    id,
                    ms_to_ns(record.arrival_ms),
                    self.prefix_tokens,
                )
            }
        };
        if self.horizon.is_some_and(|h| spec.arrival > h) {
            self.open_requests = 0;
            return None;
        }
        let mut spec = spec;
        if let Some(sessions) = &mut self.sessions {
            sessions.start(&mut spec);
        }
        self.next_id += 1;
        Some(spec)
    }
}

/// The requests of a generated open-loop workload, in arrival order, drawn in batches
/// ([`Arrivals::of`]); [`run_with_arrivals`](crate::run_with_arrivals) simulates them. `Send`:
/// a caller may draw them on another thread while the simulation runs.
#[derive(Debug)]
pub struct Arrivals {
    workload: Workload,
    key: u64,
}

impl Arrivals {
    /// The arrivals of `validated`'s workload, or `None` when they cannot be drawn ahead:
    /// a trace (already in memory), sessions or a closed loop (whose requests follow
    /// finished ones, so they depend on the simulation).
    pub fn of(validated: &crate::Validated<'_>) -> Option<Self> {
        let workload = Workload::of(validated);
        workload.draws_independently().then(|| Self {
            workload,
            key: ahead::key_of(validated),
        })
    }
}

impl Iterator for Arrivals {
    type Item = ArrivalBatch;

    fn next(&mut self) -> Option<ArrivalBatch> {
        let specs: Vec<RequestSpec> = std::iter::from_fn(|| self.workload.next_request())
            .take(ahead::BATCH_REQUESTS)
            .collect();
        (!specs.is_empty()).then(|| ArrivalBatch::new(self.key, specs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ArrivalProcess, Config, LengthDist};

    /// The requests of `workload` (in the default config otherwise), as a run makes them.
    pub(super) fn collect(workload: &WorkloadConfig, seed: u64) -> Vec<RequestSpec> {
        let config = Config {
            workload: workload.clone(),
            seed,
            ..Config::default()
        };
        let validated = crate::validate(&config).unwrap_or_else(|e| panic!("{e}"));
        let mut w = Workload::new(
            &config.workload,
            config.seed,
            config.limits.max_requests,
            validated.prefix_tree().clone(),
        );
        std::iter::from_fn(|| w.next_request()).collect()
    }

    #[test]
    fn changing_output_lengths_keeps_arrivals_and_prompts() {
        let base = Config::default().workload;
        let mut other = base.clone();
        other.output_tokens = LengthDist::Constant { value: 7 };
        let a = collect(&base, 9);
        let b = collect(&other, 9);
        assert_eq!(a.len(), b.len());
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x.arrival == y.arrival && x.prompt == y.prompt));
        assert!(b.iter().all(|r| r.output_tokens == 7));
    }

    #[test]
    fn constant_arrivals_are_evenly_spaced_and_horizon_stops_them() {
        let mut w = Config::default().workload;
        w.requests = None;
        w.horizon_s = Some(1.0);
        w.arrival.process = ArrivalProcess::Constant;
        w.arrival.rate_per_s = 10.0;
        let reqs = collect(&w, 1);
        // Arrivals at 0, 100, ..., 1000 ms: the one exactly at the horizon still arrives.
        assert_eq!(reqs.len(), 11);
        assert_eq!(reqs[3].arrival, 300_000_000);
    }
}

#[cfg(test)]
mod drawn_ahead {
    use super::*;
    use crate::Config;

    fn drawn_by_the_workload(config: &Config) -> Vec<RequestSpec> {
        let validated = crate::validate(config).unwrap_or_else(|e| panic!("{e}"));
        let mut w = Workload::of(&validated);
        std::iter::from_fn(|| w.next_request()).collect()
    }

    #[test]
    fn batches_hold_the_workloads_own_draws_in_order() {
        let mut config = Config::default();
        config.workload.requests = Some(2_500);
        let validated = crate::validate(&config).unwrap_or_else(|e| panic!("{e}"));
        let batches: Vec<ArrivalBatch> = Arrivals::of(&validated).expect("open loop").collect();
        // 1024 + 1024 + 452.
        assert_eq!(
            batches.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [1024, 1024, 452]
        );
        let mut reader = AheadReader::new(&validated, batches.into_iter());
        let read: Vec<RequestSpec> = std::iter::from_fn(|| reader.next_request()).collect();
        assert!(reader.error().is_none());
        assert_eq!(read, drawn_by_the_workload(&config));
    }

    #[test]
    fn follow_ups_and_traces_are_not_drawn_ahead() {
        let mut closed = Config::default();
        closed.workload.closed_loop = Some(crate::config::ClosedLoopConfig {
            users: 4,
            think_time_ms: 10.0,
        });
        let validated = crate::validate(&closed).unwrap_or_else(|e| panic!("{e}"));
        assert!(Arrivals::of(&validated).is_none());
    }

    #[test]
    fn batches_of_another_config_or_out_of_order_are_refused_by_name() {
        let config = Config::default();
        let mut other = config.clone();
        other.seed += 1;
        let validated = crate::validate(&config).unwrap_or_else(|e| panic!("{e}"));
        let validated_other = crate::validate(&other).unwrap_or_else(|e| panic!("{e}"));
        let foreign = Arrivals::of(&validated_other).expect("open loop");
        let mut reader = AheadReader::new(&validated, foreign);
        assert!(reader.next_request().is_none());
        let e = reader.error().expect("refused");
        assert_eq!(e.field(), "arrivals");
        assert!(e.to_string().contains("another config"), "{e}");

        let mut config = Config::default();
        config.workload.requests = Some(3_000);
        let validated = crate::validate(&config).unwrap_or_else(|e| panic!("{e}"));
        let mut batches: Vec<ArrivalBatch> = Arrivals::of(&validated).expect("open loop").collect();
        batches.swap(0, 1);
        let mut reader = AheadReader::new(&validated, batches.into_iter());
        assert!(reader.next_request().is_none());
        let e = reader.error().expect("refused");
        assert!(
            e.to_string()
                .contains("request 1024 where request 0 was due"),
            "{e}"
        );
    }
}
