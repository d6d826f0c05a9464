//! Moving about a long page: same-page links that keep the URL's hash, and the headline strip
//! of a few results that stays in view while the controls are edited.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::format;

/// A same-page link's click: scrolls to the element `id` and moves the focus there, without
/// touching the URL's hash (it holds the settings).
pub fn jump(id: &'static str) -> Callback<MouseEvent> {
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
pub fn headline(
    report: Option<&pdsim::Report>,
    warnings: usize,
    stale: bool,
    running: bool,
) -> Html {
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
