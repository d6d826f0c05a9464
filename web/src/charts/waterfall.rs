//! The waterfall of one request: its five TTFT phases as horizontal segments on a time axis
//! (ms from its arrival), one row per phase, each starting where the previous one ended.

use pdsim::report::{RequestRecord, Role};
use pdsim::Report;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::state::Shared;

use super::breakdown::{css, PHASES};
use super::{use_window_width, Surface, FONT};
use crate::components::controls::input_value;
use crate::format;

/// Which request the waterfall shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The largest TTFT.
    Slowest,
    /// The request at this percentile of TTFT (nearest rank).
    Percentile(u32),
    /// The request with this id.
    Id(u64),
}

impl Pick {
    /// The pick of its URL text (`p90`, `slowest`, `#12` or `12`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text
            .trim()
            .trim_start_matches("%23")
            .trim_start_matches('#');
        match text {
            "slowest" => Some(Self::Slowest),
            _ => match text.strip_prefix('p') {
                Some(p) => p
                    .parse()
                    .ok()
                    .filter(|p| (1..=100).contains(p))
                    .map(Self::Percentile),
                None => text.parse().ok().map(Self::Id),
            },
        }
    }

    /// Its text in the URL.
    pub fn url_text(self) -> String {
        match self {
            Self::Id(id) => id.to_string(),
            other => other.label(),
        }
    }

    /// Text of the pick's button.
    pub fn label(self) -> String {
        match self {
            Self::Slowest => "slowest".into(),
            Self::Percentile(p) => format!("p{p}"),
            Self::Id(id) => format!("#{id}"),
        }
    }
}

/// The window event that asks the waterfall to show one request (its `detail` is the id).
const SHOW_REQUEST: &str = "pdsim-show-request";

/// Shows request `id` in the waterfall (the request-flow view calls it on a click).
pub fn show_request(id: u64) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&wasm_bindgen::JsValue::from_f64(id as f64));
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(SHOW_REQUEST, &init) {
        gloo::utils::window().dispatch_event(&event).ok();
    }
}

/// The request `pick` names among `requests`: by rank of TTFT among those that got a first
/// token, or by id.
pub fn pick(requests: &[RequestRecord], pick: Pick) -> Option<&RequestRecord> {
    if let Pick::Id(id) = pick {
        return requests.iter().find(|r| r.id == id);
    }
    let mut timed: Vec<(f64, &RequestRecord)> = requests
        .iter()
        .filter_map(|r| r.ttft_ms.map(|t| (t, r)))
        .collect();
    pdsim::stable_sort_by(&mut timed, |a, b| {
        a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id))
    });
    let n = timed.len();
    if n == 0 {
        return None;
    }
    let index = match pick {
        Pick::Slowest => n - 1,
        Pick::Percentile(p) => pdsim::report::nearest_rank(u64::from(p), n as u64) as usize - 1,
        Pick::Id(_) => 0,
    };
    timed.get(index.min(n - 1)).map(|(_, r)| *r)
}

/// What the chart draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The five phases, in ms, in order.
    pub phases: [f64; 5],
}

impl Data {
    /// Of a request with a breakdown.
    pub fn of(request: &RequestRecord) -> Option<Self> {
        request.breakdown_ms.as_ref().map(|b| Self {
            phases: b.named().map(|(_, v)| *v),
        })
    }

    /// Time to first token: the sum of the phases.
    pub fn ttft(&self) -> f64 {
        self.phases.iter().sum()
    }
}

/// Height of the canvas, in CSS pixels.
const HEIGHT: u32 = 230;

