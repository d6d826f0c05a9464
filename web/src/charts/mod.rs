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
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

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
