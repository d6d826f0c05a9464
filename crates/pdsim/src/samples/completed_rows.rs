//! The completed requests' phases, kept for the exact phase statistics and for the phases of
//! the requests at the TTFT percentiles: 24 bytes a request when its phases fit 32 bits
//! (below 4.3 s each), the full 64-byte [`Completed`] otherwise.

use super::column::Column;
use crate::report::{nearest_rank, PercentileBreakdowns, Phases, Stat};
use crate::time::{ns_to_ms, Nanos};

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

/// Set in a narrow row's `id` when its prefill ran on a prefill instance.
const DISAGGREGATED: u32 = 1 << 31;

/// A completed request whose phases and id fit 32 bits (its TTFT is their sum).
#[derive(Clone, Copy, Debug)]
struct Narrow {
    phases: [u32; 5],
    /// Arrival id, with [`DISAGGREGATED`] set for a disaggregated request.
    id: u32,
}

/// What the statistics read of a row.
trait Row {
    /// TTFT, then arrival id: the order of the TTFT percentiles (ids are unique).
    fn key(&self) -> (Nanos, u64);
    fn phases(&self) -> Phases<Nanos>;
    fn disaggregated(&self) -> bool;
}

impl Row for Narrow {
    #[inline]
    fn key(&self) -> (Nanos, u64) {
        let ttft = self.phases.iter().map(|&v| u64::from(v)).sum();
        (ttft, u64::from(self.id & !DISAGGREGATED))
    }

    fn phases(&self) -> Phases<Nanos> {
        let [prefill_queue, prefill, transfer, decode_queue, first_decode] =
            self.phases.map(u64::from);
        Phases {
            prefill_queue,
            prefill,
            transfer,
            decode_queue,
            first_decode,
        }
    }

    fn disaggregated(&self) -> bool {
        self.id & DISAGGREGATED != 0
    }
}

impl Row for Completed {
    fn key(&self) -> (Nanos, u64) {
        (self.ttft, self.id)
    }

    fn phases(&self) -> Phases<Nanos> {
        self.phases
    }

    fn disaggregated(&self) -> bool {
        self.disaggregated
    }
}

/// Every completed request's phases: narrow rows while they fit, wide ones for the rest.
#[derive(Debug, Default)]
pub(super) struct CompletedRows {
    narrow: Vec<Narrow>,
    wide: Vec<Completed>,
}

