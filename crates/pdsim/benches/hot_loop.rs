//! Micro-benchmarks of the hot loop's pieces: `cargo bench -p pdsim`.
//! Each line is the median of 7 timed repetitions.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use pdsim::config::{Decider, LengthDist};
use pdsim::internals::{BlockPool, SharedPrefix};
use pdsim::workload::Prompt;
use pdsim::Config;

fn median_ns(repeats: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_nanos() as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}

fn report(name: &str, ops: u64, unit: &str, ns: f64) {
    println!(
        "{name:<48} {:>10.1} ns/{unit}   ({ops} {unit}s in {:.2} ms)",
        ns / ops as f64,
        ns / 1e6
    );
}

fn main() {
    // A decode-heavy instance: 256 long-output requests batched together. Per-step cost
    // must not depend on the batch, so ns/step is the number to watch.
    let mut decode = Config::default();
    decode.topology.prefill.instances = 0;
    decode.topology.decode.instances = 1;
    decode.disaggregation.decider = Decider::Never;
    decode.workload.requests = Some(256);
    decode.workload.arrival.rate_per_s = 1e6;
    decode.workload.input_tokens = LengthDist::Constant { value: 128 };
    decode.workload.output_tokens = LengthDist::Constant { value: 4000 };
    decode.output.per_request = false;
    let steps = pdsim::run(&decode).unwrap().summary.steps;
    report(
        "engine: decode steps, batch of 256",
        steps,
        "step",
        median_ns(7, || {
            black_box(pdsim::run(black_box(&decode)).unwrap());
        }),
    );

    // The reference disaggregated scenario, 10,000 requests: end to end per request.
    let mut reference = pdsim::bench_reference();
    reference.workload.requests = Some(10_000);
    report(
        "engine: reference scenario, 10,000 requests",
        10_000,
        "request",
        median_ns(7, || {
            black_box(pdsim::run(black_box(&reference)).unwrap());
        }),
    );

    // Prefix cache: take and return a 32-block shared prefix.
    let prompt = Prompt {
        group: Some(1),
        shared_tokens: 512,
        salt: 0,
        len: 1024,
    };
    let prefix = SharedPrefix::of(&prompt, 16);
    let mut pool = BlockPool::new(30_000, true);
    report(
        "prefix cache: acquire + release 32 blocks",
        100_000,
        "request",
        median_ns(7, || {
            for _ in 0..100_000 {
                assert!(pool.try_acquire(black_box(prefix), 33));
                pool.release(prefix, 33);
            }
        }),
    );

    // Percentiles of 100,000 latencies.
    let values: Vec<u64> = (0..100_000u64)
        .map(|i| (i * 2_654_435_761) % 1_000_000_007)
        .collect();
    report(
        "stat: mean and p50/p90/p99 of 100,000 values",
        100_000,
        "value",
        median_ns(7, || {
            let mut v = values.clone();
            black_box(pdsim::internals::stat(&mut v));
        }),
    );
}
