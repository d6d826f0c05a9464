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
    let mut counts = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let report = pdsim::run(config).map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64());
        // Only the counts are kept: holding the report into the next run would count its
        // records twice in the peak memory.
        counts = Some((report.summary.injected, report.summary.steps));
    }
    times.sort_by(f64::total_cmp);
    let (requests, steps) = counts.ok_or("no run")?;
    Ok(Measured {
        seconds: times[times.len() / 2],
        requests,
        steps,
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

    // Ordered by growing memory, so the process's peak after each case is that case's peak.
    let cases = [
        ("reference, 1/10 of the requests", &tenth),
        ("reference (summary only)", &reference),
        ("max_num_seqs x2", &double_seqs),
        ("output length x2", &long_output),
        ("reference, per-request records", &with_records),
    ];
    let mut out = String::from(
        "scenario                              requests   wall ms   requests/s     steps/s   us/step  peak MiB\n",
    );
    let mut results = Vec::new();
    let mut peaks = Vec::new();
    for (name, config) in cases {
        let m = measure(config, repeat)?;
        let peak = peak_rss_bytes();
        let _ = writeln!(
            out,
            "{name:<36} {:>9} {:>9.1} {:>12.0} {:>11.0} {:>9.3} {:>9}",
            m.requests,
            m.seconds * 1e3,
            m.requests as f64 / m.seconds,
            m.steps as f64 / m.seconds,
            m.seconds * 1e6 / m.steps.max(1) as f64,
            peak.map_or("n/a".to_owned(), |b| format!(
                "{:.1}",
                b as f64 / (1 << 20) as f64
            ))
        );
        results.push(m);
        peaks.push(peak);
    }
    // By role, whatever the run order: reference, with records, tenth, x2 seqs, x2 output.
    let results = [
        &results[1],
        &results[4],
        &results[0],
        &results[2],
        &results[3],
    ];
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
        per_step(results[3]) / per_step(results[0])
    );
    let _ = writeln!(
        out,
        "  output length x2, time per step:    {:.2} (target < 2)",
        per_step(results[4]) / per_step(results[0])
    );
    if let (Some(Some(before)), Some(Some(after))) = (peaks.get(3), peaks.get(4)) {
        let _ = write!(
            out,
            "memory: per-request records add {:.0} bytes per request (peak RSS growth / requests)",
            after.saturating_sub(*before) as f64 / results[1].requests.max(1) as f64
        );
    }
    Ok(out)
}

/// Peak resident memory of this process so far (Linux `VmHWM`), if the OS tells.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
