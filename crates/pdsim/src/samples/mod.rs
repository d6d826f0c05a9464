//! Where a run's latency samples wait for the report: every value, for exact nearest-rank
//! percentiles, or log-linear histograms, for memory that does not grow with the number of
//! requests (`output.percentiles`).

mod column;
mod completed_rows;

use column::{stat_from_ns, Column};
pub use completed_rows::Completed;
use completed_rows::CompletedRows;

use crate::config::Percentiles;
use crate::histogram::{bucket_of, Bucket, LogHistogram, Representatives};
use crate::report::{nearest_rank, PercentileBreakdowns, PercentileMethod, Phases, Stat};
use crate::time::{ns_to_ms, Nanos};

/// Mean and nearest-rank percentiles of `values` (nanoseconds), in milliseconds. Reorders
/// `values` (selection, not a full sort: O(n)).
pub fn stat(values: &mut [Nanos]) -> Stat {
    let n = values.len();
    if n == 0 {
        return Stat::default();
    }
    // The nearest rank as a 0-based index.
    let index = |p: u64| (nearest_rank(p, n as u64) - 1) as usize;
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
    stat_from_ns(n as u64, sum, [p50, p90, p99], max)
}

/// Bits of a packed token-gap entry that hold its weight (tokens); the rest hold the gap.
const WEIGHT_BITS: u32 = 18;
const WEIGHT_MASK: u64 = (1 << WEIGHT_BITS) - 1;
/// Gaps at or above this many nanoseconds (19.5 hours) are kept unpacked.
const PACKED_GAP_LIMIT: Nanos = 1 << (64 - WEIGHT_BITS);

/// The inter-token gaps of a run: each entry is one gap length shared by some number of
/// tokens (a step's duration and the tokens it emitted after an earlier one), packed in one
/// `u64` as `gap << 18 | tokens`, so ordering entries orders gaps.
#[derive(Debug, Default)]
pub struct TokenGaps {
    packed: Vec<u64>,
    /// Gaps too long to pack (all longer than every packed one).
    long: Vec<(Nanos, u64)>,
}

impl TokenGaps {
    /// `tokens` tokens each came `gap` after the previous token of their request.
    pub fn record(&mut self, gap: Nanos, mut tokens: u64) {
        if gap >= PACKED_GAP_LIMIT {
            self.long.push((gap, tokens));
            return;
        }
        while tokens > 0 {
            let w = tokens.min(WEIGHT_MASK);
            self.packed.push(gap << WEIGHT_BITS | w);
            tokens -= w;
        }
    }

    /// Mean and nearest-rank percentiles over every token (each entry counts as many
    /// times as its tokens), in milliseconds: O(n), three passes over the entries (at
    /// 100,000 requests there are 700,000 of them, so each pass counts).
    pub fn stat(&mut self) -> Stat {
        let weight = |e: u64| e & WEIGHT_MASK;
        // Pass 1: tokens, their gaps' sum and the largest entry (the largest gap).
        let (mut packed_tokens, mut sum, mut top) = (0u64, 0u128, 0u64);
        for &e in &self.packed {
            packed_tokens += weight(e);
            sum += u128::from(e >> WEIGHT_BITS) * u128::from(weight(e));
            top = top.max(e);
        }
        let long_tokens: u64 = self.long.iter().map(|e| e.1).sum();
        let n = packed_tokens + long_tokens;
        if n == 0 {
            return Stat::default();
        }
        sum += self
            .long
            .iter()
            .map(|&(g, w)| u128::from(g) * u128::from(w))
            .sum::<u128>();
        self.long.sort_unstable();
        let max = match self.long.last() {
            Some(&(g, _)) => g,
            None => top >> WEIGHT_BITS,
        };
        // Pass 2: coarse bins of the packed entries (their order is the gaps' order).
        const BINS: usize = 1024;
        let shift = (u64::BITS - top.leading_zeros()).saturating_sub(BINS.trailing_zeros());
        let bin = |e: u64| (e >> shift) as usize;
        let mut bins = vec![0u64; BINS];
        for &e in &self.packed {
            bins[bin(e)] += weight(e);
        }
        // Each packed rank's bin and its rank among that bin's tokens.
        let ranks = [50, 90, 99].map(|p| nearest_rank(p, n));
        let (mut b, mut below) = (0, 0);
        let located = ranks.map(|rank| {
            if rank > packed_tokens {
                return None;
            }
            while below + bins[b] < rank {
                below += bins[b];
                b += 1;
            }
            Some((b, rank - below))
        });
        // Pass 3: the entries of those (at most three) bins, one copy per distinct bin,
        // then an exact weighted selection among each bin's entries only.
        let wanted = located.map(|l| l.map(|(b, _)| b));
        let mut copies: [Vec<u64>; 3] = Default::default();
        for &e in &self.packed {
            if let Some(k) = wanted.iter().position(|&w| w == Some(bin(e))) {
                copies[k].push(e);
            }
        }
        let mut seen = packed_tokens;
        let mut long = self.long.iter();
        let [p50, p90, p99] = [0, 1, 2].map(|k| match located[k] {
            Some((b, rank)) => {
                let first = wanted.iter().position(|&w| w == Some(b)).unwrap_or(k);
                let (i, _) = weighted_select(&mut copies[first], rank);
                copies[first][i] >> WEIGHT_BITS
            }
            None => {
                // Past the packed tokens: the sorted long gaps, walked on from the last rank.
                let rank = ranks[k];
                loop {
                    match long.as_slice().first() {
                        Some(&(g, w)) if seen + w >= rank => break g,
                        Some(&(_, w)) => {
                            seen += w;
                            long.next();
                        }
                        None => break max,
                    }
                }
            }
        });
        stat_from_ns(n, sum, [p50, p90, p99], max)
    }
}

