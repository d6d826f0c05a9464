//! The pdsim playground (main thread): a form that edits a [`pdsim::Config`], validated here
//! and run by the Web Worker after every edit, and the results of the latest valid config.

mod cards;
mod charts;
mod controls;
mod embed;
mod export;
mod format;
mod health;
mod model_input;
mod plan_panel;
mod state;
mod url;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use pdsim_web::{spawn_worker, Answer, AsJson, Job, SimBridge};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::cards::Cards;
use crate::charts::breakdown::Breakdown;
use crate::charts::cdf::Cdfs;
use crate::charts::flow::Flow;
use crate::charts::sweep::Sweep;
use crate::charts::timeline::Timeline;
use crate::charts::waterfall::Waterfall;
use crate::controls::Controls;
use crate::state::{Action, State};

/// Quiet time after typing (a number box, a dragged slider) before the simulation runs, in
/// ms; every other edit runs at once.
const DEBOUNCE_MS: u32 = 120;
/// Quiet time after an edit before the threshold sweep runs, in ms.
const SWEEP_DEBOUNCE_MS: u32 = 400;
/// A run that has not answered after this long counts as a crashed worker, in ms.
const NO_ANSWER_MS: u32 = 60_000;
/// A run still going after this long shows the "simulating…" indicator, in ms.
const SLOW_MS: u32 = 150;

/// Tells the browser tests when results were last drawn: `window.__pdsimLastRender` is the
/// `performance.now()` after the render of a new report.
fn mark_render() {
    let window = gloo::utils::window();
    let now = window.performance().map_or(0.0, |p| p.now());
    // Failure only means the tests cannot read the mark.
    let _ = js_sys::Reflect::set(
        &window,
        &JsValue::from_str("__pdsimLastRender"),
        &JsValue::from_f64(now),
    );
}

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

/// The two workers of the page.
struct Workers {
    /// Runs the simulations.
    run: SimBridge,
    /// Runs the threshold sweeps.
    sweep: SimBridge,
}

impl Workers {
    fn spawn() -> Self {
        Self {
            run: spawn_worker(),
            sweep: spawn_worker(),
        }
    }
}

/// Copies `text` to the clipboard; resolves to whether it worked.
async fn copy_text(text: String) -> bool {
    let window = gloo::utils::window();
    let clipboard = js_sys::Reflect::get(&window, &JsValue::from_str("navigator"))
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("clipboard")));
    let Ok(clipboard) = clipboard else {
        return false;
    };
    let write = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(write) = write else {
        return false;
    };
    match write.call1(&clipboard, &JsValue::from_str(&text)) {
        Ok(promise) => match promise.dyn_into::<js_sys::Promise>() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

/// "Copy link" and "Copy embed code", with what happened.
#[function_component(Share)]
fn share() -> Html {
    let status = use_state(String::new);
    let dialog = use_state(|| false);
    let copy = |what: &'static str, make: fn() -> String| {
        let status = status.clone();
        Callback::from(move |_| {
            let status = status.clone();
            let text = make();
            wasm_bindgen_futures::spawn_local(async move {
                if copy_text(text.clone()).await {
                    status.set(format!("{what} copied"));
                } else {
                    status.set(format!("could not copy; here it is: {text}"));
                }
            });
        })
    };
    let open = {
        let dialog = dialog.clone();
        Callback::from(move |_| dialog.set(true))
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(false))
    };
    html! {
        <div class="share">
            <button type="button" id="copy-link" onclick={copy("link", url::share_link)}
                    title="Copy a link to these exact settings">{ "Copy link" }</button>
            <button type="button" id="copy-embed" onclick={open}
                    title="Choose the charts and controls of an <iframe> that embeds these settings, and copy its code">
                { "Copy embed code" }
            </button>
            <span id="copy-status" role="status">{ (*status).clone() }</span>
            if *dialog {
                <embed::EmbedDialog on_close={close} />
            }
        </div>
    }
}

