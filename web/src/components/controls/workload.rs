//! The "Workload" section: arrivals, lengths, shared prefixes, a replayed trace and the seed.

use pdsim::config::{ArrivalProcess, DistKind};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::widgets::{select, select_value, NumberBox, Select};
use crate::form::{self, Field, Lengths, Param};
use crate::state::{use_app_state, Action, AppState};

/// A random seed from the browser's generator (`None` if it fails).
fn random_seed() -> Option<u64> {
    let mut bytes = [0_u8; 4];
    getrandom::getrandom(&mut bytes).ok()?;
    Some(u64::from(u32::from_le_bytes(bytes)))
}

/// The arrival processes: id, text.
/// How the arrival select shows each process.
fn arrival_text(process: ArrivalProcess) -> &'static str {
    match process {
        ArrivalProcess::Poisson => "Poisson",
        ArrivalProcess::Constant => "constant",
        ArrivalProcess::Gamma => "gamma (bursty)",
    }
}

/// A length distribution: kind select and its parameters.
fn lengths(state: &AppState, which: Lengths) -> Html {
    let (id, label) = match which {
        Lengths::Input => ("input", "Prompt length"),
        Lengths::Output => ("output", "Output length"),
    };
    let dist = which.of(&state.settings.config);
    let onchange = {
        let state = state.clone();
        Callback::from(move |e: Event| state.dispatch(Action::SetDist(which, select_value(&e))))
    };
    let options: Vec<(String, String)> = DistKind::ALL
        .iter()
        .map(|d| (d.id().to_owned(), d.id().to_owned()))
        .collect();
    let params = form::dist_params(dist).iter().map(|&param| {
        let optional = matches!(param, Param::Min | Param::Max)
            && matches!(dist.kind(), DistKind::Normal | DistKind::Lognormal);
        NumberBox {
            id: format!("{id}-{}", param.id()),
            label: match param {
                Param::Value => "Value".into(),
                Param::Min => "Min".into(),
                Param::Max => "Max".into(),
                Param::Mean => "Mean".into(),
                Param::Std => "Std dev".into(),
            },
            unit: "tokens",
            title: format!(
                "{} of the {} distribution, in tokens{}",
                param.id(),
                label.to_ascii_lowercase(),
                if optional { " (empty: no bound)" } else { "" }
            ),
            field: Field::Len(which, param),
            min: "0",
            max: None,
            step: "any",
        }
        .view(state)
    });
    html! {
        <div class="dist" role="group" aria-label={label}>
            <Select id={if id == "input" { "input-dist" } else { "output-dist" }}
                    label={if id == "input" { "Prompt length (tokens)" } else { "Output length (tokens)" }}
                    title="Distribution of the lengths, in tokens"
                    {options} selected={dist.kind().id().to_owned()} {onchange} />
            <div class="pair">{ for params }</div>
        </div>
    }
}

