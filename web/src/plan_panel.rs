//! The Plan panel: for a GPU budget and latency targets, search the layouts of the current
//! scenario (aggregated at each TP, disaggregated splits, deciders) for the highest rate each
//! sustains. The candidates are listed on the page (pure and fast) and evaluated in a pool of
//! Web Workers sized to the machine's cores; results show as they come (progress, a growing
//! frontier chart, a ranked table with units); Cancel stops the pool; Load puts a candidate's
//! runnable config into the playground. The budget and targets live in the URL (`plan=`).

use std::collections::BTreeMap;

use pdsim::plan::{Objective, PlanInputs, PlanRequest, Targets};
use pdsim::Config;
use pdsim_web::{PanelPlan, PanelRow};
use yew::prelude::*;

use crate::format;
use crate::hooks::plan_search::use_plan_search;
use crate::state::{use_app_state, Action};
use crate::url;

/// The panel's settings (what `plan=` holds: `gpus,ttft_ms,tpot_ms,attainment,kinds`).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSettings {
    /// GPU budget.
    pub gpus: u32,
    /// TTFT limit, in ms.
    pub ttft_ms: f64,
    /// TPOT limit, in ms.
    pub tpot_ms: f64,
    /// Share of requests that must meet both.
    pub attainment: f64,
    /// Consider aggregated layouts.
    pub aggregated: bool,
    /// Consider disaggregated layouts.
    pub disaggregated: bool,
    /// Requests of every run: enough that a run at the rate found is a steady state, not
    /// a burst (the planner warns when they are too few).
    pub requests: u32,
    /// What "best" means.
    pub objective: Objective,
    /// Rate to carry, in req/s (objective `gpus`).
    pub rate_per_s: f64,
}

impl Default for PlanSettings {
    fn default() -> Self {
        Self {
            gpus: 8,
            ttft_ms: 500.0,
            tpot_ms: 25.0,
            attainment: 0.9,
            aggregated: true,
            disaggregated: true,
            requests: 2000,
            objective: Objective::Rate,
            rate_per_s: 10.0,
        }
    }
}

/// The numeric inputs of the panel: (input id, the request field its checks name, label,
/// unit, tooltip).
const FIELDS: [(&str, &str, &str, &str, &str); 6] = [
    ("plan-gpus", "gpus", "GPU budget", "(GPUs)", "Most GPUs a layout may use"),
    ("plan-ttft", "targets.ttft_ms", "TTFT limit", "(ms)", "Time to first token a request must meet"),
    ("plan-tpot", "targets.tpot_ms", "TPOT limit", "(ms)", "Mean gap between a request's output tokens"),
    (
        "plan-attainment",
        "targets.attainment",
        "Attainment",
        "(0-1)",
        "Share of requests that must meet both limits; a dropped request misses",
    ),
    (
        "plan-requests",
        "workload.requests",
        "Requests per run",
        "(count)",
        "Requests of every run of the search: enough that the rate found is a steady state's, not a burst's",
    ),
    (
        "plan-rate",
        "targets.rate_per_s",
        "Rate to carry",
        "(req/s)",
        "Objective 'fewest GPUs': the arrival rate a layout must carry within the targets",
    ),
];

/// What each numeric input holds as typed (a wrong value stays in the field, refused with
/// its message, instead of being replaced by the last good one).
pub type Drafts = BTreeMap<&'static str, String>;

/// The inputs as typed (`None`: a text that is not a number), as the shared validator takes
/// them.
fn typed(drafts: &Drafts, objective: Objective) -> Result<PlanInputs, (&'static str, String)> {
    let number = |field: &'static str| -> Result<f64, (&'static str, String)> {
        let text = drafts.get(field).map_or("", String::as_str).trim();
        crate::number::parse_f64(text)
            .ok_or_else(|| (field, format!("must be a number, got '{text}'")))
    };
    Ok(PlanInputs {
        gpus: number("gpus")?,
        ttft_ms: Some(number("targets.ttft_ms")?),
        tpot_ms: Some(number("targets.tpot_ms")?),
        attainment: number("targets.attainment")?,
        requests: Some(number("workload.requests")?),
        rate_per_s: match objective {
            Objective::Gpus => Some(number("targets.rate_per_s")?),
            _ => None,
        },
    })
}

