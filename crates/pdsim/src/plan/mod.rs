//! Capacity planning: for a GPU budget, a model, a workload and latency targets, find the
//! serving layouts that carry the most traffic per GPU within the targets.
//!
//! The search is three pure, deterministic functions, so that any runner can spread the
//! work: the CLI runs [`evaluate`] on all cores, a browser runs it in a pool of Web
//! Workers, a batch system runs slices of the list on many machines.
//!
//! ```
//! use pdsim::plan::{self, PlanRequest, Targets};
//! let mut request = PlanRequest::new(pdsim::Config::default(), 4);
//! request.targets = Targets { ttft_ms: Some(200.0), tpot_ms: Some(12.0), ..Targets::default() };
//! request.space.tp = vec![1];
//! let candidates = plan::candidates(&request).unwrap();
//! let results: Vec<_> = candidates.iter().map(|c| plan::evaluate(&request, c)).collect();
//! let plan = plan::summarize(&request, results).unwrap();
//! let best = plan.best.unwrap();
//! assert!(best.meets_targets && best.attainment >= 0.9);
//! // Its config, run again, gives the same numbers.
//! let report = pdsim::run(&best.config).unwrap();
//! assert_eq!(report.summary.slo_attainment, best.attainment);
//! ```
//!
//! - [`candidates`] lists the layouts of the search space: aggregated (unified instances)
//!   at each tensor-parallel degree that fits, and disaggregated (prefill and decode pools at
//!   their own degrees, every split that leaves fewer spare GPUs than one more instance
//!   would take) under each decider setting.
//! - [`evaluate`] finds one candidate's highest arrival rate that still meets the targets:
//!   a bracketing search on the rate, same seed at every probe, each probe a full
//!   [`crate::run`]. It is independent of every other candidate.
//! - [`summarize`] ranks the results, finds the best and the Pareto frontiers, and lists
//!   the tensor-parallel degrees that could not hold the model.
//!
//! [`plan`] runs all three in one thread.

mod check;
mod inherited;
mod inputs;
mod search;
mod space;
mod summary;
mod types;

use crate::error::Error;

pub use check::check_request;
pub use inherited::{inherited_defaults, Inherited};
pub use inputs::{
    check_attainment, check_gpus, check_inputs, check_limit, check_rate, check_requests,
    PlanInputs, MAX_REQUESTS,
};
pub use search::{confirm_rate, evaluate, round_rate, round_significant, CONFIRM_FACTOR};
pub use space::{candidate_config, candidates, exclusions};
pub use summary::{frontier, summarize};
pub use types::{
    Bound, Candidate, CandidateResult, DeciderChoice, Exclusion, LayoutKind, Miss, Objective, Plan,
    PlanRequest, PoolShape, Probe, SearchSpace, Status, Targets, MAX_GPUS,
};

/// Lists, evaluates and summarizes every candidate, in one thread.
pub fn plan(request: &PlanRequest) -> Result<Plan, Error> {
    let list = candidates(request)?;
    let results = list.iter().map(|c| evaluate(request, c)).collect();
    summarize(request, results)
}
