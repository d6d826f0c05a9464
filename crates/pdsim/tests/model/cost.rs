//! The engine's work per step does not grow with the batch: decoders are never visited one
//! by one. Counted in operations, not timed, so the test is exact and machine-independent.

use pdsim::config::LengthDist;
use pdsim::internals::Simulation;
use pdsim::Config;

/// (engine work units, steps, requests, mean decoders per step) of a run.
fn work_of(config: &Config) -> (u64, u64, u64, f64) {
    let validated = pdsim::validate(config).unwrap();
    let outcome = Simulation::new(&validated).run().unwrap();
    let work = outcome.instances.iter().map(|i| i.stats.work).sum();
    let steps: u64 = outcome.instances.iter().map(|i| i.stats.steps).sum();
    let decoded: u64 = outcome
        .instances
        .iter()
        .map(|i| i.stats.decode_tokens)
        .sum();
    let requests = outcome.report().summary.injected;
    (work, steps, requests, decoded as f64 / steps as f64)
}

#[test]
fn work_per_step_is_independent_of_batch_size() {
    let mut config = Config::default();
    config.workload.requests = Some(3000);
    config.workload.arrival.rate_per_s = 200.0;
    config.workload.input_tokens = LengthDist::Constant { value: 256 };
    config.workload.output_tokens = LengthDist::Constant { value: 1000 };
    let mut small = config.clone();
    small.engine.max_num_seqs = 16;
    let (work_big, steps_big, requests, batch_big) = work_of(&config);
    let (work_small, steps_small, _, batch_small) = work_of(&small);
    // The big batches really are big: the test would catch per-decoder work.
    assert!(batch_big > 100.0, "mean decode batch {batch_big}");
    assert!(
        batch_big > 4.0 * batch_small,
        "{batch_big} vs {batch_small}"
    );
    // Work: a few units per step plus a few per request, whatever the batch size. A
    // per-decoder loop would add ~batch x steps (> 100 per step here).
    for (work, steps) in [(work_big, steps_big), (work_small, steps_small)] {
        assert!(
            work <= 3 * steps + 12 * requests,
            "work {work}, steps {steps}, requests {requests}"
        );
    }
}
