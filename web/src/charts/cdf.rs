//! Cumulative distributions of TTFT and TPOT over the requests: x in ms, y the share of
//! requests at or below x; the pinned baseline's curve dashed grey.

use std::rc::Rc;

use pdsim::report::RequestRecord;
use pdsim::Report;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::state::Shared;

use super::{use_window_width, Surface, BASELINE, FONT, GRID};
use crate::format;

/// Most points drawn per curve (larger samples are thinned evenly by rank).
const MAX_POINTS: usize = 400;
/// Height of each canvas, in CSS pixels.
const HEIGHT: u32 = 220;
/// Colour of the current curve.
const CURRENT: RGBColor = RGBColor(0x00, 0x72, 0xB2);

/// What one panel draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// Axis title, with unit.
    pub axis: &'static str,
    /// The sample, sorted ascending.
    pub values: Vec<f64>,
    /// The baseline's sample, sorted ascending.
    pub baseline: Option<Vec<f64>>,
}

/// The sorted values of `field` over the requests that have one.
pub fn sorted(requests: &[RequestRecord], field: fn(&RequestRecord) -> Option<f64>) -> Vec<f64> {
    let mut values: Vec<f64> = requests.iter().filter_map(field).collect();
    pdsim::stable_sort_by(&mut values, f64::total_cmp);
    values
}

/// The value at percentile `p` of sorted `values` (nearest rank), 0 for none.
pub fn percentile(values: &[f64], p: usize) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let rank = pdsim::report::nearest_rank(p as u64, n as u64).min(n as u64) as usize;
    values.get(rank - 1).copied().unwrap_or_default()
}

/// The step curve of sorted `values`: (value, share of values <= it), thinned.
pub fn curve(values: &[f64]) -> Vec<(f64, f64)> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let steps = n.min(MAX_POINTS);
    let mut points = vec![(values.first().copied().unwrap_or_default(), 0.0)];
    for k in 1..=steps {
        let index = (k * n).div_ceil(steps) - 1;
        let x = values.get(index).copied().unwrap_or_default();
        let y = (index + 1) as f64 / n as f64;
        // A vertical then horizontal step.
        if let Some(&(_, last_y)) = points.last() {
            points.push((x, last_y));
        }
        points.push((x, y));
    }
    points
}

