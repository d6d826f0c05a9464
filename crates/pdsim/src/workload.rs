//! Requests: arrival times, lengths and prompt identities, generated lazily from the seed
//! (so memory does not grow with the number of requests) or replayed from a trace.

use crate::config::{ArrivalProcess, LengthDist, TraceRecord, WorkloadConfig};
use crate::rng::{Stream, StreamId};
use crate::time::{ms_to_ns, Nanos};

/// Who a prompt's tokens belong to. Token ids are a pure function of this identity and the
/// position, so two prompts share a block exactly when they share its tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// Prefix group, if any: positions below `shared_tokens` carry the group's tokens.
    pub group: Option<u32>,
    /// Leading tokens shared with the group (0 without a group).
    pub shared_tokens: u32,
    /// Identity of the unshared tokens (the request id).
    pub salt: u64,
    /// Prompt length, in tokens.
    pub len: u32,
}

/// One generated or replayed request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestSpec {
    /// Id, in arrival order from 0.
    pub id: u64,
    /// Arrival time.
    pub arrival: Nanos,
    /// The prompt.
    pub prompt: Prompt,
    /// Output tokens (at least 1).
    pub output_tokens: u32,
}

/// Produces the requests of a run in arrival order.
#[derive(Debug)]
pub struct Workload {
    source: Source,
    next_id: u64,
    max_requests: u64,
    horizon: Option<Nanos>,
    prefix_tokens: u32,
}

#[derive(Debug)]
enum Source {
    Generated(Box<Generator>),
    Trace {
        records: Vec<TraceRecord>,
        next: usize,
    },
}

#[derive(Debug)]
struct Generator {
    config: WorkloadConfig,
    arrivals: Stream,
    inputs: Stream,
    outputs: Stream,
    groups: Stream,
    clock_ns: f64,
}

impl Workload {
    /// The requests described by `config`, at most `max_requests` of them.
    pub fn new(config: &WorkloadConfig, seed: u64, max_requests: u64) -> Self {
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
                let mut records = records.clone();
                // A trace need not be sorted; a stable sort keeps equal times in file order.
                records.sort_by(|a, b| a.arrival_ms.total_cmp(&b.arrival_ms));
                Source::Trace { records, next: 0 }
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
        Self {
            source,
            next_id: 0,
            max_requests: requests.min(max_requests),
            horizon,
            prefix_tokens: config.prefix.tokens,
        }
    }

    /// The next request, or `None` when the workload is exhausted.
    pub fn next_request(&mut self) -> Option<RequestSpec> {
        if self.next_id >= self.max_requests {
            return None;
        }
        let id = self.next_id;
        let spec = match &mut self.source {
            Source::Generated(generator) => generator.next(id),
            Source::Trace { records, next } => {
                let record = records.get(*next)?;
                *next += 1;
                let (group, shared_tokens) = match record.prefix_group {
                    Some(g) => (
                        Some(g),
                        record
                            .prefix_tokens
                            .unwrap_or(self.prefix_tokens)
                            .min(record.input_tokens),
                    ),
                    None => (None, 0),
                };
                RequestSpec {
                    id,
                    arrival: ms_to_ns(record.arrival_ms),
                    prompt: Prompt {
                        group,
                        shared_tokens,
                        salt: id,
                        len: record.input_tokens.max(1),
                    },
                    output_tokens: record.output_tokens.max(1),
                }
            }
        };
        if self.horizon.is_some_and(|h| spec.arrival > h) {
            self.max_requests = id;
            return None;
        }
        self.next_id += 1;
        Some(spec)
    }
}

impl Generator {
    fn next(&mut self, id: u64) -> RequestSpec {
        let arrival = &self.config.arrival;
        let mean_gap_ns = 1e9 / arrival.rate_per_s;
        // The first request arrives at 0; every later one after a sampled gap.
        if id > 0 {
            self.clock_ns += match arrival.process {
                ArrivalProcess::Poisson => self.arrivals.exponential(mean_gap_ns),
                ArrivalProcess::Constant => mean_gap_ns,
                ArrivalProcess::Gamma => {
                    let shape = 1.0 / (arrival.cv * arrival.cv);
                    self.arrivals.gamma(shape, mean_gap_ns / shape)
                }
            };
        }
        let len = sample_length(&self.config.input_tokens, &mut self.inputs);
        let output_tokens = sample_length(&self.config.output_tokens, &mut self.outputs);
        let prefix = &self.config.prefix;
        // Always draw both numbers so membership does not shift the stream.
        let member = self.groups.open01() < prefix.fraction;
        let group = self.groups.below(u64::from(prefix.groups.max(1))) as u32;
        let (group, shared_tokens) = if prefix.groups > 0 && prefix.tokens > 0 && member {
            (Some(group), prefix.tokens.min(len))
        } else {
            (None, 0)
        };
        RequestSpec {
            id,
            arrival: self.clock_ns as Nanos,
            prompt: Prompt {
                group,
                shared_tokens,
                salt: id,
                len,
            },
            output_tokens,
        }
    }
}

