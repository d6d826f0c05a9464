//! Fits the per-GPU efficiency factors to the reference step times and prints the agreement
//! table (docs/MODEL.md quotes it).
//!
//! ```sh
//! cargo run --release -p pdsim --example calibrate            # the table, current factors
//! cargo run --release -p pdsim --example calibrate -- --write # refit, rewrite the factors
//! cargo run --release -p pdsim --example calibrate -- --holdout-table # each model held out
//! cargo run --release -p pdsim --example calibrate -- --holdout NAME [--show NAME SYSTEM]
//! cargo run --release -p pdsim --example calibrate -- --holdout NAME --factors
//! cargo run --release -p pdsim --example calibrate -- --expert-overhead
//! ```
//!
//! `--write` replaces the block between `BEGIN FITTED` and `END FITTED` in
//! `crates/pdsim/src/calibration/mod.rs`; rebuild and run again to see the new table.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::Path;

use pdsim::calibration::reference::{self, Reference};
use pdsim::calibration::Efficiency;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("tests/data/calibration");
    let steps = std::fs::read_to_string(data.join("steps.jsonl"))?;
    let mut configs = BTreeMap::new();
    for entry in std::fs::read_dir(data.join("hf-configs"))? {
        let path = entry?.path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        configs.insert(name, std::fs::read_to_string(&path)?);
    }
    let reference = Reference::parse(&steps, &configs)?;
    let mut gpus = reference::catalog_gpus();
    let args: Vec<String> = std::env::args().collect();
    // `--holdout-table`: every model held out in turn (docs/MODEL.md quotes it; the
    // calibration test recomputes it).
    if args.iter().any(|a| a == "--holdout-table") {
        print!(
            "{}",
            reference::holdout_markdown(&reference::holdout(&reference))
        );
        return Ok(());
    }
    // `--expert-overhead`: how far the reference's expert kernels are from their datasheet
    // roofline, by GPU, model and layout (no factors involved).
    if args.iter().any(|a| a == "--expert-overhead") {
        print_expert_overhead(&reference);
        return Ok(());
    }
    // `--holdout MODEL`: fit without MODEL's rows, then show the agreement on all rows: how
    // the factors do on a model they were not fitted to. With `--show MODEL SYSTEM` as well,
    // the rows of the held-out fit, part by part.
    if let Some(at) = args.iter().position(|a| a == "--holdout") {
        gpus = reference::fit_without(&reference, &args[at + 1]);
        if args.iter().any(|a| a == "--factors") {
            print_factors(&gpus);
            return Ok(());
        }
        if !args.iter().any(|a| a == "--show") {
            print!(
                "{}",
                reference::markdown_table(&reference::agreement(&reference, &gpus))
            );
            return Ok(());
        }
    }
    if std::env::args().any(|a| a == "--write") {
        let mut block = format!(
            "pub const FITTED: [(&str, [f64; {}]); {}] = [\n",
            Efficiency::NAMES.len(),
            gpus.len()
        );
        for (id, gpu) in gpus.iter_mut() {
            *gpu = reference::fit(&reference, id, gpu);
            let list: Vec<String> = gpu
                .efficiency()
                .values()
                .iter()
                .map(|v| format!("{:?}", round4(*v)))
                .collect();
            block.push_str(&format!("    (\"{id}\", [{}]),\n", list.join(", ")));
        }
        block.push_str("];\n");
        let file = root.join("src/calibration/mod.rs");
        let source = std::fs::read_to_string(&file)?;
        let (head, rest) = source
            .split_once("// BEGIN FITTED\n")
            .ok_or("no BEGIN FITTED")?;
        let (_, tail) = rest.split_once("// END FITTED").ok_or("no END FITTED")?;
        std::fs::write(
            &file,
            format!("{head}// BEGIN FITTED\n{block}// END FITTED{tail}"),
        )?;
        println!("wrote {}", file.display());
    }
    // `--show MODEL SYSTEM`: predicted against reference parts, row by row (for diagnosis).
    if let Some(at) = args.iter().position(|a| a == "--show") {
        let (model, system) = (&args[at + 1], &args[at + 2]);
        for i in 0..reference.rows.len() {
            let row = &reference.rows[i];
            if !row.model.contains(model.as_str()) || !row.system.contains(system.as_str()) {
                continue;
            }
            let Some(gpu) = gpus.get(row.gpu_id()) else {
                continue;
            };
            let p = reference.predict(i, gpu);
            let ms = p.parts.map(|s| s * 1e3);
            let r = |k: &str| row.parts_ms.get(k).copied().unwrap_or(0.0);
            println!(
                "{} {} {} b{} ctx{} isl{} ratio {:.2} | gemm {:.2}/{:.2} attn {:.2}/{:.2} moe {:.2}/{:.2} ar {:.2}/{:.2} disp {:.2}/{:.2} other {:.2}/{:.2}",
                row.layout, row.variant, row.kind, row.batch, row.context, row.isl,
                p.total() * 1e3 / row.ms,
                ms.gemm, r("gemm"), ms.attention, r("attention"), ms.moe, r("moe"),
                ms.all_reduce, r("comm"), ms.dispatch, r("moe_comm"), ms.other, r("other"),
            );
        }
        return Ok(());
    }
    print!(
        "{}",
        reference::markdown_table(&reference::agreement(&reference, &gpus))
    );
    Ok(())
}

