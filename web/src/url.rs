//! The playground's state in the URL: `#v=1&c=<config>&w=<waterfall pick>`, plus the embed
//! options `&embed=1&charts=<charts, in order>&controls=<element ids>&title=<text>` (and the
//! older `hide=<groups>`). `<pdsim-demo>` (web/demo/pdsim-demo.js) writes
//! `#embed=1&example=<name>&config=<partial config JSON>&...`: the example's config (else the
//! defaults) with the partial config merged onto it. Values are read as `URLSearchParams`
//! reads them (see [`Params::parse`]).
//!
//! `c` is the base64url (no padding) of the JSON of only the config fields that differ from
//! [`Config::default()`] ([`Config::from_json`] merges such a partial object onto the
//! defaults). A replayed trace is data, not settings: it is not put in the URL. The hash is
//! rewritten with `history.replaceState` shortly after the config becomes valid again
//! (see [`write_config`]).

use std::cell::RefCell;
use std::sync::OnceLock;

use gloo::timers::callback::Timeout;
use pdsim::merge_onto;
use pdsim::Config;
use serde_json::Value;
use wasm_bindgen::JsValue;

/// The version of the URL format this playground writes and reads.
pub const VERSION: &str = "1";

/// Control groups that `&hide=` may name.
pub const GROUPS: [&str; 6] = ["scenario", "topology", "disagg", "slo", "link", "workload"];

// Charts that `&charts=` may name: cards, breakdown, waterfall, cdf, timeline, sweep.

/// The `c` parameter of `config` (`None` for the default config). The trace is left out.
pub fn encode_config(config: &Config) -> Option<String> {
    pdsim::share_value(config)
}

/// The config of a `c` parameter, or what is wrong with it.
pub fn decode_config(c: &str) -> Result<Config, String> {
    pdsim::config_of_share_value(c).map_err(|e| e.to_string())
}

/// What [`Params::text`] leaves as it is: unreserved characters (RFC 3986) and the comma of
/// lists.
const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b',');