/// Draws a length in tokens: rounded, clamped to the distribution's bounds, at least 1.
pub fn sample_length(dist: &LengthDist, stream: &mut Stream) -> u32 {
    let (value, min, max) = match *dist {
        LengthDist::Constant { value } => (f64::from(value), None, None),
        LengthDist::Uniform { min, max } => {
            let span = u64::from(max.saturating_sub(min)) + 1;
            (f64::from(min) + stream.below(span) as f64, None, None)
        }
        LengthDist::Normal {
            mean,
            std,
            min,
            max,
        } => (mean + std * stream.standard_normal(), min, max),
        LengthDist::Lognormal {
            mean,
            std,
            min,
            max,
        } => {
            // Parameters of the underlying normal from the lognormal's own mean and std.
            let sigma2 = libm::log(1.0 + (std * std) / (mean * mean));
            let mu = libm::log(mean) - sigma2 / 2.0;
            (
                libm::exp(mu + libm::sqrt(sigma2) * stream.standard_normal()),
                min,
                max,
            )
        }
    };
    let lo = f64::from(min.unwrap_or(1).max(1));
    // Never above the validated maximum, so token arithmetic cannot overflow.
    let hi = f64::from(
        max.unwrap_or(crate::validate::MAX_TOKENS)
            .min(crate::validate::MAX_TOKENS),
    );
    libm::round(value).clamp(lo, hi.max(lo)) as u32
}

/// A trace line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLineError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// Parses a JSON Lines trace. Blank lines are skipped; bad lines are reported with their
/// line number and the good ones are still returned.
pub fn parse_trace_jsonl(text: &str) -> (Vec<TraceRecord>, Vec<TraceLineError>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<TraceRecord>(line) {
            Ok(record) => match check_trace_record(&record) {
                Ok(()) => records.push(record),
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
    (records, errors)
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn collect(config: &WorkloadConfig, seed: u64) -> Vec<RequestSpec> {
        let mut w = Workload::new(config, seed, u64::MAX);
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

    #[test]
    fn lengths_respect_clamps() {
        let dist = LengthDist::Normal {
            mean: 100.0,
            std: 500.0,
            min: Some(10),
            max: Some(200),
        };
        let mut s = Stream::new(1, StreamId::InputLengths);
        let v: Vec<u32> = (0..10_000).map(|_| sample_length(&dist, &mut s)).collect();
        assert!(v.iter().all(|&x| (10..=200).contains(&x)));
        assert!(v.contains(&10) && v.contains(&200));
        let uni = LengthDist::Uniform { min: 3, max: 5 };
        let u: Vec<u32> = (0..1000).map(|_| sample_length(&uni, &mut s)).collect();
        assert!(u.iter().all(|&x| (3..=5).contains(&x)) && u.contains(&3) && u.contains(&5));
    }

    #[test]
    fn lognormal_has_the_requested_mean() {
        let dist = LengthDist::Lognormal {
            mean: 1000.0,
            std: 500.0,
            min: None,
            max: None,
        };
        let mut s = Stream::new(5, StreamId::InputLengths);
        let n = 100_000;
        let mean = (0..n)
            .map(|_| f64::from(sample_length(&dist, &mut s)))
            .sum::<f64>()
            / f64::from(n);
        assert!((mean - 1000.0).abs() < 10.0, "{mean}");
    }

    #[test]
    fn trace_reports_bad_lines_and_keeps_good_ones() {
        let text = "{\"arrival_ms\": 0, \"input_tokens\": 100, \"output_tokens\": 5}\n\
                    not json\n\
                    \n\
                    {\"arrival_ms\": 2, \"input_tokens\": 0, \"output_tokens\": 5}\n\
                    {\"arrival_ms\": 1, \"input_tokens\": 50, \"output_tokens\": 2, \"prefix_group\": 3}\n";
        let (records, errors) = parse_trace_jsonl(text);
        assert_eq!(records.len(), 2);
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert!(errors[1].message.contains("input_tokens"));
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
}
