//! The results section of a run: its warnings and notes, the summary lines, the downloads,
//! the charts in the order the URL names them (an embed author's) or the playground's, and
//! the Plan panel.

use pdsim::Report;
use yew::prelude::*;

use crate::cards::Cards;
use crate::charts::breakdown::Breakdown;
use crate::charts::cdf::Cdfs;
use crate::charts::flow::Flow;
use crate::charts::sweep::Sweep;
use crate::charts::timeline::Timeline;
use crate::charts::waterfall::Waterfall;
use crate::charts::Chart;
use crate::components::nav::jump;
use crate::hooks::runner::Runner;
use crate::state::{self, AppState, Shared};
use crate::{compare, export, format, plan_panel, url};

/// What the results say about the shown run (computed from the config it ran).
pub struct Shown {
    /// Warnings about reading the result at face value.
    pub warnings: Vec<String>,
    /// Notes (an idle pool, say).
    pub idle: Vec<String>,
    /// The latency targets, in words.
    pub slo: Option<String>,
    /// The pinned baseline's report.
    pub baseline: Option<Shared<Report>>,
    /// The threshold of the shown run, in tokens (the sweep marks it).
    pub threshold: u32,
}

/// The results section's content: a status line until a report arrived, then the report.
pub fn results(
    state: &AppState,
    runner: &Runner,
    view: &url::View,
    (nav, invalid, stale): (bool, bool, bool),
    shown: Shown,
) -> Html {
    let Shown {
        warnings,
        idle,
        slo,
        baseline,
        threshold: shown_threshold,
    } = shown;
    match &state.run.report {
        None => match &state.run.error {
            None if invalid => html! {
                <p class="status">{ "Fix the highlighted value to run the simulation." }</p>
            },
            None => html! { <p class="status">{ "Running the simulation…" }</p> },
            Some(_) => html! {},
        },
        Some(report) => {
            let s = &report.summary;
            let downloads = {
                let json = runner.download_json(state.run.shown);
                let csv = {
                    let report = report.clone();
                    Callback::from(move |_| {
                        export::download(
                            "pdsim-requests.csv",
                            "text/csv",
                            &export::requests_csv(&report),
                        );
                    })
                };
                html! {
                    <div class="downloads">
                        <button type="button" id="download-json" onclick={json}
                                title="The whole report of this run, as JSON">{ "Download report (JSON)" }</button>
                        <button type="button" id="download-csv" onclick={csv}
                                title="One row per request: lengths, placement, latencies and the five TTFT phases">
                            { "Download requests (CSV)" }
                        </button>
                    </div>
                }
            };
            html! {
                <>
                    if !warnings.is_empty() {
                        <div id="result-warning" class="result-warning" role="alert" tabindex="-1">
                            { for warnings.iter().map(|w| html! { <p>{ w.clone() }</p> }) }
                        </div>
                    }
                    if !idle.is_empty() {
                        <div id="idle-note" class="idle-note" role="note">
                            { for idle.iter().map(|w| html! { <p>{ w.clone() }</p> }) }
                        </div>
                    }
                    <div class="results-head">
                        if !view.no_controls() && nav {
                            <a class="to-controls" href="#controls" onclick={jump("controls")}>{ "↑ Controls" }</a>
                        }
                        <p class="summary" aria-live="polite">
                            <span id="ttft-p50">{ format!("TTFT p50: {}", format::duration(s.ttft_ms.p50)) }</span>
                            { format!(
                                " · {} of {} requests completed in {} of simulated time",
                                format::count(s.completed), format::count(s.injected),
                                format::duration(s.duration_s * 1000.0)
                            ) }
                        </p>
                        if !s.kv_tiers.is_empty() {
                            // `summary.kv_tiers`: what each KV offload tier served.
                            <p id="kv-tiers" class="summary">
                                { format!("KV tiers: {}", s.kv_tiers.iter().map(|t| format!(
                                    "{} {} tokens hit, {} MB stored, {} MB loaded",
                                    t.tier.id(), format::count(t.hit_tokens),
                                    format::grouped(t.stored_bytes as f64 / 1e6, 1),
                                    format::grouped(t.loaded_bytes as f64 / 1e6, 1),
                                )).collect::<Vec<_>>().join(" · ")) }
                            </p>
                        }
                        <span id="simulating" class={classes!("running", (!state.run.slow || stale).then_some("idle"))}
                              role="status">
                            if state.run.slow && !stale {
                                <span class="spinner" aria-hidden="true"></span>{ "simulating…" }
                            }
                        </span>
                    </div>
                    if !view.embed {
                        { compare::compare(state) }
                        { downloads }
                    }
                    // The charts, in the order the URL names them (the embed author's), else
                    // the playground's.
                    { for Chart::order(view.charts.as_deref()).into_iter().map(|chart| match chart {
                        Chart::Cards => html! { <Cards report={report.clone()} baseline={baseline.clone()} slo={slo.clone()} /> },
                        Chart::Breakdown => html! { <Breakdown report={report.clone()} baseline={baseline.clone()} /> },
                        Chart::Flow => html! { <Flow report={report.clone()} block_size={state.settings.config.engine.block_size} /> },
                        Chart::Waterfall => html! { <Waterfall report={report.clone()} /> },
                        Chart::Cdf => html! { <Cdfs report={report.clone()} baseline={baseline.clone()} /> },
                        Chart::Timeline => html! { <Timeline report={report.clone()} /> },
                        Chart::Sweep if state.settings.config.disaggregation.decider.reads_threshold() => html! {
                            <Sweep rows={state.sweep.rows.clone()} error={state.sweep.error.clone()}
                                   threshold={shown_threshold}
                                   fresh={state.sweep.key.is_some()
                                       && state.sweep.key == state::sweep_key(&state.settings)} />
                        },
                        Chart::Sweep => html! {},
                    }) }
                    if !view.embed {
                        <plan_panel::PlanPanel />
                    }
                </>
            }
        }
    }
}
