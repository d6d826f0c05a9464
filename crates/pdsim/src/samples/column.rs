//! A column of nanosecond values kept for exact statistics in about half the memory: most
//! latencies are below 2^32 ns (4.3 s) and fit a `u32`. At 100,000 requests the exact
//! samples' memory is most of a run's, and on the machines pdsim runs on every fresh page
//! costs a fault of a few microseconds, so the bytes kept are the time spent.

use crate::report::{nearest_rank, Stat};
use crate::time::{ns_to_ms, Nanos};

/// Values in nanoseconds: those below 2^32 as `u32`, the rest as `u64`. Every wide value is
/// above every narrow one, so the k-th smallest of all is the k-th narrow value or, past
/// them, a wide one: the statistics are exactly those of one `u64` column.
#[derive(Debug, Default)]
pub(super) struct Column {
    narrow: Vec<u32>,
    wide: Vec<Nanos>,
}

impl Column {
    /// An empty column with room for `n` narrow values.
    pub(super) fn with_capacity(n: usize) -> Self {
        Self {
            narrow: Vec::with_capacity(n),
            wide: Vec::new(),
        }
    }

    #[inline]
    pub(super) fn push(&mut self, v: Nanos) {
        match u32::try_from(v) {
            Ok(narrow) => self.narrow.push(narrow),
            Err(_) => self.wide.push(v),
        }
    }

    pub(super) fn clear(&mut self) {
        self.narrow.clear();
        self.wide.clear();
    }

    /// Mean and nearest-rank percentiles, in milliseconds: the same as [`super::stat`] of
    /// the values as one `u64` column. Reorders the values (selection: O(n)).
    pub(super) fn stat(&mut self) -> Stat {
        let split = self.narrow.len();
        let n = split + self.wide.len();
        if n == 0 {
            return Stat::default();
        }
        let index = |p: u64| (nearest_rank(p, n as u64) - 1) as usize;
        // As in `stat`: each selection leaves only values no smaller after its index, so
        // the next (higher) percentile is selected in that tail of its part.
        let (mut from_narrow, mut from_wide) = (0, 0);
        let (narrow, wide) = (&mut self.narrow, &mut self.wide);
        let mut at = |i: usize| -> Nanos {
            if i < split {
                let v = *narrow[from_narrow..].select_nth_unstable(i - from_narrow).1;
                from_narrow = i;
                u64::from(v)
            } else {
                let j = i - split;
                let v = *wide[from_wide..].select_nth_unstable(j - from_wide).1;
                from_wide = j;
                v
            }
        };
        let [p50, p90, p99] = [50, 90, 99].map(|p| at(index(p)));
        // The maximum is in the tail after the last selection of the part that holds it.
        let max = if wide.is_empty() {
            narrow[from_narrow..].iter().copied().max().map(u64::from)
        } else {
            wide[from_wide..].iter().copied().max()
        }
        .unwrap_or(p99);
        // Fewer than 2^31 narrow values sum below 2^63: exact in u64 per chunk.
        let narrow_sum: u128 = narrow
            .chunks(1 << 31)
            .map(|c| u128::from(c.iter().map(|&v| u64::from(v)).sum::<u64>()))
            .sum();
        let sum = narrow_sum + wide.iter().map(|&v| u128::from(v)).sum::<u128>();
        stat_from_ns(n as u64, sum, [p50, p90, p99], max)
    }
}

/// A [`Stat`] in milliseconds from `count` values in nanoseconds: their exact sum, their
/// p50, p90 and p99, and their maximum. Every exact statistic is built here.
pub(super) fn stat_from_ns(count: u64, sum: u128, [p50, p90, p99]: [Nanos; 3], max: Nanos) -> Stat {
    Stat {
        count,
        mean: sum as f64 / count as f64 / 1e6,
        p50: ns_to_ms(p50),
        p90: ns_to_ms(p90),
        p99: ns_to_ms(p99),
        max: ns_to_ms(max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The column's statistics against `stat` of the same values as `u64`s.
    fn agrees(values: &[Nanos]) {
        let mut column = Column::with_capacity(0);
        for &v in values {
            column.push(v);
        }
        let mut plain = values.to_vec();
        assert_eq!(column.stat(), super::super::stat(&mut plain), "{values:?}");
    }

    #[test]
    fn same_statistics_as_one_wide_column() {
        agrees(&[]);
        agrees(&[7]);
        agrees(&[u64::MAX]);
        let big = 1u64 << 32;
        // Narrow only, wide only, and mixed with every percentile on either side.
        let shuffled = |n: u64, f: &dyn Fn(u64) -> u64| -> Vec<u64> {
            (0..n).map(|i| f((i * 7919) % n)).collect()
        };
        agrees(&shuffled(1_001, &|i| i % 613 * 1_000));
        agrees(&shuffled(1_001, &|i| big + i % 97));
        for wide_share in [1, 5, 10, 11, 50, 51, 90, 99, 100] {
            let values = shuffled(1_000, &|i| {
                if i * 100 >= (100 - wide_share) * 1_000 {
                    big + i * 3
                } else {
                    i % 17 * 1_000_000
                }
            });
            agrees(&values);
        }
        // Equal values around the boundary.
        agrees(&[big - 1, big, big - 1, big, u64::from(u32::MAX), 0, 0]);
        // Narrow values bunched in a few bins, over the whole 32-bit range, two values,
        // one value, and a spread with an outlier that crowds the rest into one bin.
        agrees(&shuffled(5_000, &|i| 3_000_000 + i % 7));
        agrees(&shuffled(5_000, &|i| (i * 2_654_435_761) % big));
        agrees(&shuffled(5_000, &|i| {
            if i % 3 == 0 {
                0
            } else {
                9_000_000
            }
        }));
        agrees(&shuffled(999, &|_| 42));
        agrees(&shuffled(4_097, &|i| {
            if i == 17 {
                4_000_000_000
            } else {
                i % 1_000
            }
        }));
        for n in 1..40 {
            agrees(&shuffled(n, &|i| i * i % 11));
        }
    }
}
