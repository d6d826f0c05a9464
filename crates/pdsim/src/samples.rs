//! Where a run's latency samples wait for the report: every value, for exact nearest-rank
//! percentiles, or log-linear histograms, for memory that does not grow with the number of
//! requests (`output.percentiles`).

use crate::config::Percentiles;
use crate::histogram::{bucket_of, Bucket, LogHistogram, Representatives};
use crate::report::{PercentileBreakdowns, Phases, Stat};
use crate::time::{ns_to_ms, Nanos};

/// The percentile method of exact runs, stated in their reports.
pub const EXACT_METHOD: &str = "nearest-rank on integer nanoseconds";

/// The percentile method of histogram runs, stated in their reports.
pub const HISTOGRAM_METHOD: &str = "nearest-rank on log-linear histograms of integer \
     nanoseconds (1,024 buckets per power of two; within 0.05%)";

/// Mean and nearest-rank percentiles of `values` (nanoseconds), in milliseconds. Reorders
/// `values` (selection, not a full sort: O(n)).
pub fn stat(values: &mut [Nanos]) -> Stat {
    let n = values.len();
    if n == 0 {
        return Stat::default();
    }
    // Nearest rank: the ceil(p/100 x n)-th smallest value, as a 0-based index.
    let index = |p: usize| (p * n).div_ceil(100).max(1) - 1;
    let (i50, i90, i99) = (index(50), index(90), index(99));
    // Each selection leaves everything from its index on >= the value there, so the next
    // percentile is found in that tail alone.
    let mut nth_from = |from: usize, at: usize| {
        let tail = &mut values[from..];
        *tail.select_nth_unstable(at - from).1
    };
    let p50 = nth_from(0, i50);
    let p90 = nth_from(i50, i90);
    let p99 = nth_from(i90, i99);
    let max = values[i99..].iter().copied().max().unwrap_or(p99);
    let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
    Stat {
        count: n as u64,
        mean: sum as f64 / n as f64 / 1e6,
        p50: ns_to_ms(p50),
        p90: ns_to_ms(p90),
        p99: ns_to_ms(p99),
        max: ns_to_ms(max),
    }
}

/// A completed request's TTFT and its phases.
#[derive(Clone, Copy, Debug)]
pub struct Completed {
    /// Time to first token.
    pub ttft: Nanos,
    /// Arrival id: breaks ties between equal TTFTs.
    pub id: u64,
    /// The five phases (they add up to `ttft`).
    pub phases: Phases<Nanos>,
    /// Whether its prefill ran on a prefill instance.
    pub disaggregated: bool,
}

/// The distributions a report shows.
#[derive(Debug, Default)]
pub struct Distributions {
    /// Time to first token.
    pub ttft: Stat,
    /// Mean inter-token latency per request.
    pub itl: Stat,
    /// End-to-end latency.
    pub e2e: Stat,
    /// KV transfer time.
    pub transfer: Stat,
    /// Time a finished prefill waited for its decode instance to reserve KV blocks.
    pub kv_wait: Stat,
    /// The phases over all, local and disaggregated completed requests.
    pub breakdown: [Phases<Stat>; 3],
    /// The phases of the requests at the p50, p90 and p99 TTFT.
    pub at_ttft: PercentileBreakdowns,
}

/// The samples of a run so far.
#[derive(Debug)]
pub enum Samples {
    /// Every value.
    Exact(Box<ExactSamples>),
    /// Histograms.
    Histogram(Box<HistogramSamples>),
}

impl Samples {
    /// Empty samples for `method`, expecting about `expected` requests (exact samples reserve
    /// that much, so a growing vector never holds two copies).
    pub fn new(method: Percentiles, expected: usize) -> Self {
        match method {
            Percentiles::Exact => Self::Exact(Box::new(ExactSamples {
                ttft: Vec::with_capacity(expected),
                itl: Vec::with_capacity(expected),
                e2e: Vec::with_capacity(expected),
                transfer: Vec::new(),
                kv_wait: Vec::new(),
                completed: Vec::with_capacity(expected),
            })),
            Percentiles::Histogram => Self::Histogram(Box::default()),
        }
    }

