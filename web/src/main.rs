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
use pdsim_web::spawn_worker;
use yew::prelude::*;

use crate::cards::Cards;
use crate::charts::breakdown::Breakdown;
use crate::controls::Controls;
use crate::state::{Action, State};

/// Quiet time after an edit before the simulation runs, in ms.
const DEBOUNCE_MS: u32 = 150;

#[function_component(App)]
fn app() -> Html {
    let state = use_reducer(State::default);
    // One worker for the app's lifetime; every run uses a fork of this bridge.
    let worker = use_memo((), |()| spawn_worker());
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
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = bridge.run(config).await;
                        dispatcher.dispatch(Action::Finished {
                            run,
                            result: Box::new(result),
                        });
                    });
                }));
            } else {
                // An invalid edit cancels the run of an earlier valid one not started yet.
                pending.borrow_mut().take();
            }
        });
    }

    let stale = state.stale();
    let error = state.error().map(|err| err.message.clone());
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
                        <span class={classes!("running", (!state.running || stale).then_some("idle"))}
                              aria-hidden="true">{ "updating…" }</span>
                    </div>
                    <Cards report={report.clone()} />
                    <Breakdown report={report.clone()} />
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
        <main id="app" data-ready={state.ready().to_string()} data-busy={state.running.to_string()}>
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
