//! Human-readable renderings of reports and sweeps.

use std::fmt::Write;

use pdsim::report::{Phases, Report, Stat};
use pdsim::SweepRow;

fn stat_row(out: &mut String, name: &str, s: &Stat) {
    let _ = writeln!(
        out,
        "  {name:<22} {:>10.2} {:>10.2} {:>10.2} {:>10.2}",
        s.mean, s.p50, s.p90, s.p99
    );
}

fn phases(out: &mut String, title: &str, p: &Phases<Stat>) {
    if p.prefill.count == 0 {
        return;
    }
    let _ = writeln!(out, "{title} ({} requests)", p.prefill.count);
    for (name, s) in p.named() {
        stat_row(out, name, s);
    }
}

/// The `--summary` table.
pub fn summary(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "requests: {} injected, {} completed, {} dropped{}, {} in flight; {} disaggregated ({:.1}%); {} preemptions",
        s.injected,
        s.completed,
        s.dropped,
        if s.dropped_by_reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", s.dropped_by_reason.iter().map(|(k, v)| format!("{}: {v}", k.id())).collect::<Vec<_>>().join(", "))
        },
        s.in_flight,
        s.disaggregated,
        100.0 * s.disaggregated_share,
        s.preemptions
    );
    let _ = writeln!(
        out,
        "duration {:.2} s; throughput {:.2} req/s, {:.0} output tok/s; goodput {:.2} req/s (SLO attainment {:.1}%)",
        s.duration_s,
        s.throughput_rps,
        s.output_tokens_per_s,
        s.goodput_rps,
        100.0 * s.slo_attainment
    );
    let _ = writeln!(out, "{}", cost_line(s));
    let _ = writeln!(
        out,
        "KV transfers: {} completed, {:.1} MB moved, {:.1} MB already on the decode instance, mean {:.2} ms; prefix-cache hits {} tokens",
        s.transfer.completed,
        s.transfer.bytes as f64 / 1e6,
        s.transfer.skipped_bytes as f64 / 1e6,
        s.transfer.time_ms.mean,
        s.cached_tokens
    );
    if let Some(spec) = &s.speculative {
        let by_position: Vec<String> = spec
            .acceptance_by_position
            .iter()
            .map(|a| format!("{:.1}%", 100.0 * a))
            .collect();
        let _ = writeln!(
            out,
            "speculative decoding ({}, {} tokens): {:.3} tokens per verify step over {} verify steps; {:.1}% of proposals accepted (by position {})",
            spec.method.id(),
            spec.tokens,
            spec.tokens_per_step,
            spec.verify_steps,
            100.0 * spec.acceptance,
            by_position.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nlatency (ms)                 mean        p50        p90        p99"
    );
    if s.percentile_method != pdsim::report::PercentileMethod::Exact {
        let _ = writeln!(out, "  (percentiles: {})", s.percentile_method.id());
    }
    stat_row(&mut out, "TTFT", &s.ttft_ms);
    stat_row(&mut out, "TPOT", &s.tpot_ms);
    // Under speculative decoding a step can bring several tokens: one ITL value per chunk.
    let itl = if s.speculative.is_some() {
        "ITL (every chunk)"
    } else {
        "ITL (every token)"
    };
    stat_row(&mut out, itl, &s.itl_ms);
    stat_row(&mut out, "E2E", &s.e2e_ms);
    phases(&mut out, "TTFT phases, all", &s.breakdown_ms);
    phases(&mut out, "TTFT phases, local", &s.breakdown_local_ms);
    phases(
        &mut out,
        "TTFT phases, disaggregated",
        &s.breakdown_disaggregated_ms,
    );
    let _ = writeln!(
        out,
        "\ninstances   role      busy   batch  KV peak  prefill tok  decode tok  preempt"
    );
    for i in &report.instances {
        let _ = writeln!(
            out,
            "  {:>3}      {:<8} {:>5.1}% {:>6.1} {:>7.1}% {:>12} {:>11} {:>8}",
            i.id,
            i.role.id(),
            100.0 * i.busy_fraction,
            i.mean_batch_size,
            100.0 * i.kv_peak_utilization,
            i.prefill_tokens,
            i.decode_tokens,
            i.preemptions
        );
    }
    for p in &report.pools {
        let _ = writeln!(
            out,
            "pool {:<8} utilization {:>5.1}%, load imbalance (max/mean busy) {:.2}",
            p.role.id(),
            100.0 * p.utilization,
            p.load_imbalance
        );
    }
    let _ = write!(out, "percentiles: {}", s.percentile_method.id());
    out
}

/// The cost and energy line of `--summary` ("-" where a GPU has no price or power).
fn cost_line(s: &pdsim::report::Summary) -> String {
    let num =
        |v: Option<f64>, digits: usize| v.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    format!(
        "cost ${}/hour: ${} per M output tokens, ${} per M input tokens; energy {} W mean, {} J per output token",
        num(s.cost.usd_per_hour, 2),
        num(s.cost.usd_per_m_output_tokens, 3),
        num(s.cost.usd_per_m_input_tokens, 3),
        num(s.energy.avg_power_w, 0),
        num(s.energy.joules_per_output_token, 3)
    )
}