/// The workload section.
pub(super) fn group(state: &AppState) -> Html {
    let config = &state.settings.config;
    let on_select = |make: fn(String) -> Option<Action>| super::widgets::on_select(state, make);
    let arrivals = ArrivalProcess::ALL
        .iter()
        .map(|p| (p.id().to_owned(), arrival_text(*p).to_owned()))
        .collect();
    let arrival = config.workload.arrival.process.id();
    let new_seed = {
        let state = state.clone();
        Callback::from(move |_| {
            if let Some(seed) = random_seed() {
                state.dispatch(Action::NewSeed(seed));
            }
        })
    };
    html! {
            <fieldset id="group-workload">
                <legend>{ "Workload" }</legend>
                <div class="pair">
                    { NumberBox { id: "rate".into(), label: "Arrival rate".into(), unit: "req/s",
                        title: "Mean request arrival rate, in requests per second".into(),
                        field: Field::Rate, min: "0", max: None, step: "any" }.view(state) }
                    { NumberBox { id: "requests".into(), label: "Requests".into(), unit: "count",
                        title: format!("Number of simulated requests (at most {} here)", form::MAX_REQUESTS),
                        field: Field::Requests, min: "1", max: Some("50000"), step: "1" }.view(state) }
                </div>
                <div class="pair">
                    { select("arrival", "Arrival process",
                        "How arrival times are spread: Poisson (random, CV 1), constant (evenly spaced), gamma (CV set beside)",
                        arrivals, arrival,
                        on_select(|v| ArrivalProcess::from_id(&v).map(Action::SetArrival))) }
                    { NumberBox { id: "cv".into(), label: "Burstiness CV".into(), unit: "gamma only",
                        title: "Coefficient of variation of the gaps between arrivals (gamma process only; 1 = Poisson, higher = burstier)".into(),
                        field: Field::Cv, min: "0", max: None, step: "any" }.view(state) }
                </div>
                { lengths(state, Lengths::Input) }
                { lengths(state, Lengths::Output) }
                <div class="triple">
                    { NumberBox { id: "prefix-groups".into(), label: "Prefix groups".into(), unit: "count",
                        title: "Number of distinct shared prefixes (e.g. system prompts); 0 = none".into(),
                        field: Field::PrefixGroups, min: "0", max: None, step: "1" }.view(state) }
                    { NumberBox { id: "prefix-tokens".into(), label: "Shared".into(), unit: "tokens",
                        title: "Length of each shared prefix, in tokens".into(),
                        field: Field::PrefixTokens, min: "0", max: None, step: "1" }.view(state) }
                    { NumberBox { id: "prefix-fraction".into(), label: "Fraction".into(), unit: "0–1",
                        title: "Share of requests that start with a shared prefix, from 0 to 1".into(),
                        field: Field::PrefixFraction, min: "0", max: Some("1"), step: "0.05" }.view(state) }
                </div>
                <div class="pair">
                    { NumberBox { id: "system-tokens".into(), label: "System prompt".into(), unit: "tokens",
                        title: "Tokens every request starts with (one system prompt shared by all), before its group's shared prefix: nested sharing. 0 = none".into(),
                        field: Field::SystemTokens, min: "0", max: None, step: "1" }.view(state) }
                </div>
                <TraceInput />
                <div class="seed-row">
                    { NumberBox { id: "seed".into(), label: "Seed".into(), unit: "",
                        title: "Seed of the random workload: the same seed gives the same requests".into(),
                        field: Field::Seed, min: "0", max: None, step: "1" }.view(state) }
                    <button type="button" id="new-seed" onclick={new_seed}
                            title="Draw a new random seed (another sample of the same workload)">{ "New seed" }</button>
                </div>
            </fieldset>
    }
}

/// The trace picker and drop zone of the workload group.
#[function_component(TraceInput)]
fn trace_input() -> Html {
    let state = &use_app_state();
    // The reader of the file being read (dropping it cancels the read).
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let dragging = use_state(|| false);
    let load = {
        let state = state.clone();
        move |file: web_sys::File| {
            let name = file.name();
            let state = state.clone();
            let file = gloo::file::File::from(file);
            *reader.borrow_mut() =
                Some(gloo::file::callbacks::read_as_text(
                    &file,
                    move |text| match text {
                        Ok(text) => state.dispatch(Action::LoadTrace { name, text }),
                        Err(err) => gloo::console::warn!(format!("cannot read {name}: {err}")),
                    },
                ));
        }
    };
    let onchange = {
        let load = load.clone();
        Callback::from(move |e: Event| {
            let input = e.target_dyn_into::<HtmlInputElement>();
            if let Some(file) = input
                .as_ref()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            {
                load(file);
            }
            if let Some(input) = input {
                input.set_value("");
            }
        })
    };
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let ondrop = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            if let Some(file) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                load(file);
            }
        })
    };
    let remove = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::RemoveTrace))
    };
    html! {
        <div id="trace-drop" class={classes!("trace", dragging.then_some("dragging"))}
             {ondragover} {ondragleave} {ondrop}>
            <label for="trace-file">{ "Replay a trace (JSON Lines)" }</label>
            <input type="file" id="trace-file" accept=".jsonl,.ndjson,.json,.txt"
                   title="One request per line: {\"arrival_ms\": 0, \"input_tokens\": 2048, \"output_tokens\": 128}"
                   {onchange} />
            <p class="help">{ "…or drop the file here. Its requests replace the generated workload." }</p>
            if let Some(trace) = &state.settings.trace {
                <p id="trace-status" role="status">
                    { if trace.errors.is_empty() {
                        format!("trace: {} requests", trace.count)
                    } else {
                        // As the CLI does: a file with a bad line is refused whole.
                        format!("trace refused: {} bad line(s), fix them and load it again", trace.errors.len())
                    } }
                    { " " }
                    <button type="button" id="remove-trace" onclick={remove}>{ "remove trace" }</button>
                </p>
                <p class="help">
                    { format!("Replaying {}: its arrivals and lengths replace the rate, request count and \
                       length settings. The trace is not part of the page's link.", trace.name) }
                </p>
                if !trace.errors.is_empty() {
                    <ul id="trace-errors" class="error">
                        { for trace.errors.iter().take(20).map(|(line, message)| html! {
                            <li>{ format!("line {line}: {message}") }</li>
                        }) }
                        if trace.errors.len() > 20 {
                            <li>{ format!("… and {} more", trace.errors.len() - 20) }</li>
                        }
                    </ul>
                }
            }
        </div>
    }
}
