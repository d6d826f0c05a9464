//! The threshold sweep: p90 TTFT and p90 ITL (ms) of the current config run at every
//! threshold of [`pdsim_web::SWEEP_THRESHOLDS`], on a doubling (log) axis; the current
//! threshold is a vertical line and the best p90 TTFT is circled.

use std::rc::Rc;

use pdsim::SweepRow;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::{use_window_width, Surface, FONT, GRID};
use crate::format;

/// Height of the canvas, in CSS pixels.
const HEIGHT: u32 = 340;
const TTFT: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const ITL: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const CURRENT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

/// One point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Threshold, in tokens.
    pub threshold: f64,
    /// p90 TTFT, in ms.
    pub ttft_p90: f64,
    /// p90 ITL, in ms.
    pub itl_p90: f64,
    /// Requests that completed.
    pub completed: u64,
    /// Requests dropped.
    pub dropped: u64,
}

/// What the chart draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The points, by threshold.
    pub points: Vec<Point>,
    /// The current threshold, in tokens.
    pub current: u32,
}

impl Data {
    /// Of the sweep's rows.
    pub fn new(rows: &[SweepRow], current: u32) -> Self {
        Self {
            points: rows
                .iter()
                .map(|r| Point {
                    threshold: r.value,
                    ttft_p90: r.summary.ttft_ms.p90,
                    itl_p90: r.summary.itl_ms.p90,
                    completed: r.summary.completed,
                    dropped: r.summary.dropped,
                })
                .collect(),
            current,
        }
    }

    /// The point with the lowest p90 TTFT (the smallest threshold among equals) among those
    /// that completed the most requests: a threshold whose latencies look good only because
    /// it dropped requests is never the best.
    pub fn best(&self) -> Option<Point> {
        let most = self.points.iter().map(|p| p.completed).max()?;
        self.points
            .iter()
            .copied()
            .filter(|p| p.completed == most)
            .reduce(|a, b| if b.ttft_p90 < a.ttft_p90 { b } else { a })
    }

    /// Whether some threshold dropped requests.
    pub fn drops(&self) -> bool {
        self.points.iter().any(|p| p.dropped > 0)
    }
}

/// Position of a threshold on the x axis: 0 at 0, 1 at 128 tokens, +1 per doubling (linear
/// below 128).
pub fn position(threshold: f64) -> f64 {
    if threshold <= 128.0 {
        threshold.max(0.0) / 128.0
    } else {
        1.0 + (threshold / 128.0).log2()
    }
}

/// One of the two panels.
struct Panel {
    title: &'static str,
    value: fn(&Point) -> f64,
    color: RGBColor,
    /// The point to circle.
    best: Option<Point>,
    /// Whether it has the x axis's title.
    x_axis: bool,
}

