//! The form: every control edits the [`pdsim::Config`] of the state through an [`Action`],
//! one module per section of the form (a `<fieldset>` an embed can hide by its name), and the
//! controls they share: a labelled select and a labelled number box.

mod disagg;
mod link;
mod scenario;
mod slo;
mod speculative;
mod topology;
mod widgets;
mod workload;

use yew::prelude::*;

use crate::state::use_app_state;

pub(crate) use widgets::input_value;

/// The form: its sections, less those the page's URL hides (an embed's `hide=`).
#[function_component(Controls)]
pub fn controls() -> Html {
    let state = &use_app_state();
    let view = crate::url::view();
    let shown = |group: &str| !view.hides(group);
    html! {
        <form class="controls" aria-label="Scenario" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            if shown("scenario") { { scenario::group(state) } }
            if shown("topology") { { topology::group(state) } }
            if shown("speculative") { { speculative::group(state) } }
            if shown("disagg") { { disagg::group(state) } }
            if shown("slo") { { slo::group(state) } }
            if shown("link") { { link::group(state) } }
            if shown("workload") { { workload::group(state) } }
        </form>
    }
}
