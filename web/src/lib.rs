//! The pdsim playground: shared code of the app and of the Web Workers that run the
//! simulation, which are the same module (`src/main.rs`; see [`in_worker`]).
//!
//! The app never calls [`pdsim::run`] itself: it sends a [`Job`] to a worker through a
//! [`SimBridge`] and gets back an [`Answer`]: the [`pdsim::Report`] of a run, or the rows of a
//! threshold sweep (or the error text), so a long simulation never blocks the page. The app
//! starts two workers from the same script, one for runs and one for sweeps, so a sweep never
//! delays the run of the next edit.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use gloo::worker::oneshot::{Oneshot, OneshotBridge, OneshotRegistrar, OneshotSpawner};
use gloo::worker::Bincode;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// The worker runs the page's own module: one wasm for the page and its workers, so the
/// core's code (config, validation, serde) is downloaded once, not twice. The loader is a
/// two-line script made here from the module's URLs, which Trunk writes into `index.html`
/// (`<link rel="modulepreload">` for the JavaScript, `<link rel="preload" as="fetch">` for
/// the wasm): it imports the module and starts it; in a worker, `main` registers the
/// worker instead of rendering the page ([`in_worker`]).
fn worker_loader() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let href = |selector: &str| {
        document
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|link| js_sys::Reflect::get(&link, &"href".into()).ok())
            .and_then(|href| href.as_string())
    };
    let js = href("link[rel=modulepreload]")?;
    let wasm = href("link[rel=preload][as=fetch]")?;
    let code = format!("import({js:?}).then((m) => m.default({{ module_or_path: {wasm:?} }}));");
    let parts = js_sys::Array::of1(&code.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Where the repository's docs are read online (the lessons page links the same place).
pub const DOCS_URL: &str = "https://github.com/pdsim/pdsim/blob/main/docs/";

/// The online address of the doc `file` under `docs/` (`"MODEL.md"`).
pub fn docs_url(file: &str) -> String {
    format!("{DOCS_URL}{file}")
}

/// Whether this code runs in a worker (no `window`), not in the page.
pub fn in_worker() -> bool {
    web_sys::window().is_none()
}

/// What the worker answers to a run: the report, or the error's text.
pub type SimResult = Result<pdsim::Report, String>;

/// What the worker answers to a sweep: one row per value, or the error's text.
pub type SweepResult = Result<Vec<pdsim::SweepRow>, String>;

/// Config path the threshold sweep varies.
pub const SWEEP_PATH: &str = "disaggregation.threshold_tokens";

/// Thresholds of the sweep chart, in tokens.
pub const SWEEP_THRESHOLDS: [f64; 8] = [0.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0];

/// A job for the worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Job {
    /// One simulation run.
    Run(AsJson<pdsim::Config>),
    /// The threshold sweep of [`SWEEP_THRESHOLDS`] over this config.
    Sweep(AsJson<pdsim::Config>),
    /// Run this config and answer the report's JSON (the "Download report (JSON)" button:
    /// the page itself has no code to serialize a report, which keeps its wasm smaller).
    ReportJson(AsJson<pdsim::Config>),
    /// How many candidates a plan has: [`Answer::Count`] (or the error's text).
    PlanCount(AsJson<pdsim::plan::PlanRequest>),
    /// Evaluate the plan's candidate of this index; the answer is [`Answer::Text`] with the
    /// [`pdsim::plan::CandidateResult`]'s JSON, which the page keeps as it is.
    PlanCandidate(AsJson<pdsim::plan::PlanRequest>, u32),
    /// Summarize these results (JSON, as [`Job::PlanCandidate`] answered them) into the rows
    /// the Plan panel shows: [`Answer::Plan`]. The planner's types stay in the worker, which
    /// keeps the page's wasm small.
    PlanSummary(AsJson<pdsim::plan::PlanRequest>, Vec<String>),
    /// TEST HOOK: panic inside the worker. Only the page's `window.__pdsimTestPanic()` sends
    /// it, so the end-to-end tests can check that a crashed worker is detected and replaced.
    Panic,
}

/// The worker's answer to a [`Job`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    /// Answer to [`Job::Run`] (boxed: a report is large).
    Run(Box<SimResult>),
    /// Answer to [`Job::Sweep`].
    Sweep(SweepResult),
    /// Answer to [`Job::ReportJson`]: the JSON (compact: the worker already has that encoder),
    /// or the error's text.
    Text(Result<String, String>),
    /// Answer to [`Job::PlanCount`].
    Count(Result<u32, String>),
    /// Answer to [`Job::PlanSummary`].
    Plan(Result<PanelPlan, String>),
}

