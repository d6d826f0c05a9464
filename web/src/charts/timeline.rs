//! The instance timeline: one row per instance (prefill, then decode, then unified), its busy
//! share per time bucket as a heat strip, and marks where KV transfers arrive.

use pdsim::report::Role;
use pdsim::Report;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::state::Shared;

use super::{use_window_width, Surface, FONT};
use crate::format;

/// Most rows drawn (larger topologies show their first instances of each role).
pub const MAX_ROWS: usize = 32;
/// Colour of a fully busy bucket.
const BUSY: RGBColor = RGBColor(0x08, 0x3D, 0x77);
/// Colour of the KV-transfer marks.
pub const TRANSFER: RGBColor = RGBColor(0xD5, 0x00, 0x6D);

/// One row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Label: role and instance id.
    pub label: String,
    /// Busy share per bucket, in [0, 1].
    pub busy: Vec<f64>,
    /// KV transfers that arrived per bucket.
    pub transfers_in: Vec<u64>,
}

/// What the chart draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// Width of a bucket, in ms.
    pub bucket_ms: f64,
    /// The rows, top to bottom.
    pub rows: Vec<Row>,
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Prefill => 0,
        Role::Decode => 1,
        Role::Unified => 2,
    }
}

/// The rows of a report: instances ordered by role then id.
pub fn data(report: &Report) -> Data {
    let mut order: Vec<(u8, u32, usize)> = report
        .instances
        .iter()
        .enumerate()
        .map(|(index, i)| (rank(i.role), i.id, index))
        .collect();
    // Keys are distinct (the index is in them): any sort gives this order.
    pdsim::stable_sort_by(&mut order, Ord::cmp);
    let rows = order
        .into_iter()
        .filter_map(|(_, id, index)| {
            let instance = report.instances.get(index)?;
            let series = report.timeline.instances.get(index)?;
            Some(Row {
                label: format!("{} {id}", instance.role.id()),
                busy: series.busy.clone(),
                transfers_in: series.transfers_in.clone(),
            })
        })
        .take(MAX_ROWS)
        .collect();
    Data {
        bucket_ms: report.timeline.bucket_ms,
        rows,
    }
}

/// Height of the canvas for `rows` rows, in CSS pixels.
pub fn height(rows: usize) -> u32 {
    let rows = u32::try_from(rows).unwrap_or(1).max(1);
    56 + rows * 24
}

fn mix(share: f64) -> RGBColor {
    let s = share.clamp(0.0, 1.0);
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * s).round() as u8;
    RGBColor(lerp(0xF2, BUSY.0), lerp(0xF4, BUSY.1), lerp(0xF7, BUSY.2))
}

/// Draws the timeline of `data` on `canvas`.
pub fn draw(canvas: HtmlCanvasElement, data: &Data) -> Result<(), String> {
    let surface = Surface::new(canvas, height(data.rows.len()))?;
    let font = surface.font();
    let buckets = data.rows.iter().map(|r| r.busy.len()).max().unwrap_or(0);
    let x_max = (buckets as f64 * data.bucket_ms / 1000.0).max(1e-3);
    let n = i32::try_from(data.rows.len()).unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(&surface.root)
        .margin(surface.px(8.0))
        .margin_right(surface.px(14.0))
        .x_label_area_size(surface.px(40.0))
        .y_label_area_size(surface.px(if surface.narrow { 70.0 } else { 84.0 }))
        .build_cartesian_2d(0.0..x_max, (0..n - 1).into_segmented())
        .map_err(|e| e.to_string())?;
    let labels: Vec<&str> = data.rows.iter().map(|r| r.label.as_str()).collect();
    let y_label = |v: &SegmentValue<i32>| super::row_label(&labels, n, v);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(if surface.narrow { 4 } else { 8 })
        .x_desc("simulated time (s)")
        .x_label_formatter(&|x| {
            if x_max >= 5.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.1}")
            }
        })
        .y_label_formatter(&y_label)
        .label_style((FONT, font))
        .axis_desc_style((FONT, font))
        .draw()
        .map_err(|e| e.to_string())?;
    let w = data.bucket_ms / 1000.0;
    for (index, row) in data.rows.iter().enumerate() {
        let y = n - 1 - i32::try_from(index).unwrap_or(0);
        let cells = row.busy.iter().enumerate().map(|(b, share)| {
            let x0 = b as f64 * w;
            let mut cell = Rectangle::new(
                [
                    (x0, SegmentValue::Exact(y)),
                    (x0 + w, SegmentValue::Exact(y + 1)),
                ],
                mix(*share).filled(),
            );
            cell.set_margin(surface.px(2.0), surface.px(2.0), 0, 0);
            cell
        });
        chart.draw_series(cells).map_err(|e| e.to_string())?;
        // Transfers: a mark at the bottom of the bucket, taller for more transfers.
        let most = row.transfers_in.iter().copied().max().unwrap_or(0).max(1) as f64;
        let marks = row
            .transfers_in
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(b, c)| {
                let x0 = b as f64 * w + w * 0.2;
                let h = 0.25 + 0.45 * (*c as f64 / most);
                let mut mark = Rectangle::new(
                    [
                        (x0, SegmentValue::Exact(y)),
                        (x0 + w * 0.6, SegmentValue::Exact(y + 1)),
                    ],
                    TRANSFER.filled(),
                );
                // Row height in device pixels: keep only the lower `h` of it.
                let row_px = 24.0 * surface.scale;
                let top = ((1.0 - h) * row_px).round() as u32;
                mark.set_margin(top, surface.px(2.0), 0, 0);
                mark
            });
        chart.draw_series(marks).map_err(|e| e.to_string())?;
    }
    surface.root.present().map_err(|e| e.to_string())
}