/// Every GPU's factors, one line per factor (`--holdout NAME --factors`: what the held-out
/// fit found).
fn print_factors(gpus: &BTreeMap<String, pdsim::presets::GpuParams>) {
    print!("{:28}", "factor");
    for id in gpus.keys() {
        print!(" {id:>9}");
    }
    println!();
    for (i, name) in Efficiency::NAMES.iter().enumerate() {
        print!("{name:28}");
        for gpu in gpus.values() {
            print!(" {:>9.4}", gpu.efficiency().values()[i]);
        }
        println!();
    }
}

/// Per GPU, model and layout, each prefill's expert time less its weights' read at the
/// datasheet HBM rate, over its expert FLOPs at the datasheet BF16 peak (per GPU; uniform
/// routing's expected touched experts), by routed tokens per expert: the slowdown the
/// expert kernels' compute shows if reading and computing do not overlap. Large values at
/// few tokens per expert are the tiles' padding; the value at many is the kernels'
/// inverse large-GEMM efficiency, which depends on the expert's shape and format.
fn print_expert_overhead(reference: &Reference) {
    let mut lines: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for i in reference.counted() {
        let (row, model) = (&reference.rows[i], &reference.models[i]);
        let (Some(moe), Some(gpu)) = (&model.moe, pdsim::presets::gpu(row.gpu_id())) else {
            continue;
        };
        if row.kind != "prefill" {
            continue;
        }
        // As the cost model splits them: whole experts over `ep` GPUs, or each expert
        // sliced over `tp`.
        let (tp, ep) = row.parallelism();
        let (split, slices) = if ep > 1 {
            (f64::from(ep), 1.0)
        } else {
            (1.0, f64::from(tp))
        };
        let per_gpu = model.layer_weights().expert / slices;
        let (experts, k) = (f64::from(moe.experts), f64::from(moe.experts_per_token));
        let tokens = row.work().prefill_tokens as f64;
        let layers = f64::from(model.moe_layers());
        let touched = experts / split * (1.0 - libm::pow(1.0 - k / experts, tokens));
        let hbm = gpu.hbm_tb_per_s * 1e12;
        let peak = gpu
            .peak_flops(pdsim::arch::Dtype::Bf16)
            .unwrap_or(gpu.tflops * 1e12);
        let read_ms = layers * touched * per_gpu * model.expert_dtype().bytes() / hbm * 1e3;
        let compute_ms = layers * 2.0 * tokens * k / split * per_gpu / peak * 1e3;
        let moe_ms = row.parts_ms.get("moe").copied().unwrap_or(0.0);
        let key = (
            row.gpu_id().to_string(),
            row.model_name().to_string(),
            row.layout.clone(),
        );
        lines.entry(key).or_default().push(format!(
            "{:.0}:{:.2}",
            tokens * k / experts,
            (moe_ms - read_ms) / compute_ms
        ));
    }
    println!("gpu model layout | tokens per expert:(expert ms - read ms) / compute ms");
    for ((gpu, model, layout), values) in lines {
        println!("{gpu} {model} {layout} | {}", values.join(" "));
    }
}

/// Four significant digits, so the table in the source stays readable.
fn round4(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let digits = 3 - libm::floor(libm::log10(v.abs())) as i32;
    let scale = libm::pow(10.0, f64::from(digits));
    libm::round(v * scale) / scale
}