/// One CSV row per sweep value.
pub fn sweep_csv(param: &str, rows: &[SweepRow]) -> String {
    let mut out = format!(
        "{param},ttft_p50_ms,ttft_p90_ms,ttft_p99_ms,itl_p50_ms,itl_p90_ms,e2e_p90_ms,throughput_rps,\
         goodput_rps,disaggregated_share,transfer_mean_ms,completed,dropped"
    );
    for r in rows {
        let s = &r.summary;
        let _ = write!(
            out,
            "\n{},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{},{}",
            r.value,
            s.ttft_ms.p50,
            s.ttft_ms.p90,
            s.ttft_ms.p99,
            s.itl_ms.p50,
            s.itl_ms.p90,
            s.e2e_ms.p90,
            s.throughput_rps,
            s.goodput_rps,
            s.disaggregated_share,
            s.transfer.time_ms.mean,
            s.completed,
            s.dropped
        );
    }
    out
}

/// `pdsim step-time` without `--json`: the step, one line per part, and the bound.
pub fn step_time(t: &pdsim::StepTime) -> String {
    let p = &t.parts_ms;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} on {} x {} (tp {}, ep {}; weights {}, KV {}): {:.3} ms, {}-bound",
        t.model,
        t.gpus,
        t.hardware,
        t.tp,
        t.ep,
        t.weight_dtype.id(),
        t.kv_dtype.id(),
        t.ms,
        t.bound.id()
    );
    for (name, ms) in [
        ("matmul (GEMM)", p.gemm),
        ("attention + KV", p.attention),
        ("experts (MoE)", p.moe),
        ("all-reduce (TP)", p.all_reduce),
        ("dispatch (MoE)", p.dispatch),
        ("other (norms, ...)", p.other),
    ] {
        if ms > 0.0 {
            let _ = writeln!(
                out,
                "  {name:<20} {ms:>10.3} ms  {:>5.1}%",
                100.0 * ms / t.ms
            );
        }
    }
    let _ = writeln!(
        out,
        "  compute-bound kernels {:.3} ms, memory-bound kernels {:.3} ms",
        t.compute_bound_ms, t.memory_bound_ms
    );
    let _ = write!(
        out,
        "  weights {:.1} GB per GPU; KV cache holds {} tokens per instance (gpu_memory_utilization 0.9)",
        t.weights_per_gpu_gb, t.kv_capacity_tokens
    );
    out
}

/// `pdsim catalog`: the models and GPUs, one line each.
pub fn catalog() -> String {
    use pdsim::presets::{gpu, model, GPU_IDS, MODEL_IDS};
    let mut out = String::from("Models (use the id with --model, or in a config's \"model\"):\n");
    let _ = writeln!(
        out,
        "  {:<20} {:<20} {:>9} {:>7} {:<10} {:<10} {:>12}",
        "id", "name", "params", "layers", "attention", "weights", "KV/token"
    );
    for id in MODEL_IDS {
        let Some(m) = model(id) else { continue };
        let attention = if m.mla.is_some() { "MLA" } else { "GQA" };
        let kind = match &m.moe {
            Some(moe) => format!("{attention} MoE {}/{}", moe.experts_per_token, moe.experts),
            None => attention.to_string(),
        };
        let _ = writeln!(
            out,
            "  {id:<20} {:<20} {:>8.1}B {:>7} {kind:<10} {:<10} {:>9.1} KiB",
            m.name,
            m.params_b(),
            m.layers,
            m.weight_dtype.id(),
            m.kv_bytes_per_token() as f64 / 1024.0
        );
    }
    out.push_str("\nGPUs (use the id with --hardware, or in a config's \"hardware\"):\n");
    let _ = writeln!(
        out,
        "  {:<10} {:<14} {:>10} {:>10} {:>9} {:>9} {:>10} {:>8} {:>7}  factors from",
        "id", "name", "BF16 TF/s", "FP8 TF/s", "HBM TB/s", "memory", "link GB/s", "$/hour", "power"
    );
    for id in GPU_IDS {
        let Some(g) = gpu(id) else { continue };
        let _ = writeln!(
            out,
            "  {id:<10} {:<14} {:>10.0} {:>10} {:>9.2} {:>5.0} GiB {:>10.0} {:>8} {:>5} W  {}",
            g.name,
            g.tflops,
            g.fp8_tflops.map_or("-".to_string(), |f| format!("{f:.0}")),
            g.hbm_tb_per_s,
            g.memory_gib,
            g.interconnect_gb_per_s,
            g.usd_per_hour
                .map_or("-".to_string(), |p| format!("${p:.2}")),
            g.power_w.map_or("-".to_string(), |w| format!("{w:.0}")),
            pdsim::presets::calibrated_as(id)
        );
    }
    out.trim_end().to_string()
}