/// A same-page link's click: scrolls to the element `id` and moves the focus there, without
/// touching the URL's hash (it holds the settings).
fn jump(id: &'static str) -> Callback<MouseEvent> {
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
fn headline(report: Option<&pdsim::Report>, warnings: usize, stale: bool, running: bool) -> Html {
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

/// The charts to show, in order: the URL's list (unknown names left out), or all of them.
fn chart_order(view: &url::View) -> Vec<&'static str> {
    match &view.charts {
        Some(list) => list
            .iter()
            .filter_map(|name| {
                embed::CHARTS
                    .iter()
                    .find(|(id, _)| id == name)
                    .map(|(id, _)| *id)
            })
            .collect(),
        None => embed::CHARTS.iter().map(|(id, _)| *id).collect(),
    }
}

#[function_component(App)]
fn app() -> Html {
    let state = use_reducer(|| State::new(url::start().0.clone()));
    let view = url::view();
    embed::use_report_height(view.embed);
    // One worker for the runs and one for the threshold sweeps (a sweep never delays a run);
    // every job uses a fork of the bridge. Both are replaced after a crash.
    let workers: Rc<RefCell<Workers>> = use_mut_ref(Workers::spawn);
    let pending_sweep = use_mut_ref(|| None::<Timeout>);
    // The debounce timer of the next run (dropping it cancels the run) and the run counter.
    let pending = use_mut_ref(|| None::<Timeout>);
    let runs = use_memo((), |()| Cell::new(0_u64));
    // The latest run that answered (the no-answer watchdog).
    let answered = use_memo((), |()| Cell::new(0_u64));
    // The configs of the latest runs (the JSON download re-runs the shown one in the worker).
    let run_configs = use_mut_ref(Vec::<(u64, pdsim::Config)>::new);

    {
        let runnable = state.runnable();
        let dispatcher = state.dispatcher();
        let workers = Rc::clone(&workers);
        let deps = (state.config.clone(), state.typing, state.epoch);
        let run_configs = Rc::clone(&run_configs);
        use_effect_with(deps, move |(config, typing, _)| {
            if runnable {
                let run = runs.get() + 1;
                runs.set(run);
                let worker_config = state::for_worker(config);
                {
                    let mut list = run_configs.borrow_mut();
                    list.push((run, worker_config.clone()));
                    let extra = list.len().saturating_sub(8);
                    list.drain(..extra);
                }
                let answered = Rc::clone(&answered);
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
                            let init = web_sys::CustomEventInit::new();
                            init.set_detail(&JsValue::from_str(&format!(
                                "no answer from the worker in {} s",
                                NO_ANSWER_MS / 1000
                            )));
                            if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(
                                "pdsim-worker-error",
                                &init,
                            ) {
                                let _ = gloo::utils::window().dispatch_event(&event);
                            }
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

    {
        // The threshold sweep: only for deciders with a threshold, and not re-run when only
        // the threshold moves (its key zeroes it).
        let key = state::sweep_config(&state.config);
        let runnable = state.runnable();
        let dispatcher = state.dispatcher();
        let asked = state.sweep_key.clone();
        let workers = Rc::clone(&workers);
        use_effect_with((key, runnable, state.epoch), move |(key, runnable, _)| {
            pending_sweep.borrow_mut().take();
            if let (Some(key), true) = (key.clone(), *runnable) {
                if asked.as_ref() != Some(&key) {
                    *pending_sweep.borrow_mut() =
                        Some(Timeout::new(SWEEP_DEBOUNCE_MS, move || {
                            dispatcher.dispatch(Action::SweepStarted(key.clone()));
                            let answer = pdsim_web::post(
                                &workers.borrow().sweep,
                                Job::Sweep(AsJson(key.clone())),
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
        });
    }
    use_effect_with(state.shown_run, |_| mark_render());

    {
        // A link with a pinned baseline (`b`): run it once, on the sweep worker (the first run
        // of the page is not delayed), and pin its report.
        let dispatcher = state.dispatcher();
        let workers = Rc::clone(&workers);
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

    {
        // A crashed worker (see index.html: every Worker's `error` event is forwarded to the
        // window as `pdsim-worker-error`): new workers, and the banner.
        let dispatcher = state.dispatcher();
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

    let stale = state.stale();
    let error = state.error().map(|err| err.message.clone());
    let baseline = state.baseline.as_ref().map(|b| b.report.clone());
    let compare = {
        // One toggle button (the same element pinned or not, so focus stays on it) and a
        // Re-pin button beside it when pinned.
        // The pinned baseline's config goes in the URL (`b`), so a comparison can be shared.
        let toggle = {
            let state = state.clone();
            let pinned = state.baseline.is_some();
            Callback::from(move |_| {
                if pinned {
                    url::write_baseline(None);
                    state.dispatch(Action::Unpin);
                } else {
                    url::write_baseline(Some(&state.config));
                    state.dispatch(Action::Pin);
                }
            })
        };
        let repin = {
            let state = state.clone();
            Callback::from(move |_| {
                url::write_baseline(Some(&state.config));
                state.dispatch(Action::Pin);
            })
        };
        let pinned = state.baseline.is_some();
        let note = state.baseline.as_ref().map(|b| {
            let changes = state::config_changes(&b.config, &state.config);
            let changed = if changes.is_empty() {
                "Same settings as the baseline.".to_owned()
            } else {
                let shown: Vec<&str> = changes.iter().take(4).map(String::as_str).collect();
                let more = changes.len().saturating_sub(shown.len());
                format!(
                    "Changed since pinning: {}{}.",
                    shown.join("; "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )
            };
            let counts = |r: &pdsim::Report| {
                format!(
                    "{} of {} requests completed, {} dropped",
                    format::count(r.summary.completed),
                    format::count(r.summary.injected),
                    format::count(r.summary.dropped)
                )
            };
            let (now, comparable) = match &state.report {
                Some(report) => (
                    format!("; now {}", counts(report)),
                    cards::comparable(report, &b.report),
                ),
                None => (String::new(), true),
            };
            let caveat = if comparable {
                ""
            } else {
                " The two runs completed different shares of their requests, so their latencies \
                 describe different requests: latency changes are marked not comparable."
            };
            html! {
                <span id="baseline-note">
                    <span id="baseline-counts">
                        { format!("Baseline: {}{now}.", counts(&b.report)) }
                        { caveat }
                    </span>
                    { format!(
                        " Baseline TTFT p50 {}. ▲ = higher, ▼ = lower; green is better, red \
                         worse, grey no change (within 1%). ",
                        format::duration(b.report.summary.ttft_ms.p50)
                    ) }
                    <span id="baseline-changes">{ changed }</span>
                </span>
            }
        });
        html! {
            <div class={classes!("compare", pinned.then_some("pinned"))}>
                <button type="button" id="pin" onclick={toggle} aria-pressed={pinned.to_string()}
                        title={if pinned {
                            "Forget the pinned baseline"
                        } else {
                            "Keep this result and show every later result's difference from it"
                        }}>
                    { if pinned { "Unpin baseline" } else { "Pin as baseline" } }
                </button>
                // Always there (hidden when nothing is pinned): children that come and go
                // would make Yew reuse the Pin button's element for another one, and the
                // focus would move with it.
                <button type="button" id="repin" onclick={repin} hidden={!pinned}
                        title="Pin the current result instead">{ "Re-pin" }</button>
                <span class="baseline-slot">{ for note }</span>
            </div>
        }
    };
    // The sweep marks the threshold of the result on screen: its marker moves with the other
    // charts when an edit's result arrives. (Moving it at the edit would draw the sweep's
    // canvas, and lay out the page for it, before the edit's run is even posted: effects run
    // children first.)
    let shown_threshold = run_configs
        .borrow()
        .iter()
        .find(|(run, _)| *run == state.shown_run)
        .map_or(
            state.config.disaggregation.threshold_tokens,
            |(_, config)| config.disaggregation.threshold_tokens,
        );
    // The config of the result on screen (its warnings are about it, not about a newer edit).
    let (warnings, idle, slo) = state
        .report
        .as_ref()
        .map_or_else(Default::default, |report| {
            let configs = run_configs.borrow();
            let config = configs
                .iter()
                .find(|(run, _)| *run == state.shown_run)
                .map_or(&state.config, |(_, config)| config);
            (
                health::warnings(config, report),
                health::notes(config, report),
                health::slo_text(config),
            )
        });
    let warnings_count = warnings.len();
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
            let downloads = {
                let json = {
                    let workers = Rc::clone(&workers);
                    let run_configs = Rc::clone(&run_configs);
                    let shown = state.shown_run;
                    Callback::from(move |_| {
                        let config = run_configs
                            .borrow()
                            .iter()
                            .find(|(run, _)| *run == shown)
                            .map(|(_, config)| config.clone());
                        let Some(config) = config else { return };
                        let answer =
                            pdsim_web::post(&workers.borrow().run, Job::ReportJson(AsJson(config)));
                        wasm_bindgen_futures::spawn_local(async move {
                            match answer.await {
                                Answer::Text(Ok(text)) => {
                                    export::download(
                                        "pdsim-report.json",
                                        "application/json",
                                        &text,
                                    );
                                }
                                Answer::Text(Err(err)) => {
                                    gloo::console::warn!(format!(
                                        "cannot export the report: {err}"
                                    ));
                                }
                                _ => {}
                            }
                        });
                    })
                };
                let csv = {
                    let report = report.clone();
                    Callback::from(move |_| {
                        export::download(
                            "pdsim-requests.csv",
                            "text/csv",
                            &export::requests_csv(&report),
                        );
                    })
                };
                html! {
                    <div class="downloads">
                        <button type="button" id="download-json" onclick={json}
                                title="The whole report of this run, as JSON">{ "Download report (JSON)" }</button>
                        <button type="button" id="download-csv" onclick={csv}
                                title="One row per request: lengths, placement, latencies and the five TTFT phases">
                            { "Download requests (CSV)" }
                        </button>
                    </div>
                }
            };
            html! {
                <>
                    if !warnings.is_empty() {
                        <div id="result-warning" class="result-warning" role="alert" tabindex="-1">
                            { for warnings.iter().map(|w| html! { <p>{ w.clone() }</p> }) }
                        </div>
                    }
                    if !idle.is_empty() {
                        <div id="idle-note" class="idle-note" role="note">
                            { for idle.iter().map(|w| html! { <p>{ w.clone() }</p> }) }
                        </div>
                    }
                    <div class="results-head">
                        if !view.no_controls() {
                            <a class="to-controls" href="#controls" onclick={jump("controls")}>{ "↑ Controls" }</a>
                        }
                        <p class="summary" aria-live="polite">
                            <span id="ttft-p50">{ format!("TTFT p50: {}", format::duration(s.ttft_ms.p50)) }</span>
                            { format!(
                                " · {} of {} requests completed in {} of simulated time",
                                format::count(s.completed), format::count(s.injected),
                                format::duration(s.duration_s * 1000.0)
                            ) }
                        </p>
                        <span id="simulating" class={classes!("running", (!state.slow || stale).then_some("idle"))}
                              role="status">
                            if state.slow && !stale {
                                <span class="spinner" aria-hidden="true"></span>{ "simulating…" }
                            }
                        </span>
                    </div>
                    if !view.embed {
                        { compare }
                        { downloads }
                    }
                    // The charts, in the order the URL names them (the embed author's), else
                    // the playground's.
                    { for chart_order(view).into_iter().map(|name| match name {
                        "cards" => html! { <Cards report={report.clone()} baseline={baseline.clone()} slo={slo.clone()} /> },
                        "breakdown" => html! { <Breakdown report={report.clone()} baseline={baseline.clone()} /> },
                        "flow" => html! { <Flow report={report.clone()} block_size={state.config.engine.block_size} /> },
                        "waterfall" => html! { <Waterfall report={report.clone()} /> },
                        "cdf" => html! { <Cdfs report={report.clone()} baseline={baseline.clone()} /> },
                        "timeline" => html! { <Timeline report={report.clone()} /> },
                        "sweep" if state::uses_threshold(state.config.disaggregation.decider) => html! {
                            <Sweep rows={state.sweep.clone()} error={state.sweep_error.clone()}
                                   threshold={shown_threshold}
                                   fresh={state.sweep_key.is_some()
                                       && state.sweep_key == state::sweep_config(&state.config)} />
                        },
                        _ => html! {},
                    }) }
                    if !view.embed {
                        <plan_panel::PlanPanel state={state.clone()} />
                    }
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

    let url_note = url::start().1.clone();
    let header = if view.embed {
        let mut params = url::current();
        for key in ["embed", "hide", "charts"] {
            params.set(key, None);
        }
        html! {
            <header class="embed-head">
                <strong id="embed-title-text">{ view.title.clone().unwrap_or_else(|| "pdsim playground".into()) }</strong>
                <a id="open-full" href={format!("./#{}", params.text())} target="_blank" rel="noopener">
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
                <Share />
            </header>
        }
    };
    let fatal = state.fatal.as_ref().map(|message| {
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
    });

    let strip = headline(
        state.report.as_deref(),
        warnings_count,
        stale,
        state.running,
    );
    html! {
        // data-ready tells the browser tests that the first result is on screen; data-busy that a
        // run is pending.
        // data-run counts the reports shown.
        <main id="app" class={classes!(view.embed.then_some("embed"))}
              data-ready={state.ready().to_string()} data-busy={state.running.to_string()}
              data-run={state.shown_run.to_string()}>
            if !view.no_controls() {
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
                            { strip }
                        </div>
                        if let Some(ids) = &view.controls {
                            { embed::control_filter(ids) }
                        }
                        <Controls state={state.clone()} />
                    </div>
                }
                <section id="results" tabindex="-1" class={classes!("results", stale.then_some("stale"))}
                         aria-label="Results" aria-busy={state.running.to_string()}>
                    if view.no_controls() && error.is_some() {
                        <p id="error" role="alert" class="error">{ error.clone().unwrap_or_default() }</p>
                    }
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