/// Finds the entry holding the `rank`-th smallest token (1-based, at most the entries'
/// total weight) among packed entries; returns its index and the weight of the entries
/// before it, and leaves every entry before the index no larger and every entry after it no
/// smaller. Quickselect with a median-of-three pivot and a three-way partition, descending
/// by the weights on each side: expected O(n), one pass per level.
fn weighted_select(entries: &mut [u64], mut rank: u64) -> (usize, u64) {
    let (mut lo, mut hi) = (0, entries.len());
    let mut before = 0;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let (a, b, c) = (entries[lo], entries[mid], entries[hi - 1]);
        let pivot = a.max(b).min(a.min(b).max(c));
        let (mut lt, mut i, mut gt) = (lo, lo, hi);
        let (mut w_lt, mut w_eq) = (0, 0);
        while i < gt {
            let e = entries[i];
            if e < pivot {
                entries.swap(lt, i);
                lt += 1;
                i += 1;
                w_lt += e & WEIGHT_MASK;
            } else if e > pivot {
                gt -= 1;
                entries.swap(i, gt);
            } else {
                i += 1;
                w_eq += e & WEIGHT_MASK;
            }
        }
        if rank <= w_lt {
            hi = lt;
        } else if rank <= w_lt + w_eq {
            return (lt, before + w_lt);
        } else {
            rank -= w_lt + w_eq;
            before += w_lt + w_eq;
            lo = gt;
        }
    }
    (lo.min(entries.len().saturating_sub(1)), before)
}

