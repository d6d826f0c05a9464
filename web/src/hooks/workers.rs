//! The page's two workers: one for the runs and one for the threshold sweeps (a sweep never
//! delays a run); every job uses a fork of the bridge.
//!
//! Why a hook: the workers live as long as the page and are replaced after a crash, so the
//! crash listener, the test hook that causes one and every job (runs, sweeps, downloads)
//! must reach the same cell; registering the listener here, once, keeps that in one place.

use std::cell::RefCell;
use std::rc::Rc;

use pdsim_web::{spawn_worker, Job, SimBridge};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::state::{Action, State};

/// The two workers of the page.
#[derive(Debug)]
pub struct Workers {
    /// Runs the simulations.
    pub run: SimBridge,
    /// Runs the threshold sweeps (and the baseline of a shared link).
    pub sweep: SimBridge,
}

impl Workers {
    fn spawn() -> Self {
        Self {
            run: spawn_worker(),
            sweep: spawn_worker(),
        }
    }
}

/// The page's workers, always the live ones (replaced after a crash).
pub type SharedWorkers = Rc<RefCell<Workers>>;

/// Starts the page's workers and replaces both when one crashes: see index.html, which
/// forwards every Worker's `error` event to the window as `pdsim-worker-error` (the run
/// watchdog of [`crate::hooks::runner`] sends the same event). A crash shows the banner
/// ([`Action::Fatal`]).
#[hook]
pub fn use_workers(dispatcher: UseReducerDispatcher<State>) -> SharedWorkers {
    let workers: SharedWorkers = use_mut_ref(Workers::spawn);
    {
        let workers = Rc::clone(&workers);
        use_effect_with((), move |()| {
            let window = gloo::utils::window();
            let hook_workers = Rc::clone(&workers);
            let listener =
                gloo::events::EventListener::new(&window, "pdsim-worker-error", move |event| {
                    let detail = js_sys::Reflect::get(event, &JsValue::from_str("detail"))
                        .ok()
                        .and_then(|d| d.as_string())
                        .unwrap_or_default();
                    *workers.borrow_mut() = Workers::spawn();
                    dispatcher.dispatch(Action::Fatal(detail));
                });
            // TEST HOOK: `window.__pdsimTestPanic()` makes the run worker panic (it is the only
            // sender of `Job::Panic`), so the end-to-end tests can check the crash banner.
            let hook = Closure::<dyn Fn()>::new(move || {
                let answer = pdsim_web::post(&hook_workers.borrow().run, Job::Panic);
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = answer.await;
                });
            });
            let _ = js_sys::Reflect::set(
                &window,
                &JsValue::from_str("__pdsimTestPanic"),
                hook.as_ref().unchecked_ref(),
            );
            move || {
                drop(listener);
                drop(hook);
            }
        });
    }
    workers
}
