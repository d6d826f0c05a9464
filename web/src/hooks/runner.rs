//! The simulation runs: every valid edit posts its config to the run worker (typing after a
//! short pause, any other edit at once) and the answer of the latest run becomes the result
//! on screen; a slow run shows the "simulating…" indicator and a run that never answers
//! counts as a crashed worker.
//!
//! Why a hook: the debounce timer, the run counter, the watchdog's latest answered run and the
//! configs of the recent runs outlive renders and belong to the runs alone; the app only reads
//! which config the result on screen came from ([`Runner::config_of`]).

use std::cell::{Cell, Ref, RefCell};
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use pdsim::Config;
use pdsim_web::{Answer, AsJson, Job};
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::export;
use crate::hooks::workers::SharedWorkers;
use crate::state::{self, Action, AppState};
use crate::url;

/// Quiet time after typing (a number box, a dragged slider) before the simulation runs, in
/// ms; every other edit runs at once.
const DEBOUNCE_MS: u32 = 120;
/// A run that has not answered after this long counts as a crashed worker, in ms.
const NO_ANSWER_MS: u32 = 60_000;
/// A run still going after this long shows the "simulating…" indicator, in ms.
const SLOW_MS: u32 = 150;
/// How many of the latest runs' configs are kept.
const KEPT_CONFIGS: usize = 8;

/// Sets the User Timing mark `name` (replacing the previous one of that name): the latest
/// run's `pdsim:posted` (its job went to the worker) and `pdsim:answered` (its answer is
/// decoded, before it is rendered). The performance test prints the phases of an edit from
/// them; DevTools' performance panel shows them too.
fn mark_timing(name: &str) {
    if let Some(performance) = gloo::utils::window().performance() {
        performance.clear_marks_with_mark_name(name);
        // Failure only means the mark is missing.
        let _ = performance.mark(name);
    }
}

/// The configs of the latest runs, by run id (the worker's copies: see [`state::for_worker`]).
type RunConfigs = Rc<RefCell<Vec<(u64, Config)>>>;

/// The runs as the app reads them.
#[derive(Debug)]
pub struct Runner {
    configs: RunConfigs,
    workers: SharedWorkers,
}

impl Runner {
    /// The config run `run` ran, if it is one of the latest.
    pub fn config_of(&self, run: u64) -> Option<Ref<'_, Config>> {
        Ref::filter_map(self.configs.borrow(), |list| {
            list.iter().find(|(id, _)| *id == run).map(|(_, c)| c)
        })
        .ok()
    }

    /// The "Download report (JSON)" button of run `run`: re-runs its config in the run worker,
    /// which answers the report's JSON (the page has no code to serialize a report).
    pub fn download_json(&self, run: u64) -> Callback<MouseEvent> {
        let configs = Rc::clone(&self.configs);
        let workers = SharedWorkers::clone(&self.workers);
        Callback::from(move |_| {
            let config = configs
                .borrow()
                .iter()
                .find(|(id, _)| *id == run)
                .map(|(_, config)| config.clone());
            let Some(config) = config else { return };
            let answer = pdsim_web::post(&workers.borrow().run, Job::ReportJson(AsJson(config)));
            wasm_bindgen_futures::spawn_local(async move {
                match answer.await {
                    Answer::Text(Ok(text)) => {
                        export::download("pdsim-report.json", "application/json", &text);
                    }
                    Answer::Text(Err(err)) => {
                        gloo::console::warn!(format!("cannot export the report: {err}"));
                    }
                    _ => {}
                }
            });
        })
    }
}

/// Sends a `pdsim-worker-error` event (what index.html forwards for a crashed worker).
fn report_crash(message: &str) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from_str(message));
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("pdsim-worker-error", &init) {
        let _ = gloo::utils::window().dispatch_event(&event);
    }
}

/// Runs the state's config after every edit (a reset re-runs it too) and writes every valid
/// config into the URL; an invalid edit cancels the run of an earlier one not started yet.
#[hook]
pub fn use_runner(state: &AppState, workers: &SharedWorkers) -> Runner {
    // The debounce timer of the next run (dropping it cancels the run) and the run counter.
    let pending = use_mut_ref(|| None::<Timeout>);
    let runs = use_memo((), |()| Cell::new(0_u64));
    // The latest run that answered (the no-answer watchdog).
    let answered = use_memo((), |()| Cell::new(0_u64));
    // The configs of the latest runs (the JSON download re-runs the shown one in the worker).
    let configs: RunConfigs = use_mut_ref(Vec::new);

    let runnable = state.runnable();
    let dispatcher = state.dispatcher();
    let settings = &state.settings;
    // The trace by identity: its records are not compared, and copied only for a run.
    let deps = (
        settings.config.clone(),
        settings.records().cloned(),
        settings.typing,
        settings.epoch,
    );
    {
        let workers = SharedWorkers::clone(workers);
        let configs = Rc::clone(&configs);
        use_effect_with(deps, move |(config, records, typing, _)| {
            if runnable {
                let run = runs.get() + 1;
                runs.set(run);
                let worker_config =
                    state::for_worker(&state::with_records(config, records.as_ref()));
                {
                    let mut list = configs.borrow_mut();
                    list.push((run, worker_config.clone()));
                    let extra = list.len().saturating_sub(KEPT_CONFIGS);
                    list.drain(..extra);
                }
                let latest = Rc::clone(&runs);
                let started = dispatcher.clone();
                let start = move || {
                    // Posted at once: the worker runs while the page renders this edit.
                    let answer =
                        pdsim_web::post(&workers.borrow().run, Job::Run(AsJson(worker_config)));
                    mark_timing("pdsim:posted");
                    let slow = dispatcher.clone();
                    Timeout::new(SLOW_MS, move || slow.dispatch(Action::Slow(run))).forget();
                    // A worker that never answers (hung, or crashed without an error event)
                    // counts as crashed: the same path as index.html's forwarded errors.
                    let watched = Rc::clone(&answered);
                    Timeout::new(NO_ANSWER_MS, move || {
                        if watched.get() < run && latest.get() == run {
                            report_crash(&format!(
                                "no answer from the worker in {} s",
                                NO_ANSWER_MS / 1000
                            ));
                        }
                    })
                    .forget();
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = match answer.await {
                            Answer::Run(result) => result,
                            _ => Box::new(Err("the worker answered another job".into())),
                        };
                        mark_timing("pdsim:answered");
                        answered.set(answered.get().max(run));
                        dispatcher.dispatch(Action::Finished { run, result });
                    });
                };
                if *typing {
                    *pending.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, start));
                } else {
                    pending.borrow_mut().take();
                    start();
                }
                started.dispatch(Action::Started(run));
                // The URL follows every valid config.
                url::write_config(config);
            } else {
                // An invalid edit cancels the run of an earlier valid one not started yet.
                pending.borrow_mut().take();
            }
        });
    }
    Runner {
        configs,
        workers: SharedWorkers::clone(workers),
    }
}

/// Tells the browser tests when results were last drawn: `window.__pdsimLastRender` is the
/// `performance.now()` after the render of a new report (`shown`, the run on screen).
#[hook]
pub fn use_render_mark(shown: u64) {
    use_effect_with(shown, |_| {
        let window = gloo::utils::window();
        let now = window.performance().map_or(0.0, |p| p.now());
        // Failure only means the tests cannot read the mark.
        let _ = js_sys::Reflect::set(
            &window,
            &JsValue::from_str("__pdsimLastRender"),
            &JsValue::from_f64(now),
        );
    });
}