/// The parameters of a hash, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses `a=1&b=2` (a leading `#` is ignored) as `URLSearchParams` does: `+` is a space
    /// and `%XX` a byte of UTF-8, in keys and values (what `URLSearchParams`, `encodeURIComponent`
    /// or a docs tool writes: `controls=decider%2Cthreshold-range`, `title=Where+does+TTFT+go%3F`).
    pub fn parse(hash: &str) -> Self {
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(&text.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        Self(
            hash.trim_start_matches('#')
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets (or, with `None`, removes) `key`.
    pub fn set(&mut self, key: &str, value: Option<String>) {
        match value {
            None => self.0.retain(|(k, _)| k != key),
            Some(value) => match self.0.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => self.0.push((key.to_owned(), value)),
            },
        }
    }

    /// `a=1&b=2`, every byte but letters, digits, `-_.~` and `,` percent-encoded (a space as
    /// `%20`), so that [`Params::parse`] reads back exactly these values.
    pub fn text(&self) -> String {
        let encode = |text: &str| percent_encoding::utf8_percent_encode(text, KEEP).to_string();
        self.0
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// How the page was asked to look (read once from the URL at start).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// `embed=1`: the compact layout for an iframe.
    pub embed: bool,
    /// Control groups to hide.
    pub hide: Vec<String>,
    /// Charts to show, in this order (`None`: all, in the playground's order).
    pub charts: Option<Vec<String>>,
    /// Single form controls to show, by element id (`None`: every control of the shown
    /// groups; empty: none).
    pub controls: Option<Vec<String>>,
    /// The embed's title (`title`).
    pub title: Option<String>,
    /// The waterfall's pick (`w`).
    pub pick: Option<String>,
    /// Open `<details>` sections (`open`).
    pub open: Vec<String>,
}

impl View {
    /// Whether the control group `name` is hidden.
    pub fn hides(&self, name: &str) -> bool {
        self.hide.iter().any(|h| h == name)
    }

    /// Whether no control is shown: every group hidden, or an empty `controls=`.
    pub fn no_controls(&self) -> bool {
        GROUPS.iter().all(|g| self.hides(g)) || self.controls.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether the number cards (and the headline strip that repeats them) are shown.
    pub fn shows_cards(&self) -> bool {
        self.charts
            .as_ref()
            .is_none_or(|charts| charts.iter().any(|c| c == "cards"))
    }
}

fn list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What a page of this hash starts with: its config, a note when the URL could not be used,
/// and its view.
pub fn read(hash: &str) -> (Config, Option<String>, View) {
    let params = Params::parse(hash);
    let view = View {
        embed: params.get("embed").is_some_and(|v| v == "1" || v == "true"),
        hide: list(params.get("hide")),
        charts: params.get("charts").map(|c| list(Some(c))),
        controls: params.get("controls").map(|c| list(Some(c))),
        title: params
            .get("title")
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()),
        pick: params.get("w").map(str::to_owned),
        open: list(params.get("open")),
    };
    let fallback = |why: String| {
        (
            Config::default(),
            Some(format!(
                "This link could not be used: {why}. Showing the default settings instead."
            )),
            view.clone(),
        )
    };
    if params.get("example").is_some() || params.get("config").is_some() {
        return match demo_config(params.get("example"), params.get("config")) {
            Ok(config) => (config, None, view.clone()),
            Err(e) => fallback(e),
        };
    }
    match (params.get("v"), params.get("c")) {
        (None, None) => (Config::default(), None, view.clone()),
        (None, Some(_)) => fallback("it has settings but no version (v=1)".into()),
        (Some(v), _) if v != VERSION => fallback(format!(
            "its version is v={v}, and this playground reads v={VERSION}"
        )),
        (Some(_), None) => (Config::default(), None, view.clone()),
        (Some(_), Some("")) => (Config::default(), None, view.clone()),
        (Some(_), Some(c)) => match decode_config(c) {
            Ok(config) => (config, None, view.clone()),
            Err(e) => fallback(e),
        },
    }
}

/// The config of a `<pdsim-demo>`: the example `example` (else the defaults) with the partial
/// config `config` (JSON text) merged onto it, checked.
fn demo_config(example: Option<&str>, config: Option<&str>) -> Result<Config, String> {
    let base = match example.map(str::trim).filter(|e| !e.is_empty()) {
        None => Config::default(),
        Some(name) => pdsim::example(name).map(|e| e.config).ok_or_else(|| {
            let names: Vec<&str> = pdsim::examples().iter().map(|e| e.name).collect();
            format!(
                "example: no example is named \"{name}\" (the examples: {})",
                names.join(", ")
            )
        })?,
    };
    let Some(text) = config.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(base);
    };
    let given: Value = serde_json::from_str(text).map_err(|e| format!("config: not JSON ({e})"))?;
    if !given.is_object() {
        return Err("config: must be a JSON object (a partial config)".into());
    }
    let mut merged = serde_json::to_value(&base).map_err(|e| e.to_string())?;
    merge_onto(&mut merged, given);
    // Read and checked as a `c` of the whole merged config is (one parser, one set of error
    // messages; `Config::from_json` would link a second, path-tracking deserializer of the
    // whole config into the bundle: +40 KB gzip).
    decode_config(&pdsim::base64url_encode(merged.to_string().as_bytes()))
        .map_err(|e| format!("config: {e}"))
}

/// The page's start: read once from `location.hash`.
pub fn start() -> &'static (Config, Option<String>, View) {
    static START: OnceLock<(Config, Option<String>, View)> = OnceLock::new();
    START.get_or_init(|| read(&gloo::utils::window().location().hash().unwrap_or_default()))
}

/// The pinned baseline's config of the page's URL (`b`, encoded like `c`; empty: the
/// defaults), if the link has one that can be used.
pub fn start_baseline() -> Option<Config> {
    static BASELINE: OnceLock<Option<Config>> = OnceLock::new();
    BASELINE
        .get_or_init(|| read_baseline(&gloo::utils::window().location().hash().unwrap_or_default()))
        .clone()
}

/// The baseline config of a hash's `b` parameter (see [`start_baseline`]).
pub fn read_baseline(hash: &str) -> Option<Config> {
    match Params::parse(hash).get("b") {
        None => None,
        Some("") => Some(Config::default()),
        Some(b) => decode_config(b).ok(),
    }
}