/// The distributions a report shows.
#[derive(Debug, Default)]
pub struct Distributions {
    /// Time to first token.
    pub ttft: Stat,
    /// Time per output token: each request's mean inter-token gap.
    pub tpot: Stat,
    /// Every inter-token gap.
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
                ttft: Column::with_capacity(expected),
                tpot: Column::with_capacity(expected),
                // About 7 steps per request in the reference scenario: reserving avoids
                // holding two copies while the vector doubles.
                itl: TokenGaps {
                    packed: Vec::with_capacity(expected.saturating_mul(8)),
                    long: Vec::new(),
                },
                e2e: Column::with_capacity(expected),
                transfer: Column::default(),
                kv_wait: Column::default(),
                completed: CompletedRows::with_capacity(expected),
            })),
            Percentiles::Histogram => Self::Histogram(Box::default()),
        }
    }

    /// The method, as reports state it.
    pub fn method(&self) -> PercentileMethod {
        match self {
            Self::Exact(_) => PercentileMethod::Exact,
            Self::Histogram(_) => PercentileMethod::Histogram,
        }
    }

    /// `tokens` output tokens each came `gap` after the previous token of their request.
    #[inline]
    pub fn token_gaps(&mut self, gap: Nanos, tokens: u64) {
        if tokens == 0 {
            return;
        }
        match self {
            Self::Exact(s) => s.itl.record(gap, tokens),
            Self::Histogram(h) => h.itl.record_n(gap, tokens),
        }
    }

    /// A completed request: its end-to-end latency, TPOT (if it had two tokens or more)
    /// and its TTFT with phases.
    pub fn completed(&mut self, c: Completed, e2e: Nanos, tpot: Option<Nanos>) {
        match self {
            Self::Exact(s) => {
                s.ttft.push(c.ttft);
                s.e2e.push(e2e);
                if let Some(tpot) = tpot {
                    s.tpot.push(tpot);
                }
                s.completed.push(c);
            }
            Self::Histogram(h) => {
                h.ttft.record(c.ttft);
                h.e2e.record(e2e);
                if let Some(i) = tpot {
                    h.tpot.record(i);
                }
                // Into the local or the disaggregated split only: the histograms of all
                // requests are their sum, formed once at the end (every request touching
                // five more scattered counters cost a tenth of a histogram run).
                let split = usize::from(c.disaggregated);
                {
                    let phases = &mut h.phases[split];
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
            Self::Exact(s) => {
                let ExactSamples {
                    mut ttft,
                    mut tpot,
                    mut itl,
                    mut e2e,
                    mut transfer,
                    mut kv_wait,
                    completed,
                } = *s;
                let stats =
                    [&mut ttft, &mut tpot, &mut e2e, &mut transfer, &mut kv_wait].map(Column::stat);
                let itl = itl.stat();
                // The consumed columns become the five phase columns (no new memory).
                let mut columns = [ttft, tpot, e2e, transfer, kv_wait];
                let (at_ttft, breakdown) = completed.finish(&mut columns);
                let [ttft, tpot, e2e, transfer, kv_wait] = stats;
                Distributions {
                    ttft,
                    tpot,
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
                let [local, remote] = &h.phases;
                let mut all = local.clone();
                all.prefill_queue.merge(&remote.prefill_queue);
                all.prefill.merge(&remote.prefill);
                all.transfer.merge(&remote.transfer);
                all.decode_queue.merge(&remote.decode_queue);
                all.first_decode.merge(&remote.first_decode);
                let breakdown = [&all, local, remote].map(|p| p.map(LogHistogram::stat));
                let buckets = h.ttft.percentile_buckets();
                Distributions {
                    ttft: h.ttft.stat(),
                    tpot: h.tpot.stat(),
                    itl: h.itl.stat(),
                    e2e: h.e2e.stat(),
                    transfer: h.transfer.stat(),
                    kv_wait: h.kv_wait.stat(),
                    breakdown,
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
    ttft: Column,
    tpot: Column,
    itl: TokenGaps,
    e2e: Column,
    transfer: Column,
    kv_wait: Column,
    completed: CompletedRows,
}

/// Histograms of a run.
#[derive(Debug, Default)]
pub struct HistogramSamples {
    ttft: LogHistogram,
    tpot: LogHistogram,
    itl: LogHistogram,
    e2e: LogHistogram,
    transfer: LogHistogram,
    kv_wait: LogHistogram,
    /// Phases of local and disaggregated completed requests (those of all requests are
    /// their sum, formed at the end).
    phases: [Phases<LogHistogram>; 2],
    /// Per TTFT bucket, the phases of the request of lowest arrival id in it.
    at_ttft: Representatives<Phases<Nanos>>,
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
    fn token_gaps_weigh_each_gap_by_its_tokens() {
        // Gaps of 10 ms (3 tokens), 20 ms (1 token), 5 ms (6 tokens): sorted by token,
        // 5 x6, 10 x3, 20 x1. Nearest rank over 10 tokens: p50 = 5th = 5 ms, p90 = 9th =
        // 10 ms, p99 = 10th = 20 ms; mean (30 + 20 + 30) / 10 = 8 ms.
        let mut gaps = TokenGaps::default();
        gaps.record(10_000_000, 3);
        gaps.record(20_000_000, 1);
        gaps.record(5_000_000, 6);
        gaps.record(7_000_000, 0);
        let s = gaps.stat();
        assert_eq!(
            (s.count, s.mean, s.p50, s.p90, s.p99, s.max),
            (10, 8.0, 5.0, 10.0, 20.0, 20.0)
        );
        // Against every token listed one by one, with huge weights and unpackable gaps.
        let mut gaps = TokenGaps::default();
        let mut tokens = Vec::new();
        for i in 0..3_001u64 {
            let (gap, w) = ((i * 7919) % 1_009 * 1_000, (i * 31) % 17);
            gaps.record(gap, w);
            tokens.extend(std::iter::repeat_n(gap, w as usize));
        }
        gaps.record(5, 300_000);
        tokens.extend(std::iter::repeat_n(5, 300_000));
        gaps.record(PACKED_GAP_LIMIT + 3, 2);
        tokens.extend([PACKED_GAP_LIMIT + 3; 2]);
        let (s, exact) = (gaps.stat(), stat(&mut tokens));
        assert_eq!(
            (s.count, s.p50, s.p90, s.p99, s.max),
            (exact.count, exact.p50, exact.p90, exact.p99, exact.max)
        );
        assert!((s.mean - exact.mean).abs() < 1e-9);
        // The upper percentiles among long gaps, and all three in one bin (equal gaps).
        for (short, long) in [(500u64, 100u64), (100, 500), (0, 7), (1_000, 0)] {
            let mut gaps = TokenGaps::default();
            let mut tokens = Vec::new();
            for i in 0..short {
                gaps.record(9_000_000, 1 + i % 3);
                tokens.extend(std::iter::repeat_n(9_000_000, 1 + i as usize % 3));
            }
            for i in 0..long {
                let gap = PACKED_GAP_LIMIT + i % 13;
                gaps.record(gap, 2);
                tokens.extend([gap; 2]);
            }
            let (s, exact) = (gaps.stat(), stat(&mut tokens));
            assert_eq!(
                (s.count, s.p50, s.p90, s.p99, s.max),
                (exact.count, exact.p50, exact.p90, exact.p99, exact.max),
                "{short} short, {long} long"
            );
        }
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
                s.token_gaps(8_000_000 + i % 37 * 10_000, 1 + i % 9);
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
            (&h.tpot, &e.tpot),
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