/// Draws one CDF panel.
pub fn draw(canvas: HtmlCanvasElement, data: &Data) -> Result<(), String> {
    let surface = Surface::new(canvas, HEIGHT)?;
    let font = surface.font();
    let top = data.values.last().copied().unwrap_or_default().max(
        data.baseline
            .as_ref()
            .and_then(|b| b.last().copied())
            .unwrap_or_default(),
    );
    let low = data.values.first().copied().unwrap_or_default().min(
        data.baseline
            .as_ref()
            .and_then(|b| b.first().copied())
            .unwrap_or(f64::MAX),
    );
    let x_max = if top > 0.0 { top * 1.05 } else { 1.0 };
    // Ticks in the unit the page's duration rule gives the largest value.
    let (divisor, unit) = format::axis_unit(top);
    // A narrow sample (e.g. TPOT, all within a few ms) is zoomed in: the axis starts just
    // below its smallest value instead of at 0.
    let x_min = if low > 0.3 * top {
        (low - (top - low) * 0.15).max(0.0)
    } else {
        0.0
    };
    let mut chart = ChartBuilder::on(&surface.root)
        .margin(surface.px(8.0))
        .margin_right(surface.px(14.0))
        .x_label_area_size(surface.px(40.0))
        .y_label_area_size(surface.px(48.0))
        .build_cartesian_2d(x_min..x_max, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_labels(if surface.narrow { 5 } else { 8 })
        .y_labels(6)
        .x_desc(format!("{} ({unit})", data.axis))
        .y_desc("share of requests")
        .x_label_formatter(&|x| format::tick(*x / divisor, (x_max - x_min) / divisor))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .max_light_lines(1)
        .label_style((FONT, font))
        .axis_desc_style((FONT, font))
        .light_line_style(GRID)
        .draw()
        .map_err(|e| e.to_string())?;
    if let Some(baseline) = &data.baseline {
        chart
            .draw_series(DashedLineSeries::new(
                curve(baseline),
                surface.px(5.0),
                surface.px(4.0),
                BASELINE.stroke_width(surface.px(1.5)),
            ))
            .map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(LineSeries::new(
            curve(&data.values),
            CURRENT.stroke_width(surface.px(2.0)),
        ))
        .map_err(|e| e.to_string())?;
    surface.root.present().map_err(|e| e.to_string())
}

/// Properties of [`Cdfs`].
#[derive(Properties, PartialEq)]
pub struct CdfsProps {
    /// The report shown.
    pub report: Shared<Report>,
    /// The pinned report, if any.
    #[prop_or_default]
    pub baseline: Option<Shared<Report>>,
}

/// One panel: canvas and summary.
#[derive(Properties, PartialEq)]
struct PanelProps {
    id: &'static str,
    title: &'static str,
    data: Rc<Data>,
}

#[function_component(Panel)]
fn panel(props: &PanelProps) -> Html {
    let canvas = use_node_ref();
    let width = use_window_width();
    {
        let canvas = canvas.clone();
        use_effect_with((props.data.clone(), width), move |(data, _)| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                if let Err(err) = draw(element, data) {
                    gloo::console::warn!(format!("cannot draw a CDF: {err}"));
                }
            }
        });
    }
    let v = &props.data.values;
    let summary = if v.is_empty() {
        format!(
            "{}: no distribution to draw. Per-request records are kept for runs of up to {} \
             requests; lower the request count to see this chart.",
            props.title,
            format::count(crate::state::MAX_PER_REQUEST)
        )
    } else {
        format!(
            "{} of {} requests: p50 {}, p90 {}, p99 {}, max {}.",
            props.title,
            v.len(),
            format::duration(percentile(v, 50)),
            format::duration(percentile(v, 90)),
            format::duration(percentile(v, 99)),
            format::duration(v.last().copied().unwrap_or_default()),
        )
    };
    html! {
        <div class="panel">
            <h3>{ props.title }</h3>
            // Without per-request records there is no curve to draw: the message says why.
            if !v.is_empty() {
                <super::PngButton canvas={format!("{}-chart", props.id)} />
                <canvas ref={canvas} id={format!("{}-chart", props.id)} role="img"
                        aria-label={format!("Cumulative distribution. {summary}")}
                        height={HEIGHT.to_string()}></canvas>
            }
            <p class="chart-summary" id={format!("{}-summary", props.id)}>{ summary }</p>
        </div>
    }
}

/// The TTFT and TPOT panels.
#[function_component(Cdfs)]
pub fn cdfs(props: &CdfsProps) -> Html {
    let ttft = use_memo((props.report.clone(), props.baseline.clone()), |(r, b)| {
        Data {
            axis: "time to first token",
            values: sorted(&r.requests, |q| q.ttft_ms),
            baseline: b.as_ref().map(|b| sorted(&b.requests, |q| q.ttft_ms)),
        }
    });
    let tpot = use_memo((props.report.clone(), props.baseline.clone()), |(r, b)| {
        Data {
            axis: "time per output token (each request's mean gap between tokens)",
            values: sorted(&r.requests, |q| q.tpot_ms),
            baseline: b.as_ref().map(|b| sorted(&b.requests, |q| q.tpot_ms)),
        }
    });
    html! {
        <figure class="chart cdfs">
            <figcaption>
                <h2>{ "Latency distributions" }</h2>
                <p class="help">
                    { "Share of requests (y) whose latency is at most x. Steeper and further left is better." }
                    if props.baseline.is_some() { { " Solid blue: this result; dashed grey: the pinned baseline." } }
                </p>
            </figcaption>
            <div class="panels">
                <Panel id="cdf-ttft" title="TTFT" data={ttft} />
                <Panel id="cdf-tpot" title="TPOT" data={tpot} />
            </div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_end_at_one_and_percentiles_use_nearest_rank() {
        let values: Vec<f64> = (1..=1000).map(f64::from).collect();
        let points = curve(&values);
        assert!(points.len() <= 2 * MAX_POINTS + 1);
        assert_eq!(points.last(), Some(&(1000.0, 1.0)));
        assert_eq!(percentile(&values, 50), 500.0);
        assert_eq!(percentile(&values, 99), 990.0);
        assert_eq!(percentile(&[], 50), 0.0);
        assert_eq!(curve(&[3.0]), vec![(3.0, 0.0), (3.0, 0.0), (3.0, 1.0)]);
    }
}