/// Puts the pinned baseline's config in the URL (`b`), or removes it.
pub fn write_baseline(config: Option<&Config>) {
    write("b", config.map(|c| encode_config(c).unwrap_or_default()));
}

/// The view of the page.
pub fn view() -> &'static View {
    &start().2
}

/// Quiet time after an edit before its config is written to the URL, in ms. Chromium spends
/// several milliseconds of main thread in `history.replaceState`, which would otherwise sit
/// between an edit and its charts; meanwhile [`current`] already answers with the new config.
const WRITE_DELAY_MS: u32 = 250;

thread_local! {
    /// The config [`write_config`] will put in the URL.
    static PENDING: RefCell<Option<Config>> = const { RefCell::new(None) };
    /// The timer that will (replacing it cancels it).
    static TIMER: RefCell<Option<Timeout>> = const { RefCell::new(None) };
}

/// The hash parameters of the page now (with the config of a pending [`write_config`]).
pub fn current() -> Params {
    let mut params = Params::parse(&gloo::utils::window().location().hash().unwrap_or_default());
    PENDING.with_borrow(|pending| {
        if let Some(config) = pending {
            params.set("v", Some(VERSION.to_owned()));
            params.set("c", encode_config(config));
            // `c` now holds the whole config: a demo's example and partial config are done.
            params.set("example", None);
            params.set("config", None);
        }
    });
    params
}

/// Replaces the page's URL by one with these parameters (no new history entry). The
/// parameters come from [`current`], so a pending config is written too.
fn replace(params: &Params) {
    PENDING.with_borrow_mut(Option::take);
    let window = gloo::utils::window();
    let location = window.location();
    let base = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let url = format!("{base}#{}", params.text());
    if let Ok(history) = window.history() {
        // Failure only leaves the old URL.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Puts `config` in the URL, [`WRITE_DELAY_MS`] after the last call.
pub fn write_config(config: &Config) {
    PENDING.with_borrow_mut(|pending| *pending = Some(config.clone()));
    let timer = Timeout::new(WRITE_DELAY_MS, || {
        if PENDING.with_borrow(Option::is_some) {
            replace(&current());
        }
    });
    TIMER.with_borrow_mut(|slot| *slot = Some(timer));
}

/// Sets one parameter of the URL.
pub fn write(key: &str, value: Option<String>) {
    let mut params = current();
    params.set("v", Some(VERSION.to_owned()));
    params.set(key, value);
    replace(&params);
}

/// Records in the URL (`open=`) whether the section `name` is open.
pub fn set_open(name: &str, open: bool) {
    let mut sections = list(current().get("open"));
    sections.retain(|s| s != name);
    if open {
        sections.push(name.to_owned());
    }
    write("open", (!sections.is_empty()).then(|| sections.join(",")));
}

/// A `<details>` toggle handler that records the section `name` in the URL.
pub fn on_toggle(name: &'static str) -> yew::Callback<web_sys::Event> {
    yew::Callback::from(move |e: web_sys::Event| {
        let open = e
            .target()
            .and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("open")).ok())
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        set_open(name, open);
    })
}

/// Whether the URL asked for the section `name` to be open.
pub fn opened(name: &str) -> bool {
    view().open.iter().any(|s| s == name)
}

