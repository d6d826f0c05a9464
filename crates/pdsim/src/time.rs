//! Simulated time: integer nanoseconds, converted from and to milliseconds only at the edges.

/// A point or span of simulated time, in nanoseconds.
pub type Nanos = u64;

/// Nanoseconds in a millisecond.
pub const NS_PER_MS: f64 = 1e6;

/// 2^63: below it a non-negative f64 converts to and from i64 exactly (after truncation).
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

/// Milliseconds to nanoseconds, rounded up and saturating (negative or NaN gives 0), so a
/// user pushing a value to an extreme gets a huge time, never a wrapped one.
pub fn ms_to_ns(ms: f64) -> Nanos {
    let ns = ms * NS_PER_MS;
    if ns.is_nan() || ns <= 0.0 {
        0
    } else if ns >= u64::MAX as f64 {
        u64::MAX
    } else if ns < I64_LIMIT {
        // The ceiling, exactly: truncate, then add one if a fraction was cut off. Every
        // step's duration goes through here: `f64::ceil` is a library call on baseline
        // x86-64, and signed conversions are single instructions where unsigned ones are
        // not. (From 2^52 on every f64 is an integer, so the comparison is exact there too.)
        let truncated = ns as i64;
        (if (truncated as f64) < ns {
            truncated + 1
        } else {
            truncated
        }) as u64
    } else {
        // Already an integer.
        ns as u64
    }
}

/// Seconds to nanoseconds (see [`ms_to_ns`]).
pub fn s_to_ns(s: f64) -> Nanos {
    ms_to_ns(s * 1e3)
}

/// Nanoseconds to milliseconds.
pub fn ns_to_ms(ns: Nanos) -> f64 {
    ns as f64 / NS_PER_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rounds_up_and_saturates() {
        for ms in [
            0.3e-6,
            1.0,
            1.5e-6,
            2.0e-6,
            8.123456789,
            1e10,
            4503599627.370497,
        ] {
            assert_eq!(ms_to_ns(ms), (ms * NS_PER_MS).ceil() as u64, "{ms} ms");
        }
        assert_eq!(ms_to_ns(-0.4e-6), 0);
        assert_eq!(ms_to_ns(f64::NAN), 0);
        assert_eq!(ms_to_ns(1e300), u64::MAX);
        assert_eq!(s_to_ns(0.25), 250_000_000);
    }
}
