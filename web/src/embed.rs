//! Embeds that a documentation author shapes: which single controls and which charts (in
//! which order) an `embed=1` page shows, its title, and its height, which it tells the page
//! around it with `postMessage({pdsim: "resize", height: PIXELS}, "*")` so the iframe can
//! fit it (docs/embed.html shows the three lines that listen). "Copy embed code" opens a
//! dialog with checkboxes and a live preview.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::url;

/// Charts an embed may show, in the playground's order: (URL name, label).
pub const CHARTS: [(&str, &str); 7] = [
    ("cards", "Number cards"),
    ("breakdown", "TTFT breakdown"),
    ("flow", "Request flow"),
    ("waterfall", "Request waterfall"),
    ("cdf", "Latency distributions"),
    ("timeline", "Instance timeline"),
    ("sweep", "Threshold sweep"),
];

/// Single controls an author is most likely to offer: (element id, label). Any form
/// element's id works in `controls=`.
pub const CONTROLS: [(&str, &str); 12] = [
    ("model", "Model"),
    ("gpu", "GPU"),
    ("decider", "Decider"),
    ("threshold-range", "Threshold slider"),
    ("prefill-instances", "Prefill instances"),
    ("decode-instances", "Decode instances"),
    ("unified-instances", "Unified instances"),
    ("decode-tp", "Decode TP"),
    ("rate", "Arrival rate"),
    ("bandwidth", "Link bandwidth"),
    ("input-mean", "Mean prompt length"),
    ("prefix-fraction", "Prefix-sharing fraction"),
];