/// The page's URL without the hash.
pub fn page_url() -> String {
    let location = gloo::utils::window().location();
    format!(
        "{}{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    )
}

/// The link of the current state (full playground: no embed options).
pub fn share_link() -> String {
    let mut params = current();
    for key in EMBED_KEYS {
        params.set(key, None);
    }
    format!("{}#{}", page_url(), params.text())
}

/// The parameters that shape an embed, which a full playground's link leaves out.
pub const EMBED_KEYS: [&str; 5] = ["embed", "hide", "charts", "controls", "title"];

/// The link of an embed's "Open full playground": the same settings (and the same example
/// and partial config of a `<pdsim-demo>`), without the embed's options, relative to the page.
pub fn full_playground_link() -> String {
    let mut params = current();
    for key in EMBED_KEYS {
        params.set(key, None);
    }
    format!("./#{}", params.text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_round_trips_through_the_url() {
        assert_eq!(encode_config(&Config::default()), None);
        for example in pdsim::examples() {
            let c = encode_config(&example.config).unwrap_or_default();
            let (config, note, _) = read(&format!("#v=1&c={c}"));
            assert_eq!(note, None, "{}", example.name);
            assert_eq!(config, example.config, "{}", example.name);
        }
    }

    #[test]
    fn bad_links_fall_back_with_a_note() {
        let (config, note, _) = read("#v=9&c=e30");
        assert_eq!(config, Config::default());
        assert!(note.unwrap_or_default().contains("v=9"));
        let (_, note, _) = read("#v=1&c=!!!");
        assert!(note.unwrap_or_default().contains("damaged"));
        let c = pdsim::base64url_encode(br#"{"seed":"x"}"#);
        let (_, note, _) = read(&format!("#v=1&c={c}"));
        assert!(note.unwrap_or_default().contains("seed"));
        let (_, note, view) = read("#embed=1&hide=topology,slo&charts=cards");
        assert_eq!(note, None);
        assert!(view.embed && view.hides("slo"));
        assert_eq!(view.charts.as_deref(), Some(&["cards".to_owned()][..]));
    }

    #[test]
    fn the_baseline_travels_in_the_url() {
        let mut config = Config::default();
        config.disaggregation.decider = pdsim::config::Decider::Never;
        let b = encode_config(&config).unwrap_or_default();
        assert_eq!(read_baseline(&format!("#v=1&b={b}")), Some(config));
        assert_eq!(read_baseline("#v=1&b="), Some(Config::default()));
        assert_eq!(read_baseline("#v=1"), None);
        assert_eq!(
            read_baseline("#v=1&b=!!!"),
            None,
            "a damaged baseline is dropped"
        );
    }

    /// docs/embed.html embeds the two long-prompt examples by name.
    #[test]
    fn the_embed_page_names_existing_examples() {
        let page = include_str!("../../docs/embed.html");
        for name in ["long-prompts-agg", "long-prompts-disagg"] {
            assert!(pdsim::example(name).is_some(), "no example {name}");
            assert!(page.contains(&format!("example=\"{name}\"")), "{name}");
        }
        assert!(!page.contains("hide="), "hide= is not a documented option");
    }

    /// Options are read as URLSearchParams reads them, and written so that they read back.
    #[test]
    fn options_decode_the_standard_way() {
        let (_, note, view) =
            read("#embed=1&controls=decider%2Cthreshold-range&title=Where+does+TTFT+go%3F");
        assert_eq!(note, None);
        assert_eq!(
            view.controls,
            Some(vec!["decider".to_owned(), "threshold-range".to_owned()])
        );
        assert_eq!(view.title.as_deref(), Some("Where does TTFT go?"));
        let mut params = Params::default();
        params.set("title", Some("a+b & c=d, 100%".into()));
        params.set("charts", Some("cards,breakdown".into()));
        assert_eq!(
            params.text(),
            "title=a%2Bb%20%26%20c%3Dd,%20100%25&charts=cards,breakdown"
        );
        assert_eq!(Params::parse(&params.text()), params);
    }

    /// A demo's example and partial config; an unknown example is named in the note.
    #[test]
    fn a_demo_starts_from_its_example_and_partial_config() {
        let example = pdsim::example("long-prompts-disagg")
            .map(|e| e.config)
            .unwrap_or_default();
        let (config, note, _) = read("#embed=1&example=long-prompts-disagg");
        assert_eq!((config, note), (example.clone(), None));
        let (config, note, _) = read(
            "#embed=1&example=long-prompts-disagg&config=%7B%22workload%22%3A%7B%22arrival%22%3A%7B%22rate_per_s%22%3A1.5%7D%7D%7D",
        );
        assert_eq!(note, None);
        assert_eq!(config.workload.arrival.rate_per_s, 1.5);
        assert_eq!(config.model, example.model);
        let (config, note, _) = read("#embed=1&example=no-such");
        assert_eq!(config, Config::default());
        assert!(note
            .unwrap_or_default()
            .contains("no example is named \"no-such\""));
        let (_, note, _) = read("#embed=1&config=%7B%22seed%22%3A%22x%22%7D");
        assert!(note.unwrap_or_default().contains("seed"));
        let (_, _, view) = read("#embed=1&controls=");
        assert!(view.no_controls());
    }
}
