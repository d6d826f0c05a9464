//! The pdsim playground (main thread): a form that edits a [`pdsim::Config`], validated here
//! and run by the Web Worker after every edit, and the results of the latest valid config.

mod cards;
mod charts;
mod controls;
mod format;
mod state;

use std::cell::Cell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use pdsim_web::{spawn_worker, Answer, Job};
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::cards::Cards;
use crate::charts::breakdown::Breakdown;
use crate::charts::cdf::Cdfs;
use crate::charts::sweep::Sweep;
use crate::charts::timeline::Timeline;
use crate::charts::waterfall::Waterfall;
use crate::controls::Controls;
use crate::state::{Action, State};

/// Quiet time after an edit before the simulation runs, in ms.
const DEBOUNCE_MS: u32 = 150;
/// Quiet time after an edit before the threshold sweep runs, in ms.
const SWEEP_DEBOUNCE_MS: u32 = 400;
/// A run still going after this long shows the "simulating…" indicator, in ms.
const SLOW_MS: u32 = 150;

/// Tells the browser tests when results were last drawn: `window.__pdsimLastRender` is the
/// `performance.now()` after the render of a new report.
fn mark_render() {
    let window = gloo::utils::window();
    let now = window.performance().map_or(0.0, |p| p.now());
    // Failure only means the tests cannot read the mark.
    let _ = js_sys::Reflect::set(
        &window,
        &JsValue::from_str("__pdsimLastRender"),
        &JsValue::from_f64(now),
    );
}

