//! The TTFT breakdown: a stacked horizontal bar per statistic (mean, p50, p90, p99 of all
//! requests, then the means of the locally served and of the disaggregated requests), one
//! segment per phase in a fixed colour, drawn with plotters on a canvas. The same numbers are
//! in the table under the chart (for reading exact values, screen readers and tests).

use pdsim::report::{Phases, Stat};
use pdsim::Report;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::state::Shared;

use super::FONT;
use crate::format;

/// The phase `i` of the core's glossary (`pdsim::report::phases`, shared with the lessons):
/// id, name, colour.
const fn phase(i: usize) -> (&'static str, &'static str, RGBColor) {
    let p = &pdsim::report::phases::PHASES[i];
    (p.id, p.name, RGBColor(p.rgb.0, p.rgb.1, p.rgb.2))
}

/// The phases in order: id, name, colour.
pub const PHASES: [(&str, &str, RGBColor); 5] = [phase(0), phase(1), phase(2), phase(3), phase(4)];

/// The glossary's definition of the phase `id` (the tooltip of its legend entry and row).
pub fn definition(id: &str) -> &'static str {
    pdsim::report::phases::PHASES
        .iter()
        .find(|p| p.id == id)
        .map_or("", |p| p.definition)
}

/// CSS colour of a phase colour.
pub fn css(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

/// One bar of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Label on the axis and in the table header.
    pub label: &'static str,
    /// Phase values, in ms.
    pub values: [f64; 5],
    /// Requests behind the row.
    pub count: u64,
    /// Whether the phases add up to something meaningful: means do (the mean TTFT), per-phase
    /// percentiles do not (the p50s of the phases are not the phases of the p50 request).
    pub adds_up: bool,
}

impl Row {
    /// The bar's length: the sum of its phases, in ms.
    pub fn total(&self) -> f64 {
        self.values.iter().sum()
    }
}

fn row(label: &'static str, phases: &Phases<Stat>, pick: fn(&Stat) -> f64, adds_up: bool) -> Row {
    let named = phases.named();
    Row {
        label,
        values: named.map(|(_, stat)| pick(stat)),
        count: phases.prefill.count,
        adds_up,
    }
}

/// The bars: mean, p50, p90, p99 of all requests, then the local and the disaggregated means.
pub fn rows(all: &Phases<Stat>, local: &Phases<Stat>, disaggregated: &Phases<Stat>) -> Vec<Row> {
    vec![
        row("mean", all, |s| s.mean, true),
        row("p50", all, |s| s.p50, false),
        row("p90", all, |s| s.p90, false),
        row("p99", all, |s| s.p99, false),
        row("local mean", local, |s| s.mean, true),
        row("disagg. mean", disaggregated, |s| s.mean, true),
    ]
}

/// What the table's "Sum of means" row shows in each column: the mean TTFT of the column's
/// requests (the sum of its phase means) in ms; `None` for a percentile column (per-phase
/// percentiles do not add up to a TTFT percentile) or an empty group.
pub fn sum_cells(rows: &[Row]) -> Vec<Option<f64>> {
    rows.iter()
        .map(|r| (r.adds_up && r.count > 0).then(|| r.total()))
        .collect()
}

/// The text of a table cell: the duration, or "none" for a group without requests.
pub fn cell_text(row: &Row, value: f64) -> String {
    if row.count == 0 {
        "none".into()
    } else {
        format::duration(value)
    }
}

/// The bars of the chart: the mean of all requests; the phases of the requests at the p50,
/// p90 and p99 of TTFT (each adds up to that TTFT percentile); the local and the
/// disaggregated means.
pub fn chart_rows(s: &pdsim::report::Summary) -> Vec<Row> {
    let at = |label: &'static str, phases: &Phases<f64>| Row {
        label,
        values: phases.named().map(|(_, v)| *v),
        count: s.breakdown_ms.prefill.count,
        adds_up: true,
    };
    let mut rows = rows(
        &s.breakdown_ms,
        &s.breakdown_local_ms,
        &s.breakdown_disaggregated_ms,
    );
    for (slot, row) in rows.iter_mut().skip(1).zip([
        at("p50 request", &s.breakdown_at_ttft_ms.p50),
        at("p90 request", &s.breakdown_at_ttft_ms.p90),
        at("p99 request", &s.breakdown_at_ttft_ms.p99),
    ]) {
        *slot = row;
    }
    rows
}

