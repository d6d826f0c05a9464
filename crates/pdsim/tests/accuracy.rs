//! pdsim against published measurements of real deployments (docs/ACCURACY.md). Each case
//! in `docs/accuracy/CASE.json` is a deployment as its source describes it (a partial
//! config) and its runs (each a partial config on top, e.g. a request rate, with what the
//! source measured). Per case: every run zero-shot; then `fit_summary` on the first run
//! (the lowest rate, or the first layout) and every other run with the fitted factors.
//! The tables of docs/ACCURACY.md between `<!-- accuracy:NAME -->` markers are what this
//! test prints today; it fails when one is stale. Regenerate them with
//!
//! ```sh
//! PDSIM_BLESS_DOCS=1 cargo test -p pdsim --test accuracy
//! ```
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use pdsim::calibration::fit::{self, MeasuredSummary, Statistic, SummaryError};
use pdsim::Config;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Deep merge: `over`'s fields replace `base`'s, objects merged field by field.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// `{"workload": {"trace": [...]}}` with the first `first` records of the JSON Lines trace
/// `file` (relative to the case's directory) that a run's `"trace": {"file", "first"}` names.
fn trace_records(case: &Path, trace: &Value) -> Value {
    let file = case.parent().unwrap().join(trace["file"].as_str().unwrap());
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let first = trace["first"].as_u64().map_or(usize::MAX, |n| n as usize);
    let records: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(first)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    serde_json::json!({ "workload": { "trace": records } })
}

struct Run {
    label: String,
    config: Config,
    measured: MeasuredSummary,
}

struct Case {
    name: String,
    runs: Vec<Run>,
}

fn load(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).unwrap();
    let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let name = path.file_stem().unwrap().to_str().unwrap().to_string();
    let runs = case["runs"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: no runs"))
        .iter()
        .map(|run| {
            let mut config = case["config"].clone();
            merge(&mut config, &run["config"]);
            if let Some(trace) = run.get("trace") {
                merge(&mut config, &trace_records(path, trace));
            }
            let config = Config::from_value(config).unwrap_or_else(|e| panic!("{name}: {e}"));
            let measured = fit::parse_summary(&run["measured"].to_string())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            Run {
                label: run["label"].as_str().unwrap().to_string(),
                config,
                measured,
            }
        })
        .collect();
    Case { name, runs }
}

