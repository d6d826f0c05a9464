//! `pdsim plan`: the capacity planner over all cores, in slices (`--shard K/N`) and merged
//! back (`pdsim plan merge`).
//!
//! The core lists the candidates and evaluates one at a time ([`pdsim::plan`]); here they
//! run on worker threads that take the next candidate as they finish one, and the results
//! are put back in candidate order, so the plan does not depend on the number of threads.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use pdsim::config::Decider;
use pdsim::plan::{
    Bound, Candidate, CandidateResult, DeciderChoice, Objective, Plan, PlanRequest, SearchSpace,
    Status, Targets,
};
use pdsim::{decode_floats, encode_floats};
use serde::{Deserialize, Serialize};

/// `pdsim plan` arguments.
#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    // `--ttft-ms -5` is a value to refuse with the core's message, not an unknown flag.
    allow_negative_numbers = true
)]
pub struct PlanArgs {
    #[command(subcommand)]
    action: Option<PlanAction>,
    /// Config file (JSON), or `-` for standard input: model, GPU, engine, routing and
    /// workload (its topology and decider are what the search replaces).
    #[arg(required = true)]
    config: Option<String>,
    /// GPU budget: most GPUs a layout may use (read as a number, so that any wrong value
    /// gets the planner's own message).
    #[arg(long, required = true)]
    gpus: Option<f64>,
    /// TTFT limit in ms (default: the config's slo.ttft_ms).
    #[arg(long, value_name = "MS")]
    ttft_ms: Option<f64>,
    /// TPOT limit in ms: a request's mean gap between output tokens (default: the
    /// config's slo.tpot_ms).
    #[arg(long, value_name = "MS")]
    tpot_ms: Option<f64>,
    /// Share of all requests that must meet both limits (dropped requests miss).
    #[arg(long, default_value_t = 0.9)]
    attainment: f64,
    /// What "best" means: rate (most requests/s per GPU), gpus (fewest GPUs that carry
    /// --rate), cost (lowest $ per million output tokens).
    #[arg(long, value_enum, default_value_t = ObjectiveArg::Rate)]
    objective: ObjectiveArg,
    /// Arrival rate to carry, in req/s (objective gpus).
    #[arg(long, value_name = "REQ/S")]
    rate: Option<f64>,
    /// GPUs to try for each pool, catalog ids, e.g. h100-sxm,h200 (prefill and decode may
    /// differ; default: the config's).
    #[arg(long, value_delimiter = ',')]
    hardware: Vec<String>,
    /// Expert-parallel degrees to try for MoE models, e.g. 4,8 (default: 2, 4, 8 where
    /// they divide the experts; 1: none).
    #[arg(long, value_delimiter = ',')]
    ep: Vec<u32>,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
    /// Run only slice K of N (1-based; candidate i belongs to slice i mod N + 1) and print
    /// it as a shard file for `pdsim plan merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Tensor-parallel degrees to try, e.g. 1,2,4 (default: powers of two up to 8).
    #[arg(long, value_delimiter = ',')]
    tp: Vec<u32>,
    /// Decider settings of disaggregated layouts, e.g.
    /// always,prefix-threshold:1024,length-threshold:2048,conditional:512 (default:
    /// always and prefix-threshold at 256, 1024 and 4096).
    #[arg(long, value_delimiter = ',')]
    deciders: Vec<String>,
    /// Which layouts to consider.
    #[arg(long, value_enum, default_value_t = Layouts::Both)]
    layouts: Layouts,
    /// Refuse a search with more candidates than this.
    #[arg(long, default_value_t = SearchSpace::default().max_candidates)]
    max_candidates: u32,
    /// Most simulation runs per candidate.
    #[arg(long, default_value_t = SearchSpace::default().max_probes)]
    max_probes: u32,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Set the workload's number of requests (as workload.requests in the config would).
    #[arg(long)]
    requests: Option<f64>,
    /// Rows of the ranked table (the JSON lists every candidate).
    #[arg(long, default_value_t = 15)]
    top: usize,
}