/// One row of the Plan panel's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelRow {
    /// Candidate id.
    pub id: u32,
    /// Its layout, in words.
    pub label: String,
    /// GPUs it uses.
    pub gpus: u32,
    /// Whether it meets the targets.
    pub meets: bool,
    /// Whether it is on a frontier (rate per GPU against p90 TTFT or p90 TPOT).
    pub frontier: bool,
    /// Highest rate meeting the targets, in requests/s, and per GPU.
    pub rate_per_s: f64,
    /// `rate_per_s / gpus`.
    pub rate_per_gpu: f64,
    /// Output tokens per second per GPU at that rate.
    pub output_per_gpu: f64,
    /// US dollars per million output tokens at that rate (`None`: a GPU without a price).
    pub usd_per_m_output_tokens: Option<f64>,
    /// Share of requests meeting both targets.
    pub attainment: f64,
    /// p90 TTFT and p90 TPOT at that rate, in ms.
    pub ttft_p90_ms: f64,
    /// p90 TPOT at that rate, in ms.
    pub tpot_p90_ms: f64,
    /// What bounds the rate, or why it misses.
    pub bound: String,
    /// Its runnable config, as JSON.
    pub config_json: String,
}

/// What the Plan panel shows: rows ranked (those meeting the targets first, best first).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelPlan {
    /// Rows, ranked.
    pub rows: Vec<PanelRow>,
    /// Whether the first row is the best (some candidate meets the targets).
    pub has_best: bool,
    /// The planner's warnings.
    pub warnings: Vec<String>,
}

/// The panel's plan of these results (JSON of candidate results).
fn panel_plan(request: &pdsim::plan::PlanRequest, results: &[String]) -> Result<PanelPlan, String> {
    let parsed = results
        .iter()
        .map(|r| serde_json::from_str(r).map_err(|e| e.to_string()))
        .collect::<Result<Vec<pdsim::plan::CandidateResult>, String>>()?;
    let plan = pdsim::plan::summarize(request, parsed).map_err(|e| e.to_string())?;
    let rows = plan
        .candidates
        .iter()
        .map(|c| {
            let id = c.candidate.id;
            PanelRow {
                id,
                label: c.candidate.label.clone(),
                gpus: c.candidate.gpus,
                meets: c.meets_targets,
                frontier: plan.frontier_ttft.contains(&id) || plan.frontier_tpot.contains(&id),
                rate_per_s: c.rate_per_s,
                rate_per_gpu: c.rate_per_gpu,
                output_per_gpu: c.output_tokens_per_s_per_gpu,
                usd_per_m_output_tokens: c.usd_per_m_output_tokens,
                attainment: c.attainment,
                ttft_p90_ms: c.ttft_ms.p90,
                tpot_p90_ms: c.tpot_ms.p90,
                bound: c.bound_by.map_or_else(
                    || c.reason.clone().unwrap_or_default(),
                    |b| format!("{b:?}").to_ascii_lowercase(),
                ),
                config_json: json_text(&c.config).unwrap_or_default(),
            }
        })
        .collect();
    Ok(PanelPlan {
        rows,
        has_best: plan.best.is_some(),
        warnings: plan.warnings,
    })
}

/// The JSON text of a config (or of a message holding one) that only this module reads back:
/// written through a `serde_json::Value`, whose encoder the page has anyway (share links,
/// the config changes), so the config's types are not compiled for a second JSON encoder.
/// Objects come out with their keys sorted, which reading them back does not mind. (The
/// reports people download keep the field order of `pdsim run`: [`Job::ReportJson`].)
fn json_text<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_value(value)
        .map(|v| v.to_string())
        .map_err(|err| err.to_string())
}

/// A value carried as its JSON text inside a worker message. Messages are bincode
/// ([`MessageCodec`]), which cannot read the config's untagged and internally tagged enums;
/// a config's JSON is about a kilobyte, so this costs nothing that matters.
#[derive(Clone, Debug, PartialEq)]
pub struct AsJson<T>(pub T);

impl<T: Serialize> Serialize for AsJson<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = json_text(&self.0).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for AsJson<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text)
            .map(AsJson)
            .map_err(serde::de::Error::custom)
    }
}

