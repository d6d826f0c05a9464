//! The playground's state, grouped by concern (the settings being edited, the runs, the
//! threshold sweep, the pinned baseline, a crashed worker), the reducer that applies every
//! [`Action`], and the context through which components share it ([`use_app_state`]). What
//! each control edits in the config is the form's metadata, in [`crate::form`].
//!
//! A loaded trace lives beside the config, shared ([`TraceInfo::records`]), never inside
//! [`Settings::config`]: every action clones the state, and the config is compared and
//! validated after every edit, which with 50,000 records inside would copy and re-check them
//! each time. The records are checked once, when the file is read; an edit validates the
//! config with a one-record stand-in for them ([`Settings::run_config`] puts them back for a
//! run).
//!
//! Number boxes keep the text the person typed (a *draft*) while it does not parse, so a
//! half-typed value is never overwritten; a parse failure is reported like a validation error,
//! naming the config field.

use std::collections::BTreeMap;
use std::rc::Rc;

use pdsim::config::{
    ArrivalProcess, Decider, HardwareSpec, KvReceive, KvTier, ModelSpec, ReservationPolicy,
    RoutingPolicy, Scheduler, TraceRecord,
};
use pdsim::report::Role;
use pdsim::SweepRow;
use pdsim::{Config, Report};
use yew::{hook, use_context, Reducible, UseReducerHandle};

use pdsim_web::{SimResult, SweepResult};

use crate::form::{examples, same_gpus, switch_dist, Field, Lengths, Param, LINKS, MAX_THRESHOLD};

/// A shared, immutable value compared by identity: two handles are equal when they point to
/// the same allocation. Reports are never changed once received, so this is exact, and it
/// keeps Yew's prop and dependency checks from comparing 50,000 request records on every
/// render.
#[derive(Debug)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        Self(Rc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// An error about one config field: `field` is its path, `message` the full text
/// (`"field: what is wrong"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field (may be a prefix such as `topology`).
    pub field: String,
    /// What to show.
    pub message: String,
}

/// Everything the page shows, by concern: the settings being edited, the runs and the result
/// on screen, the threshold sweep, the pinned baseline and a crashed worker.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The scenario the form edits and the form's own state.
    pub settings: Settings,
    /// The simulation runs and the result on screen.
    pub run: RunState,
    /// The threshold sweep of the current settings.
    pub sweep: SweepState,
    /// The pinned report and its config, compared with every new result.
    pub baseline: Option<Baseline>,
    /// A worker crashed (a panic traps its wasm): the banner's text.
    pub fatal: Option<String>,
}

/// The settings being edited.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The scenario the form edits, without the loaded trace (see [`Settings::trace`]).
    pub config: Config,
    /// Text of number boxes as typed, by field (absent: show the config's value).
    pub drafts: BTreeMap<Field, String>,
    /// Number boxes whose text does not parse.
    pub bad_inputs: BTreeMap<Field, FieldError>,
    /// Why `config` is invalid, if it is.
    pub invalid: Option<FieldError>,
    /// Whether the last edit was typing (a number box, a slider being dragged): its run waits
    /// for a short pause; every other edit runs at once.
    pub typing: bool,
    /// Counts resets to the defaults (a reset re-runs even an unchanged config).
    pub epoch: u64,
    /// The replayed trace, if one was loaded (its records replace the generated workload).
    pub trace: Option<TraceInfo>,
}

/// The simulation runs: which one is latest, whether it is still going, and what is shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunState {
    /// Id of the latest run started; results of older runs are ignored.
    pub latest: u64,
    /// Whether the latest run has not answered yet.
    pub running: bool,
    /// Whether the latest run has taken long enough to show a progress indicator.
    pub slow: bool,
    /// Id of the run whose report is shown (0: none yet).
    pub shown: u64,
    /// The last report the worker returned for a valid config.
    pub report: Option<Shared<Report>>,
    /// The worker's error for the latest run, if it failed.
    pub error: Option<String>,
}

/// What a threshold sweep runs: the settings' sweep config (see [`sweep_config`]) and the
/// loaded trace, compared by identity.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepKey {
    /// The config, without the trace.
    pub config: Config,
    /// The loaded trace's records, if any.
    pub trace: Option<Shared<Vec<TraceRecord>>>,
}

impl SweepKey {
    /// The config to sweep: the key's, with the trace.
    pub fn to_run(&self) -> Config {
        with_records(&self.config, self.trace.as_ref())
    }
}

/// `config` replaying `records` (a copy: for a run).
pub fn with_records(config: &Config, records: Option<&Shared<Vec<TraceRecord>>>) -> Config {
    let mut config = config.clone();
    config.workload.trace = records.map(|r| r.to_vec());
    config
}

/// The threshold sweep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepState {
    /// The key of the latest sweep asked for (see [`sweep_key`]).
    pub key: Option<SweepKey>,
    /// Its rows, once it answered for `key`.
    pub rows: Option<Rc<Vec<SweepRow>>>,
    /// Its error, if it failed.
    pub error: Option<String>,
}

