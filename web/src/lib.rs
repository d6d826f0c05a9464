//! The pdsim playground: shared code of the app (`src/main.rs`) and of the Web Worker that
//! runs the simulation (`src/bin/worker.rs`).
//!
//! The app never calls [`pdsim::run`] itself: it sends a [`pdsim::Config`] to the worker
//! through a [`SimBridge`] and gets back the [`pdsim::Report`] (or the error text), so a long
//! simulation never blocks the page.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use gloo::worker::oneshot::{Oneshot, OneshotBridge, OneshotRegistrar, OneshotSpawner};
use gloo::worker::Codec;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// Path of the worker's loader script, relative to the page (Trunk writes it to `dist/`
/// for the `<link data-trunk rel="rust" data-bin="worker" data-type="worker" data-loader-shim>`
/// asset of `index.html`).
pub const WORKER_LOADER: &str = "./worker_loader.js";

/// What the worker answers: the report, or the error's text.
pub type SimResult = Result<pdsim::Report, String>;

/// Messages between the app and the worker are JSON strings (debuggable in the browser's
/// devtools, and exact for every integer `u64` the report holds).
#[derive(Debug)]
pub struct Json;

impl Codec for Json {
    fn encode<I>(input: I) -> JsValue
    where
        I: Serialize,
    {
        match serde_json::to_string(&input) {
            Ok(text) => JsValue::from_str(&text),
            Err(err) => panic!("cannot encode a worker message: {err}"),
        }
    }

    fn decode<O>(input: JsValue) -> O
    where
        O: for<'de> Deserialize<'de>,
    {
        let text = input.as_string().unwrap_or_default();
        match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(err) => panic!("cannot decode a worker message: {err}"),
        }
    }
}

/// One simulation run, executed inside the worker.
#[derive(Debug)]
pub struct SimTask {
    config: Option<pdsim::Config>,
}

impl Future for SimTask {
    type Output = SimResult;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<SimResult> {
        let config = self.get_mut().config.take().unwrap_or_default();
        Poll::Ready(pdsim::run(&config).map_err(|err| err.to_string()))
    }
}

impl Oneshot for SimTask {
    type Input = pdsim::Config;

    fn create(config: pdsim::Config) -> Self {
        Self {
            config: Some(config),
        }
    }
}

/// The app's handle on the worker. Clone it with [`SimBridge::fork`]; the worker stops when
/// the last handle is dropped.
pub type SimBridge = OneshotBridge<SimTask>;

/// Starts the worker (app side).
pub fn spawn_worker() -> SimBridge {
    OneshotSpawner::<SimTask, Json>::new().spawn_with_loader(WORKER_LOADER)
}

/// Serves simulation requests (worker side): call once at the worker's start.
pub fn register_worker() {
    OneshotRegistrar::<SimTask, Json>::new().register();
}