/// Draws the waterfall of `data` on `canvas`.
pub fn draw(canvas: HtmlCanvasElement, data: &Data) -> Result<(), String> {
    let surface = Surface::new(canvas, HEIGHT)?;
    let font = surface.font();
    let ttft = data.ttft();
    let x_max = if ttft > 0.0 {
        ttft * if surface.narrow { 1.45 } else { 1.25 }
    } else {
        1.0
    };
    let n = 5_i32;
    // Ticks in the unit the page's duration rule gives the request's TTFT.
    let (divisor, unit) = format::axis_unit(ttft);
    let mut chart = ChartBuilder::on(&surface.root)
        .margin(surface.px(8.0))
        .margin_right(surface.px(12.0))
        .x_label_area_size(surface.px(40.0))
        .y_label_area_size(surface.px(if surface.narrow { 84.0 } else { 100.0 }))
        .build_cartesian_2d(0.0..x_max, (0..n - 1).into_segmented())
        .map_err(|e| e.to_string())?;
    let y_label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(y) => usize::try_from(n - 1 - y)
            .ok()
            .and_then(|i| PHASES.get(i))
            .map_or_else(String::new, |p| p.1.to_owned()),
        _ => String::new(),
    };
    super::draw_time_mesh(
        &mut chart,
        surface.narrow,
        format!("time since arrival ({unit})"),
        (divisor, x_max),
        font,
        &y_label,
    )?;

    let mut start = 0.0;
    for (index, (value, (_, _, color))) in data.phases.iter().zip(PHASES).enumerate() {
        let y = n - 1 - i32::try_from(index).unwrap_or(0);
        let end = start + value;
        // A zero-length phase is a thin tick, so the row never looks missing by mistake.
        let shown_end = if *value > 0.0 {
            end
        } else {
            start + x_max * 0.003
        };
        let mut bar = Rectangle::new(
            [
                (start, SegmentValue::Exact(y)),
                (shown_end, SegmentValue::Exact(y + 1)),
            ],
            color.filled(),
        );
        bar.set_margin(surface.px(6.0), surface.px(6.0), 0, 0);
        chart
            .draw_series(std::iter::once(bar))
            .map_err(|e| e.to_string())?;
        let style = TextStyle::from((FONT, font).into_font())
            .pos(Pos::new(HPos::Left, VPos::Center))
            .color(&BLACK);
        chart
            .draw_series(std::iter::once(Text::new(
                format::duration(*value),
                (shown_end + x_max * 0.01, SegmentValue::CenterOf(y)),
                style,
            )))
            .map_err(|e| e.to_string())?;
        start = end;
    }
    // The first token.
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![
                (ttft, SegmentValue::Exact(0)),
                (ttft, SegmentValue::Exact(n)),
            ],
            BLACK.stroke_width(surface.px(1.0)),
        )))
        .map_err(|e| e.to_string())?;
    surface.root.present().map_err(|e| e.to_string())
}

/// Properties of [`Waterfall`].
#[derive(Properties, PartialEq)]
pub struct WaterfallProps {
    /// The report shown.
    pub report: Shared<Report>,
}

fn role_of(report: &Report, instance: u32) -> &'static str {
    report
        .instances
        .iter()
        .find(|i| i.id == instance)
        .map_or("?", |i| match i.role {
            Role::Prefill => "prefill",
            Role::Decode => "decode",
            Role::Unified => "unified",
        })
}

