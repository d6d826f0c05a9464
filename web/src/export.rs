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
         decode_instance,ttft_ms,e2e_ms,itl_ms,prefill_queue_ms,prefill_ms,transfer_ms,\
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
            opt(r.itl_ms),
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

/// A "PNG" button that saves the canvas `canvas` as `pdsim-<canvas>.png`.
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
                match canvas.to_data_url_with_type("image/png") {
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
                title="Download this chart as a PNG image">{ "PNG" }</button>
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
