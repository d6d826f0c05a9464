//! One candidate's rate search.
//!
//! Each probe is a full [`crate::run`] of the candidate's config at one arrival rate, with
//! the same seed: the workload generator scales the same sequence of gaps by the rate, so
//! every probe sees the same requests, only closer together or further apart. Probes ask
//! for histogram percentiles, no per-request records and no timeline: the attainment they
//! need is a count, exact either way, and the run then keeps memory only for the requests
//! in flight. Two runs keep per-request records to tell which target failed: the one just
//! above the rate found, and the one at the lowest rate (which runs only the workload's
//! first [`FLOOR_REQUESTS`] requests: served nearly alone, a request costs a step per
//! output token). The final run at the rate found is the candidate's own config,
//! untouched, so that `pdsim run` on it reproduces every number.

use super::{
    candidate_config, Bound, Candidate, CandidateResult, Miss, Objective, PlanRequest, Probe,
    Status,
};
use crate::config::{Config, OutputConfig, Percentiles};
use crate::error::Error;
use crate::report::{Report, RequestStatus, Stat};

/// `value` rounded to `digits` significant decimal digits (`digits` in 1..=15), so that
/// its JSON text has at most that many digits and parses back to the same number with any
/// JSON parser.
pub fn round_significant(value: f64, digits: i32) -> f64 {
    if !(value.is_finite() && value > 0.0) {
        return value;
    }
    let exponent = libm::floor(libm::log10(value)) as i32 + 1 - digits;
    let pow10 = |k: i32| (0..k).fold(1.0_f64, |a, _| a * 10.0);
    let rounded = if exponent >= 0 {
        let scale = pow10(exponent);
        libm::round(value / scale) * scale
    } else {
        let scale = pow10(-exponent);
        libm::round(value * scale) / scale
    };
    if rounded > 0.0 {
        rounded
    } else {
        value
    }
}

/// Rates are probed at three significant digits (37.4, 0.512, 1230): readable, and fine
/// enough for a 2% search.
pub fn round_rate(rate: f64) -> f64 {
    round_significant(rate, 3)
}

/// The rate of the confirming run above `rate`: `rate` x [`CONFIRM_FACTOR`], to 12
/// significant digits (the exact product of the decimals; the float product would print
/// as 39.269999999999996 for 37.4).
pub fn confirm_rate(rate: f64) -> f64 {
    round_significant(rate * CONFIRM_FACTOR, 12)
}

/// How far above the rate found the confirming run probes: the rate is reported only
/// when this run misses.
pub const CONFIRM_FACTOR: f64 = 1.05;
/// Requests of the run at the lowest rate: with requests nearly alone, a run costs one
/// step per output token, so the first few stand for the rest.
pub const FLOOR_REQUESTS: u64 = 100;

/// The workload's request count cut to [`FLOOR_REQUESTS`], if it has more (`None`: as is).
fn floor_requests(config: &Config) -> Option<u64> {
    config
        .workload
        .requests
        .filter(|&n| n > FLOOR_REQUESTS)
        .map(|_| FLOOR_REQUESTS)
}

/// Growth of the rate while no probe has missed yet.
const EXPAND: f64 = 4.0;
/// The lowest rate probed, as a fraction of the first: requests there barely overlap, so
/// a miss there is a miss at any rate.
const FLOOR: f64 = 1.0 / 1024.0;

struct Searcher<'a> {
    request: &'a PlanRequest,
    candidate: &'a Candidate,
    probes: Vec<Probe>,
}