/// Each refused input's message, by request field: the core's shared validator
/// ([`pdsim::plan::check_inputs`], the one `pdsim plan` runs on its flags), so the page and
/// the CLI refuse the same input with the same words. Every field is checked on its own,
/// so all wrong ones show at once; the rate to carry only for objective `gpus`.
pub fn field_errors(drafts: &Drafts, objective: Objective) -> BTreeMap<&'static str, String> {
    let mut errors = BTreeMap::new();
    for (_, field, ..) in FIELDS {
        // Every other field at a value that passes, so only this one can be refused.
        let mut one: Drafts = PlanSettings::default().drafts();
        one.insert(field, drafts.get(field).cloned().unwrap_or_default());
        let checked = typed(&one, objective).and_then(|i| {
            pdsim::plan::check_inputs(&i).map_err(|e| {
                let text = e.to_string();
                let message = text
                    .strip_prefix(&format!("{}: ", e.field()))
                    .unwrap_or(&text)
                    .to_string();
                (field, message)
            })
        });
        if let Err((_, message)) = checked {
            errors.insert(field, message);
        }
    }
    errors
}

impl PlanSettings {
    /// The numeric inputs' texts.
    pub fn drafts(&self) -> Drafts {
        Drafts::from([
            ("gpus", self.gpus.to_string()),
            ("targets.ttft_ms", self.ttft_ms.to_string()),
            ("targets.tpot_ms", self.tpot_ms.to_string()),
            ("targets.attainment", self.attainment.to_string()),
            ("workload.requests", self.requests.to_string()),
            ("targets.rate_per_s", self.rate_per_s.to_string()),
        ])
    }

    /// The settings of typed inputs that pass every check (`None` otherwise).
    pub fn with_drafts(&self, drafts: &Drafts) -> Option<Self> {
        let i = typed(drafts, self.objective).ok()?;
        pdsim::plan::check_inputs(&i).ok()?;
        Some(Self {
            gpus: i.gpus as u32,
            ttft_ms: i.ttft_ms?,
            tpot_ms: i.tpot_ms?,
            attainment: i.attainment,
            requests: i.requests? as u32,
            rate_per_s: i.rate_per_s.unwrap_or(self.rate_per_s),
            ..self.clone()
        })
    }

    /// Its `plan=` text.
    pub fn url_text(&self) -> String {
        let kinds = match (self.aggregated, self.disaggregated) {
            (true, true) => "both",
            (true, false) => "agg",
            (false, true) => "disagg",
            (false, false) => "none",
        };
        format!(
            "{}_{}_{}_{}_{kinds}_{}_{}_{}",
            self.gpus,
            self.ttft_ms,
            self.tpot_ms,
            self.attainment,
            self.requests,
            self.objective.id(),
            self.rate_per_s
        )
    }