    /// The method, as reports state it.
    pub fn method(&self) -> &'static str {
        match self {
            Self::Exact(_) => EXACT_METHOD,
            Self::Histogram(_) => HISTOGRAM_METHOD,
        }
    }

    /// A completed request: its end-to-end latency, mean ITL (if it had two tokens or more)
    /// and its TTFT with phases.
    pub fn completed(&mut self, c: Completed, e2e: Nanos, itl: Option<Nanos>) {
        match self {
            Self::Exact(s) => {
                s.ttft.push(c.ttft);
                s.e2e.push(e2e);
                s.itl.extend(itl);
                s.completed.push(c);
            }
            Self::Histogram(h) => {
                h.ttft.record(c.ttft);
                h.e2e.record(e2e);
                if let Some(i) = itl {
                    h.itl.record(i);
                }
                let split = if c.disaggregated { 2 } else { 1 };
                for k in [0, split] {
                    let phases = &mut h.phases[k];
                    for (histogram, &v) in [
                        (&mut phases.prefill_queue, &c.phases.prefill_queue),
                        (&mut phases.prefill, &c.phases.prefill),
                        (&mut phases.transfer, &c.phases.transfer),
                        (&mut phases.decode_queue, &c.phases.decode_queue),
                        (&mut phases.first_decode, &c.phases.first_decode),
                    ] {
                        histogram.record(v);
                    }
                }
                // The lowest arrival id represents its TTFT bucket, whatever the order of
                // completion.
                h.at_ttft.offer(bucket_of(c.ttft), c.id, c.phases);
            }
        }
    }

    /// A completed KV transfer's duration, and how long its request waited for the decode
    /// instance to reserve KV blocks before it.
    pub fn transfer(&mut self, v: Nanos, kv_wait: Nanos) {
        match self {
            Self::Exact(s) => {
                s.transfer.push(v);
                s.kv_wait.push(kv_wait);
            }
            Self::Histogram(h) => {
                h.transfer.record(v);
                h.kv_wait.record(kv_wait);
            }
        }
    }

    /// The distributions.
    pub fn finish(self) -> Distributions {
        match self {
            Self::Exact(mut s) => {
                let ttft = stat(&mut s.ttft);
                let itl = stat(&mut s.itl);
                let e2e = stat(&mut s.e2e);
                let transfer = stat(&mut s.transfer);
                let kv_wait = stat(&mut s.kv_wait);
                // Reorders `completed`; the phase statistics below do not depend on order.
                let at_ttft = breakdowns_at_percentiles(&mut s.completed);
                // The consumed columns become the five phase columns (no new memory beyond
                // one column).
                let mut columns = [
                    std::mem::take(&mut s.ttft),
                    std::mem::take(&mut s.e2e),
                    std::mem::take(&mut s.itl),
                    std::mem::take(&mut s.transfer),
                    Vec::new(),
                ];
                let breakdown = [
                    s.phase_stats(&mut columns, |_| true),
                    s.phase_stats(&mut columns, |c| !c.disaggregated),
                    s.phase_stats(&mut columns, |c| c.disaggregated),
                ];
                Distributions {
                    ttft,
                    itl,
                    e2e,
                    transfer,
                    kv_wait,
                    breakdown,
                    at_ttft,
                }
            }
            Self::Histogram(h) => {
                let at = |b: Option<Bucket>| {
                    b.and_then(|b| h.at_ttft.get(b))
                        .map(|phases| phases.map(|&v| ns_to_ms(v)))
                        .unwrap_or_default()
                };
                let buckets = h.ttft.percentile_buckets();
                Distributions {
                    ttft: h.ttft.stat(),
                    itl: h.itl.stat(),
                    e2e: h.e2e.stat(),
                    transfer: h.transfer.stat(),
                    kv_wait: h.kv_wait.stat(),
                    breakdown: h.phases.each_ref().map(|p| p.map(LogHistogram::stat)),
                    at_ttft: PercentileBreakdowns {
                        p50: at(buckets.map(|b| b[0])),
                        p90: at(buckets.map(|b| b[1])),
                        p99: at(buckets.map(|b| b[2])),
                    },
                }
            }
        }
    }
}