/// Every instance's totals: busy share, mean batch, KV peak and preemptions.
fn instances_table(report: &Report) -> Html {
    const SHOWN: usize = 32;
    let more = report.instances.len().saturating_sub(SHOWN);
    let rows = report.instances.iter().take(SHOWN).map(|i| {
        html! {
            <tr data-instance={i.id.to_string()}>
                <th scope="row">{ format!("{} {}", i.role.id(), i.id) }</th>
                <td>{ i.tp }</td>
                <td>{ format!("{}%", format::percent(i.busy_fraction)) }</td>
                <td>{ format!("{:.1}", i.mean_batch_size) }</td>
                <td class="kv-peak" data-value={i.kv_peak_utilization.to_string()}>
                    { format!("{}%", format::percent(i.kv_peak_utilization)) }
                </td>
                <td class="preemptions">{ format::count(i.preemptions) }</td>
                <td>{ format::count(i.requests) }</td>
            </tr>
        }
    });
    html! {
        <div class="instances">
            <h3>{ "Instances: load, KV peak and preemptions" }</h3>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Instances table (scrolls sideways)">
                <table id="instances-table">
                    <thead>
                        <tr>
                            <th scope="col">{ "Instance" }</th>
                            <th scope="col" title="Tensor-parallel degree: GPUs of the instance">{ "TP (GPUs)" }</th>
                            <th scope="col" title="Share of the run the instance was running a step">{ "Busy" }</th>
                            <th scope="col" title="Mean number of requests in a step's batch">{ "Mean batch (requests)" }</th>
                            <th scope="col" title="Highest share of the instance's KV-cache blocks in use at once">{ "KV peak" }</th>
                            <th scope="col" title="Requests evicted from the batch for lack of KV blocks and recomputed later">{ "Preemptions (count)" }</th>
                            <th scope="col" title="Requests the instance served (prefill or decode)">{ "Requests (count)" }</th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if more > 0 {
                <p class="help">{ format!("… and {} more instances (see the JSON report).", format::count(more as u64)) }</p>
            }
        </div>
    }
}

/// Properties of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// The report shown.
    pub report: Shared<Report>,
}

/// The chart, its legend and its summary.
#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let canvas = use_node_ref();
    let width = use_window_width();
    let data = use_memo(props.report.clone(), |r| data(r));
    {
        let canvas = canvas.clone();
        use_effect_with((data.clone(), width), move |(data, _)| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                if !data.rows.is_empty() {
                    if let Err(err) = draw(element, data) {
                        gloo::console::warn!(format!("cannot draw the timeline: {err}"));
                    }
                }
            }
        });
    }
    let report = &props.report;
    let pools = report
        .pools
        .iter()
        .map(|p| {
            format!(
                "{} pool {}% busy ({} instance{})",
                p.role.id(),
                format::percent(p.utilization),
                p.instances,
                if p.instances == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let transfers: u64 = report
        .timeline
        .instances
        .iter()
        .map(|s| s.transfers_in.iter().sum::<u64>())
        .sum();
    let seconds = data.rows.iter().map(|r| r.busy.len()).max().unwrap_or(0) as f64
        * report.timeline.bucket_ms
        / 1000.0;
    let summary = format!(
        "{} instances over {:.1} s: {pools}; {transfers} KV transfers arrived.",
        report.instances.len(),
        seconds,
    );
    let hidden = report.instances.len().saturating_sub(data.rows.len());
    html! {
        <figure class="chart timeline">
            <figcaption>
                <h2>{ "Instance timeline" }</h2>
                <p class="help">
                    { format!("How busy each instance is per {} bucket (darker = busier); ",
                        format::duration(report.timeline.bucket_ms)) }
                    { "pink marks: KV transfers arriving, taller for more." }
                </p>
            </figcaption>
            <ul class="legend" aria-label="Colours">
                <li><span class="swatch heat"></span>{ "busy 0% → 100%" }</li>
                <li><span class="swatch" style="background:#d5006d"></span>{ "KV transfers arriving" }</li>
            </ul>
            if data.rows.is_empty() {
                <p class="help">{ "No timeline in this result." }</p>
            } else {
                <super::PngButton canvas="timeline-chart" />
                <canvas ref={canvas} id="timeline-chart" role="img"
                        aria-label={format!("Instance timeline. {summary}")}
                        style={format!("height:{}px", height(data.rows.len()))}
                        height={height(data.rows.len()).to_string()}></canvas>
            }
            <p class="chart-summary" id="timeline-summary">
                { summary }
                if hidden > 0 { { format!(" Only the first {} instances are drawn.", data.rows.len()) } }
            </p>
            { instances_table(report) }
        </figure>
    }
}
