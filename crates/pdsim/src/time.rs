//! Simulated time: integer nanoseconds, converted from and to milliseconds only at the edges.

/// A point or span of simulated time, in nanoseconds.
pub type Nanos = u64;

/// Nanoseconds in a millisecond.
pub const NS_PER_MS: f64 = 1e6;

/// Milliseconds to nanoseconds, rounded up and saturating (negative or NaN gives 0), so a
/// user pushing a value to an extreme gets a huge time, never a wrapped one.
pub fn ms_to_ns(ms: f64) -> Nanos {
    // `ceil` is exact in IEEE 754 (no libm needed for identical results everywhere).
    let ns = (ms * NS_PER_MS).ceil();
    if ns.is_nan() || ns <= 0.0 {
        0
    } else if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
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
