//! The pdsim playground (main thread): a form that edits a [`pdsim::Config`], validated here
//! and run by a Web Worker after every edit, and the results of the latest valid config.
//!
//! [`App`] wires the page together: the state ([`state`], shared with the components through
//! a context), the effects as hooks ([`hooks`]: the workers, the runs, the threshold sweep, a
//! shared link's baseline) and the layout of the page.

mod cards;
mod charts;
mod clipboard;
mod compare;
mod components;
mod embed;
mod export;
mod form;
mod format;
mod health;
mod hooks;
mod model_input;
mod number;
mod plan_panel;
mod share;
mod state;
mod url;

use yew::prelude::*;

use crate::components::controls::Controls;
use crate::components::header::{fatal_banner, header};
use crate::components::nav::{headline, jump};
use crate::components::results::{results, Shown};
use crate::hooks::link_baseline::use_link_baseline;
use crate::hooks::runner::{use_render_mark, use_runner};
use crate::hooks::sweep::use_sweep;
use crate::hooks::workers::use_workers;
use crate::state::{AppState, State};

/// The page. Its effects are the hooks below (each module says why it is one); what it renders
/// reads the state it provides to the components as a context.
#[function_component(App)]
fn app() -> Html {
    let state = use_reducer(|| State::new(url::start().0.clone()));
    let view = url::view();
    embed::use_report_height(view.embed);
    // One worker for the runs and one for the threshold sweeps, both replaced after a crash.
    let workers = use_workers(state.dispatcher());
    let runner = use_runner(&state, &workers);
    use_sweep(&state, &workers);
    use_render_mark(state.run.shown);
    use_link_baseline(state.dispatcher(), &workers);

    let stale = state.stale();
    let error = state.error().map(|err| err.message.clone());
    let baseline = state.baseline.as_ref().map(|b| b.report.clone());
    // The config of the result on screen: its warnings are about it, not about a newer edit,
    // and the sweep marks its threshold, so the marker moves with the other charts when an
    // edit's result arrives. (Moving it at the edit would draw the sweep's canvas, and lay out
    // the page for it, before the edit's run is even posted: effects run children first.)
    let shown_config = runner.config_of(state.run.shown);
    let config = shown_config.as_deref().unwrap_or(&state.settings.config);
    let shown_threshold = config.disaggregation.threshold_tokens;
    let (warnings, idle, slo) = state
        .run
        .report
        .as_ref()
        .map_or_else(Default::default, |report| {
            (
                health::warnings(config, report),
                health::notes(config, report),
                health::slo_text(config),
            )
        });
    // The runner changes its list of configs in its effect, after this render.
    drop(shown_config);
    let warnings_count = warnings.len();
    // The headline strip repeats the number cards, and with the links beside it helps to move
    // about a long page: an embed without the cards shows neither.
    let nav = !view.embed || view.shows_cards();
    let results = results(
        &state,
        &runner,
        view,
        (nav, error.is_some(), stale),
        Shown {
            warnings,
            idle,
            slo,
            baseline,
            threshold: shown_threshold,
        },
    );

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

    let url_note = url::start().1.clone();
    let header = header(view);
    let fatal = fatal_banner(&state);

    let strip = headline(
        state.run.report.as_deref(),
        warnings_count,
        stale,
        state.run.running,
    );
    html! {
        // The state goes to the components through a context (see `state::use_app_state`).
        <ContextProvider<AppState> context={state.clone()}>
        // data-ready tells the browser tests that the first result is on screen; data-busy that a
        // run is pending.
        // data-run counts the reports shown.
        <main id="app" class={classes!(view.embed.then_some("embed"))}
              data-ready={state.ready().to_string()} data-busy={state.run.running.to_string()}
              data-run={state.run.shown.to_string()}>
            if !view.no_controls() && nav {
                <a class="skip-link" href="#results" onclick={jump("results")}>{ "Skip to results" }</a>
            }
            { header }
            if let Some(note) = url_note {
                <p id="url-note" role="status" class="url-note">{ note }</p>
            }
            { for fatal }
            <div class={classes!("layout", view.no_controls().then_some("no-side"))}>
                if !view.no_controls() {
                    <div class="side" id="controls" tabindex="-1">
                        <div class="side-head">
                            <div id="error" role="alert" class={classes!("error", error.is_none().then_some("empty"))}>
                                { error.clone().unwrap_or_default() }
                            </div>
                            if nav {
                                { strip }
                            }
                        </div>
                        if let Some(ids) = &view.controls {
                            { embed::control_filter(ids) }
                        }
                        <Controls />
                    </div>
                }
                <section id="results" tabindex="-1" class={classes!("results", stale.then_some("stale"))}
                         aria-label="Results" aria-busy={state.run.running.to_string()}>
                    if view.no_controls() && error.is_some() {
                        <p id="error" role="alert" class="error">{ error.clone().unwrap_or_default() }</p>
                    }
                    { status }
                    if let Some(err) = &state.run.error {
                        <p class="error" id="run-error" role="alert">{ format!("The simulation failed: {err}") }</p>
                    }
                    { results }
                </section>
            </div>
        </main>
        </ContextProvider<AppState>>
    }
}

fn main() {
    // The same module runs the page and its workers.
    if pdsim_web::in_worker() {
        pdsim_web::register_worker();
        return;
    }
    console_error_panic_hook::set_once();
    // index.html's loading text, shown until this wasm arrived.
    if let Some(loading) = gloo::utils::document().get_element_by_id("loading") {
        loading.remove();
    }
    yew::Renderer::<App>::new().render();
}
