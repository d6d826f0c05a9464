//! Runs a config the way the CLI does: when the workload's arrivals do not depend on the
//! simulation (a generated open loop), a second thread draws them while the simulation runs
//! (drawing is about a tenth of a run's work). The report is the core's, byte for byte:
//! the same requests in the same order, only drawn on another core.

use std::sync::mpsc;

use pdsim::workload::Arrivals;
use pdsim::{Config, Report};

/// Batches drawn ahead of the simulation at most: enough to keep the simulation from
/// waiting, few enough that memory stays flat.
const BATCHES_IN_FLIGHT: usize = 16;

/// Validates and runs `config`; errors as the CLI prints them.
pub fn run(config: &Config) -> Result<Report, String> {
    let validated = pdsim::validate(config).map_err(|e| e.to_string())?;
    let Some(arrivals) = Arrivals::of(&validated) else {
        return pdsim::run_validated(&validated).map_err(|e| e.to_string());
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel(BATCHES_IN_FLIGHT);
        scope.spawn(move || {
            for batch in arrivals {
                // The simulation stopped early (its horizon or a limit): nothing to draw for.
                if sender.send(batch).is_err() {
                    break;
                }
            }
        });
        // The receiver is dropped with the simulation, which stops the drawing thread.
        pdsim::run_with_arrivals(&validated, receiver.into_iter()).map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_report_as_the_core_whether_drawn_ahead_or_not() {
        let mut open = pdsim::bench_reference();
        open.workload.requests = Some(3_000);
        let mut closed = open.clone();
        closed.workload.closed_loop = Some(pdsim::config::ClosedLoopConfig {
            users: 16,
            think_time_ms: 5.0,
        });
        // A horizon that stops the run while arrivals are still being drawn.
        let mut cut = open.clone();
        cut.workload.requests = None;
        cut.workload.horizon_s = Some(2.0);
        for config in [open, closed, cut] {
            let json = |r: &Report| serde_json::to_string(r).expect("report");
            let core = pdsim::run(&config).expect("runs");
            assert!(core.summary.completed > 0);
            assert_eq!(json(&run(&config).expect("runs")), json(&core));
        }
    }

    #[test]
    fn a_bad_config_is_refused_as_the_core_refuses_it() {
        let mut config = Config::default();
        config.workload.arrival.rate_per_s = -1.0;
        let core = pdsim::run(&config).expect_err("refused").to_string();
        assert_eq!(run(&config).expect_err("refused"), core);
    }
}