/// Height of the canvas, in CSS pixels.
const HEIGHT: u32 = 300;

/// Draws the stacked bars of `all`, `local` and `disaggregated` on `canvas`, as wide as the
/// canvas is laid out; with `baseline` rows (of [`rows`]), each bar has the baseline's bar
/// under it, outlined.
pub fn draw(
    canvas: HtmlCanvasElement,
    rows: &[Row],
    baseline: Option<&[Row]>,
) -> Result<(), String> {
    // Draw in device pixels (crisp on high-DPI screens): every size below is scaled.
    let scale = gloo::utils::window().device_pixel_ratio().clamp(1.0, 4.0);
    let css_width = u32::try_from(canvas.client_width()).unwrap_or(0);
    let css_width = if css_width > 0 { css_width } else { 600 };
    let px = |v: f64| (v * scale).round() as u32;
    canvas.set_width(px(f64::from(css_width)));
    canvas.set_height(px(f64::from(HEIGHT)));
    let narrow = css_width < 480;
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| "the canvas has no 2D context".to_owned())?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;

    let n = i32::try_from(rows.len()).unwrap_or(0);
    let longest = rows
        .iter()
        .chain(baseline.unwrap_or_default())
        .map(Row::total)
        .fold(0.0_f64, f64::max);
    // Room on the right for the total's label.
    let x_max = if longest > 0.0 {
        longest * if narrow { 1.3 } else { 1.15 }
    } else {
        1.0
    };
    let font = f64::from(px(if narrow { 11.0 } else { 13.0 }));
    // Ticks in the unit the page's duration rule gives the longest bar.
    let (divisor, unit) = format::axis_unit(longest);
    let mut chart = ChartBuilder::on(&root)
        .margin(px(8.0))
        .margin_right(px(16.0))
        .x_label_area_size(px(42.0))
        .y_label_area_size(px(if narrow { 78.0 } else { 96.0 }))
        // plotters' integer ranges include their end: 0..=n-1 are the n bars.
        .build_cartesian_2d(0.0..x_max, (0..n - 1).into_segmented())
        .map_err(|e| e.to_string())?;
    let labels: Vec<&'static str> = rows.iter().map(|r| r.label).collect();
    let y_label = |v: &SegmentValue<i32>| super::row_label(&labels, n, v);
    super::draw_time_mesh(
        &mut chart,
        narrow,
        format!("time to first token ({unit})"),
        (divisor, x_max),
        font,
        &y_label,
    )?;

    // Height of one row, in device pixels: with a baseline, the current bar takes its upper
    // half and the baseline's outlined bar the lower half.
    let row_px = chart.plotting_area().dim_in_pixel().1 / u32::try_from(n.max(1)).unwrap_or(1);
    let half = row_px / 2;
    let small = f64::from(px(if narrow { 9.0 } else { 11.0 }));
    for (index, row) in rows.iter().enumerate() {
        let y = n - 1 - i32::try_from(index).unwrap_or(0);
        let base_row = baseline.and_then(|b| b.get(index));
        let (top, bottom) = if base_row.is_some() {
            (px(3.0), half)
        } else {
            (px(5.0), px(5.0))
        };
        if let Some(base_row) = base_row {
            let mut x0 = 0.0;
            let mut bars = Vec::new();
            for (value, (_, _, color)) in base_row.values.iter().zip(PHASES) {
                if *value > 0.0 {
                    let mut bar = Rectangle::new(
                        [
                            (x0, SegmentValue::Exact(y)),
                            (x0 + value, SegmentValue::Exact(y + 1)),
                        ],
                        color.stroke_width(px(2.0)),
                    );
                    bar.set_margin(half + px(1.0), px(3.0), 0, 0);
                    bars.push(bar);
                }
                x0 += value;
            }
            chart.draw_series(bars).map_err(|e| e.to_string())?;
            let style = TextStyle::from((FONT, small).into_font())
                .pos(Pos::new(HPos::Left, VPos::Top))
                .color(&super::BASELINE);
            let label = if base_row.count == 0 {
                "baseline: no requests".to_owned()
            } else {
                format!("baseline {}", format::duration(base_row.total()))
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (x0 + x_max * 0.01, SegmentValue::CenterOf(y)),
                    style,
                )))
                .map_err(|e| e.to_string())?;
        }
        let mut x0 = 0.0;
        let mut bars = Vec::new();
        for (value, (_, _, color)) in row.values.iter().zip(PHASES) {
            if *value > 0.0 {
                let mut bar = Rectangle::new(
                    [
                        (x0, SegmentValue::Exact(y)),
                        (x0 + value, SegmentValue::Exact(y + 1)),
                    ],
                    color.filled(),
                );
                bar.set_margin(top, bottom, 0, 0);
                bars.push(bar);
            }
            x0 += value;
        }
        chart.draw_series(bars).map_err(|e| e.to_string())?;
        let total = if row.count == 0 {
            "no requests".to_owned()
        } else {
            format::duration(row.total())
        };
        let style = TextStyle::from((FONT, font).into_font())
            .pos(Pos::new(
                HPos::Left,
                if base_row.is_some() {
                    VPos::Bottom
                } else {
                    VPos::Center
                },
            ))
            .color(&BLACK);
        chart
            .draw_series(std::iter::once(Text::new(
                total,
                (x0 + x_max * 0.01, SegmentValue::CenterOf(y)),
                style,
            )))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

