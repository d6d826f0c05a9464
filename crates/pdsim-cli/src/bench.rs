//! `pdsim bench`: simulated requests per wall second on fixed scenarios, and the ratios
//! that show the cost does not grow with batch size or output length per step.

use std::fmt::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use pdsim::config::{LengthDist, Percentiles};
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
    let reference = scaled(pdsim::bench_reference(), scale);
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
    let mut histogram = reference.clone();
    histogram.output.percentiles = Percentiles::Histogram;
    let mut histogram_10x = histogram.clone();
    histogram_10x.workload.requests = reference.workload.requests.map(|n| n * 10);

    // Ordered by growing memory: where the peak cannot be reset, or memory freed by a row
    // stays with the process, a row's peak is still its own.
    let (reference_config, tenth_config) = (reference.clone(), tenth.clone());
    let cases = [
        ("reference, histogram percentiles", &histogram, repeat),
        // One run: it only shows that memory does not grow with the requests.
        ("  the same, 10x the requests (1 run)", &histogram_10x, 1),
        // Ten times the repetitions: the same measuring time as the reference, so the
        // ratio of the two is not at the mercy of one short disturbed run.
        ("reference, 1/10 of the requests", &tenth, repeat * 10),
        ("reference (summary only)", &reference, repeat),
        ("max_num_seqs x2", &double_seqs, repeat),
        ("output length x2", &long_output, repeat),
        ("reference, per-request records", &with_records, repeat),
    ];
    let mut out = String::from(
        "scenario                              requests   wall ms   requests/s     steps/s   us/step  peak MiB\n",
    );
    let mut results = Vec::new();
    for (name, config, repeat) in cases {
        reset_peak_rss();
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
            peak.map_or("n/a".to_owned(), |b| format!("{:.1}", mib(b)))
        );
        results.push((m, peak));
    }
    let [histogram, histogram_10x, tenth, reference, double_seqs, long_output, with_records] =
        &results[..]
    else {
        return Err("bench: missing results".into());
    };
    let per_step = |m: &Measured| m.seconds / m.steps.max(1) as f64;
    let _ = writeln!(out, "\nratios (time; 1.0 = no growth)");
    let _ = writeln!(
        out,
        "  10x requests / 1x:                  {:.2} (target <= 11)",
        reference.0.seconds / tenth.0.seconds
    );
    let _ = writeln!(
        out,
        "  max_num_seqs x2, time per step:     {:.2} (target < 2)",
        per_step(&double_seqs.0) / per_step(&reference.0)
    );
    let _ = writeln!(
        out,
        "  output length x2, time per step:    {:.2} (target < 2)",
        per_step(&long_output.0) / per_step(&reference.0)
    );
    // Peak memory of each row alone (the peak is reset before each row, where the OS allows).
    let growth = |more: &(Measured, Option<u64>), base: &(Measured, Option<u64>), per: u64| {
        let (Some(a), Some(b)) = (more.1, base.1) else {
            return "n/a".to_owned();
        };
        format!(
            "{:.1} bytes per request",
            (a as f64 - b as f64) / per.max(1) as f64
        )
    };
    let added = |more: &(Measured, Option<u64>), base: &(Measured, Option<u64>)| {
        more.0.requests.saturating_sub(base.0.requests)
    };
    let _ = writeln!(
        out,
        "\nmemory (growth of peak RSS; targets: records <= 200 bytes each, histograms flat)"
    );
    for (label, text) in [
        (
            "per-request records (records - summary only) / requests:",
            growth(with_records, reference, with_records.0.requests),
        ),
        (
            "summary only, exact percentiles, per added request:",
            growth(reference, tenth, added(reference, tenth)),
        ),
        (
            "summary only, histogram percentiles, per added request:",
            growth(histogram_10x, histogram, added(histogram_10x, histogram)),
        ),
    ] {
        let _ = writeln!(out, "  {label:<58} {text}");
    }
    // The same reference as a user runs it: a process that starts, reads the config file,
    // runs it and prints the summary table.
    let process = measure_process(&reference_config, repeat)?;
    let process_tenth = measure_process(&tenth_config, repeat * 10)?;
    let _ = writeln!(
        out,
        "\nwhole process (`pdsim run FILE --summary`, start-up, parsing and output included)"
    );
    for (label, seconds, requests) in [
        ("reference", process, reference.0.requests),
        (
            "reference, 1/10 of the requests",
            process_tenth,
            tenth.0.requests,
        ),
    ] {
        let _ = writeln!(
            out,
            "  {label:<36} {requests:>9} {:>9.1} {:>12.0}",
            seconds * 1e3,
            requests as f64 / seconds
        );
    }
    let _ = writeln!(
        out,
        "  requests/s {:.0} (target >= 1000000); 10x requests / 1x: {:.2} (target <= 11)",
        reference.0.requests as f64 / process,
        process / process_tenth
    );
    Ok(out.trim_end().to_owned())
}

/// The median wall time of `pdsim run FILE --summary` run `repeat` times as a child process
/// of this same program, with `config` in FILE (a temporary file, removed afterwards).
fn measure_process(config: &Config, repeat: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("bench: this program's path: {e}"))?;
    let path = std::env::temp_dir().join(format!("pdsim-bench-{}.json", std::process::id()));
    let json = serde_json::to_string(config).map_err(|e| e.to_string())?;
    std::fs::write(&path, json).map_err(|e| format!("bench: writing {}: {e}", path.display()))?;
    let mut times = Vec::with_capacity(repeat);
    let mut failure = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let status = Command::new(&exe)
            .arg("run")
            .arg(&path)
            .arg("--summary")
            .stdout(Stdio::null())
            .status();
        times.push(start.elapsed().as_secs_f64());
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => failure = Some(format!("bench: `pdsim run` exited with {s}")),
            Err(e) => failure = Some(format!("bench: starting `pdsim run`: {e}")),
        }
        if failure.is_some() {
            break;
        }
    }
    let _ = std::fs::remove_file(&path);
    if let Some(message) = failure {
        return Err(message);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

/// Resets this process's peak resident memory (Linux: writing 5 to `clear_refs`), so the
/// next reading is the peak of what runs from now on. Elsewhere the peak just accumulates.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process since the last reset (Linux `VmHWM`), if the OS tells.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
