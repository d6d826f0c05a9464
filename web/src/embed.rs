//! Embeds that a documentation author shapes: which single controls and which charts (in
//! which order) an `embed=1` page shows, its title, and its height, which it tells the page
//! around it with `postMessage({pdsim: "resize", height: PIXELS}, "*")` so the iframe can
//! fit it (`<pdsim-demo>`, web/demo/pdsim-demo.js, listens; so does [`RESIZE_SNIPPET`]).
//! "Copy embed code" opens a dialog with checkboxes, the code and a live preview.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::charts::Chart;
use crate::url;

/// Charts an embed may show, in the playground's order: (URL name, label), from [`Chart`].
pub const CHARTS: [(&str, &str); Chart::ALL.len()] = {
    let mut out = [("", ""); Chart::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = (Chart::ALL[i].id(), Chart::ALL[i].label());
        i += 1;
    }
    out
};

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

/// Controls that show their value in a partner element, kept with them: the threshold slider's
/// number box.
const PARTNERS: [(&str, &str); 1] = [("threshold-range", "threshold")];

/// `ids` and their partners.
fn with_partners(ids: &[String]) -> Vec<String> {
    let mut all = ids.to_vec();
    for (a, b) in PARTNERS {
        if ids.iter().any(|id| id == a) && !ids.iter().any(|id| id == b) {
            all.push(b.to_owned());
        }
    }
    all
}

