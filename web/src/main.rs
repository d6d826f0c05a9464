//! The pdsim playground (main thread): a form that edits a [`pdsim::Config`], validated here
//! and run by a Web Worker after every edit, and the results of the latest valid config.
//!
//! [`App`] wires the page together: the state ([`state`], shared with the components through
//! a context), the effects as hooks ([`hooks`]: the workers, the runs, the threshold sweep, a
//! shared link's baseline) and the layout of the page.

mod cards;
mod charts;
mod clipboard;
mod compare;
mod controls;
mod embed;
mod export;
mod form;
mod format;
mod health;
mod hooks;
mod model_input;
mod plan_panel;
mod share;
mod state;
mod url;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::cards::Cards;
use crate::charts::breakdown::Breakdown;
use crate::charts::cdf::Cdfs;
use crate::charts::flow::Flow;
use crate::charts::sweep::Sweep;
use crate::charts::timeline::Timeline;
use crate::charts::waterfall::Waterfall;
use crate::controls::Controls;
use crate::hooks::link_baseline::use_link_baseline;
use crate::hooks::runner::{use_render_mark, use_runner};
use crate::hooks::sweep::use_sweep;
use crate::hooks::workers::use_workers;
use crate::share::Share;
use crate::state::{Action, AppState, State};

/// A same-page link's click: scrolls to the element `id` and moves the focus there, without
/// touching the URL's hash (it holds the settings).
fn jump(id: &'static str) -> Callback<MouseEvent> {
    Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        let target = gloo::utils::document()
            .get_element_by_id(id)
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(target) = target {
            target.scroll_into_view();
            // Failure only leaves the focus where it was.
            let _ = target.focus();
        }
    })
}

/// The headline strip: a few results that stay in view while the controls are edited (at the
/// top of the controls' column on a laptop, fixed at the bottom of the screen on a phone), with
/// a link to the full results.
fn headline(report: Option<&pdsim::Report>, warnings: usize, stale: bool, running: bool) -> Html {
    let Some(report) = report else {
        return html! {
            <div id="headline" class="headline" aria-label="Headline results">
                <span class="mini-card">{ "Running the simulation…" }</span>
            </div>
        };
    };
    let s = &report.summary;
    let mini = |id: &'static str, label: &'static str, value: String| {
        html! {
            <span class="mini-card" id={id}>
                <span class="mini-label">{ label }</span>
                <span class="mini-value">{ value }</span>
            </span>
        }
    };
    let count_of = |stat: &pdsim::report::Stat, value: f64| {
        if stat.count == 0 {
            "none".to_owned()
        } else {
            format::duration(value)
        }
    };
    html! {
        <div id="headline" class={classes!("headline", stale.then_some("stale"), running.then_some("busy"))}
             aria-label="Headline results">
            { mini("mini-ttft", "TTFT p50", count_of(&s.ttft_ms, s.ttft_ms.p50)) }
            { mini("mini-itl", "ITL p50", count_of(&s.itl_ms, s.itl_ms.p50)) }
            { mini("mini-throughput", "Throughput", format!("{} req/s", format::rate(s.throughput_rps))) }
            { mini("mini-completed", "Completed", format!("{} of {}", format::count(s.completed), format::count(s.injected))) }
            if warnings > 0 {
                <a class="mini-card mini-warning" id="mini-warning" href="#result-warning"
                   onclick={jump("result-warning")}>
                    <span>
                        { format!("⚠ {warnings}") }
                        <span class="wide-only">{ if warnings == 1 { " warning" } else { " warnings" } }</span>
                    </span>
                </a>
            }
            <a class="mini-link" href="#results" onclick={jump("results")}>{ "Results ↓" }</a>
        </div>
    }
}