    /// The settings of a `plan=` text (`None` when damaged).
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split('_').collect();
        let (gpus, ttft, tpot, attainment, kinds, requests, objective, rate) = match parts[..] {
            [g, t, p, a, k] => (g, t, p, a, k, "2000", "rate", "10"),
            [g, t, p, a, k, r] => (g, t, p, a, k, r, "rate", "10"),
            [g, t, p, a, k, r, o, q] => (g, t, p, a, k, r, o, q),
            _ => return None,
        };
        let parsed = Self {
            gpus: gpus.parse().ok()?,
            ttft_ms: crate::number::parse_f64(ttft)?,
            tpot_ms: crate::number::parse_f64(tpot)?,
            attainment: crate::number::parse_f64(attainment)?,
            aggregated: matches!(kinds, "both" | "agg"),
            disaggregated: matches!(kinds, "both" | "disagg"),
            requests: requests.parse().ok().filter(|r| *r > 0)?,
            objective: Objective::from_id(objective)?,
            rate_per_s: crate::number::parse_f64(rate)?,
        };
        // A damaged or hand-edited URL gets the defaults, not values the planner refuses.
        parsed.with_drafts(&parsed.drafts())
    }

    /// The planner's request for `config`.
    pub fn request(&self, config: &Config) -> PlanRequest {
        let mut config = config.clone();
        config.workload.requests = Some(u64::from(self.requests));
        let mut request = PlanRequest::new(config, self.gpus);
        request.targets = Targets {
            ttft_ms: Some(self.ttft_ms),
            tpot_ms: Some(self.tpot_ms),
            attainment: self.attainment,
            rate_per_s: None,
        };
        request.space.aggregated = self.aggregated;
        request.space.disaggregated = self.disaggregated;
        request.objective = self.objective;
        if self.objective == Objective::Gpus {
            request.targets.rate_per_s = Some(self.rate_per_s);
        }
        request
    }
}