fn panel(
    area: &DrawingArea<plotters_canvas::CanvasBackend, plotters::coord::Shift>,
    surface: &Surface,
    data: &Data,
    spec: &Panel,
) -> Result<(), String> {
    let Panel {
        title,
        value,
        color,
        best,
        x_axis,
    } = *spec;
    let font = surface.font();
    let x_max = data
        .points
        .iter()
        .map(|p| position(p.threshold))
        .fold(0.0, f64::max)
        .max(1.0);
    let top = data.points.iter().map(value).fold(0.0, f64::max);
    let y_max = if top > 0.0 { top * 1.2 } else { 1.0 };
    // The axis follows the page's duration rule (ms below 10 s, then s, then min), so its
    // labels stay short enough for the label area.
    let (divisor, unit) = format::axis_unit(top);
    let thresholds: Vec<f64> = data.points.iter().map(|p| p.threshold).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(surface.px(6.0))
        .margin_right(surface.px(16.0))
        .caption(title, (FONT, font))
        .x_label_area_size(surface.px(if x_axis { 40.0 } else { 18.0 }))
        .y_label_area_size(surface.px(52.0))
        .build_cartesian_2d(-0.2..x_max + 0.2, 0.0..y_max)
        .map_err(|e| e.to_string())?;
    let x_label = |x: &f64| {
        // Label only the sweep's thresholds; on a phone every other one.
        thresholds
            .iter()
            .enumerate()
            .find(|(_, t)| (position(**t) - x).abs() < 1e-6)
            .filter(|(i, _)| !surface.narrow || i % 2 == 1 || *i == 0)
            .map_or_else(String::new, |(_, t)| format!("{t:.0}"))
    };
    let y_tick = |y: &f64| format::tick(y / divisor, y_max / divisor);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .y_labels(4)
        // About one label per unit: the sweep's thresholds.
        .x_labels(x_max as usize + 2)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_tick)
        .y_desc(unit)
        .max_light_lines(0)
        .label_style((FONT, font))
        .axis_desc_style((FONT, font))
        .bold_line_style(GRID);
    if x_axis {
        mesh.x_desc("threshold (prompt tokens, doubling scale)");
    }
    mesh.draw().map_err(|e| e.to_string())?;
    // The current threshold.
    let cx = position(f64::from(data.current));
    chart
        .draw_series(DashedLineSeries::new(
            vec![(cx, 0.0), (cx, y_max)],
            surface.px(4.0),
            surface.px(3.0),
            CURRENT.stroke_width(surface.px(2.0)),
        ))
        .map_err(|e| e.to_string())?;
    let points: Vec<(f64, f64)> = data
        .points
        .iter()
        .map(|p| (position(p.threshold), value(p)))
        .collect();
    chart
        .draw_series(LineSeries::new(
            points.clone(),
            color.stroke_width(surface.px(2.0)),
        ))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, surface.px(3.0), color.filled())),
        )
        .map_err(|e| e.to_string())?;
    if let Some(best) = best {
        let at = (position(best.threshold), value(&best));
        chart
            .draw_series(std::iter::once(Circle::new(
                at,
                surface.px(7.0),
                BLACK.stroke_width(surface.px(2.0)),
            )))
            .map_err(|e| e.to_string())?;
        // Under the lowest point the line leaves room, unless it is near the axis.
        let below = at.1 > y_max * 0.3;
        let style = TextStyle::from((FONT, font).into_font())
            .pos(Pos::new(
                HPos::Center,
                if below { VPos::Top } else { VPos::Bottom },
            ))
            .color(&BLACK);
        let dy = if below { -0.08 } else { 0.08 };
        chart
            .draw_series(std::iter::once(Text::new(
                format!("best: {:.0}", best.threshold),
                (at.0, at.1 + y_max * dy),
                style,
            )))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Draws the two panels (p90 TTFT above, p90 ITL below) on `canvas`.
pub fn draw(canvas: HtmlCanvasElement, data: &Data) -> Result<(), String> {
    let surface = Surface::new(canvas, HEIGHT)?;
    let (upper, lower) = surface
        .root
        .split_vertically(surface.px(f64::from(HEIGHT) * 0.47));
    let best = data.best();
    let ttft = Panel {
        title: "p90 TTFT",
        value: |p| p.ttft_p90,
        color: TTFT,
        best,
        x_axis: false,
    };
    let itl = Panel {
        title: "p90 ITL",
        value: |p| p.itl_p90,
        color: ITL,
        best: None,
        x_axis: true,
    };
    panel(&upper, &surface, data, &ttft)?;
    panel(&lower, &surface, data, &itl)?;
    surface.root.present().map_err(|e| e.to_string())
}

/// Properties of [`Sweep`].
#[derive(Properties, PartialEq)]
pub struct SweepProps {
    /// The sweep's rows, once they arrived.
    pub rows: Option<Rc<Vec<SweepRow>>>,
    /// The sweep's error.
    pub error: Option<String>,
    /// The current threshold, in tokens.
    pub threshold: u32,
    /// Whether the rows (or the run under way) are of the current settings.
    pub fresh: bool,
}

/// The chart and its summary.
#[function_component(Sweep)]
pub fn sweep(props: &SweepProps) -> Html {
    let canvas = use_node_ref();
    let width = use_window_width();
    let data = props
        .rows
        .as_ref()
        .map(|rows| Rc::new(Data::new(rows, props.threshold)));
    {
        let canvas = canvas.clone();
        use_effect_with((data.clone(), width), move |(data, _)| {
            if let (Some(element), Some(data)) = (canvas.cast::<HtmlCanvasElement>(), data) {
                if let Err(err) = draw(element, data) {
                    gloo::console::warn!(format!("cannot draw the sweep: {err}"));
                }
            }
        });
    }
    let body = match (&data, &props.error) {
        (_, Some(err)) => {
            html! { <p class="error" id="sweep-error">{ format!("The sweep failed: {err}") }</p> }
        }
        (None, None) => {
            html! { <p class="status" id="sweep-status">{ "Running the sweep (8 simulations)…" }</p> }
        }
        (Some(data), None) => {
            let summary = match data.best() {
                Some(best) => {
                    let current = data
                        .points
                        .iter()
                        .find(|p| p.threshold == f64::from(data.current));
                    format!(
                        "Best p90 TTFT: {} at threshold {:.0} tokens (p90 ITL {} there). Current threshold {} tokens{}.",
                        format::duration(best.ttft_p90),
                        best.threshold,
                        format::duration(best.itl_p90),
                        data.current,
                        current.map_or_else(String::new, |c| format!(
                            ": p90 TTFT {}, p90 ITL {}",
                            format::duration(c.ttft_p90),
                            format::duration(c.itl_p90)
                        )),
                    )
                }
                None => "The sweep has no points.".into(),
            };
            let summary = if data.drops() {
                format!(
                    "{summary} Some thresholds drop requests (see the table); the best is picked \
                     among those that complete the most."
                )
            } else {
                summary
            };
            let table = data.points.iter().map(|p| {
                html! {
                    <tr data-threshold={p.threshold.to_string()}>
                        <th scope="row">{ format!("{:.0}", p.threshold) }</th>
                        <td>{ format::duration(p.ttft_p90) }</td>
                        <td>{ format::duration(p.itl_p90) }</td>
                        <td class={classes!((p.dropped > 0).then_some("dropping"))}>{ format::count(p.dropped) }</td>
                    </tr>
                }
            });
            html! {
                <>
                    <super::PngButton canvas="sweep-chart" />
                    <canvas ref={canvas} id="sweep-chart" role="img"
                            aria-label={format!("Threshold sweep. {summary}")}
                            height={HEIGHT.to_string()}></canvas>
                    <p class="chart-summary" id="sweep-summary"
                       data-best={data.best().map(|b| b.threshold.to_string())}>{ summary }</p>
                    <details id="sweep-values" open={crate::url::opened("sweep-values")}
                             ontoggle={crate::url::on_toggle("sweep-values")}>
                        <summary>{ "Sweep values" }</summary>
                        <table class="data" id="sweep-table">
                            <thead><tr>
                                <th scope="col">{ "Threshold (tokens)" }</th>
                                <th scope="col">{ "p90 TTFT" }</th>
                                <th scope="col">{ "p90 ITL" }</th>
                                <th scope="col">{ "Dropped (requests)" }</th>
                            </tr></thead>
                            <tbody>{ for table }</tbody>
                        </table>
                    </details>
                </>
            }
        }
    };
    let outdated = !props.fresh && data.is_some();
    html! {
        <figure class={classes!("chart", "sweep", outdated.then_some("outdated"))} id="sweep"
                data-fresh={props.fresh.to_string()}>
            <figcaption>
                <h2>{ "Threshold sweep" }</h2>
                <p class="help">
                    { "The current settings re-run at 8 thresholds (in the background). Dashed orange: \
                       the current threshold; circled: the lowest p90 TTFT." }
                </p>
            </figcaption>
            if outdated {
                <p class="status" id="sweep-outdated">
                    { "The settings changed: the sweep below is of the previous ones and re-runs shortly…" }
                </p>
            }
            { body }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_axis_and_best_point() {
        assert_eq!(position(0.0), 0.0);
        assert_eq!(position(64.0), 0.5);
        assert_eq!(position(128.0), 1.0);
        assert_eq!(position(8192.0), 7.0);
        let data = Data {
            points: vec![
                point(0.0, 30.0, 100),
                point(128.0, 20.0, 100),
                point(256.0, 20.0, 100),
            ],
            current: 256,
        };
        assert_eq!(data.best().map(|b| b.threshold), Some(128.0));
        assert!(!data.drops());
    }

    fn point(threshold: f64, ttft_p90: f64, completed: u64) -> Point {
        Point {
            threshold,
            ttft_p90,
            itl_p90: 5.0,
            completed,
            dropped: 100 - completed,
        }
    }

    #[test]
    fn a_threshold_that_drops_requests_is_never_the_best() {
        // 512 tokens has the lowest p90 TTFT only because it dropped 40 of 100 requests.
        let data = Data {
            points: vec![
                point(0.0, 300.0, 100),
                point(512.0, 90.0, 60),
                point(1024.0, 250.0, 100),
            ],
            current: 0,
        };
        assert_eq!(data.best().map(|b| b.threshold), Some(1024.0));
        assert!(data.drops());
    }
}