/// The charts to show, in order: the URL's list (unknown names left out), or all of them.
fn chart_order(view: &url::View) -> Vec<&'static str> {
    match &view.charts {
        Some(list) => list
            .iter()
            .filter_map(|name| {
                embed::CHARTS
                    .iter()
                    .find(|(id, _)| id == name)
                    .map(|(id, _)| *id)
            })
            .collect(),
        None => embed::CHARTS.iter().map(|(id, _)| *id).collect(),
    }
}

/// The page. Its effects are the hooks below (each module says why it is one); what it renders
/// reads the state it provides to the components as a context.
#[function_component(App)]
fn app() -> Html {
    let state = use_reducer(|| State::new(url::start().0.clone()));
    let view = url::view();
    embed::use_report_height(view.embed);
    // One worker for the runs and one for the threshold sweeps, both replaced after a crash.
    let workers = use_workers(state.dispatcher());
    let runner = use_runner(&state, &workers);
    use_sweep(&state, &workers);
    use_render_mark(state.run.shown);
    use_link_baseline(state.dispatcher(), &workers);

    let stale = state.stale();
    let error = state.error().map(|err| err.message.clone());
    let baseline = state.baseline.as_ref().map(|b| b.report.clone());
    // The config of the result on screen: its warnings are about it, not about a newer edit,
    // and the sweep marks its threshold, so the marker moves with the other charts when an
    // edit's result arrives. (Moving it at the edit would draw the sweep's canvas, and lay out
    // the page for it, before the edit's run is even posted: effects run children first.)
    let shown_config = runner.config_of(state.run.shown);
    let config = shown_config.as_deref().unwrap_or(&state.settings.config);
    let shown_threshold = config.disaggregation.threshold_tokens;
    let (warnings, idle, slo) = state
        .run
        .report
        .as_ref()
        .map_or_else(Default::default, |report| {
            (
                health::warnings(config, report),
                health::notes(config, report),
                health::slo_text(config),
            )
        });
    // The runner changes its list of configs in its effect, after this render.
    drop(shown_config);
    let warnings_count = warnings.len();
    // The headline strip repeats the number cards, and with the links beside it helps to move
    // about a long page: an embed without the cards shows neither.
    let nav = !view.embed || view.shows_cards();
    let results = match &state.run.report {
        None => match &state.run.error {
            None if error.is_some() => html! {
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
                        { compare::compare(&state) }
                        { downloads }
                    }
                    // The charts, in the order the URL names them (the embed author's), else
                    // the playground's.
                    { for chart_order(view).into_iter().map(|name| match name {
                        "cards" => html! { <Cards report={report.clone()} baseline={baseline.clone()} slo={slo.clone()} /> },
                        "breakdown" => html! { <Breakdown report={report.clone()} baseline={baseline.clone()} /> },
                        "flow" => html! { <Flow report={report.clone()} block_size={state.settings.config.engine.block_size} /> },
                        "waterfall" => html! { <Waterfall report={report.clone()} /> },
                        "cdf" => html! { <Cdfs report={report.clone()} baseline={baseline.clone()} /> },
                        "timeline" => html! { <Timeline report={report.clone()} /> },
                        "sweep" if state.settings.config.disaggregation.decider.reads_threshold() => html! {
                            <Sweep rows={state.sweep.rows.clone()} error={state.sweep.error.clone()}
                                   threshold={shown_threshold}
                                   fresh={state.sweep.key.is_some()
                                       && state.sweep.key == state::sweep_key(&state.settings)} />
                        },
                        _ => html! {},
                    }) }
                    if !view.embed {
                        <plan_panel::PlanPanel />
                    }
                </>
            }
        }
    };

    let status = if stale {
        html! {
            <p class="stale-note" id="stale-note">
                <strong>{ "stale" }</strong>
                { " — these results are from the last valid settings; fix the error to update them." }
            </p>
        }
    } else {
        html! {}
    };

    let url_note = url::start().1.clone();
    let header = if view.embed {
        html! {
            <header class="embed-head">
                <strong id="embed-title-text">{ view.title.clone().unwrap_or_else(|| "pdsim playground".into()) }</strong>
                <a id="open-full" href={url::full_playground_link()} target="_blank" rel="noopener">
                    { "Open full playground ↗" }
                </a>
            </header>
        }
    } else {
        html! {
            <header>
                <h1>{ "pdsim playground" }</h1>
                <p class="tagline">
                    { "Prefill/decode disaggregated LLM serving, simulated in your browser. \
                       Every change re-runs the simulation." }
                </p>
                <nav class="page-links" aria-label="More about pdsim">
                    <a id="to-lessons" href="./lessons.html">{ "Seven live lessons" }</a>
                    <a id="to-limitations" href="./lessons.html#limitations">{ "What pdsim does not model" }</a>
                    <a id="to-accuracy" href={pdsim_web::docs_url("ACCURACY.md")} target="_blank" rel="noopener">
                        { "How close it is to measured serving" }
                    </a>
                </nav>
                <Share />
            </header>
        }
    };
    let fatal = state.fatal.as_ref().map(|message| {
        let reset = {
            let state = state.clone();
            Callback::from(move |_| state.dispatch(Action::Reset))
        };
        html! {
            <div id="fatal" role="alert" class="fatal">
                <p>
                    <strong>{ "The simulation worker crashed" }</strong>
                    { format!(" ({}). It was restarted; the results below may be out of date.",
                        if message.is_empty() { "no message" } else { message.as_str() }) }
                </p>
                <button type="button" id="reset" onclick={reset}>{ "Reset to defaults" }</button>
            </div>
        }
    });

    let strip = headline(
        state.run.report.as_deref(),
        warnings_count,
        stale,
        state.run.running,
    );
    html! {
        // The state goes to the components through a context (see `state::use_app_state`).
        <ContextProvider<AppState> context={state.clone()}>
        // data-ready tells the browser tests that the first result is on screen; data-busy that a
        // run is pending.
        // data-run counts the reports shown.
        <main id="app" class={classes!(view.embed.then_some("embed"))}
              data-ready={state.ready().to_string()} data-busy={state.run.running.to_string()}
              data-run={state.run.shown.to_string()}>
            if !view.no_controls() && nav {
                <a class="skip-link" href="#results" onclick={jump("results")}>{ "Skip to results" }</a>
            }
            { header }
            if let Some(note) = url_note {
                <p id="url-note" role="status" class="url-note">{ note }</p>
            }
            { for fatal }
            <div class={classes!("layout", view.no_controls().then_some("no-side"))}>
                if !view.no_controls() {
                    <div class="side" id="controls" tabindex="-1">
                        <div class="side-head">
                            <div id="error" role="alert" class={classes!("error", error.is_none().then_some("empty"))}>
                                { error.clone().unwrap_or_default() }
                            </div>
                            if nav {
                                { strip }
                            }
                        </div>
                        if let Some(ids) = &view.controls {
                            { embed::control_filter(ids) }
                        }
                        <Controls />
                    </div>
                }
                <section id="results" tabindex="-1" class={classes!("results", stale.then_some("stale"))}
                         aria-label="Results" aria-busy={state.run.running.to_string()}>
                    if view.no_controls() && error.is_some() {
                        <p id="error" role="alert" class="error">{ error.clone().unwrap_or_default() }</p>
                    }
                    { status }
                    if let Some(err) = &state.run.error {
                        <p class="error" id="run-error" role="alert">{ format!("The simulation failed: {err}") }</p>
                    }
                    { results }
                </section>
            </div>
        </main>
        </ContextProvider<AppState>>
    }
}

fn main() {
    // The same module runs the page and its workers.
    if pdsim_web::in_worker() {
        pdsim_web::register_worker();
        return;
    }
    console_error_panic_hook::set_once();
    // index.html's loading text, shown until this wasm arrived.
    if let Some(loading) = gloo::utils::document().get_element_by_id("loading") {
        loading.remove();
    }
    yew::Renderer::<App>::new().render();
}