/// Every value of a run.
#[derive(Debug, Default)]
pub struct ExactSamples {
    ttft: Vec<Nanos>,
    itl: Vec<Nanos>,
    e2e: Vec<Nanos>,
    transfer: Vec<Nanos>,
    kv_wait: Vec<Nanos>,
    completed: Vec<Completed>,
}

impl ExactSamples {
    /// The five phases' statistics over the completed requests that `keep` selects, from
    /// one pass over them into five reused columns (one pass per phase read the requests
    /// five times over, which at 100,000 requests no longer fit in the caches).
    fn phase_stats(
        &self,
        columns: &mut [Vec<Nanos>; 5],
        keep: impl Fn(&Completed) -> bool,
    ) -> Phases<Stat> {
        for column in columns.iter_mut() {
            column.clear();
        }
        for c in self.completed.iter().filter(|c| keep(c)) {
            let p = &c.phases;
            for (column, v) in columns.iter_mut().zip([
                p.prefill_queue,
                p.prefill,
                p.transfer,
                p.decode_queue,
                p.first_decode,
            ]) {
                column.push(v);
            }
        }
        let [prefill_queue, prefill, transfer, decode_queue, first_decode] = columns;
        Phases {
            prefill_queue: stat(prefill_queue),
            prefill: stat(prefill),
            transfer: stat(transfer),
            decode_queue: stat(decode_queue),
            first_decode: stat(first_decode),
        }
    }
}

/// Histograms of a run.
#[derive(Debug, Default)]
pub struct HistogramSamples {
    ttft: LogHistogram,
    itl: LogHistogram,
    e2e: LogHistogram,
    transfer: LogHistogram,
    kv_wait: LogHistogram,
    /// Phases of all, local and disaggregated completed requests.
    phases: [Phases<LogHistogram>; 3],
    /// Per TTFT bucket, the phases of the request of lowest arrival id in it.
    at_ttft: Representatives<Phases<Nanos>>,
}

