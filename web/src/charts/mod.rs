//! Charts of the results. Every chart is a pure `draw(canvas, &data)` function (plotters on a
//! canvas, drawn in device pixels) and a component that redraws it when its data or the
//! window's width changes, with a text summary of the same data for screen readers and tests.

pub mod breakdown;
pub mod cdf;
pub mod flow;
pub mod sweep;
pub mod timeline;
pub mod waterfall;

pub use crate::export::PngButton;

use gloo::events::EventListener;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// The result views the page shows, in the playground's order; an embed names some of them,
/// in its own order, in `charts=` (their [`Chart::id`]s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    /// The number cards.
    Cards,
    /// The TTFT breakdown.
    Breakdown,
    /// The request flow.
    Flow,
    /// The request waterfall.
    Waterfall,
    /// The latency CDFs.
    Cdf,
    /// The instance timeline.
    Timeline,
    /// The threshold sweep.
    Sweep,
}

impl Chart {
    /// Every chart, in the playground's order.
    pub const ALL: [Self; 7] = [
        Self::Cards,
        Self::Breakdown,
        Self::Flow,
        Self::Waterfall,
        Self::Cdf,
        Self::Timeline,
        Self::Sweep,
    ];

    /// Its name in a URL's `charts=`.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Cards => "cards",
            Self::Breakdown => "breakdown",
            Self::Flow => "flow",
            Self::Waterfall => "waterfall",
            Self::Cdf => "cdf",
            Self::Timeline => "timeline",
            Self::Sweep => "sweep",
        }
    }

    /// What the embed dialog calls it.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Cards => "Number cards",
            Self::Breakdown => "TTFT breakdown",
            Self::Flow => "Request flow",
            Self::Waterfall => "Request waterfall",
            Self::Cdf => "Latency distributions",
            Self::Timeline => "Instance timeline",
            Self::Sweep => "Threshold sweep",
        }
    }

    /// The chart of URL name `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }

    /// The charts to show, in order: the URL's list (unknown names left out), or all.
    pub fn order(names: Option<&[String]>) -> Vec<Self> {
        match names {
            Some(list) => list.iter().filter_map(|name| Self::from_id(name)).collect(),
            None => Self::ALL.to_vec(),
        }
    }
}

/// A canvas ready to draw on.
pub struct Surface {
    /// The whole canvas, filled white.
    pub root: DrawingArea<CanvasBackend, Shift>,
    /// Device pixels per CSS pixel.
    pub scale: f64,
    /// Width in CSS pixels.
    pub width: u32,
    /// Whether the canvas is phone-narrow (< 480 CSS px).
    pub narrow: bool,
}

impl std::fmt::Debug for Surface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Surface")
            .field("scale", &self.scale)
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

impl Surface {
    /// Sizes `canvas` to its laid-out width and `height` CSS pixels, in device pixels.
    pub fn new(canvas: HtmlCanvasElement, height: u32) -> Result<Self, String> {
        let scale = gloo::utils::window().device_pixel_ratio().clamp(1.0, 4.0);
        let width = u32::try_from(canvas.client_width()).unwrap_or(0);
        let width = if width > 0 { width } else { 600 };
        canvas.set_width((f64::from(width) * scale).round() as u32);
        canvas.set_height((f64::from(height) * scale).round() as u32);
        let backend = CanvasBackend::with_canvas_object(canvas)
            .ok_or_else(|| "the canvas has no 2D context".to_owned())?;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        Ok(Self {
            root,
            scale,
            width,
            narrow: width < 480,
        })
    }

    /// `v` CSS pixels in device pixels.
    pub fn px(&self, v: f64) -> u32 {
        (v * self.scale).round() as u32
    }

    /// The font size of labels, in device pixels.
    pub fn font(&self) -> f64 {
        f64::from(self.px(if self.narrow { 11.0 } else { 13.0 }))
    }
}

/// The window's width in whole CSS pixels, updated on resize (a chart that reads it is
/// redrawn at its new width).
#[hook]
pub fn use_window_width() -> u32 {
    let width = use_state(|| 0_u32);
    {
        let width = width.clone();
        use_effect_with((), move |()| {
            let window = gloo::utils::window();
            let listener = EventListener::new(&window.clone(), "resize", move |_| {
                let w = window.inner_width().ok().and_then(|w| w.as_f64());
                width.set(w.map_or(0, |w| w as u32));
            });
            move || drop(listener)
        });
    }
    *width
}

/// The charts' font. A font named by text (`"sans-serif"`) goes through plotters'
/// `FontFamily::from(&str)`, which lowercases it with Unicode's case tables; the family itself
/// links neither (the same font: plotters turns both into "sans-serif" for the canvas).
pub const FONT: FontFamily<'static> = FontFamily::SansSerif;

/// Grey of grid lines.
pub const GRID: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);
/// Grey of baseline (pinned) series.
pub const BASELINE: RGBColor = RGBColor(0x70, 0x70, 0x70);

/// The label of a row of a horizontal bar chart whose `n` rows are drawn top to bottom on a
/// segmented y axis (row 0 at the top, so segment `y` is row `n - 1 - y`).
pub fn row_label(labels: &[&str], n: i32, value: &SegmentValue<i32>) -> String {
    match value {
        SegmentValue::CenterOf(y) => usize::try_from(n - 1 - y)
            .ok()
            .and_then(|i| labels.get(i))
            .map_or_else(String::new, |l| (*l).to_owned()),
        _ => String::new(),
    }
}

/// The axes of a horizontal bar chart of times (rows on a segmented y axis): `x_desc` under
/// the time axis, whose ticks are in the axis unit (values divided by `divisor`, see
/// [`crate::format::axis_unit`]); a label per row (`y_label`); light vertical grid lines only.
pub fn draw_time_mesh(
    chart: &mut ChartContext<
        '_,
        CanvasBackend,
        Cartesian2d<RangedCoordf64, plotters::coord::ranged1d::SegmentedCoord<RangedCoordi32>>,
    >,
    narrow: bool,
    x_desc: String,
    (divisor, x_max): (f64, f64),
    font: f64,
    y_label: &dyn Fn(&SegmentValue<i32>) -> String,
) -> Result<(), String> {
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(if narrow { 4 } else { 8 })
        .x_desc(x_desc)
        .x_label_formatter(&|x| crate::format::tick(*x / divisor, x_max / divisor))
        .x_max_light_lines(1)
        .y_max_light_lines(0)
        .y_label_formatter(y_label)
        .label_style((FONT, font))
        .axis_desc_style((FONT, font))
        .light_line_style(GRID)
        .draw()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod chart_tests {
    use super::Chart;

    #[test]
    fn charts_read_back_from_their_names_and_an_embed_keeps_its_order() {
        assert!(Chart::ALL
            .iter()
            .all(|&c| Chart::from_id(c.id()) == Some(c)));
        let names = ["sweep".to_owned(), "nope".to_owned(), "cards".to_owned()];
        assert_eq!(Chart::order(Some(&names)), vec![Chart::Sweep, Chart::Cards]);
        assert_eq!(Chart::order(None), Chart::ALL.to_vec());
    }
}
