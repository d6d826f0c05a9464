//! `pdsim`: the command-line program over the pdsim core.

mod bench;
mod fit;
mod io;
mod plan;
mod simulate;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pdsim::Config;

use io::{load_config, print_out, read_input};

#[derive(Parser, Debug)]
#[command(
    name = "pdsim",
    version,
    about = "Deterministic simulator of prefill/decode disaggregated LLM serving"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the plan's arguments costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and print its report as JSON (or a table with --summary).
    Run {
        /// Config file (JSON), or `-` for standard input.
        config: String,
        /// Print a readable summary instead of the JSON report.
        #[arg(long)]
        summary: bool,
        /// Replay this JSON Lines trace (arrival_ms, input_tokens, output_tokens,
        /// prefix_group; or block-hash records: timestamp, input_length, output_length,
        /// hash_ids) instead of the config's generated workload.
        #[arg(long)]
        trace: Option<String>,
    },
    /// Print a ready scenario config; without NAME, list the scenarios.
    Example {
        /// Scenario name.
        name: Option<String>,
    },
    /// Check a config and print what is wrong, if anything.
    Validate {
        /// Config file (JSON), or `-` for standard input.
        config: String,
    },
    /// Print the JSON Schema of the config (or of the report).
    Schema {
        /// The report's schema instead of the config's.
        #[arg(long)]
        report: bool,
        /// The schema of a step-time query (the JavaScript API's stepTime argument).
        #[arg(long, conflicts_with_all = ["report", "step_time"])]
        step_time_query: bool,
        /// The schema of a step-time answer (`pdsim step-time --json`).
        #[arg(long, conflicts_with = "report")]
        step_time: bool,
    },
    /// Run one config once per value of a numeric field and print a summary row per value.
    Sweep {
        /// Config file (JSON), or `-` for standard input.
        config: String,
        /// Dotted path of the field, e.g. disaggregation.threshold_tokens.
        #[arg(long)]
        param: String,
        /// Comma-separated values, e.g. 0,256,512,1024.
        #[arg(long, value_delimiter = ',', required = true)]
        values: Vec<f64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
    /// The time of one prefill or decode step of a model on an instance, by part.
    #[command(group(clap::ArgGroup::new("step").required(true).args(["prefill", "decode"])))]
    StepTime {
        /// Catalog model id (see `pdsim catalog`) or path to a HuggingFace config.json.
        #[arg(long)]
        model: String,
        /// Catalog GPU id (see `pdsim catalog`).
        #[arg(long)]
        hardware: String,
        /// Tensor-parallel GPUs.
        #[arg(long)]
        tp: u32,
        /// Expert-parallel GPUs (MoE models): whole experts spread over N GPUs; without it
        /// experts are sliced over the TP GPUs. Above --tp, the instance runs ep/tp
        /// attention replicas, each running the step given.
        #[arg(long)]
        ep: Option<u32>,
        /// Weight format instead of the checkpoint's.
        #[arg(long, value_enum)]
        weight_dtype: Option<CliDtype>,
        /// KV-cache format instead of the checkpoint's.
        #[arg(long, value_enum)]
        kv_dtype: Option<CliDtype>,
        /// One request of TOKENS prompt tokens, no cached prefix, in one step.
        #[arg(long, value_name = "TOKENS")]
        prefill: Option<u32>,
        /// One decode step of BATCH sequences (needs --context).
        #[arg(long, value_name = "BATCH", requires = "context")]
        decode: Option<u32>,
        /// KV tokens each decoding sequence holds, including the one being generated.
        #[arg(long, value_name = "TOKENS", requires = "decode")]
        context: Option<u32>,
        /// Print one JSON object instead of a readable table.
        #[arg(long)]
        json: bool,
    },
    /// List the catalog's models and GPUs.
    Catalog {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Find the serving layouts that carry the most traffic per GPU within latency
    /// targets, for a GPU budget (`pdsim plan merge` combines `--shard` slices).
    Plan(plan::PlanArgs),
    /// Fit a config's prefill and decode efficiency, step overheads (per step and per
    /// sequence) and frontend latency to a deployment's measured per-request latencies (or a benchmark's summary of one run); prints the
    /// fitted config (usable by `pdsim run`) and the error before and after on standard
    /// error. docs/FIT.md says how to export them.
    Fit {
        /// Config file (JSON) of the deployment, or `-` for standard input.
        config: String,
        /// JSON Lines of measured requests: arrival_ms, input_tokens, output_tokens,
        /// ttft_ms, tpot_ms (the last optional for one-token outputs).
        #[arg(
            long,
            required_unless_present = "measured_summary",
            conflicts_with = "measured_summary"
        )]
        measured: Option<String>,
        /// A JSON object of a benchmark's statistics over one run of the config's own
        /// workload, in ms: ttft_mean_ms, ttft_p50_ms, ttft_p90_ms, ttft_p99_ms,
        /// tpot_mean_ms, tpot_p50_ms, tpot_p90_ms, tpot_p99_ms, itl_mean_ms, itl_p50_ms,
        /// itl_p90_ms, itl_p99_ms (any of them).
        #[arg(long)]
        measured_summary: Option<String>,
    },
    /// Measure simulation speed on fixed scenarios.
    Bench {
        /// Scale every scenario's request count by this factor (for quick runs).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Repetitions per scenario; the median is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
}

/// Number formats a user may pick on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum CliDtype {
    Bf16,
    Fp8,
}

