//! The page's header (or an embed's title bar) and the banner of a crashed worker.

use yew::prelude::*;

use crate::share::Share;
use crate::state::{Action, AppState};
use crate::url;

/// The header: the page's title, tagline and links, or an embed's title and a link to the
/// full playground.
pub fn header(view: &url::View) -> Html {
    if view.embed {
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
    }
}

/// The banner of a crashed worker, with a reset to the defaults.
pub fn fatal_banner(state: &AppState) -> Option<Html> {
    state.fatal.as_ref().map(|message| {
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
    })
}