impl Searcher<'_> {
    fn config(&self, rate: f64, per_request: bool, requests: Option<u64>) -> Config {
        let mut config = candidate_config(self.request, self.candidate, rate);
        if requests.is_some() {
            config.workload.requests = requests;
        }
        config.output = OutputConfig {
            per_request,
            percentiles: Percentiles::Histogram,
            timeline_buckets: 0,
        };
        config
    }

    fn budget_left(&self) -> bool {
        (self.probes.len() as u32) < self.request.space.max_probes
    }

    /// Runs at `rate`; records the probe.
    fn run(&mut self, rate: f64, per_request: bool) -> Result<Report, Error> {
        self.run_with(rate, per_request, None)
    }

    /// Runs at `rate`, with the workload cut to `requests` if given; records the probe.
    fn run_with(
        &mut self,
        rate: f64,
        per_request: bool,
        requests: Option<u64>,
    ) -> Result<Report, Error> {
        let report = crate::run(&self.config(rate, per_request, requests))?;
        self.probes.push(Probe {
            rate_per_s: rate,
            attainment: report.summary.slo_attainment,
        });
        Ok(report)
    }

    fn passes(&self, report: &Report) -> bool {
        report.summary.slo_attainment >= self.request.targets.attainment
    }

    /// Each target's attainment in a run with per-request records.
    fn miss(&self, rate: f64, report: &Report) -> Miss {
        let t = &self.request.targets;
        let n = report.summary.injected.max(1) as f64;
        let (mut ttft_ok, mut tpot_ok, mut lost) = (0u64, 0u64, 0u64);
        for r in &report.requests {
            if r.status != RequestStatus::Completed {
                lost += 1;
                continue;
            }
            let ttft = r.ttft_ms.unwrap_or(f64::INFINITY);
            if t.ttft_ms.is_none_or(|limit| ttft <= limit) {
                ttft_ok += 1;
            }
            if t.tpot_ms
                .is_none_or(|limit| r.tpot_ms.is_none_or(|tpot| tpot <= limit))
            {
                tpot_ok += 1;
            }
        }
        Miss {
            rate_per_s: rate,
            attainment: report.summary.slo_attainment,
            ttft_attainment: ttft_ok as f64 / n,
            tpot_attainment: tpot_ok as f64 / n,
            dropped_share: lost as f64 / n,
        }
    }

    fn bound(&self, miss: &Miss) -> Bound {
        let need = self.request.targets.attainment;
        if miss.dropped_share > 1.0 - need {
            return Bound::Dropped;
        }
        match (miss.ttft_attainment < need, miss.tpot_attainment < need) {
            (true, false) => Bound::Ttft,
            (false, true) => Bound::Tpot,
            _ => Bound::Both,
        }
    }
}

/// The rate search's outcome before the final run.
enum Found {
    /// Meets at `rate`; `miss` is the confirming run above it, if any.
    Meets {
        rate: f64,
        miss: Option<Miss>,
        capped: bool,
        converged: bool,
    },
    /// Misses even at the lowest rate.
    Misses {
        rate: f64,
        miss: Miss,
        requests: Option<u64>,
    },
}

fn search(s: &mut Searcher<'_>, start: f64) -> Result<Found, Error> {
    let space = &s.request.space;
    let cap = space.max_rate_per_gpu * f64::from(s.candidate.gpus);
    let tolerance = 1.0 + space.rate_tolerance;
    let start = round_rate(start.min(cap));
    // Bracket: lo passes, hi misses.
    let first = s.run(start, false)?;
    let (mut lo, mut hi) = if s.passes(&first) {
        (start, None)
    } else {
        // Low enough that requests barely overlap, high enough that the run stays well
        // inside limits.max_sim_time_s.
        let config = &s.request.config;
        let mut floor = start * FLOOR;
        match (config.workload.requests, config.workload.horizon_s) {
            (Some(n), _) => {
                let n = n.min(FLOOR_REQUESTS);
                floor = floor.max(2.0 * n as f64 / config.limits.max_sim_time_s);
            }
            // A horizon without a count: enough rate for a few dozen requests in it.
            (None, Some(horizon_s)) => floor = floor.max(30.0 / horizon_s),
            (None, None) => {}
        }
        let floor = round_rate(floor.min(start));
        let requests = floor_requests(config);
        let report = s.run_with(floor, true, requests)?;
        if !s.passes(&report) {
            let miss = s.miss(floor, &report);
            return Ok(Found::Misses {
                rate: floor,
                miss,
                requests,
            });
        }
        (floor, Some(start))
    };
    loop {
        // Grow until a miss, or the cap.
        while hi.is_none() {
            if lo >= cap {
                return Ok(Found::Meets {
                    rate: lo,
                    miss: None,
                    capped: true,
                    converged: true,
                });
            }
            if !s.budget_left() {
                return Ok(unconverged(lo));
            }
            let rate = round_rate((lo * EXPAND).min(cap));
            let report = s.run(rate, false)?;
            if s.passes(&report) {
                lo = rate;
            } else {
                hi = Some(rate);
            }
        }
        // Narrow geometrically.
        while let Some(h) = hi {
            if h <= lo * tolerance {
                break;
            }
            let mid = round_rate(libm::sqrt(lo * h));
            if mid <= lo || mid >= h {
                break;
            }
            if !s.budget_left() {
                return Ok(unconverged(lo));
            }
            let report = s.run(mid, false)?;
            if s.passes(&report) {
                lo = mid;
            } else {
                hi = Some(mid);
            }
        }
        // Confirm: a little more traffic must miss, else the search goes on above it.
        if !s.budget_left() {
            return Ok(unconverged(lo));
        }
        let check = confirm_rate(lo);
        let report = s.run(check, true)?;
        if !s.passes(&report) {
            let miss = s.miss(check, &report);
            return Ok(Found::Meets {
                rate: lo,
                miss: Some(miss),
                capped: false,
                converged: true,
            });
        }
        lo = check;
        hi = None;
    }
}