/// The Plan panel.
#[function_component(PlanPanel)]
pub fn plan_panel() -> Html {
    // The page's state: its config is planned; Load replaces it.
    let state = use_app_state();
    let settings = use_state(|| {
        url::current()
            .get("plan")
            .and_then(PlanSettings::parse)
            .unwrap_or_default()
    });
    let search = use_plan_search();
    let drafts = {
        let settings = settings.clone();
        use_state(move || settings.drafts())
    };
    let errors = field_errors(&drafts, settings.objective);

    {
        let text = settings.url_text();
        use_effect_with(text, |text| url::write("plan", Some(text.clone())));
    }

    let start = {
        let settings = settings.clone();
        let drafts = drafts.clone();
        let start = search.start.clone();
        let state = state.clone();
        // Only inputs that pass the shared checks start a search; a refused one keeps its
        // message beside it (never a silent plan with the previous values). The config (with
        // a loaded trace) is copied at the click, not at every render.
        Callback::from(move |_: MouseEvent| {
            if let Some(checked) = settings.with_drafts(&drafts) {
                start.emit(checked.request(&state.settings.run_config()));
            }
        })
    };
    let cancel = search.cancel.reform(|_: MouseEvent| ());

    let number = |index: usize| {
        let (id, field, label, unit, title) = FIELDS[index];
        let settings = settings.clone();
        let drafts_state = drafts.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut next = (*drafts_state).clone();
            next.insert(field, crate::components::controls::input_value(&e));
            if let Some(good) = settings.with_drafts(&next) {
                settings.set(good);
            }
            drafts_state.set(next);
        });
        let value = drafts.get(field).cloned().unwrap_or_default();
        let error = errors.get(field).cloned();
        let error_id = format!("{id}-error");
        html! {
            <label class={classes!("plan-field", error.is_some().then_some("invalid"))} for={id} {title}>
                { label } <span class="unit">{ unit }</span>
                <input type="number" {id} {value} step="any" {oninput}
                       aria-invalid={error.is_some().to_string()}
                       aria-describedby={error.is_some().then(|| error_id.clone())} />
                if let Some(message) = error {
                    <span class="field-error" id={error_id} role="alert">{ message }</span>
                }
            </label>
        }
    };
    let objective = {
        let current = settings.objective;
        let settings = settings.clone();
        let onchange = Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            if let Some(o) = Objective::from_id(&value) {
                let mut next = (*settings).clone();
                next.objective = o;
                settings.set(next);
            }
        });
        let option = |o: Objective, text: &'static str| {
            html! { <option value={o.id()} selected={current == o}>{ text }</option> }
        };
        html! {
            <label class="plan-field" for="plan-objective" title="What the best layout is best at">
                { "Objective" }
                <select id="plan-objective" {onchange}>
                    { option(Objective::Rate, "most req/s per GPU") }
                    { option(Objective::Gpus, "fewest GPUs for a rate") }
                    { option(Objective::Cost, "lowest $ per M output tokens") }
                </select>
            </label>
        }
    };
    let kind = |id: &'static str,
                label: &'static str,
                checked: bool,
                set: fn(&mut PlanSettings, bool)| {
        let settings = settings.clone();
        let onchange = Callback::from(move |e: Event| {
            let on = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .is_some_and(|i| i.checked());
            let mut next = (*settings).clone();
            set(&mut next, on);
            settings.set(next);
        });
        html! {
            <label class="check" for={id}><input type="checkbox" {id} {checked} {onchange} />{ label }</label>
        }
    };

    // The plan so far: ranked, best and frontier, from the results in.
    let p = &*search.progress;
    let load = |config_json: String| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            if let Ok(config) = serde_json::from_str::<Config>(&config_json) {
                state.dispatch(Action::LoadConfig(Box::new(config)));
            }
        })
    };
    let summary = p.plan.as_ref();
    let rows = summary.map(|plan| {
        plan.rows
            .iter()
            .take(40)
            .enumerate()
            .map(|(rank, c)| {
                html! {
                    <tr class={classes!(c.meets.then_some("meets"), c.frontier.then_some("frontier"))}
                        data-candidate={c.id.to_string()}>
                        <td data-label="rank">{ if c.meets { (rank + 1).to_string() } else { "–".into() } }</td>
                        <th scope="row">{ c.label.clone() }</th>
                        <td data-label="GPUs">{ c.gpus }</td>
                        <td data-label="rate per GPU">{ format!("{} req/s", format::grouped(c.rate_per_gpu, 2)) }</td>
                        <td data-label="output per GPU">{ format!("{} tok/s", format::grouped(c.output_per_gpu, 0)) }</td>
                        <td data-label="$ per M output tokens" class="plan-cost">
                            { c.usd_per_m_output_tokens.map_or("–".into(), |d| format!("${d:.3}")) }</td>
                        <td data-label="p90 TTFT">{ format::duration(c.ttft_p90_ms) }</td>
                        <td data-label="p90 TPOT">{ format::duration(c.tpot_p90_ms) }</td>
                        <td data-label="bound by">{ c.bound.clone() }</td>
                        <td><button type="button" class="plan-load" onclick={load(c.config_json.clone())}
                                    title="Put this layout, at the rate found, into the playground">{ "Load" }</button></td>
                    </tr>
                }
            })
            .collect::<Html>()
    });
    let chart = summary.map(frontier_chart);
    let best = summary.filter(|plan| plan.has_best).and_then(|plan| plan.rows.first()).map(|b| {
        html! {
            <p id="plan-best" class="plan-best">
                { "Best so far: " }<strong>{ b.label.clone() }</strong>
                { format!(", {} req/s per GPU ({} req/s on {} GPUs) with {}% of requests within {} TTFT and {} TPOT.",
                    format::grouped(b.rate_per_gpu, 2), format::grouped(b.rate_per_s, 1), b.gpus,
                    format::grouped(b.attainment * 100.0, 0), format::duration(settings.ttft_ms), format::duration(settings.tpot_ms)) }
            </p>
        }
    });
    let s = &*settings;
    html! {
        <details class="plan-panel chart" id="plan-panel" open={url::current().get("plan").is_some()}>
            <summary><h2>{ "Plan: how should I split my GPUs?" }</h2></summary>
            <p class="help">
                { "For this model, GPU and workload, try every layout within a GPU budget (aggregated at \
                   each TP, prefill/decode splits, deciders) and find the highest arrival rate each meets \
                   the targets at. Runs in the background on all your cores; the same search as pdsim plan." }
            </p>
            <div class="plan-settings">
                { objective }
                { number(0) }
                { number(1) }
                { number(2) }
                { number(3) }
                { number(4) }
                if s.objective == Objective::Gpus {
                    { number(5) }
                }
                { kind("plan-agg", "aggregated", s.aggregated, |s, v| s.aggregated = v) }
                { kind("plan-disagg", "disaggregated", s.disaggregated, |s, v| s.disaggregated = v) }
                if p.running {
                    <button type="button" id="plan-cancel" onclick={cancel}>{ "Cancel" }</button>
                } else {
                    <button type="button" id="plan-start" onclick={start} disabled={!errors.is_empty()}>{ "Plan" }</button>
                }
            </div>
            if let Some(e) = &p.error {
                <p class="field-error" role="alert" id="plan-error">{ e.clone() }</p>
            }
            if p.total > 0 {
                <p id="plan-progress" role="status" data-done={p.results.len().to_string()} data-total={p.total.to_string()}>
                    { format!("{} of {} layouts evaluated{}", p.results.len(), p.total,
                        if p.cancelled { " (cancelled)" } else if p.running { "…" } else { "" }) }
                </p>
            }
            if let Some(plan) = summary {
                { for plan.warnings.iter().map(|w| html! { <p class="plan-warning" role="note">{ format!("Warning: {w}") }</p> }) }
            }
            { for best }
            { for chart }
            if let Some(rows) = rows {
                <div class="table-scroll">
                    <table class="plan-table" id="plan-table">
                        <thead><tr>
                            <th>{ "rank" }</th><th>{ "layout" }</th><th>{ "GPUs" }</th><th>{ "rate per GPU" }</th>
                            <th>{ "output per GPU" }</th><th>{ "$ per M output tokens" }</th><th>{ "p90 TTFT" }</th><th>{ "p90 TPOT" }</th>
                            <th>{ "bound by" }</th><th></th>
                        </tr></thead>
                        <tbody>{ rows }</tbody>
                    </table>
                </div>
            }
        </details>
    }
}