/// A loaded trace file.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceInfo {
    /// File name.
    pub name: String,
    /// Requests read.
    pub count: usize,
    /// Bad lines: line number (from 1), message.
    pub errors: Vec<(usize, String)>,
    /// The records replayed (`None`: the file was refused). Shared: cloning the state does
    /// not copy them.
    pub records: Option<Shared<Vec<TraceRecord>>>,
    /// What the config's validation said about the records themselves when they were loaded
    /// (`workload.trace...`: more records than `limits.max_requests`, say); checked once.
    pub error: Option<FieldError>,
}

/// A trace file as read: its name, its records and its bad lines (line from 1, message).
type ReadTrace = (String, Vec<TraceRecord>, Vec<(usize, String)>);

/// A record that passes every check of a trace's records: validating a config with it in
/// place of a loaded trace checks everything the trace does not decide.
fn stand_in() -> TraceRecord {
    TraceRecord::new(0.0, 1, 1)
}

/// A pinned result.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    /// Its report.
    pub report: Shared<Report>,
    /// Its config.
    pub config: Config,
}

impl Default for State {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl State {
    /// The state of a fresh page showing `config`.
    pub fn new(config: Config) -> Self {
        Self {
            settings: Settings::new(config),
            run: RunState::default(),
            sweep: SweepState::default(),
            baseline: None,
            fatal: None,
        }
    }

    /// The error to show next to the controls (see [`Settings::error`]).
    pub fn error(&self) -> Option<&FieldError> {
        self.settings.error()
    }

    /// Whether the config may be run.
    pub fn runnable(&self) -> bool {
        self.error().is_none()
    }

    /// Whether the result on screen is not the result of the controls' current values.
    pub fn stale(&self) -> bool {
        self.error().is_some() || self.run.error.is_some()
    }

    /// Whether the first result (or error) has arrived.
    pub fn ready(&self) -> bool {
        self.run.report.is_some() || self.run.error.is_some()
    }
}

impl Settings {
    fn new(mut config: Config) -> Self {
        let records = config.workload.trace.take();
        let mut settings = Self {
            config,
            drafts: BTreeMap::new(),
            bad_inputs: BTreeMap::new(),
            invalid: None,
            typing: false,
            epoch: 0,
            trace: None,
        };
        let config = settings.config.clone();
        settings.set_trace(
            &config,
            records.map(|r| ("the trace".into(), r, Vec::new())),
        );
        settings.invalid = settings.check(&config);
        settings
    }

    /// The error to show next to the controls: a number box that does not parse first, then
    /// the config's validation error.
    pub fn error(&self) -> Option<&FieldError> {
        self.bad_inputs.values().next().or(self.invalid.as_ref())
    }

    /// What a number box shows.
    pub fn text(&self, field: Field) -> String {
        self.drafts
            .get(&field)
            .cloned()
            .unwrap_or_else(|| field.text(&self.config))
    }

    /// The loaded trace's records, if one replays.
    pub fn records(&self) -> Option<&Shared<Vec<TraceRecord>>> {
        self.trace.as_ref().and_then(|t| t.records.as_ref())
    }

    /// The config a run of these settings runs: [`Settings::config`] with the loaded trace's
    /// records (a copy, made once per run).
    pub fn run_config(&self) -> Config {
        with_records(&self.config, self.records())
    }

    /// Why the config (with its trace) is invalid: the trace's records were checked when they
    /// were loaded, so this validates the config with a one-record stand-in for them.
    fn check(&self, config: &Config) -> Option<FieldError> {
        match &self.trace {
            Some(TraceInfo {
                records: Some(_),
                error,
                ..
            }) => {
                let mut stand_in_config = config.clone();
                stand_in_config.workload.trace = Some(vec![stand_in()]);
                check(&stand_in_config).or_else(|| error.clone())
            }
            _ => check(config),
        }
    }

    /// Forgets the typed text of `fields` (their boxes show the config's values again).
    fn forget(&mut self, fields: &[Field]) {
        for field in fields {
            self.drafts.remove(field);
            self.bad_inputs.remove(field);
        }
    }

    fn set_config(&mut self, config: Config, trace_changed: bool) {
        if trace_changed || config != self.config {
            self.invalid = self.check(&config);
            self.config = config;
        }
    }