/// A CSS selector list matching the elements with these ids (ids are sanitised: letters,
/// digits and dashes only).
fn id_selector(ids: &[String]) -> String {
    ids.iter()
        .map(|id| {
            id.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .filter(|id| !id.is_empty())
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The style that shows only the form elements `ids` (with their labels) and hides every
/// other control, fieldset and note of the form.
pub fn control_filter(ids: &[String]) -> Html {
    let keep = id_selector(ids);
    if keep.is_empty() {
        return html! {};
    }
    let css = format!(
        "form.controls fieldset:not(:has({keep})) {{ display: none }}\n\
         form.controls fieldset > :not(legend):not(:has({keep})):not({keep}) {{ display: none }}\n\
         form.controls :is(.pair, .triple, .range-pair, .dist) > :not(:has({keep})):not({keep}) {{ display: none }}"
    );
    html! { <style id="embed-controls-style">{ css }</style> }
}

/// Tells the embedding page this document's height after every render (when it changed).
#[hook]
pub fn use_report_height(embed: bool) {
    let last = use_mut_ref(|| 0_i32);
    use_effect(move || {
        if embed {
            post_height(&last);
        }
    });
    // Late layout changes (charts drawn after the render, window resizes) as well.
    let last2 = use_mut_ref(|| 0_i32);
    use_effect_with(embed, move |embed| {
        let interval =
            embed.then(|| gloo::timers::callback::Interval::new(500, move || post_height(&last2)));
        move || drop(interval)
    });
}

fn post_height(last: &std::rc::Rc<std::cell::RefCell<i32>>) {
    let window = gloo::utils::window();
    let Some(root) = gloo::utils::document().document_element() else {
        return;
    };
    let height = root.scroll_height();
    if height == *last.borrow() {
        return;
    }
    *last.borrow_mut() = height;
    let message = js_sys::Object::new();
    js_sys::Reflect::set(&message, &"pdsim".into(), &"resize".into()).ok();
    js_sys::Reflect::set(&message, &"height".into(), &JsValue::from(height)).ok();
    if let Ok(Some(parent)) = window.parent() {
        parent.post_message(&message, "*").ok();
    }
}

/// The `<iframe>` code of an embed of the current settings with these options.
pub fn embed_code(charts: &[String], controls: &[String], title: &str, height: u32) -> String {
    let mut params = url::current();
    params.set("embed", Some("1".into()));
    params.set("hide", None);
    params.set("charts", (!charts.is_empty()).then(|| charts.join(",")));
    params.set(
        "controls",
        (!controls.is_empty()).then(|| controls.join(",")),
    );
    params.set(
        "title",
        (!title.trim().is_empty()).then(|| {
            percent_encoding::utf8_percent_encode(title.trim(), percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        }),
    );
    let src = format!("{}#{}", url::page_url(), params.text());
    format!(
        "<iframe src=\"{}\" width=\"100%\" height=\"{height}\" style=\"border:0\" title=\"{}\"></iframe>",
        src.replace('"', "&quot;"),
        if title.trim().is_empty() { "pdsim playground" } else { title.trim() }.replace('"', "&quot;"),
    )
}

/// Properties of [`EmbedDialog`].
#[derive(Properties, PartialEq)]
pub struct EmbedDialogProps {
    /// Called when the dialog closes.
    pub on_close: Callback<()>,
}

fn checked(e: &Event) -> Option<(String, bool)> {
    let input = e.target()?.dyn_into::<HtmlInputElement>().ok()?;
    Some((input.value(), input.checked()))
}

/// The "Copy embed code" dialog: what the embed shows, a live preview, the code.
#[function_component(EmbedDialog)]
pub fn embed_dialog(props: &EmbedDialogProps) -> Html {
    let charts = use_state(|| vec!["breakdown".to_owned()]);
    let controls = use_state(|| vec!["decider".to_owned(), "threshold-range".to_owned()]);
    let title = use_state(String::new);
    let status = use_state(String::new);
    let code = embed_code(&charts, &controls, &title, 560);
    let src = code
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .replace("&quot;", "\"");

    let toggle = |list: UseStateHandle<Vec<String>>,
                  order: &'static [(&'static str, &'static str)]| {
        Callback::from(move |e: Event| {
            if let Some((value, on)) = checked(&e) {
                let mut next: Vec<String> = (*list).clone();
                next.retain(|v| *v != value);
                if on {
                    next.push(value);
                }
                // Keep the playground's order.
                next.sort_by_key(|v| {
                    order
                        .iter()
                        .position(|(id, _)| id == v)
                        .unwrap_or(usize::MAX)
                });
                list.set(next);
            }
        })
    };
    let on_chart = toggle(charts.clone(), &CHARTS);
    let on_control = toggle(controls.clone(), &CONTROLS);
    let on_title = {
        let title = title.clone();
        Callback::from(move |e: InputEvent| title.set(crate::controls::input_value(&e)))
    };
    let copy = {
        let status = status.clone();
        let code = code.clone();
        Callback::from(move |_| {
            let status = status.clone();
            let code = code.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if crate::share::copy_text(code).await {
                    status.set("copied".into());
                } else {
                    status.set("could not copy: select the code and copy it".into());
                }
            });
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    let boxes = |list: &[String],
                 items: &'static [(&'static str, &'static str)],
                 name: &'static str,
                 cb: &Callback<Event>| {
        items
            .iter()
            .map(|(id, label)| {
                html! {
                    <label class="check">
                        <input type="checkbox" name={name} value={*id}
                               checked={list.iter().any(|v| v == id)} onchange={cb.clone()} />
                        { *label }
                    </label>
                }
            })
            .collect::<Html>()
    };
    html! {
        <div class="embed-dialog" role="dialog" aria-modal="true" aria-labelledby="embed-dialog-title" id="embed-dialog">
            <div class="embed-dialog-box">
                <h2 id="embed-dialog-title">{ "Embed this scenario" }</h2>
                <div class="embed-options">
                    <fieldset>
                        <legend>{ "Charts" }</legend>
                        { boxes(&charts, &CHARTS, "embed-chart", &on_chart) }
                    </fieldset>
                    <fieldset>
                        <legend>{ "Controls" }</legend>
                        { boxes(&controls, &CONTROLS, "embed-control", &on_control) }
                    </fieldset>
                    <label>{ "Title " }
                        <input type="text" id="embed-title" value={(*title).clone()} oninput={on_title}
                               placeholder="e.g. When does disaggregation pay?" />
                    </label>
                </div>
                <p class="help">
                    { "The embed tells the page its height; add the three lines of docs/embed.html \
                       to size the iframe to it." }
                </p>
                <textarea id="embed-code" readonly=true rows="3" value={code} />
                <div class="embed-actions">
                    <button type="button" id="embed-copy" onclick={copy}>{ "Copy code" }</button>
                    <span role="status">{ (*status).clone() }</span>
                    <button type="button" id="embed-close" onclick={close}>{ "Close" }</button>
                </div>
                <iframe id="embed-preview" class="embed-preview" src={src} title="Preview of the embed" />
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_ids_reach_the_style() {
        let ids = vec!["decider".to_owned(), "rate}<b>".to_owned(), String::new()];
        assert_eq!(id_selector(&ids), "#decider, #rateb");
    }
}
