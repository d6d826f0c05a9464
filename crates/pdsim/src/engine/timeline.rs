//! Per-instance activity in a fixed number of time buckets. The bucket width starts at
//! 1 ms and doubles (merging neighbours) whenever the run outgrows the buckets, so memory
//! stays fixed however long the run is.
//!
//! The width is kept as `1 ms << shift`: every step records into it, and dividing by a
//! constant then shifting is several times cheaper than a 64-bit division by a variable
//! (`t / (a * 2^k) == (t / a) >> k` for integers).

use crate::report::{InstanceSeries, Timeline};
use crate::time::Nanos;

#[derive(Clone, Debug, Default)]
struct Series {
    busy: Vec<Nanos>,
    prefill_tokens: Vec<u64>,
    decode_tokens: Vec<u64>,
    transfers_in: Vec<u64>,
}

/// The narrowest bucket: 1 ms.
const NS_PER_BUCKET_UNIT: Nanos = 1_000_000;

/// Records activity into buckets.
#[derive(Debug)]
pub struct TimelineRecorder {
    buckets: usize,
    /// Bucket width is `NS_PER_BUCKET_UNIT << shift`.
    shift: u32,
    /// Times below this fall in the buckets at the current width.
    covered: Nanos,
    series: Vec<Series>,
}

impl TimelineRecorder {
    /// A recorder of `buckets` buckets (0 records nothing) for `instances` instances.
    pub fn new(buckets: u32, instances: usize) -> Self {
        let buckets = buckets as usize;
        let empty = Series {
            busy: vec![0; buckets],
            prefill_tokens: vec![0; buckets],
            decode_tokens: vec![0; buckets],
            transfers_in: vec![0; buckets],
        };
        Self {
            buckets,
            shift: 0,
            covered: NS_PER_BUCKET_UNIT.saturating_mul(buckets as u64),
            series: vec![empty; if buckets == 0 { 0 } else { instances }],
        }
    }

    /// Bucket width in nanoseconds.
    fn width(&self) -> Nanos {
        NS_PER_BUCKET_UNIT << self.shift
    }

    /// The bucket `t` falls in at the current width (unclamped).
    fn index(&self, t: Nanos) -> u64 {
        (t / NS_PER_BUCKET_UNIT) >> self.shift
    }

    fn bucket_of(&mut self, t: Nanos) -> usize {
        if t >= self.covered {
            self.widen_to(t);
        }
        (self.index(t) as usize).min(self.buckets - 1)
    }

    /// Doubles the width until `t` falls in the buckets (or the width cannot grow).
    #[cold]
    fn widen_to(&mut self, t: Nanos) {
        while self.index(t) >= self.buckets as u64 && self.width() < Nanos::MAX / 2 {
            self.shift += 1;
            for s in &mut self.series {
                merge_pairs(&mut s.busy);
                merge_pairs(&mut s.prefill_tokens);
                merge_pairs(&mut s.decode_tokens);
                merge_pairs(&mut s.transfers_in);
            }
        }
        self.covered = self.width().saturating_mul(self.buckets as u64);
    }

    /// A step of `instance` from `start` to `end` with its token counts.
    pub fn step(&mut self, instance: usize, start: Nanos, end: Nanos, prefill: u64, decode: u64) {
        if self.buckets == 0 {
            return;
        }
        let last = self.bucket_of(end);
        let first = (self.index(start) as usize).min(last);
        let width = self.width();
        let series = &mut self.series[instance];
        if first == last {
            // Most steps are far shorter than a bucket.
            series.busy[last] += end.saturating_sub(start);
        } else {
            let mut t = start;
            for b in first..=last {
                let bucket_end = if b == last {
                    end
                } else {
                    ((b as u64 + 1) * width).min(end)
                };
                series.busy[b] += bucket_end - t;
                t = bucket_end;
            }
        }
        series.prefill_tokens[last] += prefill;
        series.decode_tokens[last] += decode;
    }

    /// A KV transfer that finished arriving at `instance` at `t`.
    pub fn transfer_in(&mut self, instance: usize, t: Nanos) {
        if self.buckets == 0 {
            return;
        }
        let b = self.bucket_of(t);
        self.series[instance].transfers_in[b] += 1;
    }

    /// The report form, trimmed to the buckets that `end` reaches.
    pub fn finish(mut self, end: Nanos) -> Timeline {
        if self.buckets == 0 {
            return Timeline::default();
        }
        let used = self.bucket_of(end) + 1;
        let width = self.width() as f64;
        Timeline {
            bucket_ms: width / 1e6,
            instances: self
                .series
                .into_iter()
                .map(|s| InstanceSeries {
                    busy: s.busy[..used]
                        .iter()
                        .map(|&b| (b as f64 / width).min(1.0))
                        .collect(),
                    prefill_tokens: s.prefill_tokens[..used].to_vec(),
                    decode_tokens: s.decode_tokens[..used].to_vec(),
                    transfers_in: s.transfers_in[..used].to_vec(),
                })
                .collect(),
        }
    }
}

fn merge_pairs(v: &mut [u64]) {
    let n = v.len();
    for i in 0..n {
        v[i] = if 2 * i + 1 < n {
            v[2 * i] + v[2 * i + 1]
        } else if 2 * i < n {
            v[2 * i]
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_and_keeps_totals() {
        let mut t = TimelineRecorder::new(4, 1);
        t.step(0, 0, 1_500_000, 10, 0);
        t.step(0, 2_000_000, 9_000_000, 0, 5);
        let out = t.finish(9_000_000);
        // Width doubled 1 -> 2 -> 4 ms to reach 9 ms with 4 buckets.
        assert_eq!(out.bucket_ms, 4.0);
        let s = &out.instances[0];
        assert_eq!(s.prefill_tokens.iter().sum::<u64>(), 10);
        assert_eq!(s.decode_tokens.iter().sum::<u64>(), 5);
        let busy_ms: f64 = s.busy.iter().map(|b| b * 4.0).sum();
        assert!((busy_ms - 8.5).abs() < 1e-9, "{busy_ms}");
    }
}
