//! The pdsim playground (main thread): a Yew app that asks the worker to run the simulation
//! and shows the result.

use std::rc::Rc;

use pdsim_web::{spawn_worker, SimResult};
use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    // The worker's latest answer (None until the first one arrives).
    let result = use_state(|| None::<Rc<SimResult>>);
    // One worker for the app's lifetime; every run uses a fork of this bridge.
    let worker = use_memo((), |()| spawn_worker());
    {
        let result = result.clone();
        use_effect_with((), move |()| {
            let mut bridge = worker.fork();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = bridge.run(pdsim::Config::default()).await;
                result.set(Some(Rc::new(answer)));
            });
        });
    }

    let body = match result.as_deref() {
        None => html! { <p class="status">{ "Running the simulation…" }</p> },
        Some(Ok(report)) => html! {
            <p class="result" id="ttft-p50">
                { format!("TTFT p50: {:.1} ms", report.summary.ttft_ms.p50) }
            </p>
        },
        Some(Err(err)) => html! { <p class="error" role="alert">{ format!("Error: {err}") }</p> },
    };

    html! {
        // data-ready tells the browser tests that the first result is on screen.
        <main id="app" data-ready={result.is_some().to_string()}>
            <h1>{ "pdsim playground" }</h1>
            { body }
        </main>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}
