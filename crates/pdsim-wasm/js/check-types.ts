// Compiled with `tsc --noEmit` against the built module: the generated types must be valid
// and must describe what the documented example does.
import init, { run, sweep, validate, type ConfigInput, type Report } from "./pkg/pdsim_wasm.js";

export async function example(): Promise<number> {
  await init();
  const config: ConfigInput = { disaggregation: { decider: "always" }, workload: { requests: 10 } };
  const report: Report = run(config);
  const transfer: number = report.summary.breakdown_ms.transfer.p90;
  const rows = sweep(config, "disaggregation.threshold_tokens", [0, 512]);
  const full = validate("{}");
  return transfer + rows[0].summary.ttft_ms.p50 + (full.seed ?? 0);
}
