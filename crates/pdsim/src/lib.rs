//! pdsim core (work in progress: see engine).
pub mod config;
pub mod error;
pub mod presets;
pub mod report;

pub use config::Config;
pub use error::Error;
pub use report::Report;

/// Runs the simulation described by `config`.
pub fn run(config: &Config) -> Result<Report, Error> {
    let _ = config;
    Ok(Report {
        summary: report::Summary::default(),
        requests: Vec::new(),
        instances: Vec::new(),
        pools: Vec::new(),
        timeline: report::Timeline::default(),
    })
}
