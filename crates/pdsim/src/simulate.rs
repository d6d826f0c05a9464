//! The whole pipeline: a config validated, simulated and reported.

use crate::{economics, engine, validate, Config, Error, Report};

/// Validates `config` and runs the simulation it describes.
pub fn run(config: &Config) -> Result<Report, Error> {
    let validated = validate(config)?;
    let outcome = engine::Simulation::new(&validated).run()?;
    let mut report = outcome.report();
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