#[function_component(App)]
fn app() -> Html {
    let state = use_reducer(State::default);
    // One worker for the runs and one for the threshold sweeps (a sweep never delays a run),
    // for the app's lifetime; every job uses a fork of the bridge.
    let worker = use_memo((), |()| spawn_worker());
    let sweeper = use_memo((), |()| spawn_worker());
    let pending_sweep = use_mut_ref(|| None::<Timeout>);
    // The debounce timer of the next run (dropping it cancels the run) and the run counter.
    let pending = use_mut_ref(|| None::<Timeout>);
    let runs = use_memo((), |()| Cell::new(0_u64));

    {
        let runnable = state.runnable();
        let dispatcher = state.dispatcher();
        use_effect_with(state.config.clone(), move |config| {
            if runnable {
                let run = runs.get() + 1;
                runs.set(run);
                dispatcher.dispatch(Action::Started(run));
                let config = state::for_worker(config);
                let worker = Rc::clone(&worker);
                *pending.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || {
                    let mut bridge = worker.fork();
                    let slow = dispatcher.clone();
                    Timeout::new(SLOW_MS, move || slow.dispatch(Action::Slow(run))).forget();
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = match bridge.run(Job::Run(config)).await {
                            Answer::Run(result) => result,
                            Answer::Sweep(_) => Box::new(Err("the worker answered a sweep".into())),
                        };
                        dispatcher.dispatch(Action::Finished { run, result });
                    });
                }));
            } else {
                // An invalid edit cancels the run of an earlier valid one not started yet.
                pending.borrow_mut().take();
            }
        });
    }

    {
        // The threshold sweep: only for deciders with a threshold, and not re-run when only
        // the threshold moves (its key zeroes it).
        let key = state::sweep_config(&state.config);
        let runnable = state.runnable();
        let dispatcher = state.dispatcher();
        let asked = state.sweep_key.clone();
        use_effect_with((key, runnable), move |(key, runnable)| {
            pending_sweep.borrow_mut().take();
            if let (Some(key), true) = (key.clone(), *runnable) {
                if asked.as_ref() != Some(&key) {
                    *pending_sweep.borrow_mut() =
                        Some(Timeout::new(SWEEP_DEBOUNCE_MS, move || {
                            dispatcher.dispatch(Action::SweepStarted(key.clone()));
                            let mut bridge = sweeper.fork();
                            wasm_bindgen_futures::spawn_local(async move {
                                let result = match bridge.run(Job::Sweep(key.clone())).await {
                                    Answer::Sweep(result) => result,
                                    Answer::Run(_) => Err("the worker answered a run".into()),
                                };
                                dispatcher.dispatch(Action::SweepFinished {
                                    key,
                                    result: Box::new(result),
                                });
                            });
                        }));
                }
            }
        });
    }
    use_effect_with(state.shown_run, |_| mark_render());

    let stale = state.stale();
    let error = state.error().map(|err| err.message.clone());
    let baseline = state.baseline.as_ref().map(|b| b.report.clone());
    let compare = {
        let pin = {
            let state = state.clone();
            Callback::from(move |_| state.dispatch(Action::Pin))
        };
        let unpin = {
            let state = state.clone();
            Callback::from(move |_| state.dispatch(Action::Unpin))
        };
        match &state.baseline {
            None => html! {
                <div class="compare">
                    <button type="button" id="pin" onclick={pin}
                            title="Keep this result and show every later result's difference from it">
                        { "Pin as baseline" }
                    </button>
                </div>
            },
            Some(b) => {
                let changes = state::config_changes(&b.config, &state.config);
                let changed = if changes.is_empty() {
                    "Same settings as the baseline.".to_owned()
                } else {
                    let shown: Vec<&str> = changes.iter().take(4).map(String::as_str).collect();
                    let more = changes.len().saturating_sub(shown.len());
                    format!(
                        "Changed since pinning: {}{}.",
                        shown.join("; "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    )
                };
                let note = format!(
                    "Comparing with the pinned baseline (TTFT p50 {} ms). ▲ = higher, ▼ = lower; \
                     green is better, red worse. ",
                    format::ms(b.report.summary.ttft_ms.p50)
                );
                html! {
                    <div class="compare pinned">
                        <span id="baseline-note">
                            { note }
                            <span id="baseline-changes">{ changed }</span>
                        </span>
                        <button type="button" id="pin" onclick={pin} title="Pin the current result instead">{ "Re-pin" }</button>
                        <button type="button" id="unpin" onclick={unpin}>{ "Unpin" }</button>
                    </div>
                }
            }
        }
    };
    let results = match &state.report {
        None => match &state.run_error {
            None if error.is_some() => html! {
                <p class="status">{ "Fix the highlighted value to run the simulation." }</p>
            },
            None => html! { <p class="status">{ "Running the simulation…" }</p> },
            Some(_) => html! {},
        },
        Some(report) => {
            let s = &report.summary;
            html! {
                <>
                    <div class="results-head">
                        <p class="summary" aria-live="polite">
                            <span id="ttft-p50">{ format!("TTFT p50: {} ms", format::ms(s.ttft_ms.p50)) }</span>
                            { format!(
                                " · {} of {} requests completed in {:.1} s of simulated time",
                                s.completed, s.injected, s.duration_s
                            ) }
                        </p>
                        <span id="simulating" class={classes!("running", (!state.slow || stale).then_some("idle"))}
                              role="status">
                            if state.slow && !stale {
                                <span class="spinner" aria-hidden="true"></span>{ "simulating…" }
                            }
                        </span>
                    </div>
                    { compare }
                    <Cards report={report.clone()} baseline={baseline.clone()} />
                    <Breakdown report={report.clone()} baseline={baseline.clone()} />
                    <Waterfall report={report.clone()} />
                    <Cdfs report={report.clone()} {baseline} />
                    <Timeline report={report.clone()} />
                    if state::uses_threshold(state.config.disaggregation.decider) {
                        <Sweep rows={state.sweep.clone()} error={state.sweep_error.clone()}
                               threshold={state.config.disaggregation.threshold_tokens}
                               fresh={state.sweep_key.is_some()
                                   && state.sweep_key == state::sweep_config(&state.config)} />
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

    html! {
        // data-ready tells the browser tests that the first result is on screen; data-busy that a
        // run is pending.
        // data-run counts the reports shown.
        <main id="app" data-ready={state.ready().to_string()} data-busy={state.running.to_string()}
              data-run={state.shown_run.to_string()}>
            <header>
                <h1>{ "pdsim playground" }</h1>
                <p class="tagline">
                    { "Prefill/decode disaggregated LLM serving, simulated in your browser. \
                       Every change re-runs the simulation." }
                </p>
            </header>
            <div class="layout">
                <div class="side">
                    <Controls state={state.clone()} />
                    <div id="error" role="alert" class={classes!("error", error.is_none().then_some("empty"))}>
                        { error.unwrap_or_default() }
                    </div>
                </div>
                <section id="results" class={classes!("results", stale.then_some("stale"))}
                         aria-label="Results" aria-busy={state.running.to_string()}>
                    { status }
                    if let Some(err) = &state.run_error {
                        <p class="error" id="run-error" role="alert">{ format!("The simulation failed: {err}") }</p>
                    }
                    { results }
                </section>
            </div>
        </main>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}