/// Messages between the app and the worker are bincode in a `Uint8Array` (gloo's
/// [`Bincode`] codec): the default scenario's report is 59 KB instead of 165 KB of JSON, and
/// encoding and decoding it take well under a millisecond instead of several. Bincode is
/// exact for every `u64` and `f64`; the reports people download are still the worker's JSON
/// ([`Job::ReportJson`]). Bincode is not self-describing: it reads only types whose serde
/// form is the same in both directions, as the report's is (no skipped, flattened or
/// untagged fields); the end-to-end tests decode every report the page shows through it.
pub type MessageCodec = Bincode;

/// One job, executed inside the worker.
#[derive(Debug)]
pub struct SimTask {
    job: Option<Job>,
}

impl Future for SimTask {
    type Output = Answer;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Answer> {
        let answer = match self.get_mut().job.take() {
            None => Answer::Run(Box::new(Err("no job".into()))),
            Some(Job::Run(AsJson(config))) => {
                Answer::Run(Box::new(pdsim::run(&config).map_err(|err| err.to_string())))
            }
            Some(Job::ReportJson(AsJson(config))) => {
                Answer::Text(pdsim::run(&config).map_err(|err| err.to_string()).and_then(
                    |report| serde_json::to_string(&report).map_err(|err| err.to_string()),
                ))
            }
            Some(Job::PlanCount(AsJson(request))) => Answer::Count(
                pdsim::plan::check_request(&request)
                    .and_then(|()| pdsim::plan::candidates(&request))
                    .map(|c| c.len() as u32)
                    .map_err(|err| err.to_string()),
            ),
            Some(Job::PlanCandidate(AsJson(request), index)) => Answer::Text(
                pdsim::plan::candidates(&request)
                    .map_err(|err| err.to_string())
                    .and_then(|all| {
                        all.get(index as usize)
                            .cloned()
                            .ok_or_else(|| format!("no candidate {index}"))
                    })
                    .and_then(|candidate| json_text(&pdsim::plan::evaluate(&request, &candidate))),
            ),
            Some(Job::PlanSummary(AsJson(request), results)) => {
                Answer::Plan(panel_plan(&request, &results))
            }
            Some(Job::Panic) => panic!("test hook: window.__pdsimTestPanic() asked for a panic"),
            Some(Job::Sweep(AsJson(config))) => Answer::Sweep(
                pdsim::sweep(&config, SWEEP_PATH, &SWEEP_THRESHOLDS).map_err(|err| err.to_string()),
            ),
        };
        Poll::Ready(answer)
    }
}

impl Oneshot for SimTask {
    type Input = Job;

    fn create(job: Job) -> Self {
        Self { job: Some(job) }
    }
}

/// The app's handle on the worker. Clone it with [`SimBridge::fork`]; the worker stops when
/// the last handle is dropped.
pub type SimBridge = OneshotBridge<SimTask>;

/// Sends `job` to the worker behind `bridge` now, and returns the future of its answer.
///
/// A bridge posts its message on the first poll of [`OneshotBridge::run`]; awaiting it in a
/// spawned task would post only after the current task (for the app: after Yew's render
/// and every effect of this edit). Polling it once here, with a waker that does nothing,
/// posts at once; awaiting the returned future polls it again with the task's own waker,
/// which is the one the bridge keeps.
pub fn post(bridge: &SimBridge, job: Job) -> impl Future<Output = Answer> {
    let mut bridge = bridge.fork();
    let mut run = Box::pin(async move { bridge.run(job).await });
    let early = run
        .as_mut()
        .poll(&mut Context::from_waker(std::task::Waker::noop()));
    async move {
        match early {
            Poll::Ready(answer) => answer,
            Poll::Pending => run.await,
        }
    }
}

/// Starts a worker (app side). Without the module's links (a page not built by Trunk) it
/// cannot start one, and says so.
pub fn spawn_worker() -> SimBridge {
    let loader = worker_loader().unwrap_or_else(|| {
        gloo::console::error!("pdsim: the page has no module links to start a worker from");
        String::new()
    });
    OneshotSpawner::<SimTask, MessageCodec>::new().spawn_with_loader(&loader)
}

/// Serves simulation requests (worker side): call once at the worker's start.
///
/// A panic traps the worker's wasm (`panic = "abort"`), and the trap may be swallowed as a
/// rejected promise; so the panic hook also throws the panic's text from a timer, an uncaught
/// error the page sees as the Worker's `error` event (see index.html).
pub fn register_worker() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let throw =
            js_sys::Function::new_with_args("m", "setTimeout(() => { throw new Error(m); }, 0);");
        let _ = throw.call1(
            &JsValue::NULL,
            &JsValue::from_str(&format!("pdsim worker panicked: {info}")),
        );
    }));
    OneshotRegistrar::<SimTask, MessageCodec>::new().register();
}