#[derive(Subcommand, Debug)]
enum PlanAction {
    /// Combine shard files of one plan (`--shard K/N` outputs) into the plan itself: the
    /// same output, byte for byte, as the unsharded run.
    Merge {
        /// Shard files, one per slice, in any order.
        #[arg(required = true)]
        files: Vec<String>,
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
        /// Rows of the ranked table.
        #[arg(long, default_value_t = 15)]
        top: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ObjectiveArg {
    Rate,
    Gpus,
    Cost,
}

impl From<ObjectiveArg> for Objective {
    fn from(o: ObjectiveArg) -> Self {
        match o {
            ObjectiveArg::Rate => Objective::Rate,
            ObjectiveArg::Gpus => Objective::Gpus,
            ObjectiveArg::Cost => Objective::Cost,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Layouts {
    Both,
    Aggregated,
    Disaggregated,
}

/// What a shard run prints: the request and its slice of the results.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shard {
    /// Format marker and version.
    pdsim_plan_shard: u32,
    /// 1-based slice index.
    index: u32,
    /// Slices in all.
    count: u32,
    /// Candidates of the whole plan.
    candidates: u32,
    /// The request every shard of the plan must share.
    request: serde_json::Value,
    /// This slice's results, floats encoded exactly (see
    /// [`pdsim::encode_floats`]).
    results: serde_json::Value,
}

const SHARD_VERSION: u32 = 1;

/// Runs `pdsim plan`.
pub fn run(args: PlanArgs) -> Result<String, String> {
    if let Some(PlanAction::Merge { files, json, top }) = args.action {
        return merge(&files, json, top);
    }
    let path = args.config.clone().unwrap_or_default();
    let text = crate::read_input(&path)?;
    let mut config = pdsim::Config::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
    let written: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let mut inherited = pdsim::plan::inherited_defaults(&written);
    // What was typed, checked as the playground's Plan panel checks it.
    let typed = pdsim::plan::PlanInputs {
        gpus: args.gpus.unwrap_or(0.0),
        ttft_ms: args.ttft_ms.or(config.slo.ttft_ms),
        tpot_ms: args.tpot_ms.or(config.slo.tpot_ms),
        attainment: args.attainment,
        requests: args.requests,
        rate_per_s: args.rate,
    };
    pdsim::plan::check_inputs(&typed).map_err(|e| flag_error(&path, &e))?;
    if let Some(n) = args.requests {
        config.workload.requests = Some(n as u64);
        inherited.retain(|i| i.field != "workload.requests");
    }
    let request = PlanRequest {
        objective: args.objective.into(),
        inherited,
        targets: Targets {
            ttft_ms: args.ttft_ms.or(config.slo.ttft_ms),
            tpot_ms: args.tpot_ms.or(config.slo.tpot_ms),
            attainment: args.attainment,
            rate_per_s: args.rate,
        },
        gpus: typed.gpus as u32,
        space: SearchSpace {
            aggregated: args.layouts != Layouts::Disaggregated,
            disaggregated: args.layouts != Layouts::Aggregated,
            tp: args.tp.clone(),
            deciders: parse_deciders(&args.deciders)?,
            max_candidates: args.max_candidates,
            max_probes: args.max_probes,
            hardware: args.hardware.clone(),
            ep: args.ep.clone(),
            ..SearchSpace::default()
        },
        config,
    };
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let list = pdsim::plan::candidates(&request).map_err(|e| flag_error(&path, &e))?;
    let total = list.len() as u32;
    let mine: Vec<Candidate> = match shard {
        Some((k, n)) => list.into_iter().filter(|c| c.id % n == k - 1).collect(),
        None => list,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let results = evaluate_all(&request, &mine, threads);
    // Every result goes through the shard encoding, sharded or not, so that a merged plan
    // and an unsharded one are built from the same numbers.
    let encoded = encode_floats(to_value(&results)?);
    if let Some((index, count)) = shard {
        let shard = Shard {
            pdsim_plan_shard: SHARD_VERSION,
            index,
            count,
            candidates: total,
            request: encode_floats(to_value(&request)?),
            results: encoded,
        };
        return serde_json::to_string(&shard).map_err(|e| e.to_string());
    }
    let results: Vec<CandidateResult> = from_value(decode_floats(encoded), "results")?;
    finish(&request, results, args.json, args.top)
}

fn to_value<T: Serialize>(value: &T) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}

fn from_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    what: &str,
) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("{what}: {e}"))
}

fn finish(
    request: &PlanRequest,
    results: Vec<CandidateResult>,
    json: bool,
    top: usize,
) -> Result<String, String> {
    let plan = pdsim::plan::summarize(request, results).map_err(|e| flag_error("", &e))?;
    let text = if json {
        serde_json::to_string_pretty(&plan).map_err(|e| e.to_string())?
    } else {
        table(&plan, top)
    };
    if plan.best.is_none() {
        // Print what was found, then fail: no layout meets the targets.
        crate::print_out(&text);
        return Err(unmeetable(&plan));
    }
    Ok(text)
}

fn unmeetable(plan: &Plan) -> String {
    let closest = plan
        .candidates
        .iter()
        .filter_map(|r| r.miss.map(|m| (r, m)))
        .max_by(|a, b| {
            a.1.attainment
                .total_cmp(&b.1.attainment)
                .then_with(|| b.0.candidate.id.cmp(&a.0.candidate.id))
        });
    let mut message = format!(
        "no layout of the {} candidates meets {} for {:.0}% of requests at any rate",
        plan.candidates.len(),
        targets_text(&plan.targets),
        plan.targets.attainment * 100.0
    );
    if let Some((r, m)) = closest {
        let _ = write!(
            message,
            "; the closest, {}, reaches {:.1}% at {} req/s ({:.1}% within the TTFT limit, {:.1}% within the TPOT limit)",
            r.candidate.label,
            m.attainment * 100.0,
            m.rate_per_s,
            m.ttft_attainment * 100.0,
            m.tpot_attainment * 100.0
        );
    }
    message.push_str("; loosen --ttft-ms or --tpot-ms, lower --attainment, or raise --gpus");
    message
}

fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("--shard: expected K/N with 1 <= K <= N (e.g. 2/8), got '{text}'");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let k: u32 = k.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

fn parse_deciders(items: &[String]) -> Result<Vec<DeciderChoice>, String> {
    items
        .iter()
        .map(|item| {
            let (name, threshold) = match item.split_once(':') {
                Some((name, t)) => {
                    let t: u32 = t.trim().parse().map_err(|_| {
                        format!(
                            "--deciders: '{item}': the threshold must be a whole number of tokens"
                        )
                    })?;
                    (name.trim(), Some(t))
                }
                None => (item.trim(), None),
            };
            let decider = Decider::from_id(name).ok_or_else(|| {
                let known: Vec<&str> = Decider::ALL.iter().map(|d| d.id()).collect();
                format!(
                    "--deciders: unknown decider '{name}'; known: {}",
                    known.join(", ")
                )
            })?;
            Ok(DeciderChoice {
                decider,
                threshold_tokens: threshold,
            })
        })
        .collect()
}

/// A core error in the words of the command line: request fields become flags, config
/// fields are named in the config file.
fn flag_error(path: &str, e: &pdsim::Error) -> String {
    let field = e.field();
    let message = e.to_string();
    let message = message
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(&message)
        .to_string();
    let flag = match field {
        "gpus" => "--gpus",
        "targets" => "--ttft-ms/--tpot-ms",
        "targets.ttft_ms" => "--ttft-ms",
        "targets.tpot_ms" => "--tpot-ms",
        "targets.attainment" => "--attainment",
        "targets.rate_per_s" => "--rate",
        "workload.requests" => "--requests",
        "space.hardware" => "--hardware",
        "space.ep" => "--ep",
        "space" => "--layouts",
        "space.tp" => "--tp",
        "space.deciders" => "--deciders",
        "space.max_candidates" => "--max-candidates",
        "space.max_probes" => "--max-probes",
        _ if path.is_empty() => return e.to_string(),
        _ => return format!("{path}: {}", e),
    };
    format!("{flag}: {message}")
}

/// Evaluates `list` on `threads` threads; results in list order.
fn evaluate_all(request: &PlanRequest, list: &[Candidate], threads: usize) -> Vec<CandidateResult> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, CandidateResult)>();
    let mut slots: Vec<Option<CandidateResult>> = vec![None; list.len()];
    let mut bar = Progress::new(list.len());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(list.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(candidate) = list.get(i) else { break };
                if tx
                    .send((i, pdsim::plan::evaluate(request, candidate)))
                    .is_err()
                {
                    break;
                }
            });
        }
        drop(tx);
        for (i, result) in rx {
            bar.tick(&result);
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(result);
            }
        }
    });
    bar.done();
    slots.into_iter().flatten().collect()
}