/// Rate per GPU against p90 TTFT, every candidate a dot, the frontier joined by a line.
fn frontier_chart(plan: &PanelPlan) -> Html {
    let (w, h, pad) = (640.0_f64, 240.0_f64, 44.0_f64);
    let points: Vec<(u32, f64, f64, bool)> = plan
        .rows
        .iter()
        .filter(|c: &&PanelRow| c.meets)
        .map(|c| (c.id, c.ttft_p90_ms, c.rate_per_gpu, c.frontier))
        .collect();
    if points.is_empty() {
        return html! { <p class="help" id="plan-frontier-empty">{ "No layout meets the targets yet." }</p> };
    }
    let x_max = points.iter().map(|p| p.1).fold(1e-9, f64::max) * 1.1;
    let y_max = points.iter().map(|p| p.2).fold(1e-9, f64::max) * 1.1;
    let x = |v: f64| pad + (w - 2.0 * pad) * v / x_max;
    let y = |v: f64| h - pad + (-(h - 2.0 * pad)) * v / y_max;
    let mut frontier: Vec<&(u32, f64, f64, bool)> = points.iter().filter(|p| p.3).collect();
    pdsim::stable_sort_by(&mut frontier, |a, b| a.1.total_cmp(&b.1));
    let path = frontier
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                x(p.1),
                y(p.2)
            )
        })
        .collect::<String>();
    let label = format!(
        "{} layouts meet the targets; the frontier (highest rate per GPU for its p90 TTFT): {}",
        points.len(),
        frontier
            .iter()
            .map(|p| format!(
                "{} req/s per GPU at {}",
                format::grouped(p.2, 2),
                format::duration(p.1)
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    html! {
        <figure class="plan-frontier">
            <svg id="plan-frontier" viewBox={format!("0 0 {w} {h}")} role="img" aria-label={label}
                 data-points={points.len().to_string()} data-frontier={frontier.len().to_string()}>
                <line x1={pad.to_string()} y1={(h - pad).to_string()} x2={(w - pad).to_string()} y2={(h - pad).to_string()} stroke="#8a8f98" />
                <line x1={pad.to_string()} y1={pad.to_string()} x2={pad.to_string()} y2={(h - pad).to_string()} stroke="#8a8f98" />
                <text x={(w / 2.0).to_string()} y={(h - 8.0).to_string()} text-anchor="middle" font-size="12">
                    { format!("p90 TTFT (0 to {})", format::duration(x_max)) }
                </text>
                <text x="12" y={(pad - 10.0).to_string()} font-size="12">
                    { format!("rate per GPU (up to {} req/s)", format::grouped(y_max, 2)) }
                </text>
                <path d={path} fill="none" stroke="#0072b2" stroke-width="2" />
                { for points.iter().map(|p| html! {
                    <circle cx={format!("{:.1}", x(p.1))} cy={format!("{:.1}", y(p.2))} r={if p.3 { "5" } else { "3" }}
                            fill={if p.3 { "#0072b2" } else { "#9a9a9a" }} />
                }) }
            </svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_url_and_make_the_request() {
        let s = PlanSettings {
            gpus: 16,
            ttft_ms: 300.0,
            tpot_ms: 10.5,
            attainment: 0.95,
            aggregated: false,
            disaggregated: true,
            requests: 3000,
            objective: Objective::Cost,
            rate_per_s: 12.5,
        };
        assert_eq!(PlanSettings::parse(&s.url_text()), Some(s.clone()));
        assert_eq!(
            PlanSettings::parse("8_500_25_0.9_both").map(|p| p.requests),
            Some(2000)
        );
        assert_eq!(PlanSettings::parse("8_x_1_1_both"), None);
        let r = s.request(&Config::default());
        assert_eq!(
            (r.gpus, r.targets.ttft_ms, r.targets.tpot_ms),
            (16, Some(300.0), Some(10.5))
        );
        assert!(!r.space.aggregated && r.space.disaggregated);
        assert!(!pdsim::plan::candidates(&r).unwrap().is_empty());
        assert_eq!(r.objective, Objective::Cost);
        // A URL with values the planner refuses is not taken.
        assert_eq!(PlanSettings::parse("0_500_25_0.9_both_2000_rate_10"), None);
        assert_eq!(PlanSettings::parse("8_500_25_1.5_both_2000_rate_10"), None);
    }

    /// What `pdsim plan` prints for a refused flag, after `error: --flag: `: the same
    /// words the panel shows beside the field (crates/pdsim-cli/tests/plan.rs checks the
    /// CLI side of each).
    #[test]
    fn refused_inputs_show_the_cli_messages_beside_their_fields() {
        let cases = [
            (
                "gpus",
                "0",
                "must be a whole number of GPUs between 1 and 4096, got 0",
            ),
            (
                "gpus",
                "-3",
                "must be a whole number of GPUs between 1 and 4096, got -3",
            ),
            (
                "targets.ttft_ms",
                "-5",
                "must be a finite number > 0 ms, got -5",
            ),
            (
                "targets.tpot_ms",
                "0",
                "must be a finite number > 0 ms, got 0",
            ),
            ("targets.attainment", "1.5", "must be in (0, 1], got 1.5"),
            (
                "workload.requests",
                "0",
                "must be a whole number of requests between 1 and 10000000, got 0",
            ),
            ("gpus", "", "must be a number, got ''"),
        ];
        let good = PlanSettings::default();
        assert!(field_errors(&good.drafts(), Objective::Rate).is_empty());
        for (field, text, message) in cases {
            let mut drafts = good.drafts();
            drafts.insert(field, text.into());
            let errors = field_errors(&drafts, Objective::Rate);
            assert_eq!(errors.len(), 1, "{field} = {text}: {errors:?}");
            assert_eq!(errors.get(field).map(String::as_str), Some(message));
            // Nothing to plan with: not the previous values, not a clamped one.
            assert_eq!(good.with_drafts(&drafts), None);
        }
        // The rate to carry counts only for the fewest-GPUs objective.
        let mut drafts = good.drafts();
        drafts.insert("targets.rate_per_s", "-1".into());
        assert!(field_errors(&drafts, Objective::Rate).is_empty());
        assert_eq!(
            field_errors(&drafts, Objective::Gpus)
                .get("targets.rate_per_s")
                .map(String::as_str),
            Some("must be a finite number > 0 req/s, got -1")
        );
    }
}