/// The picker, the chart and the request's details.
#[function_component(Waterfall)]
pub fn waterfall(props: &WaterfallProps) -> Html {
    let choice = use_state(|| {
        crate::url::view()
            .pick
            .as_deref()
            .and_then(Pick::parse)
            .unwrap_or(Pick::Percentile(90))
    });
    // A click on a request elsewhere (the request-flow view) picks it here.
    {
        let choice = choice.clone();
        use_effect_with((), move |()| {
            let listener =
                gloo::events::EventListener::new(&gloo::utils::window(), SHOW_REQUEST, move |e| {
                    let id = e
                        .dyn_ref::<web_sys::CustomEvent>()
                        .and_then(|c| c.detail().as_f64())
                        .filter(|id| *id >= 0.0);
                    if let Some(id) = id {
                        choice.set(Pick::Id(id as u64));
                    }
                });
            move || drop(listener)
        });
    }
    // The pick lives in the URL (`w=`); the default is left out.
    use_effect_with(*choice, |choice| {
        let text = (*choice != Pick::Percentile(90)).then(|| choice.url_text());
        if text.is_some() || crate::url::current().get("w").is_some() {
            crate::url::write("w", text);
        }
    });
    let canvas = use_node_ref();
    let width = use_window_width();
    let report = &props.report;
    // Sorting 50,000 requests by TTFT once per report and pick, not once per render.
    let picked = use_memo((props.report.clone(), *choice), |(report, choice)| {
        pick(&report.requests, *choice).cloned()
    });
    let request = picked.as_ref().as_ref();
    let data = request.and_then(Data::of);
    {
        let canvas = canvas.clone();
        use_effect_with((data.clone(), width), move |(data, _)| {
            if let (Some(element), Some(data)) = (canvas.cast::<HtmlCanvasElement>(), data) {
                if let Err(err) = draw(element, data) {
                    gloo::console::warn!(format!("cannot draw the waterfall: {err}"));
                }
            }
        });
    }

    let buttons = [
        Pick::Slowest,
        Pick::Percentile(50),
        Pick::Percentile(90),
        Pick::Percentile(99),
    ]
    .into_iter()
    .map(|p| {
        let choice = choice.clone();
        let pressed = *choice == p;
        let label = p.label();
        html! {
            <button type="button" id={format!("pick-{label}")} aria-pressed={pressed.to_string()}
                    onclick={Callback::from(move |_| choice.set(p))}
                    title={match p {
                        Pick::Slowest => "The request with the largest time to first token".to_owned(),
                        _ => format!("The request at the {label} of time to first token"),
                    }}>
                { label.clone() }
            </button>
        }
    });
    let on_id = {
        let choice = choice.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(id) = input_value(&e).trim().parse::<u64>() {
                choice.set(Pick::Id(id));
            }
        })
    };
    let id_value = match (*choice, request) {
        (Pick::Id(id), _) => id.to_string(),
        (_, Some(r)) => r.id.to_string(),
        _ => String::new(),
    };
    let max_id = report.requests.len().saturating_sub(1).to_string();

    let details = match (request, &data) {
        (None, _) if report.requests.is_empty() => {
            html! { <p class="help" id="waterfall-summary">{ format!(
                "No per-request records: the playground keeps them for runs of up to {} requests.",
                crate::state::MAX_PER_REQUEST
            ) }</p> }
        }
        (None, _) => html! {
            <p class="help" id="waterfall-summary">{ format!("There is no request {}.", choice.label()) }</p>
        },
        (Some(r), None) => html! {
            <p class="help" id="waterfall-summary">
                { format!("Request #{} never got a first token ({:?}).", r.id, r.status) }
            </p>
        },
        (Some(r), Some(data)) => {
            let where_ = if r.disaggregated {
                format!(
                    "disaggregated: prefill on instance {} ({}), KV transferred to decode instance {} ({})",
                    r.prefill_instance,
                    role_of(report, r.prefill_instance),
                    r.decode_instance,
                    role_of(report, r.decode_instance)
                )
            } else {
                format!(
                    "served locally: prefill and decode on instance {} ({})",
                    r.decode_instance,
                    role_of(report, r.decode_instance)
                )
            };
            let phases = PHASES.iter().zip(data.phases).map(|((id, label, color), v)| {
                html! {
                    <li data-phase={*id} data-value={v.to_string()} title={super::breakdown::definition(id)}>
                        <span class="swatch" style={format!("background:{}", css(*color))}></span>
                        { format!("{label} {}", format::duration(v)) }
                    </li>
                }
            });
            html! {
                <>
                    <p id="waterfall-summary" data-request={r.id.to_string()}
                       data-disaggregated={r.disaggregated.to_string()}>
                        <strong>{ format!("Request #{} ({})", r.id, choice.label()) }</strong>
                        { format!(
                            ": TTFT {}; {} input tokens, {} of them cached; {} output tokens; {}.",
                            format::duration(data.ttft()),
                            r.input_tokens,
                            r.cached_tokens,
                            r.output_tokens,
                            where_
                        ) }
                    </p>
                    <ul class="legend" id="waterfall-phases" aria-label="Phases of this request">{ for phases }</ul>
                </>
            }
        }
    };
    let description = match (request, &data) {
        (Some(r), Some(d)) => format!(
            "Waterfall of request {}: {}; first token at {} after arrival.",
            r.id,
            PHASES
                .iter()
                .zip(d.phases)
                .map(|((_, label, _), v)| format!("{label} {}", format::duration(v)))
                .collect::<Vec<_>>()
                .join(", "),
            format::duration(d.ttft())
        ),
        _ => "No request to show.".into(),
    };

    html! {
        <figure class="chart waterfall">
            <figcaption>
                <h2>{ "Request waterfall" }</h2>
                <p class="help">
                    { "One request's way to its first token: each phase starts where the previous \
                       one ended; the black line is the first token." }
                </p>
            </figcaption>
            <div class="picker" role="group" aria-label="Which request">
                { for buttons }
                <label for="request-id">{ "Request id" }</label>
                <input type="number" id="request-id" min="0" max={max_id} step="1"
                       value={id_value} oninput={on_id} />
            </div>
            if data.is_some() {
                <super::PngButton canvas="waterfall-chart" />
                <canvas ref={canvas} id="waterfall-chart" role="img" aria-label={description}
                        height={HEIGHT.to_string()}></canvas>
            }
            { details }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdsim::report::RequestStatus;

    fn record(id: u64, ttft: Option<f64>) -> RequestRecord {
        RequestRecord {
            id,
            status: RequestStatus::Completed,
            input_tokens: 10,
            output_tokens: 10,
            ttft_ms: ttft,
            ..RequestRecord::default()
        }
    }

    #[test]
    fn picks_by_ttft_rank_or_id() {
        let requests: Vec<RequestRecord> = (0..10)
            .map(|i| record(i, Some(100.0 - i as f64)))
            .chain(std::iter::once(record(10, None)))
            .collect();
        let id = |p| pick(&requests, p).map(|r| r.id);
        assert_eq!(id(Pick::Slowest), Some(0));
        assert_eq!(id(Pick::Percentile(50)), Some(5), "rank 5 of 10: ttft 95");
        assert_eq!(id(Pick::Percentile(90)), Some(1));
        assert_eq!(id(Pick::Percentile(99)), Some(0));
        assert_eq!(id(Pick::Id(10)), Some(10));
        assert_eq!(id(Pick::Id(11)), None);
        assert_eq!(pick(&[], Pick::Slowest), None);
    }
}