/// The statistics a case is judged on, of those its source gives: TTFT p50 (else mean),
/// TTFT p90 (else p99), TPOT p50 (else mean).
fn headline(measured: &MeasuredSummary) -> Vec<Statistic> {
    let has = |s: Statistic| measured.values.iter().any(|(m, _)| *m == s);
    let pick = |a: Statistic, b: Statistic| {
        if has(a) {
            Some(a)
        } else if has(b) {
            Some(b)
        } else {
            None
        }
    };
    [
        pick(Statistic::TtftP50, Statistic::TtftMean),
        pick(Statistic::TtftP90, Statistic::TtftP99),
        pick(Statistic::TpotP50, Statistic::TpotMean),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn relative(e: &SummaryError, s: Statistic) -> f64 {
    e.relative.iter().find(|(m, _)| *m == s).unwrap().1
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn percent(x: f64) -> String {
    if x.is_nan() {
        "-".to_string()
    } else {
        format!("{:+.0}%", 100.0 * x)
    }
}

/// A case's result: its table and the medians of |error| over the held-out runs' headline
/// statistics (zero-shot, fitted).
struct Outcome {
    table: String,
    zero_shot: f64,
    fitted: f64,
    factors: fit::Factors,
    held_out: usize,
    /// The fit's objective on the run it was fitted on, before and after.
    fit_before: f64,
    fit_after: f64,
}

fn evaluate(case: &Case) -> Outcome {
    let first = &case.runs[0];
    let fitted = fit::fit_summary(&first.config, &first.measured).unwrap();
    let stats: Vec<Statistic> = Statistic::ALL
        .iter()
        .copied()
        .filter(|s| {
            case.runs
                .iter()
                .any(|r| r.measured.values.iter().any(|(m, _)| m == s))
        })
        .collect();
    let mut table = String::from("| run |");
    for s in &stats {
        table.push_str(&format!(" {} |", s.name()));
    }
    table.push_str("\n|---|");
    table.push_str(&"---|".repeat(stats.len()));
    table.push('\n');
    let (mut zero, mut after) = (Vec::new(), Vec::new());
    for (i, run) in case.runs.iter().enumerate() {
        let zs = fit::summary_error(&run.config, &run.measured).unwrap();
        let mut with = run.config.clone();
        fitted.factors.apply(&mut with);
        let fe = fit::summary_error(&with, &run.measured).unwrap();
        let label = if i == 0 {
            format!("{} (fitted on)", run.label)
        } else {
            run.label.clone()
        };
        table.push_str(&format!("| {label} |"));
        for s in &stats {
            match run.measured.values.iter().find(|(m, _)| m == s) {
                Some((_, m)) => table.push_str(&format!(
                    " {m:.1}: {} / {} |",
                    percent(relative(&zs, *s)),
                    percent(relative(&fe, *s))
                )),
                None => table.push_str(" |"),
            }
        }
        table.push('\n');
        if i > 0 {
            for s in headline(&run.measured) {
                zero.push(relative(&zs, s).abs());
                after.push(relative(&fe, s).abs());
            }
        }
    }
    Outcome {
        table,
        zero_shot: median(zero),
        fitted: median(after),
        factors: fitted.factors,
        held_out: case.runs.len() - 1,
        fit_before: fitted.before.objective,
        fit_after: fitted.after.objective,
    }
}

/// Replaces the text between `<!-- accuracy:MARKER -->` and `<!-- /accuracy:MARKER -->`
/// of `doc` with `fresh`; `None` when the doc has no such marker.
fn replace(doc: &str, marker: &str, fresh: &str) -> Option<String> {
    let open = format!("<!-- accuracy:{marker} -->\n");
    let close = format!("<!-- /accuracy:{marker} -->");
    let start = doc.find(&open)? + open.len();
    let end = start + doc[start..].find(&close)?;
    Some(format!("{}{fresh}{}", &doc[..start], &doc[end..]))
}

#[test]
fn accuracy_doc_matches_the_cases() {
    let dir = root().join("docs/accuracy");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6, "{} cases", paths.len());
    let doc_path = root().join("docs/ACCURACY.md");
    let original = std::fs::read_to_string(&doc_path).unwrap();
    let mut doc = original.clone();
    let mut summary = String::from(
        "| case | runs predicted | zero-shot median error | fitted median error | fitted prefill eff. | decode eff. | step overhead | per sequence | frontend | KV bandwidth |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut fitted_on = Vec::new();
    let (mut zero_medians, mut fitted_medians, mut predicted) = (Vec::new(), Vec::new(), 0);
    for path in &paths {
        let case = load(path);
        let o = evaluate(&case);
        summary.push_str(&format!(
            "| [{}](#{}) | {} | {:.0}% | {:.0}% | {:.3} | {:.3} | {:.2} ms | {:.3} ms | {:.1} ms | {} |\n",
            case.name,
            case.name.replace('.', ""),
            o.held_out,
            100.0 * o.zero_shot,
            100.0 * o.fitted,
            o.factors.prefill_efficiency,
            o.factors.decode_efficiency,
            o.factors.step_overhead_ms,
            o.factors.step_overhead_per_seq_ms,
            o.factors.frontend_latency_ms,
            o.factors
                .kv_bandwidth_gb_per_s
                .map_or("-".to_string(), |bw| format!("{bw:.3} GB/s"))
        ));
        zero_medians.push(o.zero_shot);
        fitted_medians.push(o.fitted);
        predicted += o.held_out;
        fitted_on.push((case.name.clone(), o.fit_before, o.fit_after));
        doc = replace(&doc, &case.name, &o.table).unwrap_or_else(|| {
            panic!(
                "docs/ACCURACY.md has no <!-- accuracy:{} --> table",
                case.name
            )
        });
    }
    summary.push_str(&format!(
        "| all {} cases (median of the medians) | {} | {:.0}% | {:.0}% | | | | | | |\n",
        paths.len(),
        predicted,
        100.0 * median(zero_medians),
        100.0 * median(fitted_medians.clone())
    ));
    doc = replace(&doc, "summary", &summary).expect("docs/ACCURACY.md has no summary table");
    if std::env::var_os("PDSIM_BLESS_DOCS").is_some() {
        std::fs::write(&doc_path, &doc).unwrap();
    } else {
        assert!(
            doc == original,
            "docs/ACCURACY.md is stale; regenerate with PDSIM_BLESS_DOCS=1 cargo test -p pdsim --test accuracy and review the diff"
        );
    }
    // Floors under today's figures (26% fitted over all cases, 4 cases within 20%), so a
    // change that loses accuracy fails even after a bless.
    let within_target = fitted_medians.iter().filter(|m| **m <= 0.20).count();
    assert!(within_target >= 3, "{within_target} cases within 20%");
    assert!(
        median(fitted_medians.clone()) <= 0.45,
        "fitted median of the medians {:.3}",
        median(fitted_medians.clone())
    );
    // The fit never leaves the run it was fitted on worse off than zero-shot (it keeps the
    // config's factors when nothing it tries does better).
    for (name, zero, fitted) in fitted_on {
        assert!(
            fitted <= zero + 1e-12,
            "{name}: fitted {fitted:.4} > zero-shot {zero:.4}"
        );
    }
}