/// The style that shows only the form elements `ids` (with their labels) and hides every
/// other control, fieldset and note of the form.
pub fn control_filter(ids: &[String]) -> Html {
    let keep = id_selector(&with_partners(ids));
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
    // The body's height is its content's (the root's is at least the frame's own height, so
    // an embed could grow but never shrink, e.g. when a phone turns to landscape).
    let Some(body) = gloo::utils::document().body() else {
        return;
    };
    let height = body.scroll_height();
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

/// What an embed shows: the example it starts from (when the settings are one) or the
/// settings as a partial config (the fields that differ from the defaults), its charts, its
/// controls and its title.
#[derive(Clone, Debug, PartialEq)]
pub struct Demo {
    /// The scenario, as `pdsim example` names it.
    pub example: Option<String>,
    /// A partial config, as JSON text.
    pub config: Option<String>,
    /// Charts, in order (empty: every chart).
    pub charts: Vec<String>,
    /// Form element ids (empty: no control).
    pub controls: Vec<String>,
    /// Title (empty: the default one).
    pub title: String,
}

impl Demo {
    /// The demo of these settings: by example name when they are one, else as a partial config.
    pub fn of(config: &pdsim::Config, charts: &[String], controls: &[String], title: &str) -> Self {
        let example = crate::form::example_id(config);
        let (example, config) = if example == "custom" {
            let mut config = config.clone();
            config.workload.trace = None;
            let value = serde_json::to_value(&config).unwrap_or_default();
            let default = serde_json::to_value(pdsim::Config::default()).unwrap_or_default();
            (None, pdsim::diff(&default, &value).map(|v| v.to_string()))
        } else {
            (Some(example.to_owned()), None)
        };
        Self {
            example,
            config,
            charts: charts.to_vec(),
            controls: controls.to_vec(),
            title: title.trim().to_owned(),
        }
    }

    /// The embed's URL fragment, as `<pdsim-demo>` (web/demo/pdsim-demo.js) writes it for the
    /// same attributes: `embed=1&example=...&config=...&charts=...&controls=...&title=...`.
    pub fn hash(&self) -> String {
        let mut params = url::Params::default();
        params.set("embed", Some("1".into()));
        params.set("example", self.example.clone());
        params.set("config", self.config.clone());
        params.set(
            "charts",
            (!self.charts.is_empty()).then(|| self.charts.join(",")),
        );
        params.set("controls", Some(self.controls.join(",")));
        params.set(
            "title",
            (!self.title.is_empty()).then(|| self.title.clone()),
        );
        params.text()
    }

    /// The two lines a docs page pastes: the script (from `base`, the directory the playground
    /// is served from) and the element.
    pub fn element_code(&self, base: &str) -> String {
        let mut attrs = String::new();
        let mut attr = |name: &str, value: &str| {
            attrs.push_str(&format!(" {name}=\"{}\"", attribute(value)));
        };
        if let Some(example) = &self.example {
            attr("example", example);
        }
        if !self.controls.is_empty() {
            attr("controls", &self.controls.join(","));
        }
        if !self.charts.is_empty() {
            attr("charts", &self.charts.join(","));
        }
        if !self.title.is_empty() {
            attr("title", &self.title);
        }
        // JSON in single quotes reads better than a run of &quot;.
        if let Some(config) = &self.config {
            attrs.push_str(&format!(
                " config='{}'",
                config.replace('&', "&amp;").replace('\'', "&#39;")
            ));
        }
        format!(
            "<script type=\"module\" src=\"{}pdsim-demo.js\"></script>\n<pdsim-demo{attrs}></pdsim-demo>",
            attribute(base)
        )
    }

    /// A plain `<iframe>` of the demo, with the lines that size it to its content.
    pub fn iframe_code(&self, base: &str, height: u32) -> String {
        let title = if self.title.is_empty() {
            "pdsim playground"
        } else {
            &self.title
        };
        format!(
            "<iframe src=\"{}index.html#{}\" width=\"100%\" height=\"{height}\" style=\"border:0\" title=\"{}\"></iframe>\n{RESIZE_SNIPPET}",
            attribute(base),
            attribute(&self.hash()),
            attribute(title),
        )
    }
}

/// The lines that size every pdsim iframe of a page to its content (once per page).
pub const RESIZE_SNIPPET: &str = "<script>\naddEventListener(\"message\", (e) => {\n  if (e.data?.pdsim !== \"resize\") return;\n  for (const f of document.querySelectorAll(\"iframe\"))\n    if (f.contentWindow === e.source) f.style.height = e.data.height + \"px\";\n});\n</script>";

/// `text` for a double-quoted HTML attribute.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The directory of the page's path (`/docs/pdsim/` for `/docs/pdsim/index.html`): where the
/// playground is served on its own site, without the origin.
fn page_dir() -> String {
    let path = gloo::utils::window()
        .location()
        .pathname()
        .unwrap_or_default();
    match path.rfind('/') {
        Some(end) => path[..=end].to_owned(),
        None => "/".to_owned(),
    }
}

/// Quiet time after an edit of the dialog's options before the preview reloads, in ms.
const PREVIEW_DELAY_MS: u32 = 400;

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
    let state = crate::state::use_app_state();
    let charts = use_state(|| vec!["breakdown".to_owned()]);
    let controls = use_state(|| vec!["decider".to_owned(), "threshold-range".to_owned()]);
    let title = use_state(String::new);
    let base = use_state(page_dir);
    let iframe = use_state(|| false);
    let status = use_state(String::new);
    let demo = Demo::of(&state.settings.config, &charts, &controls, &title);
    let code = if *iframe {
        demo.iframe_code(&base, 560)
    } else {
        demo.element_code(&base)
    };
    // The preview is the same page the element would frame; a new src (only its hash differs)
    // would not reload the iframe, so the key makes a new one for every change, once the
    // options have rested for a moment (not one page load per key typed in the title).
    let wanted = format!("./index.html#{}", demo.hash());
    let src = use_state(|| wanted.clone());
    {
        let src = src.clone();
        use_effect_with(wanted, move |wanted| {
            let wanted = wanted.clone();
            let timer = (*src != wanted).then(|| {
                gloo::timers::callback::Timeout::new(PREVIEW_DELAY_MS, move || src.set(wanted))
            });
            move || drop(timer)
        });
    }
    let src = (*src).clone();

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
                let rank = |v: &String| {
                    order
                        .iter()
                        .position(|(id, _)| id == v)
                        .unwrap_or(usize::MAX)
                };
                pdsim::stable_sort_by(&mut next, |a, b| rank(a).cmp(&rank(b)));
                list.set(next);
            }
        })
    };
    let on_chart = toggle(charts.clone(), &CHARTS);
    let on_control = toggle(controls.clone(), &CONTROLS);
    let on_title = {
        let title = title.clone();
        Callback::from(move |e: InputEvent| title.set(crate::components::controls::input_value(&e)))
    };
    let on_base = {
        let base = base.clone();
        Callback::from(move |e: InputEvent| base.set(crate::components::controls::input_value(&e)))
    };
    let on_form = {
        let iframe = iframe.clone();
        Callback::from(move |e: Event| {
            if let Some((value, on)) = checked(&e) {
                if on {
                    iframe.set(value == "iframe");
                }
            }
        })
    };
    let copy = {
        let status = status.clone();
        let code = code.clone();
        Callback::from(move |_| {
            let status = status.clone();
            let code = code.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if crate::clipboard::copy_text(code).await {
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
    let help = if *iframe {
        "A plain iframe: the script under it sizes it to its content (once per page)."
    } else {
        "Paste both lines into a page (docs/EMBEDDING.md has the form for mdBook, MkDocs, \
         Docusaurus and Sphinx). The element sizes itself to its content and links to the full \
         playground; the script's address is where your site serves this playground's files."
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
                    <label>{ "Playground served at " }
                        <input type="text" id="embed-base" value={(*base).clone()} oninput={on_base}
                               title="The address of this playground's directory on your site (where pdsim-demo.js and index.html are)" />
                    </label>
                    <fieldset>
                        <legend>{ "Code" }</legend>
                        <label class="check">
                            <input type="radio" name="embed-form" value="element" checked={!*iframe} onchange={on_form.clone()} />
                            { "<pdsim-demo> element" }
                        </label>
                        <label class="check">
                            <input type="radio" name="embed-form" value="iframe" checked={*iframe} onchange={on_form} />
                            { "plain <iframe>" }
                        </label>
                    </fieldset>
                </div>
                <p class="help">{ help }</p>
                <textarea id="embed-code" readonly=true rows="4" value={code} />
                <div class="embed-actions">
                    <button type="button" id="embed-copy" onclick={copy}>{ "Copy code" }</button>
                    <span role="status">{ (*status).clone() }</span>
                    <button type="button" id="embed-close" onclick={close}>{ "Close" }</button>
                </div>
                <iframe key={src.clone()} id="embed-preview" class="embed-preview" src={src} title="Preview of the embed" />
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slider_keeps_its_number_box() {
        let ids = vec!["threshold-range".to_owned()];
        assert_eq!(
            id_selector(&with_partners(&ids)),
            "#threshold-range, #threshold"
        );
        let ids = vec!["decider".to_owned()];
        assert_eq!(id_selector(&with_partners(&ids)), "#decider");
    }

    #[test]
    fn a_demo_is_named_by_its_example_and_its_code_reads_back() {
        let example = pdsim::example("long-prompts-disagg")
            .map(|e| e.config)
            .unwrap_or_default();
        let charts = vec!["breakdown".to_owned()];
        let controls = vec!["decider".to_owned(), "threshold-range".to_owned()];
        let demo = Demo::of(&example, &charts, &controls, "Where does TTFT go?");
        assert_eq!(demo.example.as_deref(), Some("long-prompts-disagg"));
        assert_eq!(
            demo.element_code("/docs/pdsim/"),
            "<script type=\"module\" src=\"/docs/pdsim/pdsim-demo.js\"></script>\n<pdsim-demo \
             example=\"long-prompts-disagg\" controls=\"decider,threshold-range\" \
             charts=\"breakdown\" title=\"Where does TTFT go?\"></pdsim-demo>"
        );
        // The hash the element writes gives back the example and the view.
        let (config, note, view) = url::read(&format!("#{}", demo.hash()));
        assert_eq!(note, None);
        assert_eq!(config, example);
        assert_eq!(view.title.as_deref(), Some("Where does TTFT go?"));
        assert_eq!(view.controls, Some(controls));
        // Other settings travel as a partial config, with no unrelated state.
        let mut custom = example;
        custom.workload.arrival.rate_per_s = 1.5;
        let demo = Demo::of(&custom, &charts, &[], "");
        assert_eq!(demo.example, None);
        let code = demo.element_code("./");
        assert!(code.contains("config='{"), "{code}");
        assert!(!code.contains("controls="), "{code}");
        let (config, note, view) = url::read(&format!("#{}", demo.hash()));
        assert_eq!(note, None);
        assert_eq!(config, custom);
        assert!(view.no_controls());
        assert!(demo.iframe_code("./", 560).contains(RESIZE_SNIPPET));
    }

    #[test]
    fn only_safe_ids_reach_the_style() {
        let ids = vec!["decider".to_owned(), "rate}<b>".to_owned(), String::new()];
        assert_eq!(id_selector(&ids), "#decider, #rateb");
    }
}
