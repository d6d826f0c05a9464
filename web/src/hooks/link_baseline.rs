//! A shared link with a pinned baseline (`b` in the URL): its config is run once, on the sweep
//! worker (so the first run of the page is not delayed), and its report pinned.
//!
//! Why a hook: it is a one-time effect of the page's start, apart from the runs of the edits.

use pdsim_web::{Answer, AsJson, Job};
use yew::prelude::*;

use crate::hooks::workers::SharedWorkers;
use crate::state::{self, Action, State};
use crate::url;

/// Runs and pins the baseline of the page's link, if it has one.
#[hook]
pub fn use_link_baseline(dispatcher: UseReducerDispatcher<State>, workers: &SharedWorkers) {
    let workers = SharedWorkers::clone(workers);
    use_effect_with((), move |()| {
        if let Some(config) = url::start_baseline() {
            let answer = pdsim_web::post(
                &workers.borrow().sweep,
                Job::Run(AsJson(state::for_worker(&config))),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match answer.await {
                    Answer::Run(result) => match *result {
                        Ok(report) => dispatcher.dispatch(Action::PinLoaded {
                            config: Box::new(config),
                            report: Box::new(report),
                        }),
                        Err(err) => gloo::console::warn!(format!(
                            "cannot run the baseline of the link: {err}"
                        )),
                    },
                    _ => gloo::console::warn!("the worker answered another job"),
                }
            });
        }
    });
}