/// Properties of [`Breakdown`].
#[derive(Properties, PartialEq)]
pub struct BreakdownProps {
    /// The report shown.
    pub report: Shared<Report>,
    /// The pinned report, if any.
    #[prop_or_default]
    pub baseline: Option<Shared<Report>>,
}

/// The chart, its legend and its data table.
#[function_component(Breakdown)]
pub fn breakdown(props: &BreakdownProps) -> Html {
    let canvas = use_node_ref();
    let resized = super::use_window_width();
    {
        let canvas = canvas.clone();
        use_effect_with(
            (props.report.clone(), props.baseline.clone(), resized),
            move |(report, baseline, _)| {
                if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                    let base = baseline.as_ref().map(|b| chart_rows(&b.summary));
                    if let Err(err) = draw(element, &chart_rows(&report.summary), base.as_deref()) {
                        gloo::console::warn!(format!("cannot draw the TTFT breakdown: {err}"));
                    }
                }
            },
        );
    }

    let s = &props.report.summary;
    let rows = rows(
        &s.breakdown_ms,
        &s.breakdown_local_ms,
        &s.breakdown_disaggregated_ms,
    );
    let legend = PHASES.iter().map(|(id, label, color)| {
        html! {
            <li data-phase={*id} title={definition(id)}>
                <span class="swatch" style={format!("background:{}", css(*color))}></span>
                { *label }
            </li>
        }
    });
    let header = rows.iter().map(|r| {
        html! {
            <th scope="col" title={format!("{} requests", format::count(r.count))}>
                { r.label }
                <span class="th-count">{ format!("{} req.", format::count(r.count)) }</span>
            </th>
        }
    });
    let body = PHASES.iter().enumerate().map(|(p, (id, label, color))| {
        let cells = rows.iter().map(|r| {
            let value = r.values.get(p).copied().unwrap_or_default();
            html! {
                <td data-value={value.to_string()} class={classes!((r.count == 0).then_some("none"))}>
                    { cell_text(r, value) }
                </td>
            }
        });
        html! {
            <tr data-phase={*id}>
                <th scope="row" title={definition(id)}>
                    <span class="swatch" style={format!("background:{}", css(*color))}></span>
                    { *label }
                </th>
                { for cells }
            </tr>
        }
    });
    let totals = rows.iter().zip(sum_cells(&rows)).map(|(r, sum)| match sum {
        Some(total) => html! { <td data-value={total.to_string()}>{ format::duration(total) }</td> },
        None if r.count == 0 => html! { <td class="none">{ "none" }</td> },
        None => html! {
            <td class="na" title="Per-phase percentiles do not add up to a TTFT percentile: \
                                  see the TTFT cards, or the chart's p50/p90/p99 request bars">{ "—" }</td>
        },
    });
    let bars = chart_rows(s);
    let description = format!(
        "Stacked bars of the five phases of time to first token, in milliseconds: mean {}; \
         the requests at p50 TTFT {}, at p90 {}, at p99 {}; the table below lists every \
         phase's own statistics.",
        format::duration(bars.first().map_or(0.0, Row::total)),
        format::duration(bars.get(1).map_or(0.0, Row::total)),
        format::duration(bars.get(2).map_or(0.0, Row::total)),
        format::duration(bars.get(3).map_or(0.0, Row::total)),
    );

    html! {
        <figure class="breakdown">
            <figcaption>
                <h2>{ "TTFT breakdown" }</h2>
                <p class="help">
                    { "Each bar stacks the five phases of time to first token. The p50, p90 and p99 \
                       bars are the request at that TTFT percentile (\"the request at p90 TTFT\"): \
                       its phases add up to the TTFT percentile. The table lists each phase's own \
                       mean and percentiles." }
                    if props.baseline.is_some() {
                        { " Under each bar, outlined: the pinned baseline's." }
                    }
                </p>
            </figcaption>
            <ul class="legend" aria-label="Phases">{ for legend }</ul>
            <super::PngButton canvas="breakdown-chart" />
            <canvas ref={canvas} id="breakdown-chart" role="img" aria-label={description}
                    height={HEIGHT.to_string()}></canvas>
            <p class="scroll-hint" aria-hidden="true">{ "The table scrolls sideways →" }</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="TTFT phases table (scrolls sideways)">
                <table id="breakdown-table">
                    <caption>{ "TTFT phases: each phase's own mean and percentiles" }</caption>
                    <thead>
                        <tr><th scope="col">{ "Phase" }</th>{ for header }</tr>
                    </thead>
                    <tbody>{ for body }</tbody>
                    <tfoot>
                        <tr data-phase="total">
                            <th scope="row" title="The phase means add up to the mean TTFT; \
                                                   percentiles do not add up, so their columns stay empty">
                                { "Sum of means" }
                            </th>
                            { for totals }
                        </tr>
                    </tfoot>
                </table>
            </div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(count: u64, mean: f64, p50: f64) -> Stat {
        Stat {
            count,
            mean,
            p50,
            p90: p50 * 2.0,
            p99: p50 * 3.0,
            max: p50 * 4.0,
        }
    }

    #[test]
    fn the_sum_row_adds_means_only() {
        // Hand-checked: phase means 10 + 20 + 5 + 2.5 + 4 = 41.5 ms (the mean TTFT); the p50s
        // 8 + 18 + 4 + 2 + 3 = 35 ms would not be the TTFT p50, so that column has no sum.
        let all = Phases {
            prefill_queue: stat(100, 10.0, 8.0),
            prefill: stat(100, 20.0, 18.0),
            transfer: stat(100, 5.0, 4.0),
            decode_queue: stat(100, 2.5, 2.0),
            first_decode: stat(100, 4.0, 3.0),
        };
        let local = Phases {
            prefill_queue: stat(40, 1.0, 1.0),
            prefill: stat(40, 2.0, 2.0),
            transfer: stat(40, 0.0, 0.0),
            decode_queue: stat(40, 0.0, 0.0),
            first_decode: stat(40, 0.0, 0.0),
        };
        let empty = Phases::<Stat>::default();
        let rows = rows(&all, &local, &empty);
        assert_eq!(
            sum_cells(&rows),
            vec![Some(41.5), None, None, None, Some(3.0), None]
        );
        assert_eq!(rows[1].total(), 35.0, "what the old Sum row showed for p50");
        // An empty group says so instead of 0 ms.
        assert_eq!(cell_text(&rows[5], 0.0), "none");
        assert_eq!(cell_text(&rows[0], 41.5), "41.5 ms");
        assert_eq!(cell_text(&rows[0], 117_927.0), "117.9 s");
    }
}
