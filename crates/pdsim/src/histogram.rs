//! A log-linear histogram of nanosecond values, for percentiles in memory that does not
//! grow with the number of requests (`output.percentiles = "histogram"`).
//!
//! Values below 1,024 ns get a bucket each; above, every power of two is split into 1,024
//! equal buckets, so a bucket is at most 1/1,024 of its values wide and a percentile read
//! from its middle is within 0.05% of the exact one. This is HdrHistogram's layout (Gil
//! Tene) at 10 bits of sub-bucket precision; it is written out here because the report also
//! needs one representative request per TTFT bucket, and because counters are allocated in
//! small pages where values land (a run touches a few), where a dense histogram of the same
//! precision would zero ~200 KB per distribution per run.

use crate::report::Stat;
use crate::time::{ns_to_ms, Nanos};

/// Bits of sub-bucket precision: 2^10 buckets per power of two.
const SUB_BITS: u32 = 10;
const SUB_BUCKETS: usize = 1 << SUB_BITS;
/// Octave 0 holds `[0, 1024)` exactly; octave `k >= 1` holds `[2^(k+9), 2^(k+10))`.
const OCTAVES: usize = 64 - SUB_BITS as usize + 1;

/// A bucket: `octave x 1024 + index`.
pub type Bucket = u32;

/// The bucket of `v`.
pub fn bucket_of(v: Nanos) -> Bucket {
    if v < SUB_BUCKETS as u64 {
        return v as Bucket;
    }
    let exponent = 63 - v.leading_zeros(); // >= SUB_BITS
    let shift = exponent - SUB_BITS;
    let octave = shift + 1;
    let index = (v >> shift) as u32 - SUB_BUCKETS as u32;
    octave * SUB_BUCKETS as u32 + index
}

/// The smallest value of bucket `b` and the bucket's width.
fn bounds(b: Bucket) -> (Nanos, Nanos) {
    let (octave, index) = (b >> SUB_BITS, u64::from(b) & (SUB_BUCKETS as u64 - 1));
    if octave == 0 {
        return (index, 1);
    }
    let shift = octave - 1;
    ((SUB_BUCKETS as u64 + index) << shift, 1 << shift)
}

/// The value a percentile in bucket `b` is reported as: the bucket's middle (its only
/// value below 1,024 ns).
pub fn representative_value(b: Bucket) -> Nanos {
    let (low, width) = bounds(b);
    low + (width - 1) / 2
}

/// One slot per bucket, allocated in pages of 64 buckets when a value first lands in one: a
/// run's values touch a few pages, so memory follows the range of the values, not their
/// number.
#[derive(Clone, Debug)]
struct Paged<T> {
    /// One entry per page of the whole bucket range (8 bytes each: the table a run's
    /// lookups walk stays small in the cache), allocated on first use.
    pages: Vec<Option<Box<[T; PAGE]>>>,
}

/// Buckets per page.
const PAGE: usize = 64;

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Self { pages: Vec::new() }
    }
}

impl<T: Clone + Default> Paged<T> {
    /// The slot of bucket `b`. Inlined: every finished request and every step records
    /// several values, and the call itself cost more than the lookup; allocating a page
    /// happens a few times a run and stays out of line.
    #[inline]
    fn slot(&mut self, b: Bucket) -> &mut T {
        let (page, index) = (b as usize / PAGE, b as usize % PAGE);
        if self.pages.is_empty() {
            self.allocate_table();
        }
        &mut self.pages[page].get_or_insert_with(Self::new_page)[index]
    }

    #[cold]
    #[inline(never)]
    fn allocate_table(&mut self) {
        self.pages = vec![None; OCTAVES * SUB_BUCKETS / PAGE];
    }

    #[cold]
    #[inline(never)]
    fn new_page() -> Box<[T; PAGE]> {
        Box::new(std::array::from_fn(|_| T::default()))
    }

    fn get(&self, b: Bucket) -> Option<&T> {
        let b = b as usize;
        Some(&self.pages.get(b / PAGE)?.as_ref()?[b % PAGE])
    }

    /// Every allocated slot with its bucket, in bucket order.
    fn iter(&self) -> impl Iterator<Item = (Bucket, &T)> {
        self.pages.iter().enumerate().flat_map(|(p, page)| {
            page.iter().flat_map(move |slots| {
                slots
                    .iter()
                    .enumerate()
                    .map(move |(i, v)| ((p * PAGE + i) as Bucket, v))
            })
        })
    }
}

/// Per bucket, the value with the lowest key that landed in it (e.g. the phases of the
/// request of lowest arrival id).
#[derive(Clone, Debug, Default)]
pub struct Representatives<T> {
    slots: Paged<Option<(u64, T)>>,
}

