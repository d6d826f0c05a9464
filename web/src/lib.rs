//! The pdsim playground: shared code of the app (`src/main.rs`) and of the Web Worker that
//! runs the simulation (`src/bin/worker.rs`).
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

/// Path of the worker's loader script, relative to the page (Trunk writes it to `dist/`
/// for the `<link data-trunk rel="rust" data-bin="worker" data-type="worker" data-loader-shim>`
/// asset of `index.html`).
pub const WORKER_LOADER: &str = "./worker_loader.js";

/// What the worker answers to a run: the report, or the error's text.
pub type SimResult = Result<pdsim::Report, String>;

/// What the worker answers to a sweep: one row per value, or the error's text.
pub type SweepResult = Result<Vec<pdsim::sweep::SweepRow>, String>;

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
    /// Evaluate one planner candidate; the answer is [`Answer::Text`] with the
    /// [`pdsim::plan::CandidateResult`]'s JSON (it holds a config, which bincode cannot carry).
    PlanCandidate(AsJson<(pdsim::plan::PlanRequest, pdsim::plan::Candidate)>),
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
}

/// A value carried as its JSON text inside a worker message. Messages are bincode
/// ([`MessageCodec`]), which cannot read the config's untagged and internally tagged enums;
/// a config's JSON is about a kilobyte, so this costs nothing that matters.
#[derive(Clone, Debug, PartialEq)]
pub struct AsJson<T>(pub T);

impl<T: Serialize> Serialize for AsJson<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(serde::ser::Error::custom)?;
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
            Some(Job::PlanCandidate(AsJson((request, candidate)))) => {
                let result = pdsim::plan::evaluate(&request, &candidate);
                Answer::Text(serde_json::to_string(&result).map_err(|err| err.to_string()))
            }
            Some(Job::Panic) => panic!("test hook: window.__pdsimTestPanic() asked for a panic"),
            Some(Job::Sweep(AsJson(config))) => Answer::Sweep(
                pdsim::sweep::sweep(&config, SWEEP_PATH, &SWEEP_THRESHOLDS)
                    .map_err(|err| err.to_string()),
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

/// Starts the worker (app side).
pub fn spawn_worker() -> SimBridge {
    OneshotSpawner::<SimTask, MessageCodec>::new().spawn_with_loader(WORKER_LOADER)
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
