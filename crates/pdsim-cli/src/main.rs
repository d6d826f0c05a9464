//! `pdsim`: the command-line program over the pdsim core.

mod bench;
mod table;

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pdsim::Config;

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
        /// prefix_group) instead of the config's generated workload.
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

#[allow(clippy::print_stdout)]
fn print_out(text: &str) {
    println!("{text}");
}

fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading standard input: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
    }
}

fn load_config(path: &str) -> Result<Config, String> {
    Config::from_json(&read_input(path)?).map_err(|e| format!("{path}: {e}"))
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
                let (records, errors) = pdsim::workload::parse_trace_jsonl(&read_input(&path)?);
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
            let report = pdsim::run(&config).map_err(|e| e.to_string())?;
            if summary {
                Ok(table::summary(&report))
            } else {
                serde_json::to_string(&report).map_err(|e| e.to_string())
            }
        }
        Command::Example { name: None } => {
            let rows: Vec<String> = pdsim::examples::all()
                .iter()
                .map(|e| format!("{:<22} {}", e.name, e.description))
                .collect();
            Ok(format!(
                "Scenarios (print one with `pdsim example NAME`):\n{}",
                rows.join("\n")
            ))
        }
        Command::Example { name: Some(name) } => match pdsim::examples::by_name(&name) {
            Some(example) => to_json(&example.config),
            None => {
                let names: Vec<&str> = pdsim::examples::all().iter().map(|e| e.name).collect();
                Err(format!(
                    "unknown scenario '{name}'; known: {}",
                    names.join(", ")
                ))
            }
        },
        Command::Validate { config } => {
            let parsed = load_config(&config)?;
            pdsim::validate::validate(&parsed).map_err(|e| format!("{config}: {e}"))?;
            Ok(format!("{config}: valid"))
        }
        Command::Schema { report: false } => to_json(&Config::json_schema()),
        Command::Schema { report: true } => to_json(&Config::report_json_schema()),
        Command::Sweep {
            config,
            param,
            values,
            format,
        } => {
            let config = load_config(&config)?;
            let rows = pdsim::sweep::sweep(&config, &param, &values).map_err(|e| e.to_string())?;
            Ok(match format {
                Format::Json => to_json(&rows)?,
                Format::Csv => table::sweep_csv(&param, &rows),
            })
        }
        Command::Bench { scale, repeat } => bench::run(scale, repeat.max(1)),
    }
}