fn unconverged(rate: f64) -> Found {
    Found::Meets {
        rate,
        miss: None,
        capped: false,
        converged: false,
    }
}

/// The rate the search starts from: the config's rate per GPU times the candidate's GPUs.
fn start_rate(request: &PlanRequest, candidate: &Candidate) -> f64 {
    let t = &request.config.topology;
    let gpus = [&t.unified, &t.prefill, &t.decode]
        .iter()
        .map(|p| p.instances * p.tp)
        .sum::<u32>()
        .max(1);
    request.config.workload.arrival.rate_per_s / f64::from(gpus) * f64::from(candidate.gpus)
}

/// Finds `candidate`'s highest arrival rate that meets the request's targets, within
/// `space.rate_tolerance`, and runs its config there. Pure and deterministic: the same
/// request and candidate give the same result in any thread, process or browser worker.
pub fn evaluate(request: &PlanRequest, candidate: &Candidate) -> CandidateResult {
    let start = start_rate(request, candidate);
    let mut result = CandidateResult {
        candidate: candidate.clone(),
        status: Status::Error,
        meets_targets: false,
        reason: None,
        bound_by: None,
        rate_per_s: round_rate(start),
        rate_per_gpu: 0.0,
        output_tokens_per_s_per_gpu: 0.0,
        usd_per_hour: None,
        usd_per_m_output_tokens: None,
        joules_per_output_token: None,
        attainment: 0.0,
        ttft_ms: Stat::default(),
        tpot_ms: Stat::default(),
        e2e_ms: Stat::default(),
        miss: None,
        converged: false,
        probes: Vec::new(),
        config: candidate_config(request, candidate, round_rate(start)),
    };
    if let Err(e) = super::check_request(request) {
        result.reason = Some(e.to_string());
        return result;
    }
    let mut searcher = Searcher {
        request,
        candidate,
        probes: Vec::new(),
    };
    // Objective `gpus`: one run at the rate to carry (the final run below) decides.
    let at_target = match (request.objective, request.targets.rate_per_s) {
        (Objective::Gpus, Some(rate)) => Some(rate),
        _ => None,
    };
    let found = match at_target {
        Some(rate) => Ok(Found::Meets {
            rate,
            miss: None,
            capped: false,
            converged: true,
        }),
        None => search(&mut searcher, start),
    };
    let found = match found {
        Ok(found) => found,
        Err(e) => {
            result.reason = Some(e.to_string());
            result.probes = searcher.probes;
            return result;
        }
    };
    let gpus = f64::from(candidate.gpus.max(1));
    let mut cut = None;
    let (rate, status) = match found {
        Found::Meets {
            rate,
            miss,
            capped,
            converged,
        } => {
            result.converged = converged;
            result.bound_by = match &miss {
                Some(m) => Some(searcher.bound(m)),
                None if capped => Some(Bound::RateCap),
                None => None,
            };
            result.reason = if capped {
                Some(format!(
                    "meets the targets at the highest rate probed ({} req/s per GPU)",
                    request.space.max_rate_per_gpu
                ))
            } else if !converged {
                Some(format!(
                    "the rate search stopped at its cap of {} runs before narrowing to {}%",
                    request.space.max_probes,
                    request.space.rate_tolerance * 100.0
                ))
            } else {
                None
            };
            result.miss = miss;
            (rate, Status::Meets)
        }
        Found::Misses {
            rate,
            miss,
            requests,
        } => {
            cut = requests;
            let bound = searcher.bound(&miss);
            result.bound_by = Some(bound);
            result.reason = Some(format!(
                "misses the targets even at {rate} req/s, where requests barely overlap{}: \
                 {:.1}% of requests meet both ({:.1}% the TTFT limit, {:.1}% the TPOT limit, \
                 {:.1}% dropped or unfinished)",
                requests.map_or(String::new(), |n| format!(" (its first {n} requests)")),
                miss.attainment * 100.0,
                miss.ttft_attainment * 100.0,
                miss.tpot_attainment * 100.0,
                miss.dropped_share * 100.0
            ));
            result.miss = Some(miss);
            result.converged = true;
            (rate, Status::Misses)
        }
    };
    // The final run: the candidate's own config, exactly what `pdsim run` will see.
    let mut config = candidate_config(request, candidate, rate);
    if cut.is_some() {
        config.workload.requests = cut;
    }
    let report = crate::run(&config);
    searcher.probes.push(Probe {
        rate_per_s: rate,
        attainment: report.as_ref().map_or(0.0, |r| r.summary.slo_attainment),
    });
    result.probes = searcher.probes;
    result.config = config;
    result.rate_per_s = rate;
    result.rate_per_gpu = rate / gpus;
    match report {
        Ok(report) => {
            let s = &report.summary;
            result.status = status;
            result.attainment = s.slo_attainment;
            result.meets_targets = s.slo_attainment >= request.targets.attainment;
            result.output_tokens_per_s_per_gpu = s.output_tokens_per_s / gpus;
            result.usd_per_hour = s.cost.usd_per_hour;
            result.usd_per_m_output_tokens = s.cost.usd_per_m_output_tokens;
            result.joules_per_output_token = s.energy.joules_per_output_token;
            result.ttft_ms = s.ttft_ms;
            result.tpot_ms = s.tpot_ms;
            result.e2e_ms = s.e2e_ms;
            if at_target.is_some() && !result.meets_targets {
                result.status = Status::Misses;
                result.reason = Some(format!(
                    "misses the targets at the rate to carry, {rate} req/s: {:.1}% of requests \
                     meet both",
                    s.slo_attainment * 100.0
                ));
            } else if status == Status::Meets && !result.meets_targets {
                // Only if the config's own output settings changed the run, which they
                // must not: say so rather than report a rate that does not hold.
                result.status = Status::Error;
                result.reason = Some(format!(
                    "the final run at {rate} req/s missed the targets that its probe met \
                     ({:.4} < {})",
                    s.slo_attainment, request.targets.attainment
                ));
            }
        }
        Err(e) => {
            result.status = Status::Error;
            result.meets_targets = false;
            result.reason = Some(e.to_string());
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_keep_three_significant_digits() {
        assert_eq!(round_rate(37.4321), 37.4);
        assert_eq!(round_rate(0.0051234), 0.00512);
        assert_eq!(round_rate(1234.5), 1230.0);
        assert_eq!(round_rate(999.7), 1000.0);
        assert_eq!(round_rate(40.0), 40.0);
        assert_eq!(round_rate(0.0), 0.0);
        assert_eq!(confirm_rate(37.4), 39.27);
        assert_eq!(confirm_rate(0.00512), 0.005376);
    }
}
