//! The plan's inputs as a person types them (any number, negative or fractional), checked
//! before a request is built: the one validator the CLI's flags and the playground's Plan
//! panel share, so both refuse the same input with the same message, naming the field.
//! [`super::check_request`] applies the same checks (and messages) to a built request.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::MAX_GPUS;
use crate::error::Error;

/// The typed-in inputs of a plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanInputs {
    /// GPU budget (`gpus`).
    pub gpus: f64,
    /// TTFT limit, in ms (`targets.ttft_ms`).
    pub ttft_ms: Option<f64>,
    /// TPOT limit, in ms (`targets.tpot_ms`).
    pub tpot_ms: Option<f64>,
    /// Share of requests that must meet both (`targets.attainment`).
    pub attainment: f64,
    /// Requests of every run (`workload.requests`).
    pub requests: Option<f64>,
    /// Rate to carry, in req/s (`targets.rate_per_s`).
    pub rate_per_s: Option<f64>,
}

/// Most requests of one planning run from the inputs (a larger workload belongs in the
/// config, where `limits.max_requests` guards it).
pub const MAX_REQUESTS: f64 = 10_000_000.0;

/// The budget: a whole number of GPUs in 1..=[`MAX_GPUS`].
pub fn check_gpus(gpus: f64) -> Result<(), Error> {
    whole_in(gpus, 1.0, f64::from(MAX_GPUS), "gpus", "GPUs")
}

/// A latency limit: a finite number of ms above 0.
pub fn check_limit(value: Option<f64>, field: &str) -> Result<(), Error> {
    match value {
        Some(v) if !(v.is_finite() && v > 0.0) => Err(Error::invalid(
            field,
            format!("must be a finite number > 0 ms, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// The attainment: a share in (0, 1].
pub fn check_attainment(a: f64) -> Result<(), Error> {
    if a.is_finite() && a > 0.0 && a <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "targets.attainment",
            format!("must be in (0, 1], got {a}"),
        ))
    }
}

/// The request count, if given: a whole number of at least 1.
pub fn check_requests(requests: Option<f64>) -> Result<(), Error> {
    match requests {
        Some(n) => whole_in(n, 1.0, MAX_REQUESTS, "workload.requests", "requests"),
        None => Ok(()),
    }
}

/// The rate to carry, if given: a finite number of req/s above 0.
pub fn check_rate(rate: Option<f64>) -> Result<(), Error> {
    match rate {
        Some(r) if !(r.is_finite() && r > 0.0) => Err(Error::invalid(
            "targets.rate_per_s",
            format!("must be a finite number > 0 req/s, got {r}"),
        )),
        _ => Ok(()),
    }
}

fn whole_in(v: f64, lo: f64, hi: f64, field: &str, unit: &str) -> Result<(), Error> {
    if v.is_finite() && v.fract() == 0.0 && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be a whole number of {unit} between {lo} and {hi}, got {v}"),
        ))
    }
}

/// Checks every input, in the order of the form: budget, TTFT, TPOT, attainment,
/// requests, rate. The first wrong one is the error.
pub fn check_inputs(i: &PlanInputs) -> Result<(), Error> {
    check_gpus(i.gpus)?;
    check_limit(i.ttft_ms, "targets.ttft_ms")?;
    check_limit(i.tpot_ms, "targets.tpot_ms")?;
    check_attainment(i.attainment)?;
    check_requests(i.requests)?;
    check_rate(i.rate_per_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PlanInputs {
        PlanInputs {
            gpus: 8.0,
            ttft_ms: Some(500.0),
            tpot_ms: Some(25.0),
            attainment: 0.9,
            requests: Some(2000.0),
            rate_per_s: None,
        }
    }

    fn refused(change: impl FnOnce(&mut PlanInputs)) -> String {
        let mut i = good();
        change(&mut i);
        check_inputs(&i).unwrap_err().to_string()
    }

    #[test]
    fn every_bad_input_is_refused_naming_its_field() {
        assert!(check_inputs(&good()).is_ok());
        assert_eq!(
            refused(|i| i.gpus = 0.0),
            "gpus: must be a whole number of GPUs between 1 and 4096, got 0"
        );
        assert_eq!(
            refused(|i| i.gpus = -3.0),
            "gpus: must be a whole number of GPUs between 1 and 4096, got -3"
        );
        assert_eq!(
            refused(|i| i.gpus = 2.5),
            "gpus: must be a whole number of GPUs between 1 and 4096, got 2.5"
        );
        assert_eq!(
            refused(|i| i.ttft_ms = Some(-5.0)),
            "targets.ttft_ms: must be a finite number > 0 ms, got -5"
        );
        assert_eq!(
            refused(|i| i.tpot_ms = Some(0.0)),
            "targets.tpot_ms: must be a finite number > 0 ms, got 0"
        );
        assert_eq!(
            refused(|i| i.attainment = 1.5),
            "targets.attainment: must be in (0, 1], got 1.5"
        );
        assert_eq!(
            refused(|i| i.attainment = 0.0),
            "targets.attainment: must be in (0, 1], got 0"
        );
        assert_eq!(
            refused(|i| i.requests = Some(0.0)),
            "workload.requests: must be a whole number of requests between 1 and 10000000, got 0"
        );
        assert_eq!(
            refused(|i| i.rate_per_s = Some(f64::NAN)),
            "targets.rate_per_s: must be a finite number > 0 req/s, got NaN"
        );
        // The first wrong field, in the form's order, is the one named.
        assert!(refused(|i| {
            i.gpus = 0.0;
            i.attainment = 2.0;
        })
        .starts_with("gpus:"));
    }

    #[test]
    fn a_built_request_is_refused_with_the_same_messages() {
        let mut r = super::super::PlanRequest::new(crate::Config::default(), 0);
        r.targets.ttft_ms = Some(100.0);
        let typed = check_gpus(0.0).unwrap_err().to_string();
        assert_eq!(
            super::super::check_request(&r).unwrap_err().to_string(),
            typed
        );
        r.gpus = 8;
        r.targets.attainment = 1.5;
        assert_eq!(
            super::super::check_request(&r).unwrap_err().to_string(),
            check_attainment(1.5).unwrap_err().to_string()
        );
        r.targets.attainment = 0.9;
        r.config.workload.requests = Some(0);
        assert_eq!(
            super::super::check_request(&r).unwrap_err().to_string(),
            check_requests(Some(0.0)).unwrap_err().to_string()
        );
    }
}
