//! `pdsim fit CONFIG --measured FILE.jsonl`: reads the files, runs the core's fit
//! ([`pdsim::calibration::fit`]) and prints the fitted config on standard output, the
//! factors and the error before and after on standard error.

use pdsim::calibration::fit::{self, FitError, SummaryError};
use pdsim::Config;

/// The fitted config as JSON; the report of the fit goes to standard error.
pub fn run(config: &Config, measured_path: &str) -> Result<String, String> {
    let text = super::read_input(measured_path)?;
    let measured = fit::parse_measured(&text).map_err(|e| format!("{measured_path}: {e}"))?;
    let fitted = fit::fit(config, &measured).map_err(|e| e.to_string())?;
    eprintln!(
        "fitted to {} measured requests ({} simulations):\n{}\
         error (mean |ln(simulated / measured)| over 8 groups of requests by prompt length \
         for TTFT and 8 by arrival for TPOT; per request in brackets; percentiles as \
         simulated / measured - 1):\n  before: {}\n  after:  {}",
        measured.len(),
        fitted.evaluations,
        factors(config, &fitted.config),
        describe(&fitted.before),
        describe(&fitted.after),
    );
    serde_json::to_string_pretty(&fitted.config).map_err(|e| e.to_string())
}

/// `pdsim fit CONFIG --measured-summary FILE.json`: the same, fitted to a benchmark's
/// summary statistics of one run of the config's own workload.
pub fn run_summary(config: &Config, summary_path: &str) -> Result<String, String> {
    let text = super::read_input(summary_path)?;
    let measured = fit::parse_summary(&text).map_err(|e| format!("{summary_path}: {e}"))?;
    let fitted = fit::fit_summary(config, &measured).map_err(|e| e.to_string())?;
    eprintln!(
        "fitted to {} measured statistics ({} simulations):\n{}\
         error (mean |ln(simulated / measured)| over the TTFT and over the TPOT and ITL \
         statistics; each as simulated / measured - 1):\n  before: {}\n  after:  {}",
        measured.values.len(),
        fitted.evaluations,
        factors(config, &fitted.config),
        describe_summary(&fitted.before),
        describe_summary(&fitted.after),
    );
    serde_json::to_string_pretty(&fitted.config).map_err(|e| e.to_string())
}

/// The fitted factors' lines: each field, its value before and after.
fn factors(before: &Config, after: &Config) -> String {
    let (from, to) = (&before.engine, &after.engine);
    let rows = [
        (
            "engine.prefill_efficiency",
            from.prefill_efficiency,
            to.prefill_efficiency,
            "",
        ),
        (
            "engine.decode_efficiency",
            from.decode_efficiency,
            to.decode_efficiency,
            "",
        ),
        (
            "engine.step_overhead_ms",
            from.step_overhead_ms,
            to.step_overhead_ms,
            " ms",
        ),
        (
            "engine.step_overhead_per_seq_ms",
            from.step_overhead_per_seq_ms,
            to.step_overhead_per_seq_ms,
            " ms",
        ),
        (
            "kv_transfer.bandwidth_gb_per_s",
            before.kv_transfer.bandwidth_gb_per_s,
            after.kv_transfer.bandwidth_gb_per_s,
            " GB/s",
        ),
        (
            "routing.frontend_latency_ms",
            before.routing.frontend_latency_ms,
            after.routing.frontend_latency_ms,
            " ms",
        ),
    ];
    rows.iter()
        .map(|(field, a, b, unit)| format!("  {field:<31} {a:>9.4} -> {b:.4}{unit}\n"))
        .collect()
}

fn describe_summary(e: &SummaryError) -> String {
    let each: Vec<String> = e
        .relative
        .iter()
        .map(|(s, r)| format!("{} {:+.1}%", s.name(), 100.0 * r))
        .collect();
    format!(
        "{:.4} (TTFT {:.4}, TPOT {:.4}); {}",
        e.objective,
        e.ttft,
        e.tpot,
        each.join(", ")
    )
}

fn describe(e: &FitError) -> String {
    format!(
        "{:.4} (TTFT {:.4}, TPOT {:.4}; per request {:.4}, {:.4}); TTFT p50 {:+.1}%, \
         TTFT p90 {:+.1}%, TPOT p50 {:+.1}%",
        e.objective,
        e.ttft_groups,
        e.tpot_groups,
        e.ttft,
        e.tpot,
        100.0 * e.ttft_p50,
        100.0 * e.ttft_p90,
        100.0 * e.tpot_p50
    )
}
