//! Whether a result can be read at face value: the core's rule (`pdsim::report::health`), which
//! the playground shows at the top of its results (an element with `role="alert"`) and the
//! lessons under their charts (the JS API's `warnings`).

pub use pdsim::report::health::*;

#[cfg(test)]
mod tests {
    use super::*;
    use pdsim::config::{HardwareSpec, ModelSpec};
    use pdsim::report::DropReason;
    use pdsim::{Config, Report};

    /// Llama-3.1-70B on 2 prefill + 2 decode H100s at TP 2, ~4k-token prompts at 9 req/s,
    /// reservation policy `drop`: the decode instances run out of KV room for the transferred
    /// prompts.
    pub(crate) fn dropping() -> Config {
        let mut c = pdsim::example("long-prompts-disagg")
            .map(|e| e.config)
            .unwrap_or_default();
        c.model = ModelSpec::Preset("llama-3.1-70b".into());
        c.hardware = HardwareSpec::Preset("h100-sxm".into());
        c.topology.prefill.tp = 2;
        c.topology.decode.tp = 2;
        // Drop (not wait) when a decode instance has no KV room for a transferred prompt.
        c.kv_transfer.reservation = pdsim::config::ReservationPolicy::Drop;
        c.workload.arrival.rate_per_s = 9.0;
        c.output.per_request = true;
        c
    }

    fn run(config: &Config) -> Report {
        pdsim::run(config).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn drops_are_said_with_count_reason_and_remedy() {
        let mut report = Report {
            summary: pdsim::report::Summary {
                injected: 600,
                completed: 399,
                dropped: 201,
                ..Default::default()
            },
            requests: Vec::new(),
            instances: Vec::new(),
            pools: Vec::new(),
            timeline: pdsim::report::Timeline::default(),
        };
        report
            .summary
            .dropped_by_reason
            .insert(DropReason::DecodeKvFull, 201);
        assert_eq!(
            drops(&report).as_deref(),
            Some(
                "201 of 600 requests dropped: the decode instances had no KV room for them \
                 (decode_kv_full); raise decode TP, add decode instances, pick a GPU with more \
                 memory, lower the rate or let requests wait for KV room (reservation policy \
                 wait). Dropped requests count as SLO misses; the latencies below describe only \
                 the 399 completed ones."
            )
        );
        report
            .summary
            .dropped_by_reason
            .insert(DropReason::PromptExceedsKv, 1200);
        report.summary.dropped = 1401;
        report.summary.injected = 1800;
        let text = drops(&report).unwrap_or_default();
        assert!(
            text.starts_with(
                "1,401 of 1,800 requests dropped: 1,200 because their prompts need more KV \
                 blocks than an instance holds (prompt_exceeds_kv), 201 because the decode"
            ),
            "{text}"
        );
        report.summary.dropped = 0;
        assert_eq!(drops(&report), None);
    }

    #[test]
    fn the_dropping_70b_scenario_warns_and_the_default_does_not() {
        let report = run(&dropping());
        assert!(report.summary.dropped > 0, "the scenario drops requests");
        let all = warnings(&dropping(), &report).join(" ");
        assert!(all.contains("requests dropped"), "{all}");
        let default = Config::default();
        let report = run(&crate::state::for_worker(&default));
        assert_eq!(warnings(&default, &report), Vec::<String>::new());
    }

    #[test]
    fn an_overloaded_cluster_is_named_and_a_light_one_is_not() {
        // 70B on 4 unified H100s at TP 2 with 4k-token prompts at 9 req/s: far beyond capacity.
        let mut config = dropping();
        config.topology.prefill.instances = 0;
        config.topology.decode.instances = 0;
        config.topology.unified.instances = 4;
        config.topology.unified.tp = 2;
        config.disaggregation.decider = pdsim::config::Decider::Never;
        let report = run(&config);
        let heavy = load(&config, &report).unwrap_or_else(|| panic!("no load"));
        assert!(heavy.overloaded(), "{heavy:?}");
        let text = overload(&config, &report).unwrap_or_default();
        assert!(
            text.starts_with("The cluster cannot keep up: requests arrived at "),
            "{text}"
        );

        // The same at 0.2 req/s keeps up.
        config.workload.arrival.rate_per_s = 0.2;
        config.workload.requests = Some(60);
        let report = run(&config);
        let light = load(&config, &report).unwrap_or_else(|| panic!("no load"));
        assert!(!light.overloaded(), "{light:?}");
    }

    #[test]
    fn slo_targets_are_said_in_words() {
        let mut config = Config::default();
        assert_eq!(slo_text(&config), None);
        config.slo.ttft_ms = Some(1000.0);
        config.slo.tpot_ms = Some(12.5);
        assert_eq!(
            slo_text(&config).as_deref(),
            Some("TTFT ≤ 1,000 ms, TPOT ≤ 12.5 ms")
        );
    }

    #[test]
    fn unmet_targets_are_noted() {
        let mut config = crate::state::for_worker(&Config::default());
        config.slo.tpot_ms = Some(0.001);
        let report = run(&config);
        let notes = notes(&config, &report);
        assert_eq!(
            notes,
            vec![
                "No completed request met the latency targets (TPOT ≤ 0.001 ms), so goodput is \
                  0. The targets may come from a preset made for another model or GPU: change or \
                  clear them under Latency targets (SLO)."
                    .to_owned()
            ]
        );
        config.slo.tpot_ms = Some(10_000.0);
        assert_eq!(slo_note(&config, &run(&config)), None);
    }

    #[test]
    fn an_idle_prefill_pool_is_noted() {
        let mut config = crate::state::for_worker(&Config::default());
        config.disaggregation.decider = pdsim::config::Decider::Never;
        let report = run(&config);
        let notes = idle_pools(&config, &report);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("The prefill pool (2 instances, 2 GPUs) sat idle (0.0% busy)"),
            "{}",
            notes[0]
        );
        config.disaggregation.decider = pdsim::config::Decider::Always;
        assert_eq!(idle_pools(&config, &run(&config)), Vec::<String>::new());
    }

    /// Prints the load of every example (calibration of [`Load::overloaded`]):
    /// `cargo test -p pdsim-web loads -- --nocapture --ignored`.
    #[test]
    #[ignore = "prints numbers for calibration"]
    fn loads() {
        for example in pdsim::examples() {
            let config = crate::state::for_worker(&example.config);
            let report = run(&config);
            println!(
                "{}: dropped {} {:?} overloaded {:?}",
                example.name,
                report.summary.dropped,
                load(&config, &report),
                load(&config, &report).map(|l| l.overloaded())
            );
        }
        let config = dropping();
        let report = run(&config);
        println!(
            "70b: {:?} {:?}",
            report.summary.dropped_by_reason,
            load(&config, &report)
        );
    }
}