impl CompletedRows {
    pub(super) fn with_capacity(n: usize) -> Self {
        Self {
            narrow: Vec::with_capacity(n),
            wide: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, c: Completed) {
        let p = &c.phases;
        let phases = [
            p.prefill_queue,
            p.prefill,
            p.transfer,
            p.decode_queue,
            p.first_decode,
        ]
        .map(u32::try_from);
        let id = u32::try_from(c.id).ok().filter(|&id| id < DISAGGREGATED);
        let sum: Option<u64> = phases
            .iter()
            .map(|v| v.ok().map(u64::from))
            .sum::<Option<u64>>();
        match (phases, id) {
            // Only when the TTFT is the phases' sum can a narrow row give it back.
            ([Ok(a), Ok(b), Ok(t), Ok(d), Ok(f)], Some(id)) if sum == Some(c.ttft) => {
                self.narrow.push(Narrow {
                    phases: [a, b, t, d, f],
                    id: id | if c.disaggregated { DISAGGREGATED } else { 0 },
                });
            }
            _ => self.wide.push(c),
        }
    }

    /// The phases of the requests at the p50, p90 and p99 TTFT, then the phases'
    /// statistics over all, local and disaggregated requests (computed in `columns`, which
    /// are cleared and reused). Reorders the rows.
    pub(super) fn finish(
        mut self,
        columns: &mut [Column; 5],
    ) -> (PercentileBreakdowns, [Phases<Stat>; 3]) {
        if self.wide.is_empty() {
            return finish_rows(&mut self.narrow, columns);
        }
        // Rare (a phase of 4.3 s or more): all rows as wide ones, one order for all.
        self.wide.reserve(self.narrow.len());
        self.wide.extend(self.narrow.iter().map(|r| Completed {
            ttft: r.key().0,
            id: r.key().1,
            phases: r.phases(),
            disaggregated: r.disaggregated(),
        }));
        self.narrow = Vec::new();
        finish_rows(&mut self.wide, columns)
    }
}

fn finish_rows<R: Row>(
    rows: &mut [R],
    columns: &mut [Column; 5],
) -> (PercentileBreakdowns, [Phases<Stat>; 3]) {
    let at_ttft = breakdowns_at_percentiles(rows);
    let breakdown = [
        phase_stats(rows, columns, |_| true),
        phase_stats(rows, columns, |r| !r.disaggregated()),
        phase_stats(rows, columns, |r| r.disaggregated()),
    ];
    (at_ttft, breakdown)
}

/// The five phases' statistics over the rows that `keep` selects, from one pass over them
/// into five reused columns (one pass per phase read the rows five times over, which at
/// 100,000 requests no longer fit in the caches).
fn phase_stats<R: Row>(
    rows: &[R],
    columns: &mut [Column; 5],
    keep: impl Fn(&R) -> bool,
) -> Phases<Stat> {
    for column in columns.iter_mut() {
        column.clear();
    }
    for r in rows.iter().filter(|r| keep(r)) {
        let p = r.phases();
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
        prefill_queue: prefill_queue.stat(),
        prefill: prefill.stat(),
        transfer: transfer.stat(),
        decode_queue: decode_queue.stat(),
        first_decode: first_decode.stat(),
    }
}

/// The phases of the requests at the p50, p90 and p99 TTFT (nearest rank); reorders the
/// rows. Equal TTFTs are ordered by request id, so the chosen request is well defined.
fn breakdowns_at_percentiles<R: Row>(rows: &mut [R]) -> PercentileBreakdowns {
    let n = rows.len();
    if n == 0 {
        return PercentileBreakdowns::default();
    }
    let index = |p: u64| (nearest_rank(p, n as u64) - 1) as usize;
    // As in `stat`: each selection leaves only larger keys after its index, so the next
    // percentile is selected in that tail. Keys are unique, so the choice is well defined.
    let mut from = 0;
    let mut at = |p: u64| {
        let i = index(p);
        let tail = &mut rows[from..];
        let chosen = tail
            .select_nth_unstable_by_key(i - from, |r| r.key())
            .1
            .phases()
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

    fn request(i: u64, ttft: Nanos, id: u64, disaggregated: bool) -> Completed {
        // Phases that name the request and add up to its TTFT.
        let prefill_queue = id.min(ttft);
        let first_decode = (i % 3).min(ttft - prefill_queue);
        Completed {
            ttft,
            id,
            phases: Phases {
                prefill_queue,
                prefill: ttft - prefill_queue - first_decode,
                first_decode,
                ..Phases::default()
            },
            disaggregated,
        }
    }

    #[test]
    fn breakdowns_are_those_of_the_requests_at_the_ttft_percentiles() {
        // Many equal TTFTs: ties must go to the lower id, as a full sort by (ttft, id) does.
        let completed: Vec<Completed> = (0..997u64)
            .map(|i| request(i, (i * 7919) % 101 * 1_000_000, (i * 31) % 997, false))
            .collect();
        let mut sorted = completed.clone();
        sorted.sort_unstable_by_key(|c| (c.ttft, c.id));
        let at = |p: usize| {
            sorted[(p * 997).div_ceil(100) - 1]
                .phases
                .map(|&v| ns_to_ms(v))
        };
        let mut rows = CompletedRows::default();
        for c in completed {
            rows.push(c);
        }
        assert_eq!((rows.narrow.len(), rows.wide.len()), (997, 0));
        let (got, _) = rows.finish(&mut Default::default());
        assert_eq!((got.p50, got.p90, got.p99), (at(50), at(90), at(99)));
    }

    /// Narrow and wide rows give the same answers as all rows kept wide.
    #[test]
    fn narrow_rows_change_no_answer() {
        let long = 5_000_000_000; // 5 s: past a narrow phase
        for long_every in [0u64, 2, 7, 500] {
            let completed: Vec<Completed> = (0..1_000u64)
                .map(|i| {
                    let ttft = if long_every > 0 && i % long_every == 0 {
                        long + i
                    } else {
                        (i * 7919) % 211 * 1_000_000
                    };
                    request(i, ttft, (i * 37) % 1_000, i % 3 != 0)
                })
                .collect();
            let mut rows = CompletedRows::default();
            for &c in &completed {
                rows.push(c);
            }
            let narrow = rows.narrow.len();
            assert_eq!(narrow == 1_000, long_every == 0, "narrow rows {narrow}");
            let mut all_wide = completed.clone();
            let expected = finish_rows(&mut all_wide, &mut Default::default());
            assert_eq!(rows.finish(&mut Default::default()), expected);
        }
    }

    #[test]
    fn rows_that_cannot_be_narrow_stay_wide() {
        let mut rows = CompletedRows::default();
        // An id past 31 bits, and a TTFT that is not the sum of its phases.
        rows.push(request(0, 10, 1 << 31, true));
        let mut odd = request(1, 10, 1, false);
        odd.ttft = 11;
        rows.push(odd);
        rows.push(request(2, 10, 2, true));
        assert_eq!((rows.narrow.len(), rows.wide.len()), (1, 2));
        let (at, breakdown) = rows.finish(&mut Default::default());
        assert_eq!(breakdown[2].prefill.count, 2);
        assert_eq!(at.p99.prefill_queue, ns_to_ms(1));
    }
}