    /// Replays `records` read from the file `name` (with its bad lines), or stops replaying
    /// (`None`). The records are validated here, once, with the config.
    fn set_trace(&mut self, config: &Config, trace: Option<ReadTrace>) {
        self.trace = trace.map(|(name, records, errors)| {
            let count = records.len();
            let records = (!records.is_empty()).then(|| Shared::new(records));
            let error = records.as_ref().and_then(|r| {
                check(&with_records(config, Some(r)))
                    .filter(|e| e.field.starts_with("workload.trace"))
            });
            TraceInfo {
                name,
                count,
                errors,
                records,
                error,
            }
        });
    }
}

/// The page's state as its components share it: the reducer's handle, which the app provides
/// through a `ContextProvider` (Yew's contexts) so that the form, the model box and the Plan
/// panel read and change it without a prop passed down through every component.
pub type AppState = UseReducerHandle<State>;

/// The page's state, from the app's context (see [`AppState`]).
#[hook]
pub fn use_app_state() -> AppState {
    use_context::<AppState>().expect("the app provides its state to every component")
}

/// Validates a config for the playground.
pub fn check(config: &Config) -> Option<FieldError> {
    pdsim::validate(config).err().map(|err| FieldError {
        field: err.field().to_owned(),
        message: err.to_string(),
    })
}

/// The settings that differ between two configs: `path: old → new`, leaf by leaf, in path
/// order (outputs excluded).
pub fn config_changes(old: &Config, new: &Config) -> Vec<String> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return Vec::new();
    };
    pdsim::changes(&a, &b)
        .into_iter()
        .filter(|c| !c.path.starts_with("output."))
        .map(|c| format!("{}: {} → {}", c.path, c.old, c.new).replace('"', ""))
        .collect()
}

/// Time buckets of the instance timeline.
pub const TIMELINE_BUCKETS: u32 = 120;

/// Largest run whose per-request records (waterfall, CDFs, CSV) the page asks for: beyond
/// this the records' JSON (about 350 bytes a request) takes the page longer to decode than
/// a frame, so big runs come back with summaries only and the page never freezes.
pub const MAX_PER_REQUEST: u64 = 10_000;

/// The config the worker runs: the form's config with the timeline, and per-request records
/// (waterfall, CDFs) up to [`MAX_PER_REQUEST`] requests (none when the config does not bound
/// its requests: a horizon run).
pub fn for_worker(config: &Config) -> Config {
    let mut config = config.clone();
    config.output.per_request = config
        .expected_requests()
        .is_some_and(|n| n <= MAX_PER_REQUEST);
    config.output.timeline_buckets = TIMELINE_BUCKETS;
    config
}

/// The key of the threshold sweep of these settings (see [`sweep_config`]).
pub fn sweep_key(settings: &Settings) -> Option<SweepKey> {
    sweep_config(&settings.config).map(|config| SweepKey {
        config,
        trace: settings.records().cloned(),
    })
}

/// The config the threshold sweep runs, or `None` when the decider has no threshold. The
/// threshold itself is zeroed (the sweep sets it), so moving the threshold does not re-run
/// the sweep; outputs the sweep does not need are off.
pub fn sweep_config(config: &Config) -> Option<Config> {
    if !config.disaggregation.decider.reads_threshold() {
        return None;
    }
    let mut config = config.clone();
    config.disaggregation.threshold_tokens = 0;
    config.output.per_request = false;
    config.output.timeline_buckets = 0;
    Some(config)
}