impl From<CliDtype> for pdsim::arch::Dtype {
    fn from(d: CliDtype) -> Self {
        match d {
            CliDtype::Bf16 => Self::Bf16,
            CliDtype::Fp8 => Self::Fp8,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Csv,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(out) => {
            print_out(&out);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A catalog id, or the path of a HuggingFace `config.json` (anything that names a file).
fn model_spec(model: &str) -> Result<pdsim::config::ModelSpec, String> {
    let path = std::path::Path::new(model);
    if !path.is_file() {
        if model.ends_with(".json") {
            return Err(format!("--model: no such file: {model}"));
        }
        return Ok(pdsim::config::ModelSpec::Preset(model.to_string()));
    }
    let text = read_input(model)?;
    let stem = path.file_stem().and_then(|s| s.to_str());
    pdsim::hf_model_of_file(&text, stem).map_err(|e| format!("{model}: {e}"))
}

fn schema_of<T: schemars::JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}

fn execute(command: Command) -> Result<String, String> {
    match command {
        Command::Run {
            config,
            summary,
            trace,
        } => {
            let mut config = load_config(&config)?;
            if let Some(path) = trace {
                let (records, errors) = pdsim::workload::parse_trace_jsonl_blocks(
                    &read_input(&path)?,
                    config.workload.trace_block_tokens,
                );
                if !errors.is_empty() {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|e| format!("{path}:{}: {}", e.line, e.message))
                        .collect();
                    return Err(format!(
                        "{} bad trace line(s):\n{}",
                        errors.len(),
                        lines.join("\n")
                    ));
                }
                config.workload.trace = Some(records);
            }
            let report = simulate::run(&config)?;
            if summary {
                Ok(table::summary(&report))
            } else {
                serde_json::to_string(&report).map_err(|e| e.to_string())
            }
        }
        Command::Example { name: None } => {
            let rows: Vec<String> = pdsim::examples()
                .iter()
                .map(|e| format!("{:<22} {}", e.name, e.description))
                .collect();
            Ok(format!(
                "Scenarios (print one with `pdsim example NAME`):\n{}",
                rows.join("\n")
            ))
        }
        Command::Example { name: Some(name) } => match pdsim::example(&name) {
            Some(example) => to_json(&example.config),
            None => {
                let names: Vec<&str> = pdsim::examples().iter().map(|e| e.name).collect();
                Err(format!(
                    "unknown scenario '{name}'; known: {}",
                    names.join(", ")
                ))
            }
        },
        Command::Validate { config } => {
            let parsed = load_config(&config)?;
            pdsim::validate(&parsed).map_err(|e| format!("{config}: {e}"))?;
            Ok(format!("{config}: valid"))
        }
        Command::Schema {
            report,
            step_time_query,
            step_time,
        } => to_json(&if report {
            pdsim::Report::json_schema()
        } else if step_time_query {
            schema_of::<pdsim::StepTimeQuery>()
        } else if step_time {
            schema_of::<pdsim::StepTime>()
        } else {
            Config::json_schema()
        }),
        Command::Sweep {
            config,
            param,
            values,
            format,
        } => {
            let config = load_config(&config)?;
            let rows = pdsim::sweep(&config, &param, &values).map_err(|e| e.to_string())?;
            Ok(match format {
                Format::Json => to_json(&rows)?,
                Format::Csv => table::sweep_csv(&param, &rows),
            })
        }
        Command::StepTime {
            model,
            hardware,
            tp,
            ep,
            weight_dtype,
            kv_dtype,
            prefill,
            decode,
            context,
            json,
        } => {
            let step = match (prefill, decode, context) {
                (Some(tokens), _, _) => pdsim::Step::Prefill { tokens },
                (None, Some(batch), Some(context)) => pdsim::Step::Decode { batch, context },
                _ => return Err("give --prefill TOKENS, or --decode BATCH --context TOKENS".into()),
            };
            let query = pdsim::StepTimeQuery {
                model: model_spec(&model)?,
                hardware: pdsim::config::HardwareSpec::Preset(hardware),
                tp,
                ep,
                weight_dtype: weight_dtype.map(Into::into),
                kv_dtype: kv_dtype.map(Into::into),
                step,
            };
            let t = pdsim::step_time(&query).map_err(|e| {
                let field = e.field();
                let flag = match field {
                    "step.tokens" => "--prefill".to_string(),
                    "step.batch" => "--decode".to_string(),
                    "step.context" => "--context".to_string(),
                    // A field of the model's config.json keeps its own name after the flag:
                    // "--model: num_key_value_heads: must be a positive integer, got 0".
                    f if f.starts_with("model.") => format!("--model: {}", &f["model.".len()..]),
                    f => format!("--{}", f.split('.').next().unwrap_or(f).replace('_', "-")),
                };
                format!(
                    "{flag}: {}",
                    e.to_string().trim_start_matches(&format!("{field}: "))
                )
            })?;
            if json {
                serde_json::to_string(&t).map_err(|e| e.to_string())
            } else {
                Ok(table::step_time(&t))
            }
        }
        Command::Catalog { json } => {
            if json {
                to_json(&pdsim::presets::catalog_json())
            } else {
                Ok(table::catalog())
            }
        }
        Command::Fit {
            config,
            measured,
            measured_summary,
        } => match (measured, measured_summary) {
            (Some(measured), _) => fit::run(&load_config(&config)?, &measured),
            (None, Some(summary)) => fit::run_summary(&load_config(&config)?, &summary),
            (None, None) => {
                Err("fit: give --measured FILE.jsonl or --measured-summary FILE.json".into())
            }
        },
        Command::Bench { scale, repeat } => bench::run(scale, repeat.max(1)),
        Command::Plan(args) => plan::run(args),
    }
}
