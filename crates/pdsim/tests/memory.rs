//! Memory per request, counted by an instrumented allocator (in its own test binary, with
//! one test, so nothing else allocates while it measures): summary-only runs with histogram
//! percentiles hold the heap flat as requests grow, and per-request records cost at most
//! 200 bytes each.

#![cfg(not(target_arch = "wasm32"))]
// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use pdsim::config::Percentiles;
use pdsim::Config;
use peakmem_alloc::{PeakMemAlloc, PeakMemAllocTrait, INSTRUMENTED_SYSTEM};

#[global_allocator]
static ALLOCATOR: &PeakMemAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Peak heap bytes above the starting point while running `config`, and its report's
/// number of requests.
fn peak_of(config: &Config) -> (usize, usize) {
    ALLOCATOR.reset_peak_memory();
    let report = pdsim::run(config).unwrap();
    (
        ALLOCATOR.get_peak_memory(),
        report.summary.injected as usize,
    )
}

fn reference(requests: u64, per_request: bool, percentiles: Percentiles) -> Config {
    let mut config = pdsim::bench_reference();
    config.workload.requests = Some(requests);
    config.output.per_request = per_request;
    config.output.percentiles = percentiles;
    config
}

#[test]
fn memory_per_request() {
    let (small, large) = (10_000, 100_000);
    let added = (large - small) as f64;

    // Histogram percentiles, no records: the run holds the requests in flight and histogram
    // pages where values land (a few more as the tails stretch), nothing per request.
    let (h_small, _) = peak_of(&reference(small, false, Percentiles::Histogram));
    let (h_large, n) = peak_of(&reference(large, false, Percentiles::Histogram));
    assert_eq!(n, large as usize);
    let per_added = (h_large as f64 - h_small as f64) / added;
    assert!(
        per_added < 5.0,
        "histogram summary grew {per_added:.1} bytes per request ({h_small} -> {h_large} bytes)"
    );

    // Exact percentiles keep a few 8-byte samples per request: the counter sees them.
    let (e_small, _) = peak_of(&reference(small, false, Percentiles::Exact));
    let (e_large, _) = peak_of(&reference(large, false, Percentiles::Exact));
    let exact_per_added = (e_large as f64 - e_small as f64) / added;
    assert!(
        (50.0..200.0).contains(&exact_per_added),
        "exact summary: {exact_per_added:.1} bytes per request"
    );

    // Records: at most 200 bytes each on top of the summary-only run.
    let (records, _) = peak_of(&reference(large, true, Percentiles::Exact));
    let per_record = (records as f64 - e_large as f64) / large as f64;
    assert!(
        per_record <= 200.0,
        "per-request records cost {per_record:.1} bytes each"
    );
    println!(
        "heap per added request: histogram {per_added:.1} B, exact {exact_per_added:.1} B; \
         records {per_record:.1} B each"
    );
}
