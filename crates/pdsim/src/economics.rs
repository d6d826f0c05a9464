//! What a run costs: the layout's dollars per hour and per million tokens, and its energy.
//!
//! Dollars: every GPU of the layout is rented for the whole run at its pool's price
//! (`topology.<pool>.usd_per_gpu_hour`, else the GPU's `usd_per_hour`), and the whole cost is
//! carried by the tokens served, as public cost-per-token benchmarks quote it: $ per hour
//! over output tokens per hour (and, separately, over input tokens per hour).
//!
//! Energy: a utilisation model. A GPU draws [`IDLE_POWER_FRACTION`] of its board power
//! (`power_w`) when idle and its full board power while its instance runs a step, so an
//! instance busy a share `b` of the run draws `power_w x (idle + (1 - idle) x b)` per GPU.
//! Board power is an upper bound for a busy GPU (measured inference draw is often lower).
//! docs/PLANNING.md names the sources.

use crate::report::{CostSummary, EnergySummary, Report};
use crate::validate::ResolvedPool;

/// Share of board power a GPU draws between steps. Published idle draws of H100/H200-class
/// GPUs are 10-15% of TDP (docs/PLANNING.md); the upper end is used.
pub const IDLE_POWER_FRACTION: f64 = 0.15;

/// Per million of a count per second: `usd_per_hour / (per_s x 3600) x 1e6`.
fn per_million(usd_per_hour: f64, tokens_per_s: f64) -> Option<f64> {
    (tokens_per_s > 0.0).then(|| usd_per_hour / (tokens_per_s * 3600.0) * 1e6)
}

/// The cost of `pools` serving `input_tokens_per_s` and `output_tokens_per_s`.
pub fn cost(
    pools: &[ResolvedPool],
    input_tokens_per_s: f64,
    output_tokens_per_s: f64,
) -> CostSummary {
    let usd_per_hour = pools.iter().try_fold(0.0, |sum, p| {
        p.usd_per_gpu_hour
            .map(|price| sum + price * f64::from(p.instances * p.gpus_per_instance()))
    });
    CostSummary {
        usd_per_hour,
        usd_per_m_input_tokens: usd_per_hour.and_then(|c| per_million(c, input_tokens_per_s)),
        usd_per_m_output_tokens: usd_per_hour.and_then(|c| per_million(c, output_tokens_per_s)),
    }
}

/// The mean power of `pools` whose instances (in instance-id order, as the report lists
/// them) were busy the shares `busy`, and the energy per output token.
pub fn energy(pools: &[ResolvedPool], busy: &[f64], output_tokens_per_s: f64) -> EnergySummary {
    let mut busy = busy.iter();
    let mut total = Some(0.0);
    for p in pools {
        let gpus = f64::from(p.gpus_per_instance());
        for _ in 0..p.instances {
            let b = busy.next().copied().unwrap_or(0.0);
            total = match (total, p.gpu.power_w) {
                (Some(sum), Some(w)) => {
                    Some(sum + gpus * w * (IDLE_POWER_FRACTION + (1.0 - IDLE_POWER_FRACTION) * b))
                }
                _ => None,
            };
        }
    }
    EnergySummary {
        avg_power_w: total,
        joules_per_output_token: total
            .and_then(|w| (output_tokens_per_s > 0.0).then(|| w / output_tokens_per_s)),
    }
}

/// Fills `report.summary.cost` and `report.summary.energy` for a run of `pools`.
pub fn fill(pools: &[ResolvedPool], report: &mut Report) {
    let busy: Vec<f64> = report.instances.iter().map(|i| i.busy_fraction).collect();
    let s = &mut report.summary;
    s.cost = cost(pools, s.input_tokens_per_s, s.output_tokens_per_s);
    s.energy = energy(pools, &busy, s.output_tokens_per_s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, HardwareSpec};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn cost_and_energy_follow_from_the_report_prices_and_busy_shares() {
        // 2 prefill H100s at a negotiated $2.00, 1 decode H200 at TP2 at its list price.
        let mut c = Config::default();
        c.workload.requests = Some(200);
        c.topology.prefill.instances = 2;
        c.topology.prefill.usd_per_gpu_hour = Some(2.0);
        c.topology.decode.instances = 1;
        c.topology.decode.tp = 2;
        c.topology.decode.hardware = Some(HardwareSpec::Preset("h200".into()));
        let report = crate::run(&c).unwrap();
        let s = &report.summary;
        let h200 = crate::presets::gpu("h200").unwrap();
        let dollars = 2.0 * 2.0 + 2.0 * h200.usd_per_hour.unwrap();
        assert!(close(s.cost.usd_per_hour.unwrap(), dollars));
        let out_per_hour = s.output_tokens_per_s * 3600.0;
        assert!(close(
            s.cost.usd_per_m_output_tokens.unwrap(),
            dollars / out_per_hour * 1e6
        ));
        assert!(close(
            s.cost.usd_per_m_input_tokens.unwrap(),
            dollars / (s.input_tokens_per_s * 3600.0) * 1e6
        ));
        // Input tokens: the completed requests' prompts over the run.
        let prompts: u64 = report
            .requests
            .iter()
            .map(|r| u64::from(r.input_tokens))
            .sum();
        assert!(close(s.input_tokens_per_s, prompts as f64 / s.duration_s));
        // Energy: 700 W per GPU, 15% idle; instances 0, 1 (prefill, 1 GPU), 2 (decode, 2).
        let per_gpu = |b: f64| 700.0 * (0.15 + 0.85 * b);
        let i = &report.instances;
        let watts = per_gpu(i[0].busy_fraction)
            + per_gpu(i[1].busy_fraction)
            + 2.0 * per_gpu(i[2].busy_fraction);
        assert!(close(s.energy.avg_power_w.unwrap(), watts));
        assert!(close(
            s.energy.joules_per_output_token.unwrap(),
            watts / s.output_tokens_per_s
        ));
    }

    #[test]
    fn a_gpu_without_a_price_or_power_gives_no_cost_or_energy() {
        let mut gpu = crate::presets::gpu("h100-sxm").unwrap();
        gpu.usd_per_hour = None;
        gpu.power_w = None;
        let mut c = Config::default();
        c.workload.requests = Some(20);
        c.hardware = HardwareSpec::Custom(gpu);
        let s = crate::run(&c).unwrap().summary;
        assert_eq!(s.cost, CostSummary::default());
        assert_eq!(s.energy, EnergySummary::default());
        // A pool price alone prices that pool only: the other still has none.
        c.topology.prefill.usd_per_gpu_hour = Some(1.0);
        assert_eq!(crate::run(&c).unwrap().summary.cost.usd_per_hour, None);
        c.topology.decode.usd_per_gpu_hour = Some(1.0);
        assert_eq!(crate::run(&c).unwrap().summary.cost.usd_per_hour, Some(4.0));
    }

    #[test]
    fn no_output_tokens_means_no_price_per_token() {
        assert_eq!(per_million(10.0, 0.0), None);
        assert!(close(per_million(10.0, 1e6 / 3600.0).unwrap(), 10.0));
    }
}