impl<T: Clone> Representatives<T> {
    /// Offers `value` with `key` for bucket `b`; it stays if its key is the lowest so far.
    pub fn offer(&mut self, b: Bucket, key: u64, value: T) {
        let slot = self.slots.slot(b);
        if slot.as_ref().is_none_or(|(k, _)| key < *k) {
            *slot = Some((key, value));
        }
    }

    /// The value kept for bucket `b`.
    pub fn get(&self, b: Bucket) -> Option<&T> {
        self.slots.get(b)?.as_ref().map(|(_, v)| v)
    }
}

/// Counts per bucket, plus the exact count, sum and maximum.
#[derive(Clone, Debug, Default)]
pub struct LogHistogram {
    counts: Paged<u64>,
    count: u64,
    sum: u128,
    max: Nanos,
}

impl LogHistogram {
    /// Counts `v`.
    #[inline]
    pub fn record(&mut self, v: Nanos) {
        *self.counts.slot(bucket_of(v)) += 1;
        self.count += 1;
        self.sum += u128::from(v);
        self.max = self.max.max(v);
    }

    /// Counts `v` `n` times.
    #[inline]
    pub fn record_n(&mut self, v: Nanos, n: u64) {
        *self.counts.slot(bucket_of(v)) += n;
        self.count += n;
        self.sum += u128::from(v) * u128::from(n);
        self.max = self.max.max(v);
    }

    /// Adds every value counted in `other`, as if each had been recorded here.
    pub fn merge(&mut self, other: &LogHistogram) {
        for (b, &c) in other.counts.iter() {
            if c > 0 {
                *self.counts.slot(b) += c;
            }
        }
        self.count += other.count;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    /// The buckets holding the nearest-rank p50, p90 and p99 (`None` when empty).
    pub fn percentile_buckets(&self) -> Option<[Bucket; 3]> {
        if self.count == 0 {
            return None;
        }
        let ranks = [50, 90, 99].map(|p| crate::report::nearest_rank(p, self.count));
        let mut found = [0; 3];
        let mut next = 0;
        let mut seen = 0u64;
        for (b, &c) in self.counts.iter() {
            seen += c;
            while next < 3 && seen >= ranks[next] {
                found[next] = b;
                next += 1;
            }
            if next == 3 {
                return Some(found);
            }
        }
        None
    }

    /// Mean, percentiles and maximum, in milliseconds (percentiles within 0.05%; count,
    /// mean and maximum exact).
    pub fn stat(&self) -> Stat {
        let Some([p50, p90, p99]) = self.percentile_buckets() else {
            return Stat::default();
        };
        let at = |b| ns_to_ms(representative_value(b).min(self.max));
        Stat {
            count: self.count,
            mean: self.sum as f64 / self.count as f64 / 1e6,
            p50: at(p50),
            p90: at(p90),
            p99: at(p99),
            max: ns_to_ms(self.max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::stat;

    #[test]
    fn buckets_cover_every_value_in_order_and_are_narrow() {
        let mut previous = 0;
        for v in (0..5000).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let b = bucket_of(v);
            let (low, width) = bounds(b);
            assert!(
                low <= v && v - low < width,
                "{v} in bucket {b} = [{low}, +{width})"
            );
            assert!(b >= previous || v > 5000);
            previous = b;
            // Exact below 1,024 ns, then at most 1/1,024 of the value wide.
            assert!(
                width == 1 || width * 1024 <= low,
                "{v}: width {width}, low {low}"
            );
        }
        assert_eq!(bucket_of(u64::MAX) as usize, OCTAVES * SUB_BUCKETS - 1);
    }

    #[test]
    fn percentiles_agree_with_the_exact_ones_within_the_bucket_precision() {
        // A skewed sample with repeats and a long tail, in nanoseconds.
        let mut values: Vec<Nanos> = (0..20_011u64)
            .map(|i| 300 + (i * 7919 % 10_007).pow(2) * 37 + (i % 13) * 1_000_000)
            .collect();
        let mut h = LogHistogram::default();
        for &v in &values {
            h.record(v);
        }
        let (approx, exact) = (h.stat(), stat(&mut values));
        assert_eq!(
            (approx.count, approx.mean, approx.max),
            (exact.count, exact.mean, exact.max)
        );
        for (a, e) in [
            (approx.p50, exact.p50),
            (approx.p90, exact.p90),
            (approx.p99, exact.p99),
        ] {
            assert!((a - e).abs() <= e * 0.0005 + 1e-6, "{a} vs exact {e}");
        }
        assert_eq!(LogHistogram::default().stat(), Stat::default());
        // Small values are exact.
        let mut small = LogHistogram::default();
        for v in [5, 1, 9, 3] {
            small.record(v);
        }
        assert_eq!(
            (small.stat().p50, small.stat().p99),
            (ns_to_ms(3), ns_to_ms(9))
        );
    }
}