/// Every change of the state.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Load the scenario preset of that name.
    LoadExample(String),
    /// Replace the whole config (a planner candidate's).
    LoadConfig(Box<Config>),
    /// Pick a model preset.
    SetModel(String),
    /// Use a model given by its architecture or HuggingFace config.
    SetModelSpec(ModelSpec),
    /// Pick a GPU preset.
    SetGpu(String),
    /// Pick the disaggregation decider.
    SetDecider(Decider),
    /// Pick the routing policy.
    SetPolicy(RoutingPolicy),
    /// Pick the prefill pool's routing policy (`None`: same as decode).
    SetPrefillPolicy(Option<RoutingPolicy>),
    /// Pick the arrival process.
    SetArrival(ArrivalProcess),
    /// Pick the kind of a length distribution (by id).
    SetDist(Lengths, String),
    /// Set a new seed.
    NewSeed(u64),
    /// Pin the shown result as the baseline.
    Pin,
    /// Forget the baseline.
    Unpin,
    /// The baseline of the page's link was run: pin it (unless one was pinned meanwhile).
    PinLoaded {
        /// Its config.
        config: Box<Config>,
        /// Its report.
        report: Box<Report>,
    },
    /// Run `n` is still running after the progress delay.
    Slow(u64),
    /// A sweep of this key was asked for.
    SweepStarted(SweepKey),
    /// The sweep of `key` answered.
    SweepFinished {
        /// Its key.
        key: SweepKey,
        /// Its answer.
        result: Box<SweepResult>,
    },
    /// Release the threshold slider (or its keyboard step): runs at once.
    SetThreshold(u32),
    /// Drag the threshold slider: runs after a short pause.
    DragThreshold(u32),
    /// A worker crashed, with this message.
    Fatal(String),
    /// Back to the default settings (after a crash).
    Reset,
    /// Replay the JSON Lines trace of this file.
    LoadTrace {
        /// File name.
        name: String,
        /// Its text.
        text: String,
    },
    /// Stop replaying the trace.
    RemoveTrace,
    /// Pick a link preset by id.
    SetLink(String),
    /// Toggle link contention.
    SetContention(bool),
    /// What a finished prefill does when its decode instance has no KV room: wait or drop.
    SetReservation(ReservationPolicy),
    /// When a decode instance takes in a transferred prompt's KV: beside its steps or in one.
    SetReceive(KvReceive),
    /// Speculative decoding's proposer, or off (`None`).
    SetSpeculation(Option<pdsim::config::SpecMethod>),
    /// How each instance composes a step: mixed or prefill-first.
    SetScheduler(Scheduler),
    /// The first KV offload tier's kind, or no tiers (`None`).
    SetKvTier(Option<KvTier>),
    /// Text typed into a number box.
    Text(Field, String),
    /// Rebuild the layout on the same GPUs: all unified (`aggregated`) or split into prefill
    /// and decode pools.
    SameGpus {
        /// Aggregated (unified instances, decider never) or disaggregated.
        aggregated: bool,
    },
    /// The app started run `n`.
    Started(u64),
    /// Run `run` answered.
    Finished {
        /// Which run.
        run: u64,
        /// Its answer (boxed: a report is large).
        result: Box<SimResult>,
    },
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        let mut config = state.settings.config.clone();
        // Whether this action loads or removes a trace (the config is then re-validated even
        // when it is the same).
        let mut trace_changed = false;
        let settings = &mut state.settings;
        match &action {
            Action::Text(..) | Action::DragThreshold(_) => settings.typing = true,
            Action::Slow(_)
            | Action::SweepStarted(_)
            | Action::SweepFinished { .. }
            | Action::Started(_)
            | Action::Finished { .. }
            | Action::Fatal(_)
            | Action::Pin
            | Action::Unpin
            | Action::PinLoaded { .. } => {}
            _ => settings.typing = false,
        }
        match action {
            Action::Fatal(message) => state.fatal = Some(message),
            Action::Reset => {
                let mut fresh = State::new(Config::default());
                fresh.settings.epoch = settings.epoch + 1;
                fresh.run.latest = state.run.latest;
                return Rc::new(fresh);
            }
            Action::LoadTrace { name, text } => {
                // Block-hash lines count their blocks in the config's block size.
                let (records, errors) = pdsim::workload::parse_trace_jsonl_blocks(
                    &text,
                    config.workload.trace_block_tokens,
                );
                let errors = errors.into_iter().map(|e| (e.line, e.message)).collect();
                settings.set_trace(&config, Some((name, records, errors)));
                trace_changed = true;
            }
            Action::RemoveTrace => {
                settings.set_trace(&config, None);
                trace_changed = true;
            }
            Action::LoadExample(name) => {
                if let Some(example) = examples().iter().find(|e| e.name == name) {
                    config = example.config.clone();
                    settings.trace = None;
                    trace_changed = true;
                    settings.drafts.clear();
                    settings.bad_inputs.clear();
                }
            }
            Action::LoadConfig(loaded) => {
                config = *loaded;
                // A planner candidate of a traced config replays the same trace.
                let records = config.workload.trace.take();
                let name = settings.trace.as_ref().map(|t| t.name.clone());
                settings.set_trace(
                    &config,
                    records.map(|r| (name.unwrap_or_else(|| "the trace".into()), r, Vec::new())),
                );
                trace_changed = true;
                settings.drafts.clear();
                settings.bad_inputs.clear();
            }
            Action::SetModel(id) => config.model = ModelSpec::Preset(id),
            Action::SetModelSpec(spec) => config.model = spec,
            Action::SetGpu(id) => config.hardware = HardwareSpec::Preset(id),
            Action::SetDecider(decider) => config.disaggregation.decider = decider,
            Action::SetPolicy(policy) => config.routing.policy = policy,
            Action::SetThreshold(tokens) | Action::DragThreshold(tokens) => {
                config.disaggregation.threshold_tokens = tokens.min(MAX_THRESHOLD);
                settings.forget(&[Field::Threshold]);
            }
            Action::SetLink(id) => {
                if let Some(link) = LINKS.iter().find(|l| l.id == id) {
                    config.kv_transfer.bandwidth_gb_per_s = link.bandwidth_gb_per_s;
                    config.kv_transfer.base_latency_ms = link.base_latency_ms;
                    settings.forget(&[Field::Bandwidth, Field::Latency]);
                }
            }
            Action::SetContention(on) => config.kv_transfer.contention = on,
            Action::SetReservation(policy) => config.kv_transfer.reservation = policy,
            Action::SetReceive(receive) => config.kv_transfer.receive = receive,
            Action::SetSpeculation(method) => {
                crate::form::set_speculation(&mut config, method);
                settings.forget(&[Field::SpecTokens, Field::SpecAcceptance]);
            }
            Action::SetScheduler(scheduler) => config.engine.scheduler = scheduler,
            Action::SetKvTier(tier) => {
                crate::form::set_kv_tier(&mut config, tier);
                settings.forget(&[Field::KvCapacity, Field::KvBandwidth, Field::KvLatency]);
            }
            Action::SetPrefillPolicy(policy) => config.routing.prefill_policy = policy,
            Action::SetArrival(process) => config.workload.arrival.process = process,
            Action::SetDist(which, id) => {
                if let Some(kind) = pdsim::config::DistKind::from_id(&id) {
                    let dist = switch_dist(which.of(&config), kind);
                    *which.of_mut(&mut config) = dist;
                    settings.forget(
                        &[
                            Param::Value,
                            Param::Min,
                            Param::Max,
                            Param::Mean,
                            Param::Std,
                        ]
                        .map(|param| Field::Len(which, param)),
                    );
                }
            }
            Action::NewSeed(seed) => {
                config.seed = seed;
                settings.forget(&[Field::Seed]);
            }
            Action::Pin => {
                if let Some(report) = &state.run.report {
                    state.baseline = Some(Baseline {
                        report: report.clone(),
                        config: settings.config.clone(),
                    });
                }
            }
            Action::Unpin => state.baseline = None,
            Action::PinLoaded { config, report } => {
                if state.baseline.is_some() {
                    return self;
                }
                state.baseline = Some(Baseline {
                    report: Shared::new(*report),
                    config: *config,
                });
            }
            Action::SameGpus { aggregated } => {
                same_gpus(&mut config, aggregated);
                settings.forget(&Role::IN_ORDER.map(Field::Instances));
                settings.forget(&Role::IN_ORDER.map(Field::Tp));
            }
            Action::Slow(run) => {
                if run == state.run.latest && state.run.running {
                    state.run.slow = true;
                } else {
                    return self;
                }
            }
            Action::SweepStarted(key) => {
                state.sweep = SweepState {
                    key: Some(key),
                    rows: None,
                    error: None,
                };
            }
            Action::SweepFinished { key, result } => {
                if state.sweep.key.as_ref() != Some(&key) {
                    return self;
                }
                match *result {
                    Ok(rows) => state.sweep.rows = Some(Rc::new(rows)),
                    Err(err) => state.sweep.error = Some(err),
                }
            }
            Action::Text(field, text) => {
                match field.apply(&mut config, &text) {
                    Ok(()) => {
                        settings.bad_inputs.remove(&field);
                    }
                    Err(message) => {
                        let path = field.path();
                        settings.bad_inputs.insert(
                            field,
                            FieldError {
                                message: format!("{path}: {message}"),
                                field: path,
                            },
                        );
                    }
                }
                settings.drafts.insert(field, text);
            }
            Action::Started(run) => {
                state.run.latest = run;
                state.run.running = true;
                state.run.slow = false;
            }
            Action::Finished { run, result } => {
                let runs = &mut state.run;
                if run != runs.latest {
                    return self; // an older run: a newer edit superseded it
                }
                runs.running = false;
                runs.slow = false;
                match *result {
                    Ok(report) => {
                        runs.report = Some(Shared::new(report));
                        runs.shown = run;
                        runs.error = None;
                    }
                    Err(err) => runs.error = Some(err),
                }
            }
        }
        state.settings.set_config(config, trace_changed);
        Rc::new(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{example_id, link_id, total_gpus};
    use pdsim::config::LengthDist;

    fn reduce(state: State, action: Action) -> State {
        (*Rc::new(state).reduce(action)).clone()
    }

    #[test]
    fn big_runs_come_back_without_per_request_records() {
        let mut config = Config::default();
        assert!(for_worker(&config).output.per_request);
        config.workload.requests = Some(MAX_PER_REQUEST + 1);
        assert!(!for_worker(&config).output.per_request);
        config.workload.requests = None;
        config.workload.horizon_s = Some(10.0);
        assert!(
            !for_worker(&config).output.per_request,
            "a horizon run has no known size"
        );
    }

    #[test]
    fn a_number_box_that_does_not_parse_names_its_field_and_keeps_the_text() {
        let state = reduce(State::default(), Action::Text(Field::Rate, "4x".into()));
        let err = state.error().cloned().unwrap_or_else(|| panic!("no error"));
        assert_eq!(err.field, "workload.arrival.rate_per_s");
        assert!(err
            .message
            .starts_with("workload.arrival.rate_per_s: must be a number"));
        assert_eq!(state.settings.text(Field::Rate), "4x");
        assert_eq!(
            state.settings.config,
            Config::default(),
            "the config keeps its last value"
        );
        assert!(state.stale() && !state.runnable());

        let state = reduce(state, Action::Text(Field::Rate, "12.5".into()));
        assert_eq!(state.settings.config.workload.arrival.rate_per_s, 12.5);
        assert!(state.error().is_none() && state.runnable());
    }

    #[test]
    fn validation_errors_come_from_pdsim() {
        let state = reduce(
            State::default(),
            Action::Text(Field::Instances(Role::Decode), "0".into()),
        );
        let err = state.error().cloned().unwrap_or_else(|| panic!("no error"));
        assert_eq!(err.field, "topology");
        assert!(err.message.contains("topology.decode.instances"));
    }

    /// The step overheads, the frontend latency and the KV receive mode: their controls edit
    /// the config, a share link carrying them loads into the same boxes and select, and an
    /// out-of-range value is refused by pdsim's validation, naming the field.
    #[test]
    fn overheads_frontend_latency_and_kv_receive_edit_and_round_trip() {
        let mut state = State::default();
        for (field, text) in [
            (Field::StepOverhead, "0.45"),
            (Field::SeqOverhead, "0.077"),
            (Field::FrontendLatency, "12.5"),
        ] {
            state = reduce(state, Action::Text(field, text.into()));
        }
        let state = reduce(state, Action::SetReceive(KvReceive::InStep));
        let config = &state.settings.config;
        assert_eq!(config.engine.step_overhead_ms, 0.45);
        assert_eq!(config.engine.step_overhead_per_seq_ms, 0.077);
        assert_eq!(config.routing.frontend_latency_ms, 12.5);
        assert_eq!(config.kv_transfer.receive, KvReceive::InStep);
        assert!(state.error().is_none() && state.runnable());

        let c = crate::url::encode_config(config).unwrap_or_default();
        let (loaded, note, _) = crate::url::read(&format!("#v=1&c={c}"));
        assert_eq!(note, None);
        assert_eq!(&loaded, config);
        let shown = State::new(loaded);
        assert_eq!(shown.settings.text(Field::SeqOverhead), "0.077");
        assert_eq!(shown.settings.text(Field::FrontendLatency), "12.5");
        assert_eq!(shown.settings.text(Field::StepOverhead), "0.45");
        assert_eq!(shown.settings.config.kv_transfer.receive.id(), "in-step");

        let back = reduce(shown, Action::SetReceive(KvReceive::BesideSteps));
        assert_eq!(
            crate::url::encode_config(&back.settings.config)
                .map(|c| pdsim::base64url_decode(&c).unwrap_or_default())
                .map(|json| String::from_utf8_lossy(&json).contains("receive")),
            Some(false),
            "the default receive mode is left out of the link"
        );
        for (field, text, path) in [
            (Field::SeqOverhead, "150", "engine.step_overhead_per_seq_ms"),
            (Field::FrontendLatency, "-1", "routing.frontend_latency_ms"),
        ] {
            let bad = reduce(back.clone(), Action::Text(field, text.into()));
            let err = bad.error().cloned().unwrap_or_else(|| panic!("no error"));
            assert_eq!(err.field, path);
            assert!(!bad.runnable());
        }
    }

    #[test]
    fn slider_and_box_share_the_threshold() {
        let state = reduce(
            State::default(),
            Action::Text(Field::Threshold, "9000".into()),
        );
        assert!(state.error().is_some(), "above the playground's range");
        let state = reduce(state, Action::SetThreshold(1024));
        assert_eq!(state.settings.config.disaggregation.threshold_tokens, 1024);
        assert_eq!(state.settings.text(Field::Threshold), "1024");
        assert!(state.error().is_none());
    }

    #[test]
    fn presets_and_links_replace_the_config() {
        let state = reduce(
            State::default(),
            Action::LoadExample("long-prompts-agg".into()),
        );
        assert_eq!(example_id(&state.settings.config), "long-prompts-agg");
        assert!(state.settings.config.topology.unified.instances > 0);
        assert_eq!(state.settings.config.topology.prefill.instances, 0);
        let state = reduce(state, Action::SetLink("ib-400g".into()));
        assert_eq!(link_id(&state.settings.config), "ib-400g");
        assert_eq!(state.settings.config.kv_transfer.bandwidth_gb_per_s, 45.0);
        assert_eq!(example_id(&state.settings.config), "custom");
        assert!(examples().iter().all(|e| !e.benchmark));
    }

    #[test]
    fn only_the_latest_run_is_shown() {
        let state = reduce(State::default(), Action::Started(1));
        let state = reduce(state, Action::Started(2));
        let old = reduce(
            state.clone(),
            Action::Finished {
                run: 1,
                result: Box::new(Err("old".into())),
            },
        );
        assert_eq!(old, state, "run 1 was superseded");
        let new = reduce(
            state,
            Action::Finished {
                run: 2,
                result: Box::new(Err("boom".into())),
            },
        );
        assert_eq!(new.run.error.as_deref(), Some("boom"));
        assert!(!new.run.running && new.ready() && new.stale());
    }

    #[test]
    fn new_fields_parse_and_empty_means_none() {
        let state = reduce(State::default(), Action::Text(Field::SloTtft, "250".into()));
        assert_eq!(state.settings.config.slo.ttft_ms, Some(250.0));
        let state = reduce(state, Action::Text(Field::SloTtft, String::new()));
        assert_eq!(state.settings.config.slo.ttft_ms, None);
        assert!(state.error().is_none());
        let state = reduce(state, Action::Text(Field::Seed, "-1".into()));
        assert_eq!(state.error().map(|e| e.field.as_str()), Some("seed"));
        let state = reduce(state, Action::NewSeed(7));
        assert_eq!(state.settings.config.seed, 7);
        assert!(state.error().is_none(), "a new seed replaces the bad text");
        let state = reduce(
            state,
            Action::SetPrefillPolicy(Some(RoutingPolicy::RoundRobin)),
        );
        assert_eq!(
            state.settings.config.routing.prefill_policy,
            Some(RoutingPolicy::RoundRobin)
        );
    }

    #[test]
    fn switching_a_distribution_keeps_its_mean() {
        let state = reduce(
            State::default(),
            Action::SetDist(Lengths::Input, "constant".into()),
        );
        assert_eq!(
            state.settings.config.workload.input_tokens,
            LengthDist::Constant { value: 1024 }
        );
        assert_eq!(
            state
                .settings
                .text(Field::Len(Lengths::Input, Param::Value)),
            "1024"
        );
        let state = reduce(
            state,
            Action::Text(Field::Len(Lengths::Input, Param::Value), "2000".into()),
        );
        let state = reduce(state, Action::SetDist(Lengths::Input, "uniform".into()));
        assert_eq!(
            state.settings.config.workload.input_tokens,
            LengthDist::Uniform {
                min: 1000,
                max: 3000
            }
        );
        let state = reduce(state, Action::SetDist(Lengths::Output, "normal".into()));
        assert_eq!(
            state.settings.text(Field::Len(Lengths::Output, Param::Max)),
            ""
        );
        assert!(state.error().is_none());
    }

    #[test]
    fn pin_keeps_the_shown_report_and_the_sweep_ignores_the_threshold() {
        let report = pdsim::run(&for_worker(&Config::default()));
        let report = report.unwrap_or_else(|e| panic!("{e}"));
        assert!(!report.requests.is_empty() && !report.timeline.instances.is_empty());
        let state = reduce(State::default(), Action::Started(1));
        let state = reduce(
            state,
            Action::Finished {
                run: 1,
                result: Box::new(Ok(report)),
            },
        );
        assert_eq!(state.run.shown, 1);
        let state = reduce(state, Action::Pin);
        assert!(state.baseline.is_some());
        assert!(reduce(state, Action::Unpin).baseline.is_none());

        let config = Config::default();
        let mut moved = config.clone();
        moved.disaggregation.threshold_tokens = 4096;
        assert_eq!(sweep_config(&config), sweep_config(&moved));
        assert!(sweep_config(&config).is_some());
        moved.disaggregation.decider = Decider::Always;
        assert_eq!(sweep_config(&moved), None);
        assert_eq!(
            config_changes(&config, &moved),
            vec![
                "disaggregation.decider: prefix-threshold → always".to_owned(),
                "disaggregation.threshold_tokens: 512 → 4096".to_owned(),
            ]
        );
    }

    #[test]
    fn same_gpus_rebuilds_the_layout_on_the_same_gpus() {
        // 2 prefill + 2 decode at TP 2 = 8 GPUs -> 4 unified at TP 2, decider never.
        let mut config = Config::default();
        config.topology.prefill.tp = 2;
        config.topology.decode.tp = 2;
        assert_eq!(total_gpus(&config), 8);
        let state = reduce(State::new(config), Action::SameGpus { aggregated: true });
        let t = &state.settings.config.topology;
        assert_eq!((t.unified.instances, t.unified.tp), (4, 2));
        assert_eq!((t.prefill.instances, t.decode.instances), (0, 0));
        assert_eq!(state.settings.config.disaggregation.decider, Decider::Never);
        assert_eq!(total_gpus(&state.settings.config), 8);
        assert!(state.error().is_none());
        // And back: 2 prefill + 2 decode at TP 2, decider always.
        let state = reduce(state, Action::SameGpus { aggregated: false });
        let t = &state.settings.config.topology;
        assert_eq!((t.prefill.instances, t.prefill.tp), (2, 2));
        assert_eq!((t.decode.instances, t.decode.tp), (2, 2));
        assert_eq!(t.unified.instances, 0);
        assert_eq!(
            state.settings.config.disaggregation.decider,
            Decider::Always
        );
        assert!(state.error().is_none());
        // 3 GPUs at TP 2 leave one out; 1 GPU cannot be split and stays at 1 + 1 (TP 1).
        let mut odd = Config::default();
        odd.topology.prefill.instances = 0;
        odd.topology.decode.instances = 3;
        same_gpus(&mut odd, false);
        assert_eq!(
            (
                odd.topology.prefill.instances,
                odd.topology.decode.instances
            ),
            (1, 2)
        );
    }

    #[test]
    fn engine_knobs_parse_into_their_fields() {
        let state = reduce(
            State::default(),
            Action::Text(Field::ChunkTokens, "512".into()),
        );
        assert_eq!(state.settings.config.engine.max_num_batched_tokens, 512);
        let state = reduce(state, Action::Text(Field::MaxSeqs, "64".into()));
        assert_eq!(state.settings.config.engine.max_num_seqs, 64);
        let state = reduce(state, Action::Text(Field::GpuMemory, "0.8".into()));
        assert_eq!(state.settings.config.engine.gpu_memory_utilization, 0.8);
        let state = reduce(state, Action::Text(Field::MaxPrefillQueue, "3".into()));
        assert_eq!(state.settings.config.disaggregation.max_prefill_queue, 3);
        assert!(state.error().is_none());
        // A chunk smaller than the batch is refused by pdsim's validation, naming the field.
        let state = reduce(state, Action::Text(Field::ChunkTokens, "32".into()));
        assert_eq!(
            state.error().map(|e| e.field.as_str()),
            Some("engine.max_num_batched_tokens")
        );
    }

    #[test]
    fn typing_waits_discrete_edits_run_at_once() {
        let state = reduce(State::default(), Action::Text(Field::Rate, "12".into()));
        assert!(state.settings.typing);
        let state = reduce(state, Action::Started(1));
        assert!(
            state.settings.typing,
            "bookkeeping keeps the kind of the last edit"
        );
        let state = reduce(state, Action::SetDecider(Decider::Always));
        assert!(!state.settings.typing);
        let state = reduce(state, Action::DragThreshold(1024));
        assert!(state.settings.typing);
        let state = reduce(state, Action::SetThreshold(1024));
        assert!(!state.settings.typing);
    }

    #[test]
    fn an_edit_neither_copies_nor_re_checks_a_loaded_trace() {
        let text: String = (0..1000)
            .map(|i| {
                format!("{{\"arrival_ms\": {i}, \"input_tokens\": 100, \"output_tokens\": 10}}\n")
            })
            .collect();
        let mut state = reduce(
            State::default(),
            Action::LoadTrace {
                name: "t.jsonl".into(),
                text,
            },
        );
        let records = state
            .settings
            .records()
            .cloned()
            .unwrap_or_else(|| panic!("no records"));
        assert!(state.runnable());
        // Records no load would accept (no output): an edit that re-checked them would refuse
        // the config; one that uses the loaded check does not.
        let mut broken = records.to_vec();
        broken[500].output_tokens = 0;
        let broken = Shared::new(broken);
        if let Some(trace) = state.settings.trace.as_mut() {
            trace.records = Some(broken.clone());
        }
        for action in [
            Action::Text(Field::Rate, "7".into()),
            Action::SetDecider(Decider::Always),
            Action::Started(1),
        ] {
            state = reduce(state, action);
            let kept = state
                .settings
                .records()
                .unwrap_or_else(|| panic!("trace lost"));
            assert!(kept == &broken, "the records are shared, not copied");
            assert!(state.runnable(), "{:?}", state.error());
        }
        // Everything else is still checked with the trace: a workload with sessions cannot
        // replay one.
        let mut config = state.settings.config.clone();
        config.workload.sessions = Some(Default::default());
        let state = reduce(state, Action::LoadConfig(Box::new(config)));
        assert_eq!(
            state.settings.records(),
            None,
            "a loaded config has no trace"
        );
        let loaded = reduce(
            State::default(),
            Action::LoadTrace {
                name: "t.jsonl".into(),
                text: "{\"arrival_ms\": 0, \"input_tokens\": 10, \"output_tokens\": 2}".into(),
            },
        );
        let mut config = loaded.settings.run_config();
        config.workload.sessions = Some(Default::default());
        let state = reduce(loaded, Action::LoadConfig(Box::new(config)));
        assert!(
            state.settings.records().is_some(),
            "a candidate keeps its trace"
        );
        assert_eq!(
            state.error().map(|e| e.field.as_str()),
            Some("workload.sessions")
        );
    }

    #[test]
    fn traces_load_their_good_lines_and_reset_clears_everything() {
        let text = "{\"arrival_ms\": 0, \"input_tokens\": 10, \"output_tokens\": 2}\nnot json\n\n\
                    {\"arrival_ms\": 5, \"input_tokens\": 20, \"output_tokens\": 3}\n";
        let state = reduce(
            State::default(),
            Action::LoadTrace {
                name: "t.jsonl".into(),
                text: text.into(),
            },
        );
        let trace = state
            .settings
            .trace
            .clone()
            .unwrap_or_else(|| panic!("no trace"));
        // A file with a bad line is refused whole, naming the line (as the CLI does).
        assert_eq!(trace.count, 0);
        assert_eq!(trace.errors.len(), 1);
        assert_eq!(trace.errors[0].0, 2);
        assert_eq!(state.settings.config.workload.trace, None);
        let state = reduce(
            state,
            Action::LoadTrace {
                name: "t.jsonl".into(),
                text: text.replace("not json\n", ""),
            },
        );
        assert_eq!(state.settings.records().map(|r| r.len()), Some(2));
        assert_eq!(
            state.settings.config.workload.trace, None,
            "kept beside the config"
        );
        assert_eq!(
            state
                .settings
                .run_config()
                .workload
                .trace
                .as_ref()
                .map(Vec::len),
            Some(2)
        );
        assert!(state.runnable());
        let state = reduce(state, Action::Fatal("boom".into()));
        assert_eq!(state.fatal.as_deref(), Some("boom"));
        let state = reduce(state, Action::Reset);
        assert_eq!(state.settings.config, Config::default());
        assert!(
            state.fatal.is_none() && state.settings.trace.is_none() && state.run.report.is_none()
        );
        assert_eq!(state.settings.epoch, 1);
    }
}