/// A progress bar on standard error, only when it is a terminal.
struct Progress {
    on: bool,
    total: usize,
    done: usize,
    meeting: usize,
    runs: usize,
    start: Instant,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            on: std::io::stderr().is_terminal(),
            total,
            done: 0,
            meeting: 0,
            runs: 0,
            start: Instant::now(),
        }
    }

    fn tick(&mut self, result: &CandidateResult) {
        self.done += 1;
        self.runs += result.probes.len();
        self.meeting += usize::from(result.meets_targets);
        if !self.on {
            return;
        }
        let width = 30;
        let filled = width * self.done / self.total.max(1);
        let _ = write!(
            std::io::stderr().lock(),
            "\r[{}{}] {}/{} candidates, {} meet the targets, {} runs, {:.1} s ",
            "#".repeat(filled),
            " ".repeat(width - filled),
            self.done,
            self.total,
            self.meeting,
            self.runs,
            self.start.elapsed().as_secs_f64()
        );
    }

    fn done(&self) {
        if self.on {
            let _ = writeln!(std::io::stderr().lock());
        }
    }
}

fn merge(files: &[String], json: bool, top: usize) -> Result<String, String> {
    let mut request: Option<(serde_json::Value, u32, u32)> = None;
    let mut seen = BTreeSet::new();
    let mut results: Vec<CandidateResult> = Vec::new();
    for path in files {
        let text = crate::read_input(path)?;
        let shard: Shard = serde_json::from_str(&text)
            .map_err(|e| format!("{path}: not a pdsim plan shard file: {e}"))?;
        if shard.pdsim_plan_shard != SHARD_VERSION {
            return Err(format!(
                "{path}: shard format {} (this pdsim reads {SHARD_VERSION})",
                shard.pdsim_plan_shard
            ));
        }
        match &request {
            None => request = Some((shard.request.clone(), shard.count, shard.candidates)),
            Some((r, count, total)) => {
                if *r != shard.request || *count != shard.count || *total != shard.candidates {
                    return Err(format!(
                        "{path}: a shard of another plan (its config, budget, targets, search \
                         space or slice count differ from {}'s)",
                        files.first().map_or("", String::as_str)
                    ));
                }
            }
        }
        if !seen.insert(shard.index) {
            return Err(format!(
                "{path}: slice {}/{} given twice",
                shard.index, shard.count
            ));
        }
        let slice: Vec<CandidateResult> = from_value(decode_floats(shard.results), path)?;
        results.extend(slice);
    }
    let Some((request_value, count, total)) = request else {
        return Err("give the shard files to merge".into());
    };
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing slices: {}", missing.join(", ")));
    }
    let ids: BTreeSet<u32> = results.iter().map(|r| r.candidate.id).collect();
    if ids.len() != results.len() || ids.len() != total as usize {
        return Err(format!(
            "the shards hold {} results for {} distinct candidates, but the plan has {total}",
            results.len(),
            ids.len()
        ));
    }
    let request: PlanRequest = from_value(decode_floats(request_value), "request")?;
    results.sort_by_key(|r| r.candidate.id);
    finish(&request, results, json, top)
}

