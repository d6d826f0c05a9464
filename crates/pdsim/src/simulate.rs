//! The whole pipeline: a config validated, simulated and reported.

use crate::workload::ArrivalBatch;
use crate::{economics, engine, validate, Config, Error, Report, Validated};

/// Validates `config` and runs the simulation it describes.
pub fn run(config: &Config) -> Result<Report, Error> {
    run_validated(&validate(config)?)
}

/// Runs the simulation of an already validated config: [`run`] without checking it again
/// (a trace's records are checked once).
pub fn run_validated(validated: &Validated<'_>) -> Result<Report, Error> {
    report(validated, engine::Simulation::new(validated))
}

/// Runs the simulation `validated` describes with its arrivals drawn ahead, by
/// [`Arrivals::of`](crate::workload::Arrivals::of) of the same config: a caller with threads
/// draws them on another core while this runs. The report is the same, byte for byte, as
/// [`run`]'s; batches of another config, or out of order, fail the run (field `arrivals`).
pub fn run_with_arrivals<'a>(
    validated: &Validated<'a>,
    batches: impl Iterator<Item = ArrivalBatch> + 'a,
) -> Result<Report, Error> {
    report(
        validated,
        engine::Simulation::with_arrivals(validated, batches),
    )
}

fn report(validated: &Validated<'_>, simulation: engine::Simulation<'_>) -> Result<Report, Error> {
    let mut report = simulation.run()?.report();
    economics::fill(&validated.resolved().pools, &mut report);
    Ok(report)
}

/// Parses a JSON config and runs it, returning the report as JSON: the whole pipeline that
/// the CLI, the JS API and the determinism tests share.
pub fn run_json(config_json: &str) -> Result<String, Error> {
    let config = Config::from_json(config_json)?;
    let report = run(&config)?;
    serde_json::to_string(&report).map_err(|e| Error::invalid("report", e))
}
