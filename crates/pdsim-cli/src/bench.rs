//! `pdsim bench`: simulated requests per wall second on fixed scenarios, and the ratios
//! that show the cost does not grow with batch size or output length per step.

use std::fmt::Write;
use std::time::Instant;

use pdsim::config::LengthDist;
use pdsim::Config;

struct Measured {
    seconds: f64,
    requests: u64,
    steps: u64,
}

fn measure(config: &Config, repeat: usize) -> Result<Measured, String> {
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let report = pdsim::run(config).map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64());
        last = Some(report);
    }
    times.sort_by(f64::total_cmp);
    let report = last.ok_or("no run")?;
    Ok(Measured {
        seconds: times[times.len() / 2],
        requests: report.summary.injected,
        steps: report.summary.steps,
    })
}

fn scaled(mut config: Config, scale: f64) -> Config {
    let n = config.workload.requests.unwrap_or(1000) as f64 * scale;
    config.workload.requests = Some(n.max(100.0) as u64);
    config
}

/// Runs the bench and renders its table.
pub fn run(scale: f64, repeat: usize) -> Result<String, String> {
    let reference = scaled(pdsim::examples::bench_reference(), scale);
    let mut with_records = reference.clone();
    with_records.output.per_request = true;
    let mut tenth = reference.clone();
    tenth.workload.requests = reference.workload.requests.map(|n| n / 10);
    let mut double_seqs = reference.clone();
    double_seqs.engine.max_num_seqs *= 2;
    double_seqs.engine.max_num_batched_tokens *= 2;
    let mut long_output = reference.clone();
    long_output.workload.output_tokens = LengthDist::Normal {
        mean: 256.0,
        std: 64.0,
        min: Some(1),
        max: Some(1024),
    };

    let cases = [
        ("reference (summary only)", &reference),
        ("reference, per-request records", &with_records),
        ("reference, 1/10 of the requests", &tenth),
        ("max_num_seqs x2", &double_seqs),
        ("output length x2", &long_output),
    ];
    let mut out = String::from(
        "scenario                              requests   wall ms   requests/s     steps/s   us/step\n",
    );
    let mut results = Vec::new();
    for (name, config) in cases {
        let m = measure(config, repeat)?;
        let _ = writeln!(
            out,
            "{name:<36} {:>9} {:>9.1} {:>12.0} {:>11.0} {:>9.3}",
            m.requests,
            m.seconds * 1e3,
            m.requests as f64 / m.seconds,
            m.steps as f64 / m.seconds,
            m.seconds * 1e6 / m.steps.max(1) as f64
        );
        results.push(m);
    }
    let per_step = |m: &Measured| m.seconds / m.steps.max(1) as f64;
    let _ = writeln!(out, "\nratios (time; 1.0 = no growth)");
    let _ = writeln!(
        out,
        "  10x requests / 1x:                  {:.2} (target <= 11)",
        results[0].seconds / results[2].seconds
    );
    let _ = writeln!(
        out,
        "  max_num_seqs x2, time per step:     {:.2} (target < 2)",
        per_step(&results[3]) / per_step(&results[0])
    );
    let _ = write!(
        out,
        "  output length x2, time per step:    {:.2} (target < 2)",
        per_step(&results[4]) / per_step(&results[0])
    );
    Ok(out)
}