fn targets_text(t: &Targets) -> String {
    let mut parts = Vec::new();
    if let Some(ttft) = t.ttft_ms {
        parts.push(format!("TTFT <= {ttft} ms"));
    }
    if let Some(tpot) = t.tpot_ms {
        parts.push(format!("TPOT <= {tpot} ms"));
    }
    parts.join(" and ")
}

/// A rate with its three significant digits shown (41.0, not 41).
fn rate_text(rate: f64) -> String {
    if rate >= 100.0 {
        format!("{rate:.0}")
    } else if rate >= 10.0 {
        format!("{rate:.1}")
    } else if rate >= 1.0 {
        format!("{rate:.2}")
    } else {
        format!("{rate}")
    }
}

/// US dollars per million tokens, three decimals below $10 ("-": no price).
fn dollars_text(d: Option<f64>) -> String {
    match d {
        Some(d) if d < 10.0 => format!("{d:.3}"),
        Some(d) => format!("{d:.2}"),
        None => "-".into(),
    }
}

fn bound_text(b: Option<Bound>) -> &'static str {
    match b {
        Some(Bound::Ttft) => "TTFT",
        Some(Bound::Tpot) => "TPOT",
        Some(Bound::Both) => "both",
        Some(Bound::Dropped) => "drops",
        Some(Bound::RateCap) => "rate cap",
        None => "-",
    }
}

