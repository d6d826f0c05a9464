//! The threshold sweep: for deciders with a threshold, the sweep worker runs the current
//! settings at every threshold of the chart, a short pause after the last edit; moving only
//! the threshold does not re-run it (its key, [`state::sweep_key`], zeroes it).
//!
//! Why a hook: its debounce timer outlives renders, and it has its own worker and its own
//! answers ([`Action::SweepStarted`], [`Action::SweepFinished`]), apart from the runs.

use gloo::timers::callback::Timeout;
use pdsim_web::{Answer, AsJson, Job};
use yew::prelude::*;

use crate::hooks::workers::SharedWorkers;
use crate::state::{self, Action, AppState};

/// Quiet time after an edit before the threshold sweep runs, in ms.
const SWEEP_DEBOUNCE_MS: u32 = 400;

/// Sweeps the state's config whenever its key changes (and after a reset).
#[hook]
pub fn use_sweep(state: &AppState, workers: &SharedWorkers) {
    let pending = use_mut_ref(|| None::<Timeout>);
    let key = state::sweep_key(&state.settings);
    let runnable = state.runnable();
    let dispatcher = state.dispatcher();
    let asked = state.sweep.key.clone();
    let workers = SharedWorkers::clone(workers);
    use_effect_with(
        (key, runnable, state.settings.epoch),
        move |(key, runnable, _)| {
            pending.borrow_mut().take();
            if let (Some(key), true) = (key.clone(), *runnable) {
                if asked.as_ref() != Some(&key) {
                    *pending.borrow_mut() = Some(Timeout::new(SWEEP_DEBOUNCE_MS, move || {
                        dispatcher.dispatch(Action::SweepStarted(key.clone()));
                        let answer = pdsim_web::post(
                            &workers.borrow().sweep,
                            Job::Sweep(AsJson(key.to_run())),
                        );
                        wasm_bindgen_futures::spawn_local(async move {
                            let result = match answer.await {
                                Answer::Sweep(result) => result,
                                _ => Err("the worker answered another job".into()),
                            };
                            dispatcher.dispatch(Action::SweepFinished {
                                key,
                                result: Box::new(result),
                            });
                        });
                    }));
                }
            }
        },
    );
}
