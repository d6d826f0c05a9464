//! Downloads: the report as JSON, its requests as CSV, and every chart as a PNG.

use pdsim::Report;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlAnchorElement, HtmlCanvasElement};
use yew::prelude::*;

/// Saves `url` as the file `name` (through a temporary `<a download>`).
fn save(name: &str, url: &str) -> Result<(), JsValue> {
    let document = gloo::utils::document();
    let a: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(url);
    a.set_download(name);
    a.style().set_property("display", "none")?;
    gloo::utils::body().append_child(&a)?;
    a.click();
    a.remove();
    Ok(())
}

/// Saves `text` as the file `name` of type `mime`.
pub fn download(name: &str, mime: &str, text: &str) {
    let result = (|| -> Result<(), JsValue> {
        let parts = js_sys::Array::of1(&JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)?;
        save(name, &url)?;
        // Revoke later: the download reads the blob after the click.
        gloo::timers::callback::Timeout::new(60_000, move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        })
        .forget();
        Ok(())
    })();
    if let Err(err) = result {
        gloo::console::warn!(format!("cannot download {name}: {err:?}"));
    }
}

fn opt(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// The CSV of the report's requests: a header, then one row per request.
pub fn requests_csv(report: &Report) -> String {
    let mut out = String::from(
        "id,arrival_ms,input_tokens,output_tokens,cached_tokens,disaggregated,prefill_instance,\
         decode_instance,ttft_ms,e2e_ms,tpot_ms,prefill_queue_ms,prefill_ms,transfer_ms,\
         decode_queue_ms,first_decode_ms\n",
    );
    for r in &report.requests {
        let phases = r.breakdown_ms.as_ref().map_or_else(
            || vec![String::new(); 5],
            |p| p.named().iter().map(|(_, v)| v.to_string()).collect(),
        );
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.id,
            r.arrival_ms,
            r.input_tokens,
            r.output_tokens,
            r.cached_tokens,
            r.disaggregated,
            r.prefill_instance,
            r.decode_instance,
            opt(r.ttft_ms),
            opt(r.e2e_ms),
            opt(r.tpot_ms),
            phases.join(",")
        ));
    }
    out
}

/// Properties of [`PngButton`].
#[derive(Properties, PartialEq)]
pub struct PngButtonProps {
    /// Id of the canvas to save.
    pub canvas: AttrValue,
}

/// Draws `chart` on a new canvas under its figure's title and above its legend (the
/// `<h2>`/`<h3>` and `ul.legend` of the chart's `<figure>`), so a saved image explains itself.
fn with_title_and_legend(chart: &HtmlCanvasElement) -> Result<HtmlCanvasElement, JsValue> {
    let document = gloo::utils::document();
    let figure = chart.closest("figure")?;
    let text_of = |selector: &str| -> Option<String> {
        figure
            .as_ref()
            .and_then(|f| f.query_selector(selector).ok().flatten())
            .and_then(|e| e.text_content())
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let panel = chart
        .closest(".panel")?
        .and_then(|p| p.query_selector("h3").ok().flatten())
        .and_then(|h| h.text_content());
    let title = match (text_of("h2"), panel) {
        (Some(h2), Some(h3)) => format!("{h2}: {h3}"),
        (Some(h2), None) => h2,
        (None, Some(h3)) => h3,
        (None, None) => "pdsim".to_owned(),
    };
    // (label, CSS colour of its swatch) of every legend item.
    let mut legend = Vec::new();
    if let Some(items) = figure
        .as_ref()
        .and_then(|f| f.query_selector_all("ul.legend li").ok())
    {
        let window = gloo::utils::window();
        for i in 0..items.length() {
            let Some(item) = items
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let color = item
                .query_selector(".swatch")
                .ok()
                .flatten()
                .and_then(|s| window.get_computed_style(&s).ok().flatten())
                .and_then(|style| style.get_property_value("background-color").ok())
                .unwrap_or_default();
            legend.push((
                item.text_content().unwrap_or_default().trim().to_owned(),
                color,
            ));
        }
    }
    let width = f64::from(chart.width());
    let scale = (width / f64::from(chart.client_width().max(1))).clamp(1.0, 4.0);
    let font = 14.0 * scale;
    let line = font * 1.6;
    let legend_lines = if legend.is_empty() { 0.0 } else { 1.0 };
    let out: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    out.set_width(chart.width());
    // Room for a wrapped legend is found while drawing; start with two lines.
    let height =
        |legend_rows: f64| line * 1.5 + f64::from(chart.height()) + line * legend_rows + font;
    out.set_height(height(legend_lines * 2.0) as u32);
    let ctx: web_sys::CanvasRenderingContext2d = out
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2D context"))?
        .dyn_into()?;
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, width, f64::from(out.height()));
    ctx.set_fill_style_str("#1b1f24");
    ctx.set_font(&format!("600 {font}px sans-serif"));
    ctx.set_text_baseline("middle");
    ctx.fill_text(&title, font * 0.6, line * 0.75)?;
    ctx.draw_image_with_html_canvas_element(chart, 0.0, line * 1.5)?;
    ctx.set_font(&format!("{}px sans-serif", font * 0.9));
    let (mut x, mut y) = (
        font * 0.6,
        line * 1.5 + f64::from(chart.height()) + line * 0.6,
    );
    for (label, color) in &legend {
        let label_width = ctx.measure_text(label)?.width();
        if x + font * 1.4 + label_width > width && x > font {
            x = font * 0.6;
            y += line;
        }
        if !color.is_empty() && color != "rgba(0, 0, 0, 0)" {
            ctx.set_fill_style_str(color);
            ctx.fill_rect(x, y - font * 0.4, font * 0.8, font * 0.8);
        }
        ctx.set_fill_style_str("#1b1f24");
        ctx.fill_text(label, x + font * 1.1, y)?;
        x += font * 2.2 + label_width;
    }
    Ok(out)
}

/// A "PNG" button that saves the canvas `canvas` as `pdsim-<canvas>.png`, with the chart's
/// title above it and its legend below.
#[function_component(PngButton)]
pub fn png_button(props: &PngButtonProps) -> Html {
    let id = props.canvas.clone();
    let onclick = {
        let id = id.clone();
        Callback::from(move |_| {
            let canvas = gloo::utils::document()
                .get_element_by_id(&id)
                .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok());
            if let Some(canvas) = canvas {
                let image = with_title_and_legend(&canvas).unwrap_or_else(|err| {
                    gloo::console::warn!(format!("saving the chart without its legend: {err:?}"));
                    canvas.clone()
                });
                match image.to_data_url_with_type("image/png") {
                    Ok(url) => {
                        let _ = save(&format!("pdsim-{id}.png"), &url);
                    }
                    Err(err) => gloo::console::warn!(format!("cannot save the chart: {err:?}")),
                }
            }
        })
    };
    html! {
        <button type="button" class="png" id={format!("png-{id}")} {onclick}
                title="Download this chart as a PNG image, with its title and legend">{ "PNG" }</button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_one_row_per_request() {
        let mut config = pdsim::Config::default();
        config.output.per_request = true;
        config.workload.requests = Some(20);
        let report = pdsim::run(&config).unwrap_or_else(|e| panic!("{e}"));
        let csv = requests_csv(&report);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 21);
        assert!(lines.iter().all(|l| l.split(',').count() == 16));
    }
}