/// The ranked table.
fn table(plan: &Plan, top: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} on up to {} x {}; targets {} for {:.0}% of requests{}; best = {}",
        plan.model,
        plan.gpus,
        plan.hardware,
        targets_text(&plan.targets),
        plan.targets.attainment * 100.0,
        plan.targets
            .rate_per_s
            .map_or(String::new(), |r| format!(" at {r} req/s")),
        match plan.objective {
            Objective::Rate => "most req/s per GPU",
            Objective::Gpus => "fewest GPUs",
            Objective::Cost => "lowest $ per M output tokens",
        }
    );
    for i in &plan.inherited {
        let _ = writeln!(
            out,
            "inherited: {} = {} (from {}){}",
            i.field,
            i.value,
            i.from,
            i.note.as_ref().map_or(String::new(), |n| format!("; {n}"))
        );
    }
    let _ = writeln!(
        out,
        "{} candidates, {} meet the targets; {} simulation runs",
        plan.candidates.len(),
        plan.meeting,
        plan.runs
    );
    let on_frontier = |id: u32| {
        let t = plan.frontier_ttft.contains(&id);
        let p = plan.frontier_tpot.contains(&id);
        match (t, p) {
            (true, true) => "TTFT, TPOT",
            (true, false) => "TTFT",
            (false, true) => "TPOT",
            (false, false) => "",
        }
    };
    if plan.meeting > 0 {
        let _ = writeln!(out);
        // The layout column fits the longest label shown (merged deciders make long ones).
        let width = plan
            .candidates
            .iter()
            .filter(|r| r.meets_targets)
            .take(top)
            .map(|r| r.candidate.label.len())
            .max()
            .unwrap_or(0)
            .max(44);
        let columns = |cells: [&str; 12]| {
            let [rank, layout, gpus, rate, per_gpu, tokens, dollars, attain, ttft, tpot, bound, frontier] =
                cells;
            let line = format!(
                "{rank:>4}  {layout:<width$} {gpus:>4} {rate:>8} {per_gpu:>10} {tokens:>10} {dollars:>8} {attain:>7} \
                 {ttft:>9} {tpot:>9}  {bound:<8} {frontier}"
            );
            line.trim_end().to_string()
        };
        let _ = writeln!(
            out,
            "{}",
            columns([
                "rank",
                "layout",
                "GPUs",
                "req/s",
                "req/s/GPU",
                "tok/s/GPU",
                "$/M tok",
                "attain",
                "TTFT p90",
                "TPOT p90",
                "bound",
                "frontier"
            ])
        );
        let _ = writeln!(
            out,
            "{}",
            columns(["", "", "", "", "", "", "output", "", "ms", "ms", "", ""])
        );
        for (rank, r) in plan
            .candidates
            .iter()
            .filter(|r| r.meets_targets)
            .take(top)
            .enumerate()
        {
            let row = format!(
                "{:>4}  {:<width$} {:>4} {:>8} {:>10.3} {:>10.1} {:>8} {:>6.1}% {:>9.1} {:>9.2}  {:<8} {}",
                rank + 1,
                r.candidate.label,
                r.candidate.gpus,
                rate_text(r.rate_per_s),
                r.rate_per_gpu,
                r.output_tokens_per_s_per_gpu,
                dollars_text(r.usd_per_m_output_tokens),
                r.attainment * 100.0,
                r.ttft_ms.p90,
                r.tpot_ms.p90,
                bound_text(r.bound_by),
                on_frontier(r.candidate.id)
            );
            let _ = writeln!(out, "{}", row.trim_end());
        }
        let more = plan.meeting as usize - (plan.meeting as usize).min(top);
        if more > 0 {
            let _ = writeln!(
                out,
                "  ... {more} more meet the targets (--top, or --json for all)"
            );
        }
    }
    let missing: Vec<&CandidateResult> = plan
        .candidates
        .iter()
        .filter(|r| r.status == Status::Misses)
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "\n{} candidates miss the targets at any rate (bound by: {})",
            missing.len(),
            count_bounds(&missing)
        );
        if let Some(r) = missing.first() {
            let _ = writeln!(
                out,
                "  e.g. {}: {}",
                r.candidate.label,
                r.reason.as_deref().unwrap_or("")
            );
        }
    }
    for r in plan.candidates.iter().filter(|r| r.status == Status::Error) {
        let _ = writeln!(
            out,
            "error: {}: {}",
            r.candidate.label,
            r.reason.as_deref().unwrap_or("")
        );
    }
    for r in plan
        .candidates
        .iter()
        .filter(|r| r.meets_targets && r.reason.is_some())
    {
        let _ = writeln!(
            out,
            "note: {}: {}",
            r.candidate.label,
            r.reason.as_deref().unwrap_or("")
        );
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for e in &plan.excluded {
        let _ = writeln!(
            out,
            "left out: {} at TP{}{}{}: {}",
            e.pool,
            e.tp,
            e.ep.map_or(String::new(), |ep| format!(" EP{ep}")),
            e.hardware
                .as_ref()
                .map_or(String::new(), |h| format!(" on {h}")),
            e.reason
        );
    }
    if let Some(best) = &plan.best {
        let _ = writeln!(
            out,
            "\nbest: {} on {} GPUs, {} req/s ({:.3} req/s per GPU, {:.1} output tok/s per GPU); ${} per M output tokens (${} per hour), {} J per output token",
            best.candidate.label,
            best.candidate.gpus,
            best.rate_per_s,
            best.rate_per_gpu,
            best.output_tokens_per_s_per_gpu,
            dollars_text(best.usd_per_m_output_tokens),
            best.usd_per_hour.map_or("-".into(), |d| format!("{d:.2}")),
            best.joules_per_output_token
                .map_or("-".into(), |j| format!("{j:.3}"))
        );
        if let Some(m) = &best.miss {
            let _ = writeln!(
                out,
                "  at {} req/s (+5%) only {:.1}% of requests meet both targets ({:.1}% TTFT, {:.1}% TPOT, {:.1}% dropped)",
                m.rate_per_s,
                m.attainment * 100.0,
                m.ttft_attainment * 100.0,
                m.tpot_attainment * 100.0,
                m.dropped_share * 100.0
            );
        }
        let _ = writeln!(
            out,
            "  its config: pdsim plan ... --json | jq .best.config > best.json; pdsim run best.json --summary"
        );
    }
    out.trim_end().to_string()
}

fn count_bounds(results: &[&CandidateResult]) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in results {
        *counts.entry(bound_text(r.bound_by)).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