/// The phases of the requests at the p50, p90 and p99 TTFT (nearest rank) among the
/// completed requests; reorders the slice. Equal TTFTs are ordered by request id, so the
/// chosen request is well defined.
fn breakdowns_at_percentiles(completed: &mut [Completed]) -> PercentileBreakdowns {
    let n = completed.len();
    if n == 0 {
        return PercentileBreakdowns::default();
    }
    let index = |p: usize| (p * n).div_ceil(100).max(1) - 1;
    // As in `stat`: each selection leaves only larger keys after its index, so the next
    // percentile is selected in that tail. Keys are unique, so the choice is well defined.
    let mut from = 0;
    let mut at = |p: usize| {
        let i = index(p);
        let tail = &mut completed[from..];
        let chosen = tail
            .select_nth_unstable_by_key(i - from, |c| (c.ttft, c.id))
            .1
            .phases
            .map(|&v| ns_to_ms(v));
        from = i;
        chosen
    };
    PercentileBreakdowns {
        p50: at(50),
        p90: at(90),
        p99: at(99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<Nanos> = (1..=10).rev().map(|x| x * 1_000_000).collect();
        let s = stat(&mut v);
        assert_eq!(
            (s.count, s.mean, s.p50, s.p90, s.p99, s.max),
            (10, 5.5, 5.0, 9.0, 10.0, 10.0)
        );
        assert_eq!(stat(&mut []), Stat::default());
        let mut one = vec![3_000_000];
        assert_eq!(stat(&mut one).p50, 3.0);
        // Against a full sort, on a shuffled sample with repeats.
        let mut sample: Vec<Nanos> = (0..1001u64).map(|i| (i * 7919) % 613 * 1000).collect();
        let mut sorted = sample.clone();
        sorted.sort_unstable();
        let at = |p: usize| ns_to_ms(sorted[(p * 1001).div_ceil(100) - 1]);
        let s = stat(&mut sample);
        assert_eq!(
            (s.p50, s.p90, s.p99, s.max),
            (at(50), at(90), at(99), ns_to_ms(sorted[1000]))
        );
    }

    #[test]
    fn breakdowns_are_those_of_the_requests_at_the_ttft_percentiles() {
        // Many equal TTFTs: ties must go to the lower id, as a full sort by (ttft, id) does.
        let mut completed: Vec<Completed> = (0..997u64)
            .map(|i| {
                let (ttft, id) = ((i * 7919) % 101 * 1_000_000, (i * 31) % 997);
                Completed {
                    ttft,
                    id,
                    // Phases that name the request.
                    phases: Phases {
                        prefill_queue: id,
                        prefill: ttft,
                        ..Phases::default()
                    },
                    disaggregated: false,
                }
            })
            .collect();
        let mut sorted = completed.clone();
        sorted.sort_unstable_by_key(|c| (c.ttft, c.id));
        let at = |p: usize| {
            sorted[(p * 997).div_ceil(100) - 1]
                .phases
                .map(|&v| ns_to_ms(v))
        };
        let got = breakdowns_at_percentiles(&mut completed);
        assert_eq!((got.p50, got.p90, got.p99), (at(50), at(90), at(99)));
    }

    #[test]
    fn both_methods_agree_within_the_histogram_precision() {
        let mut exact = Samples::new(Percentiles::Exact, 0);
        let mut histogram = Samples::new(Percentiles::Histogram, 0);
        for i in 0..5_000u64 {
            let phases = Phases {
                prefill_queue: (i * 7919) % 5_003 * 1_000,
                prefill: 20_000_000 + i % 97 * 100_000,
                transfer: if i % 3 == 0 { 0 } else { 1_500_000 + i % 7 },
                decode_queue: i % 11 * 50_000,
                first_decode: 8_000_000,
            };
            let ttft = phases.named().iter().map(|(_, v)| **v).sum();
            let c = Completed {
                ttft,
                id: i,
                phases,
                disaggregated: i % 3 != 0,
            };
            for s in [&mut exact, &mut histogram] {
                s.completed(c, ttft + 100_000_000, (i % 5 > 0).then_some(9_000_000 + i));
                s.transfer(1_500_000 + i, i % 4 * 1_000_000);
            }
        }
        let (e, h) = (exact.finish(), histogram.finish());
        let close = |a: &Stat, b: &Stat| {
            assert_eq!((a.count, a.max), (b.count, b.max));
            assert!((a.mean - b.mean).abs() < 1e-9);
            for (x, y) in [(a.p50, b.p50), (a.p90, b.p90), (a.p99, b.p99)] {
                assert!((x - y).abs() <= y * 0.0005 + 1e-6, "{x} vs exact {y}");
            }
        };
        for (x, y) in [
            (&h.ttft, &e.ttft),
            (&h.itl, &e.itl),
            (&h.e2e, &e.e2e),
            (&h.transfer, &e.transfer),
            (&h.kv_wait, &e.kv_wait),
        ] {
            close(x, y);
        }
        for (hp, ep) in h.breakdown.iter().zip(&e.breakdown) {
            for ((_, x), (_, y)) in hp.named().iter().zip(ep.named()) {
                close(x, y);
            }
        }
        // The histogram's breakdown at a TTFT percentile is a real request's: its phases add
        // up to a TTFT within the precision of the exact percentile.
        let sum = |p: &Phases<f64>| p.named().iter().map(|(_, v)| **v).sum::<f64>();
        for (b, p) in [
            (&h.at_ttft.p50, e.ttft.p50),
            (&h.at_ttft.p90, e.ttft.p90),
            (&h.at_ttft.p99, e.ttft.p99),
        ] {
            assert!((sum(b) - p).abs() <= p * 0.001, "{} vs {p}", sum(b));
        }
    }
}
